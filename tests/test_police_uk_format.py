"""Reading data.police.uk files: every published value, dates, booleans, coordinates, bad
files named by line and column, the API's JSON, mapping overrides, re-releases."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import AnprOpsError, OpLog
from anpr_ops.events import Outcome, Search
from anpr_ops.interop import SourceFormatError
from anpr_ops.interop.police_uk import (
    EarlierRowsError,
    ImportRefusedError,
    import_police_uk,
    police_uk_events,
    read_police_uk_csv,
    read_police_uk_json,
)
from anpr_ops.interop.police_uk_vocab import DEFAULT_MAPPING, MappingError, PoliceUkMapping

HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outer clothing"
)
COLUMNS = HEADER.split(",")
GOOD: dict[str, str] = {
    "Type": "Person search",
    "Date": "2020-01-01T05:08:30+00:00",
    "Part of a policing operation": "",
    "Policing operation": "",
    "Latitude": "51.512598",
    "Longitude": "-0.084967",
    "Gender": "Male",
    "Age range": "10-17",
    "Self-defined ethnicity": "Other ethnic group - Not stated",
    "Officer-defined ethnicity": "Black",
    "Legislation": "Misuse of Drugs Act 1971 (section 23)",
    "Object of search": "Controlled drugs",
    "Outcome": "A no further action disposal",
    "Outcome linked to object of search": "False",
    "Removal of more than just outer clothing": "False",
}


def line(**changes: str) -> str:
    """A good row with some cells changed (keyword: the column, ``_`` for spaces)."""
    named = {k.replace("_", " "): v for k, v in changes.items()}
    unknown = set(named) - set(COLUMNS)
    assert not unknown, unknown
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([{**GOOD, **named}[c] for c in COLUMNS])
    return out.getvalue()


def row(column: str, value: str) -> str:
    """A good row with one cell changed."""
    assert column in COLUMNS
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([{**GOOD, column: value}[c] for c in COLUMNS])
    return out.getvalue()


def csv_text(*rows: str) -> str:
    return HEADER + "\n" + "".join(rows)


def one(column: str, value: str) -> Search:
    rows = read_police_uk_csv(io.StringIO(csv_text(row(column, value))))
    [(_, record)] = rows.records
    search = police_uk_events([record], "op-1")[0]
    assert isinstance(search, Search)
    return search


def disposal_of(value: str) -> str | None:
    rows = read_police_uk_csv(io.StringIO(csv_text(row("Outcome", value))))
    events = police_uk_events([rows.records[0][1]], "op-1")
    outcomes = [e for e in events if isinstance(e, Outcome)]
    return outcomes[0].disposal.value if outcomes else None


# --------------------------------------------------------------- every value of domain.md §2.3

B9_LABEL = "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background"
# (column, published string, Search field, expected value); expected values written by hand.
VALUES: list[tuple[str, str, str, object]] = [
    ("Type", "Person search", "search_type", "person"),
    ("Type", "Person and Vehicle search", "search_type", "person_and_vehicle"),
    ("Type", "Vehicle search", "search_type", "vehicle"),
    ("Gender", "Male", "gender", "male"),
    ("Gender", "Female", "gender", "female"),
    ("Gender", "Other", "gender", "other"),
    ("Gender", "", "gender", None),
    ("Age range", "under 10", "age_range", "under_10"),
    ("Age range", "10-17", "age_range", "10_17"),
    ("Age range", "18-24", "age_range", "18_24"),
    ("Age range", "25-34", "age_range", "25_34"),
    ("Age range", "over 34", "age_range", "over_34"),
    ("Age range", "", "age_range", None),
    *[
        ("Self-defined ethnicity", text, "self_defined_ethnicity", code)
        for text, code in [
            ("White - English/Welsh/Scottish/Northern Irish/British", "W1"),
            ("White - Irish", "W2"),
            ("White - Gypsy or Irish Traveller", "W3"),
            ("White - Any other White background", "W9"),
            ("Mixed/Multiple ethnic groups - White and Black Caribbean", "M1"),
            ("Mixed/Multiple ethnic groups - White and Black African", "M2"),
            ("Mixed/Multiple ethnic groups - White and Asian", "M3"),
            ("Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background", "M9"),
            ("Asian/Asian British - Indian", "A1"),
            ("Asian/Asian British - Pakistani", "A2"),
            ("Asian/Asian British - Bangladeshi", "A3"),
            ("Asian/Asian British - Chinese", "A4"),
            ("Asian/Asian British - Any other Asian background", "A9"),
            ("Black/African/Caribbean/Black British - African", "B2"),
            ("Black/African/Caribbean/Black British - Caribbean", "B1"),
            (B9_LABEL, "B9"),
            ("Other ethnic group - Arab", "O2"),
            ("Other ethnic group - Any other ethnic group", "O9"),
            ("Other ethnic group - Not stated", "NS"),
            ("White - White British (W1)", "W1"),
            ("White - White Irish (W2)", "W2"),
            ("White - Any other White ethnic background (W9)", "W9"),
            ("Mixed - White and Black Caribbean (M1)", "M1"),
            ("Mixed - White and Black African (M2)", "M2"),
            ("Mixed - White and Asian (M3)", "M3"),
            ("Mixed - Any other Mixed ethnic background (M9)", "M9"),
            ("Asian or Asian British - Indian (A1)", "A1"),
            ("Asian or Asian British - Pakistani (A2)", "A2"),
            ("Asian or Asian British - Bangladeshi (A3)", "A3"),
            ("Asian or Asian British - Any other Asian ethnic background (A9)", "A9"),
            ("Black or Black British - Caribbean (B1)", "B1"),
            ("Black or Black British - African (B2)", "B2"),
            ("Black or Black British - Any other Black ethnic background (B9)", "B9"),
            ("Chinese or other ethnic group - Chinese (O1)", "O1"),
            ("Chinese or other ethnic group - Any other ethnic group (O9)", "O9"),
            ("Not Stated (NS)", "NS"),
            ("", None),
        ]
    ],
    ("Officer-defined ethnicity", "White", "officer_defined_ethnicity", "white"),
    ("Officer-defined ethnicity", "Black", "officer_defined_ethnicity", "black"),
    ("Officer-defined ethnicity", "Asian", "officer_defined_ethnicity", "asian"),
    ("Officer-defined ethnicity", "Other", "officer_defined_ethnicity", "other"),
    ("Officer-defined ethnicity", "Mixed", "officer_defined_ethnicity", "mixed"),
    ("Officer-defined ethnicity", "", "officer_defined_ethnicity", None),
    *[
        ("Legislation", text, "legislation", code)
        for text, code in [
            ("Misuse of Drugs Act 1971 (section 23)", "mda_1971_s23"),
            ("Police and Criminal Evidence Act 1984 (section 1)", "pace_1984_s1"),
            ("Criminal Justice and Public Order Act 1994 (section 60)", "cjpoa_1994_s60"),
            ("Firearms Act 1968 (section 47)", "firearms_1968_s47"),
            ("Criminal Justice Act 1988 (section 139B)", "cja_1988_s139b"),
            ("Psychoactive Substances Act 2016 (s36(2))", "psa_2016_s36"),
            ("Terrorism Act 2000 (section 43)", "ta_2000_s43"),
            ("Terrorism Act 2000 (section 47A)", "ta_2000_s47a"),
            ("", "other"),
        ]
    ],
    *[
        ("Legislation", text, "legislation_text", text)
        for text in [
            "Poaching Prevention Act 1862 (section 2)",
            "Aviation Security Act 1982 (section 27(1))",
            "Wildlife and Countryside Act 1981 (section 19)",
            "Deer Act 1991 (section 12)",
            "Police and Criminal Evidence Act 1984 (section 6)",
            "Crossbows Act 1987 (section 4)",
            "Customs and Excise Management Act 1979 (section 163)",
            "Hunting Act 2004 (section 8)",
            "Protection of Badgers Act 1992 (section 11)",
            "Conservation of Seals Act 1970 (section 4)",
            "Public Stores Act 1875 (section 6)",
            "Environmental Protection Act 1990 (section 34B )",
        ]
    ],
    *[
        ("Object of search", text, "object_of_search", code)
        for text, code in [
            ("Controlled drugs", "controlled_drugs"),
            ("Offensive weapons", "offensive_weapons"),
            ("Article for use in theft", "article_for_use_in_theft"),
            ("Stolen goods", "stolen_goods"),
            ("Anything to threaten or harm anyone", "anything_to_threaten_or_harm"),
            ("Evidence of offences under the Act", "evidence_of_offences"),
            ("Articles for use in criminal damage", "articles_for_criminal_damage"),
            ("Firearms", "firearms"),
            ("Fireworks", "fireworks"),
            ("Psychoactive substances", "psychoactive_substances"),
            ("", "other"),
        ]
    ],
    *[
        ("Object of search", text, "object_of_search_text", text)
        for text in [
            "Game or poaching equipment",
            "Crossbows",
            "Goods on which duty has not been paid etc.",
            "Detailed object of search unavailable",
            "Evidence of wildlife offences",
            "Seals or hunting equipment",
            "dog",
        ]
    ],
    ("Outcome linked to object of search", "True", "outcome_linked_to_object", True),
    ("Outcome linked to object of search", "False", "outcome_linked_to_object", False),
    ("Outcome linked to object of search", "", "outcome_linked_to_object", None),
    (
        "Removal of more than just outer clothing",
        "True",
        "removal_of_more_than_outer_clothing",
        True,
    ),
    ("Removal of more than just outer clothing", "", "removal_of_more_than_outer_clothing", None),
    ("Part of a policing operation", "True", "part_of_policing_operation", True),
    ("Part of a policing operation", "False", "part_of_policing_operation", False),
    ("Part of a policing operation", "", "part_of_policing_operation", None),
    ("Policing operation", "Operation Sceptre", "policing_operation", "Operation Sceptre"),
    ("Policing operation", "", "policing_operation", None),
]


@pytest.mark.parametrize(("column", "text", "field", "expected"), VALUES)
def test_every_published_value_is_read(
    column: str, text: str, field: str, expected: object
) -> None:
    value = getattr(one(column, text), field)
    assert (value.value if hasattr(value, "value") else value) == expected


OUTCOMES = [
    ("A no further action disposal", "no_further_action"),
    ("Arrest", "arrest"),
    ("Community resolution", "community_resolution"),
    ("Khat or Cannabis warning", "cannabis_khat_warning"),
    ("Summons / charged by post", "summons"),
    ("Caution (simple or conditional)", "caution"),
    ("Penalty Notice for Disorder", "penalty_notice_for_disorder"),
    ("Nothing found - no further action", "no_further_action"),
    ("Suspect arrested", "arrest"),
    ("Offender given drugs possession warning", "cannabis_khat_warning"),
    ("Offender given penalty notice", "penalty_notice_for_disorder"),
    ("Local resolution", "community_resolution"),
    ("Suspect summonsed to court", "summons"),
    ("Offender cautioned", "caution"),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), OUTCOMES)
def test_every_published_outcome_is_read(text: str, expected: str | None) -> None:
    assert disposal_of(text) == expected


def test_vehicle_search_has_no_plate_and_no_person() -> None:
    search = one("Type", "Vehicle search")
    assert search.vrm_unknown
    assert search.vrm is None
    assert search.subject_ref is None


def test_person_and_vehicle_search_has_both_flags() -> None:
    search = one("Type", "Person and Vehicle search")
    assert search.vrm_unknown
    assert search.subject_ref is not None


def test_arrest_says_offences_unknown_and_nfa_does_not() -> None:
    [(_, arrest)] = read_police_uk_csv(io.StringIO(csv_text(row("Outcome", "Arrest")))).records
    [(_, nfa)] = read_police_uk_csv(io.StringIO(csv_text(line()))).records
    out_arrest = police_uk_events([arrest], "op-1")[1]
    out_nfa = police_uk_events([nfa], "op-1")[1]
    assert isinstance(out_arrest, Outcome)
    assert isinstance(out_nfa, Outcome)
    assert out_arrest.offences_unknown
    assert not out_arrest.offences
    assert not out_nfa.offences_unknown


def test_blank_outcome_gives_no_outcome_event() -> None:
    [(_, record)] = read_police_uk_csv(io.StringIO(csv_text(row("Outcome", "")))).records
    assert [type(e).__name__ for e in police_uk_events([record], "op-1")] == ["Search"]


# --------------------------------------------------------------- dates and coordinates

DATES = [
    ("2020-01-01T05:08:30+00:00", datetime(2020, 1, 1, 5, 8, 30, tzinfo=UTC), False),
    ("2016-06-01T00:01:00+01:00", datetime(2016, 5, 31, 23, 1, tzinfo=UTC), False),
    ("2020-01-01T05:08:30Z", datetime(2020, 1, 1, 5, 8, 30, tzinfo=UTC), False),
    ("2020-01-31", datetime(2020, 1, 31, tzinfo=UTC), True),
]


@pytest.mark.parametrize(("text", "expected", "date_only"), DATES)
def test_dates_are_read_in_utc(text: str, expected: datetime, date_only: bool) -> None:
    search = one("Date", text)
    assert search.occurred_at == expected
    assert search.date_only is date_only


def test_coordinates_are_read_as_numbers() -> None:
    search = one("Latitude", "51.514858")
    assert (search.latitude, search.longitude) == (51.514858, -0.084967)


def test_blank_coordinates_give_none() -> None:
    [(_, record)] = read_police_uk_csv(
        io.StringIO(csv_text(line(Latitude="", Longitude="")))
    ).records
    assert (record.latitude, record.longitude) == (None, None)


def test_byte_order_mark_and_crlf_are_accepted() -> None:
    text = "\ufeff" + csv_text(line(), line(Outcome="Arrest")).replace("\n", "\r\n")
    rows = read_police_uk_csv(io.BytesIO(text.encode("utf-8")))
    assert [n for n, _ in rows.records] == [2, 3]
    assert rows.records[1][1].disposal is not None


def test_blank_lines_are_skipped_and_lines_still_counted() -> None:
    text = csv_text(line(), "\n", line(Date="nonsense"))
    with pytest.raises(SourceFormatError) as info:
        read_police_uk_csv(io.StringIO(text))
    assert info.value.line == 4


def test_header_only_file_has_no_records() -> None:
    assert read_police_uk_csv(io.StringIO(HEADER + "\n")).records == ()


# --------------------------------------------------------------- bad files

BAD: list[tuple[str, str, int | None, str | None, str]] = [
    # (name, file text, line, column, code)
    ("empty file", "", None, None, "empty_file"),
    ("only spaces", "  \n\n", None, None, "empty_file"),
    ("wrong header", HEADER.replace("Gender", "Sex") + "\n" + line(), 1, None, "bad_header"),
    ("columns reordered", ",".join(reversed(COLUMNS)) + "\n", 1, None, "bad_header"),
    ("crime file", "Crime ID,Month,Reported by\n", 1, None, "bad_header"),
    ("bad date", csv_text(line(), line(Date="31/01/2020 10:00")), 3, "Date", "bad_date"),
    ("naive date", csv_text(line(Date="2020-01-31T10:00:00")), 2, "Date", "naive_date"),
    ("impossible date", csv_text(line(Date="2020-02-30")), 2, "Date", "bad_date"),
    ("blank date", csv_text(line(Date="")), 2, "Date", "bad_date"),
    ("bad outcome", csv_text(line(), line(), line(Outcome="Released")), 4, "Outcome", "bad_value"),
    ("bad type", csv_text(line(Type="Dog search")), 2, "Type", "bad_value"),
    ("blank type", csv_text(line(Type="")), 2, "Type", "bad_value"),
    ("bad gender", csv_text(line(Gender="M")), 2, "Gender", "bad_value"),
    (
        "bad boolean",
        csv_text(line(Removal_of_more_than_just_outer_clothing="yes")),
        2,
        "Removal of more than just outer clothing",
        "bad_value",
    ),
    (
        "bad legislation",
        csv_text(line(Legislation="Road Traffic Act 1988 (section 163)")),
        2,
        "Legislation",
        "bad_value",
    ),
    ("latitude only", csv_text(line(Longitude="")), 2, "Longitude", "bad_value"),
    ("latitude out of range", csv_text(line(Latitude="151.5")), 2, "Latitude", "bad_value"),
    ("latitude not a number", csv_text(line(Latitude="north")), 2, "Latitude", "bad_value"),
    (
        "too few fields",
        csv_text("Person search,2020-01-01T05:08:30+00:00\n"),
        2,
        None,
        "field_count",
    ),
]


@pytest.mark.parametrize(
    ("text", "line_no", "column", "code"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_files_name_line_and_column(
    text: str, line_no: int | None, column: str | None, code: str
) -> None:
    with pytest.raises(SourceFormatError) as info:
        read_police_uk_csv(io.StringIO(text))
    error = info.value
    assert (error.line, error.column, error.code) == (line_no, column, code)
    message = str(error)
    if line_no is not None:
        assert f"line {line_no}" in message
    if column is not None:
        assert repr(column) in message
    assert "\n" not in message


def test_file_that_is_not_utf8_names_the_line() -> None:
    data = (csv_text(line()) + "Person search,caf\xe9").encode("latin-1")
    with pytest.raises(SourceFormatError) as info:
        read_police_uk_csv(io.BytesIO(data))
    assert (info.value.code, info.value.line) == ("not_utf8", 3)


def test_skip_invalid_keeps_good_rows_and_lists_bad_ones() -> None:
    text = csv_text(line(), line(Outcome="Released"), line(Gender="Female"), line(Date="x"))
    rows = read_police_uk_csv(io.StringIO(text), skip_invalid=True)
    assert [n for n, _ in rows.records] == [2, 4]
    assert [(r.line, r.column, r.code) for r in rows.rejected] == [
        (3, "Outcome", "bad_value"),
        (5, "Date", "bad_date"),
    ]
    assert rows.rejected[0].fields[12] == "Released"


# --------------------------------------------------------------- importing into a log


def log_with_op() -> OpLog:
    log = OpLog.memory()
    log.append(
        {
            "kind": "operation",
            "op_id": "city-2020-01",
            "occurred_at": "2020-01-01T00:00:00Z",
            "name": "City, January 2020",
            "force": "city-of-london",
            "starts_at": "2020-01-01T00:00:00Z",
        }
    )
    return log


def test_a_bad_row_writes_nothing() -> None:
    with log_with_op() as log:
        head = log.head()
        with pytest.raises(SourceFormatError):
            import_police_uk(log, io.StringIO(csv_text(line(), line(Outcome="?"))), "city-2020-01")
        assert log.head() == head


def test_identical_rows_stay_distinct_and_reimport_is_a_noop() -> None:
    text = csv_text(line(), line(), line(), line(Outcome="Arrest"))
    with log_with_op() as log:
        first = import_police_uk(log, io.StringIO(text), "city-2020-01")
        assert (first.searches, first.outcomes) == (4, 4)
        again = import_police_uk(log, io.StringIO(text), "city-2020-01")
        assert (again.searches, again.outcomes, again.duplicates) == (0, 0, 8)


def test_the_same_row_in_two_operations_gives_two_events() -> None:
    with log_with_op() as log:
        import_police_uk(log, io.StringIO(csv_text(line())), "city-2020-01")
        result = import_police_uk(
            log, io.StringIO(csv_text(line())), "other-op", force="city-of-london"
        )
        assert result.searches == 1


def test_csv_and_json_of_the_same_rows_give_the_same_events() -> None:
    csv_rows = read_police_uk_csv(io.StringIO(csv_text(line(Outcome="Arrest"))))
    json_rows = read_police_uk_json(io.StringIO(json.dumps([API_ITEM])))
    assert police_uk_events([r for _, r in csv_rows.records], "op") == police_uk_events(
        [r for _, r in json_rows.records], "op"
    )


def test_operation_is_opened_with_the_force_from_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "2020-01-city-of-london-stop-and-search.csv"
    path.write_text(csv_text(line(), line(Date="2020-01-31T23:30:00+00:00")), encoding="utf-8")
    with OpLog.memory() as log:
        result = import_police_uk(log, path, "city-2020-01")
        operation = log.operation("city-2020-01")
    assert result.op_created
    assert operation.force == "city-of-london"
    assert operation.starts_at == datetime(2020, 1, 1, 5, 8, 30, tzinfo=UTC)
    assert "2020-01" in operation.name


def test_operation_cannot_be_opened_without_a_force() -> None:
    with OpLog.memory() as log, pytest.raises(ImportRefusedError) as info:
        import_police_uk(log, io.StringIO(csv_text(line())), "new-op")
    assert info.value.code == "force_required"
    with OpLog.memory() as log:
        assert len(log) == 0


def test_a_force_that_disagrees_with_the_operation_is_refused() -> None:
    with log_with_op() as log, pytest.raises(ImportRefusedError) as info:
        import_police_uk(log, io.StringIO(csv_text(line())), "city-2020-01", force="metropolitan")
    assert info.value.code == "force_mismatch"


# --------------------------------------------------------------- a corrected release

JANUARY = [line(), line(Gender="Female"), line(Outcome="Arrest"), line(Outcome="Arrest")]


def test_a_corrected_release_is_refused_by_default() -> None:
    with log_with_op() as log:
        import_police_uk(log, io.StringIO(csv_text(*JANUARY)), "city-2020-01")
        head = log.head()
        corrected = [*JANUARY[:3], line(Outcome="Community resolution")]
        with pytest.raises(EarlierRowsError) as info:
            import_police_uk(log, io.StringIO(csv_text(*corrected)), "city-2020-01")
        assert len(info.value.stale) == 2  # the changed row's search and outcome
        assert log.head() == head


def test_supersede_retracts_what_the_new_release_dropped() -> None:
    with log_with_op() as log:
        import_police_uk(log, io.StringIO(csv_text(*JANUARY)), "city-2020-01")
        corrected = [*JANUARY[:3], line(Outcome="Community resolution")]
        result = import_police_uk(
            log, io.StringIO(csv_text(*corrected)), "city-2020-01", earlier="supersede"
        )
        assert (result.searches, result.outcomes, result.retracted) == (1, 1, 2)
        disposals = sorted(
            e.disposal.value
            for e in log.events("city-2020-01", "outcome")
            if isinstance(e, Outcome)
        )
        assert disposals == [
            "arrest",
            "community_resolution",
            "no_further_action",
            "no_further_action",
        ]
        assert sum(1 for _ in log.events("city-2020-01", "search")) == 4
        assert log.verify().ok


def test_keep_leaves_earlier_rows() -> None:
    with log_with_op() as log:
        import_police_uk(log, io.StringIO(csv_text(*JANUARY)), "city-2020-01")
        result = import_police_uk(
            log, io.StringIO(csv_text(JANUARY[0])), "city-2020-01", earlier="keep"
        )
        assert result.kept_earlier == 3
        assert sum(1 for _ in log.events("city-2020-01", "search")) == 4


def test_another_month_is_not_a_corrected_release() -> None:
    february = [line(Date="2020-02-03T10:00:00+00:00")]
    with log_with_op() as log:
        import_police_uk(log, io.StringIO(csv_text(*JANUARY)), "city-2020-01")
        result = import_police_uk(log, io.StringIO(csv_text(*february)), "city-2020-01")
        assert result.searches == 1


def test_one_of_several_identical_rows_dropped_is_noticed() -> None:
    with log_with_op() as log:
        import_police_uk(log, io.StringIO(csv_text(line(), line(), line())), "city-2020-01")
        with pytest.raises(EarlierRowsError) as info:
            import_police_uk(log, io.StringIO(csv_text(line(), line())), "city-2020-01")
        assert len(info.value.stale) == 2  # one search, one outcome


# --------------------------------------------------------------- the API's JSON

API_ITEM: dict[str, Any] = {
    "age_range": "10-17",
    "officer_defined_ethnicity": "Black",
    "involved_person": True,
    "self_defined_ethnicity": "Other ethnic group - Not stated",
    "gender": "Male",
    "legislation": "Misuse of Drugs Act 1971 (section 23)",
    "outcome_linked_to_object_of_search": False,
    "datetime": "2020-01-01T05:08:30+00:00",
    "outcome_object": {"id": "bu-arrest", "name": "Arrest"},
    "location": {
        "latitude": "51.512598",
        "street": {"id": 1, "name": "On or near Wood Street"},
        "longitude": "-0.084967",
    },
    "object_of_search": "Controlled drugs",
    "operation": None,
    "outcome": "Arrest",
    "type": "Person search",
    "operation_name": None,
    "removal_of_more_than_outer_clothing": False,
}


def json_record(**changes: Any) -> Any:
    rows = read_police_uk_json(io.StringIO(json.dumps([{**API_ITEM, **changes}])))
    return rows.records[0][1]


def test_api_item_is_read_like_its_csv_row() -> None:
    record = json_record()
    assert record.search_type.value == "person"
    assert record.latitude == 51.512598
    assert record.disposal is not None
    assert record.disposal.value == "arrest"
    assert record.part_of_policing_operation is None


def test_api_nulls_and_missing_location() -> None:
    record = json_record(location=None, legislation=None, officer_defined_ethnicity=None)
    assert (record.latitude, record.legislation.value, record.officer_defined_ethnicity) == (
        None,
        "other",
        None,
    )


@pytest.mark.parametrize(
    ("outcome", "outcome_object", "expected"),
    [
        (False, None, "no_further_action"),  # 2017-era responses: nothing found
        ("", {"id": "", "name": ""}, None),
        ("", {"id": "bu-summons", "name": "Summons / charged by post"}, "summons"),
        ("", {"id": "bu-community-resolution", "name": ""}, "community_resolution"),
        ("Suspect arrested", None, "arrest"),
    ],
)
def test_api_outcomes(outcome: Any, outcome_object: Any, expected: str | None) -> None:
    record = json_record(outcome=outcome, outcome_object=outcome_object)
    assert (record.disposal.value if record.disposal else None) == expected


@pytest.mark.parametrize(
    ("text", "item", "field", "code"),
    [
        ("{}", None, None, "not_json"),
        ("[1, 2", None, None, "not_json"),
        (json.dumps([API_ITEM, {**API_ITEM, "datetime": "yesterday"}]), 2, "datetime", "bad_date"),
        (json.dumps([{**API_ITEM, "gender": 1}]), 1, "gender", "bad_value"),
        (json.dumps([API_ITEM, API_ITEM, "x"]), 3, None, "bad_value"),
        (json.dumps([{**API_ITEM, "outcome": "Released"}]), 1, "outcome", "bad_value"),
        (
            json.dumps([{**API_ITEM, "location": {"latitude": "51.5"}}]),
            1,
            "location.longitude",
            "bad_value",
        ),
    ],
)
def test_bad_api_json_names_item_and_field(
    text: str, item: int | None, field: str | None, code: str
) -> None:
    with pytest.raises(SourceFormatError) as info:
        read_police_uk_json(io.StringIO(text))
    assert (info.value.item, info.value.column, info.value.code) == (item, field, code)


def test_json_file_is_recognised_by_import(tmp_path: Path) -> None:
    path = tmp_path / "stops-force.json"
    path.write_text(
        json.dumps([API_ITEM, {**API_ITEM, "type": "Vehicle search"}]), encoding="utf-8"
    )
    with OpLog.memory() as log:
        result = import_police_uk(log, path, "city-api", force="city-of-london")
        assert (result.searches, result.outcomes) == (2, 2)


# --------------------------------------------------------------- the mapping


def test_provisional_strings_are_counted() -> None:
    text = csv_text(
        line(Legislation="Terrorism Act 2000 (section 43)"),
        line(Legislation="Terrorism Act 2000 (section 43)"),
        row("Officer-defined ethnicity", "Mixed"),
    )
    rows = read_police_uk_csv(io.StringIO(text))
    assert set(rows.provisional) == {
        ("Legislation", "Terrorism Act 2000 (section 43)", 2),
        ("Officer-defined ethnicity", "Mixed", 1),
    }
    assert read_police_uk_csv(io.StringIO(csv_text(line()))).provisional == ()


def test_override_adds_changes_and_removes_strings() -> None:
    mapping = DEFAULT_MAPPING.with_overrides(
        {
            "import": {
                "outcome": {"Article found - Detailed outcome unavailable": "no_further_action"},
                "legislation": {"Terrorism Act 2000 (section 43)": None},
            }
        }
    )
    text = csv_text(line(Outcome="Article found - Detailed outcome unavailable"))
    assert read_police_uk_csv(io.StringIO(text), mapping=mapping).records
    with pytest.raises(SourceFormatError):
        read_police_uk_csv(io.StringIO(text))
    with pytest.raises(SourceFormatError):
        read_police_uk_csv(
            io.StringIO(csv_text(line(Legislation="Terrorism Act 2000 (section 43)"))),
            mapping=mapping,
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {"imports": {}},
        {"import": {"colour": {}}},
        {"import": {"outcome": {"Released": "released"}}},
        {"export": {"disposal": {"arrested": "Arrest"}}},
        {"import": []},
    ],
)
def test_bad_overrides_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(MappingError):
        DEFAULT_MAPPING.with_overrides(overrides)


def test_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "mapping.json"
    path.write_text(
        json.dumps({"export": {"disposal": {"words_of_advice": "A no further action disposal"}}})
    )
    mapping = PoliceUkMapping.from_file(path)
    assert mapping.exports["disposal"]
    path.write_text("[1]")
    with pytest.raises(MappingError):
        PoliceUkMapping.from_file(path)


def test_lookup_forgives_case_and_spacing_but_keeps_the_text() -> None:
    search = one("Legislation", "deer act 1991  (section 12)")
    assert search.legislation.value == "other"
    assert search.legislation_text == "deer act 1991  (section 12)"
    assert one("Type", "Person and vehicle search").search_type.value == "person_and_vehicle"


def test_every_error_is_an_anpr_ops_error() -> None:
    errors: list[Callable[[], object]] = [
        lambda: read_police_uk_csv(io.StringIO("")),
        lambda: read_police_uk_json(io.StringIO("{")),
        lambda: DEFAULT_MAPPING.with_overrides({"x": 1}),
    ]
    for call in errors:
        with pytest.raises(AnprOpsError):
            call()


def test_a_tab_inside_a_kept_text_is_stored_as_the_mapping_spells_it() -> None:
    search = one("Legislation", "Deer Act\t1991 (section 12)")
    assert search.legislation_text == "Deer Act 1991 (section 12)"


def test_rows_counts_rejected_rows_too() -> None:
    with log_with_op() as log:
        result = import_police_uk(
            log,
            io.StringIO(csv_text(line(), line(Outcome="?"))),
            "city-2020-01",
            skip_invalid=True,
        )
    assert (result.rows, result.searches, len(result.rejected)) == (2, 1, 1)
