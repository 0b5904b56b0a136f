"""What verification finds in a format-2 log, through both verifiers: personal values that no
longer match their commitment or vanished without a recorded erasure, bodies that are not the
canonical form of a valid event (even with every hash recomputed), personal values written into
the chained bytes, and copied columns that run on past their value."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from anpr_ops import OpLog
from anpr_ops._canonical import GENESIS_HASH
from tests import factory as f
from tests.conftest import ROOT
from tests.support import tamper


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "day.db"
    with OpLog.open(path, create=True) as log:
        log.extend([*f.chain(), f.patrol(), f.sweep()])
    return path


def library(db: Path) -> tuple[bool, str | None, int | None]:
    with OpLog.open(db) as log:
        result = log.verify()
    return result.ok, result.problem, result.first_bad_seq


def standalone(db: Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "anpr_ops.verify", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def rewrite_bodies(db: Path, change: Callable[[int, str], str]) -> None:
    """Rewrite bodies and recompute every hash after them, so the chain holds."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT seq, body FROM events ORDER BY seq").fetchall()
    conn.close()
    prev = GENESIS_HASH
    statements = []
    for seq, body in rows:
        new = change(seq, body)
        digest = hashlib.sha256(bytes.fromhex(prev) + new.encode("utf-8")).hexdigest()
        statements.append(
            ("UPDATE events SET body = ?, hash = ? WHERE seq = ?", (new, digest, seq))
        )
        prev = digest
    tamper(db, *statements)


def test_an_intact_log_verifies_in_both(db: Path) -> None:
    assert library(db) == (True, None, None)
    code, out = standalone(db)
    assert code == 0 and "commitments to personal values checked, 0 erased" in out


def test_altered_personal_values_do_not_match_their_commitment(db: Path) -> None:
    tamper(db, ("UPDATE personal SET \"values\" = replace(\"values\", 'AB12CDE', 'AB12CDF')", ()))
    assert library(db)[:2] == (False, "personal_mismatch")
    code, out = standalone(db)
    assert code == 1 and "do not match the commitment" in out


def test_personal_values_gone_without_a_recorded_erasure_are_found(db: Path) -> None:
    tamper(db, ("DELETE FROM personal WHERE seq = 3", ()))
    assert library(db) == (False, "personal_missing", 3)
    code, out = standalone(db)
    assert code == 1 and "no recorded erasure" in out


def test_personal_values_kept_for_a_seq_no_event_has_are_found(db: Path) -> None:
    """Values under a seq beyond the head are compared with no commitment, and would make the
    next append at that seq fail: both verifiers find them."""
    tamper(
        db,
        (
            'INSERT INTO personal (seq, salt, "values") SELECT '
            '(SELECT max(seq) FROM events) + 1, salt, "values" FROM personal WHERE seq = 3',
            (),
        ),
    )
    (head,) = sqlite3.connect(db).execute("SELECT max(seq) FROM events").fetchone()
    assert library(db) == (False, "personal_unexpected", head + 1)
    code, out = standalone(db)
    assert code == 1 and "a seq no event has" in out


def test_a_forged_erasure_row_without_its_record_is_found(db: Path) -> None:
    tamper(
        db,
        ("DELETE FROM personal WHERE seq = 3", ()),
        ("INSERT INTO erased (seq, access_seq) VALUES (3, 1)", ()),
    )
    ok, problem, _ = library(db)
    assert (ok, problem) == (False, "erasure_unrecorded")
    assert standalone(db)[0] == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(lambda body: " " + body, "not_canonical", id="leading space"),
        pytest.param(
            lambda body: json.dumps(json.loads(body), separators=(", ", ": "), sort_keys=True),
            "not_canonical",
            id="other whitespace",
        ),
        pytest.param(
            lambda body: json.dumps(
                dict(reversed(json.loads(body).items())), separators=(",", ":")
            ),
            "not_canonical",
            id="key order",
        ),
        pytest.param(lambda body: "[" + body + "]", "not_an_event", id="array"),
        pytest.param(
            lambda body: body.replace('{"', '{"aaa":1,"', 1), "not_an_event", id="unknown field"
        ),
        pytest.param(
            lambda body: body.replace('"kind":"patrol"', '"kind":"picnic"'),
            "not_an_event",
            id="unknown kind",
        ),
        pytest.param(
            lambda body: body.replace('{"', '{"ends_at":"2020-04-18T13:00:00Z","', 1),
            "not_an_event",
            id="repeated key",
        ),
        pytest.param(
            lambda body: body[:-1] + ',"vrm":"AB12CDE"}', "not_an_event", id="plate in clear"
        ),
    ],
)
def test_a_rewritten_body_that_is_no_canonical_event_is_found(
    db: Path, change: Callable[[str], str], problem: str
) -> None:
    """Even with every hash after it recomputed (the chain holds), a body that is not the
    canonical form of a valid event is named, at its seq, by both verifiers."""
    seq = 7  # the patrol
    rewrite_bodies(db, lambda s, body: change(body) if s == seq else body)
    assert library(db) == (False, problem, seq)
    code, out = standalone(db)
    assert code == 1 and f"at seq {seq}" in out


def test_an_event_id_column_that_runs_on_into_the_next_member_is_found(db: Path) -> None:
    """The copy is compared exactly, not found as a substring of the body."""
    tamper(db, ('UPDATE events SET event_id = \'hit-1","hotlist":"pnc\' WHERE seq = 2', ()))
    assert library(db) == (False, "column_mismatch", 2)
    assert standalone(db)[0] == 1


@pytest.mark.parametrize(
    ("table", "sql"),
    [
        ("personal", "UPDATE personal SET \"values\" = replace(\"values\", 'P-1', 'P\\u0001') "),
        ("personal", 'UPDATE personal SET "values" = \'{"grounds": 5\' '),
        (
            "events",
            'UPDATE events SET body = replace(body, \'"hotlist":"pnc"\', \'"hotlist":7\') ',
        ),
    ],
)
def test_damaged_data_reads_as_one_storage_error_naming_the_seq_not_the_value(
    db: Path, table: str, sql: str
) -> None:
    """A flipped or damaged stored value makes reads fail with one StorageError naming the seq
    (and the field when it can) — never a pydantic error, never the value itself."""
    from anpr_ops.errors import StorageError

    tamper(db, (sql, ()))
    with OpLog.open(db) as log:
        with pytest.raises(StorageError) as caught:
            list(log.events(personal=True))
        assert caught.value.code == "damaged_event" and caught.value.seq is not None
        assert "P-1" not in str(caught.value) and "P\x01" not in str(caught.value)
        assert caught.value.__cause__ is None  # pydantic's own error quotes values
    code, out = standalone(db)
    assert code == 1, out


# -- the people numbers ------------------------------------------------------------------


def _numbers(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT subject_ref, person FROM subjects").fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize(
    "change",
    [
        ("UPDATE subjects SET person = person + 7", ()),
        ("DELETE FROM subjects", ()),
        ("INSERT INTO subjects (subject_ref, person) VALUES ('P-forged', 99)", ()),
        ("UPDATE subjects SET subject_ref = 'P-2'", ()),
    ],
    ids=["renumbered", "deleted", "forged", "renamed"],
)
def test_the_subjects_table_is_held_to_the_values_and_the_chain(
    db: Path, change: tuple[str, tuple[object, ...]]
) -> None:
    assert _numbers(db) == {"P-1": 1}
    tamper(db, change)
    ok, problem, _ = library(db)
    assert (ok, problem) == (False, "subjects_mismatch")
    code, out = standalone(db)
    assert code == 1 and "subjects table" in out
    assert "P-1" not in out and "P-forged" not in out and "P-2" not in out


@pytest.mark.parametrize(
    ("value", "found"),
    [("1", True), ("0", True), ("x", True), ("", True), ("2", False), ("900", False)],
)
def test_next_person_must_stay_above_every_number_chained(
    db: Path, value: str, found: bool
) -> None:
    tamper(db, ("UPDATE anpr_ops_meta SET value = ? WHERE key = 'next_person'", (value,)))
    ok, problem, _ = library(db)
    assert (ok, problem) == ((False, "next_person_reused") if found else (True, None))
    code, out = standalone(db)
    assert code == (1 if found else 0), out
    assert ("not above every number" in out) == found


def test_next_person_deleted_means_one_and_is_found(db: Path) -> None:
    tamper(db, ("DELETE FROM anpr_ops_meta WHERE key = 'next_person'", ()))
    assert library(db)[:2] == (False, "next_person_reused")
    assert standalone(db)[0] == 1


def test_an_erased_subjects_number_is_still_counted_as_used(db: Path) -> None:
    """After the subject's every value is erased their row goes, but their number stays in the
    bodies: next_person lowered to it would give a new person the erased one's number."""
    with OpLog.open(db) as log:
        log.erase(subject_ref="P-1", reason="erasure request")
        assert log.verify().ok
    assert _numbers(db) == {}
    tamper(db, ("UPDATE anpr_ops_meta SET value = '1' WHERE key = 'next_person'", ()))
    assert library(db)[:2] == (False, "next_person_reused")
