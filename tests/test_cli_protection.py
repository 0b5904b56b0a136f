"""anpr-ops erase, restrict, retention, audit and purge: what they print, what they record,
and bad input refused in one line with nothing changed."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops.cli import main
from tests import factory as f


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _files(db: Path) -> dict[str, bytes]:
    return {
        suffix: Path(f"{db}{suffix}").read_bytes()
        for suffix in ("", "-wal")
        if Path(f"{db}{suffix}").exists()
    }


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A log with a chain of events; commands run without an actor in the environment."""
    path = tmp_path / "day.db"
    with OpLog.open(path, create=True) as log:
        log.extend([*f.chain(), f.patrol(officer_id="PC-77")])
        log.purge()
    monkeypatch.delenv("ANPR_OPS_ACTOR")
    monkeypatch.delenv("ANPR_OPS_PURPOSE")
    return path


def test_erase_by_subject_prints_what_it_did_and_records_it(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["erase", str(db), "--subject", "P-1", "--as", "DPO 17", "--reason", "request 113"]
    code, out, err = run(capsys, *args)
    assert code == 0 and err == ""
    assert "erased the personal values of 2 record(s)" in out and "P-1" not in out
    code, out, _ = run(capsys, "audit", str(db))
    assert code == 0
    assert "erase" in out and "DPO 17" in out and "reason: request 113" in out
    assert "query: by=subject_ref" in out and "P-1" not in out
    code, out, _ = run(capsys, "verify", str(db))
    assert code == 0 and "erased by 1 recorded erasure(s)" in out


def test_erasing_again_says_it_was_already_erased(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["erase", str(db), "--event", "hit-1", "--as", "DPO", "--reason", "held in error"]
    assert run(capsys, *args)[0] == 0
    code, out, _ = run(capsys, *args)
    assert code == 0 and "nothing erased" in out and "already erased: hit-1" in out


REFUSED = [
    ("unknown event", ["erase", "--event", "nope", "--as", "A", "--reason", "r"]),
    ("no actor", ["erase", "--event", "hit-1", "--reason", "r"]),
    ("no reason", ["erase", "--event", "hit-1", "--as", "A"]),
    ("nothing chosen", ["erase", "--as", "A", "--reason", "r"]),
    (
        "two choices",
        ["erase", "--event", "hit-1", "--vrm", "AB12CDE", "--as", "A", "--reason", "r"],
    ),
    ("reason quotes plate", ["erase", "--vrm", "AB12CDE", "--as", "A", "--reason", "AB12 CDE"]),
    ("restrict unknown", ["restrict", "--event", "nope", "--as", "A", "--reason", "r"]),
    ("restrict no reason", ["restrict", "--event", "hit-1", "--as", "A"]),
    ("retention no actor", ["retention"]),
    ("naive now", ["retention", "--now", "2022-01-01T00:00:00", "--as", "A"]),
    ("not a time", ["retention", "--now", "next week", "--as", "A"]),
]


@pytest.mark.parametrize("args", [r[1] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_bad_input_is_one_line_and_changes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    before = _files(db)
    code, out, err = run(capsys, args[0], str(db), *args[1:])
    assert code in {1, 2} and out == ""
    assert err.count("\n") == 1 and err.startswith("anpr-ops: error:")
    assert "AB12CDE" not in err and "Traceback" not in err
    assert _files(db) == before


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not JSON"),
        ('{"kinds": {"anpr_hits": {"erase_after_days": 1}}}', "not an event kind"),
        ('{"kinds": {"patrol": {"erase_after_days": 0}}}', "kinds.patrol.erase_after_days"),
    ],
)
def test_a_bad_policy_file_is_refused_and_changes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, words: str
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(text, encoding="utf-8")
    before = _files(db)
    code, out, err = run(capsys, "retention", str(db), "--policy", str(policy), "--as", "A")
    assert code == 1 and out == "" and words in err
    assert _files(db) == before


def test_a_policy_is_set_previewed_and_applied(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"kinds": {"patrol": {"erase_after_days": 30}}}', encoding="utf-8")
    when = ["--now", "2020-06-01T00:00:00Z"]
    code, out, _ = run(capsys, "retention", str(db), "--policy", str(policy), "--dry-run", *when)
    assert code == 0 and "would erase the personal values of 1 record(s)" in out
    assert run(capsys, "audit", str(db))[1] == ""  # a preview records nothing
    code, out, _ = run(capsys, "retention", str(db), "--policy", str(policy), "--as", "DPO")
    assert code == 0 and "retention policy set (access entry 1)" in out
    code, out, _ = run(capsys, "retention", str(db), "--show-policy")
    assert json.loads(out)["kinds"]["patrol"] == {"erase_after_days": 30}
    code, out, _ = run(capsys, "retention", str(db), *when, "--as", "DPO")
    assert code == 0 and "patrol 1" in out and "recorded as access entry 2" in out
    code, out, _ = run(capsys, "audit", str(db), "--format", "json")
    entries = json.loads(out)
    assert [e["action"] for e in entries] == ["policy", "retention"]
    assert entries[1]["detail"]["policy_entry"] == 1


def test_restrict_and_lift(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--event", "stop-1", "--as", "DPO"]
    code, out, _ = run(capsys, "restrict", str(db), *base, "--reason", "evidence")
    assert code == 0 and "restricted 1 record(s)" in out
    code, out, _ = run(capsys, "restrict", str(db), *base, "--lift", "--reason", "closed")
    assert code == 0 and "lifted the restriction of 1 record(s)" in out


def test_the_audit_csv_is_formula_safe(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "restrict", str(db), "--event", "hit-1", "--as", "=HYPERLINK(1)", "--reason", "-1")
    code, out, _ = run(capsys, "audit", str(db), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    # A formula is neutralised; a plain negative number is a number, and is left as it is.
    assert rows[0]["actor"] == "'=HYPERLINK(1)" and rows[0]["reason"] == "-1"
    assert rows[0]["events"] == "2" and rows[0]["action"] == "restrict"


def test_purge_fails_while_a_reader_holds_the_log(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reader = sqlite3.connect(db)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM events").fetchone()
    try:
        with OpLog.open(db, busy_timeout=0.1, actor="x") as log:
            log.restrict(event_ids=["hit-1"], reason="r")  # written after the reader began
            assert not log.purge()
    finally:
        reader.execute("COMMIT")
        reader.close()
    code, out, _ = run(capsys, "purge", str(db))
    assert code == 0 and "the write-ahead log is empty" in out
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
