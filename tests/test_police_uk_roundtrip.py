"""Round trips through the data.police.uk CSV format, as Hypothesis properties, and the
documented losses of the old vocabulary and of fields the format does not carry."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog, _csv
from anpr_ops.events import Outcome, Search
from anpr_ops.interop.police_uk import (
    HEADER,
    export_police_uk,
    import_police_uk,
)
from anpr_ops.vocab import Disposal
from tests.interop_strategies import EXPORTABLE_DISPOSALS, csv_rows, searches

OP = {
    "kind": "operation",
    "op_id": "op-1",
    "occurred_at": "2020-01-01T00:00:00Z",
    "name": "Op One",
    "force": "metropolitan",
    "starts_at": "2020-01-01T00:00:00Z",
    "sites": [
        {
            "site_id": "vauxhall",
            "name": "Vauxhall Bridge",
            "latitude": 51.4875,
            "longitude": -0.1275,
        }
    ],
}

# The fields of a search that a data.police.uk row carries.
CARRIED = [
    "search_type",
    "occurred_at",
    "date_only",
    "part_of_policing_operation",
    "policing_operation",
    "latitude",
    "longitude",
    "gender",
    "age_range",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "legislation",
    "legislation_text",
    "object_of_search",
    "object_of_search_text",
    "outcome_linked_to_object",
    "removal_of_more_than_outer_clothing",
]


def opened(op_id: str) -> OpLog:
    """A log holding only an empty operation ``op_id`` (an import of no rows opens none)."""
    log = OpLog.memory()
    log.append({**OP, "op_id": op_id, "sites": []})
    return log


def carried(search: Search, disposal: str | None) -> tuple[Any, ...]:
    return (
        *(getattr(search, field) for field in CARRIED),
        search.search_type.searches_vehicle,  # a plate, or vrm_unknown
        disposal,
    )


def disposals(log: OpLog, op_id: str) -> dict[str, str]:
    return {
        o.search_id: o.disposal.value
        for o in log.events(op_id, "outcome")
        if isinstance(o, Outcome) and o.search_id
    }


def exported(log: OpLog, op_id: str) -> str:
    out = io.StringIO(newline="")
    export_police_uk(log, op_id, out)
    return out.getvalue()


@st.composite
def operations(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An operation's searches, each with an outcome or none."""
    events: list[dict[str, Any]] = [OP]
    for n, search in enumerate(draw(st.lists(searches(), max_size=12))):
        search["event_id"] = f"search-{n}"
        events.append(search)
        disposal = draw(st.none() | st.sampled_from(EXPORTABLE_DISPOSALS))
        if disposal is not None:
            outcome: dict[str, Any] = {
                "kind": "outcome",
                "op_id": "op-1",
                "occurred_at": search["occurred_at"],
                "subject_ref": "SUBJ-9",
                "search_id": f"search-{n}",
                "disposal": disposal.value,
            }
            if disposal.needs_offences:
                outcome["offences"] = ["MD71530"]
            events.append(outcome)
    return events


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(operations())
def test_searches_survive_export_and_import(events: list[dict[str, Any]]) -> None:
    """Generated searches -> export -> import -> the same searches (what the format carries)."""
    with OpLog.memory() as log, opened("op-2") as copy:
        log.extend(events)
        text = exported(log, "op-1")
        import_police_uk(copy, io.StringIO(text), "op-2", force="metropolitan")
        before = disposals(log, "op-1")
        after = disposals(copy, "op-2")
        original = sorted(
            (
                carried(s, before.get(s.event_id))
                for s in log.events("op-1", "search")
                if isinstance(s, Search)
            ),
            key=repr,
        )
        again = sorted(
            (
                carried(s, after.get(s.event_id))
                for s in copy.events("op-2", "search")
                if isinstance(s, Search)
            ),
            key=repr,
        )
    assert again == original


@settings(max_examples=60, deadline=None)
@given(st.lists(csv_rows(), max_size=15))
def test_current_vocabulary_files_come_back_byte_for_byte(rows: list[list[str]]) -> None:
    """A current-vocabulary file, in time order and written as anpr_ops writes CSV (formulas
    neutralised), imports and exports back unchanged."""
    rows.sort(
        key=lambda cells: cells[1][:10] + ("T00:00:00" if len(cells[1]) == 10 else cells[1][10:])
    )
    buffer = io.StringIO()
    writer = _csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    with opened("op-1") as log:
        import_police_uk(log, io.StringIO(buffer.getvalue()), "op-1")
        assert exported(log, "op-1") == buffer.getvalue()


@settings(max_examples=40, deadline=None)
@given(operations())
def test_export_import_export_is_stable(events: list[dict[str, Any]]) -> None:
    """Whatever an export loses, it loses once: a second trip changes nothing."""
    with OpLog.memory() as log, opened("op-2") as copy:
        log.extend(events)
        first = exported(log, "op-1")
        import_police_uk(copy, io.StringIO(first), "op-2", force="metropolitan")
        assert exported(copy, "op-2") == first


def test_exports_carry_no_plate_subject_grounds_or_officer() -> None:
    search = {
        "kind": "search",
        "event_id": "s-1",
        "op_id": "op-1",
        "occurred_at": "2020-01-02T10:00:00Z",
        "search_type": "person_and_vehicle",
        "legislation": "mda_1971_s23",
        "object_of_search": "controlled_drugs",
        "grounds": "strong smell of cannabis",
        "vrm": "LB07SEO",
        "subject_ref": "CUSTODY-4471",
        "officer_id": "PC9911",
        "notes": "driver known to officers",
        "site_id": "vauxhall",
    }
    with OpLog.memory() as log:
        log.extend([OP, search])
        text = exported(log, "op-1")
    for secret in ["LB07SEO", "LB07 SEO", "CUSTODY-4471", "PC9911", "cannabis", "known"]:
        assert secret not in text
    row = text.splitlines()[1].split(",")
    # No coordinates of its own: the site's are written, to six decimals.
    assert row[4:6] == ["51.487500", "-0.127500"]


def test_one_row_per_search_showing_its_most_serious_outcome() -> None:
    search = {
        "kind": "search",
        "event_id": "s-1",
        "op_id": "op-1",
        "occurred_at": "2020-01-02T10:00:00Z",
        "search_type": "person",
        "legislation": "pace_1984_s1",
        "object_of_search": "offensive_weapons",
        "grounds": "g",
        "subject_ref": "A",
    }

    def outcome(n: int, disposal: str, **more: Any) -> dict[str, Any]:
        return {
            "kind": "outcome",
            "event_id": f"o-{n}",
            "op_id": "op-1",
            "occurred_at": "2020-01-02T10:05:00Z",
            "subject_ref": "A",
            "search_id": "s-1",
            "disposal": disposal,
            **more,
        }

    with OpLog.memory() as log:
        log.extend(
            [
                OP,
                search,
                outcome(1, "no_further_action"),
                outcome(2, "arrest", offences=["PC53001"]),
                outcome(3, "community_resolution"),
            ]
        )
        rows = list(csv.DictReader(io.StringIO(exported(log, "op-1"))))
    assert [r["Outcome"] for r in rows] == ["Arrest"]


def test_disposals_without_a_published_string_are_written_blank_and_counted() -> None:
    search = {
        "kind": "search",
        "event_id": "s-1",
        "op_id": "op-1",
        "occurred_at": "2020-01-02T10:00:00Z",
        "search_type": "vehicle",
        "legislation": "mda_1971_s23",
        "object_of_search": "controlled_drugs",
        "grounds": "g",
        "vrm": "AB12CDE",
    }
    tor = {
        "kind": "outcome",
        "event_id": "o-1",
        "op_id": "op-1",
        "occurred_at": "2020-01-02T10:05:00Z",
        "subject_ref": "driver",
        "search_id": "s-1",
        "disposal": "traffic_offence_report",
        "offences": ["RT88191"],
    }
    with OpLog.memory() as log:
        log.extend([OP, search, tor])
        out = io.StringIO(newline="")
        result = export_police_uk(log, "op-1", out)
    assert result.blank_outcomes == {"traffic_offence_report": 1}
    assert next(csv.DictReader(io.StringIO(out.getvalue())))["Outcome"] == ""


# What the old vocabulary loses in the current one (docs/interop.md): written by hand.
OLD_TO_CURRENT = [
    (
        "Self-defined ethnicity",
        "Chinese or other ethnic group - Chinese (O1)",
        "Asian/Asian British - Chinese",
    ),
    (
        "Self-defined ethnicity",
        "White - White British (W1)",
        "White - English/Welsh/Scottish/Northern Irish/British",
    ),
    ("Self-defined ethnicity", "Not Stated (NS)", "Other ethnic group - Not stated"),
    ("Outcome", "Offender given drugs possession warning", "Khat or Cannabis warning"),
    ("Outcome", "Offender given penalty notice", "Penalty Notice for Disorder"),
    ("Outcome", "Local resolution", "Community resolution"),
    ("Outcome", "Nothing found - no further action", "A no further action disposal"),
    ("Outcome", "Suspect arrested", "Arrest"),
    ("Outcome", "Suspect summonsed to court", "Summons / charged by post"),
    ("Outcome", "Offender cautioned", "Caution (simple or conditional)"),
]


def test_old_vocabulary_is_written_in_the_current_one() -> None:
    base = dict.fromkeys(HEADER, "")
    base.update(
        {
            "Type": "Person search",
            "Date": "2016-06-01T10:00:00+00:00",
            "Legislation": "Misuse of Drugs Act 1971 (section 23)",
            "Object of search": "Controlled drugs",
        }
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for column, old, _ in OLD_TO_CURRENT:
        writer.writerow([{**base, column: old}[c] for c in HEADER])
    with OpLog.memory() as log:
        import_police_uk(log, io.StringIO(buffer.getvalue()), "op-1", force="metropolitan")
        rows = list(csv.DictReader(io.StringIO(exported(log, "op-1"))))
    assert [row[column] for row, (column, _, _) in zip(rows, OLD_TO_CURRENT, strict=True)] == [
        current for _, _, current in OLD_TO_CURRENT
    ]


# Disposals data.police.uk has no current string for (docs/interop.md): written blank.
WRITTEN_BLANK = {
    Disposal.TRAFFIC_OFFENCE_REPORT,
    Disposal.FIXED_PENALTY_NOTICE,
    Disposal.WORDS_OF_ADVICE,
    Disposal.ARTICLE_FOUND,
}


@pytest.mark.parametrize("disposal", list(Disposal), ids=str)
def test_every_disposal_is_exported_or_counted_blank(disposal: Disposal) -> None:
    search = {
        "kind": "search",
        "event_id": "s-1",
        "op_id": "op-1",
        "occurred_at": "2020-01-02T10:00:00Z",
        "search_type": "person",
        "legislation": "mda_1971_s23",
        "object_of_search": "controlled_drugs",
        "grounds": "g",
        "subject_ref": "A",
    }
    outcome: dict[str, Any] = {
        "kind": "outcome",
        "event_id": "o-1",
        "op_id": "op-1",
        "occurred_at": "2020-01-02T10:05:00Z",
        "subject_ref": "A",
        "search_id": "s-1",
        "disposal": disposal.value,
    }
    if disposal.needs_offences:
        outcome["offences"] = ["MD71530"]
    with OpLog.memory() as log:
        log.extend([OP, search, outcome])
        out = io.StringIO(newline="")
        result = export_police_uk(log, "op-1", out)
    [row] = csv.DictReader(io.StringIO(out.getvalue()))
    if disposal in WRITTEN_BLANK:
        assert (row["Outcome"], result.blank_outcomes) == ("", {disposal.value: 1})
    else:
        assert row["Outcome"] and result.blank_outcomes == {}


def test_other_without_a_text_comes_back_as_not_recorded() -> None:
    """data.police.uk has no "other": a power or object recorded here as ``other`` with no
    text is written blank, and a blank cell reads as ``not_recorded`` (a documented loss)."""
    search = {
        "kind": "search",
        "event_id": "s-1",
        "op_id": "op-1",
        "occurred_at": "2020-01-02T10:00:00Z",
        "search_type": "person",
        "legislation": "other",
        "object_of_search": "other",
        "grounds": "g",
        "subject_ref": "A",
    }
    with OpLog.memory() as log, opened("op-2") as copy:
        log.extend([OP, search])
        import_police_uk(copy, io.StringIO(exported(log, "op-1")), "op-2")
        [back] = [s for s in copy.events("op-2", "search") if isinstance(s, Search)]
    assert (back.legislation, back.object_of_search) == ("not_recorded", "not_recorded")
