"""What several commands share: writing output whole, and a progress bar on terminals only."""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from anpr_ops.checkpoint import Checkpoint
from anpr_ops.interop._source import Progress
from anpr_ops.keys import read_verifiers
from anpr_ops.store import OpLog

__all__ = [
    "ACTOR",
    "KEYS",
    "PURPOSE",
    "new_log_removed_on_failure",
    "output",
    "personal_log",
    "progress",
    "read_checkpoint",
    "read_log",
    "signed_by",
]


def read_log(path: Path) -> OpLog:
    """Open an existing log to read it; a missing file is an error and is never created."""
    if not path.exists():
        raise click.ClickException(f"no log file at {path}")
    return OpLog.open(path, readonly=True)


def personal_log(path: Path, actor: str | None, purpose: str | None) -> OpLog:
    """Open an existing log for a read of personal values: writable, since the read is
    recorded in the log's access record, with the actor and purpose given (or from the
    environment)."""
    if not path.exists():
        raise click.ClickException(f"no log file at {path}")
    return OpLog.open(path, actor=actor, purpose=purpose)


#: ``--as`` and ``--purpose``: who is reading personal values, and why (recorded).
ACTOR = click.option(
    "--as",
    "actor",
    metavar="ACTOR",
    help="Who is doing this (recorded in the log's access record; default $ANPR_OPS_ACTOR).",
)
PURPOSE = click.option(
    "--purpose",
    help="Why (recorded in the access record; default $ANPR_OPS_PURPOSE).",
)


#: ``--key``: verifier keys a checkpoint must be signed by (repeatable).
KEYS = click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="KEY",
    help="A verifier key (NAME+ID+KEY, as 'anpr-ops keygen' prints it) or a file of them, one "
    "per line: the checkpoint must be signed by one of them. Repeatable.",
)


def read_checkpoint(path: Path, keys: tuple[str, ...] = ()) -> Checkpoint:
    """The checkpoint in the file at ``path``, its signature checked when ``keys`` are given."""
    return Checkpoint.from_text(path.read_text(encoding="utf-8"), read_verifiers(keys))


def signed_by(checkpoint: Checkpoint) -> str:
    """What a command says about a checkpoint's signatures."""
    if checkpoint.signed_by:
        return "signed by " + ", ".join(checkpoint.signed_by) + " (signature checked)"
    if checkpoint.signatures:
        return "signature not checked (give --key to check it)"
    return "unsigned"


@contextlib.contextmanager
def progress(label: str) -> Iterator[Progress | None]:
    """A progress callback drawing a bar on stderr, or ``None`` when stderr is no terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bars: list[Any] = []

    def advance(done: int, total: int) -> None:
        if not bars:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            bars.append(bar)
        bar = bars[0]
        bar.update(done - bar.pos)

    try:
        yield advance
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


@contextlib.contextmanager
def output(path: Path | None, *, newline: str | None = None) -> Iterator[IO[str]]:
    """stdout, or a file that appears only once it is written whole; UTF-8 either way."""
    if path is None:
        stream = sys.stdout
        if codecs.lookup(stream.encoding or "ascii").name == "utf-8" or not hasattr(
            stream, "buffer"
        ):
            yield stream
            return
        # A terminal or pipe set to another encoding would fail on the first name with an
        # accent; reports and exports are UTF-8 files, so write UTF-8 bytes.
        stream.flush()
        utf8 = io.TextIOWrapper(stream.buffer, encoding="utf-8", write_through=True)
        try:
            yield utf8
        finally:
            utf8.flush()
            utf8.detach()
        return
    directory = path.resolve().parent
    if not directory.is_dir():
        raise click.ClickException(f"cannot write {path}: the folder {directory} does not exist")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as out:
            yield out
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def new_log_removed_on_failure(db: Path, create: bool) -> Iterator[OpLog]:
    """Open DB (creating it if asked); a log created here is deleted again if the import
    fails, so a failed import leaves no trace."""
    created = create and not db.exists()
    log = OpLog.open(db, create=create)
    try:
        with log:
            try:
                yield log
            except BaseException:
                # Only a log that is still empty: another process may have created the file
                # between the check above and the open, and written to it since.
                created = created and len(log) == 0
                raise
    except BaseException:
        if created:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{db}{suffix}").unlink()
        raise
