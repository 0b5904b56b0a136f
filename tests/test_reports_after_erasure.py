"""Reports do not change: a report taken before and after any erasure, restriction or
retention run is identical, people counted once included — over generated operations with
random erasures, and for the demo day of action with everything personal erased. Along the
way, a subject reference stays linked to its person number exactly while a value still held
names it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog
from anpr_ops.cli._demo import demo_events_text
from anpr_ops.errors import ErasureError
from anpr_ops.interop.jsonl import read_jsonl
from anpr_ops.strategies import operation_batches
from tests.support import raw

OP = "op"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _everything(log: OpLog, op_id: str) -> dict[str, Any]:
    """Every report of the operation: with and without its children."""
    return {
        "with": log.report(op_id).to_dict(),
        "alone": log.report(op_id, include_children=False).to_dict(),
    }


def _subjects(batch: Sequence[Any]) -> list[str]:
    found = set()
    for event in batch:
        for version in (event, getattr(event, "replacement", None)):
            ref = getattr(version, "subject_ref", None)
            if ref is not None:
                found.add(ref)
    return sorted(found)


def _linked(log: OpLog) -> set[str]:
    """The subject references the log still links to a person number."""
    return {ref for (ref,) in raw(log).execute("SELECT subject_ref FROM subjects")}


def _named(log: OpLog) -> set[str]:
    """The subject references the personal values still held name (read as stored)."""
    found: set[str] = set()
    for (values,) in raw(log).execute('SELECT "values" FROM personal'):
        data = json.loads(values)
        for part in (data, data.get("replacement", {})):
            if "subject_ref" in part:
                found.add(part["subject_ref"])
    return found


def _erase_or_refusal(log: OpLog, chosen: list[str]) -> str | None:
    """Erase the events chosen; the refusal's code when nothing was chosen, or a restricted
    record was."""
    try:
        log.erase(event_ids=chosen, reason="tests")
    except ErasureError as refused:
        return refused.code
    return None


@SETTINGS
@given(batch=operation_batches(), data=st.data())
def test_no_erasure_restriction_or_retention_changes_a_report(
    batch: list[Any], data: st.DataObject
) -> None:
    with OpLog.memory(actor="pytest") as log:
        log.extend(batch)
        before = _everything(log, OP)
        ids = [event.event_id for event in batch]
        steps = data.draw(st.lists(st.integers(0, 4), min_size=1, max_size=5), label="steps")
        for step in steps:
            if step == 0:
                chosen = data.draw(st.lists(st.sampled_from(ids), max_size=8), label="erase")
                refused = _erase_or_refusal(log, chosen)
                assert refused in {None, "nothing_chosen", "restricted"}
            elif step == 1 and _subjects(batch):
                subject = data.draw(st.sampled_from(_subjects(batch)), label="subject")
                log.erase(subject_ref=subject, reason="tests")
            elif step == 2:
                chosen = data.draw(st.lists(st.sampled_from(ids), max_size=4), label="restrict")
                if chosen:
                    log.restrict(event_ids=chosen, reason="tests")
            elif step == 3:
                days = data.draw(st.integers(0, 3000), label="days after")
                log.apply_retention(datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=days))
            else:
                chosen = data.draw(st.lists(st.sampled_from(ids), max_size=4), label="lift")
                if chosen:
                    log.unrestrict(event_ids=chosen, reason="tests")
            assert _everything(log, OP) == before
            assert _linked(log) == _named(log)
        assert log.verify().ok


def test_the_demo_day_reports_the_same_with_everything_personal_erased() -> None:
    events = list(read_jsonl(demo_events_text().splitlines()))
    with OpLog.memory(actor="pytest") as log:
        log.extend(events)
        roots = [op.op_id for op in log.operations()]
        before = {op: _everything(log, op) for op in roots}
        text = log.report(roots[0]).to_text()
        result = log.erase(event_ids=[e.event_id for e in events], reason="tests")
        assert result.events > 100
        assert raw(log).execute("SELECT count(*) FROM personal").fetchone() == (0,)
        assert raw(log).execute("SELECT count(*) FROM subjects").fetchone() == (0,)
        assert {op: _everything(log, op) for op in roots} == before
        assert log.report(roots[0]).to_text() == text
        assert log.verify().ok
