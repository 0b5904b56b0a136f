"""Properties of the scrutiny counts and figures, with Hypothesis.

- the counts are a commutative monoid, and the counts of a union of disjoint sets of events
  are the sum of their counts;
- every breakdown partitions the total (groups, codes, officer-defined, powers, objects, and
  each group's powers and objects);
- the figures of summed counts are the sum of the figures;
- the counts by code and by power equal the report's own SQL breakdowns of the same log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog
from anpr_ops.events import Search
from anpr_ops.report import NOT_RECORDED
from anpr_ops.scrutiny import (
    BTP,
    EthnicGroup,
    ObjectGroup,
    ScrutinyCell,
    ScrutinyCounts,
    ScrutinyKey,
    ScrutinyReport,
    scrutiny_counts,
)
from anpr_ops.strategies import operation_batches
from anpr_ops.vocab import Legislation, OfficerDefinedEthnicity, SelfDefinedEthnicity

FORCES = ["metropolitan", "city-of-london", "kent", BTP]


@st.composite
def cells(draw: st.DrawFn) -> ScrutinyCell:
    searches = draw(st.integers(1, 60))
    known = draw(st.integers(0, searches))
    positive = draw(st.integers(0, searches))
    return ScrutinyCell(
        searches,
        draw(st.integers(0, positive)),
        positive,
        draw(st.integers(0, known)),
        known,
    )


keys: st.SearchStrategy[ScrutinyKey] = st.tuples(
    st.sampled_from(FORCES),
    st.none() | st.sampled_from([c.value for c in SelfDefinedEthnicity]),
    st.none() | st.sampled_from([o.value for o in OfficerDefinedEthnicity]),
    st.sampled_from([leg.value for leg in Legislation]),
    st.sampled_from([g.value for g in ObjectGroup]),
)
counts = st.dictionaries(keys, cells(), max_size=25).map(ScrutinyCounts)


def total_of(parts: Iterable[ScrutinyCell]) -> ScrutinyCell:
    return sum(parts, ScrutinyCell())


@given(counts, counts)
def test_addition_commutes(a: ScrutinyCounts, b: ScrutinyCounts) -> None:
    assert a + b == b + a


@given(counts, counts, counts)
def test_addition_associates(a: ScrutinyCounts, b: ScrutinyCounts, c: ScrutinyCounts) -> None:
    assert (a + b) + c == a + (b + c)


@given(counts)
def test_empty_is_the_identity(a: ScrutinyCounts) -> None:
    assert a + ScrutinyCounts.empty() == a == ScrutinyCounts.empty() + a


@given(counts, counts)
def test_totals_add(a: ScrutinyCounts, b: ScrutinyCounts) -> None:
    assert (a + b).total() == a.total() + b.total()


@given(counts)
def test_every_breakdown_partitions_the_total(a: ScrutinyCounts) -> None:
    report = ScrutinyReport.from_counts(a)
    total = a.total()
    groups = report.groups()
    assert list(groups) == [g.value for g in EthnicGroup]
    assert total_of(g.counts for g in groups.values()) == total
    assert report.total().counts == total
    assert total_of(report.self_defined().values()) == total
    assert total_of(report.officer_defined().values()) == total
    assert total_of(report.by_legislation().values()) == total
    assert total_of(report.by_object().values()) == total
    for group in groups.values():
        assert total_of(group.by_legislation.values()) == group.counts
        assert total_of(group.by_object.values()) == group.counts
    for value, cell in report.officer_defined().items():
        assert total_of(report.officer_by_legislation(value).values()) == cell
        assert total_of(report.officer_by_object(value).values()) == cell


def _figures(a: ScrutinyCounts, forces: frozenset[str], op_id: str | None = None) -> ScrutinyReport:
    return ScrutinyReport.from_counts(a, forces=forces, op_id=op_id, min_searches=5)


@given(counts, counts)
def test_the_figures_of_a_sum_are_the_sum_of_the_figures(
    a: ScrutinyCounts, b: ScrutinyCounts
) -> None:
    whole = _figures(a + b, a.forces | b.forces, "x")
    summed = _figures(a, a.forces, "x") + _figures(b, b.forces, "x")
    assert summed.to_dict() == whole.to_dict()


names = st.none() | st.sampled_from(["Op Kaiser", "Op Aldrin"])


@given(counts, counts, names, names)
def test_reports_form_a_commutative_monoid(
    a: ScrutinyCounts, b: ScrutinyCounts, name_a: str | None, name_b: str | None
) -> None:
    ra = ScrutinyReport.from_counts(a, op_id="a", name=name_a)
    rb = ScrutinyReport.from_counts(b, op_id="b", name=name_b)
    empty = ScrutinyReport.empty()
    assert (ra + rb).to_dict() == (rb + ra).to_dict()
    assert (ra + empty).to_dict() == ra.to_dict() == (empty + ra).to_dict()
    assert (ra + rb).op_ids == {"a", "b"}
    assert (ra + rb).name == (name_a if name_a == name_b else None)


@given(counts)
def test_ratios_are_rates_over_the_white_rate(a: ScrutinyCounts) -> None:
    groups = ScrutinyReport.from_counts(a).groups()
    white = groups["white"].rate_per_1000
    for group in groups.values():
        ratio = group.ratio_to_white
        if ratio.value is None:
            assert ratio.status == "undefined" and ratio.reason
            continue
        assert white is not None and group.rate_per_1000 is not None
        assert abs(ratio.value - group.rate_per_1000 / white) <= 1e-9 * ratio.value
        if ratio.status == "reference":
            assert group.key == "white" and ratio.value == 1.0
        else:
            assert ratio.low is not None and ratio.high is not None
            assert 0 < ratio.low < ratio.value < ratio.high


# --------------------------------------------------------------------------- from a log


def _forces(events: Iterable[Any]) -> dict[str, str]:
    return {e.op_id: e.force for e in events if e.kind == "operation"}


@settings(max_examples=40)
@given(operation_batches(op_id="left"), operation_batches(op_id="right"))
def test_counts_of_a_union_of_operations_are_the_sum(left: list[Any], right: list[Any]) -> None:
    with OpLog.memory() as log:
        log.extend(left)
        log.extend(right)
        forces = _forces(log.events(kind="operation"))
        alone = [
            scrutiny_counts(log.events(op, include_children=True), forces)
            for op in ("left", "right")
        ]
        both = scrutiny_counts(log.events(), forces)
    assert alone[0] + alone[1] == both


def _by(counts: ScrutinyCounts, part: Callable[[ScrutinyKey], str]) -> dict[str, tuple[int, ...]]:
    return {
        key: (c.searches, c.arrests, c.positive_outcomes, c.linked_outcomes, c.linked_known)
        for key, c in counts.by(part).items()
    }


@settings(max_examples=40)
@given(operation_batches(op_id="op"))
def test_counts_agree_with_the_reports_sql(batch: list[Any]) -> None:
    """Two implementations, one a Python fold over events, the other the report's SQL."""
    with OpLog.memory() as log:
        log.extend(batch)
        report = log.report("op", include_children=True)
        counts = scrutiny_counts(
            log.events("op", include_children=True), _forces(log.events(kind="operation"))
        )
        searches = list(log.events("op", "search", include_children=True))
    by_code = _by(counts, lambda k: k[1] if k[1] is not None else NOT_RECORDED)
    sql = {
        code: (c.searches, c.arrests, c.positive_outcomes, c.linked, c.linked_known)
        for code, c in report.rollup.searches_by_ethnicity.items()
    }
    assert by_code == sql
    by_power = {k: v[0] for k, v in _by(counts, lambda k: k[3]).items()}
    assert by_power == dict(report.rollup.searches_by_legislation)
    assert counts.total().searches == report.totals.searches == len(searches)
    assert counts.total().arrests == report.totals.searches_with_arrest
    assert all(isinstance(s, Search) for s in searches)
