"""ANPR hit files: the layout, plate correction, the doubtful-read policy, bad rows."""

from __future__ import annotations

import io
from typing import Any

import pytest

from anpr_ops import OpLog
from anpr_ops.events import AnprHit
from anpr_ops.interop import SourceFormatError
from anpr_ops.interop.hits import import_hits

HEADER = "time,site,camera,plate,hotlist,reasons,confidence\n"


def log_with_op() -> OpLog:
    log = OpLog.memory()
    log.append(
        {
            "kind": "operation",
            "op_id": "kaiser",
            "occurred_at": "2020-04-18T06:00:00Z",
            "name": "Op Kaiser",
            "force": "metropolitan",
            "starts_at": "2020-04-18T06:00:00Z",
            "sites": [
                {"site_id": "vauxhall", "name": "Vauxhall Bridge"},
                {"site_id": "blackfriars", "name": "Blackfriars Bridge"},
            ],
        }
    )
    return log


def hits_of(text: str, **options: Any) -> tuple[list[AnprHit], Any]:
    with log_with_op() as log:
        result = import_hits(log, io.StringIO(text), "kaiser", **options)
        hits = [
            e for e in log.events("kaiser", "anpr_hit", personal=True) if isinstance(e, AnprHit)
        ]
    return hits, result


def error_of(text: str, **options: Any) -> SourceFormatError:
    with log_with_op() as log:
        head = log.head()
        with pytest.raises(SourceFormatError) as info:
            import_hits(log, io.StringIO(text), "kaiser", **options)
        assert log.head() == head, "a failed import wrote something"
    return info.value


def test_a_good_file() -> None:
    text = HEADER + (
        "2020-04-18T10:15:00+01:00,vauxhall,VX-2,AB12 CDE,pnc,stolen_vehicle;drugs,93\n"
        "2020-04-18T10:20:00+01:00,blackfriars,,A123BCD,DVLA,No insurance | no_tax,\n"
    )
    hits, result = hits_of(text)
    assert (result.rows, result.hits, result.corrected) == (2, 2, 0)
    first, second = hits
    assert first.vrm == "AB12CDE"
    assert first.raw_vrm == "AB12 CDE"  # the read differs from the stored plate
    assert first.occurred_at.isoformat() == "2020-04-18T09:15:00+00:00"
    assert (first.site_id, first.camera_id, first.confidence) == ("vauxhall", "VX-2", 93)
    assert [r.value for r in first.reasons] == ["stolen_vehicle", "drugs"]
    assert second.raw_vrm is None  # stored exactly as read
    assert second.hotlist.value == "dvla"
    assert [r.value for r in second.reasons] == ["no_insurance", "no_tax"]
    assert second.confidence is None


def test_o_and_0_are_corrected_and_the_read_kept() -> None:
    hits, result = hits_of(HEADER + "2020-04-18T10:15:00+01:00,vauxhall,,LB07 SE0,pnc,drugs,90\n")
    assert result.corrected == 1
    assert (hits[0].vrm, hits[0].raw_vrm) == ("LB07SEO", "LB07 SE0")


AMBIGUOUS = HEADER + "2020-04-18T10:15:00+01:00,vauxhall,,IOO0X,pnc,drugs,95\n"
LOW = HEADER + "2020-04-18T10:15:00+01:00,vauxhall,,AB12CDE,pnc,drugs,55\n"


def test_doubtful_reads_are_skipped_by_default_and_listed() -> None:
    hits, result = hits_of(AMBIGUOUS + LOW.removeprefix(HEADER))
    assert hits == []
    assert (result.ambiguous, result.low_confidence, result.skipped) == (1, 1, 2)
    assert [(r.line, r.column, r.code) for r in result.rejected] == [
        (2, "plate", "doubtful_read"),
        (3, "confidence", "doubtful_read"),
    ]


def test_doubtful_reads_can_be_recorded() -> None:
    hits, result = hits_of(AMBIGUOUS + LOW.removeprefix(HEADER), doubtful="record")
    assert result.hits == 2
    ambiguous = hits[0]
    assert ambiguous.vrm == "1000X"  # the best-ranked candidate
    assert ambiguous.raw_vrm == "IOO0X"
    assert ambiguous.notes is not None
    assert "ambiguous" in ambiguous.notes


@pytest.mark.parametrize(("text", "column"), [(AMBIGUOUS, "plate"), (LOW, "confidence")])
def test_doubtful_reads_can_stop_the_import(text: str, column: str) -> None:
    error = error_of(text, doubtful="reject")
    assert (error.line, error.column, error.code) == (2, column, "doubtful_read")


def test_the_confidence_threshold_is_configurable() -> None:
    hits, _ = hits_of(LOW, min_confidence=50)
    assert [h.confidence for h in hits] == [55]
    hits, _ = hits_of(LOW.replace(",55", ",80"))
    assert len(hits) == 1  # the default threshold, 80, is not below itself


def test_a_camera_can_stand_for_its_site() -> None:
    text = HEADER + "2020-04-18T10:15:00Z,,BF-1,AB12CDE,pnc,drugs,90\n"
    hits, _ = hits_of(text, camera_sites={"BF-1": "blackfriars"})
    assert (hits[0].site_id, hits[0].camera_id) == ("blackfriars", "BF-1")
    error = error_of(text)
    assert (error.line, error.column, error.code) == (2, "camera", "unknown_site")


def test_foreign_plates_need_a_country_and_are_not_corrected() -> None:
    text = (
        "time,site,plate,hotlist,reasons,country\n"
        "2020-04-18T10:15:00Z,vauxhall,WOB 12O45,nas,intelligence,DE\n"
    )
    hits, result = hits_of(text)
    assert (hits[0].vrm, hits[0].vrm_country, result.corrected) == ("WOB12O45", "DE", 0)


def test_repeated_rows_are_one_hit_and_a_reimport_adds_nothing() -> None:
    row = "2020-04-18T10:15:00+01:00,vauxhall,,AB12CDE,pnc,drugs,90\n"
    with log_with_op() as log:
        first = import_hits(log, io.StringIO(HEADER + row + row), "kaiser")
        again = import_hits(log, io.StringIO(HEADER + row), "kaiser")
    assert (first.hits, first.duplicates) == (1, 1)
    assert (again.hits, again.duplicates) == (0, 1)


def test_hits_that_differ_only_in_their_plates_are_all_kept() -> None:
    # Two vehicles read at one camera in the same second, same hotlist and confidence: the
    # derived id leaves the plate out, so they would share it.
    rows = [
        f"2020-04-18T10:15:00+01:00,vauxhall,,{plate},pnc,drugs,90\n"
        for plate in ("AB12CDE", "XY51ZZZ", "AB12CDE", "LM09ABC")
    ]
    with log_with_op() as log:
        first = import_hits(log, io.StringIO(HEADER + "".join(rows)), "kaiser")
        again = import_hits(log, io.StringIO(HEADER + "".join(rows)), "kaiser")
        hits = [
            e for e in log.events("kaiser", "anpr_hit", personal=True) if isinstance(e, AnprHit)
        ]
    assert (first.hits, first.duplicates) == (3, 1)
    assert (again.hits, again.duplicates) == (0, 4)
    assert [str(h.vrm) for h in hits] == ["AB12CDE", "XY51ZZZ", "LM09ABC"]
    base = hits[0].event_id
    assert base.startswith("anpr_hit-")
    assert [h.event_id for h in hits] == [base, f"{base}-2", f"{base}-3"]


def test_a_hit_differing_only_in_its_plate_from_an_earlier_files_takes_the_next_id() -> None:
    row = "2020-04-18T10:15:00+01:00,vauxhall,,{},pnc,drugs,90\n"
    first = HEADER + row.format("AB12CDE") + row.format("XY51ZZZ")
    second = HEADER + row.format("LM09ABC")
    with log_with_op() as log:
        a = import_hits(log, io.StringIO(first), "kaiser")
        b = import_hits(log, io.StringIO(second), "kaiser")
        again = [import_hits(log, io.StringIO(text), "kaiser") for text in (first, second)]
        hits = [
            e for e in log.events("kaiser", "anpr_hit", personal=True) if isinstance(e, AnprHit)
        ]
        assert log.verify().ok
    assert (a.hits, b.hits) == (2, 1)
    assert [(r.hits, r.duplicates) for r in again] == [(0, 2), (0, 1)]
    base = hits[0].event_id
    assert [(h.event_id, str(h.vrm)) for h in hits] == [
        (base, "AB12CDE"),
        (f"{base}-2", "XY51ZZZ"),
        (f"{base}-3", "LM09ABC"),
    ]


def test_a_file_that_names_its_hits_is_not_renumbered() -> None:
    from anpr_ops.errors import EventConflictError

    text = (
        "time,site,plate,hotlist,reasons,event_id\n2020-04-18T10:15:00Z,vauxhall,{},pnc,drugs,h-1\n"
    )
    with log_with_op() as log:
        import_hits(log, io.StringIO(text.format("AB12CDE")), "kaiser")
        head = log.head()
        with pytest.raises(EventConflictError):
            import_hits(log, io.StringIO(text.format("XY51ZZZ")), "kaiser")
        assert log.head() == head


def test_events_that_differ_only_in_personal_values_are_told_to_take_ids() -> None:
    from anpr_ops.errors import EventConflictError

    hit = {
        "kind": "anpr_hit",
        "op_id": "kaiser",
        "occurred_at": "2020-04-18T10:15:00Z",
        "site_id": "vauxhall",
        "hotlist": "pnc",
        "reasons": ["drugs"],
    }
    with log_with_op() as log:
        head = log.head()
        with pytest.raises(EventConflictError) as info:
            log.extend([{**hit, "vrm": "AB12CDE"}, {**hit, "vrm": "XY51ZZZ"}])
        assert log.head() == head
    assert "give each such event an event_id" in info.value.message
    assert "AB12CDE" not in str(info.value) and "XY51ZZZ" not in str(info.value)


def test_an_event_id_column_names_the_hits() -> None:
    text = (
        "time,site,plate,hotlist,reasons,event_id\n"
        "2020-04-18T10:15:00Z,vauxhall,AB12CDE,pnc,drugs,hit-0001\n"
    )
    hits, _ = hits_of(text)
    assert hits[0].event_id == "hit-0001"


BAD = [
    (
        "naive time",
        HEADER + "2020-04-18T10:15:00,vauxhall,,AB12CDE,pnc,drugs,90\n",
        2,
        "time",
        "naive_date",
    ),
    (
        "bad time",
        HEADER + "18/04/2020 10:15,vauxhall,,AB12CDE,pnc,drugs,90\n",
        2,
        "time",
        "bad_date",
    ),
    (
        "unknown site",
        HEADER + "2020-04-18T10:15:00Z,putney,,AB12CDE,pnc,drugs,90\n",
        2,
        "site",
        "unknown_site",
    ),
    ("no site", HEADER + "2020-04-18T10:15:00Z,,,AB12CDE,pnc,drugs,90\n", 2, "site", "bad_value"),
    (
        "unreadable plate",
        HEADER + "2020-04-18T10:15:00Z,vauxhall,,QQ99QQQ9,pnc,drugs,90\n",
        2,
        "plate",
        "unrecognised_format",
    ),
    ("empty plate", HEADER + "2020-04-18T10:15:00Z,vauxhall,,,pnc,drugs,90\n", 2, "plate", "empty"),
    (
        "bad hotlist",
        HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,interpol,drugs,90\n",
        2,
        "hotlist",
        "bad_value",
    ),
    (
        "no reasons",
        HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,pnc, ; ,90\n",
        2,
        "reasons",
        "bad_value",
    ),
    (
        "bad reason",
        HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,pnc,speeding,90\n",
        2,
        "reasons",
        "bad_value",
    ),
    (
        "bad confidence",
        HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,pnc,drugs,0.9\n",
        2,
        "confidence",
        "bad_value",
    ),
    (
        "confidence over 100",
        HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,pnc,drugs,101\n",
        2,
        "confidence",
        "bad_value",
    ),
    (
        "UK as a country",
        "time,site,plate,hotlist,reasons,country\n2020-04-18T10:15:00Z,vauxhall,AB12CDE,pnc,drugs,UK\n",
        2,
        "country",
        "vrm_country_domestic",
    ),
    ("field count", HEADER + "2020-04-18T10:15:00Z,vauxhall\n", 2, None, "field_count"),
    ("missing column", "time,site,plate,hotlist\n", 1, None, "bad_header"),
    ("unknown column", "time,site,plate,hotlist,reasons,colour\n", 1, None, "bad_header"),
    ("no site column", "time,plate,hotlist,reasons\n", 1, None, "bad_header"),
    ("empty file", "", None, None, "empty_file"),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "code"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_rows_are_named_and_write_nothing(
    text: str, line: int | None, column: str | None, code: str
) -> None:
    error = error_of(text)
    assert (error.line, error.column, error.code) == (line, column, code)
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    "row",
    [
        "2020-04-18T10:15:00Z,vauxhall,,QQ99QQQ9,pnc,drugs,90",  # fits no format
        "2020-04-18T10:15:00Z,vauxhall,,LB07SEOX,pnc,drugs,90",  # too long
        "2020-04-18T10:15:00Z,vauxhall,,LB07S\u00c9O,pnc,drugs,90",  # not a plate character
        "2020-04-18T10:15:00Z,putney,,LB07SEO,pnc,drugs,90",  # the row fails elsewhere
        "2020-04-18T10:15:00Z,vauxhall,,IOO0X,pnc,drugs,90",  # ambiguous
    ],
)
def test_messages_never_show_a_plate(row: str) -> None:
    plate = row.split(",")[3]
    error = error_of(HEADER + row + "\n", doubtful="reject")
    assert plate not in str(error)
    assert plate[1:] not in str(error)


SHIFTED = [
    # (row or whole text, the plate that landed in another column)
    (HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,LB07SEO,drugs,90\n", "LB07SEO"),  # list
    (HEADER + "LB07 SEO,vauxhall,,pnc,pnc,drugs,90\n", "LB07SEO"),  # time
    (HEADER + "2020-04-18T10:15:00Z,LB07-SEO,,AB12CDE,pnc,drugs,90\n", "LB07SEO"),  # site
    (HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,pnc,LB07SEO,90\n", "LB07SEO"),  # reasons
    (HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,pnc,drugs,LB07SEO\n", "LB07SEO"),  # conf.
    (HEADER + "2020-04-18T10:15:00Z,,LB07SEO,AB12CDE,pnc,drugs,90\n", "LB07SEO"),  # camera
    ("2020-04-18T10:15:00Z,vauxhall,,LB07SEO,pnc,drugs,90\n", "LB07SEO"),  # no header line
]


@pytest.mark.parametrize(("text", "plate"), SHIFTED)
def test_a_plate_in_another_column_is_masked(text: str, plate: str) -> None:
    """Shifted columns put a plate where another value belongs; the message masks it."""
    message = str(error_of(text))
    assert plate not in message and plate[1:] not in message
    assert plate[0] + "*" * (len(plate) - 1) in message


def test_values_that_cannot_be_plates_are_quoted() -> None:
    """Masking is kept for what could be a plate: a misspelt list or site is shown."""
    assert "'pnk'" in str(error_of(HEADER + "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,pnk,drugs,\n"))
    assert "'putney'" in str(error_of(HEADER + "2020-04-18T10:15:00Z,putney,,AB12CDE,pnc,drugs,\n"))


def test_skip_invalid_keeps_the_good_rows() -> None:
    text = HEADER + (
        "2020-04-18T10:15:00Z,vauxhall,,AB12CDE,pnc,drugs,90\n"
        "2020-04-18T10:16:00Z,putney,,AB12CDF,pnc,drugs,90\n"
        "2020-04-18T10:17:00Z,vauxhall,,AB12CDG,pnc,drugs,90\n"
    )
    hits, result = hits_of(text, skip_invalid=True)
    assert [h.vrm for h in hits] == ["AB12CDE", "AB12CDG"]
    assert [(r.line, r.column) for r in result.rejected] == [(3, "site")]


def test_columns_may_come_in_any_order_and_case() -> None:
    text = " Plate ,REASONS,Hotlist,Site,Time\nAB12CDE,drugs,pnc,vauxhall,2020-04-18T10:15:00Z\n"
    hits, _ = hits_of(text)
    assert hits[0].vrm == "AB12CDE"
