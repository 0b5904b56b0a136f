"""Times with a UTC offset: the one parser and the one formatter. Standard library only.

Every time the library reads from outside (an event's ``occurred_at``, a cell of a hits file
or of a data.police.uk file) goes through :func:`parse_aware`, so that "a naive time is an
error" is one rule, not three; every time it writes in UTC goes through :func:`format_utc`.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["TimeFormatError", "format_utc", "parse_aware", "parse_utc"]


class TimeFormatError(ValueError):
    """Text that is not an RFC 3339 time with a UTC offset.

    ``code`` is ``"bad_date"`` (not a date-time at all) or ``"naive_date"`` (no offset).
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def parse_aware(text: str) -> datetime:
    """An RFC 3339 date-time with a UTC offset (``…+01:00`` or ``…Z``), converted to UTC.

    Raises :class:`TimeFormatError` for anything else; a time without an offset is refused,
    never guessed.

    >>> parse_aware("2020-04-18T10:15:00+01:00").isoformat()
    '2020-04-18T09:15:00+00:00'
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # Not chained: the cause quotes the text, which may be anything a file held.
        raise TimeFormatError("not an RFC 3339 date-time", code="bad_date") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimeFormatError("a date-time needs a UTC offset", code="naive_date")
    return moment.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """A datetime as the format's UTC text: ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``."""
    # isoformat() of a UTC time is exactly that shape (microseconds only when not zero) with
    # "+00:00" at the end, and several times faster than strftime.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat()[:-6] + "Z"


def parse_utc(text: str) -> datetime:
    """Read back text written by :func:`format_utc` (stored times are always UTC)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
