"""The command line as a new user meets it (issue 17 §3, issue 13 items 5 and 11): help for a
bare command, errors in the command line's words, one table of exit statuses, verify naming
what is wrong, a report that says when the chain does not hold, a progress bar through the
write, force names, and -o that never writes over a log.
"""

from __future__ import annotations

import io
import json
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from anpr_ops import OpLog, verify
from anpr_ops.cli import main
from anpr_ops.cli._exits import ERROR_STATUS, EXIT_TABLE, status_of
from anpr_ops.errors import (
    AnprOpsError,
    EventValidationError,
    GuardsMissingError,
    LogNotFoundError,
    NotALogError,
    SchemaVersionError,
    StorageError,
)
from tests import factory as f


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def day(tmp_path: Path) -> Path:
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.extend(f.chain())
    return db


# -- help ------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [[], ["import"], ["export"]])
def test_a_bare_command_prints_its_help(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 0 and err == ""
    assert out.startswith("Usage: anpr-ops") and out.count("\n") > 8
    assert "Commands:" in out


def test_the_console_script_prints_help_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "anpr_ops"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("Usage:") and done.stderr == ""


# -- exit statuses ---------------------------------------------------------------------


READERS: list[list[str]] = [
    ["verify", "{db}"],
    ["report", "{db}", "--op", f.OP],
    ["scrutiny", "{db}", "--op", f.OP],
    ["operations", "{db}"],
    ["checkpoint", "{db}"],
    ["export", "police-uk", "{db}", "--op", f.OP],
    ["export", "jsonl", "{db}"],
    ["datasette-metadata", "{db}"],
    ["views", "{db}"],
    ["append", "{db}", "{events}"],
    ["import", "hits", "{db}", "{events}", "--op", f.OP],
]


def _args(template: list[str], db: Path, events: Path) -> list[str]:
    return [a.format(db=db, events=events) for a in template]


@pytest.mark.parametrize("template", READERS, ids=[" ".join(t[:2]) for t in READERS])
def test_the_same_failure_gives_the_same_status_in_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: list[str]
) -> None:
    """A missing log and a file that is not a log: 2 ("could not start") everywhere."""
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(f.hit()) + "\n", encoding="utf-8")
    missing = tmp_path / "missing.db"
    code, out, err = run(capsys, *_args(template, missing, events))
    assert (code, out) == (2, "") and "no log file" in err and err.count("\n") == 1
    assert not missing.exists()
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    code, _, err = run(capsys, *_args(template, other, events))
    assert code == 2 and "not an anpr_ops log" in err and "Traceback" not in err


STATUSES = [
    (LogNotFoundError("x"), 2),
    (NotALogError("x"), 2),
    (SchemaVersionError("x"), 2),
    (StorageError("x", code="cannot_open"), 2),
    (StorageError("x", code="disk_full"), 1),
    (GuardsMissingError("x"), 1),
    (EventValidationError("x"), 1),
    (AnprOpsError("x"), 1),
    (FileNotFoundError("x"), 2),
    (PermissionError("x"), 1),
    (KeyboardInterrupt(), 130),
]


@pytest.mark.parametrize(("error", "status"), STATUSES, ids=[type(e).__name__ for e, _ in STATUSES])
def test_each_error_has_one_status(error: BaseException, status: int) -> None:
    assert status_of(error) == status


def test_the_table_has_each_status_once_and_covers_the_errors() -> None:
    assert [row.status for row in EXIT_TABLE] == [0, 1, 2, 130]
    assert {status for _, status in ERROR_STATUS} <= {row.status for row in EXIT_TABLE}
    reference = (Path(__file__).parent.parent / "docs/reference/cli.md").read_text()
    assert "## Exit status" in reference and "| 2 | could not start" in reference


# -- verify, both verifiers ------------------------------------------------------------


def test_verify_names_the_missing_trigger_and_the_bad_seq_as_the_standalone_does(
    day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(day)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET hash = ? WHERE seq = 3", ("0" * 64,))
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "verify", day)
    assert code == 1
    assert "chain broken at seq 3" in out and "trigger events_no_update is missing" in out
    assert "refusing to open" not in out + err
    assert verify.main([str(day)]) == 1
    standalone = capsys.readouterr().out
    assert standalone.splitlines()[1] == out.splitlines()[1]  # the same guards line


def test_a_removed_guard_is_tampering_even_when_the_chain_holds(
    day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(day)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "verify", day)
    assert code == 1 and "chain holds" in out and "events_no_delete is missing" in out
    assert verify.main([str(day)]) == 1


def test_files_that_cannot_be_checked_are_2_in_both_verifiers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_log = tmp_path / "x.db"
    sqlite3.connect(not_a_log).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.db"
    with OpLog.open(newer, create=True) as log:
        log.append(f.operation())
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    for path in (tmp_path / "missing.db", not_a_log, newer):
        assert run(capsys, "verify", path)[0] == 2, path
        assert verify.main([str(path)]) == 2, path


def test_a_checkpoint_of_another_log_is_not_called_a_broken_chain(
    day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.db"
    with OpLog.open(other, create=True) as log:
        log.append(f.operation())
        (tmp_path / "other.checkpoint").write_text(log.checkpoint().to_text())
    code, out, err = run(capsys, "verify", day, "--checkpoint", tmp_path / "other.checkpoint")
    assert code == 2 and "broken" not in out + err
    assert "chain holds" in out and "not compared with the checkpoint" in out
    assert verify.main([str(day), "--checkpoint", str(tmp_path / "other.checkpoint")]) == 2


def test_a_report_on_a_broken_chain_says_so_and_exits_1(
    day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(day)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET hash = ? WHERE seq = 2", ("0" * 64,))
    conn.commit()
    conn.close()
    # With the guard put back, the file opens: only the chain shows the edit.
    from anpr_ops._schema import GUARDS

    conn = sqlite3.connect(day)
    conn.execute(GUARDS["events_no_update"])
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "report", day, "--op", f.OP)
    assert code == 1 and out.strip() and "chain broken at seq 2" in err
    assert f"anpr-ops verify {day}" in err
    code, out, err = run(capsys, "report", day, "--op", f.OP, "--no-verify")
    assert code == 0 and out.strip() and err == ""


def test_a_report_on_forged_rollups_says_so_and_exits_1(
    day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Figures forged in the table they are read from (no guard protects derived state) are
    found by the verification every report makes first; --quick-verify does not look there."""
    code, honest, _ = run(capsys, "report", day, "--op", f.OP, "--format", "json")
    assert code == 0
    conn = sqlite3.connect(day)
    changed = conn.execute("UPDATE rollup_sites SET searches = searches + 7").rowcount
    conn.commit()
    conn.close()
    assert changed > 0
    code, forged, err = run(capsys, "report", day, "--op", f.OP, "--format", "json")
    assert code == 1 and "rollup_sites differs from a rebuild" in err
    assert forged != honest  # written all the same, with the warning
    code, _, err = run(capsys, "report", day, "--op", f.OP, "--quick-verify")
    assert code == 0 and err == ""


# -- errors in the command line's words ------------------------------------------------


def test_a_missing_log_says_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "open", tmp_path / "new.db", f.OP, "--name", "K", "--force", "metropolitan",
        "--starts-at", "2020-04-18",
    )  # fmt: skip
    assert code == 2 and "--create" in err and "create=True" not in err


def test_malformed_json_names_the_column_of_its_line(
    day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(json.dumps(f.hit("hit-9")) + '\n{"kind": "anpr_hit",}\n{"a":\n')
    code, _, err = run(capsys, "append", day, source)
    assert code == 1 and "line 2: malformed JSON at column 21: trailing comma" in err
    assert "line 1 column" not in err
    source.write_text('{"a":\n')
    assert "line 1: malformed JSON at the end of the line" in run(capsys, "append", day, source)[2]


def test_one_event_is_not_called_batch_item_0() -> None:
    with OpLog.memory() as log:
        log.append(f.operation())
        with pytest.raises(EventValidationError) as info:
            log.append({**f.hit(), "hotlist": "nope"})
    assert "batch item" not in info.value.message and info.value.field == "hotlist"


def test_a_foreign_plate_is_explained_in_the_format(
    day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "e.jsonl"
    source.write_text(json.dumps(f.hit("hit-9", vrm="ZZZZZZZ")) + "\n")
    _, _, err = run(capsys, "append", day, source)
    assert "vrm_country" in err and "foreign=True" not in err


def test_import_names_the_force_option(
    day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "searches.csv"
    source.write_text(
        "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
        "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
        "Outcome,Outcome linked to object of search,Removal of more than just outer clothing\n"
        "Person search,2020-04-18T10:00:00+00:00,,,,,Male,18-24,,,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,,\n"
    )
    code, _, err = run(capsys, "import", "police-uk", day, source, "--op", "new-op")
    assert code == 1 and "--force" in err


# -- force names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("metropolitan", "metropolitan"),
        ("Metropolitan Police Service", "metropolitan"),
        ("Devon & Cornwall Police", "devon-and-cornwall"),
        ("devon and cornwall police", "devon-and-cornwall"),
        ("British Transport Police", "btp"),
    ],
)
def test_force_takes_an_id_or_a_data_police_uk_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str, stored: str
) -> None:
    db = tmp_path / "f.db"
    code, _, err = run(
        capsys, "open", db, f.OP, "--name", "K", "--force", given, "--starts-at", "2020-04-18",
        "--create",
    )  # fmt: skip
    assert code == 0, err
    with OpLog.open(db) as log:
        assert log.operation(f.OP).force == stored


@pytest.mark.parametrize(
    ("given", "suggested"), [("not-a-force", None), ("Metropolitann", "metropolitan")]
)
def test_force_refuses_what_is_neither_with_close_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str, suggested: str | None
) -> None:
    db = tmp_path / "f.db"
    code, _, err = run(
        capsys, "open", db, f.OP, "--name", "K", "--force", given, "--starts-at", "2020-04-18",
        "--create",
    )  # fmt: skip
    assert code == 2 and "--force" in err and not db.exists()
    if suggested:
        assert f"did you mean {suggested}" in err


# -- -o never writes over a log --------------------------------------------------------

OUTPUTS: list[list[str]] = [
    ["report", "{db}", "--op", f.OP, "-o", "{target}"],
    ["scrutiny", "{db}", "--op", f.OP, "-o", "{target}"],
    ["export", "jsonl", "{db}", "-o", "{target}"],
    ["export", "police-uk", "{db}", "--op", f.OP, "-o", "{target}"],
    ["checkpoint", "{db}", "-o", "{target}"],
    ["datasette-metadata", "{db}", "-o", "{target}"],
]


def _out(template: list[str], db: Path, target: Path, *extra: str) -> list[str]:
    return [*(a.format(db=db, target=target) for a in template), *extra]


@pytest.mark.parametrize("template", OUTPUTS, ids=[" ".join(t[:2]) for t in OUTPUTS])
def test_output_never_replaces_a_log(
    day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], template: list[str]
) -> None:
    other = tmp_path / "other.db"
    with OpLog.open(other, create=True) as log:
        log.append(f.operation())
    wal = Path(f"{other}-wal")  # a log's write-ahead file is part of it
    wal.write_bytes(b"frames")
    for target in (day, other, wal):
        before = target.read_bytes()
        for extra in ((), ("--force",)):
            code, _, err = run(capsys, *_out(template, day, target, *extra))
            assert code == 2 and "never writes over" in err, (target, extra)
        assert target.read_bytes() == before
    with OpLog.open(day) as log:
        assert log.verify().ok


@pytest.mark.parametrize("template", OUTPUTS, ids=[" ".join(t[:2]) for t in OUTPUTS])
def test_output_replaces_another_file_only_with_force(
    day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], template: list[str]
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("keep me")
    code, _, err = run(capsys, *_out(template, day, target))
    assert code == 2 and "--force" in err and target.read_text() == "keep me"
    code, _, err = run(capsys, *_out(template, day, target, "--force"))
    assert code == 0, err
    assert target.read_text() != "keep me"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.txt")) == []


def test_a_failed_write_leaves_no_file_behind(
    day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "r.html"
    code, _, _ = run(capsys, "report", day, "--op", "no-such-op", "-o", target)
    assert code == 1 and not target.exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".r.html")] == []


# -- the progress bar ------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_the_write_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [f.operation(sites=("vauxhall",))]
    events += [f.hit(f"hit-{i}", vrm="AB12CDE") for i in range(2500)]
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in events))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["append", str(tmp_path / "m.db"), str(source), "--create"]) == 0
    drawn = terminal.getvalue()
    assert "reading events" in drawn and "writing events" in drawn
    writing = drawn[drawn.index("writing events") :]
    assert "100%" in writing and "0%" in writing


def test_extend_reports_progress_through_the_write() -> None:
    seen: list[tuple[int, int]] = []
    events = [f.operation(sites=("vauxhall",)), *(f.hit(f"h-{i}") for i in range(3000))]
    with OpLog.memory() as log:
        log.extend(events, progress=lambda done, total: seen.append((done, total)))
    totals = {total for _, total in seen}
    assert totals == {3 * 3001}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == 3 * 3001 and len(done) >= 6
    # Steps are reported while encoding, checking and writing, not only at the end.
    assert any(0 < d < 3001 for d in done) and any(3001 <= d < 6002 for d in done)


# -- kinds -----------------------------------------------------------------------------


def test_kind_takes_the_enum_or_its_name() -> None:
    import typing

    from anpr_ops.store.log import OpLog as Log
    from anpr_ops.vocab import EventKind, KindName

    assert set(typing.get_args(KindName)) == {k.value for k in EventKind}
    hints = typing.get_type_hints(Log.events)
    assert EventKind in typing.get_args(hints["kind"])
    with OpLog.memory() as log:
        log.extend(f.chain())
        assert [e.event_id for e in log.events(kind=EventKind.SEARCH)] == ["search-1"]
        assert [e.event_id for e in log.events(kind="search")] == ["search-1"]


def test_help_of_the_package_is_short() -> None:
    import pydoc

    import anpr_ops

    text = pydoc.render_doc(anpr_ops, renderer=pydoc.TextDoc())
    # The face's names and their docs, not every submodule (18,517 lines once).
    assert 300 < len(text.splitlines()) < 2500
