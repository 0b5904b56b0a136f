"""Migrating version-1 logs: what is refused (and leaves nothing behind), what is proved.

The fixture's own migration is in tests/test_versions.py; here version-1 files are written by
tests/harness/v1.py, from generated operations or from bodies no version would write, and
damaged as someone with write access to the file could.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import AnprOpsError, OpLog, _v1, canonical_dict
from anpr_ops import verify as stdlib_verify
from anpr_ops._canonical import GENESIS_HASH, canonical_text
from anpr_ops._schema import ACCESS_GUARDS
from anpr_ops.chain import chain_hash
from anpr_ops.errors import AccessRefusedError, CheckpointError, MigrationError, NotALogError
from anpr_ops.store import migrate
from anpr_ops.store._record import full_object
from anpr_ops.strategies import operation_batches
from tests import factory as f
from tests.harness.rich import rich_events
from tests.harness.v1 import (
    body_of,
    checkpoint_text,
    hashes,
    tamper,
    write_v1,
    write_v1_bodies,
)
from tests.reference import reference_report
from tests.support import raw

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def old(tmp_path: Path) -> Path:
    """A version-1 log of the rich events (every kind, corrections, definitions), alone in
    its folder."""
    folder = tmp_path / "old"
    folder.mkdir()
    path = folder / "old.db"
    write_v1(path, rich_events(), log_id="0123456789abcdef0123456789abcdef")
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def refused(old: Path, new: Path, **kwargs: Any) -> MigrationError:
    """The migration's refusal; checks that it left no new file, nothing half-made beside it,
    and the old file as it was."""
    content = old.read_bytes()
    before = leftovers(new.parent)
    with pytest.raises(MigrationError) as caught:
        migrate(old, new, **kwargs)
    assert not new.exists()
    assert leftovers(new.parent) == before
    assert old.read_bytes() == content
    return caught.value


# --------------------------------------------------------------------------- refusals

TAMPERS = {
    "a body edited": (
        "UPDATE events SET body = replace(body, 'Smell of cannabis', 'Smell of nothing') "
        "WHERE seq = 10",
        10,
    ),
    "a hash edited": (
        "UPDATE events SET hash = CASE WHEN hash LIKE 'a%' THEN 'b' ELSE 'a' END "
        "|| substr(hash, 2) WHERE seq = 7",
        7,
    ),
    "a prev_hash edited": ("UPDATE events SET prev_hash = '" + "0" * 64 + "' WHERE seq = 3", 3),
    "an event_id column edited": ("UPDATE events SET event_id = 'hit-9' WHERE seq = 4", 4),
    "a row removed": ("DELETE FROM events WHERE seq = 20", 21),
    "a row added that does not link": (
        "INSERT INTO events (seq, event_id, body, prev_hash, hash) SELECT seq + 1, 'x', body, "
        "hash, hash FROM events WHERE seq = (SELECT max(seq) FROM events)",
        len(rich_events()) + 1,
    ),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_a_tampered_v1_log_is_refused_and_leaves_nothing(
    old: Path, tmp_path: Path, name: str
) -> None:
    sql, seq = TAMPERS[name]
    tamper(old, sql)
    error = refused(old, tmp_path / "new.db")
    assert (error.code, error.seq) == ("old_log_broken", seq)


def test_a_v1_log_without_its_guards_is_refused(old: Path, tmp_path: Path) -> None:
    tamper(old, "SELECT 1", keep_guards=False)
    error = refused(old, tmp_path / "new.db")
    assert error.code == "old_log_broken"
    assert "guards" in error.message


def test_a_cut_tail_or_a_consistent_rewrite_is_refused_against_the_checkpoint(
    old: Path, tmp_path: Path
) -> None:
    """What the chain alone cannot see, the old checkpoint does: the migration of a rewritten
    or shortened log goes ahead without it, and is refused with it."""
    seq, head_hash = len(rich_events()), hashes(old)[-1]
    checkpoint = checkpoint_text("0123456789abcdef0123456789abcdef", seq, head_hash)
    bodies = [body_of(e) for e in rich_events()]
    forged = [b.replace("Smell of cannabis", "Smell of nothing") for b in bodies]
    for case, rewritten in (("rewritten", forged), ("truncated", bodies[:-1])):
        copy = tmp_path / f"{case}.db"
        write_v1_bodies(copy, rewritten, log_id="0123456789abcdef0123456789abcdef")
        error = refused(copy, tmp_path / "new.db", checkpoint=checkpoint)
        assert (error.code, error.seq) == ("old_log_broken", seq)
        migrate(copy, tmp_path / f"{case}-unchecked.db")  # the limit: no checkpoint, no proof
    other = checkpoint_text("fedcba9876543210fedcba9876543210", seq, head_hash)
    assert refused(old, tmp_path / "new.db", checkpoint=other).code == "old_log_broken"


def test_a_checkpoint_that_is_not_one_is_refused(old: Path, tmp_path: Path) -> None:
    text = checkpoint_text("0123456789abcdef0123456789abcdef", 3, "a" * 64)
    with pytest.raises(CheckpointError):
        migrate(old, tmp_path / "new.db", checkpoint=text.replace("seq: 3", "seq: 4"))
    assert not (tmp_path / "new.db").exists()


def test_an_old_body_this_version_would_write_otherwise_is_refused(tmp_path: Path) -> None:
    """A body out of canonical form, under a chain that holds: the new log could not prove
    it came from the old one, so nothing is migrated."""
    bodies = [body_of(e) for e in rich_events()]
    keys = list(json.loads(bodies[11]).items())
    bodies[11] = json.dumps(dict(reversed(keys)), ensure_ascii=False, separators=(",", ":"))
    path = tmp_path / "old.db"
    write_v1_bodies(path, bodies)
    error = refused(path, tmp_path / "new.db")
    assert (error.code, error.seq) == ("not_canonical", 12)
    assert error.event_id == json.loads(bodies[11])["event_id"]


def test_an_old_event_this_version_refuses_after_some_batches_leaves_nothing(
    tmp_path: Path,
) -> None:
    """The migration is all or nothing, though it appends in batches."""
    events = rich_events()
    stray = f.stop("stop-stray", hit_id="hit-missing") | {"occurred_at": "2020-04-18T11:00:00Z"}
    bodies = [*(body_of(e) for e in events), body_of(stray)]
    path = tmp_path / "old.db"
    write_v1_bodies(path, bodies)
    error = refused(path, tmp_path / "new.db", batch_size=10)
    assert (error.code, error.seq, error.event_id) == ("event_refused", len(bodies), "stop-stray")
    assert isinstance(error.__cause__, AnprOpsError)
    assert error.__cause__.code == "broken_reference"


def test_an_old_file_that_changes_while_it_is_read_is_refused(
    old: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _v1.pages

    def touched(conn: sqlite3.Connection, size: int) -> Iterator[list[tuple[int, str, str]]]:
        for page in pages(conn, size):
            stat = old.stat()
            os.utime(old, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
            yield page

    monkeypatch.setattr(_v1, "pages", touched)
    assert refused(old, tmp_path / "new.db").code == "old_log_changed"


def test_a_migration_needs_an_actor(
    old: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANPR_OPS_ACTOR")
    with pytest.raises(AccessRefusedError) as caught:
        migrate(old, tmp_path / "new.db")
    assert caught.value.code == "actor_required"
    assert not (tmp_path / "new.db").exists()


def test_files_that_are_not_version_1_logs_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, but long enough to be read as one " * 4)
    with pytest.raises(NotALogError):
        migrate(text, tmp_path / "new.db")
    with pytest.raises(AnprOpsError) as missing:
        migrate(tmp_path / "absent.db", tmp_path / "new.db")
    assert missing.value.code == "log_not_found"
    with OpLog.open(tmp_path / "current.db", create=True):
        pass
    with pytest.raises(MigrationError) as current:
        migrate(tmp_path / "current.db", tmp_path / "new.db")
    assert current.value.code == "already_current"
    assert not (tmp_path / "new.db").exists()


def test_an_empty_v1_log_migrates_to_an_empty_log(tmp_path: Path) -> None:
    write_v1(tmp_path / "old.db", [], log_id="0123456789abcdef0123456789abcdef")
    result = migrate(tmp_path / "old.db", tmp_path / "new.db")
    assert (result.events, result.old_head_hash) == (0, GENESIS_HASH)
    with OpLog.open(result.path) as log:
        assert len(log) == 0 and log.verify().ok
        entry = json.loads(raw(log).execute("SELECT body FROM access_log").fetchone()[0])
        assert entry["counts"] == {"events": 0} and "events" not in entry
    old = _v1.Head("0123456789abcdef0123456789abcdef", 0, GENESIS_HASH)
    assert stdlib_verify.main([str(result.path)]) == 0
    conn = sqlite3.connect(result.path)
    try:
        assert _v1.descent(conn, old).ok
    finally:
        conn.close()


# --------------------------------------------------------------------------- descent


@pytest.fixture
def migrated(old: Path, tmp_path: Path) -> Path:
    return migrate(old, tmp_path / "new.db").path


def test_the_new_log_descends_from_every_point_of_the_old_chain(old: Path, migrated: Path) -> None:
    """At every seq of the old chain, the new log's events recompute the old hash; any other
    hash there, another log's id, or a point past the migration is refused."""
    log_id = "0123456789abcdef0123456789abcdef"
    conn = sqlite3.connect(migrated)
    try:
        for seq, old_hash in enumerate(hashes(old)):
            assert _v1.descent(conn, _v1.Head(log_id, seq, old_hash)).ok
            wrong = _v1.descent(conn, _v1.Head(log_id, seq, "e" * 64))
            assert (wrong.ok, wrong.problem) == (False, "other_head")
        assert _v1.descent(conn, _v1.Head("f" * 32, 3, hashes(old)[3])).problem == "other_log"
        past = _v1.descent(conn, _v1.Head(log_id, len(hashes(old)), "e" * 64))
        assert past.problem == "after_migration"
    finally:
        conn.close()


def test_a_forged_migration_record_is_found_by_the_full_verification(migrated: Path) -> None:
    """The access record has its own chain, which a forger can recompute; the events, which
    checkpoints cover, still recompute the true old head, so the full verification finds the
    record false."""
    conn = sqlite3.connect(migrated)
    try:
        (body,) = conn.execute("SELECT body FROM access_log WHERE seq = 1").fetchone()
        entry = json.loads(body)
        entry["detail"]["old_head_hash"] = "e" * 64
        forged = canonical_text(entry)
        conn.execute("DROP TRIGGER access_log_no_update")
        conn.execute(
            "UPDATE access_log SET body = ?, hash = ? WHERE seq = 1",
            (forged, chain_hash(GENESIS_HASH, forged.encode("utf-8"))),
        )
        conn.execute(ACCESS_GUARDS["access_log_no_update"])
        conn.commit()
    finally:
        conn.close()
    with OpLog.open(migrated) as log:
        assert log.verify(quick=True).ok
        full = log.verify()
        assert (full.ok, full.problem) == (False, "origin_mismatch")
    assert stdlib_verify.main([str(migrated)]) == 1


def test_the_standalone_verifier_checks_descent_from_an_old_checkpoint(
    old: Path, migrated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_id = "0123456789abcdef0123456789abcdef"
    chain = hashes(old)
    cases = {
        "earlier.checkpoint": (checkpoint_text(log_id, 20, chain[20]), 0),
        "kaiser.checkpoint": (
            checkpoint_text(log_id, 30, chain[30], scope="op:kaiser-2020-04-18", events=KAISER_30),
            0,
        ),
        "wrong.checkpoint": (checkpoint_text(log_id, 20, chain[21]), 1),
        "other.checkpoint": (checkpoint_text("f" * 32, 20, chain[20]), 1),
    }
    for name, (text, status) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert (
            stdlib_verify.main([str(migrated), "--migrated-from", str(tmp_path / name)]) == status
        )
    out = capsys.readouterr().out
    assert "descends from version-1 log 0123456789abcdef0123456789abcdef at its seq 20" in out
    assert "does not descend from version-1 log ffff" in out


KAISER_30 = sum(1 for e in rich_events()[:30] if e["op_id"] == "kaiser-2020-04-18")


def test_a_log_not_migrated_does_not_descend_from_anything(
    old: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with OpLog.open(tmp_path / "fresh.db", create=True) as log:
        log.extend(rich_events())
    assert stdlib_verify.main([str(tmp_path / "fresh.db"), "--migrated-from", str(old)]) == 1
    out = capsys.readouterr().out
    assert "origin:" not in out and "does not descend" in out


def test_the_standalone_verifier_finds_a_tampered_v1_log(
    old: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stdlib_verify.main([str(old)]) == 0
    tamper(old, TAMPERS["a body edited"][0])
    assert stdlib_verify.main([str(old)]) == 1
    assert "version 1 log: chain broken at seq 10" in capsys.readouterr().out
    tamper(old, "SELECT 1", keep_guards=False)
    assert stdlib_verify.main([str(old)]) == 1
    assert "guards: trigger events_no_delete is missing" in capsys.readouterr().out


def test_erased_values_end_the_recomputation_but_not_the_recorded_head(
    old: Path, migrated: Path
) -> None:
    """Once personal values are erased, the old bodies from there on cannot be rebuilt: the
    old chain is recomputed up to there, and the recorded head is compared as recorded."""
    log_id = "0123456789abcdef0123456789abcdef"
    chain = hashes(old)
    conn = sqlite3.connect(migrated)
    try:
        conn.execute("DELETE FROM personal WHERE seq = 10")
        before = _v1.descent(conn, _v1.Head(log_id, 9, chain[9]))
        assert before.ok and before.recomputed == 9
        head = _v1.descent(conn, _v1.Head(log_id, len(chain) - 1, chain[-1]))
        assert head.ok and "erased" in head.summary()
        beyond = _v1.descent(conn, _v1.Head(log_id, 20, chain[20]))
        assert (beyond.ok, beyond.problem) == (False, "cannot_recompute")
    finally:
        conn.rollback()
        conn.close()


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(batch=operation_batches(), size=st.integers(min_value=1, max_value=40))
def test_any_v1_log_migrates_to_the_same_events_and_figures(batch: list[Any], size: int) -> None:
    """Whatever version 1 held, the migrated log reads it back and reports it as a fresh log
    of the same events does, in batches of any size, and descends from the old head."""
    with tempfile.TemporaryDirectory() as folder:
        old, new = Path(folder) / "old.db", Path(folder) / "new.db"
        log_id = write_v1(old, batch)
        result = migrate(old, new, batch_size=size)
        assert (result.events, result.old_head_hash) == (len(batch), hashes(old)[-1])
        with OpLog.open(new) as log, OpLog.memory() as fresh:
            fresh.extend(batch)
            assert log.verify().ok and result.old_log_id == log_id
            stored = [
                canonical_text(canonical_dict(e))
                for e in log.events(corrected=False, personal=True)
            ]
            assert stored == [body_of(e) for e in batch]
            assert log.report("op").to_dict() == reference_report(fresh, "op")


@SETTINGS
@given(batch=operation_batches())
def test_an_old_body_is_the_mappers_full_object(batch: list[Any]) -> None:
    """The standard-library rebuild of an event's version-1 body from its stored row is the
    canonical text of the one mapper's full object, and of the event itself."""
    with OpLog.memory() as log:
        log.extend(batch)
        rows = (
            raw(log)
            .execute(
                'SELECT e.body, p."values" FROM events e LEFT JOIN personal p ON p.seq = e.seq '
                "ORDER BY e.seq"
            )
            .fetchall()
        )
    for (body, values), event in zip(rows, batch, strict=True):
        assert _v1.old_body(body, values) == canonical_text(full_object(body, values))
        assert _v1.old_body(body, values) == body_of(event)
        if "personal" in json.loads(body):
            assert _v1.old_body(body, None) is None


def test_the_v1_reader_reads_checkpoints_as_version_1_wrote_them() -> None:
    text = (FIXTURES / "log-v1.checkpoint").read_text(encoding="utf-8")
    cp = _v1.read_checkpoint(text)
    assert (cp.log_id, cp.seq, cp.events, cp.scope) == (
        "b79d2cc4aa444184a95b58dfbbd98f3d",
        51,
        51,
        "log",
    )
    assert cp.head_hash == "53e8eb70163eb3efdd6fa586f3bf01aeca6c7e595dfff5ad5c360dc27d6dfc0f"
    for broken in (
        text.replace("seq: 51", "seq: 50"),
        text.replace("anpr-ops checkpoint 1", "anpr-ops checkpoint 2"),
        text.replace("scope: log\n", ""),
        text + "extra: 1\n",
    ):
        with pytest.raises(CheckpointError):
            _v1.read_checkpoint(broken)


def test_the_v1_fixture_copy_is_untouched_by_the_reader(tmp_path: Path) -> None:
    """Reading a version-1 file makes no file beside it (it is opened immutable)."""
    copy = tmp_path / "log-v1.db"
    shutil.copyfile(FIXTURES / "log-v1.db", copy)
    conn = _v1.connect(copy)
    try:
        assert _v1.check(conn) == "b79d2cc4aa444184a95b58dfbbd98f3d"
        assert _v1.verify(conn).ok and _v1.guard_problems(conn) == []
    finally:
        conn.close()
    assert leftovers(tmp_path) == ["log-v1.db"]
