"""Inclusion and consistency proofs from a log, checked with no log at hand — by the project's
checker and by an RFC 9162 verifier written from the RFC alone (tests/rfc9162.py)."""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anpr_ops import Checkpoint, OpLog
from anpr_ops.errors import (
    AccessRefusedError,
    AnprOpsError,
    EventNotFoundError,
    ProofError,
    SignatureError,
)
from anpr_ops.note import Signer, Verifier, generate_key
from anpr_ops.proofs import (
    ConsistencyProof,
    Disclosure,
    InclusionProof,
    check_consistency,
    check_inclusion,
)
from tests import factory as f
from tests import rfc9162
from tests.support import raw

# --------------------------------------------------------------------------- a grown log


@dataclasses.dataclass
class Grown:
    """A log grown in batches of random sizes, with a checkpoint after each batch."""

    log: OpLog
    bodies: list[bytes]
    checkpoints: list[Checkpoint]
    ids: list[str]


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Grown]:
    shuffle = random.Random(9162)
    log = OpLog.open(
        tmp_path_factory.mktemp("grown") / "day.db",
        create=True,
        durability="normal",
        actor="proof tests",
        purpose="automated tests of anpr_ops",
    )
    checkpoints = []
    log.append(f.operation())
    checkpoints.append(log.checkpoint())
    n = 0
    while n < 1100:
        size = shuffle.choice([1, 1, 2, 3, 7, 31, 64, 100, 255, 256, 257])
        log.extend([f.hit(f"hit-{k}") for k in range(n, n + size)])
        n += size
        checkpoints.append(log.checkpoint())
    conn = raw(log)
    bodies = [bytes(b) for (b,) in conn.execute("SELECT CAST(body AS BLOB) FROM events")]
    ids = [str(i) for (i,) in conn.execute("SELECT event_id FROM events ORDER BY seq")]
    with log:
        yield Grown(log, bodies, checkpoints, ids)


def test_the_roots_are_the_rfc_9162_roots_at_every_checkpoint(grown: Grown) -> None:
    for checkpoint in grown.checkpoints:
        assert checkpoint.root == rfc9162.mth(grown.bodies[: checkpoint.size])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_inclusion_proof_verifies_here_and_by_the_rfc(
    grown: Grown, data: st.DataObject
) -> None:
    checkpoint = data.draw(st.sampled_from(grown.checkpoints))
    index = data.draw(st.integers(0, checkpoint.size - 1))
    proof = grown.log.prove(grown.ids[index], checkpoint)
    again = InclusionProof.from_json(proof.to_json())
    assert again == proof
    assert (again.leaf_index, again.tree_size, again.leaf) == (
        index,
        checkpoint.size,
        grown.bodies[index],
    )
    event = check_inclusion(again, checkpoint.to_text())
    assert event["event_id"] == grown.ids[index]
    assert rfc9162.verify_inclusion(
        index, checkpoint.size, rfc9162.leaf(again.leaf), again.inclusion_path, checkpoint.root
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_consistency_proof_verifies_here_and_by_the_rfc(
    grown: Grown, data: st.DataObject
) -> None:
    old, new = sorted(
        data.draw(st.lists(st.sampled_from(grown.checkpoints), min_size=2, max_size=2)),
        key=lambda c: c.size,
    )
    proof = grown.log.prove_consistency(old, new)
    again = ConsistencyProof.from_json(proof.to_json())
    assert again == proof
    check_consistency(again, old.to_text(), new.to_text())
    assert rfc9162.verify_consistency(
        old.size, new.size, old.root, new.root, again.consistency_path
    )


def _flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def _refused(proof: InclusionProof, checkpoint: Checkpoint) -> bool:
    try:
        check_inclusion(proof, checkpoint)
    except AnprOpsError:
        return True
    return False


@pytest.mark.parametrize("which", [1, 300, 700, 1099])
def test_any_single_bit_change_to_an_inclusion_proof_is_refused_by_both(
    grown: Grown, which: int
) -> None:
    """Every bit of every path hash, of the leaf, of the index, of the size and of the
    checkpoint's root."""
    checkpoint = grown.checkpoints[-1]
    proof = grown.log.prove(grown.ids[which], checkpoint)
    leaf = rfc9162.leaf(proof.leaf)
    path = list(proof.inclusion_path)
    size = checkpoint.size
    for number, value in enumerate(path):
        for bit in range(256):
            bent = [*path[:number], _flip(value, bit), *path[number + 1 :]]
            assert _refused(dataclasses.replace(proof, inclusion_path=tuple(bent)), checkpoint)
            assert not rfc9162.verify_inclusion(which, size, leaf, bent, checkpoint.root)
    for bit in range(len(proof.leaf) * 8):
        bent_leaf = _flip(proof.leaf, bit)
        assert _refused(dataclasses.replace(proof, leaf=bent_leaf), checkpoint)
        assert not rfc9162.verify_inclusion(
            which, size, rfc9162.leaf(bent_leaf), path, checkpoint.root
        )
    for bit in range(64):
        index = which ^ (1 << bit)
        assert _refused(dataclasses.replace(proof, leaf_index=index), checkpoint)
        assert not rfc9162.verify_inclusion(index, size, leaf, path, checkpoint.root)
        assert _refused(dataclasses.replace(proof, tree_size=size ^ (1 << bit)), checkpoint)
    for bit in range(256):
        bent_root = dataclasses.replace(checkpoint, root=_flip(checkpoint.root, bit))
        assert _refused(proof, bent_root)
        assert not rfc9162.verify_inclusion(which, size, leaf, path, bent_root.root)


def test_any_single_bit_change_to_a_consistency_proof_is_refused_by_both(grown: Grown) -> None:
    pairs = [
        (grown.checkpoints[3], grown.checkpoints[-1]),
        (grown.checkpoints[1], grown.checkpoints[9]),
    ]
    for old, new in pairs:
        proof = grown.log.prove_consistency(old, new)
        path = list(proof.consistency_path)
        for number, value in enumerate(path):
            for bit in range(256):
                bent = [*path[:number], _flip(value, bit), *path[number + 1 :]]
                with pytest.raises(ProofError):
                    check_consistency(
                        dataclasses.replace(proof, consistency_path=tuple(bent)), old, new
                    )
                assert not rfc9162.verify_consistency(old.size, new.size, old.root, new.root, bent)
        for bit in range(256):
            for bent_old, bent_new in (
                (dataclasses.replace(old, root=_flip(old.root, bit)), new),
                (old, dataclasses.replace(new, root=_flip(new.root, bit))),
            ):
                with pytest.raises(ProofError):
                    check_consistency(proof, bent_old, bent_new)
                assert not rfc9162.verify_consistency(
                    old.size, new.size, bent_old.root, bent_new.root, path
                )
        for bit in range(64):
            for bent_proof in (
                dataclasses.replace(proof, old_size=old.size ^ (1 << bit)),
                dataclasses.replace(proof, new_size=new.size ^ (1 << bit)),
            ):
                with pytest.raises(ProofError):
                    check_consistency(bent_proof, old, new)


def test_a_proof_holds_for_its_own_checkpoint_only(grown: Grown) -> None:
    first, later = grown.checkpoints[5], grown.checkpoints[6]
    proof = grown.log.prove(grown.ids[3], first)
    with pytest.raises(ProofError) as caught:
        check_inclusion(proof, later)
    assert caught.value.code == "size_mismatch"


def test_the_leaf_must_be_the_event_named(grown: Grown) -> None:
    checkpoint = grown.checkpoints[-1]
    proof = grown.log.prove(grown.ids[3], checkpoint)
    with pytest.raises(ProofError) as caught:
        check_inclusion(dataclasses.replace(proof, event_id=grown.ids[4]), checkpoint)
    assert caught.value.code == "wrong_leaf"


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def day(tmp_path: Path) -> Iterator[OpLog]:
    with OpLog.open(tmp_path / "day.db", create=True) as log:
        log.extend(f.chain())
        yield log


def test_a_checkpoint_of_another_log_is_refused_when_proving_and_checking(
    day: OpLog, tmp_path: Path
) -> None:
    with OpLog.open(tmp_path / "other.db", create=True) as other:
        other.extend(f.chain())
        theirs = other.checkpoint()
    with pytest.raises(ProofError) as caught:
        day.prove("hit-1", theirs)
    assert caught.value.code == "other_log"
    proof = day.prove("hit-1", day.checkpoint())
    with pytest.raises(ProofError) as caught:
        check_inclusion(proof, theirs)
    assert caught.value.code == "other_log"


def test_a_checkpoint_larger_than_the_log_is_refused(day: OpLog, tmp_path: Path) -> None:
    """A checkpoint of a later copy of the same log: the log does not hold that many events."""
    assert day.path is not None
    source, copy = sqlite3.connect(day.path), sqlite3.connect(tmp_path / "later.db")
    source.backup(copy)
    source.close()
    copy.close()
    with OpLog.open(tmp_path / "later.db") as later:
        later.append(f.patrol())
        ahead = later.checkpoint()
    for attempt in (
        lambda: day.prove("hit-1", ahead),
        lambda: day.prove_consistency(day.checkpoint(), ahead),
    ):
        with pytest.raises(ProofError) as caught:
            attempt()
        assert caught.value.code == "checkpoint_ahead"


def test_an_event_appended_after_the_checkpoint_is_not_in_it(day: OpLog) -> None:
    checkpoint = day.checkpoint()
    day.append(f.patrol())
    with pytest.raises(ProofError) as caught:
        day.prove("patrol-1", checkpoint)
    assert caught.value.code == "not_in_checkpoint"
    with pytest.raises(EventNotFoundError):
        day.prove("no-such-event", checkpoint)


def test_a_checkpoint_whose_root_the_log_does_not_hold_is_refused(day: OpLog) -> None:
    forged = dataclasses.replace(day.checkpoint(), root=bytes(32))
    with pytest.raises(ProofError) as caught:
        day.prove("hit-1", forged)
    assert caught.value.code == "root_mismatch"


def test_consistency_needs_the_earlier_checkpoint_first_and_a_non_empty_one(day: OpLog) -> None:
    empty = dataclasses.replace(day.checkpoint(), size=0, head_hash="0" * 64, root=bytes(32))
    earlier = day.checkpoint()
    day.append(f.patrol())
    later = day.checkpoint()
    with pytest.raises(ProofError) as caught:
        day.prove_consistency(later, earlier)
    assert caught.value.code == "old_size_greater"
    assert day.prove_consistency(earlier, earlier).consistency_path == ()
    check_consistency(day.prove_consistency(earlier, earlier), earlier, earlier)
    with pytest.raises(ProofError):
        day.prove_consistency(empty, later)


def test_checking_against_a_signed_checkpoint_needs_the_right_key(day: OpLog) -> None:
    private, public = generate_key("met-anpr")
    _, stranger = generate_key("met-anpr")
    checkpoint = day.checkpoint()
    signed = checkpoint.sign([Signer.from_text(private)])
    proof = day.prove("search-1", checkpoint)
    assert check_inclusion(proof, signed, [Verifier.from_text(public)])["kind"] == "search"
    assert check_inclusion(proof, Checkpoint.from_text(signed), [Verifier.from_text(public)])
    for note, keys in (
        (signed, [Verifier.from_text(stranger)]),  # another key of the same name
        (checkpoint.to_text(), [Verifier.from_text(public)]),  # not signed at all
        (checkpoint, [Verifier.from_text(public)]),
    ):
        with pytest.raises(SignatureError) as caught:
            check_inclusion(proof, note, keys)
        assert caught.value.code == "unknown_key"


MALFORMED = [
    ("not JSON", "{"),
    ("not an object", "[]"),
    ("another kind of proof", '{"proof": "consistency"}'),
    ("a key missing", '{"proof": "inclusion", "origin": "x"}'),
]


def _good_json(day: OpLog) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(day.prove("hit-1", day.checkpoint()).to_json())
    return data


@pytest.mark.parametrize(("text"), [t for _, t in MALFORMED], ids=[n for n, _ in MALFORMED])
def test_a_malformed_proof_file_is_refused(text: str) -> None:
    with pytest.raises(ProofError) as caught:
        InclusionProof.from_json(text)
    assert caught.value.code == "malformed_proof"


FIELD_DAMAGE: list[tuple[str, Any]] = [
    ("leaf_index", -1),
    ("leaf_index", "1"),
    ("leaf_index", True),
    ("tree_size", 2**64),
    ("tree_size", 1.0),
    ("leaf", "not base64!"),
    ("leaf", "YQ"),  # unpadded
    ("inclusion_path", "AAAA"),
    ("inclusion_path", ["YQ="]),  # stray bits
    ("origin", ""),
    ("extra", 1),
]


@pytest.mark.parametrize(("key", "value"), FIELD_DAMAGE)
def test_a_proof_file_is_read_strictly(day: OpLog, key: str, value: Any) -> None:
    data = _good_json(day)
    assert InclusionProof.from_json(json.dumps(data))  # the undamaged file reads
    data[key] = value
    with pytest.raises(ProofError) as caught:
        InclusionProof.from_json(json.dumps(data))
    assert caught.value.code == "malformed_proof"


# --------------------------------------------------------------------------- personal values


def test_a_proof_reveals_no_personal_value_unless_asked(day: OpLog) -> None:
    text = day.prove("search-1", day.checkpoint()).to_json()
    for value in ("AB12CDE", "P-1", "Smell of cannabis"):
        assert value not in text
    assert '"personal"' not in text
    assert "vrm" not in InclusionProof.from_json(text).event()


def test_disclosed_values_are_recorded_and_checked_against_the_commitment(day: OpLog) -> None:
    checkpoint = day.checkpoint()
    before = raw(day).execute("SELECT count(*) FROM access_log").fetchone()[0]
    proof = day.prove("search-1", checkpoint, personal=True, recipient="Smith & Co, solicitors")
    assert proof.personal is not None
    assert repr(proof.personal) == "Disclosure(fields=['grounds', 'subject_ref', 'vrm'])"
    event = check_inclusion(InclusionProof.from_json(proof.to_json()), checkpoint)
    assert (event["vrm"], event["subject_ref"], event["grounds"]) == (
        "AB12CDE",
        "P-1",
        "Smell of cannabis",
    )
    assert "personal" not in event and "subject" not in event
    rows = raw(day).execute("SELECT body FROM access_log WHERE seq > ?", (before,)).fetchall()
    assert len(rows) == 1
    entry = json.loads(rows[0][0])
    assert (entry["action"], entry["recipient"], entry["events"]) == (
        "disclose",
        "Smith & Co, solicitors",
        [[4, 4]],
    )
    assert "AB12CDE" not in rows[0][0]


def test_values_other_than_those_committed_to_are_refused(day: OpLog) -> None:
    checkpoint = day.checkpoint()
    proof = day.prove("search-1", checkpoint, personal=True, recipient="court")
    assert proof.personal is not None
    values = dict(proof.personal.values)
    for changed in (
        Disclosure({**values, "vrm": "XY99ZZZ"}, proof.personal.salt),
        Disclosure({k: v for k, v in values.items() if k != "grounds"}, proof.personal.salt),
        Disclosure(values, bytes(16)),
    ):
        with pytest.raises(ProofError) as caught:
            check_inclusion(dataclasses.replace(proof, personal=changed), checkpoint)
        assert caught.value.code == "personal_mismatch"
    operation = day.prove(f.operation()["event_id"], checkpoint)
    with pytest.raises(ProofError) as caught:
        check_inclusion(dataclasses.replace(operation, personal=proof.personal), checkpoint)
    assert caught.value.code == "personal_mismatch"


def test_a_disclosure_needs_an_actor_a_purpose_and_a_recipient(
    day: OpLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoint = day.checkpoint()
    with pytest.raises(AccessRefusedError) as caught:
        day.prove("search-1", checkpoint, personal=True)
    assert caught.value.code == "recipient_required"
    monkeypatch.delenv("ANPR_OPS_ACTOR")
    assert day.path is not None
    with OpLog.open(day.path) as anonymous:
        with pytest.raises(AccessRefusedError) as caught:
            anonymous.prove("search-1", checkpoint, personal=True, recipient="court")
        assert caught.value.code == "actor_required"
    with OpLog.open(day.path, readonly=True, actor="a", purpose="b") as readonly:
        with pytest.raises(AccessRefusedError) as caught:
            readonly.prove("search-1", checkpoint, personal=True, recipient="court")
        assert caught.value.code == "read_only"
        assert readonly.prove("search-1", checkpoint).personal is None


def test_restricted_and_erased_values_are_not_disclosed_by_default(day: OpLog) -> None:
    checkpoint = day.checkpoint()
    conn = raw(day)
    conn.execute("INSERT INTO restricted (seq, access_seq) VALUES (4, 0)")
    with pytest.raises(AccessRefusedError) as caught:
        day.prove("search-1", checkpoint, personal=True, recipient="court")
    assert caught.value.code == "restricted"
    proof = day.prove("search-1", checkpoint, personal=True, restricted=True, recipient="court")
    assert proof.personal is not None
    conn.execute("DELETE FROM personal WHERE seq = 2")
    conn.execute("INSERT INTO erased (seq, access_seq) VALUES (2, 0)")
    with pytest.raises(AccessRefusedError) as caught:
        day.prove("hit-1", checkpoint, personal=True, recipient="court")
    assert caught.value.code == "erased"
    public = day.prove("hit-1", checkpoint)
    assert check_inclusion(public, checkpoint)["event_id"] == "hit-1"


def test_an_event_without_personal_values_has_nothing_to_disclose(day: OpLog) -> None:
    checkpoint = day.checkpoint()
    before = raw(day).execute("SELECT count(*) FROM access_log").fetchone()[0]
    proof = day.prove("seize-1", checkpoint, personal=True, recipient="court")
    assert proof.personal is None
    assert raw(day).execute("SELECT count(*) FROM access_log").fetchone()[0] == before
