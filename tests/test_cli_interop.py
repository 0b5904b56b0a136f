"""The import and export commands: exit statuses, one-line errors, files beside the input,
nothing written by a failed import, no plates in what they print."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.cli import main
from tests.conftest import SHARED

CITY = SHARED / "reference" / "data_police_uk" / "city-of-london-2020-01-stop-and-search.csv"
needs_real = pytest.mark.skipif(not CITY.is_file(), reason="the shared real files are absent")

HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outer clothing\n"
)
ROW = (
    "Person search,2020-01-01T05:08:30+00:00,,,51.512598,-0.084967,Male,10-17,"
    "Other ethnic group - Not stated,Black,Misuse of Drugs Act 1971 (section 23),"
    "Controlled drugs,{outcome},False,False\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def police_file(
    tmp_path: Path, *outcomes: str, name: str = "2020-01-city-of-london-stop-and-search.csv"
) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(ROW.format(outcome=o) for o in outcomes), encoding="utf-8")
    return path


def one_line_error(code: int, err: str, status: int = 1) -> None:
    assert code == status
    assert err.startswith("anpr-ops: error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


@needs_real
def test_import_then_export_the_real_city_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "2020-01-city-of-london-stop-and-search.csv"
    shutil.copyfile(CITY, source)
    db = tmp_path / "city.db"
    code, out, _ = run(
        capsys, "import", "police-uk", db, source, "--op", "city-2020-01", "--create"
    )
    assert code == 0
    assert "wrote 351 search(es) and 351 outcome(s)" in out
    code, out, _ = run(capsys, "import", "police-uk", db, source, "--op", "city-2020-01")
    assert code == 0
    assert "wrote 0 search(es)" in out
    code, _, err = run(
        capsys, "export", "police-uk", db, "--op", "city-2020-01", "-o", tmp_path / "out.csv"
    )
    assert code == 0
    assert "wrote 351 row(s)" in err
    assert (tmp_path / "out.csv").read_bytes() == CITY.read_bytes()
    code, out, err = run(capsys, "export", "police-uk", db, "--op", "city-2020-01")
    assert code == 0
    assert out == CITY.read_bytes().decode("utf-8")  # stdout holds the CSV and nothing else
    with OpLog.open(db) as log:
        assert log.operation("city-2020-01").force == "city-of-london"


def test_a_bad_row_is_one_line_and_leaves_the_log_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "day.db"
    good = police_file(tmp_path, "Arrest", name="2020-01-city-of-london-stop-and-search.csv")
    assert run(capsys, "import", "police-uk", db, good, "--op", "city", "--create")[0] == 0
    with OpLog.open(db) as log:
        head = log.head()
    bad = police_file(tmp_path, "Arrest", "Released", name="bad.csv")
    code, _, err = run(capsys, "import", "police-uk", db, bad, "--op", "city")
    one_line_error(code, err)
    assert "line 3" in err
    assert "'Outcome'" in err
    with OpLog.open(db) as log:
        assert log.head() == head


def test_a_failed_import_into_a_new_log_leaves_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.db"
    bad = police_file(tmp_path, "Released")
    code, _, err = run(capsys, "import", "police-uk", db, bad, "--op", "city", "--create")
    one_line_error(code, err)
    assert not db.exists()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("Crime ID,Month\n", "line 1"),
        (
            HEADER
            + ROW.format(outcome="Arrest").replace("2020-01-01T05:08:30+00:00", "2020-01-01 05:08"),
            "line 2",
        ),
    ],
    ids=["empty", "wrong header", "naive date"],
)
def test_bad_files_fail_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, fragment: str
) -> None:
    source = tmp_path / "2020-01-city-of-london-stop-and-search.csv"
    source.write_text(text, encoding="utf-8")
    code, _, err = run(
        capsys, "import", "police-uk", tmp_path / "x.db", source, "--op", "city", "--create"
    )
    one_line_error(code, err)
    assert fragment in err


def test_bom_and_crlf_files_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "2020-01-city-of-london-stop-and-search.csv"
    text = "\ufeff" + (HEADER + ROW.format(outcome="Arrest")).replace("\n", "\r\n")
    source.write_bytes(text.encode("utf-8"))
    code, out, _ = run(
        capsys, "import", "police-uk", tmp_path / "x.db", source, "--op", "city", "--create"
    )
    assert code == 0
    assert "wrote 1 search(es) and 1 outcome(s)" in out


def test_skip_invalid_writes_the_rejected_rows_beside_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = police_file(tmp_path, "Arrest", "Released", "Nothing here", "Arrest")
    code, out, _ = run(
        capsys,
        "import",
        "police-uk",
        tmp_path / "x.db",
        source,
        "--op",
        "city",
        "--create",
        "--skip-invalid",
    )
    assert code == 0
    rejects = tmp_path / "2020-01-city-of-london-stop-and-search.rejected.csv"
    assert f"2 row(s) left out, written to {rejects}" in out
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",Rejected at,Reason")
    assert len(lines) == 3
    assert "line 3, column 'Outcome'" in lines[1]


def test_skip_invalid_from_stdin_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "import", "police-uk", tmp_path / "x.db", "-", "--op", "c", "--skip-invalid"
    )
    assert code == 2
    assert "--skip-invalid" in err


def test_a_corrected_release_needs_a_decision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    first = police_file(tmp_path, "Arrest", "A no further action disposal")
    assert run(capsys, "import", "police-uk", db, first, "--op", "city", "--create")[0] == 0
    second = police_file(
        tmp_path,
        "Arrest",
        "Community resolution",
        name="2020-01-city-of-london-stop-and-search-v2.csv",
    )
    code, _, err = run(capsys, "import", "police-uk", db, second, "--op", "city")
    one_line_error(code, err)
    assert "supersede" in err
    code, out, _ = run(
        capsys, "import", "police-uk", db, second, "--op", "city", "--earlier", "supersede"
    )
    assert code == 0
    assert "retracted 2 earlier event(s)" in out


def test_an_operation_needs_a_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = police_file(tmp_path, "Arrest", name="january.csv")
    args: list[str | Path] = [
        "import", "police-uk", tmp_path / "x.db", source, "--op", "city", "--create"
    ]  # fmt: skip
    code, _, err = run(capsys, *args)
    one_line_error(code, err)
    assert "force" in err
    code, _, _ = run(capsys, *args, "--force", "city-of-london", "--name", "City, January")
    assert code == 0
    with OpLog.open(tmp_path / "x.db") as log:
        assert log.operation("city").name == "City, January"


def test_a_mapping_file_changes_the_vocabulary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = police_file(tmp_path, "Released")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"import": {"outcome": {"Released": "no_further_action"}}}))
    code, out, _ = run(
        capsys,
        "import",
        "police-uk",
        tmp_path / "x.db",
        source,
        "--op",
        "c",
        "--create",
        "--mapping",
        mapping,
    )
    assert code == 0
    assert "1 outcome(s)" in out


def test_provisional_strings_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "2020-01-city-of-london-stop-and-search.csv"
    source.write_text(
        HEADER + ROW.format(outcome="Arrest").replace(",Black,", ",Mixed,"), encoding="utf-8"
    )
    code, _, err = run(
        capsys, "import", "police-uk", tmp_path / "x.db", source, "--op", "c", "--create"
    )
    assert code == 0
    assert "provisional" in err
    assert "'Mixed'" in err


def test_api_json_imports_through_the_same_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "stops.json"
    source.write_text(
        json.dumps(
            [
                {
                    "type": "Vehicle search",
                    "datetime": "2024-01-13T03:10:00+00:00",
                    "location": None,
                    "outcome": "",
                    "outcome_object": {"id": "bu-arrest", "name": "Arrest"},
                    "legislation": None,
                    "object_of_search": "Controlled drugs",
                }
            ]
        )
    )
    code, out, _ = run(
        capsys,
        "import",
        "police-uk",
        tmp_path / "x.db",
        source,
        "--op",
        "leics",
        "--create",
        "--force",
        "leicestershire",
    )
    assert code == 0
    assert "wrote 1 search(es) and 1 outcome(s)" in out


def test_export_of_an_unknown_operation_writes_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    assert run(capsys, "init", db)[0] == 0
    for kind in ("police-uk", "jsonl"):
        out_file = tmp_path / f"out.{kind}"
        code, out, err = run(capsys, "export", kind, db, "--op", "nope", "-o", out_file)
        one_line_error(code, err)
        assert out == ""
        assert not out_file.exists()


def test_jsonl_export_appends_into_a_new_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    source = police_file(tmp_path, "Arrest", "Arrest", "")
    assert run(capsys, "import", "police-uk", db, source, "--op", "city", "--create")[0] == 0
    code, _, err = run(capsys, "export", "jsonl", db, "-o", tmp_path / "all.jsonl")
    assert code == 0
    assert "wrote 6 event(s)" in err  # the operation, three searches, two outcomes
    code, _, _ = run(capsys, "append", tmp_path / "copy.db", tmp_path / "all.jsonl", "--create")
    assert code == 0
    code, out, _ = run(capsys, "export", "jsonl", tmp_path / "copy.db", "--op", "city")
    assert out == (tmp_path / "all.jsonl").read_text(encoding="utf-8")


HITS = "time,site,camera,plate,hotlist,reasons,confidence\n"


def hits_db(tmp_path: Path) -> Path:
    db = tmp_path / "kaiser.db"
    with OpLog.open(db, create=True) as log:
        log.append(
            {
                "kind": "operation",
                "op_id": "kaiser",
                "occurred_at": "2020-04-18T06:00:00Z",
                "name": "Op Kaiser",
                "force": "metropolitan",
                "starts_at": "2020-04-18T06:00:00Z",
                "sites": [{"site_id": "vauxhall", "name": "Vauxhall Bridge"}],
            }
        )
    return db


def test_import_hits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = hits_db(tmp_path)
    source = tmp_path / "hits.csv"
    source.write_text(
        HITS
        + "2020-04-18T10:15:00+01:00,vauxhall,VX-1,LB07 SE0,pnc,drugs,92\n"
        + "2020-04-18T10:16:00+01:00,,VX-1,AB12CDE,pnc,stolen_vehicle,40\n",
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "import", "hits", db, source, "--op", "kaiser", "--camera", "VX-1=vauxhall"
    )
    assert code == 0
    assert "wrote 1 hit(s)" in out
    assert "1 plate(s) corrected" in out
    assert "1 below confidence 80" in out
    rejects = tmp_path / "hits.rejected.csv"
    assert "1 row(s) left out" in out
    assert rejects.is_file()
    for secret in ("LB07", "AB12CDE"):
        assert secret not in out + err
    assert "reading hits" not in err  # no progress bar outside a terminal


def test_import_hits_errors_never_show_the_plate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = hits_db(tmp_path)
    source = tmp_path / "hits.csv"
    source.write_text(
        HITS + "2020-04-18T10:15:00+01:00,vauxhall,,QX99ZZZ9,pnc,drugs,92\n", encoding="utf-8"
    )
    with OpLog.open(db) as log:
        head = log.head()
    code, _, err = run(capsys, "import", "hits", db, source, "--op", "kaiser")
    one_line_error(code, err)
    assert "line 2, column 'plate'" in err
    assert "QX99ZZZ9" not in err
    assert "X99ZZZ9" not in err
    with OpLog.open(db) as log:
        assert log.head() == head


def test_import_hits_needs_an_existing_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "hits.csv"
    source.write_text(HITS, encoding="utf-8")
    code, _, err = run(capsys, "import", "hits", tmp_path / "none.db", source, "--op", "kaiser")
    one_line_error(code, err, status=2)
    assert not (tmp_path / "none.db").exists()


def test_bad_camera_option_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = hits_db(tmp_path)
    source = tmp_path / "hits.csv"
    source.write_text(HITS, encoding="utf-8")
    code, _, _ = run(capsys, "import", "hits", db, source, "--op", "kaiser", "--camera", "VX-1")
    assert code == 2


def test_progress_is_drawn_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from anpr_ops.cli import _common

    with _common.progress("x") as progress:
        assert progress is None
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with _common.progress("x") as progress:
        assert progress is not None
        progress(1, 2)
        progress(2, 2)


def test_output_files_are_readable_by_their_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    source = police_file(tmp_path, "Arrest")
    assert run(capsys, "import", "police-uk", db, source, "--op", "city", "--create")[0] == 0
    assert run(capsys, "export", "jsonl", db, "-o", tmp_path / "all.jsonl")[0] == 0
    assert (tmp_path / "all.jsonl").stat().st_mode & 0o077 == 0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _stages(drawn: str, reading: str) -> tuple[str, str]:
    """The reading bar's text and the writing bar's, which must start on a line of its own
    once reading has reached 100%."""
    assert reading in drawn and "writing events" in drawn
    at = drawn.index("writing events")
    before, after = drawn[:at], drawn[at:]
    assert "\n" in before[before.rindex("100%") :], before[-80:]
    return before, after


@needs_real
def test_import_police_uk_draws_the_write_after_the_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "2020-01-city-of-london-stop-and-search.csv"
    shutil.copyfile(CITY, source)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["import", "police-uk", str(tmp_path / "c.db"), str(source), "--op", "c", "--create"]
    assert main(argv) == 0
    reading, writing = _stages(terminal.getvalue(), "reading rows")
    assert "100%" in reading
    assert "0%" in writing and "100%" in writing


def test_import_hits_draws_the_write_after_the_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = hits_db(tmp_path)
    source = tmp_path / "hits.csv"
    rows = [
        f"2020-04-18T{10 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}+01:00,vauxhall,VX-1,"
        f"AB{i % 19 + 51}CDE,pnc,drugs,95\n"
        for i in range(1500)
    ]
    source.write_text(HITS + "".join(rows), encoding="utf-8")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["import", "hits", str(db), str(source), "--op", "kaiser"]) == 0
    reading, writing = _stages(terminal.getvalue(), "reading hits")
    assert "100%" in reading
    assert "0%" in writing and "100%" in writing
    with OpLog.open(db) as log:
        assert len(log) == 1501
