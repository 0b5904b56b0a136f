"""JSON Lines: the interchange format, one event per line.

Reading names the line of any bad event; blank lines are skipped; a UTF-8 byte-order mark at
the start of the file is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from anpr_ops.errors import EventValidationError
from anpr_ops.events import Event, parse_event

__all__ = ["iter_jsonl", "read_jsonl"]


def iter_jsonl(lines: Iterable[str | bytes]) -> Iterator[tuple[int, Event]]:
    """``(line number, event)`` for each non-blank line; raises on the first bad line.

    The error is an :class:`~anpr_ops.errors.EventValidationError` whose ``line`` is the
    1-based line number and whose message starts with it.
    """
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                message = f"line {number}: not UTF-8 text (byte {exc.start})"
                raise EventValidationError(message, line=number, code="not_utf8") from None
        else:
            text = raw
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        yield number, parse_event(text, line=number)


def read_jsonl(source: IO[str] | IO[bytes] | Iterable[str | bytes]) -> list[Event]:
    """Every event of a JSON Lines file (or any iterable of lines), in order."""
    return [event for _, event in iter_jsonl(source)]
