"""Rebuilding the derived tables (the Merkle tiles among them) from the events and the access
record alone, and checking the stored ones against a rebuild (part of the full verification:
derived state is not chained, so this is how an edit to it is found)."""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
from typing import Any

from anpr_ops import _schema
from anpr_ops.merkle import TILE_WIDTH
from anpr_ops.store import _tiles as tiles
from anpr_ops.store._access import ERASING
from anpr_ops.store._evaluate import recompute
from anpr_ops.store._projection import PROJECTED, Projector, category_of

__all__ = ["REBUILT", "derived_mismatch", "rebuild", "replay"]

#: The derived tables a rebuild writes, and the columns that order their rows.
REBUILT: dict[str, str] = {
    "operations": "op_id",
    "sites": "op_id, site_id",
    "offence_definitions": "code",
    "zone_offsets": "zone, from_utc",
    "erased": "seq",
    "restricted": "seq",
    "merkle_tiles": "level, idx",
    "rollup_cells": "op_id, site, hour",
    "rollup_people": "op_id, site, hour, person",
    "rollup_sites": "scope, site",
    "rollup_hours": "scope, below, hour",
    "rollup_totals": "scope",
}


def rebuild(conn: sqlite3.Connection) -> None:
    """Empty every derived table and fill it again from the events and the access record."""
    for table in reversed(REBUILT):
        conn.execute(f"DELETE FROM {table}")
    replay(conn)


def _rollups(conn: sqlite3.Connection) -> None:
    """Fill the rollup tables from the events (the operations' table already rebuilt)."""
    parents = dict(conn.execute("SELECT op_id, parent_op_id FROM operations").fetchall())
    recompute(conn, list(parents), category_of(conn), parents.get)


def replay(conn: sqlite3.Connection) -> None:
    """Fill the (empty) derived tables from ``events`` and ``access_log``."""
    projector = Projector(conn)
    current: dict[int, dict[str, Any] | None] = {}
    kinds = ",".join(f"'{kind}'" for kind in PROJECTED)
    for seq, body in conn.execute(
        f"SELECT seq, body FROM events WHERE kind IN ({kinds}) ORDER BY seq"
    ).fetchall():
        current[seq] = json.loads(body)
    for target_seq, body in conn.execute(
        "SELECT c.target_seq, c.body FROM events c JOIN events t ON t.seq = c.target_seq "
        f"WHERE c.kind = 'correction' AND t.kind IN ({kinds}) ORDER BY c.seq"
    ).fetchall():
        fix = json.loads(body)
        current[target_seq] = None if fix.get("retract") else fix["replacement"]
    for seq, data in current.items():
        if data is not None:
            projector.add(data, seq)
    projector.flush()
    for access_seq, body in conn.execute(
        "SELECT seq, body FROM access_log ORDER BY seq"
    ).fetchall():
        entry = json.loads(body)
        action = entry.get("action")
        spans = entry.get("events", ())
        seqs = [(s,) for first, last in spans for s in range(int(first), int(last) + 1)]
        if action in ERASING:
            conn.executemany(
                "INSERT OR IGNORE INTO erased (seq, access_seq) VALUES (?, ?)",
                [(s, access_seq) for (s,) in seqs],
            )
        elif action == "restrict":
            conn.executemany(
                "INSERT OR REPLACE INTO restricted (seq, access_seq) VALUES (?, ?)",
                [(s, access_seq) for (s,) in seqs],
            )
        elif action == "unrestrict":
            conn.executemany("DELETE FROM restricted WHERE seq = ?", seqs)
    tiles.replay(conn)
    _rollups(conn)


def derived_mismatch(conn: sqlite3.Connection) -> tuple[str, int | None] | None:
    """The first derived table (and seq, when it has one) that differs from a fresh rebuild,
    or ``None``."""
    with contextlib.closing(sqlite3.connect("", isolation_level=None)) as shadow:
        shadow.execute(_schema.EVENTS)
        shadow.execute(_schema.ACCESS_LOG)
        for name in REBUILT:
            shadow.execute(_schema.DERIVED_TABLES[name])
        for table, columns in (
            ("events", "seq, event_id, kind, op_id, occurred_at, target_seq, ref_seq, body, hash"),
            ("access_log", "seq, body, hash"),
        ):
            last = 0
            marks = ", ".join("?" * len(columns.split(",")))
            while rows := conn.execute(
                f"SELECT {columns} FROM {table} WHERE seq > ? ORDER BY seq LIMIT 5000", (last,)
            ).fetchall():
                shadow.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
                last = rows[-1][0]
        shadow.execute("BEGIN")
        replay(shadow)
        shadow.execute("COMMIT")
        for name, order in REBUILT.items():
            sql = f"SELECT * FROM {name} ORDER BY {order}"
            stored, rebuilt = conn.execute(sql), shadow.execute(sql)
            for mine, theirs in itertools.zip_longest(stored, rebuilt):
                if mine != theirs:
                    row = mine if mine is not None else theirs
                    seq = row[1] if name in {"operations", "offence_definitions"} else None
                    if name in {"erased", "restricted"}:
                        seq = row[0]
                    if name == "merkle_tiles":  # the first event under the tile
                        seq = row[1] * TILE_WIDTH ** (row[0] + 1) + 1
                    return name, seq
    return None
