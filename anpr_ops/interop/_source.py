"""What every file importer shares: reading the bytes, naming a bad line, keeping rejected rows.

Files from other systems arrive with a UTF-8 byte-order mark or without, with CRLF or LF line
endings; both are accepted. Anything that is not UTF-8 text is refused with the line of the
first bad byte.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import attrs

from anpr_ops import _csv
from anpr_ops._messages import shown as quoted
from anpr_ops.errors import SourceFormatError

__all__ = [
    "Progress",
    "RejectedRow",
    "Source",
    "SourceFormatError",
    "read_source",
    "rejects_path",
    "write_rejects",
]

#: A file to import: a path, or an open file (binary or text).
Source = str | os.PathLike[str] | IO[bytes] | IO[str]

#: Called with the rows done so far and the rows in all (the command line draws a bar with it).
Progress = Callable[[int, int], None]

# Values shown in messages are cut short so that one bad cell cannot flood a terminal.
_SHOWN = 60


def shown(value: object) -> str:
    """A cell's value as a message quotes it: ``repr``, cut short."""
    return quoted(value, _SHOWN)


def where(line: int | None = None, item: int | None = None, column: str | None = None) -> str:
    """``"line 7, column 'Outcome'"``: the start of a message about one cell."""
    parts = []
    if line is not None:
        parts.append(f"line {line}")
    if item is not None:
        parts.append(f"item {item}")
    if column is not None:
        parts.append(f"column {column!r}" if line is not None else f"field {column!r}")
    return ", ".join(parts)


@attrs.frozen
class RejectedRow:
    """A row left out by ``skip_invalid`` (or a doubtful read that was skipped).

    ``fields`` are the row's cells as read (for a JSON item: its JSON text, one cell);
    ``line``/``item`` and ``column`` say where the problem is and ``reason`` what it is.
    """

    fields: tuple[str, ...]
    reason: str
    code: str
    line: int | None = None
    item: int | None = None
    column: str | None = None


def source_name(source: Source) -> str:
    """A name for messages: the file's name, or ``"<stream>"``."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and name and name[0] != "<" else "<stream>"


def source_path(source: Source) -> Path | None:
    """The path of a file source, if it has one."""
    if isinstance(source, str | os.PathLike):
        return Path(source)
    name = getattr(source, "name", None)
    if isinstance(name, str) and name and name[0] != "<" and name != "-":
        return Path(name)
    return None


def read_source(source: Source) -> str:
    """The whole text of a source, decoded as UTF-8 with any byte-order mark removed.

    Raises :class:`SourceFormatError` (``not_utf8``) naming the line of the first byte that
    is not UTF-8.
    """
    if isinstance(source, str | os.PathLike):
        data: bytes | str = Path(source).read_bytes()
    else:
        data = source.read()
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"line {line}: not UTF-8 text (byte {exc.start} of the file)"
        raise SourceFormatError(message, line=line, code="not_utf8") from exc
    return text.removeprefix("\ufeff")


def rejects_path(source: Source) -> Path | None:
    """Where the rejected rows of ``source`` go: ``<name>.rejected.csv`` beside it.

    ``None`` for a stream without a file name (stdin).

    >>> rejects_path("data/2020-01-city-of-london-stop-and-search.csv").name
    '2020-01-city-of-london-stop-and-search.rejected.csv'
    """
    path = source_path(source)
    if path is None:
        return None
    return path.with_name(path.stem + ".rejected.csv")


def write_rejects(
    path: Path, header: Sequence[str], rejected: Sequence[RejectedRow], *, newline: str = "\r\n"
) -> None:
    """Write rejected rows as CSV: the source's own columns, then where and why.

    The last two columns are ``Rejected at`` (``line 7, column 'Outcome'``) and
    ``Reason``. The file is created readable by its owner only: the rows may hold personal
    data (a hit file's plates). People open it in spreadsheets to fix the rows: a cell that
    would start a formula starts with ``'`` (:func:`anpr_ops._csv.safe_cell`), numbers stay as
    they are.
    """
    buffer = io.StringIO()
    writer = _csv.writer(buffer, lineterminator=newline)
    writer.writerow([*header, "Rejected at", "Reason"])
    for row in rejected:
        cells = list(row.fields)[: len(header)]
        cells += [""] * (len(header) - len(cells))
        writer.writerow([*cells, where(row.line, row.item, row.column), row.reason])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(buffer.getvalue())
