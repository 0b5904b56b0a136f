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

from anpr_ops.interop._source import Progress
from anpr_ops.store import OpLog

__all__ = ["new_log_removed_on_failure", "output", "progress", "read_log"]


def read_log(path: Path) -> OpLog:
    """Open an existing log to read it; a missing file is an error and is never created."""
    if not path.exists():
        raise click.ClickException(f"no log file at {path}")
    return OpLog.open(path, readonly=True)


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
