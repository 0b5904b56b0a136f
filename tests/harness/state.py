"""Everything a log file stores, read from outside the library, to prove "nothing changed"."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from anpr_ops._canonical import GENESIS_HASH


def connection_state(conn: sqlite3.Connection) -> dict[str, Any]:
    """Every table's rows (all of them, ``sqlite_sequence`` included), the schema, the pragmas
    that mark the file, and the chain head.

    Rows are sorted, so the comparison does not depend on the order SQLite returns them in.
    """
    schema = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall()
    tables = [name for kind, name, _, _ in schema if kind == "table"]
    rows = {
        table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
        for table in tables
    }
    head = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    pragmas = {
        name: conn.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("user_version", "application_id")
    }
    return {
        "schema": schema,
        "rows": rows,
        "pragmas": pragmas,
        "head": tuple(head) if head else (0, GENESIS_HASH),
    }


def file_state(path: Path) -> dict[str, Any]:
    """:func:`connection_state` of the file at ``path``, read with a plain sqlite3 connection."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection_state(conn)
    finally:
        conn.close()


def event_rows(path: Path) -> list[tuple[int, str, str, str]]:
    """``(seq, event_id, kind, text)`` of every stored event, in seq order: ``text`` is the
    canonical text of the whole event, put back together from its body and personal values."""
    from anpr_ops._canonical import canonical_text
    from anpr_ops.store._record import full_object

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            'SELECT e.seq, e.event_id, e.kind, e.body, p."values" FROM events e '
            "LEFT JOIN personal p ON p.seq = e.seq ORDER BY e.seq"
        ).fetchall()
    finally:
        conn.close()
    return [
        (seq, event_id, kind, canonical_text(full_object(body, values)))
        for seq, event_id, kind, body, values in rows
    ]
