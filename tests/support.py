"""Test support: the few places tests look inside a log, kept in one module.

Tests that need to see the stored tables (to check a projection, or to damage a file on
purpose) go through :func:`raw` rather than reaching into ``OpLog`` themselves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from anpr_ops import OpLog
from anpr_ops._schema import GUARDS
from anpr_ops.store._memory import State


def raw(log: OpLog) -> sqlite3.Connection:
    """The log's own SQLite connection (for reading its tables in a test)."""
    return log._db.conn


def remembered(log: OpLog) -> State | None:
    """What the log's connection remembers between appends (``None`` when nothing)."""
    return log._memory


def stored_state(log: OpLog) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the log (for checking that a refused write changed
    nothing)."""
    conn = raw(log)
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
    ]
    return {name: conn.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall() for name in names}


def stored_object(log: OpLog, event_id: str) -> dict[str, object]:
    """The canonical object of the stored event ``event_id``, put back together from its
    chained body and its personal values (as the library's one mapper does)."""
    from anpr_ops.store._record import full_object

    body, values = (
        raw(log)
        .execute(
            'SELECT e.body, p."values" FROM events e LEFT JOIN personal p ON p.seq = e.seq '
            "WHERE e.event_id = ?",
            (event_id,),
        )
        .fetchone()
    )
    return full_object(body, values)


def rollup_rows(log: OpLog) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every rollup table, in key order (for comparing with a rebuild)."""
    from anpr_ops._schema import ROLLUP_TABLES

    conn = raw(log)
    return {
        name: sorted(conn.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
        for name in ROLLUP_TABLES
    }


def tamper(db: Path, *statements: tuple[str, tuple[object, ...]]) -> None:
    """Change the file as an attacker with write access would: guards off, change, guards on."""
    conn = sqlite3.connect(db)
    for name in GUARDS:
        conn.execute(f"DROP TRIGGER {name}")
    for sql, params in statements:
        conn.execute(sql, params)
    for create in GUARDS.values():
        conn.execute(create)
    conn.commit()
    conn.close()
