"""Rebuilding the derived tables from the events alone, and checking stored ones against a
rebuild (the deep verification: the derived tables are not chained)."""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3

from anpr_ops import _schema
from anpr_ops.chain import GENESIS_HASH
from anpr_ops.events import EVENT_ADAPTER, Correction
from anpr_ops.store._batch import Batch
from anpr_ops.store._memory import Live, State
from anpr_ops.store._record import INSERT
from anpr_ops.vocab import EventKind

__all__ = ["projection_mismatch", "replay"]

# The kinds whose models the replay needs (the rest are projected from their JSON alone).
_MODELLED = frozenset({EventKind.OPERATION, EventKind.OFFENCE_DEFINITION, EventKind.CORRECTION})


def replay(conn: sqlite3.Connection) -> None:
    """Project every stored event, in order, into the (empty) derived tables."""
    batch = Batch(conn, State(0, (0, GENESIS_HASH), {}, {}))
    last = 0
    while True:
        rows = conn.execute(
            "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT 5000", (last,)
        ).fetchall()
        if not rows:
            break
        batch.stored_below = rows[0][0]  # earlier chunks are already in the tables
        for seq, body in rows:
            last = seq
            data = json.loads(body)
            kind = data["kind"]
            event = EVENT_ADAPTER.validate_json(body) if kind in _MODELLED else None
            batch.known[data["event_id"]] = Live(seq, kind, data["op_id"], True, event)
            if isinstance(event, Correction):
                target = batch.lookup(event.target_id)
                assert target is not None
                batch.projector.add(data, seq, target.seq)
                batch.apply_correction(event, data, target)
            else:
                if event is not None:
                    batch.remember(event, seq)
                batch.projector.add(data, seq)
        batch.projector.flush()
        batch.known.clear()


def projection_mismatch(conn: sqlite3.Connection) -> tuple[str, int | None] | None:
    """The first derived table (and seq) that differs from a fresh rebuild, or ``None``."""
    with contextlib.closing(sqlite3.connect("", isolation_level=None)) as shadow:
        shadow.execute(_schema.EVENTS)
        for table in _schema.DERIVED:
            shadow.execute(table.create_sql())
        last = 0
        while rows := conn.execute(
            "SELECT seq, event_id, body, prev_hash, hash FROM events "
            "WHERE seq > ? ORDER BY seq LIMIT 5000",
            (last,),
        ).fetchall():
            shadow.executemany(INSERT, rows)
            last = rows[-1][0]
        shadow.execute("BEGIN")
        replay(shadow)
        shadow.execute("COMMIT")
        for table in _schema.DERIVED:
            order = ", ".join(table.column_names)
            sql = f"SELECT {order} FROM {table.name} ORDER BY {order}"
            stored, rebuilt = conn.execute(sql), shadow.execute(sql)
            for mine, theirs in itertools.zip_longest(stored, rebuilt):
                if mine != theirs:
                    row = mine if mine is not None else theirs
                    seq = row[0] if table.column_names[0] == "seq" else None
                    return table.name, seq
    return None
