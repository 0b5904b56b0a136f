"""JSON Lines export: it re-appends into an empty log as the same events, corrections
included, and an operation's export carries what it needs to stand on its own."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog, canonical_dict
from anpr_ops._canonical import canonical_text
from anpr_ops.interop.jsonl import export_jsonl, read_jsonl
from tests.interop_strategies import searches


def operation(op_id: str, parent: str | None = None, **more: Any) -> dict[str, Any]:
    event = {
        "kind": "operation",
        "event_id": f"op-{op_id}",
        "op_id": op_id,
        "occurred_at": "2020-04-18T06:00:00Z",
        "name": f"Operation {op_id}",
        "force": "metropolitan",
        "starts_at": "2020-04-18T06:00:00Z",
        "sites": [{"site_id": "vauxhall", "name": "Vauxhall"}],
        **more,
    }
    if parent:
        event["parent_op_id"] = parent
    return event


def outcome(event_id: str, op_id: str, search_id: str, codes: list[str]) -> dict[str, Any]:
    return {
        "kind": "outcome",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T10:00:00Z",
        "subject_ref": "S1",
        "search_id": search_id,
        "disposal": "arrest",
        "offences": codes,
    }


def search(event_id: str, op_id: str) -> dict[str, Any]:
    return {
        "kind": "search",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T09:50:00Z",
        "search_type": "person",
        "legislation": "mda_1971_s23",
        "object_of_search": "controlled_drugs",
        "grounds": "g",
        "subject_ref": "S1",
        "site_id": "vauxhall",
    }


DAY = [
    operation("day"),
    operation("kaiser", parent="day"),
    operation("other"),
    {
        "kind": "offence_definition",
        "event_id": "def-1",
        "op_id": "other",
        "occurred_at": "2020-04-18T06:00:00Z",
        "code": "XX12345",
        "title": "A local offence",
        "category": "other",
    },
    search("s-day", "day"),
    search("s-kaiser", "kaiser"),
    outcome("o-kaiser", "kaiser", "s-kaiser", ["XX12345"]),
    search("s-other", "other"),
    search("s-gone", "kaiser"),
]


def stored_bodies(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [body for (body,) in conn.execute("SELECT body FROM events ORDER BY seq")]


def day_log(path: Path) -> OpLog:
    log = OpLog.open(path, create=True)
    log.extend(DAY)
    log.correct(
        "op-day", reason="renamed", replacement={**operation("day"), "name": "Day of action"}
    )
    log.correct("s-gone", reason="entered twice", retract=True, event_id="fix-1")
    log.correct(
        "s-kaiser",
        reason="wrong site time",
        replacement={**search("s-kaiser", "kaiser"), "occurred_at": "2020-04-18T09:55:00Z"},
        event_id="fix-2",
    )
    return log


def test_whole_log_exports_its_stored_bodies(tmp_path: Path) -> None:
    with day_log(tmp_path / "day.db") as log:
        out = io.StringIO()
        count = export_jsonl(log, out)
    lines = out.getvalue().splitlines()
    assert count == len(lines) == len(DAY) + 3
    assert lines == stored_bodies(tmp_path / "day.db")


def test_whole_log_reappends_as_the_same_events(tmp_path: Path) -> None:
    with day_log(tmp_path / "day.db") as log:
        out = io.StringIO()
        export_jsonl(log, out)
    with OpLog.open(tmp_path / "copy.db", create=True) as copy:
        copy.extend(read_jsonl(out.getvalue().splitlines()))
        assert copy.verify().ok
    assert stored_bodies(tmp_path / "copy.db") == stored_bodies(tmp_path / "day.db")


def test_child_operation_export_carries_its_parent_and_definitions(tmp_path: Path) -> None:
    with day_log(tmp_path / "day.db") as log:
        out = io.StringIO()
        export_jsonl(log, out, "kaiser")
        expected = [canonical_dict(e) for e in log.events("kaiser")]
    ids = [e.event_id for e in read_jsonl(out.getvalue().splitlines())]
    # The parent's operation event and its correction, the operation owning the definition
    # and the definition; none of their other events.
    assert "op-day" in ids
    assert "op-other" in ids
    assert "def-1" in ids
    assert not {"s-day", "s-other"} & set(ids)
    assert {"fix-1", "fix-2"} <= set(ids)
    with OpLog.memory() as copy:
        copy.extend(read_jsonl(out.getvalue().splitlines()))
        assert [canonical_dict(e) for e in copy.events("kaiser")] == expected
        assert copy.operation("day").name == "Day of action"


def test_parent_export_holds_its_children_unless_asked_not_to(tmp_path: Path) -> None:
    with day_log(tmp_path / "day.db") as log:
        with_children, without = io.StringIO(), io.StringIO()
        export_jsonl(log, with_children, "day")
        export_jsonl(log, without, "day", include_children=False)
    assert "s-kaiser" in with_children.getvalue()
    assert "s-kaiser" not in without.getvalue()
    assert "op-kaiser" not in without.getvalue()
    with OpLog.memory() as copy:
        copy.extend(read_jsonl(without.getvalue().splitlines()))
        assert [e.event_id for e in copy.events()] == ["op-day", "s-day"]


# --------------------------------------------------------------- property


@st.composite
def logs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Events of a parent and a child operation, with corrections, in append order."""
    events: list[dict[str, Any]] = [operation("day"), operation("kaiser", parent="day")]
    live: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 8))):
        op_id = draw(st.sampled_from(["day", "kaiser"]))
        event = {**draw(searches(op_id)), "event_id": f"s-{n}"}
        events.append(event)
        live.append(event)
        correct = draw(st.booleans())
        if live and correct:
            target = draw(st.sampled_from(live))
            fix: dict[str, Any] = {
                "kind": "correction",
                "event_id": f"fix-{n}",
                "op_id": target["op_id"],
                "occurred_at": "2030-01-01T00:00:00Z",
                "target_id": target["event_id"],
                "reason": "checked against the paper record",
            }
            if draw(st.booleans()):
                fix["retract"] = True
                live.remove(target)
            else:
                fix["replacement"] = {**target, "grounds": "corrected grounds"}
            events.append(fix)
    return events


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs(), st.sampled_from([None, "day", "kaiser"]), st.booleans())
def test_exports_reappend_as_the_same_events(
    events: list[dict[str, Any]], op_id: str | None, children: bool
) -> None:
    with OpLog.memory() as log, OpLog.memory() as copy:
        log.extend(events)
        out = io.StringIO()
        export_jsonl(log, out, op_id, include_children=children)
        copy.extend(read_jsonl(out.getvalue().splitlines()))
        if op_id is None:
            original = [canonical_text(canonical_dict(e)) for e in log.events(corrected=False)]
            again = [canonical_text(canonical_dict(e)) for e in copy.events(corrected=False)]
        else:
            original = [
                canonical_text(canonical_dict(e))
                for e in log.events(op_id, include_children=children)
            ]
            again = [
                canonical_text(canonical_dict(e))
                for e in copy.events(op_id, include_children=children)
            ]
        assert again == original
        assert copy.verify().ok
