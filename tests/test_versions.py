"""Guarantee 8: files outlive the version that wrote them.

``tests/fixtures/log-v1.db`` was written by anpr_ops 0.1.0 (schema version 1) from
``log-v1.jsonl``, with ``log-v1.checkpoint`` taken right after; ``make_log_v1.py`` shows how.
Every future version must open it, verify it (also against that checkpoint) and read back
exactly those events. A change of the storage format therefore ships a migration or an
upcaster together with a new fixture, and these tests keep passing on the old one (see
"Versions and migrations" in docs/log.md). The fixture itself is never regenerated.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from anpr_ops import Checkpoint, OpLog, canonical_dict, parse_event
from anpr_ops import verify as stdlib_verify
from anpr_ops._canonical import canonical_text
from anpr_ops._schema import SCHEMA_VERSION
from anpr_ops.errors import SchemaVersionError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
V1 = FIXTURES / "log-v1.db"
# The fixture's identity: if this changes, someone rewrote a file from the past.
V1_SHA256 = "f10cab7f1730e067bcce0bf7938b22a12be059ec076e6284e70917599a941875"


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    """A copy of the v1 fixture (opening may migrate a file; the fixture must not change)."""
    copy = tmp_path / "log-v1.db"
    shutil.copyfile(V1, copy)
    return copy


def source() -> list[dict[str, object]]:
    lines = (FIXTURES / "log-v1.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_the_fixture_is_the_one_written_by_version_1() -> None:
    assert hashlib.sha256(V1.read_bytes()).hexdigest() == V1_SHA256
    conn = sqlite3.connect(f"file:{V1}?mode=ro&immutable=1", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        assert conn.execute("PRAGMA application_id").fetchone() == (0x414E5052,)
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (len(source()),)
    finally:
        conn.close()
    assert not Path(f"{V1}-wal").exists(), "the fixture must be a complete file, no WAL"


def test_a_v1_log_opens_verifies_and_reads_back_its_events(v1: Path) -> None:
    events = source()
    checkpoint = Checkpoint.from_text((FIXTURES / "log-v1.checkpoint").read_text("utf-8"))
    with OpLog.open(v1) as log:
        result = log.verify()
        assert result.ok and result.checked == len(events)
        assert log.verify(checkpoint).ok
        assert log.verify(projections=True).ok
        stored = [canonical_text(canonical_dict(e)) for e in log.events(corrected=False)]
        assert stored == [canonical_text(canonical_dict(parse_event(e))) for e in events]
        current = {e.event_id: e for e in log.events()}
    # The corrected view, from the source file by hand: replacements win, retractions go.
    expected: dict[str, object] = {}
    for event in events:
        if event["kind"] != "correction":
            expected[str(event["event_id"])] = parse_event(event)
        elif event.get("retract"):
            del expected[str(event["target_id"])]
        else:
            expected[str(event["target_id"])] = parse_event(event["replacement"])  # type: ignore[arg-type]
    assert current == expected


def test_the_stored_bytes_of_a_v1_log_are_still_canonical(v1: Path) -> None:
    """Each stored body is what this version would write for the same event, so hashes made
    by version 1 and by this version agree. If a change breaks this, it changes the format:
    ship an upcaster that reads the old bytes, and keep the old bytes as they are."""
    conn = sqlite3.connect(v1)
    try:
        bodies = [body for (body,) in conn.execute("SELECT body FROM events ORDER BY seq")]
    finally:
        conn.close()
    for body in bodies:
        assert canonical_text(canonical_dict(parse_event(body))) == body


def test_a_v1_log_takes_new_events(v1: Path) -> None:
    with OpLog.open(v1) as log:
        before = len(log)
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
        assert len(log) == before + 1 and log.verify(projections=True).ok


def test_the_standalone_verifier_reads_a_v1_log(v1: Path) -> None:
    checkpoint = str(FIXTURES / "log-v1.checkpoint")
    assert stdlib_verify.main([str(v1), "--checkpoint", checkpoint]) == 0


def test_a_log_from_a_newer_version_is_refused_and_left_alone(v1: Path) -> None:
    conn = sqlite3.connect(v1)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    content = v1.read_bytes()
    with pytest.raises(SchemaVersionError):
        OpLog.open(v1)
    with pytest.raises(SchemaVersionError):
        OpLog.open(v1, readonly=True)
    assert stdlib_verify.main([str(v1)]) == 2
    assert v1.read_bytes() == content
