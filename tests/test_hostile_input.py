"""Guarantee 7 under attack: hostile events and JSON lines give only ``AnprOpsError``s, and a
refused input leaves the log exactly as it was (every table, the schema and the head).

Inputs come from ``tests/harness/hostile.py``. An input that is still valid after being bent
(say, SQL metacharacters in a free-text field) must be stored exactly as given and the chain
must still verify. Each campaign counts the inputs it tried; the slow run's counts are the
figures in docs/reliability.md (``BUDGETS``), and a test checks that the docs say so.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import AnprOpsError, OpLog, canonical_dict, parse_event
from anpr_ops._canonical import canonical_text
from anpr_ops.errors import EventValidationError
from anpr_ops.interop.jsonl import read_jsonl
from tests.conftest import ROOT
from tests.harness.hostile import (
    BASES,
    SQL_PAYLOADS,
    deep,
    json_lines,
    malformed_events,
    to_json,
)
from tests.harness.rich import rich_events
from tests.harness.state import file_state
from tests.support import raw

#: Inputs per campaign in the slow run (each is at least this many; Hypothesis may try more
#: while shrinking a failure). The fast run tries QUICK of each.
BUDGETS = {"parse_event": 4000, "append": 1500, "extend": 800, "read_jsonl": 1500}
QUICK = 60
TRIED: Counter[str] = Counter()


@pytest.fixture(scope="module")
def log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log holding the rich example log; hostile appends go to it."""
    path = tmp_path_factory.mktemp("hostile") / "hostile.db"
    with OpLog.open(path, create=True, durability="normal") as log:
        log.extend(rich_events())
    return path


def _campaign(budget: int) -> settings:
    return settings(
        max_examples=budget,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


BUDGET = pytest.mark.parametrize(
    "budget",
    [pytest.param(QUICK, id="quick"), pytest.param(0, id="campaign", marks=pytest.mark.slow)],
)


def _budget(name: str, budget: int) -> int:
    return budget or BUDGETS[name]


def _attempt(log: OpLog, path: Path, action: Any) -> None:
    """Run ``action(log)``: it must succeed, or raise an AnprOpsError and change nothing."""
    before = file_state(path)
    try:
        result = action(log)
    except AnprOpsError:
        assert file_state(path) == before
        return
    if result is not None and not result.noop:
        assert log.verify().ok
        for event_id in result.appended:
            stored = log.get(event_id, corrected=False)
            body = (
                raw(log)
                .execute("SELECT body FROM events WHERE event_id = ?", (event_id,))
                .fetchone()[0]
            )
            assert body == canonical_text(canonical_dict(stored))


@BUDGET
def test_parse_event_gives_only_library_errors(budget: int) -> None:
    name = "parse_event"

    @_campaign(_budget(name, budget))
    @given(
        st.one_of(
            malformed_events(),
            st.builds(to_json, malformed_events(), st.booleans()),
            st.binary(max_size=80),
            st.text(max_size=80),
            st.sampled_from([None, 0, 1.5, [], (), object(), b"", bytearray(b"{}")]),
        )
    )
    def attempt(data: Any) -> None:
        TRIED[name] += 1
        with contextlib.suppress(AnprOpsError):
            parse_event(data)

    attempt()
    assert TRIED[name] >= _budget(name, budget)


@BUDGET
def test_append_refuses_hostile_events_and_changes_nothing(log_path: Path, budget: int) -> None:
    name = "append"
    with OpLog.open(log_path, durability="normal") as log:

        @_campaign(_budget(name, budget))
        @given(malformed_events())
        def attempt(event: dict[str, Any]) -> None:
            TRIED[name] += 1
            _attempt(log, log_path, lambda log: log.append(event))

        attempt()
    assert TRIED[name] >= _budget(name, budget)


@BUDGET
def test_extend_refuses_a_batch_with_one_hostile_event_whole(log_path: Path, budget: int) -> None:
    name = "extend"
    with OpLog.open(log_path, durability="normal") as log:

        @_campaign(_budget(name, budget))
        @given(malformed_events(), st.data())
        def attempt(bad: dict[str, Any], data: st.DataObject) -> None:
            TRIED[name] += 1
            good = []
            for n in range(data.draw(st.integers(0, 3))):
                event = copy.deepcopy(data.draw(st.sampled_from(BASES)))
                if event["kind"] == "operation":
                    continue  # an operation can be opened once
                event["event_id"] = f"x-{TRIED[name]}-{n}"
                good.append(event)
            batch = [*good]
            batch.insert(data.draw(st.integers(0, len(good))), bad)
            _attempt(log, log_path, lambda log: log.extend(batch))

        attempt()
    assert TRIED[name] >= _budget(name, budget)


@BUDGET
def test_read_jsonl_gives_only_library_errors(log_path: Path, budget: int) -> None:
    name = "read_jsonl"
    with OpLog.open(log_path, durability="normal") as log:

        @_campaign(_budget(name, budget))
        @given(json_lines())
        def attempt(lines: list[str | bytes]) -> None:
            TRIED[name] += 1
            try:
                events = read_jsonl(lines)
            except AnprOpsError:
                return
            _attempt(log, log_path, lambda log: log.extend(events))

        attempt()
    assert TRIED[name] >= _budget(name, budget)


DEEP = 5000  # deeper than Python's recursion limit


def deep_value(kind: str) -> Any:
    return deep(DEEP, kind)


# --------------------------------------------------------------------------- every string field


def _string_paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield here
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _string_paths(inner, (*here, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _string_paths(inner, (*here, i))


@pytest.mark.parametrize(
    "payloads",
    [
        pytest.param(SQL_PAYLOADS[2:4], id="quick"),
        pytest.param(SQL_PAYLOADS, id="campaign", marks=pytest.mark.slow),
    ],
)
def test_sql_metacharacters_in_every_string_field(
    tmp_path: Path, payloads: tuple[str, ...]
) -> None:
    """Every string field of every kind of event, given each SQL payload: the append either
    is refused with an AnprOpsError and changes nothing, or stores the payload exactly."""
    path = tmp_path / "sql.db"
    tried = 0
    fields: set[tuple[str, tuple[Any, ...]]] = set()
    with OpLog.open(path, create=True, durability="normal") as log:
        log.extend(rich_events())
        bases = {e["kind"]: e for e in rich_events()}
        bases["correction"] = next(
            e for e in rich_events() if e["kind"] == "correction" and "replacement" in e
        )
        for kind, base in bases.items():
            for field in _string_paths(base):
                fields.add((kind, field))
                for payload in payloads:
                    event = copy.deepcopy(base)
                    event["event_id"] = f"sql-{tried}"
                    parent = event
                    for step in field[:-1]:
                        parent = parent[step]
                    parent[field[-1]] = payload
                    if field == ("event_id",):
                        event["event_id"] = payload
                    tried += 1
                    before = file_state(path)
                    try:
                        result = log.append(event)
                    except AnprOpsError:
                        assert file_state(path) == before, (kind, field, payload)
                        continue
                    assert log.verify().ok
                    if result.appended:
                        stored = json.loads(
                            raw(log)
                            .execute(
                                "SELECT body FROM events WHERE event_id = ?", (result.appended[0],)
                            )
                            .fetchone()[0]
                        )
                        inner = stored
                        for step in field[:-1]:
                            inner = inner[step]
                        assert inner[field[-1]] == payload, (kind, field, payload)
        tables = {r[0] for r in raw(log).execute("SELECT name FROM sqlite_master")}
    assert {"events", "anpr_ops_meta", "outcomes"} <= tables
    assert len(fields) >= 90 and tried == len(fields) * len(payloads)


def test_the_docs_state_the_budgets() -> None:
    """docs/reliability.md states the number of hostile inputs each campaign tries."""
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    for name, budget in BUDGETS.items():
        assert f"| `{name}` | {budget:,} |" in text, name
    assert f"{sum(BUDGETS.values()):,} hostile inputs" in text


# --------------------------------------------------------------------------- found by the campaigns


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"confidence": 10**5000}, id="int-too-long-for-str"),
        pytest.param({"event_id": -(10**4400)}, id="int-too-long-id"),
        pytest.param({"hotlist": deep_value("list")}, id="deep-list-in-enum"),
        pytest.param({"reasons": [deep_value("object")]}, id="deep-object-in-enum-list"),
        pytest.param({"kind": deep_value("list")}, id="deep-kind"),
        pytest.param({"kind": 10**5000}, id="int-too-long-kind"),
    ],
)
def test_values_python_cannot_print_are_refused_cleanly(data: dict[str, Any]) -> None:
    """Found by the campaigns: these escaped as ValueError or RecursionError (or, for kind,
    left an "Exception ignored" traceback on stderr) instead of an EventValidationError."""
    from tests import factory as f

    event = {**f.hit(), **data}
    with pytest.raises(AnprOpsError):
        parse_event(event)
    with OpLog.memory() as log:
        log.append(f.operation())
        with pytest.raises(AnprOpsError):
            log.extend([f.hit("hit-0"), event])
        assert len(log) == 1


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_too_deep_is_refused_cleanly(opening: str) -> None:
    """Found by the campaigns: a JSON text nested thousands deep raised RecursionError."""
    text = opening * 200_000
    with pytest.raises(AnprOpsError):
        parse_event(text)
    with pytest.raises(AnprOpsError):
        read_jsonl([text])
    with OpLog.memory() as log, pytest.raises(AnprOpsError):
        log.append(text)  # type: ignore[arg-type]


def test_a_replacement_kind_python_cannot_print_is_refused_cleanly() -> None:
    from tests import factory as f

    fix = f.correction("hit-1", replacement={**f.hit(), "kind": 10**5000})
    with pytest.raises(EventValidationError) as caught:
        parse_event(fix)
    assert caught.value.problems[0].loc == ("replacement", "kind")
