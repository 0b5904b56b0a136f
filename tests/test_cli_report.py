"""anpr-ops report, open and operations: formats, filters, errors, and a log left as it was."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest

from anpr_ops import OpLog
from anpr_ops.cli import cli, main
from anpr_ops.cli._demo import DAY_OP, KAISER_OP, demo_events_text
from anpr_ops.render import FORMATS
from tests import factory as f


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("report") / "day.db"
    assert main(["demo", "--db", str(db)]) == 0
    return db


def _plates() -> set[str]:
    events = [json.loads(line) for line in demo_events_text().splitlines()]
    plates = {e["vrm"] for e in events if "vrm" in e}
    return plates | {f"{p[:4]} {p[4:]}" for p in plates}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_and_no_plates(
    demo_db: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "report", str(demo_db), "--op", DAY_OP, "--format", fmt)
    assert code == 0 and err == "" and out
    assert not any(plate in out for plate in _plates())


def test_text_and_json_are_the_reports_own(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with OpLog.open(demo_db, readonly=True) as log:
        report = log.report(DAY_OP, include_children=False)
    _, out, _ = run(capsys, "report", str(demo_db), "--op", DAY_OP, "--no-children")
    assert out == report.to_text() + "\n"
    _, out, _ = run(
        capsys, "report", str(demo_db), "--op", DAY_OP, "--no-children", "--format", "json"
    )
    assert json.loads(out) == report.to_dict()
    _, out, _ = run(capsys, "report", str(demo_db), "--op", DAY_OP, "--words", "--activity")
    assert out.startswith("Three high-harm wanted offenders")


def test_site_and_local_time_window(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    noon = datetime(2020, 4, 18, 12, tzinfo=ZoneInfo("Europe/London"))
    with OpLog.open(demo_db, readonly=True) as log:
        expected = log.report(KAISER_OP, site="vauxhall", start=noon).to_dict()
    for start in ("2020-04-18T12:00", "2020-04-18T12:00:00+01:00", "2020-04-18T11:00:00Z"):
        code, out, _ = run(
            capsys, "report", str(demo_db), "--op", KAISER_OP, "--site", "vauxhall",
            "--start", start, "--format", "json",
        )  # fmt: skip
        assert code == 0 and json.loads(out) == expected, start
    assert 0 < expected["totals"]["anpr_hits"] < 10


def test_csv_table_and_output_file(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sites.csv"
    code, out, err = run(
        capsys, "report", str(demo_db), "--op", KAISER_OP, "--format", "csv",
        "--table", "by_site", "-o", str(target),
    )  # fmt: skip
    assert code == 0 and out == "" and str(target) in err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [r["label"] for r in rows] == ["Vauxhall", "Blackfriars", "Tower Bridge"]
    assert sum(int(r["arrests"]) for r in rows) == 8  # Kaiser's arrests, all at its sites


def test_html_file(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "day.html"
    code, _, _ = run(
        capsys, "report", str(demo_db), "--op", DAY_OP, "--format", "html", "-o", str(target)
    )
    page = target.read_text(encoding="utf-8")
    assert code == 0 and page.startswith("<!DOCTYPE html>") and page.count("<svg") == 4


# (arguments after the db, exit status, words the one-line error must hold)
ERRORS = [
    (["--op", "no-such-op"], 1, "no-such-op"),
    (["--op", KAISER_OP, "--site", "vauxhal"], 1, "vauxhal"),
    (["--op", KAISER_OP, "--start", "noon"], 2, "--start"),
    (["--op", KAISER_OP, "--start", "2020-04-18T20:00", "--end", "2020-04-18T08:00"], 1, "end"),
    (["--op", KAISER_OP, "--format", "pdf"], 2, "--format"),
    (["--op", KAISER_OP, "--table", "by_site"], 2, "--table"),
    (["--op", KAISER_OP, "--format", "csv", "--table", "nope"], 2, "--table"),
    ([], 2, "--op"),
    (["--op", KAISER_OP, "-o", "/no/such/folder/r.html"], 2, "does not exist"),
]


@pytest.mark.parametrize(("args", "status", "says"), ERRORS)
def test_errors_are_one_line_and_leave_the_log_alone(
    demo_db: Path, args: list[str], status: int, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with OpLog.open(demo_db, readonly=True) as log:
        head = log.head()
    code, out, err = run(capsys, "report", str(demo_db), *args)
    assert code == status and out == ""
    assert err.count("\n") == 1 and err.startswith("anpr-ops: error: ") and says in err
    assert "Traceback" not in err
    with OpLog.open(demo_db, readonly=True) as log:
        assert log.head() == head


def test_a_report_on_a_missing_file_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "absent.db"
    code, out, err = run(capsys, "report", str(db), "--op", KAISER_OP)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "no log file" in err and str(db) in err
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_log_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "notes.db"
    db.write_text("not a database", encoding="utf-8")
    code, _, err = run(capsys, "report", str(db), "--op", KAISER_OP)
    assert code == 2 and err.count("\n") == 1
    assert db.read_text(encoding="utf-8") == "not a database"


def test_open_creates_an_operation_and_a_rerun_adds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "day.db"
    args = [
        "open", str(db), "kaiser-2020-04-18", "--name", "Op Kaiser", "--force", "metropolitan",
        "--starts-at", "2020-04-18T08:00", "--ends-at", "2020-04-18T20:00",
        "--site", "vauxhall=Vauxhall@51.4861,-0.1236", "--site", "blackfriars=Blackfriars",
    ]  # fmt: skip
    code, _, err = run(capsys, *args)
    assert code == 2 and "no log file" in err and "--create" in err and not db.exists()
    code, out, _ = run(capsys, *args, "--create")
    assert code == 0 and "opened operation kaiser-2020-04-18" in out
    code, out, _ = run(capsys, *args)
    assert code == 0 and "already open" in out
    with OpLog.open(db) as log:
        op = log.operation("kaiser-2020-04-18")
        assert len(log) == 1
    assert op.site_ids == ("vauxhall", "blackfriars") and op.sites[0].latitude == 51.4861
    assert op.starts_at.isoformat() == "2020-04-18T07:00:00+00:00"  # 08:00 BST
    # the new operation takes events at once
    with OpLog.open(db) as log:
        log.append(f.hit())
    code, out, _ = run(capsys, "operations", str(db))
    assert code == 0 and out.startswith("kaiser-2020-04-18  'Op Kaiser'")


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--force", "Metropolitann"], "metropolitan"),
        (["--site", "vauxhall"], "--site"),
        (["--site", "v=V@north"], "--site"),
        (["--timezone", "Mars/Olympus"], "--timezone"),
        (["--parent", "no-such-parent"], "no-such-parent"),
    ],
)
def test_open_refuses_bad_input_in_one_line(
    tmp_path: Path, extra: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True):
        pass
    args = ["open", str(db), "op-1", "--name", "One", "--force", "metropolitan"]
    code, _, err = run(capsys, *args, "--starts-at", "2020-04-18T08:00", *extra)
    assert code in (1, 2) and err.count("\n") == 1 and says in err
    with OpLog.open(db) as log:
        assert len(log) == 0


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help_with_an_example(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *path, "--help")
    assert code == 0 and "Example:" in out and f"anpr-ops {' '.join(path)}" in out


def test_append_names_the_line_of_an_event_the_log_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reference or code error found by the log (not the parser) still names the line."""
    db = tmp_path / "day.db"
    source = tmp_path / "events.jsonl"
    events = [f.operation(), f.hit(), {**f.stop(), "hit_id": "no-such-hit"}]
    source.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    code, out, err = run(capsys, "append", str(db), str(source), "--create")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("anpr-ops: error: line 3: ") and "hit_id" in err
    assert not db.exists()  # the log the failed command would have created is gone
    with OpLog.open(db, create=True) as log:
        log.append(f.operation())
        head = log.head()
    events[1] = {**f.hit(), "reasons": ["stolen_vehicle"], "hotlist": "pnc"}
    events[2] = f.outcome(search_id=None, offences=["MD71243"])  # two digits swapped
    source.write_text("".join(json.dumps(e) + "\n" for e in events[1:]), encoding="utf-8")
    code, _, err = run(capsys, "append", str(db), str(source))
    assert code == 1 and "line 2: " in err and "MD71234" in err
    with OpLog.open(db) as log:
        assert log.head() == head


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "events.jsonl"
    lines = [json.dumps(line) for line in map(json.loads, demo_events_text().splitlines())]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "append", str(tmp_path / "a.db"), str(source), "--create")
    assert code == 0 and err == ""  # not a terminal: quiet
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["append", str(tmp_path / "b.db"), str(source), "--create"]) == 0
    assert "reading events" in terminal.getvalue()


def test_reports_are_utf8_even_on_an_ascii_stdout(tmp_path: Path) -> None:
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.append(f.operation(name="Opération Été"))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    for fmt in ("text", "json", "markdown", "html", "csv"):
        result = subprocess.run(
            [sys.executable, "-m", "anpr_ops", "report", str(db), "--op", f.OP, "--format", fmt],
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        if fmt != "text":  # the summary of an empty operation does not name it
            assert "Opération Été".encode() in result.stdout, fmt
