"""Guarantee 8: files outlive the version that wrote them.

``tests/fixtures/log-v1.db`` was written by anpr_ops 0.1.0 (storage format 1) from
``log-v1.jsonl``, with ``log-v1.checkpoint`` taken right after; ``tests/fixtures/log-v2.db``
was written by storage format 2 from ``log-v2.jsonl``, with ``log-v2.checkpoint``
(``tests/fixtures/README.md`` says how). Neither is ever regenerated once released. A
version-1 log is migrated (``anpr-ops migrate``): the new log must verify, read back exactly
the old events, report the same figures, name the old log and its head in its first access
record entry, and take new events; the old file must be left byte for byte as it was. A
version-2 log is opened as it is. Every later version keeps these tests passing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import Checkpoint, OpLog, _v1, canonical_dict, parse_event
from anpr_ops import verify as stdlib_verify
from anpr_ops._canonical import canonical_text
from anpr_ops._schema import SCHEMA_VERSION
from anpr_ops.cli import main as cli_main
from anpr_ops.errors import MigrationError, SchemaVersionError
from anpr_ops.store import MigrationResult, migrate
from tests.reference import reference_report
from tests.support import raw
from tests.test_log_storage import run_stdlib_verifier

FIXTURES = Path(__file__).resolve().parent / "fixtures"
V1 = FIXTURES / "log-v1.db"
V2 = FIXTURES / "log-v2.db"
# The fixtures' identity: if one changes, someone rewrote a file from the past.
V1_SHA256 = "f10cab7f1730e067bcce0bf7938b22a12be059ec076e6284e70917599a941875"
V2_SHA256 = "3d9f074a8760aabaa4cfabd23ee20a64f831381c30efa6c720fb6d98770d827e"
OPS = ("msc-day-2020-04-18", "kaiser-2020-04-18", "kaiser-east-2020-04-18")


def source(version: int) -> list[dict[str, Any]]:
    lines = (FIXTURES / f"log-v{version}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def checkpoint_text(version: int) -> str:
    return (FIXTURES / f"log-v{version}.checkpoint").read_text(encoding="utf-8")


def canonical(event: Any) -> str:
    return canonical_text(canonical_dict(parse_event(event)))


def corrected_by_hand(events: list[dict[str, Any]]) -> dict[str, object]:
    """The corrected view of a source file: replacements win, retractions go."""
    expected: dict[str, object] = {}
    for event in events:
        if event["kind"] != "correction":
            expected[str(event["event_id"])] = parse_event(event)
        elif event.get("retract"):
            del expected[str(event["target_id"])]
        else:
            expected[str(event["target_id"])] = parse_event(event["replacement"])
    return expected


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    """A copy of the v1 fixture, alone in its folder (the fixture itself is never used)."""
    folder = tmp_path / "old"
    folder.mkdir()
    copy = folder / "log-v1.db"
    shutil.copyfile(V1, copy)
    return copy


@pytest.fixture
def migrated(v1: Path, tmp_path: Path) -> Iterator[tuple[MigrationResult, OpLog]]:
    """The v1 fixture's copy migrated (verified against its checkpoint), and the new log."""
    result = migrate(v1, tmp_path / "log.db", checkpoint=checkpoint_text(1), actor="PC 1234")
    with OpLog.open(result.path) as log:
        yield result, log


# --------------------------------------------------------------------------- version 1


def test_the_v1_fixture_is_the_one_written_by_version_1() -> None:
    assert hashlib.sha256(V1.read_bytes()).hexdigest() == V1_SHA256
    conn = sqlite3.connect(f"file:{V1}?mode=ro&immutable=1", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        assert conn.execute("PRAGMA application_id").fetchone() == (0x414E5052,)
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (len(source(1)),)
    finally:
        conn.close()
    assert not Path(f"{V1}-wal").exists(), "the fixture must be a complete file, no WAL"


def test_the_stored_bytes_of_a_v1_log_are_what_this_version_writes(v1: Path) -> None:
    """Each old body is the canonical text this version gives the same event, personal values
    included: what lets a migrated log recompute the old chain. If a change breaks this, the
    migration refuses the old events (``not_canonical``) and must learn to read them."""
    conn = sqlite3.connect(f"file:{v1}?mode=ro&immutable=1", uri=True)
    try:
        bodies = [body for (body,) in conn.execute("SELECT body FROM events ORDER BY seq")]
    finally:
        conn.close()
    assert bodies == [canonical(event) for event in source(1)]


def test_a_v1_log_is_not_opened_and_points_at_migrate(v1: Path) -> None:
    content = v1.read_bytes()
    for readonly in (False, True):
        with pytest.raises(SchemaVersionError) as caught:
            OpLog.open(v1, readonly=readonly)
        assert caught.value.code == "schema_too_old"
        assert "anpr-ops migrate" in caught.value.message
    assert v1.read_bytes() == content


def test_a_v1_log_migrates_and_the_new_log_verifies(
    v1: Path, migrated: tuple[MigrationResult, OpLog]
) -> None:
    result, log = migrated
    old = _v1.read_checkpoint(checkpoint_text(1))
    assert (result.events, result.old_head_seq, result.old_head_hash) == (51, 51, old.head_hash)
    assert (result.old_log_id, result.old_schema_version) == (old.log_id, 1)
    assert result.checkpoint_checked
    assert log.schema_version == SCHEMA_VERSION == 2
    assert (result.log_id, (result.head_seq, result.head_hash)) == (log.log_id, log.head())
    assert log.log_id != old.log_id
    full = log.verify()
    assert full.ok and full.checked == 51 and full.not_checked == ()
    assert full.personal_checked > 0 and full.access_checked == 1
    # The old file is byte for byte as it was, and nothing appeared beside it.
    assert hashlib.sha256(v1.read_bytes()).hexdigest() == V1_SHA256
    assert sorted(p.name for p in v1.parent.iterdir()) == ["log-v1.db"]
    assert [p.name for p in result.path.parent.iterdir() if ".migrating" in p.name] == []


def test_the_migrated_log_reads_back_the_v1_events(migrated: tuple[MigrationResult, OpLog]) -> None:
    _, log = migrated
    events = source(1)
    stored = list(log.events(corrected=False, personal=True))
    assert [(e.event_id, e.kind) for e in stored] == [(e["event_id"], e["kind"]) for e in events]
    assert [canonical(e) for e in stored] == [canonical(e) for e in events]
    current = {e.event_id: e for e in log.events(personal=True)}
    assert current == corrected_by_hand(events)


@pytest.mark.parametrize("op_id", OPS)
@pytest.mark.parametrize("include_children", [True, False])
def test_the_migrated_log_reports_what_the_v1_log_did(
    migrated: tuple[MigrationResult, OpLog], op_id: str, include_children: bool
) -> None:
    """Figures from the plain-Python fold over the source file, appended afresh."""
    _, log = migrated
    with OpLog.memory() as fresh:
        fresh.extend(source(1))
        expected = reference_report(fresh, op_id, include_children=include_children)
    assert log.report(op_id, include_children=include_children).to_dict() == expected


def test_the_migrated_log_reports_the_figures_counted_by_hand(
    migrated: tuple[MigrationResult, OpLog],
) -> None:
    """Op Kaiser with its east child, counted from log-v1.jsonl by hand: out-2 became a
    caution, patrol-4 was retracted, P-1, D-2, W-1 and W-2 were arrested."""
    _, log = migrated
    totals = log.report("kaiser-2020-04-18").to_dict()["totals"]
    assert {key: totals[key] for key in HAND_COUNTED} == HAND_COUNTED
    disposals = log.report("kaiser-2020-04-18").to_dict()["disposals"]
    assert {k: v for k, v in disposals.items() if v} == {
        "arrest": 4,
        "caution": 1,
        "traffic_offence_report": 1,
        "no_further_action": 1,
    }


HAND_COUNTED = {
    "anpr_hits": 4,
    "vehicle_stops": 4,
    "hit_led_stops": 4,
    "searches": 5,
    "arrests": 4,
    "people_arrested": 4,
    "offences": 7,
    "seizures": 7,
    "weapon_sweeps": 4,
    "arrest_enquiries": 4,
    "wanted_located": 2,
    "wanted_arrested": 2,
    "high_harm_arrested": 1,
    "corrections": 4,
}


def test_the_first_access_record_entry_names_the_old_log_and_head(
    migrated: tuple[MigrationResult, OpLog],
) -> None:
    _, log = migrated
    old = _v1.read_checkpoint(checkpoint_text(1))
    conn = raw(log)
    (body,) = conn.execute("SELECT body FROM access_log WHERE seq = 1").fetchone()
    entry = json.loads(body)
    assert entry["action"] == "migrate" and entry["actor"] == "PC 1234"
    assert entry["detail"] == {
        "old_log_id": old.log_id,
        "old_schema_version": 1,
        "old_head_seq": old.seq,
        "old_head_hash": old.head_hash,
    }
    assert entry["counts"] == {"events": 51} and entry["events"] == [[1, 51]]
    meta = dict(conn.execute("SELECT key, value FROM anpr_ops_meta").fetchall())
    assert meta["migrated_from"] == old.log_id and meta["schema_version"] == "2"


def test_the_migrated_log_takes_new_events(migrated: tuple[MigrationResult, OpLog]) -> None:
    _, log = migrated
    log.append(
        {
            "kind": "patrol",
            "event_id": "patrol-later",
            "op_id": "kaiser-2020-04-18",
            "occurred_at": "2020-04-18T19:00:00+01:00",
            "ends_at": "2020-04-18T20:00:00+01:00",
            "location": "Albert Embankment",
        }
    )
    assert len(log) == 52 and log.verify().ok
    assert log.report("kaiser-2020-04-18").to_dict()["totals"]["patrols"] == 5


def test_migrating_into_an_existing_file_is_refused(
    v1: Path, migrated: tuple[MigrationResult, OpLog]
) -> None:
    result, _ = migrated
    before = result.path.read_bytes()
    with pytest.raises(MigrationError) as again:
        migrate(v1, result.path)
    assert again.value.code == "target_exists"
    with pytest.raises(MigrationError) as onto_itself:
        migrate(v1, v1)
    assert onto_itself.value.code == "same_file"
    with pytest.raises(MigrationError) as current:
        migrate(result.path, result.path.with_name("again.db"))
    assert current.value.code == "already_current"
    assert result.path.read_bytes() == before
    assert not result.path.with_name("again.db").exists()
    assert hashlib.sha256(v1.read_bytes()).hexdigest() == V1_SHA256


def test_the_command_line_migrates_and_refuses_an_existing_file(
    v1: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "cli.db"
    cp = FIXTURES / "log-v1.checkpoint"
    args = ["migrate", str(v1), str(new), "--checkpoint", str(cp), "--as", "PC 1"]
    assert cli_main(args) == 0
    out = capsys.readouterr().out
    assert "migrated 51 events" in out
    assert _v1.read_checkpoint(checkpoint_text(1)).head_hash in out
    with OpLog.open(new) as log:
        assert log.verify().ok and len(log) == 51
    assert cli_main(args) == 1
    assert "exists already" in capsys.readouterr().err


def test_the_standalone_verifier_reads_a_v1_log_and_its_checkpoint(
    v1: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = str(FIXTURES / "log-v1.checkpoint")
    assert stdlib_verify.main([str(v1), "--checkpoint", checkpoint]) == 0
    out = capsys.readouterr().out
    assert "version 1 log: chain holds: 51 events checked" in out
    assert "matches the checkpoint" in out and "guards: intact" in out
    assert sorted(p.name for p in v1.parent.iterdir()) == ["log-v1.db"]
    assert hashlib.sha256(v1.read_bytes()).hexdigest() == V1_SHA256


def test_the_standalone_verifier_needs_only_the_standard_library_for_v1(v1: Path) -> None:
    done = run_stdlib_verifier(str(v1), "--checkpoint", str(FIXTURES / "log-v1.checkpoint"))
    assert done.returncode == 0, done.stderr
    assert "version 1 log: chain holds: 51 events checked" in done.stdout
    assert "non-stdlib modules: []" in done.stderr


def test_the_standalone_verifier_proves_the_descent_of_a_migrated_log(
    v1: Path, migrated: tuple[MigrationResult, OpLog], capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever holds the old file, or only its checkpoint, and the new file can check that the
    new one descends from the old head, with nothing but the standard library."""
    result, _ = migrated
    old_hash = _v1.read_checkpoint(checkpoint_text(1)).head_hash
    for old in (str(FIXTURES / "log-v1.checkpoint"), str(v1)):
        assert stdlib_verify.main([str(result.path), "--migrated-from", old]) == 0
        out = capsys.readouterr().out
        assert f"origin: descends from version-1 log {result.old_log_id} at its seq 51" in out
        assert f"descent: descends from version-1 log {result.old_log_id}" in out
        assert old_hash in out
    done = run_stdlib_verifier(str(result.path), "--migrated-from", str(v1))
    assert done.returncode == 0, done.stderr
    assert "non-stdlib modules: []" in done.stderr


def test_a_log_from_a_newer_version_is_refused_and_left_alone(v1: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(v1)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    content = v1.read_bytes()
    with pytest.raises(SchemaVersionError):
        OpLog.open(v1)
    with pytest.raises(SchemaVersionError):
        OpLog.open(v1, readonly=True)
    with pytest.raises(SchemaVersionError):
        migrate(v1, tmp_path / "new.db")
    assert stdlib_verify.main([str(v1)]) == 2
    assert v1.read_bytes() == content
    assert not (tmp_path / "new.db").exists()


# --------------------------------------------------------------------------- version 2


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    """A copy of the v2 fixture (reads of personal values are recorded in the file)."""
    copy = tmp_path / "log-v2.db"
    shutil.copyfile(V2, copy)
    os.chmod(copy, 0o600)
    return copy


def test_the_v2_fixture_is_the_one_written_by_version_2() -> None:
    assert hashlib.sha256(V2.read_bytes()).hexdigest() == V2_SHA256
    conn = sqlite3.connect(f"file:{V2}?mode=ro&immutable=1", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (len(source(2)),)
    finally:
        conn.close()
    assert not Path(f"{V2}-wal").exists(), "the fixture must be a complete file, no WAL"


def test_a_v2_log_opens_verifies_against_its_checkpoint_and_reads_back(v2: Path) -> None:
    """The test every later version must keep passing on the format-2 fixture."""
    events = source(2)
    checkpoint = Checkpoint.from_text(checkpoint_text(2))
    with OpLog.open(v2) as log:
        result = log.verify(checkpoint)
        assert result.ok and result.checkpoint_checked and result.checked == len(events)
        assert log.verify().ok
        stored = list(log.events(corrected=False, personal=True))
        assert [canonical(e) for e in stored] == [canonical(e) for e in events]
        assert {e.event_id: e for e in log.events(personal=True)} == corrected_by_hand(events)
        with OpLog.memory() as fresh:
            fresh.extend(events)
            for op_id in OPS:
                assert log.report(op_id).to_dict() == reference_report(fresh, op_id)
        log.append(
            {
                "kind": "patrol",
                "event_id": "patrol-later",
                "op_id": "kaiser-2020-04-18",
                "occurred_at": "2020-04-18T19:00:00+01:00",
                "ends_at": "2020-04-18T20:00:00+01:00",
                "location": "Albert Embankment",
            }
        )
        assert log.verify(checkpoint).ok


def test_the_standalone_verifier_reads_the_v2_fixture(v2: Path) -> None:
    done = run_stdlib_verifier(str(v2), "--checkpoint", str(FIXTURES / "log-v2.checkpoint"))
    assert done.returncode == 0, done.stderr
    assert "chain holds: 56 events checked" in done.stdout
    assert "matches the checkpoint" in done.stdout
    assert "origin:" not in done.stdout
