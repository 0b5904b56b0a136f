"""Populations: the packaged Census 2021 table, a user's own table, and what goes wrong."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.errors import ReportError, SourceFormatError
from anpr_ops.scrutiny import (
    BTP,
    PopulationTable,
    ScrutinyCell,
    ScrutinyCounts,
    ScrutinyReport,
    scrutiny_report,
)
from anpr_ops.scrutiny._population import CENSUS_2021_FILE
from tests import factory as f
from tests.conftest import SHARED

SHARED_SOURCES = SHARED / "reference" / "population" / "SOURCES.md"
SHARED_CSV = SHARED / "reference" / "population" / "census2021-ethnicity-by-pfa.csv"
needs_shared = pytest.mark.skipif(
    not SHARED_SOURCES.is_file(), reason="the shared reference folder is not beside the checkout"
)

FIVE = "group,population\nasian,4000\nblack,2000\nmixed,1000\nwhite,10000\nother,1000\n"


def packaged() -> bytes:
    return resources.files("anpr_ops").joinpath(CENSUS_2021_FILE).read_bytes()


def test_packaged_file_is_the_one_its_provenance_names() -> None:
    provenance = resources.files("anpr_ops").joinpath("data/census2021-ethnicity-by-pfa.md")
    named = re.findall(r"`([0-9a-f]{64})`", provenance.read_text(encoding="utf-8"))
    assert named == [hashlib.sha256(packaged()).hexdigest()]


def test_provenance_states_the_licence_and_caveats() -> None:
    text = resources.files("anpr_ops").joinpath("data/census2021-ethnicity-by-pfa.md")
    body = " ".join(text.read_text(encoding="utf-8").split())
    assert "Open Government Licence v3.0" in body
    assert "Contains public sector information licensed under the Open Government Licence" in body
    for caveat in ("Residents, not the people present", "British Transport Police", "+36"):
        assert caveat.replace("+36", "36 more") in body or caveat in body


@needs_shared
def test_packaged_file_is_the_shared_derived_file() -> None:
    assert packaged() == SHARED_CSV.read_bytes()
    sources = SHARED_SOURCES.read_text(encoding="utf-8")
    assert hashlib.sha256(packaged()).hexdigest() in sources


@needs_shared
def test_every_force_total_is_the_one_in_the_shared_sources_table() -> None:
    """The loader's totals against the table in SOURCES.md, read here on its own."""
    rows = re.findall(
        r"^\| [EW]\d{8} \| [^|]+ \| `([a-z-]+)` \| ([\d,]+) \|$",
        SHARED_SOURCES.read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert len(rows) == 43
    census = PopulationTable.census2021()
    assert {force: area.total for force, area in census.areas.items()} == {
        force: int(total.replace(",", "")) for force, total in rows
    }


def test_census_table_covers_the_43_territorial_forces_and_not_btp() -> None:
    census = PopulationTable.census2021()
    assert len(census.areas) == 43
    assert census.area(BTP) is None and not census.covers(BTP)
    assert census.area("northern-ireland") is None
    # Summed over the 43 areas: 59,597,578 (36 above the official total: perturbation).
    assert sum(area.total for area in census.areas.values()) == 59_597_578
    met = census.area("metropolitan")
    assert met is not None and met.name == "Metropolitan Police" and met.code == "E23000001"
    assert dict(met.groups) == {
        "asian": 1_816_202,
        "black": 1_188_137,
        "mixed": 505_306,
        "white": 4_725_217,
        "other": 556_290,
    }
    city = census.area("city-of-london")
    assert city is not None and city.total == 8_584


def test_census_table_is_loaded_once() -> None:
    assert PopulationTable.census2021() is PopulationTable.census2021()


def test_a_table_without_a_force_column_applies_to_any_force() -> None:
    table = PopulationTable.from_text(FIVE)
    assert table.area("metropolitan") == table.area("btp") != None  # noqa: E711
    assert table.area("btp").total == 18_000  # type: ignore[union-attr]


def test_a_table_with_a_force_column() -> None:
    text = "force,group,population\n" + "".join(
        f"{force},{group},{n}\n"
        for force in ("btp", "kent")
        for group, n in (("asian", 1), ("black", 2), ("mixed", 3), ("white", 4), ("other", 5))
    )
    table = PopulationTable.from_text(text)
    assert sorted(table.areas) == ["btp", "kent"]
    assert table.area("metropolitan") is None
    assert dict(table.area("btp").groups)["white"] == 4  # type: ignore[union-attr]


def test_forgiving_of_case_spaces_bom_blank_lines_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "residents.csv"
    path.write_text(
        "\ufeff Group , POPULATION ,note\n\nASIAN, 4000 ,x\nblack,2000,\nMixed,1000,\n"
        "white,10000,\nother,1000,\n\n",
        encoding="utf-8",
    )
    table = PopulationTable.from_csv(path)
    assert table == PopulationTable.from_csv(path)
    assert dict(table.areas["*"].groups) == dict(PopulationTable.from_text(FIVE).areas["*"].groups)
    assert str(path) in table.source


BAD = [
    ("", "empty_file", 1, None),
    ("\n\n", "empty_file", 1, None),
    ("grp,population\nasian,1\n", "bad_header", 1, "group"),
    ("group,people\nasian,1\n", "bad_header", 1, "population"),
    ("group,group,population\n", "bad_header", 1, None),
    ("group,population\n", "no_rows", 2, None),
    ("group,population\nasian,1\nblack\n", "field_count", 3, None),
    ("group,population\nasain,1\n", "bad_value", 2, "group"),
    ("group,population\nasian,-5\n", "bad_value", 2, "population"),
    ("group,population\nasian,1.5\n", "bad_value", 2, "population"),
    ("group,population\nasian,1 000\n", "bad_value", 2, "population"),
    ("group,population\nasian,=1+1\n", "bad_value", 2, "population"),
    ("group,population\nasian,1\nasian,2\n", "duplicate_group", 3, "group"),
    ("group,population\nasian,1\nblack,2\n", "missing_group", None, "group"),
    ("force,group,population\n,asian,1\n", "bad_value", 2, "force"),
]


@pytest.mark.parametrize(("text", "code", "line", "column"), BAD)
def test_bad_tables_name_the_line_and_column(
    text: str, code: str, line: int | None, column: str | None
) -> None:
    with pytest.raises(SourceFormatError) as caught:
        PopulationTable.from_text(text, name="mine.csv")
    error = caught.value
    assert (error.code, error.line, error.column) == (code, line, column)
    assert "mine.csv" in str(error)
    if line is not None:
        assert f"line {line}" in str(error)


def test_missing_group_of_one_force_names_it() -> None:
    text = FIVE.replace("group,", "force,group,").replace("\n", "\nkent,").rstrip("kent,")
    text = text.replace("kent,other,1000\n", "")
    with pytest.raises(SourceFormatError) as caught:
        PopulationTable.from_text(text)
    assert caught.value.code == "missing_group" and "'kent'" in str(caught.value)


def test_not_utf8_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(FIVE.encode() + "other,caf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceFormatError) as caught:
        PopulationTable.from_csv(path)
    assert caught.value.code == "not_utf8" and caught.value.line == 7
    with pytest.raises(SourceFormatError) as caught:
        PopulationTable.from_csv(tmp_path / "none.csv")
    assert caught.value.code == "unreadable"


def _one_search_op(force: str) -> list[dict[str, object]]:
    return [
        f.operation("op", sites=(), force=force),
        f.search("s1", op_id="op", stop_id=None, vrm_unknown=True, vrm=None),
    ]


def _without_vrm(events: list[dict[str, object]]) -> list[dict[str, object]]:
    for event in events:
        if event.get("vrm") is None:
            event.pop("vrm", None)
    return events


@pytest.mark.parametrize(
    ("force", "said"),
    [
        (BTP, "British Transport Police polices the railways"),
        ("northern-ireland", "No population for force 'northern-ireland'"),
    ],
)
def test_a_force_without_residents_is_flagged_not_refused(force: str, said: str) -> None:
    with OpLog.memory() as log:
        log.extend(_without_vrm(_one_search_op(force)))
        figures = scrutiny_report(log, "op")
    data = figures.to_dict()
    assert data["force"] == force and data["total"]["searches"] == 1
    assert data["population"]["total"] is None
    assert data["population"]["forces_without_population"] == [force]
    assert all(g["rate_per_1000"] is None for g in data["groups"].values())
    assert data["groups"]["white"]["ratio_to_white"]["status"] == "undefined"
    assert data["groups"]["white"]["searches"] == 1  # the counts are all there
    assert any(said in note for note in data["notes"])


def test_a_users_table_gives_btp_rates() -> None:
    with OpLog.memory() as log:
        log.extend(_without_vrm(_one_search_op(BTP)))
        figures = scrutiny_report(log, "op", population=PopulationTable.from_text(FIVE))
    assert figures.groups()["white"].rate_per_1000 == pytest.approx(0.1)  # 1 / 10,000
    assert not any("British Transport Police" in note for note in figures.notes())


def test_one_force_missing_from_several_leaves_no_rates() -> None:
    counts = ScrutinyCounts(
        {
            ("metropolitan", "W1", "white", "pace_1984_s1", "other"): ScrutinyCell(30),
            (BTP, "W1", "white", "pace_1984_s1", "other"): ScrutinyCell(30),
        }
    )
    figures = ScrutinyReport.from_counts(counts)
    assert figures.residents() is None
    assert figures.groups()["white"].rate_per_1000 is None


def test_reports_with_different_tables_do_not_add() -> None:
    mine = ScrutinyReport.from_counts(ScrutinyCounts(), PopulationTable.from_text(FIVE))
    with pytest.raises(ReportError) as caught:
        _ = mine + ScrutinyReport.empty()
    assert caught.value.code == "population_mismatch"
