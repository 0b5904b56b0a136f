"""Laws every report obeys, over whole generated operations (anpr_ops.strategies).

- the SQL report equals a plain-Python fold over the events (tests/reference.py);
- partitions: by site, by hour and by category, the parts add up to the whole;
- reports form a commutative monoid, and report(A + B) == report(A) + report(B);
- append order, re-appending and corrections change nothing they should not;
- every rate has 0 <= numerator <= denominator.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog, OpReport
from anpr_ops.report import NO_SITE, Rollup
from anpr_ops.strategies import operation_batches
from tests.reference import TOTALS, reference_report

OP = "op"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REFS = ("hit_id", "stop_id", "search_id", "enquiry_id", "sweep_id")


# --------------------------------------------------------------------------- helpers


def logged(events: Sequence[Any]) -> OpLog:
    log = OpLog.memory()
    log.extend(events)
    return log


def without_people(data: Any) -> Any:
    """A report's dictionary without its counts of distinct people."""
    if isinstance(data, dict):
        return {k: without_people(v) for k, v in data.items() if k != "people_arrested"}
    return data


def report_of(events: Sequence[Any], op_id: str = OP, **kwargs: Any) -> OpReport:
    with logged(events) as log:
        return log.report(op_id, **kwargs)


def site_keys(batch: Sequence[Any]) -> list[str]:
    ids = {s.site_id for e in batch if e.kind == "operation" for s in e.sites}
    return [*sorted(ids), NO_SITE]


def apply_corrections(batch: Sequence[Any]) -> list[Any]:
    """The batch as if every event had been right from the start: no corrections, replaced
    events as their replacements (in the original's place, or later, after what a replacement
    now refers to), retracted events gone."""
    versions: dict[str, Any] = {}
    order: list[str] = []
    for event in batch:
        if event.kind == "correction":
            if event.retract:
                del versions[event.target_id]
            else:
                versions[event.target_id] = event.replacement
        else:
            versions[event.event_id] = event
            order.append(event.event_id)
    out: list[Any] = []
    placed: set[str] = set()

    def place(event_id: str) -> None:
        if event_id in placed or event_id not in versions:
            return
        for ref in sorted(refs_of(versions[event_id])):
            place(ref)
        placed.add(event_id)
        out.append(versions[event_id])

    for event_id in order:
        place(event_id)
    return out


def components(batch: Sequence[Any]) -> tuple[list[Any], list[list[Any]]]:
    """(operation events, groups of events linked by references or corrections)."""
    parent = {e.event_id: e.event_id for e in batch}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for event in batch:
        links = list(refs_of(event))
        if event.kind == "correction":
            links.append(event.target_id)
        for link in links:
            if link is not None:
                parent[find(event.event_id)] = find(link)
    ops = [e for e in batch if e.kind == "operation"]
    groups: dict[str, list[Any]] = {}
    for event in batch:
        if event.kind != "operation":
            groups.setdefault(find(event.event_id), []).append(event)
    return ops, list(groups.values())


def refs_of(event: Any) -> set[str]:
    """The ids an event names, or (a correction) its replacement names."""
    inner = getattr(event, "replacement", None) or event
    return {r for f in REFS if (r := getattr(inner, f, None)) is not None}


def shuffled(batch: Sequence[Any], rng: random.Random) -> list[Any]:
    """A random order of the batch in which every reference still points backwards, and an
    event is retracted only once nothing refers to it any more."""
    opener = {e.op_id: e.event_id for e in batch if e.kind == "operation"}
    deps: dict[str, set[str]] = {}
    last_fix: dict[str, str] = {}
    before: list[Any] = []
    for event in batch:
        needs = {opener[event.op_id]} - {event.event_id}
        if event.kind == "operation" and event.parent_op_id:
            needs.add(opener[event.parent_op_id])
        needs |= refs_of(event)
        if event.kind == "correction":
            needs.add(last_fix.get(event.target_id, event.target_id))
            last_fix[event.target_id] = event.event_id
            if event.retract:
                # After every version that referred to the target, and every correction of
                # those events made before the retraction (which moved or retracted them).
                users = {
                    getattr(e, "target_id", e.event_id)
                    for e in before
                    if event.target_id in refs_of(e)
                }
                needs |= {
                    e.event_id
                    for e in before
                    if e.event_id in users or getattr(e, "target_id", None) in users
                }
        deps[event.event_id] = needs
        before.append(event)
    by_id = {e.event_id: e for e in batch}
    done: set[str] = set()
    out: list[Any] = []
    while len(out) < len(batch):
        ready = sorted(i for i in by_id if i not in done and deps[i] <= done)
        pick = rng.choice(ready)
        done.add(pick)
        out.append(by_id[pick])
    return out


def without_corrections(data: dict[str, Any]) -> dict[str, Any]:
    """A to_dict() with every ``corrections`` count zeroed and emptied buckets dropped."""
    out = dict(data)
    out["totals"] = {**data["totals"], "corrections": 0}
    for key in ("by_site", "by_hour"):
        out[key] = {
            k: {**v, "corrections": 0}
            for k, v in data[key].items()
            if any(n for name, n in v.items() if name != "corrections")
        }
    out["by_operation"] = {k: {**v, "corrections": 0} for k, v in data["by_operation"].items()}
    return out


def windows(batch: Sequence[Any]) -> st.SearchStrategy[tuple[datetime | None, datetime | None]]:
    times = sorted({e.occurred_at for e in batch})
    bounds = st.one_of(st.none(), st.sampled_from(times)) if times else st.none()
    return st.tuples(bounds, bounds).map(
        lambda w: (
            (w[0], w[1]) if w[0] is None or w[1] is None else (min(w[0], w[1]), max(w[0], w[1]))
        )
    )


def rates_of(report: OpReport) -> Iterator[tuple[int, int]]:
    for rate in report.rates.values():
        yield rate.numerator, rate.denominator


# --------------------------------------------------------------------------- SQL == fold


@SETTINGS
@given(batch=operation_batches(), data=st.data())
def test_sql_report_equals_reference_fold(batch: list[Any], data: st.DataObject) -> None:
    """The SQL report and the plain-Python fold agree, for any filter."""
    include_children = data.draw(st.booleans(), label="include_children")
    site = data.draw(st.one_of(st.none(), st.sampled_from(site_keys(batch))), label="site")
    start, end = data.draw(windows(batch), label="window")
    kwargs: dict[str, Any] = {"include_children": include_children, "site": site}
    kwargs.update(start=start, end=end)
    with logged(batch) as log:
        if not include_children and site is not None and site not in site_keys(batch[:1]):
            kwargs["site"] = None  # a child's site is not a site of the root alone
        assert log.report(OP, **kwargs).to_dict() == reference_report(log, OP, **kwargs)


@SETTINGS
@given(batch=operation_batches())
def test_rebuilt_tables_give_the_same_report(batch: list[Any]) -> None:
    """Reports read the derived tables; rebuilding them from events changes no figure."""
    with logged(batch) as log:
        before = log.report(OP)
        log.rebuild()
        assert log.report(OP) == before


# --------------------------------------------------------------------------- partitions


@SETTINGS
@given(batch=operation_batches())
def test_sites_partition_the_report(batch: list[Any]) -> None:
    """The reports of each site (and of no site) add up to the whole report."""
    with logged(batch) as log:
        whole = log.report(OP)
        parts = [log.report(OP, site=s) for s in site_keys(batch)]
    summed = sum(parts, OpReport.empty())
    assert summed.by_operation == whole.by_operation
    assert summed.rollup == whole.rollup
    for part, key in zip(parts, site_keys(batch), strict=True):
        assert set(part.rollup.by_site) <= {key}
        assert part.rollup.by_site.get(key, Rollup().totals) == whole.rollup.by_site.get(
            key, Rollup().totals
        )


@SETTINGS
@given(batch=operation_batches())
def test_hours_partition_the_report(batch: list[Any]) -> None:
    """One report per local hour bucket (a window of that hour) adds up to the whole report,
    and holds exactly that bucket, also across a clock change and at :30 and :45 offsets."""
    with logged(batch) as log:
        whole = log.report(OP)
        parts = []
        for label in whole.by_hour:
            begins = datetime.fromisoformat(label)
            part = log.report(OP, start=begins, end=begins + timedelta(hours=1))
            assert list(part.by_hour) == [label]
            assert part.by_hour[label] == whole.by_hour[label]
            parts.append(part)
    summed = sum(parts, OpReport.empty())
    assert summed.rollup == whole.rollup
    if parts:
        assert summed.by_operation == whole.by_operation


@SETTINGS
@given(batch=operation_batches())
def test_breakdowns_add_up_to_their_totals(batch: list[Any]) -> None:
    """Each breakdown partitions its total (arrests by primary category and group, …), and
    additive totals by site, hour and operation sum to the totals."""
    with logged(batch) as log:
        data = log.report(OP).to_dict()
    totals = data["totals"]
    assert sum(data["arrests_by_category"].values()) == totals["arrests"]
    assert sum(data["arrests_by_group"].values()) == totals["arrests"]
    assert sum(data["arrests_by_source"].values()) == totals["arrests"]
    assert sum(data["offences_by_code"].values()) == totals["offences"]
    assert sum(data["offences_by_category"].values()) == totals["offences"]
    assert sum(data["disposals"].values()) == totals["outcomes"]
    assert data["disposals"].get("arrest", 0) == totals["arrests"]
    assert sum(data["seizures_by_item"].values()) == totals["seizures"]
    items = data["seizures_by_item"]
    assert sum(data["drug_seizures_by_class"].values()) == items.get("controlled_drug", 0)
    assert sum(data["weapons_by_type"].values()) == items.get("weapon", 0)
    assert sum(data["wanted_arrested_by_category"].values()) == totals["wanted_arrested"]
    for key in ("searches_by_legislation", "searches_by_object", "searches_by_type"):
        assert sum(data[key].values()) == totals["searches"]
    ethnicity = data["searches_by_ethnicity"].values()
    assert sum(e["searches"] for e in ethnicity) == totals["searches"]
    assert sum(e["arrests"] for e in ethnicity) == data["rates"]["arrest_rate"]["numerator"]
    assert sum(e["linked"] for e in ethnicity) == data["rates"]["linked_outcome_rate"]["numerator"]
    assert sum(data["hits_by_hotlist"].values()) == totals["anpr_hits"]
    assert sum(data["hits_by_reason"].values()) >= totals["anpr_hits"]
    for key in ("by_site", "by_hour", "by_operation"):
        parts = data[key].values()
        for name in TOTALS:
            summed = sum(p[name] for p in parts)
            if name == "people_arrested":  # distinct people: a person may be in two parts
                assert max((p[name] for p in parts), default=0) <= totals[name] <= summed
            else:
                assert summed == totals[name], (key, name)


# --------------------------------------------------------------------------- the monoid


@SETTINGS
@given(
    a=operation_batches(op_id="op-a", max_children=1),
    b=operation_batches(op_id="op-b", max_children=1),
    c=operation_batches(op_id="op-c", max_children=0),
)
def test_reports_form_a_commutative_monoid(a: list[Any], b: list[Any], c: list[Any]) -> None:
    """Identity, associativity and commutativity, for reports of different operations."""
    ra, rb, rc = report_of(a, "op-a"), report_of(b, "op-b"), report_of(c, "op-c")
    empty = OpReport.empty()
    assert ra + empty == ra == empty + ra
    assert (ra + rb) + rc == ra + (rb + rc)
    assert ra + rb == rb + ra
    assert sum([ra, rb, rc], empty) == ra + rb + rc


@SETTINGS
@given(batch=operation_batches(), data=st.data())
def test_report_of_a_union_is_the_sum_of_reports(batch: list[Any], data: st.DataObject) -> None:
    """Split the events into two logs (each keeps the operations, and whatever its events
    refer to): report(A + B) == report(A) + report(B) in every figure. People are counted once
    within a log and apart across logs (docs/reports.md), so the sum's people arrested are
    those of A plus those of B."""
    ops, groups = components(batch)
    sides = data.draw(st.lists(st.booleans(), min_size=len(groups), max_size=len(groups)))
    part_a = ops + [e for g, side in zip(groups, sides, strict=True) if side for e in g]
    part_b = ops + [e for g, side in zip(groups, sides, strict=True) if not side for e in g]
    a, b, whole = report_of(part_a), report_of(part_b), report_of(batch)
    assert without_people((a + b).to_dict()) == without_people(whole.to_dict())
    assert (a + b).totals.people_arrested == a.totals.people_arrested + b.totals.people_arrested


@SETTINGS
@given(batch=operation_batches(), data=st.data())
def test_split_by_day_adds_up(batch: list[Any], data: st.DataObject) -> None:
    """Two windows that meet at any instant add up to the report of both together."""
    times = sorted(e.occurred_at for e in batch)
    cut = data.draw(st.sampled_from(times))
    with logged(batch) as log:
        before = log.report(OP, end=cut)
        after = log.report(OP, start=cut)
        whole = log.report(OP)
    assert (before + after).by_operation == whole.by_operation
    assert (before + after).period is not None


# --------------------------------------------------------------------------- order, repeats


@SETTINGS
@given(batch=operation_batches(), rng=st.randoms(use_true_random=False))
def test_append_order_does_not_matter(batch: list[Any], rng: random.Random) -> None:
    """Any order in which references point backwards gives the same report."""
    assert report_of(shuffled(batch, rng)).to_dict() == report_of(batch).to_dict()


@SETTINGS
@given(batch=operation_batches())
def test_reappending_changes_nothing(batch: list[Any]) -> None:
    """Appending the same batch again (whole, or event by event) adds nothing."""
    with logged(batch) as log:
        before = log.report(OP)
        assert log.extend(batch).noop
        for event in batch:
            assert log.append(event).noop
        assert log.report(OP) == before


# --------------------------------------------------------------------------- corrections


@SETTINGS
@given(batch=operation_batches(max_corrections=5))
def test_corrected_log_reports_as_if_right_from_the_start(batch: list[Any]) -> None:
    """Replaced events count as their replacements; retracted ones as if never appended;
    only the count of corrections tells the two logs apart."""
    corrected = report_of(batch).to_dict()
    clean = report_of(apply_corrections(batch)).to_dict()
    assert clean["totals"]["corrections"] == 0
    assert without_corrections(corrected) == without_corrections(clean)
    fixes = sum(1 for e in batch if e.kind == "correction")
    assert corrected["totals"]["corrections"] == fixes


@SETTINGS
@given(batch=operation_batches(max_corrections=0), data=st.data())
def test_retracted_event_is_as_if_never_appended(batch: list[Any], data: st.DataObject) -> None:
    """Retracting any event nothing refers to gives the report of the log without it."""
    named = {r for e in batch for f in REFS if (r := getattr(e, f, None)) is not None}
    leaves = [e for e in batch if e.kind != "operation" and e.event_id not in named]
    if not leaves:
        return
    leaf = data.draw(st.sampled_from(leaves))
    with logged(batch) as log:
        log.correct(leaf.event_id, reason="Recorded in error", retract=True)
        retracted = log.report(OP).to_dict()
    never = report_of([e for e in batch if e is not leaf]).to_dict()
    assert without_corrections(retracted) == without_corrections(never)


# --------------------------------------------------------------------------- rates


@SETTINGS
@given(batch=operation_batches(), data=st.data())
def test_every_rate_is_a_proper_fraction(batch: list[Any], data: st.DataObject) -> None:
    """0 <= numerator <= denominator, for every rate of every filtered report."""
    site = data.draw(st.one_of(st.none(), st.sampled_from(site_keys(batch))))
    start, end = data.draw(windows(batch))
    with logged(batch) as log:
        report = log.report(OP, site=site, start=start, end=end)
    for numerator, denominator in rates_of(report):
        assert 0 <= numerator <= denominator
    for rate in report.rates.values():
        assert rate.value is None or 0.0 <= rate.value <= 1.0


@pytest.mark.parametrize("key", ["arrest_rate", "positive_outcome_rate", "linked_outcome_rate"])
def test_rate_names_are_documented(key: str) -> None:
    """The named rates of the brief exist, as numerator and denominator."""
    assert set(OpReport.empty().to_dict()["rates"][key]) == {"numerator", "denominator"}
