"""The public Hypothesis strategies give what they promise, and from_type finds them."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog, canonical_dict, parse_event
from anpr_ops import strategies as ours
from anpr_ops.events import (
    AnprHit,
    ArrestEnquiry,
    Correction,
    OffenceDefinition,
    Operation,
    Outcome,
    Patrol,
    Search,
    Seizure,
    Site,
    VehicleStop,
    WeaponSweep,
)
from anpr_ops.offences import OffenceCategory, builtin_catalogue

MODELS = [
    Site,
    Operation,
    AnprHit,
    VehicleStop,
    Search,
    Outcome,
    Seizure,
    WeaponSweep,
    ArrestEnquiry,
    Patrol,
    Correction,
    OffenceDefinition,
]
REFS = ("hit_id", "stop_id", "search_id", "enquiry_id", "sweep_id")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_from_type_gives_valid_models(model: type[Any]) -> None:
    """st.from_type works for every event model (registered through the entry point), and
    what it gives survives a round trip through the interchange format."""

    @settings(max_examples=25)
    @given(st.from_type(model))
    def check(value: Any) -> None:
        assert isinstance(value, model)
        if model is not Site:
            assert parse_event(canonical_dict(value)) == value

    check()


@settings(max_examples=25)
@given(ours.events())
def test_events_strategy_gives_any_kind(event: Any) -> None:
    assert parse_event(canonical_dict(event)) == event


@pytest.mark.parametrize(
    "category", [c for c in OffenceCategory if builtin_catalogue().by_category(c)]
)
def test_offence_codes_of_a_category(category: OffenceCategory) -> None:
    @settings(max_examples=10)
    @given(ours.offence_codes(category))
    def check(code: str) -> None:
        assert builtin_catalogue()[code].category is category

    check()


def test_offence_codes_of_an_empty_category_is_an_error() -> None:
    with pytest.raises(ValueError, match="no offence of category"):
        ours.offence_codes(OffenceCategory.VIOLENCE)


@settings(max_examples=40)
@given(ours.operation_batches())
def test_operation_batches_append_whole_and_hold_their_references(batch: list[Any]) -> None:
    """One atomic batch, every event written, every reference to an earlier event of the
    same operation, and the view after corrections verifies."""
    seen: dict[str, Any] = {}
    for event in batch:
        for field in REFS:
            ref = getattr(getattr(event, "replacement", None) or event, field, None)
            if ref is not None:
                assert ref in seen and seen[ref].op_id == event.op_id
        if event.kind == "correction":
            assert event.target_id in seen
        seen[event.event_id] = event
    with OpLog.memory() as log:
        result = log.extend(batch)
        assert result.count == len(batch)
        assert log.verify().ok
        assert {op.op_id for op in log.operations()} == {
            e.op_id for e in batch if e.kind == "operation"
        }


def _refs(event: Any) -> dict[str, str]:
    return {f: getattr(event, f) for f in REFS if getattr(event, f, None) is not None}


def _funnel_features(batch: list[Any]) -> set[str]:
    """What a batch does to the ANPR funnel's links: a positive outcome of a search of a stop
    after a hit, an outcome naming a stop, a reference moved by a correction (per kind), and an
    event retracted after what referred to it."""
    found: set[str] = set()
    versions: dict[str, Any] = {}
    named: set[str] = set()  # ids some event has referred to
    for event in batch:
        if event.kind == "correction":
            before = versions[event.target_id]
            if event.retract and event.target_id in named:
                found.add("retract_referred")
            elif event.replacement is not None and _refs(event.replacement) != _refs(before):
                found.add(f"moved_{before.kind}")
            if event.replacement is not None:
                versions[event.target_id] = event.replacement
                named.update(_refs(event.replacement).values())
            continue
        versions[event.event_id] = event
        named.update(_refs(event).values())
        if event.kind == "outcome" and event.disposal != "no_further_action":
            if event.stop_id is not None:
                found.add("positive_on_stop")
            search = versions.get(event.search_id or "")
            stop = versions.get(getattr(search, "stop_id", None) or "")
            if stop is not None and stop.hit_id is not None:
                found.add("positive_after_hit_led_stop")
    return found


def test_operation_batches_cover_every_kind_and_correction() -> None:
    """Over a run, every kind of event, both kinds of correction, child operations, repeat
    arrests of one person and clock-change days all turn up."""
    kinds: Counter[str] = Counter()
    features: Counter[str] = Counter()

    @settings(max_examples=150, database=None, derandomize=True)
    @given(ours.operation_batches())
    def collect(batch: list[Any]) -> None:
        kinds.update(e.kind for e in batch)
        for event in batch:
            if event.kind == "correction":
                features["retract" if event.retract else "replace"] += 1
            if event.kind == "operation" and event.parent_op_id:
                features["child"] += 1
        arrested = Counter(
            e.subject_ref for e in batch if e.kind == "outcome" and e.disposal == "arrest"
        )
        if any(n > 1 for n in arrested.values()):
            features["rearrested"] += 1
        if batch[0].starts_at.replace(tzinfo=None).month in (3, 10, 11, 4):
            features["clock_change_month"] += 1

    collect()
    assert set(kinds) >= {
        "operation",
        "anpr_hit",
        "vehicle_stop",
        "search",
        "outcome",
        "seizure",
        "weapon_sweep",
        "arrest_enquiry",
        "patrol",
        "correction",
    }
    assert set(features) == {"retract", "replace", "child", "rearrested", "clock_change_month"}


def test_operation_batches_make_and_move_every_link_of_the_funnel() -> None:
    """Over a run of the batches the rollup properties draw, the ANPR funnel's links all turn
    up — a positive outcome of a search of a stop after a hit, a positive outcome naming a stop
    — and corrections move each link (an outcome, a search, a stop pointed elsewhere) and
    retract an event after what referred to it."""
    features: Counter[str] = Counter()

    @settings(max_examples=150, database=None, derandomize=True)
    @given(ours.operation_batches(max_corrections=6))
    def collect(batch: list[Any]) -> None:
        features.update(_funnel_features(batch))

    collect()
    assert set(features) == {
        "positive_after_hit_led_stop",
        "positive_on_stop",
        "moved_outcome",
        "moved_search",
        "moved_vehicle_stop",
        "retract_referred",
    }


@settings(max_examples=30)
@given(ours.operation_batches(units=("anpr", "search")))
def test_operation_batches_draw_only_the_units_asked_for(batch: list[Any]) -> None:
    """Limited to hits and searches, a batch holds no sweep, enquiry or patrol, and every
    stop, as first recorded, follows a hit."""
    assert {e.kind for e in batch}.isdisjoint({"weapon_sweep", "arrest_enquiry", "patrol"})
    for event in batch:
        if event.kind == "vehicle_stop":
            assert event.hit_id is not None


@pytest.mark.parametrize("units", [(), ("anpr", "roadblock")])
def test_operation_batches_refuse_unknown_units(units: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="units must be some of"):
        ours.operation_batches(units=units)


def test_batches_with_different_op_ids_share_a_log() -> None:
    @settings(max_examples=15)
    @given(ours.operation_batches(op_id="one"), ours.operation_batches(op_id="two"))
    def check(one: list[Any], two: list[Any]) -> None:
        with OpLog.memory() as log:
            log.extend(one)
            log.extend(two)
            assert log.report("one").op_id == "one"

    check()


def test_strategies_module_imports_before_hypothesis() -> None:
    """Importing anpr_ops.strategies first (Hypothesis then imports it through its entry
    point while half-initialised) works, and from_type then finds the registration."""
    code = (
        "import anpr_ops.strategies\n"
        "from hypothesis import strategies as st\n"
        "from anpr_ops.events import VehicleStop\n"
        "print(type(st.from_type(VehicleStop).example()).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "VehicleStop"


def test_a_patrol_starting_in_the_repeated_autumn_hour_ends_after_it() -> None:
    """01:00 GMT on the night the clocks go back (the second 01:00) plus no minutes is not
    01:00 BST, an hour earlier: the strategies add elapsed time, not wall-clock time."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from anpr_ops.strategies._kinds import _plus

    second = datetime(2000, 10, 29, 1, 0, fold=1, tzinfo=ZoneInfo("Europe/London"))
    assert _plus(second, 0) == second and _plus(second, 0).utcoffset() == timedelta(0)
    assert _plus(second, 30).astimezone(UTC) == datetime(2000, 10, 29, 1, 30, tzinfo=UTC)


@given(st.from_type(Patrol), st.from_type(Operation))
def test_drawn_patrols_and_operations_end_after_they_start(patrol: Any, op: Any) -> None:
    if patrol.ends_at is not None:
        assert patrol.ends_at >= patrol.occurred_at
    if op.ends_at is not None:
        assert op.ends_at >= op.starts_at
