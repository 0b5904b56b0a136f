"""Times with a UTC offset: the one parser and the one formatter. Standard library only.

Every time the library reads from outside (an event's ``occurred_at``, a cell of a hits file
or of a data.police.uk file) goes through :func:`parse_aware`, so that "a naive time is an
error" is one rule, not three; every time it writes in UTC goes through :func:`format_utc`.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, tzinfo

from anpr_ops._zones import offset_at

__all__ = [
    "EPOCH_SHIFT",
    "TimeFormatError",
    "epoch_of",
    "format_utc",
    "hour_offset",
    "hour_start",
    "offset_at",
    "parse_aware",
    "parse_utc",
]

#: Seconds from 0001-01-01T00:00 to 1970-01-01T00:00: a whole number of hours, added so that
#: hour numbers are never negative and SQLite's truncating division is a floor.
EPOCH_SHIFT = 62_135_596_800


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


def epoch_of(text: str) -> int:
    """Unix seconds (rounded down) of a stored UTC time (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``)."""
    return calendar.timegm(
        (int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
         int(text[14:16]), int(text[17:19]), 0, 0, 0)
    )  # fmt: skip


def hour_start(epoch: int, zone: tzinfo) -> tuple[int, int]:
    """The local hour of the instant ``epoch`` in ``zone``: the instant it starts (Unix
    seconds) and the zone's offset then. The one rule of local hours; ``report.hours`` labels
    them."""
    offset = offset_at(zone, epoch)
    index = (epoch + offset + EPOCH_SHIFT) // 3600
    return index * 3600 - EPOCH_SHIFT - offset, offset


def hour_offset(start: int, zone: tzinfo) -> int:
    """The offset of the local hour that starts at the instant ``start`` (from
    :func:`hour_start`): the zone's offset then, or, when that does not put ``start`` on a
    local hour (an hour that began before a half-hour change of offset), the offset at its
    end."""
    offset = offset_at(zone, start)
    if (start + offset) % 3600:
        offset = offset_at(zone, start + 3599)
    return offset
