"""The scrutiny figures of real data.police.uk months, and of held-out operations, against an
independent computation (tests/scrutiny_reference.py) with the Census populations of their
forces read from the Census file by the test itself."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from anpr_ops import OpLog
from anpr_ops.cli._demo import DAY_OP, KAISER_OP, demo_events_text
from anpr_ops.interop.police_uk import import_police_uk
from anpr_ops.scrutiny import scrutiny_report
from anpr_ops.strategies import operation_batches
from tests import scrutiny_reference as ref
from tests.conftest import SHARED

REAL = SHARED / "reference" / "data_police_uk"
CENSUS = SHARED / "reference" / "population" / "census2021-ethnicity-by-pfa.csv"
FILES = {
    "city-of-london": REAL / "city-of-london-2020-01-stop-and-search.csv",
    "metropolitan": REAL / "metropolitan-2016-06-stop-and-search.csv",
}
real_files = pytest.mark.skipif(
    not all(p.is_file() for p in [*FILES.values(), CENSUS]),
    reason="the shared real data.police.uk and Census files are not beside this checkout",
)


def _packaged_census() -> dict[str, dict[str, int]]:
    path = resources.files("anpr_ops").joinpath("data/census2021-ethnicity-by-pfa.csv")
    with resources.as_file(path) as real_path:
        return ref.census(Path(real_path))


@real_files
@pytest.mark.parametrize("force", sorted(FILES))
def test_a_real_month_against_an_independent_count(force: str) -> None:
    path = FILES[force]
    with OpLog.memory() as log:
        result = import_police_uk(log, path, "month")
        assert log.operation("month").force == force  # from the file's name
        figures = scrutiny_report(log, "month")
    rows = ref.police_uk_rows(path, force)
    assert result.searches == len(rows)
    want = ref.expected(rows, ref.census(CENSUS), [force])
    got = figures.to_dict()
    ref.assert_same_figures(got, want)
    assert got["force"] == force and got["op_id"] == "month"


@real_files
def test_the_real_months_show_what_they_should() -> None:
    """A few figures stated outright, so that a mistake shared by both computations shows."""
    with OpLog.memory() as log:
        import_police_uk(log, FILES["city-of-london"], "city")
        city = scrutiny_report(log, "city").to_dict()
    # 106 rows say "Other ethnic group - Not stated" and 8 are blank: 114 not stated.
    assert city["groups"]["not_stated"]["searches"] == 114
    # 23 African + 14 Caribbean + 6 other Black = 43, over 232 Black residents of the City.
    assert city["groups"]["black"]["searches"] == 43
    assert city["groups"]["black"]["population"] == 232
    assert city["groups"]["black"]["rate_per_1000"] == pytest.approx(43 / 232 * 1000)
    with OpLog.memory() as log:
        import_police_uk(log, FILES["metropolitan"], "met")
        met = scrutiny_report(log, "met").to_dict()
    # Four "Chinese or other ethnic group - Chinese (O1)" rows count as Asian.
    assert met["self_defined"]["O1"]["group"] == "asian"
    assert met["self_defined"]["O1"]["searches"] == 4
    # The 2016 file records no link between outcome and object at all.
    assert met["total"]["linked_known"] == 0
    assert any("recorded for 0 of 2000 searches" in note for note in met["notes"])


def _check_log(log: OpLog, op_id: str, *, include_children: bool = True) -> None:
    figures = scrutiny_report(log, op_id, include_children=include_children)
    forces = {
        op.op_id: op.force
        for op in log.operations()
        if op.op_id in log.op_ids(op_id, include_children=include_children)
    }
    rows = ref.log_rows(log, op_id, include_children=include_children)
    want = ref.expected(rows, _packaged_census(), forces.values())
    ref.assert_same_figures(figures.to_dict(), want)


@pytest.mark.parametrize(
    ("op_id", "children"), [(DAY_OP, True), (DAY_OP, False), (KAISER_OP, True)]
)
def test_the_demo_against_an_independent_fold(op_id: str, children: bool) -> None:
    import json

    with OpLog.memory() as log:
        log.extend(json.loads(line) for line in demo_events_text().splitlines())
        _check_log(log, op_id, include_children=children)


@settings(max_examples=40)
@given(operation_batches(op_id="held-out"))
def test_held_out_operations_against_an_independent_fold(batch: list[Any]) -> None:
    with OpLog.memory() as log:
        log.extend(batch)
        _check_log(log, "held-out")
        _check_log(log, "held-out", include_children=False)
