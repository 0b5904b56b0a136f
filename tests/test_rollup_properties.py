"""Rollups kept at append time answer reports exactly as the scan over events does.

- for generated operations with corrections and retractions, any filter the rollups can answer
  (with or without children, a site, a window on local hours): rollups == scan == the plain
  fold of tests/reference.py;
- the stored rollups equal a rebuild from the events, after one batch or after many small
  appends, whichever order the events come in, and when two connections take turns (each then
  reads from the log what the other wrote, instead of remembering it);
- the ANPR funnel (stops after a hit, and those searched, with a positive outcome, with an
  arrest: counts that depend on events two references away) follows every change of its links
  appended in later batches: rollups == scan == the plain fold, and == a rebuild;
- the report routes to the scan when rollups cannot answer, and says so when asked to insist.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog
from anpr_ops._schema import COUNTS
from anpr_ops.errors import ReportError
from anpr_ops.report.figures import COUNT_FIELDS
from anpr_ops.strategies import operation_batches
from tests.factory import OP as KAISER
from tests.factory import hit, operation
from tests.funnel import funnel_histories
from tests.reference import reference_report
from tests.support import rollup_rows

OP = "op"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Operations of every kind of work, and (half the time) of the ANPR funnel's work only, so
#: that searches with outcomes after hit-led stops, outcomes naming stops, and corrections
#: moving or retracting those links come often.
BATCHES = st.one_of(
    operation_batches(max_corrections=6),
    operation_batches(max_corrections=6, units=("anpr", "stop", "search")),
)


def in_small_batches(events: Sequence[Any], rng: random.Random, most: int, *logs: OpLog) -> None:
    """Append ``events`` in order, in batches of 1 to ``most``, each by one of ``logs`` (at
    random when there are several)."""
    at = 0
    while at < len(events):
        size = rng.randint(1, most)
        log = logs[0] if len(logs) == 1 else rng.choice(logs)
        log.extend(events[at : at + size])
        at += size


def site_keys(batch: Sequence[Any]) -> list[str]:
    ids = {s.site_id for e in batch if e.kind == "operation" for s in e.sites}
    return [*sorted(ids), "_no_site"]


def hour_windows(
    batch: Sequence[Any],
) -> st.SearchStrategy[tuple[datetime | None, datetime | None]]:
    """Windows whose bounds are whole UTC hours around the events' times (local hours in the
    generated zones, save those with half-hour offsets, which the report then scans)."""
    times = sorted(e.occurred_at for e in batch)
    first = times[0].astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    span = int((times[-1] - first).total_seconds() // 3600) + 2
    bound = st.one_of(st.none(), st.integers(-1, span).map(lambda h: first + timedelta(hours=h)))
    return st.tuples(bound, bound).map(
        lambda w: w if w[0] is None or w[1] is None else (min(w), max(w))
    )


def answerable(
    batch: Sequence[Any], include_children: bool, start: datetime | None, end: datetime | None
) -> bool:
    """Whether rollups can answer: one zone for every operation in scope, and each bound at
    the start of a local hour of it."""
    zones = {e.op_id: e.timezone for e in batch if e.kind == "operation"}
    scope = set(zones) if include_children else {OP}
    zone = zones[OP]
    if any(zones[op] != zone for op in scope):
        return False
    for bound in (start, end):
        if bound is not None:
            local = bound.astimezone(ZoneInfo(zone))
            before = (bound - timedelta(seconds=1)).astimezone(ZoneInfo(zone))
            if (local.minute, local.second, local.microsecond) != (0, 0, 0) or before.minute != 59:
                return False
    return True


def test_rollup_columns_are_the_counts_of_a_tally() -> None:
    """The schema's count columns and the Tally's counts are the same list, in one order."""
    assert COUNTS == COUNT_FIELDS


@SETTINGS
@given(batch=BATCHES, data=st.data())
def test_rollups_equal_the_scan_and_the_reference(batch: list[Any], data: st.DataObject) -> None:
    """Whatever the filter, a report the rollups answer equals the scan and the plain fold."""
    include_children = data.draw(st.booleans(), label="include_children")
    site = data.draw(st.one_of(st.none(), st.sampled_from(site_keys(batch))), label="site")
    start, end = data.draw(hour_windows(batch), label="window")
    kwargs: dict[str, Any] = {"include_children": include_children, "site": site}
    kwargs.update(start=start, end=end)
    with OpLog.memory() as log:
        log.extend(batch)
        if not include_children and site is not None and site not in site_keys(batch[:1]):
            kwargs["site"] = None  # a child's site is not a site of the root alone
        scan = log.report(OP, **kwargs, source="scan")
        if answerable(batch, include_children, start, end):
            rolled = log.report(OP, **kwargs, source="rollups")
            assert log.report(OP, **kwargs) == rolled
        else:  # a half-hour zone cut by a whole UTC hour, or a child in another zone
            with pytest.raises(ReportError) as refused:
                log.report(OP, **kwargs, source="rollups")
            assert refused.value.code == "not_from_rollups"
            rolled = log.report(OP, **kwargs)
        assert rolled == scan
        assert rolled.to_dict() == reference_report(log, OP, **kwargs)


@SETTINGS
@given(batch=BATCHES)
def test_stored_rollups_equal_a_rebuild(batch: list[Any]) -> None:
    """The rollups kept batch by batch are, row for row, those a rebuild writes."""
    with OpLog.memory() as log:
        log.extend(batch)
        kept = rollup_rows(log)
        assert log.verify().ok
        log.rebuild()
        assert rollup_rows(log) == kept


@SETTINGS
@given(batch=BATCHES, rng=st.randoms(use_true_random=False))
def test_many_small_appends_keep_the_rollups_of_one_batch(
    batch: list[Any], rng: random.Random
) -> None:
    """Appending the events in small batches of random size (corrections among them) leaves
    the rollups a rebuild would write, and the same report as one batch."""
    with OpLog.memory() as whole, OpLog.memory() as pieces:
        whole.extend(batch)
        in_small_batches(batch, rng, 4, pieces)
        kept = rollup_rows(pieces)
        assert pieces.report(OP, source="scan").to_dict() == whole.report(OP).to_dict()
        pieces.rebuild()
        assert rollup_rows(pieces) == kept


@SETTINGS
@given(batch=BATCHES, rng=st.randoms(use_true_random=False))
def test_two_connections_taking_turns_keep_the_rollups(
    batch: list[Any], rng: random.Random
) -> None:
    """Small batches appended by one of two connections to one file, at random: whatever one
    refers to (a search's stop, for an outcome of the search) the other may have written, so
    it is read from the log. The rollups stay those of a rebuild, and answer as the scan."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "two.db"
        with OpLog.open(path, create=True) as first, OpLog.open(path) as second:
            in_small_batches(batch, rng, 4, first, second)
            kept = rollup_rows(first)
            for op_id in {e.op_id for e in batch}:  # one by one: children may have other zones
                rolled = first.report(op_id, include_children=False, source="rollups")
                assert rolled == second.report(op_id, include_children=False, source="scan")
            assert first.verify().ok
            first.rebuild()
            assert rollup_rows(first) == kept


@SETTINGS
@given(history=funnel_histories(), rng=st.randoms(use_true_random=False))
def test_the_funnel_follows_its_links_through_later_batches(
    history: list[dict[str, Any]], rng: random.Random
) -> None:
    """Hits, stops, searches and outcomes, then corrections that move or retract the links
    between them, appended in small batches by one of two connections (so what a batch refers
    to is in the batch, remembered, or read from the log) and in one batch: the rollups answer
    as the scan and the plain fold do, and are those of a rebuild."""
    with tempfile.TemporaryDirectory() as folder, OpLog.memory() as whole:
        whole.extend(history)
        path = Path(folder) / "funnel.db"
        with OpLog.open(path, create=True) as first, OpLog.open(path) as second:
            in_small_batches(history, rng, 3, first, second)
            rolled = first.report(KAISER, source="rollups")
            assert rolled == second.report(KAISER, source="scan")
            assert rolled.to_dict() == reference_report(first, KAISER)
            # Another log: its people are its own, so compare the figures.
            assert whole.report(KAISER, source="rollups").to_dict() == rolled.to_dict()
            kept = rollup_rows(first)
            assert first.verify().ok
            first.rebuild()
            assert rollup_rows(first) == kept
        assert whole.verify().ok


def test_a_window_that_cuts_an_hour_is_scanned() -> None:
    """A window that starts at :30 cannot be answered from hourly cells: auto scans it, and
    asking for rollups says why."""
    with OpLog.memory() as log:
        log.extend([operation(), hit("h1", occurred_at="2020-04-18T10:10:00+01:00"),
                    hit("h2", occurred_at="2020-04-18T10:40:00+01:00")])  # fmt: skip
        cut = datetime(2020, 4, 18, 9, 30, tzinfo=UTC)
        assert log.report(KAISER, start=cut).totals.anpr_hits == 1
        with pytest.raises(ReportError) as caught:
            log.report(KAISER, start=cut, source="rollups")
        assert caught.value.code == "not_from_rollups"
        whole_hour = datetime(2020, 4, 18, 9, tzinfo=UTC)
        assert log.report(KAISER, start=whole_hour, source="rollups").totals.anpr_hits == 2
