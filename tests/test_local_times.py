"""Local times in the readable views, from the ``zone_offsets`` derived table.

SQLite has no time-zone database, so a log keeps each operation zone's UTC offsets over the
operations' span, rebuilt from the events like every derived table; the views read them. The
checks: the views' local times equal Python's ``zoneinfo`` conversion for any instant in the
span, in zones with summer time, half-hour and three-quarter-hour offsets; the clock changes of
Europe/London land where the law puts them; the table follows a correction of an operation's
zone, and the full verification's rebuild agrees with it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog
from anpr_ops.store._views import local_time_sql
from tests import factory as f

ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # summer time of half an hour
    "Asia/Kolkata",  # +05:30, no summer time
    "Pacific/Chatham",  # +12:45 and +13:45
)


def operation(op_id: str, zone: str) -> dict[str, object]:
    return f.operation(
        op_id,
        sites=("a",),
        timezone=zone,
        starts_at="2019-06-01T00:00:00Z",
        ends_at="2021-06-01T00:00:00Z",
        occurred_at="2019-06-01T00:00:00Z",
    )


@pytest.fixture(scope="module")
def zoned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    db = tmp_path_factory.mktemp("zones") / "zones.db"
    with OpLog.open(db, create=True) as log:
        log.extend(operation(f"op-{i}", zone) for i, zone in enumerate(ZONES))
    conn = sqlite3.connect(db)
    yield conn
    conn.close()


def local(conn: sqlite3.Connection, moment: datetime, zone: str) -> str:
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    (value,) = conn.execute(f"SELECT {local_time_sql('?1', '?2')}", (text, zone)).fetchone()
    return str(value)


# The span covered: the year before the operations start to the year after they end.
SPAN = st.datetimes(
    min_value=datetime(2018, 1, 1),
    max_value=datetime(2022, 12, 31, 23, 59, 59),
    timezones=st.just(UTC),
)


@settings(max_examples=300, deadline=None)
@given(moment=SPAN, zone=st.sampled_from(ZONES))
def test_local_times_agree_with_zoneinfo(
    zoned: sqlite3.Connection, moment: datetime, zone: str
) -> None:
    expected = moment.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()
    assert local(zoned, moment, zone) == expected


CLOCK_CHANGES = [
    # (UTC instant, local time in London): BST began 01:00 UTC on 29 March 2020 and ended
    # 01:00 UTC on 25 October 2020.
    ("2020-03-29T00:59:59Z", "2020-03-29T00:59:59+00:00"),
    ("2020-03-29T01:00:00Z", "2020-03-29T02:00:00+01:00"),
    ("2020-10-25T00:30:00Z", "2020-10-25T01:30:00+01:00"),
    ("2020-10-25T01:30:00Z", "2020-10-25T01:30:00+00:00"),  # the repeated hour, second time
]


@pytest.mark.parametrize(("utc", "london"), CLOCK_CHANGES)
def test_the_clock_changes_in_london(zoned: sqlite3.Connection, utc: str, london: str) -> None:
    moment = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    assert local(zoned, moment, "Europe/London") == london


def test_events_show_local_times_across_a_clock_change(tmp_path: Path) -> None:
    db = tmp_path / "autumn.db"
    events = [
        f.operation(
            starts_at="2020-10-24T20:00:00+01:00",
            ends_at="2020-10-25T06:00:00+00:00",
            occurred_at="2020-10-24T20:00:00+01:00",
        ),
        *(
            f.hit(f"hit-{i}", occurred_at=utc.replace("Z", "+00:00"))
            for i, (utc, _) in enumerate(CLOCK_CHANGES[2:])
        ),
        f.patrol(
            occurred_at="2020-10-25T00:30:00Z", ends_at="2020-10-25T01:30:00Z", site_id="vauxhall"
        ),
    ]
    with OpLog.open(db, create=True) as log:
        log.extend(events)
        hours = list(log.report(f.OP).to_dict()["by_hour"])
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT occurred_at_local FROM anpr_hits_readable ORDER BY seq").fetchall()
    patrol = conn.execute("SELECT occurred_at_local, ends_at_local, minutes FROM patrols_readable")
    op = conn.execute("SELECT starts_at_local, ends_at_local FROM operations_readable")
    assert [r[0] for r in rows] == [london for _, london in CLOCK_CHANGES[2:]]
    assert patrol.fetchone() == ("2020-10-25T01:30:00+01:00", "2020-10-25T01:30:00+00:00", 60)
    assert op.fetchone() == ("2020-10-24T20:00:00+01:00", "2020-10-25T06:00:00+00:00")
    # The report's hours say the same: the two 01:00 hours, one per offset.
    assert hours == ["2020-10-25T01:00+01:00", "2020-10-25T01:00+00:00"]
    conn.close()


def test_the_table_covers_the_operations_span_and_follows_a_corrected_zone(
    tmp_path: Path,
) -> None:
    db = tmp_path / "moved.db"
    with OpLog.open(db, create=True) as log:
        log.extend([f.operation(), f.hit()])
        rows = _rows(db)
        assert {zone for zone, *_ in rows} == {"Europe/London"}
        # 2019 to 2021: the year before the operation starts to the year after it ends.
        assert rows[0][1] == "2019-01-01T00:00:00" and rows[-1][1].startswith("2021-10-31")
        assert len(rows) == 1 + 3 * 2
        moved = {**f.operation(), "timezone": "America/New_York"}
        log.correct(f"{f.OP}-open", reason="the operation was in New York", replacement=moved)
        assert {zone for zone, *_ in _rows(db)} == {"America/New_York"}
        assert log.verify().ok  # the stored table is what a rebuild makes
        log.rebuild()
        assert log.verify().ok
    conn = sqlite3.connect(db)
    (hit,) = conn.execute("SELECT occurred_at_local FROM anpr_hits_readable").fetchone()
    conn.close()
    assert hit == "2020-04-18T04:00:00-04:00"  # 09:00 BST is 08:00 UTC, 04:00 in New York


def test_an_edited_offset_is_found_by_the_full_verification(tmp_path: Path) -> None:
    db = tmp_path / "edited.db"
    with OpLog.open(db, create=True) as log:
        log.extend([f.operation(), f.hit()])
    conn = sqlite3.connect(db)
    conn.execute(
        "UPDATE zone_offsets SET seconds = 7200, utc_offset = '+02:00' WHERE seconds = 3600"
    )
    conn.commit()
    conn.close()
    with OpLog.open(db, readonly=True) as log:
        result = log.verify()
    assert (
        not result.ok
        and result.problem == "derived_mismatch"
        and "zone_offsets" in str(result.reason)
    )


def _rows(db: Path) -> list[tuple[str, str, str, int]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM zone_offsets ORDER BY zone, from_utc").fetchall()
    finally:
        conn.close()


def test_the_offset_rows_hold_every_change_of_the_years(zoned: sqlite3.Connection) -> None:
    """Each row's offset holds from its start to the next row's start, checked each hour."""
    rows = zoned.execute(
        "SELECT from_utc, seconds FROM zone_offsets WHERE zone = 'Australia/Lord_Howe' "
        "ORDER BY from_utc"
    ).fetchall()
    zone = ZoneInfo("Australia/Lord_Howe")
    for (start, seconds), (end, _) in zip(
        rows, [*rows[1:], ("2023-01-01T00:00:00", 0)], strict=True
    ):
        moment = datetime.fromisoformat(start).replace(tzinfo=UTC)
        stop = datetime.fromisoformat(end).replace(tzinfo=UTC)
        while moment < stop:
            offset = moment.astimezone(zone).utcoffset()
            assert offset is not None and offset.total_seconds() == seconds, moment
            moment += timedelta(hours=1)
