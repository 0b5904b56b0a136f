"""The log commands of anpr-ops: exit statuses, one-line errors, no side effects."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.cli import main
from tests import factory as f
from tests.support import tamper


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write_jsonl(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def test_init_append_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "day.db"
    assert run(capsys, "init", str(db))[0] == 0
    source = write_jsonl(tmp_path / "e.jsonl", f.chain())
    code, out, _ = run(capsys, "append", str(db), str(source))
    assert code == 0 and "appended 6 event(s)" in out
    code, out, _ = run(capsys, "append", str(db), str(source))
    assert code == 0 and "appended 0 event(s), 6 already present" in out
    code, out, _ = run(capsys, "verify", str(db))
    assert code == 0 and "chain holds: 6 events checked" in out


def test_a_bad_line_names_its_number_and_field_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.append(f.operation())
        head = log.head()
    events = [f.hit(), f.hit("hit-2"), {**f.hit("hit-3"), "hotlist": "nope"}]
    source = write_jsonl(tmp_path / "e.jsonl", events)
    code, out, err = run(capsys, "append", str(db), str(source))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "line 3" in err and "hotlist" in err
    assert "Traceback" not in err
    with OpLog.open(db) as log:
        assert log.head() == head


def test_append_to_a_missing_log_does_not_create_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "missing.db"
    source = write_jsonl(tmp_path / "e.jsonl", f.chain())
    code, _, err = run(capsys, "append", str(db), str(source))
    assert code == 2 and "no log file" in err and "--create" in err and not db.exists()
    assert run(capsys, "append", "--create", str(db), str(source))[0] == 0


def test_verify_exit_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.extend(f.chain())
    checkpoint = tmp_path / "day.checkpoint"
    assert run(capsys, "checkpoint", str(db), "-o", str(checkpoint))[0] == 0
    assert run(capsys, "verify", str(db), "--checkpoint", str(checkpoint))[0] == 0
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET hash = ? WHERE seq = 2", ("0" * 64,))
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "verify", str(db))
    # The guards are gone, so the file is refused before the chain is even read.
    assert code == 1 and "guards" in err
    assert run(capsys, "verify", str(tmp_path / "absent.db"))[0] == 2
    assert run(capsys, "verify", str(db), "--no-such-option")[0] == 2


def test_verify_reports_a_broken_chain_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.extend(f.chain())
    tamper(db, ("UPDATE events SET hash = ? WHERE seq = 2", ("0" * 64,)))
    code, out, _ = run(capsys, "verify", str(db))
    assert code == 1 and "chain broken at seq 2" in out


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out)["title"].startswith("anpr_ops event")


def test_demo_records_and_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "demo.db"
    code, out, _ = run(capsys, "demo", "--db", str(db))
    assert code == 0 and "chain holds" in out and str(db) in out
    code, out, _ = run(capsys, "demo", "--db", str(db))
    assert code == 0 and "recorded 0 new event(s)" in out


@pytest.mark.parametrize("command", ["init", "append", "verify", "checkpoint", "schema", "demo"])
def test_every_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "Example:" in out and "anpr-ops" in out


def test_verify_quick_skips_the_derived_tables_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An edited derived table is found by the full verification, not by --quick, which names
    what it left out; both find a broken chain."""
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.extend(f.chain())
    tamper(db, ("UPDATE sites SET name = 'Elsewhere'", ()))
    code, out, _ = run(capsys, "verify", str(db), "--quick")
    assert code == 0 and "not checked: bodies, derived tables" in out
    code, out, _ = run(capsys, "verify", str(db))
    assert code == 1 and "table sites differs from a rebuild" in out
    tamper(db, ("UPDATE events SET hash = ? WHERE seq = 2", ("0" * 64,)))
    code, out, _ = run(capsys, "verify", str(db), "--quick")
    assert code == 1 and "chain broken at seq 2" in out


def _logged(tmp_path: Path) -> Path:
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.extend(f.chain())
    return db


def test_rebuild_repairs_edited_derived_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _logged(tmp_path)
    code, report, _ = run(capsys, "report", str(db), "--op", f.OP, "--format", "json")
    assert code == 0
    tamper(db, ("UPDATE rollup_sites SET arrests = arrests + 5", ()))
    tamper(db, ("UPDATE operations SET timezone = 'Not/AZone'", ()))
    code, out, _ = run(capsys, "verify", str(db))
    assert code == 1 and "differs from a rebuild" in out and "anpr-ops rebuild" in out
    code, _, err = run(capsys, "report", str(db), "--op", f.OP, "--no-verify")
    assert code == 1 and "damaged" in err and "Traceback" not in err
    code, out, _ = run(capsys, "rebuild", str(db))
    assert code == 0 and "rebuilt the derived tables" in out and "chain holds" in out
    assert run(capsys, "verify", str(db))[0] == 0
    assert run(capsys, "report", str(db), "--op", f.OP, "--format", "json")[1] == report


def test_rebuild_refuses_a_log_whose_chain_does_not_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _logged(tmp_path)
    conn = sqlite3.connect(db)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
        if name.startswith("events_"):
            conn.execute(f"DROP TRIGGER {name}")
    conn.commit()
    conn.close()
    # The guards gone, the log is refused on open: nothing is rebuilt either way.
    code, _, err = run(capsys, "rebuild", str(db))
    assert code in (1, 2) and "Traceback" not in err


def test_rebuild_does_not_launder_changed_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _logged(tmp_path)
    tamper(
        db, ("UPDATE events SET body = replace(body, 'vauxhall', 'blackfriars') WHERE seq = 2", ())
    )
    conn = sqlite3.connect(db)
    before = conn.execute("SELECT * FROM rollup_sites").fetchall()
    conn.close()
    code, _, err = run(capsys, "rebuild", str(db))
    assert code == 1 and "not rebuilt" in err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM rollup_sites").fetchall() == before
    conn.close()


def test_rebuild_of_a_missing_file_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "rebuild", str(tmp_path / "nope.db"))
    assert code == 2 and "nope.db" in err
    assert not (tmp_path / "nope.db").exists()
