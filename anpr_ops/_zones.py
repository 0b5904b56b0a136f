"""A time zone's UTC offsets over a span of time: the one rule for finding them, shared by the
local hours of reports (:mod:`anpr_ops.report.hours`) and the table of offsets that lets SQL
show local times (``zone_offsets``, which SQLite needs because it has no time-zone database).
Standard library only.

>>> from zoneinfo import ZoneInfo
>>> london = ZoneInfo("Europe/London")
>>> [row for row in offset_rows(london, 2020, 2020)]  # doctest: +NORMALIZE_WHITESPACE
[('2020-01-01T00:00:00', '+00:00', 0), ('2020-03-29T01:00:00', '+01:00', 3600),
 ('2020-10-25T01:00:00', '+00:00', 0)]
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Final

__all__ = ["format_offset", "offset_at", "offset_rows", "offset_spans"]

_SCAN_STEP: Final = 6 * 3600


def format_offset(seconds: int) -> str:
    """``+01:00`` for 3600 (seconds shown only when there are some: ``-00:01:15``)."""
    sign = "-" if seconds < 0 else "+"
    minutes, secs = divmod(abs(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return text + (f":{secs:02d}" if secs else "")


def offset_at(zone: tzinfo, epoch: int) -> int:
    """The zone's UTC offset, in seconds, at the instant ``epoch`` (Unix seconds)."""
    offset = datetime.fromtimestamp(epoch, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return int(offset.total_seconds())


def offset_spans(zone: tzinfo, lo: int, hi: int) -> list[tuple[int, int]]:
    """``[(from_epoch, utc_offset_seconds), …]``: the zone's offsets from ``lo`` to ``hi``.

    Scans in six-hour steps and bisects each change to the second, so every transition of
    the zone's rules between ``lo`` and ``hi`` is found (save two within six hours).
    """
    spans = [(lo, offset_at(zone, lo))]
    t = lo
    while t < hi:
        nxt = min(t + _SCAN_STEP, hi)
        current = spans[-1][1]
        if offset_at(zone, nxt) == current:
            t = nxt
            continue
        a, b = t, nxt
        while b - a > 1:
            mid = (a + b) // 2
            if offset_at(zone, mid) == current:
                a = mid
            else:
                b = mid
        spans.append((b, offset_at(zone, b)))
        t = b
    return spans


def offset_rows(zone: tzinfo, first_year: int, last_year: int) -> list[tuple[str, str, int]]:
    """``(from_utc, utc_offset, seconds)`` for the zone from 1 January of ``first_year`` to the
    end of ``last_year`` (UTC): the offset at the start, then one row per change. ``from_utc``
    is ``YYYY-MM-DDTHH:MM:SS`` in UTC, the first second the offset applies."""
    lo = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    hi = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    return [
        (
            datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            format_offset(seconds),
            seconds,
        )
        for start, seconds in offset_spans(zone, lo, hi)
    ]
