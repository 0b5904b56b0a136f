"""Queries over the current state that more than one layer asks (one home each)."""

from __future__ import annotations

import sqlite3

__all__ = ["operation_tree"]


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
