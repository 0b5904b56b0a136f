"""Old data.police.uk files that must import whole: a file shaped like Surrey's of November
2016 (old vocabulary, "Article found - Detailed outcome unavailable", blank powers and
objects), what reports make of it, and what its export and a re-import of that export do, as
docs/interop.md says."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.events import Outcome, Search
from anpr_ops.interop.police_uk import (
    EarlierRowsError,
    export_police_uk,
    import_police_uk,
    read_police_uk_csv,
)
from anpr_ops.interop.police_uk.vocabulary import DEFAULT_MAPPING, PoliceUkMapping

SURREY = Path(__file__).parent / "fixtures" / "police_uk" / "2016-11-surrey-stop-and-search.csv"
OP = "surrey-2016-11"
ARTICLE_FOUND = "Article found - Detailed outcome unavailable"


def published_rows() -> list[dict[str, str]]:
    with SURREY.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def imported() -> OpLog:
    log = OpLog.memory()
    import_police_uk(log, SURREY, OP)
    return log


def outcomes(log: OpLog, op_id: str = OP) -> list[Outcome]:
    return [o for o in log.events(op_id, "outcome") if isinstance(o, Outcome)]


def searches(log: OpLog, op_id: str = OP) -> list[Search]:
    return [s for s in log.events(op_id, "search") if isinstance(s, Search)]


def exported(log: OpLog, mapping: PoliceUkMapping = DEFAULT_MAPPING) -> str:
    out = io.StringIO(newline="")
    export_police_uk(log, OP, out, mapping=mapping)
    return out.getvalue()


# --------------------------------------------------------------- the file imports whole


def test_the_whole_file_imports_and_nothing_is_provisional() -> None:
    rows = published_rows()
    with OpLog.memory() as log:
        result = import_police_uk(log, SURREY, OP)
        assert result.op_created and log.operation(OP).force == "surrey"
    assert (result.rows, result.searches, result.outcomes) == (len(rows), len(rows), len(rows))
    assert (result.rejected, result.provisional, result.warnings) == ((), (), ())


def test_article_found_rows_stay_article_found() -> None:
    """The four rows are neither no further action nor an arrest: something was found, and
    what followed is not known. Three of them say the outcome was linked to the search."""
    with imported() as log:
        found = [o for o in outcomes(log) if o.disposal == "article_found"]
        linked = {s.event_id: s.outcome_linked_to_object for s in searches(log)}
    assert len(found) == sum(1 for r in published_rows() if r["Outcome"] == ARTICLE_FOUND) == 4
    assert all(not o.offences and not o.offences_unknown for o in found)
    assert Counter(linked[o.search_id] for o in found if o.search_id) == {True: 3, False: 1}


def test_reports_count_article_found_as_a_positive_outcome() -> None:
    rows = published_rows()
    with imported() as log:
        report = log.report(OP).to_dict()
    nothing_found = sum(1 for r in rows if r["Outcome"] == "Nothing found - no further action")
    assert report["disposals"]["article_found"] == 4
    assert report["disposals"]["no_further_action"] == nothing_found
    positive = report["rates"]["positive_outcome_rate"]
    assert positive == {"numerator": len(rows) - nothing_found, "denominator": len(rows)}


def test_blank_powers_and_objects_are_counted_apart_from_other() -> None:
    rows = published_rows()
    with imported() as log:
        report = log.report(OP).to_dict()
        legislation = Counter(s.legislation.value for s in searches(log))
    blank_power = sum(1 for r in rows if not r["Legislation"])
    blank_object = sum(1 for r in rows if not r["Object of search"])
    assert legislation["not_recorded"] == blank_power == 2
    assert "other" not in legislation
    assert report["searches_by_legislation"]["not_recorded"] == blank_power
    assert report["searches_by_object"]["not_recorded"] == blank_object
    assert "other" not in report["searches_by_legislation"]


# --------------------------------------------------------------- export and re-import


def test_export_writes_article_found_blank_and_says_so() -> None:
    with imported() as log:
        out = io.StringIO(newline="")
        result = export_police_uk(log, OP, out, newline="\n")
    written = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert result.blank_outcomes == {"article_found": 4}
    assert any("article_found" in warning for warning in result.warnings)
    assert Counter(r["Outcome"] for r in written)[""] == 4
    # Not recorded is written as it was published: blank.
    assert Counter(r["Legislation"] for r in written)[""] == 2
    assert Counter(r["Object of search"] for r in written)[""] == 2


def test_reimporting_the_export_refuses_by_default_the_rows_it_changed() -> None:
    """The export lost the four finds, so those rows come back different: the import asks
    (as for a corrected release) rather than count them twice. Every other row comes back with
    its own id and adds nothing."""
    with imported() as log:
        text = exported(log)
        head = log.head()
        with pytest.raises(EarlierRowsError) as info:
            import_police_uk(log, io.StringIO(text), OP)
        assert len(info.value.stale) == 8  # four searches, four outcomes
        assert log.head() == head
        kept = import_police_uk(log, io.StringIO(text), OP, earlier="keep")
        assert (kept.searches, kept.outcomes, kept.kept_earlier) == (4, 0, 4)
        assert kept.duplicates == 2 * len(published_rows()) - 8


def test_an_export_mapping_keeps_article_found_through_a_round_trip() -> None:
    """Written with the old string (a mapping override), the finds come back: re-importing the
    export into the operation it came from adds nothing."""
    mapping = DEFAULT_MAPPING.with_overrides(
        {"export": {"disposal": {"article_found": ARTICLE_FOUND}}}
    )
    with imported() as log:
        text = exported(log, mapping=mapping)
        head = log.head()
        again = import_police_uk(log, io.StringIO(text), OP)
        assert (again.searches, again.outcomes) == (0, 0)
        assert again.duplicates == 2 * len(published_rows())
        assert log.head() == head


def test_imported_rows_exported_and_imported_back_add_nothing() -> None:
    """Rows imported from data.police.uk, exported and imported back into their operation,
    come back with their own ids: nothing is counted twice."""
    text = "".join(
        [
            "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,",
            "Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,",
            "Object of search,Outcome,Outcome linked to object of search,",
            "Removal of more than just outer clothing\r\n",
            "Person search,2020-01-01T05:08:30+00:00,,,51.512598,-0.084967,Male,10-17,",
            "Other ethnic group - Not stated,Black,,,Arrest,True,False\r\n",
        ]
    )
    with OpLog.memory() as log:
        import_police_uk(log, io.StringIO(text), "city", force="city-of-london")
        out = io.StringIO(newline="")
        export_police_uk(log, "city", out)
        assert out.getvalue() == text
        again = import_police_uk(log, io.StringIO(out.getvalue()), "city")
        assert (again.searches, again.outcomes, again.duplicates) == (0, 0, 2)


def test_reimporting_an_export_of_searches_recorded_here_counts_them_twice() -> None:
    """Searches recorded in anpr_ops have their own ids; their rows come back as new ``pu-``
    searches, which is why docs/interop.md says to import such an export elsewhere."""
    with OpLog.memory() as log:
        log.extend(
            [
                {
                    "kind": "operation",
                    "op_id": "op-1",
                    "occurred_at": "2020-01-01T00:00:00Z",
                    "name": "Op One",
                    "force": "metropolitan",
                    "starts_at": "2020-01-01T00:00:00Z",
                },
                {
                    "kind": "search",
                    "event_id": "s-1",
                    "op_id": "op-1",
                    "occurred_at": "2020-01-02T10:00:00Z",
                    "search_type": "person",
                    "legislation": "mda_1971_s23",
                    "object_of_search": "controlled_drugs",
                    "grounds": "g",
                    "subject_ref": "A",
                },
            ]
        )
        out = io.StringIO(newline="")
        export_police_uk(log, "op-1", out)
        again = import_police_uk(log, io.StringIO(out.getvalue()), "op-1")
        assert again.searches == 1
        assert len(searches(log, "op-1")) == 2


# --------------------------------------------------------------- the strings of that era


@pytest.mark.parametrize(
    ("text", "disposal", "provisional"),
    [
        (ARTICLE_FOUND, "article_found", False),
        ("Suspected psychoactive substances seized - No further action", "no_further_action", True),
    ],
)
def test_old_outcome_strings(text: str, disposal: str, provisional: bool) -> None:
    assert DEFAULT_MAPPING.lookup("outcome", text) == disposal
    assert DEFAULT_MAPPING.is_provisional("outcome", text) is provisional


def test_gypsy_or_irish_traveller_is_read_without_a_provisional_warning() -> None:
    """Confirmed in every month of the Met's 2024-25 API data."""
    with SURREY.open(encoding="utf-8") as handle:
        header = handle.readline()
    row = (
        "Person search,2024-06-01T10:00:00+00:00,False,,51.5,-0.1,Male,18-24,"
        "White - Gypsy or Irish Traveller,White,Misuse of Drugs Act 1971 (section 23),"
        "Controlled drugs,A no further action disposal,False,False\n"
    )
    rows = read_police_uk_csv(io.StringIO(header + row))
    [(_, record)] = rows.records
    assert record.self_defined_ethnicity == "W3"
    assert rows.provisional == ()
