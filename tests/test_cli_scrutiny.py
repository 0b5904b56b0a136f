"""anpr-ops scrutiny: formats, options, errors, and the section in the report's HTML page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.cli import main
from anpr_ops.cli._demo import DAY_OP, KAISER_OP
from anpr_ops.render._scrutiny import SCRUTINY_FORMATS
from anpr_ops.scrutiny import PopulationTable, scrutiny_report
from tests import factory as f
from tests.conftest import SHARED

CITY = SHARED / "reference" / "data_police_uk" / "city-of-london-2020-01-stop-and-search.csv"
FIVE = "group,population\nasian,4000\nblack,2000\nmixed,1000\nwhite,10000\nother,1000\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("scrutiny") / "day.db"
    assert main(["demo", "--db", str(db)]) == 0
    return db


@pytest.mark.parametrize("fmt", SCRUTINY_FORMATS)
def test_every_format(demo_db: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scrutiny", str(demo_db), "--op", DAY_OP, "--format", fmt)
    assert code == 0 and err == "" and out.endswith("\n")


def test_json_is_the_apis(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with OpLog.open(demo_db, readonly=True) as log:
        whole = scrutiny_report(log, DAY_OP).to_dict()
        own = scrutiny_report(log, DAY_OP, include_children=False).to_dict()
    _, out, _ = run(capsys, "scrutiny", str(demo_db), "--op", DAY_OP, "--format", "json")
    assert json.loads(out) == whole
    _, out, _ = run(
        capsys, "scrutiny", str(demo_db), "--op", DAY_OP, "--no-children", "--format", "json"
    )
    assert json.loads(out) == own
    assert own["total"]["searches"] < whole["total"]["searches"]  # Op Kaiser's are left out


def test_own_population_and_threshold(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "residents.csv"
    table.write_text(FIVE, encoding="utf-8")
    code, out, _ = run(
        capsys, "scrutiny", str(demo_db), "--op", KAISER_OP, "--population", str(table),
        "--min-searches", "0", "--format", "json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    with OpLog.open(demo_db, readonly=True) as log:
        api = scrutiny_report(
            log, KAISER_OP, population=PopulationTable.from_csv(table), min_searches=0
        )
    assert data == api.to_dict()
    assert data["population"]["total"] == 18_000 and str(table) in data["population"]["source"]
    assert "low_count" not in {g["ratio_to_white"]["status"] for g in data["groups"].values()}


def test_output_file(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "kaiser.html"
    code, out, err = run(
        capsys, "scrutiny", str(demo_db), "--op", KAISER_OP, "--format", "html", "-o", str(target)
    )
    assert code == 0 and out == "" and str(target) in err
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


ERRORS = [
    (["--op", "nope"], 1, "no operation 'nope'"),
    (["--op", DAY_OP, "--format", "pdf"], 2, "pdf"),
    (["--op", DAY_OP, "--min-searches", "-1"], 2, "-1"),
    (["--op", DAY_OP, "--population", "/no/such/file.csv"], 1, "cannot read"),
    (["--op", DAY_OP, "-o", "/no/such/folder/x.txt"], 2, "does not exist"),
]


@pytest.mark.parametrize(("args", "status", "said"), ERRORS)
def test_errors_are_one_line_and_a_status(
    demo_db: Path, args: list[str], status: int, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "scrutiny", str(demo_db), *args)
    assert code == status and out == ""
    assert err.count("\n") == 1 and err.startswith("anpr-ops: error:") and said in err


def test_missing_log_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "none.db"
    code, _, err = run(capsys, "scrutiny", str(db), "--op", "x")
    assert code == 2 and "no log file" in err and not db.exists()


def test_bad_population_file_names_line_and_column(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "bad.csv"
    table.write_text("group,population\nasian,4000\nblack,two thousand\n", encoding="utf-8")
    code, out, err = run(
        capsys, "scrutiny", str(demo_db), "--op", DAY_OP, "--population", str(table)
    )
    assert code == 1 and out == ""
    assert "line 3" in err and "'population'" in err and err.count("\n") == 1


def test_btp_is_a_warning_with_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "btp.db"
    search = f.search("s1", op_id="rail", stop_id=None, vrm_unknown=True)
    search.pop("vrm")
    with OpLog.open(db, create=True) as log:
        log.extend([f.operation("rail", sites=(), force="btp"), search])
    code, out, err = run(capsys, "scrutiny", str(db), "--op", "rail", "--format", "json")
    assert code == 0
    assert err.startswith("anpr-ops: warning: no population for btp")
    data = json.loads(out)
    assert data["total"]["searches"] == 1 and data["groups"]["white"]["rate_per_1000"] is None


def test_the_report_page_ends_with_the_scrutiny_section(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, page, _ = run(capsys, "report", str(demo_db), "--op", DAY_OP, "--format", "html")
    assert page.count('<section id="scrutiny">') == 1 and page.count("<svg") == 4
    _, page, _ = run(
        capsys, "report", str(demo_db), "--op", KAISER_OP, "--format", "html", "--site", "vauxhall"
    )
    assert 'id="scrutiny"' not in page  # a site's report would not match every search


@pytest.mark.skipif(not CITY.is_file(), reason="the shared real files are absent")
def test_import_then_scrutiny_of_a_real_month(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "city.db"
    code, _, _ = run(capsys, "import", "police-uk", str(db), str(CITY), "--op", "city", "--create")
    assert code == 0
    code, out, _ = run(capsys, "scrutiny", str(db), "--op", "city", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["force"] == "city-of-london" and data["total"]["searches"] == 351


def test_the_console_script_runs_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "anpr_ops", "scrutiny", str(tmp_path / "x.db"), "--op", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr


DOC = Path(__file__).resolve().parent.parent / "docs" / "scrutiny.md"


@pytest.mark.skipif(not CITY.is_file(), reason="the shared real files are absent")
def test_the_documented_command_line_example_prints_what_the_page_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## On the command line") :]
    commands = section.split("```console\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "2020-01-city-of-london-stop-and-search.csv").write_bytes(CITY.read_bytes())
    out = ""
    for line in commands.splitlines():
        args = line.removeprefix("$ anpr-ops ").split()
        code, out, _ = run(capsys, *args)
        assert code == 0, line
    assert out == shown
