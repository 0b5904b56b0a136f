"""Queries over the current state that more than one layer asks (one home each)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from anpr_ops._canonical import GENESIS_HASH
from anpr_ops.vocab import EventKind

__all__ = ["current_version", "head", "live_dependants", "operation_tree"]


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """``(seq, hash)`` of the last event; ``(0, GENESIS_HASH)`` for an empty log."""
    row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def operation_tree(conn: sqlite3.Connection, op_id: str, *, include_children: bool) -> list[str]:
    """``op_id`` and, with ``include_children``, every operation below it (any depth), the
    children sorted by id; empty when the log has no operation ``op_id``."""
    if conn.execute("SELECT 1 FROM operations WHERE op_id = ?", (op_id,)).fetchone() is None:
        return []
    if not include_children:
        return [op_id]
    rows = conn.execute(
        "WITH RECURSIVE tree(op_id) AS (SELECT ? UNION "
        "SELECT o.op_id FROM operations o JOIN tree t ON o.parent_op_id = t.op_id) "
        "SELECT op_id FROM tree",
        (op_id,),
    ).fetchall()
    return [op_id, *sorted(r[0] for r in rows if r[0] != op_id)]


def current_version(
    conn: sqlite3.Connection, seq: int, body: str | None = None
) -> dict[str, Any] | None:
    """The public canonical object of the stored event at ``seq`` as it now stands: its latest
    replacement, or itself; ``None`` when it was retracted."""
    rows = conn.execute(
        "SELECT body FROM events WHERE target_seq = ? ORDER BY seq DESC LIMIT 1", (seq,)
    ).fetchall()
    if rows:
        fix = json.loads(rows[0][0])
        if fix.get("retract"):
            return None
        return dict(fix["replacement"])
    if body is None:
        body = conn.execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()[0]
    return dict(json.loads(body))


def live_dependants(conn: sqlite3.Connection, seq: int) -> list[tuple[int, str]]:
    """``(seq, event_id)`` of the live events whose current version refers to the event at
    ``seq`` (the seq is the referring event's own, also when a correction made it refer)."""
    users = []
    for user_seq, event_id, kind, target_seq in conn.execute(
        "SELECT seq, event_id, kind, target_seq FROM events WHERE ref_seq = ?", (seq,)
    ).fetchall():
        if kind == EventKind.CORRECTION:
            latest = conn.execute(
                "SELECT max(seq) FROM events WHERE target_seq = ?", (target_seq,)
            ).fetchone()[0]
            if latest == user_seq:
                name = conn.execute(
                    "SELECT event_id FROM events WHERE seq = ?", (target_seq,)
                ).fetchone()[0]
                users.append((target_seq, str(name)))
        elif (
            conn.execute(
                "SELECT 1 FROM events WHERE target_seq = ? LIMIT 1", (user_seq,)
            ).fetchone()
            is None
        ):
            users.append((user_seq, str(event_id)))
    return users
