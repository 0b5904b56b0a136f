"""CSV that a spreadsheet opens as data, never as formulas (standard library only).

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` is read as a formula by Excel,
LibreOffice and Google Sheets, and a leading tab or carriage return can hide such a start; a
formula in a file built from a log (an operation's name, a site's name, a power or object kept
as the source wrote it) could fetch a URL or run a command when the file is opened. Every CSV
the project writes passes its cells through :func:`safe_cell`, which puts an apostrophe in front
of such text, as the OWASP guidance on CSV injection recommends; spreadsheets show the text as
written, without the apostrophe.

Numbers are never changed. Numbers the code writes (``int``, ``float``; ``-3`` or ``-0.5``)
are values, not text a person typed, and are written as they are; so is ``None`` (an empty
cell). Text that is a plain negative number (``-0.123600``, a longitude as a file writes it, or
as a source file gave it) is a number to a spreadsheet too, not a formula, and is left as it is;
``-2+3`` or ``-1e3`` are not plain numbers and are neutralised.

>>> safe_cell("=HYPERLINK(\\"http://example.invalid\\")")
'\\'=HYPERLINK("http://example.invalid")'
>>> safe_cell("-0.1236"), safe_cell(-1), safe_cell("-2+3"), safe_cell("Vauxhall")
('-0.1236', -1, "'-2+3", 'Vauxhall')
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Final, Protocol

__all__ = ["FORMULA_STARTS", "SafeWriter", "read_cell", "safe_cell", "safe_row", "writer"]

#: The first characters that make a spreadsheet read a cell as a formula (or hide one).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


# A negative number as text: a spreadsheet reads it as the number, never as a formula.
_NEGATIVE_NUMBER: Final = re.compile(r"-[0-9]+(?:\.[0-9]+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """``value`` as it may go into a CSV cell: text starting with a formula character gets a
    leading ``'`` (unless it is a plain negative number); anything that is not text is
    returned unchanged."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _NEGATIVE_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def read_cell(text: str) -> str:
    """The text a cell written by :func:`safe_cell` stands for: its apostrophe removed when
    :func:`safe_cell` would have put it there, so that a file the project wrote reads back as
    what was written (importers read cells through this).

    >>> read_cell("'=1+1"), read_cell("'quoted"), read_cell("-1")
    ('=1+1', "'quoted", '-1')
    """
    if text.startswith("'") and safe_cell(text[1:]) == text:
        return text[1:]
    return text


def safe_row(row: Iterable[object]) -> list[object]:
    """Every cell of ``row`` through :func:`safe_cell`."""
    return [safe_cell(value) for value in row]


class SafeWriter:
    """A :func:`csv.writer` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, stream: _Writable, **fmtparams: Any) -> None:
        fmtparams.setdefault("lineterminator", "\n")
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write every row of ``rows``."""
        for row in rows:
            self.writerow(row)


def writer(stream: _Writable, **fmtparams: Any) -> SafeWriter:
    """A :class:`SafeWriter` on ``stream``; lines end in ``\\n`` unless ``lineterminator`` says
    otherwise, and other ``fmtparams`` are :func:`csv.writer`'s."""
    return SafeWriter(stream, **fmtparams)
