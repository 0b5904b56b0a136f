"""The access record (DPA 2018 s.62) and restriction (s.47(2)): what is recorded and what is
not, masking and lifting, and the record's own chain and checkpoint, checked by both
verifiers."""

from __future__ import annotations

import io
import json
import sqlite3
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from anpr_ops import Checkpoint, OpLog
from anpr_ops import verify as stdlib_verify
from anpr_ops._verifier import _ERASING
from anpr_ops.chain import chain_hash
from anpr_ops.errors import CheckpointError
from anpr_ops.events.personal import RESTRICTED, WITHHELD
from anpr_ops.interop.jsonl import export_jsonl
from anpr_ops.store._access import ERASING
from tests import factory as f
from tests.support import raw


def _day(log: OpLog) -> None:
    log.extend([*f.chain(), f.patrol(officer_id="PC-77")])


def _actions(log: OpLog) -> list[str]:
    return [entry.action for entry in log.access_log()]


# --------------------------------------------------------------------------- what is recorded


def test_reads_without_personal_values_are_not_recorded(log: OpLog) -> None:
    _day(log)
    list(log.events())
    log.get("hit-1")
    log.report(f.OP)
    log.verify()
    log.checkpoint()
    assert log.access_log() == []


def test_every_read_of_personal_values_is_recorded_with_actor_purpose_and_events(
    log: OpLog,
) -> None:
    _day(log)
    list(log.events(f.OP, "outcome", personal=True))
    log.get("search-1", personal=True)
    export_jsonl(log, io.StringIO(), recipient="CPS Thames")
    consult, single, disclose = log.access_log()
    assert (consult.action, consult.actor, consult.purpose) == (
        "consult",
        "pytest",
        "automated tests of anpr_ops",
    )
    assert consult.query is not None and consult.query["kind"] == "outcome"
    assert consult.query["op_id"] == f.OP
    assert consult.events == ((6, 6),)  # the one outcome
    assert single.events == ((4, 4),) and single.query is not None
    assert single.query["event_id"] == "search-1"
    assert disclose.action == "disclose" and disclose.recipient == "CPS Thames"


def test_a_disclosure_names_the_events_disclosed(log: OpLog) -> None:
    """An export of one operation records its events, not those of another operation."""
    _day(log)
    log.extend([f.operation("other-op"), f.hit("other-hit", op_id="other-op")])
    export_jsonl(log, io.StringIO(), "other-op", recipient="DVLA")
    (entry,) = log.access_log()
    assert entry.action == "disclose" and entry.events == ((8, 9),)
    assert entry.query is not None and entry.query["event_ids"] == 2


def test_the_record_lists_erasures_restrictions_retention_and_policy(log: OpLog) -> None:
    _day(log)
    log.restrict(event_ids=["hit-1"], reason="evidence")
    log.unrestrict(event_ids=["hit-1"], reason="case closed")
    log.set_retention_policy({"kinds": {"patrol": {"erase_after_days": 30}}})
    log.apply_retention()
    log.erase(subject_ref="P-1", reason="erasure request")
    assert _actions(log) == ["restrict", "unrestrict", "policy", "retention", "erase"]
    text = json.dumps([entry.to_dict() for entry in log.access_log()])
    for value in ("AB12CDE", "P-1", "PC-77", "Smell of cannabis", "Brixton Road"):
        assert value not in text


def test_the_store_and_the_standalone_verifier_agree_on_what_erases() -> None:
    assert ERASING == _ERASING


# --------------------------------------------------------------------------- restriction


def test_a_restricted_record_reads_masked_unless_asked_for_explicitly(log: OpLog) -> None:
    _day(log)
    log.append(f.correction("stop-1", replacement=f.stop(occupants=2)))
    result = log.restrict(event_ids=["stop-1"], reason="evidence, case 4410")
    assert result.changed == ("stop-1",) and result.events == 2
    assert getattr(log.get("stop-1", personal=True), "vrm") == RESTRICTED
    assert getattr(log.get("stop-1"), "vrm") == WITHHELD
    shown = log.get("stop-1", personal=True, restricted=True)
    assert getattr(shown, "vrm") == "AB12CDE"
    assert log.access_log()[-1].query == {
        "event_id": "stop-1",
        "corrected": True,
        "restricted": True,
    }
    assert getattr(log.get("hit-1", personal=True), "vrm") == "AB12CDE"


def test_restricting_twice_is_a_noop_and_lifting_is_recorded(log: OpLog) -> None:
    _day(log)
    log.restrict(event_ids=["stop-1"], reason="evidence")
    again = log.restrict(event_ids=["stop-1"], reason="evidence")
    assert (
        again.noop and again.unchanged == ("stop-1",) and "already restricted" in (again.summary())
    )
    lifted = log.unrestrict(event_ids=["stop-1"], reason="case closed")
    assert lifted.lifted and lifted.changed == ("stop-1",)
    assert getattr(log.get("stop-1", personal=True), "vrm") == "AB12CDE"
    assert log.unrestrict(event_ids=["stop-1"], reason="again").noop
    assert _actions(log) == ["restrict", "unrestrict", "consult"]
    log.rebuild()
    assert log.verify().ok


def test_restriction_by_subject_takes_every_record_naming_them(log: OpLog) -> None:
    _day(log)
    result = log.restrict(subject_ref="P-1", reason="evidence")
    assert set(result.changed) == {"search-1", "out-1"}
    assert log.access_log()[-1].query == {"by": "subject_ref"}


# --------------------------------------------------------------------------- its chain


def _tamper(path: Path, sql: str, *params: object) -> None:
    """Change access_log behind the library's back, its guards put back as they were."""
    conn = sqlite3.connect(path, isolation_level=None)
    guards = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'access_log'"
    ).fetchall()
    conn.execute("BEGIN")
    for name in ("access_log_no_update", "access_log_no_delete"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(sql, params)
    for (create,) in guards:
        if "no_replace" not in create:
            conn.execute(create)
    conn.execute("COMMIT")
    conn.close()


def _both(path: Path, checkpoint: Checkpoint | None = None) -> tuple[str | None, str]:
    with OpLog.open(path) as log:
        problem = log.verify(checkpoint).problem
    out = io.StringIO()
    args = [str(path)]
    if checkpoint is not None:
        (path.parent / "cp").write_text(checkpoint.to_text())
        args += ["--checkpoint", str(path.parent / "cp")]
    with redirect_stdout(out):
        code = stdlib_verify.main(args)
    assert code == (0 if problem is None else 1)
    return problem, out.getvalue()


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    with OpLog.open(path, create=True) as log:
        _day(log)
        log.get("hit-1", personal=True)
        log.erase(event_ids=["patrol-1"], reason="held in error")
        log.get("stop-1", personal=True)
    return path


def test_an_edited_entry_breaks_the_access_chain(recorded: Path) -> None:
    _tamper(
        recorded,
        "UPDATE access_log SET body = replace(body, 'pytest', 'someone') WHERE seq = 1",
    )
    problem, printed = _both(recorded)
    assert problem == "access_hash_mismatch"
    assert "access record is broken at its entry 1" in printed


def test_a_removed_erasure_entry_is_found(recorded: Path) -> None:
    """Removing the erasure's entry (and re-linking the rest) leaves values missing that no
    recorded erasure took."""
    _tamper(recorded, "DELETE FROM access_log WHERE seq >= 2")
    problem, _ = _both(recorded)
    assert problem == "erasure_unrecorded"


def test_a_checkpoint_finds_entries_removed_from_the_end(recorded: Path) -> None:
    with OpLog.open(recorded) as log:
        checkpoint = log.checkpoint()
    assert checkpoint.access_entries == 3
    assert _both(recorded, checkpoint)[0] is None
    _tamper(recorded, "DELETE FROM access_log WHERE seq = 3")
    assert _both(recorded, checkpoint)[0] == "access_truncated"


def test_a_checkpoint_finds_a_last_entry_rewritten_with_a_good_link(recorded: Path) -> None:
    with OpLog.open(recorded) as log:
        checkpoint = log.checkpoint()
    conn = sqlite3.connect(recorded)
    prev, body = conn.execute(
        "SELECT (SELECT hash FROM access_log WHERE seq = 2), body FROM access_log WHERE seq = 3"
    ).fetchone()
    conn.close()
    forged = body.replace("pytest", "nobody")
    _tamper(
        recorded,
        "UPDATE access_log SET body = ?, hash = ? WHERE seq = 3",
        forged,
        chain_hash(prev, forged.encode()),
    )
    assert _both(recorded)[0] is None  # the chain alone cannot tell
    assert _both(recorded, checkpoint)[0] == "access_rewritten"


def test_checkpoint_text_carries_the_access_head() -> None:
    with OpLog.memory() as log:
        log.append(f.operation())
        log.get(f"{f.OP}-open", personal=True)
        checkpoint = log.checkpoint()
        (head,) = raw(log).execute("SELECT hash FROM access_log WHERE seq = 1").fetchone()
    text = checkpoint.to_text()
    assert f"access 1 {head}\n" in text
    assert Checkpoint.from_text(text) == checkpoint
    with pytest.raises(CheckpointError):
        Checkpoint.from_text(text.replace(f"access 1 {head}\n", ""))
