"""A Hypothesis state machine drives an on-disk log against a plain list model.

After every step the log must verify and hold exactly the model's events, in order; its
checkpoints must prove any of their events, and that the log has only grown since.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from anpr_ops import AnprOpsError, Checkpoint, OpLog, canonical_dict, parse_event
from anpr_ops._canonical import canonical_text
from anpr_ops._schema import GUARDS
from anpr_ops.errors import EventConflictError
from anpr_ops.events import AnprHit
from anpr_ops.proofs import InclusionProof, check_consistency, check_inclusion
from anpr_ops.store._record import full_object
from anpr_ops.strategies import vrms
from tests import factory as f
from tests import rfc9162
from tests.support import raw

SITES = ("vauxhall", "blackfriars", "tower-bridge")
REASONS = ("stolen_vehicle", "no_insurance", "drugs", "intelligence")
RAW_ATTACKS = (
    "UPDATE events SET body = body WHERE seq = ?",
    "DELETE FROM events WHERE seq = ?",
    "INSERT OR REPLACE INTO events SELECT * FROM events WHERE seq = ?",
)


@st.composite
def hit_fields(draw: st.DrawFn) -> dict[str, Any]:
    hour, minute = draw(st.integers(8, 19)), draw(st.integers(0, 59))
    return {
        "site": draw(st.sampled_from(SITES)),
        "vrm": draw(vrms()),
        "reasons": draw(st.lists(st.sampled_from(REASONS), min_size=1, max_size=3, unique=True)),
        "occurred_at": f"2020-04-18T{hour:02d}:{minute:02d}:00+01:00",
    }


class LogMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="anpr-ops-machine-"))
        self.path = self.folder / "machine.db"
        self.log = OpLog.open(self.path, create=True, durability="normal")
        self.model: list[tuple[str, str]] = []  # (event_id, canonical text), in append order
        self.hits: list[str] = []
        self.counter = 0
        self.checkpoints: list[Checkpoint] = []
        self._append([f.operation()])

    def teardown(self) -> None:
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def _append(self, events: list[dict[str, Any]]) -> None:
        result = self.log.extend(events)
        assert result.appended == tuple(e["event_id"] for e in events)
        for event in events:
            self.model.append(
                (event["event_id"], canonical_text(canonical_dict(parse_event(event))))
            )

    def _hit(self, fields: dict[str, Any]) -> dict[str, Any]:
        return f.hit(
            self._new_id("hit"),
            site=fields["site"],
            vrm=fields["vrm"],
            reasons=fields["reasons"],
            occurred_at=fields["occurred_at"],
        )

    @rule(batch=st.lists(hit_fields(), min_size=1, max_size=4))
    def append_hits(self, batch: list[dict[str, Any]]) -> None:
        events = [self._hit(fields) for fields in batch]
        self._append(events)
        self.hits += [e["event_id"] for e in events]

    @precondition(lambda self: self.hits)
    @rule(data=st.data())
    def append_stop(self, data: st.DataObject) -> None:
        hit_id = data.draw(st.sampled_from(self.hits))
        hit = self.log.get(hit_id)
        assert isinstance(hit, AnprHit)
        site = hit.site_id
        self._append([f.stop(self._new_id("stop"), hit_id=hit_id, site=site)])

    @rule(fields=hit_fields())
    def append_single(self, fields: dict[str, Any]) -> None:
        event = self._hit(fields)
        assert self.log.append(event).count == 1
        self.model.append((event["event_id"], canonical_text(canonical_dict(parse_event(event)))))
        self.hits.append(event["event_id"])

    @precondition(lambda self: len(self.model) > 1)
    @rule(data=st.data())
    def reappend_identical(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.model) - 1))
        event = parse_event(self.model[index][1])
        result = self.log.append(event)
        assert result.noop and result.duplicates == (event.event_id,)

    @precondition(lambda self: self.hits)
    @rule(data=st.data(), confidence=st.integers(0, 100))
    def conflicting_append(self, data: st.DataObject, confidence: int) -> None:
        hit_id = data.draw(st.sampled_from(self.hits))
        original = canonical_dict(self.log.get(hit_id, corrected=False, personal=True))
        changed = {**original, "confidence": confidence, "camera_id": "CONFLICT"}
        with pytest.raises(EventConflictError) as caught:
            self.log.append(changed)
        assert caught.value.event_id == hit_id

    @rule(batch=st.lists(hit_fields(), min_size=1, max_size=3), where=st.integers(0, 3))
    def invalid_batch_changes_nothing(self, batch: list[dict[str, Any]], where: int) -> None:
        events = [self._hit(fields) for fields in batch]
        bad = {**f.hit(self._new_id("bad")), "site_id": "not-a-site"}
        events.insert(min(where, len(events)), bad)
        with pytest.raises(AnprOpsError):
            self.log.extend(events)

    @rule(attack=st.sampled_from(RAW_ATTACKS), data=st.data())
    def raw_sqlite_attack(self, attack: str, data: st.DataObject) -> None:
        seq = data.draw(st.integers(1, len(self.model)))
        conn = sqlite3.connect(self.path)
        try:
            conn.execute(attack, (seq,))
            conn.commit()
        except sqlite3.IntegrityError:
            conn.rollback()
        else:
            raise AssertionError(f"the database allowed {attack!r}")
        finally:
            conn.close()

    @rule()
    def reopen(self) -> None:
        self.log.close()
        self.log = OpLog.open(self.path, durability="normal")

    @rule()
    def take_checkpoint(self) -> None:
        checkpoint = Checkpoint.from_text(self.log.checkpoint().to_text())
        assert checkpoint.seq == len(self.model)
        self.checkpoints.append(checkpoint)

    @precondition(lambda self: self.checkpoints)
    @rule(data=st.data())
    def verify_against_a_checkpoint(self, data: st.DataObject) -> None:
        checkpoint = data.draw(st.sampled_from(self.checkpoints))
        result = self.log.verify(checkpoint)
        assert result.ok and result.checkpoint_checked

    @precondition(lambda self: self.checkpoints)
    @rule(data=st.data())
    def prove_an_event_and_the_logs_growth(self, data: st.DataObject) -> None:
        """Any event of a checkpoint's log has a proof that checks against it (here and by
        the RFC's own algorithm), and today's log extends every earlier checkpoint's."""
        checkpoint = data.draw(st.sampled_from(self.checkpoints))
        index = data.draw(st.integers(0, checkpoint.size - 1))
        proof = self.log.prove(self.model[index][0], checkpoint)
        check_inclusion(InclusionProof.from_json(proof.to_json()), checkpoint.to_text())
        leaf = rfc9162.leaf(proof.leaf)
        assert rfc9162.verify_inclusion(
            index, checkpoint.size, leaf, proof.inclusion_path, checkpoint.root
        )
        now = self.log.checkpoint()
        growth = self.log.prove_consistency(checkpoint, now)
        check_consistency(growth, checkpoint, now)
        assert rfc9162.verify_consistency(
            checkpoint.size, now.size, checkpoint.root, now.root, growth.consistency_path
        )

    @rule(data=st.data())
    def tamper_with_a_copy(self, data: st.DataObject) -> None:
        copy = self.folder / "copy.db"
        copy.unlink(missing_ok=True)
        source = sqlite3.connect(self.path)
        target = sqlite3.connect(copy)
        source.backup(target)
        source.close()
        seq = data.draw(st.integers(1, len(self.model)))
        for name in GUARDS:
            target.execute(f"DROP TRIGGER {name}")
        target.execute(
            "UPDATE events SET body = replace(body, '\"op_id\"', '\"op_id\" ') WHERE seq = ?",
            (seq,),
        )
        for sql in GUARDS.values():
            target.execute(sql)
        target.commit()
        target.close()
        with OpLog.open(copy) as tampered:
            result = tampered.verify()
        assert not result.ok and result.first_bad_seq == seq

    @invariant()
    def log_matches_the_model(self) -> None:
        result = self.log.verify()
        assert result.ok, result.reason
        assert result.checked == len(self.model) == len(self.log)
        stored = [
            (event_id, canonical_text(full_object(body, values)))
            for event_id, body, values in raw(self.log).execute(
                'SELECT e.event_id, e.body, p."values" FROM events e '
                "LEFT JOIN personal p ON p.seq = e.seq ORDER BY e.seq"
            )
        ]
        assert stored == self.model


LogMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestLogMachine = LogMachine.TestCase
