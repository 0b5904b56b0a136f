"""What the log can show about itself: the deep verification, checkpoints, and proofs made
from its Merkle tree (``OpLog.verify``, ``checkpoint``, ``prove``, ``prove_consistency``).

Each function runs on a connection the caller holds in one snapshot, so what it reads (the
head, the tiles, the access record) is of one moment.
"""

from __future__ import annotations

import dataclasses
import sqlite3

from anpr_ops._canonical import GENESIS_HASH
from anpr_ops._logfile import read_log_id, read_log_name
from anpr_ops._verifier import verify_log
from anpr_ops.chain import VerifyResult
from anpr_ops.checkpoint import Checkpoint, origin
from anpr_ops.errors import EventNotFoundError, ProofError
from anpr_ops.merkle import consistency_proof, inclusion_proof, root_from_nodes
from anpr_ops.proofs import ConsistencyProof, InclusionProof
from anpr_ops.store._access import Actor
from anpr_ops.store._connection import Database
from anpr_ops.store._memory import State
from anpr_ops.store._personal import disclose
from anpr_ops.store._projection import REBUILDING
from anpr_ops.store._queries import head
from anpr_ops.store._rebuild import derived_mismatch, rebuild
from anpr_ops.store._tiles import node_reader
from anpr_ops.store._validity import body_problem

__all__ = ["Integrity", "checkpoint_of", "consistency", "deep_verify", "inclusion"]


def deep_verify(conn: sqlite3.Connection, cp: Checkpoint | None, *, quick: bool) -> VerifyResult:
    """``OpLog.verify``: the checks of :func:`anpr_ops._verifier.verify_log` and, unless
    ``quick``, SQLite's integrity check and every derived table against a rebuild."""
    result = verify_log(conn, cp, bodies=not quick, check=body_problem)
    if quick or not result.ok:
        return dataclasses.replace(
            result, not_checked=("bodies", "derived tables") if quick else ()
        )
    try:
        damage = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
    except sqlite3.DatabaseError:
        damage = ["the file cannot be read"]
    if damage != ["ok"]:
        return dataclasses.replace(
            result,
            ok=False,
            problem="storage_damaged",
            reason="SQLite's integrity check finds the file damaged ("
            + "; ".join(str(d) for d in damage)
            + "); restore it from a copy",
        )
    mismatch = derived_mismatch(conn)
    if mismatch is None:
        return result
    table, seq = mismatch
    return dataclasses.replace(
        result,
        ok=False,
        problem="derived_mismatch",
        reason=f"table {table} differs from a rebuild from the events and the access "
        f"record{f' (first difference at seq {seq})' if seq is not None else ''}; "
        f"repair it by {REBUILDING} after finding out how",
        first_bad_seq=seq,
    )


def checkpoint_of(conn: sqlite3.Connection, op_id: str | None) -> Checkpoint:
    """A checkpoint of the log now (of operation ``op_id``'s events in it, if given)."""
    size, head_hash = head(conn)
    op_events = None
    if op_id is not None:
        (op_events,) = conn.execute(
            "SELECT count(*) FROM events WHERE op_id = ?", (op_id,)
        ).fetchone()
        if not op_events:
            raise EventNotFoundError(f"no events of operation {op_id!r} in the log")
    row = conn.execute("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1").fetchone()
    entries, access_hash = (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)
    return Checkpoint(
        log_name=read_log_name(conn),
        log_id=read_log_id(conn),
        size=size,
        root=root_from_nodes(size, node_reader(conn, size)),
        head_hash=head_hash,
        access_entries=entries,
        access_hash=access_hash,
        op_id=op_id,
        op_events=op_events,
    )


def inclusion(conn: sqlite3.Connection, cp: Checkpoint, event_id: str) -> InclusionProof:
    """The proof that ``event_id`` is in the log ``cp`` describes (no personal values)."""
    size = _holds(conn, cp)
    row = conn.execute(
        "SELECT seq, CAST(body AS BLOB) FROM events WHERE event_id = ?", (event_id,)
    ).fetchone()
    if row is None:
        raise EventNotFoundError(f"no event {event_id!r} in the log")
    seq, body = int(row[0]), bytes(row[1])
    if seq > cp.size:
        message = (
            f"event {event_id!r} was appended (seq {seq}) after the checkpoint was taken at "
            f"{cp.size} events: prove it against a later checkpoint"
        )
        raise ProofError(message, code="not_in_checkpoint")
    return InclusionProof(
        origin=cp.origin,
        event_id=event_id,
        leaf_index=seq - 1,
        tree_size=cp.size,
        leaf=body,
        inclusion_path=tuple(inclusion_proof(seq - 1, cp.size, node_reader(conn, size))),
    )


def consistency(conn: sqlite3.Connection, old: Checkpoint, new: Checkpoint) -> ConsistencyProof:
    """The proof that the log ``new`` describes extends the log ``old`` describes."""
    size = _holds(conn, old)
    _holds(conn, new)
    if old.size > new.size:
        message = (
            f"the old checkpoint is at {old.size} events, the new one at {new.size}: give "
            "the earlier one as --old"
        )
        raise ProofError(message, code="old_size_greater")
    if old.size == 0:
        message = "every log extends its empty checkpoint: there is nothing to prove"
        raise ProofError(message, code="old_size_zero")
    path = consistency_proof(old.size, new.size, node_reader(conn, size))
    return ConsistencyProof(old.origin, old.size, new.size, tuple(path))


def _holds(conn: sqlite3.Connection, cp: Checkpoint) -> int:
    """The log's size, once sure that ``cp`` is of this log and that the log still holds the
    root it describes; :class:`ProofError` otherwise."""
    here = origin(read_log_name(conn), read_log_id(conn))
    if cp.origin != here:
        message = f"the checkpoint is of the log {cp.origin!r}, this file is {here!r}"
        raise ProofError(message, code="other_log")
    size = head(conn)[0]
    if cp.size > size:
        message = (
            f"the checkpoint is at {cp.size} events but the log holds {size}: a checkpoint "
            "larger than the log (of a later copy of it, or the log was cut short)"
        )
        raise ProofError(message, code="checkpoint_ahead")
    if root_from_nodes(cp.size, node_reader(conn, size)) != cp.root:
        message = (
            f"the log's first {cp.size} events do not have the checkpoint's root: the log "
            "was rewritten, or the checkpoint altered (verify it against the checkpoint)"
        )
        raise ProofError(message, code="root_mismatch")
    return size


class Integrity:
    """Verification, checkpoints, proofs and the rebuild of derived state (mixed into
    ``OpLog``)."""

    _db: Database
    _actor: Actor
    _memory: State | None

    def verify(self, checkpoint: Checkpoint | None = None, *, quick: bool = False) -> VerifyResult:
        """Verify the log; with a ``checkpoint``, also compare against it. Never raises for a
        damaged log: returns a :class:`~anpr_ops.chain.VerifyResult` naming the first problem.

        Always: the hash chain, the columns copied from each body, every commitment to personal
        values (or the recorded erasure of them), the access record's chain and the erasures it
        records; against a checkpoint, that it is of this log and that the log still holds what
        it describes (its size, chain head, Merkle root and access record head). Unless
        ``quick``: also that every body is the canonical form of a valid event, SQLite's
        integrity check (damage beside the chain, such as an index that would hide an event
        from look-ups by id), and every derived table, the Merkle tiles among them, against a
        rebuild from the events (derived state is not chained: this is how an edit to it is
        found).
        """
        with self._db.reading(snapshot=True) as conn:
            return deep_verify(conn, checkpoint, quick=quick)

    def checkpoint(self, op_id: str | None = None) -> Checkpoint:
        """A checkpoint of the log now: its size, Merkle root, chain head and access record
        head (with operation ``op_id``'s count of events, if given).

        Keep ``checkpoint.to_text()`` (or ``checkpoint.sign([signer])``) somewhere else;
        ``verify(checkpoint=...)`` later detects truncation and rewrites that the chain alone
        cannot, and :meth:`prove` proves events against it.
        """
        with self._db.reading(snapshot=True) as conn:
            return checkpoint_of(conn, op_id)

    def prove(
        self,
        event_id: str,
        checkpoint: Checkpoint,
        *,
        personal: bool = False,
        restricted: bool = False,
        recipient: str | None = None,
    ) -> InclusionProof:
        """The proof that event ``event_id`` (as stored) is in the log ``checkpoint``
        describes, for :func:`anpr_ops.proofs.check_inclusion`.

        The proof reveals no personal value unless ``personal=True``: the event's values then
        go with it, with the salt of the commitment its leaf holds. That is a disclosure: it
        needs an actor, a purpose and the ``recipient``, and is recorded in the access record;
        a restricted record's values need ``restricted=True`` too. Raises
        :class:`~anpr_ops.errors.ProofError` (``other_log``, ``checkpoint_ahead``,
        ``root_mismatch``, ``not_in_checkpoint``), ``EventNotFoundError`` and
        ``AccessRefusedError``.
        """
        with self._db.reading(snapshot=True) as conn:
            proof = inclusion(conn, checkpoint, event_id)
        if not personal:
            return proof
        values = disclose(self._db, self._actor, proof, restricted=restricted, to=recipient)
        return dataclasses.replace(proof, personal=values)

    def prove_consistency(self, old: Checkpoint, new: Checkpoint) -> ConsistencyProof:
        """The proof that the log ``new`` describes extends the one ``old`` describes (every
        event of ``old`` still there, unchanged, in order), for
        :func:`anpr_ops.proofs.check_consistency`. Both must be checkpoints of this log whose
        roots it still holds: :class:`~anpr_ops.errors.ProofError` otherwise."""
        with self._db.reading(snapshot=True) as conn:
            return consistency(conn, old, new)

    def rebuild(self) -> None:
        """Rebuild every derived table from ``events`` alone, in one transaction."""
        self._memory = None
        with self._db.writing("rebuilding") as conn:
            rebuild(conn)
