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
from anpr_ops.store._queries import head
from anpr_ops.store._rebuild import derived_mismatch
from anpr_ops.store._tiles import node_reader
from anpr_ops.store._validity import body_problem

__all__ = ["checkpoint", "consistency", "inclusion", "verify"]


def verify(conn: sqlite3.Connection, cp: Checkpoint | None, *, quick: bool) -> VerifyResult:
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
        "run rebuild() after finding out how",
        first_bad_seq=seq,
    )


def checkpoint(conn: sqlite3.Connection, op_id: str | None) -> Checkpoint:
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
