"""What several commands share: opening a log, writing output whole and never over a log, and
a progress bar on terminals only."""

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
from anpr_ops.cli._exits import CommandError, Exit
from anpr_ops.errors import UnknownForceError
from anpr_ops.forces import force_id
from anpr_ops.interop._source import Progress
from anpr_ops.keys import read_verifiers
from anpr_ops.store import OpLog

__all__ = [
    "ACTOR",
    "FORCE",
    "KEYS",
    "OUTPUT",
    "OVERWRITE",
    "PURPOSE",
    "check_target",
    "existing_log",
    "missing_log",
    "new_log_removed_on_failure",
    "output",
    "personal_log",
    "progress",
    "read_checkpoint",
    "read_log",
    "signed_by",
]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def missing_log(path: Path, *, can_create: bool = False) -> CommandError:
    """The error for a log file that is not there (saying how to make one, to a command that
    can)."""
    how = " (add --create to make a new one)" if can_create else ""
    return CommandError(f"no log file at {path}{how}", Exit.CANNOT)


def read_log(path: Path) -> OpLog:
    """Open an existing log to read it; a missing file is an error and is never created."""
    if not path.exists():
        raise missing_log(path)
    return OpLog.open(path, readonly=True)


def existing_log(path: Path, *, can_create: bool = False) -> OpLog:
    """Open an existing log to write to it (a missing file is an error, never created)."""
    if not path.exists():
        raise missing_log(path, can_create=can_create)
    return OpLog.open(path)


def personal_log(path: Path, actor: str | None, purpose: str | None) -> OpLog:
    """Open an existing log for a read of personal values: writable, since the read is
    recorded in the log's access record, with the actor and purpose given (or from the
    environment)."""
    if not path.exists():
        raise missing_log(path)
    return OpLog.open(path, actor=actor, purpose=purpose)


class _Force(click.ParamType[str, object]):
    """A police force: its data.police.uk id or name ("Metropolitan Police Service"), read as
    the id; anything else is refused, with close matches."""

    name = "FORCE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        try:
            return force_id(str(value))
        except UnknownForceError as exc:
            self.fail(exc.message, param, ctx)


#: The type of a ``--force`` that names a police force.
FORCE = _Force()


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
    """A progress callback drawing a bar on stderr, or ``None`` when stderr is no terminal.
    The bar is finished (its line ended) once it reaches its total, so that a second bar,
    for the next stage, is drawn on a line of its own."""
    if not sys.stderr.isatty():
        yield None
        return
    bars: list[Any] = []
    finished: list[bool] = []

    def advance(done: int, total: int) -> None:
        if finished:
            return
        if not bars:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            bars.append(bar)
        bar = bars[0]
        bar.update(done - bar.pos)
        if done >= total:
            finished.append(True)
            bar.__exit__(None, None, None)

    try:
        yield advance
    finally:
        if bars and not finished:
            bars[0].__exit__(None, None, None)


#: ``-o``/``--output``: where a command writes, instead of stdout.
OUTPUT = click.option(
    "-o",
    "--output",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (created whole, readable by its owner only) instead of stdout; "
    "never over a log, and over another existing file only with --force.",
)
#: ``--force``: let ``-o`` replace an existing file (never a log).
OVERWRITE = click.option(
    "--force",
    "overwrite",
    is_flag=True,
    help="Let -o replace an existing file (a log is never replaced).",
)


def _is_database(path: Path) -> bool:
    """Whether ``path`` is a SQLite database (a log or any other) or one's -wal, -shm or
    -journal file beside it."""
    try:
        with path.open("rb") as stream:
            if stream.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC:
                return True
    except OSError:
        return False
    for suffix in ("-wal", "-shm", "-journal"):
        if path.name.endswith(suffix):
            main = path.with_name(path.name.removesuffix(suffix))
            if main.is_file() and _is_database(main):
                return True
    return False


def check_target(path: Path | None, *, force: bool, reading: Path | None = None) -> None:
    """Refuse, before any work, to write ``-o`` over a log (never: not even with ``--force``),
    over the file being read, or over any other existing file unless ``force``."""
    if path is None:
        return
    if reading is not None and path.exists() and reading.exists():
        with contextlib.suppress(OSError):
            if path.samefile(reading):
                message = f"-o {path} is the log being read; anpr-ops never writes over a log"
                raise CommandError(message, Exit.CANNOT)
    if path.is_dir():
        raise CommandError(f"-o {path} is a folder; give a file name", Exit.CANNOT)
    if not path.exists():
        return
    if _is_database(path):
        message = (
            f"-o {path} is a SQLite database (a log, or part of one); anpr-ops never writes "
            "over one: choose another file name"
        )
        raise CommandError(message, Exit.CANNOT)
    if not force:
        raise CommandError(f"-o {path} already exists; add --force to replace it", Exit.CANNOT)


@contextlib.contextmanager
def output(
    path: Path | None,
    *,
    newline: str | None = None,
    force: bool = False,
    reading: Path | None = None,
) -> Iterator[IO[str]]:
    """stdout, or a file that appears only once it is written whole (a temporary file beside
    it, then renamed over it); UTF-8 either way. :func:`check_target` decides first whether
    the file may be written."""
    check_target(path, force=force, reading=reading)
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
        message = f"cannot write {path}: the folder {directory} does not exist"
        raise CommandError(message, Exit.CANNOT)
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
    if not create and not db.exists():
        raise missing_log(db, can_create=True)
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
