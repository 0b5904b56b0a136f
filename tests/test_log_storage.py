"""The guarantees that live in the file: guards, versions, tamper evidence, locks, privacy."""

from __future__ import annotations

import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from anpr_ops import Checkpoint, OpLog
from anpr_ops._canonical import GENESIS_HASH
from anpr_ops.errors import (
    BrokenReferenceError,
    GuardsMissingError,
    LogBusyError,
    LogNotFoundError,
    NotALogError,
    SchemaVersionError,
    StorageError,
)
from tests import factory as f
from tests.conftest import ROOT

SITES = ("vauxhall", "blackfriars", "tower-bridge")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A log file holding the test chain, closed."""
    path = tmp_path / "day.db"
    with OpLog.open(path, create=True) as log:
        log.extend([*f.chain(), f.patrol(), f.sweep()])
    return path


@pytest.fixture
def raw(db: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to the file, as any tool could open it."""
    conn = sqlite3.connect(db)
    yield conn
    conn.close()


def rows(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT * FROM events ORDER BY seq").fetchall()


COLUMNS = "seq, event_id, kind, op_id, occurred_at, target_seq, ref_seq, body, hash"
ATTACKS = [
    "UPDATE events SET body = body",
    "UPDATE events SET body = 'tampered' WHERE seq = 1",
    "UPDATE events SET hash = 'x' WHERE seq = 3",
    "UPDATE events SET event_id = 'renamed' WHERE seq = 3",
    "UPDATE events SET ref_seq = ref_seq WHERE seq = 3",
    "DELETE FROM events WHERE seq = 8",
    "DELETE FROM events",
    f"INSERT OR REPLACE INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events WHERE seq = 2",
    "INSERT OR REPLACE INTO events SELECT * FROM events WHERE seq = 2",
    f"REPLACE INTO events ({COLUMNS}) SELECT 9, {COLUMNS.split(', ', 1)[1]} FROM events "
    "WHERE seq = 2",
    f"INSERT INTO events ({COLUMNS}) SELECT 5, 'new-id', kind, op_id, occurred_at, target_seq, "
    "ref_seq, body, hash FROM events WHERE seq = 8",
    "INSERT OR IGNORE INTO events SELECT * FROM events WHERE seq = 1",
    # The head row replaced under a new id: refused only while the guard says "at or below
    # the head" (<=); a guard weakened to "below" (<) lets it through.
    f"INSERT OR REPLACE INTO events ({COLUMNS}) SELECT seq, 'new-id', kind, op_id, occurred_at, "
    "target_seq, ref_seq, body, hash FROM events WHERE seq = (SELECT max(seq) FROM events)",
]


@pytest.mark.parametrize("sql", ATTACKS)
def test_plain_sqlite_cannot_rewrite_events(raw: sqlite3.Connection, sql: str) -> None:
    """UPDATE, DELETE, REPLACE and inserts that reuse a seq or id are refused by the database."""
    before = rows(raw)
    assert raw.execute("PRAGMA recursive_triggers").fetchone() == (0,)
    with pytest.raises(sqlite3.IntegrityError, match="anpr_ops: events is append-only"):
        raw.execute(sql)
    raw.rollback()
    assert rows(raw) == before


def test_a_raw_append_that_breaks_the_chain_is_found_by_verify(
    db: Path, raw: sqlite3.Connection
) -> None:
    """The database accepts a new last row; verify() names it when it does not link."""
    raw.execute(
        f"INSERT INTO events ({COLUMNS}) SELECT 9, 'forged', kind, op_id, occurred_at, "
        "target_seq, ref_seq, replace(body, 'sweep-1', 'forged'), hash FROM events WHERE seq = 8"
    )
    raw.commit()
    result = verify(db)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 9, "hash_mismatch")  # type: ignore[attr-defined]


def test_a_copied_column_edited_apart_from_its_body_is_found(db: Path) -> None:
    without_guards(db, "UPDATE events SET event_id = 'other-id' WHERE seq = 4")
    result = verify(db)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 4, "column_mismatch")  # type: ignore[attr-defined]


def test_sqlite_utils_upsert_is_refused(db: Path) -> None:
    import sqlite_utils

    table = sqlite_utils.Database(db).table("events")
    with pytest.raises(sqlite3.IntegrityError):
        table.upsert(
            {"seq": 1, "event_id": "x", "kind": "patrol", "op_id": "x", "occurred_at": "x",
             "body": "{}", "hash": GENESIS_HASH},
            pk="seq",
        )  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError):
        table.delete_where("seq = ?", [1])


def test_seq_is_autoincrement(raw: sqlite3.Connection) -> None:
    sql = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    assert "seq INTEGER PRIMARY KEY AUTOINCREMENT" in sql
    assert raw.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone() == (8,)


@pytest.mark.parametrize(
    "change",
    [
        "DROP TRIGGER events_no_update",
        "DROP TRIGGER events_no_delete",
        "DROP TRIGGER events_no_replace",
        # Altered: same name, weaker body.
        "DROP TRIGGER events_no_delete; CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "WHEN 0 BEGIN SELECT RAISE(ABORT, 'x'); END",
        # Outnumbered: a trigger that silently drops every insert.
        "CREATE TRIGGER events_swallow BEFORE INSERT ON events BEGIN SELECT RAISE(IGNORE); END",
        # The same, on the table named in other case or quoting (SQLite keeps the name as
        # written, and it is the same table).
        "CREATE TRIGGER swallow BEFORE INSERT ON EVENTS BEGIN SELECT RAISE(IGNORE); END",
        'CREATE TRIGGER "Swallow" BEFORE INSERT ON "Events" BEGIN SELECT RAISE(IGNORE); END',
        # A constraint removed from a table's text through writable_schema.
        "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, "
        "'event_id TEXT NOT NULL', 'event_id TEXT') WHERE name = 'events'; "
        "PRAGMA writable_schema = OFF",
        # Any other object the library did not make.
        "CREATE INDEX extra ON events(hash)",
        "CREATE VIEW mine AS SELECT 1",
        "CREATE TABLE notes (x)",
    ],
)
def test_opening_refuses_a_file_whose_guards_were_touched(
    db: Path, raw: sqlite3.Connection, change: str
) -> None:
    raw.executescript(change)
    raw.close()
    with pytest.raises(GuardsMissingError):
        OpLog.open(db)


def test_a_newer_schema_version_is_refused(db: Path, raw: sqlite3.Connection) -> None:
    raw.execute("PRAGMA user_version = 3")
    raw.close()
    with pytest.raises(SchemaVersionError) as caught:
        OpLog.open(db)
    assert caught.value.code == "schema_too_new"


def test_schema_version_is_recorded(db: Path) -> None:
    with OpLog.open(db) as log:
        assert log.schema_version == 2
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone() == (2,)
    assert conn.execute("PRAGMA application_id").fetchone() == (0x414E5052,)
    assert conn.execute(
        "SELECT value FROM anpr_ops_meta WHERE key = 'schema_version'"
    ).fetchone() == ("2",)
    conn.close()


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    target = tmp_path / "nothing.db"
    with pytest.raises(LogNotFoundError):
        OpLog.open(target)
    with pytest.raises(LogNotFoundError):
        OpLog.open(target, readonly=True)
    assert not target.exists()


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        OpLog.open(tmp_path / "no" / "such" / "day.db", create=True)
    assert caught.value.code == "missing_folder"


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_files_that_are_not_logs_are_refused(tmp_path: Path, content: bytes) -> None:
    target = tmp_path / "x.db"
    target.write_bytes(content)
    with pytest.raises(NotALogError):
        OpLog.open(target)
    assert target.read_bytes() == content


def test_another_sqlite_database_is_left_untouched(tmp_path: Path) -> None:
    target = tmp_path / "other.db"
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE things (a)")
    conn.commit()
    conn.close()
    before = target.read_bytes()
    with pytest.raises(NotALogError):
        OpLog.open(target, create=True)
    assert target.read_bytes() == before


def test_new_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "private.db"
    with OpLog.open(target, create=True) as log:
        log.append(f.operation())
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        for extra in (tmp_path / "private.db-wal", tmp_path / "private.db-shm"):
            if extra.exists():
                assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0


def test_the_file_is_in_wal_mode(db: Path, raw: sqlite3.Connection) -> None:
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_readonly_open_reads_but_refuses_to_write(db: Path) -> None:
    with OpLog.open(db, readonly=True) as log:
        assert log.verify().ok and len(log) == 8
        with pytest.raises(StorageError) as caught:
            log.append(f.hit("hit-2"))
        assert caught.value.code == "read_only"


def test_a_lock_held_past_the_busy_timeout_is_a_clear_error(db: Path) -> None:
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with OpLog.open(db, busy_timeout=0.2) as log:
            with pytest.raises(LogBusyError):
                log.append(f.hit("hit-2"))
            holder.execute("ROLLBACK")
            assert log.append(f.hit("hit-2")).count == 1
            assert log.verify().ok
    finally:
        holder.close()


# --------------------------------------------------------------------------- tampering


def without_guards(db: Path, sql: str, params: tuple[object, ...] = ()) -> None:
    """Tamper as an attacker with the file would: drop the guards, change, restore them."""
    from anpr_ops._schema import GUARDS

    conn = sqlite3.connect(db)
    for name in GUARDS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(sql, params)
    for create in GUARDS.values():
        conn.execute(create)
    conn.commit()
    conn.close()


def verify(db: Path, checkpoint: Checkpoint | None = None) -> object:
    with OpLog.open(db) as log:
        return log.verify(checkpoint)


def test_an_altered_body_is_caught_at_its_seq(db: Path) -> None:
    without_guards(
        db, "UPDATE events SET body = replace(body, 'vauxhall', 'lambeth') WHERE seq = 3"
    )
    result = verify(db)
    assert not result.ok  # type: ignore[attr-defined]
    assert (result.first_bad_seq, result.problem) == (3, "hash_mismatch")  # type: ignore[attr-defined]
    assert result.checked == 3  # type: ignore[attr-defined]


def test_a_deleted_middle_row_is_caught(db: Path) -> None:
    without_guards(db, "DELETE FROM events WHERE seq = 4")
    result = verify(db)
    assert (result.ok, result.first_bad_seq) == (False, 5)  # type: ignore[attr-defined]


def test_swapped_rows_are_caught(db: Path) -> None:
    without_guards(
        db,
        "UPDATE events SET seq = CASE seq WHEN 2 THEN -2 WHEN 3 THEN -3 END WHERE seq IN (2, 3)",
    )
    without_guards(db, "UPDATE events SET seq = -seq + 1 WHERE seq = -2")  # old 2 -> 3
    without_guards(db, "UPDATE events SET seq = -seq - 1 WHERE seq = -3")  # old 3 -> 2
    result = verify(db)
    assert (result.ok, result.first_bad_seq) == (False, 2)  # type: ignore[attr-defined]


def rebuilt(db: Path) -> None:
    """What a thorough attacker does next: derived tables (the Merkle tiles among them, which
    may still remember what was cut or changed: tests/test_tree.py) rebuilt from the tampered
    events."""
    with OpLog.open(db) as log:
        log.rebuild()


def test_truncation_needs_a_checkpoint_to_be_seen(db: Path) -> None:
    with OpLog.open(db) as log:
        checkpoint = log.checkpoint()
    without_guards(db, "DELETE FROM events WHERE seq > 6")
    # The cut events' personal values left behind are found without a checkpoint...
    assert verify(db).problem == "personal_unexpected"  # type: ignore[attr-defined]
    # ...so a careful truncation takes them too, and leaves derived tables that match.
    without_guards(db, "DELETE FROM personal WHERE seq > 6")
    rebuilt(db)
    assert verify(db).ok  # type: ignore[attr-defined]
    result = verify(db, checkpoint)
    assert (result.ok, result.problem) == (False, "truncated")  # type: ignore[attr-defined]


def test_a_consistent_rewrite_needs_a_checkpoint_to_be_seen(db: Path) -> None:
    """Recompute every hash after changing an event: the chain holds, the checkpoint does not."""
    import hashlib
    import json

    with OpLog.open(db) as log:
        checkpoint = log.checkpoint()
    conn = sqlite3.connect(db)
    bodies = [r[0] for r in conn.execute("SELECT body FROM events ORDER BY seq")]
    conn.close()
    forged = json.loads(bodies[1])
    forged["hotlist"] = "force"
    bodies[1] = json.dumps(forged, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    prev = GENESIS_HASH
    for seq, body in enumerate(bodies, start=1):
        digest = hashlib.sha256(bytes.fromhex(prev) + body.encode()).hexdigest()
        without_guards(
            db, "UPDATE events SET body = ?, hash = ? WHERE seq = ?", (body, digest, seq)
        )
        prev = digest
    rebuilt(db)
    assert verify(db).ok  # type: ignore[attr-defined]
    result = verify(db, checkpoint)
    assert (result.ok, result.problem) == (False, "rewritten")  # type: ignore[attr-defined]


def test_checkpoint_of_another_log_is_refused(db: Path, tmp_path: Path) -> None:
    with OpLog.open(tmp_path / "other.db", create=True) as other:
        other.extend([*f.chain(), f.patrol(), f.sweep()])
        checkpoint = other.checkpoint()
    result = verify(db, checkpoint)
    assert (result.ok, result.problem) == (False, "checkpoint_other_log")  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- stdlib verifier

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, runpy, sys
    BLOCKED = ("pydantic", "pydantic_core", "attrs", "attr", "sqlite_utils", "click", "hypothesis")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is not available here")
            return None

    sys.meta_path.insert(0, Block())
    sys.path.insert(0, sys.argv.pop(1))
    sys.argv[0] = "anpr_ops.verify"
    try:
        runpy.run_module("anpr_ops.verify", run_name="__main__", alter_sys=True)
    finally:
        outside = sorted(
            m for m in sys.modules
            if m.split(".")[0] not in sys.stdlib_module_names
            and m.split(".")[0] not in ("anpr_ops", "__main__")
        )
        print("non-stdlib modules:", outside, file=sys.stderr)
    """
)


def run_stdlib_verifier(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # -I -S: no environment, no site-packages at all; the blocker makes sure of it.
        [sys.executable, "-I", "-S", "-c", BLOCKER, str(ROOT), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_stdlib_verifier_needs_nothing_outside_the_standard_library(db: Path) -> None:
    done = run_stdlib_verifier(str(db))
    assert done.returncode == 0, done.stderr
    assert "chain holds: 8 events checked" in done.stdout
    assert "guards: intact" in done.stdout
    assert "non-stdlib modules: []" in done.stderr


def test_stdlib_verifier_agrees_on_a_tampered_file_and_a_checkpoint(
    db: Path, tmp_path: Path
) -> None:
    with OpLog.open(db) as log:
        checkpoint_file = tmp_path / "day.checkpoint"
        checkpoint_file.write_text(log.checkpoint().to_text())
    assert run_stdlib_verifier(str(db), "--checkpoint", str(checkpoint_file)).returncode == 0
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    without_guards(copy, "DELETE FROM events WHERE seq > 5")
    without_guards(copy, "DELETE FROM personal WHERE seq > 5")
    done = run_stdlib_verifier(str(copy), "--checkpoint", str(checkpoint_file))
    assert done.returncode == 1
    assert "events were removed from the end" in done.stdout
    assert run_stdlib_verifier(str(tmp_path / "absent.db")).returncode == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE operations SET name = 'Forged'",
        "DELETE FROM sites WHERE site_id = 'blackfriars'",
        "UPDATE sites SET name = 'Elsewhere' WHERE site_id = 'vauxhall'",
        "INSERT INTO offence_definitions (code, seq, title, category) "
        "VALUES ('XX99999', 2, 'Forged', 'violence')",
        "UPDATE operations SET timezone = 'Asia/Kolkata'",
    ],
)
def test_edited_derived_tables_are_found_by_the_full_verify_and_repaired_by_rebuild(
    db: Path, raw: sqlite3.Connection, sql: str
) -> None:
    raw.execute(sql)
    raw.commit()
    with OpLog.open(db) as log:
        assert log.verify(quick=True).ok  # the chain covers the events, not derived state
        full = log.verify()
        assert (full.ok, full.problem) == (False, "derived_mismatch")
        log.rebuild()
        assert log.verify().ok


def test_two_handles_on_one_file_see_each_others_appends(tmp_path: Path) -> None:
    """Each append starts from what is committed, whoever committed it."""
    path = tmp_path / "shared.db"
    with OpLog.open(path, create=True) as one, OpLog.open(path) as two:
        one.append(f.operation())
        two.append(f.hit("hit-a"))  # two learns of the operation written by one
        one.append(f.hit("hit-b"))  # one's idea of the head must be two's event
        two.append(f.operation("later-op", sites=("brixton",)))
        one.append(f.hit("hit-c", op_id="later-op", site="brixton"))  # an op one never saw
        with pytest.raises(BrokenReferenceError):
            two.append(f.hit("hit-d", site="not-a-site"))
        assert one.verify().ok and two.verify().ok
        assert len(one) == len(two) == 5


def test_a_site_added_by_another_handle_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with OpLog.open(path, create=True) as one, OpLog.open(path) as two:
        one.extend([f.operation(), f.hit()])
        two.append(f.correction(f"{f.OP}-open", replacement=f.operation(sites=(*SITES, "lambeth"))))
        assert one.append(f.hit("hit-2", site="lambeth")).count == 1


def test_an_insert_dropped_by_a_trigger_added_after_opening_is_not_reported_stored(
    db: Path,
) -> None:
    """A trigger created while the log is open (so the schema check on opening did not see
    it) that silently drops inserts must not let an append report success."""
    with OpLog.open(db) as log:
        head = log.head()
        other = sqlite3.connect(db)
        other.execute(
            'CREATE TRIGGER "EVENTS_swallow" BEFORE INSERT ON "Events" '
            "BEGIN SELECT RAISE(IGNORE); END"
        )
        other.commit()
        other.close()
        with pytest.raises(StorageError) as caught:
            log.append(f.hit("hit-9"))
        assert caught.value.code == "not_stored"
        assert log.head() == head
    with pytest.raises(GuardsMissingError):
        OpLog.open(db)  # and the next opening refuses the file
