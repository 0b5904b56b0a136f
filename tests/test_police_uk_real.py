"""The two real data.police.uk files imported whole, checked against counts the test makes
itself with the csv module, and the City of London file exported back byte for byte."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.events import Outcome, Search
from anpr_ops.interop.police_uk import export_police_uk, import_police_uk
from tests.conftest import SHARED

REAL = SHARED / "reference" / "data_police_uk"
CITY = REAL / "city-of-london-2020-01-stop-and-search.csv"
MET = REAL / "metropolitan-2016-06-stop-and-search.csv"

pytestmark = pytest.mark.skipif(
    not (CITY.is_file() and MET.is_file()),
    reason="the shared real data.police.uk files are not beside this checkout",
)

# Written from reference/domain.md §2.3, independently of the code's tables.
TYPE = {
    "Person search": "person",
    "Person and Vehicle search": "person_and_vehicle",
    "Vehicle search": "vehicle",
}
OUTCOME = {
    "A no further action disposal": "no_further_action",
    "Arrest": "arrest",
    "Community resolution": "community_resolution",
    "Khat or Cannabis warning": "cannabis_khat_warning",
    "Summons / charged by post": "summons",
    "Caution (simple or conditional)": "caution",
    "Penalty Notice for Disorder": "penalty_notice_for_disorder",
    "Nothing found - no further action": "no_further_action",
    "Suspect arrested": "arrest",
    "Offender given drugs possession warning": "cannabis_khat_warning",
    "Offender given penalty notice": "penalty_notice_for_disorder",
    "Local resolution": "community_resolution",
    "Suspect summonsed to court": "summons",
    "Offender cautioned": "caution",
}
NEEDS_OFFENCES = {"arrest", "summons"}

Real = tuple[Path, list[dict[str, str]], list[Search], list[Outcome]]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def imported(path: Path, op_id: str) -> tuple[OpLog, list[Search], list[Outcome]]:
    # Shared by module-scoped fixtures, so it names its actor itself (the environment that
    # tests otherwise run with is set per test).
    log = OpLog.memory(actor="pytest", purpose="automated tests of anpr_ops")
    import_police_uk(log, path, op_id)
    searches = [e for e in log.events(op_id, "search", personal=True) if isinstance(e, Search)]
    outcomes = [e for e in log.events(op_id, "outcome", personal=True) if isinstance(e, Outcome)]
    return log, searches, outcomes


@pytest.fixture(scope="module", params=[CITY, MET], ids=["city-2020-01", "met-2016-06"])
def real(
    request: pytest.FixtureRequest,
) -> Real:
    path: Path = request.param
    log, searches, outcomes = imported(path, "real")
    log.close()
    return path, csv_rows(path), searches, outcomes


def test_every_row_is_one_search(
    real: Real,
) -> None:
    """Identical rows (several people searched together) are not merged."""
    _, rows, searches, _ = real
    assert len(searches) == len(rows)
    assert len({s.event_id for s in searches}) == len(rows)


def test_search_types_match_an_independent_count(
    real: Real,
) -> None:
    _, rows, searches, _ = real
    expected = Counter(TYPE[r["Type"]] for r in rows)
    assert Counter(s.search_type.value for s in searches) == expected


def test_outcomes_match_an_independent_count(
    real: Real,
) -> None:
    _, rows, _, outcomes = real
    expected = Counter(OUTCOME[r["Outcome"]] for r in rows if r["Outcome"])
    assert Counter(o.disposal.value for o in outcomes) == expected


def test_outcomes_that_need_offences_say_they_are_unknown(
    real: Real,
) -> None:
    _, rows, _, outcomes = real
    flagged = sum(1 for o in outcomes if o.offences_unknown)
    assert flagged == sum(1 for r in rows if OUTCOME.get(r["Outcome"]) in NEEDS_OFFENCES)
    assert all(not o.offences for o in outcomes)


def test_vehicle_searches_say_the_plate_is_unknown(
    real: Real,
) -> None:
    _, rows, searches, _ = real
    vehicles = sum(1 for r in rows if "Vehicle" in r["Type"])
    assert sum(1 for s in searches if s.vrm_unknown) == vehicles
    assert all(s.vrm is None for s in searches)


def test_blank_coordinates_stay_blank(
    real: Real,
) -> None:
    _, rows, searches, _ = real
    blank = sum(1 for r in rows if not r["Latitude"])
    assert sum(1 for s in searches if s.latitude is None) == blank
    located = [(float(r["Latitude"]), float(r["Longitude"])) for r in rows if r["Latitude"]]
    assert sorted(located) == sorted(
        (s.latitude, s.longitude) for s in searches if s.latitude is not None
    )


def test_tri_state_booleans_match(
    real: Real,
) -> None:
    _, rows, searches, _ = real
    as_bool = {"True": True, "False": False, "": None}
    for column, field in [
        ("Outcome linked to object of search", "outcome_linked_to_object"),
        ("Removal of more than just outer clothing", "removal_of_more_than_outer_clothing"),
        ("Part of a policing operation", "part_of_policing_operation"),
    ]:
        expected = Counter(as_bool[r[column]] for r in rows)
        assert Counter(getattr(s, field) for s in searches) == expected, column


def test_times_are_the_published_utc_times(
    real: Real,
) -> None:
    _, rows, searches, _ = real
    expected = sorted(r["Date"].replace("+00:00", "Z") for r in rows)
    assert sorted(s.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ") for s in searches) == expected


def test_no_search_carries_a_real_person_reference(
    real: Real,
) -> None:
    """Subject refs are synthetic, one per row: people arrested equals arrests."""
    _, _, searches, outcomes = real
    refs = [s.subject_ref for s in searches if s.subject_ref is not None]
    assert len(set(refs)) == len(refs)
    assert all(ref.startswith("pu-person-") for ref in refs)
    assert len({o.subject_ref for o in outcomes}) == len(outcomes)


def test_met_ethnicity_codes_come_from_the_brackets() -> None:
    """Old labels carry the 2001 census code in brackets: the count per code matches."""
    rows = csv_rows(MET)
    expected = Counter(
        r["Self-defined ethnicity"].rsplit("(", 1)[1].rstrip(")")
        if r["Self-defined ethnicity"]
        else None
        for r in rows
    )
    _, searches, _ = imported(MET, "met")
    assert (
        Counter(
            s.self_defined_ethnicity.value if s.self_defined_ethnicity else None for s in searches
        )
        == expected
    )


def test_reimporting_a_real_file_adds_nothing() -> None:
    with OpLog.memory() as log:
        first = import_police_uk(log, MET, "met")
        head = log.head()
        again = import_police_uk(log, MET, "met")
        assert (again.searches, again.outcomes) == (0, 0)
        assert again.duplicates == first.searches + first.outcomes
        assert log.head() == head


def test_city_file_exports_back_byte_for_byte() -> None:
    with OpLog.memory() as log:
        import_police_uk(log, CITY, "city")
        out = io.StringIO(newline="")
        result = export_police_uk(log, "city", out)
    assert result.rows == len(csv_rows(CITY))
    assert out.getvalue().encode("utf-8") == CITY.read_bytes()


def test_met_file_exports_in_the_current_vocabulary() -> None:
    with OpLog.memory() as log:
        import_police_uk(log, MET, "met")
        out = io.StringIO(newline="")
        export_police_uk(log, "met", out, newline="\n")
    exported = list(csv.DictReader(io.StringIO(out.getvalue())))
    original = csv_rows(MET)
    assert len(exported) == len(original)
    assert "Nothing found - no further action" not in {r["Outcome"] for r in exported}
    assert Counter(r["Outcome"] for r in exported)["A no further action disposal"] == sum(
        1 for r in original if r["Outcome"] == "Nothing found - no further action"
    )
    assert not any("(W1)" in r["Self-defined ethnicity"] for r in exported)
    # What the vocabulary change does not touch comes back as it was.
    for column in ["Type", "Date", "Latitude", "Longitude", "Legislation", "Gender"]:
        assert Counter(r[column] for r in exported) == Counter(r[column] for r in original)


@pytest.mark.skipif(not hasattr(OpLog, "report"), reason="the report module is not merged yet")
def test_report_counts_imported_arrests_as_unknown() -> None:
    """Arrests from a file without offence codes count under the 'unknown' category."""
    rows = csv_rows(CITY)
    with OpLog.memory() as log:
        import_police_uk(log, CITY, "city")
        report = log.report("city").to_dict()
    arrests = sum(1 for r in rows if r["Outcome"] == "Arrest")
    assert report["totals"]["searches"] == len(rows)
    assert report["totals"]["arrests"] == arrests
    assert report["arrests_by_category"]["unknown"] == arrests
