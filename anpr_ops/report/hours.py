"""Local hours: the one home of the rule that puts an event in an hour of its operation's
time zone, in Python and in the SQL generated from it.

An hour is labelled by its local start and the zone's offset then, ``2020-10-25T01:00+01:00``,
so the hour repeated when clocks go back appears twice, once per offset, and the hour skipped
when they go forward never appears. Zones whose offset is not whole hours (``+05:30``) have
their hours start at the local ``:00`` all the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from anpr_ops._time import EPOCH_SHIFT, format_utc, hour_offset, hour_start
from anpr_ops._zones import format_offset, offset_at, offset_spans

__all__ = [
    "EPOCH_SHIFT",
    "hour_label",
    "hour_of",
    "hour_of_start",
    "hour_order",
    "offset_at",
    "offset_spans",
    "offset_sql",
    "time_key",
    "time_key_sql",
]


def hour_label(index: int, offset: int) -> str:
    """The label of local hour number ``index`` (hours since 0001-01-01T00:00) at ``offset``."""
    local = datetime(1, 1, 1) + timedelta(hours=index)
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:00"
        + format_offset(offset)
    )


def hour_of(moment: datetime, zone: ZoneInfo) -> str:
    """The local-hour label of an aware datetime (the rule :func:`offset_sql` applies in SQL).

    >>> hour_of(datetime.fromisoformat("2020-10-25T01:30:00+00:00"), ZoneInfo("Europe/London"))
    '2020-10-25T01:00+00:00'
    """
    start, offset = hour_start(int(moment.timestamp() // 1), zone)
    return hour_label((start + offset + EPOCH_SHIFT) // 3600, offset)


def hour_of_start(start: int, zone: ZoneInfo) -> str:
    """The label of the local hour that starts at the instant ``start`` (Unix seconds), as
    rollups key their cells.

    >>> hour_of_start(1603584000, ZoneInfo("Europe/London"))  # 2020-10-25T00:00Z
    '2020-10-25T01:00+01:00'
    """
    offset = hour_offset(start, zone)
    return hour_label((start + offset + EPOCH_SHIFT) // 3600, offset)


def hour_order(label: str) -> tuple[datetime, str]:
    """A sort key that puts hour labels in time order (across offsets)."""
    return (datetime.fromisoformat(label), label)


def offset_sql(spans: Sequence[tuple[int, int]], epoch: str) -> str:
    """A SQL expression giving the UTC offset at the Unix time ``epoch`` (an SQL expression)."""
    if len(spans) == 1:
        return str(spans[0][1])
    whens = " ".join(
        f"WHEN {epoch} < {start} THEN {previous}"
        for (start, _), (_, previous) in zip(spans[1:], spans[:-1], strict=True)
    )
    return f"(CASE {whens} ELSE {spans[-1][1]} END)"


def time_key_sql(column: str) -> str:
    """SQL for a key of a stored UTC time that sorts in time order."""
    # occurred_at is "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", which does not sort as text when
    # fractions are present ('.' < 'Z'); this key does.
    return (
        f"(substr({column}, 1, 19) || CASE WHEN length({column}) > 20 "
        f"THEN substr({column}, 20, 7) ELSE '.000000' END)"
    )


def time_key(moment: datetime) -> str:
    """The :func:`time_key_sql` key of an aware datetime."""
    text = format_utc(moment)
    return text[:19] + (text[19:26] if len(text) > 20 else ".000000")
