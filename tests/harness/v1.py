"""Version-1 log files for tests: written from any events, or from any body texts.

Version 1 is gone from the library (only its reader is left, in ``anpr_ops._v1``), so the tests
of migration write version-1 files here: the ``events`` table, its three guards, the meta rows
and the chain exactly as version 1 made them (``git show 92b25bb:anpr_ops/_schema.py``), and no
projections, which a migration does not read. A file written from a list of bodies can hold
what version 1 would never have written (a body out of canonical form, a broken reference)
with a chain that holds, as only a forger could.
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from anpr_ops import parse_event
from anpr_ops._canonical import GENESIS_HASH, canonical_text
from anpr_ops._schema import APPLICATION_ID
from anpr_ops.chain import chain_hash
from anpr_ops.events import canonical_dict

EVENTS = """CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)"""
META = "CREATE TABLE anpr_ops_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
GUARDS = {
    "events_no_update": "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: UPDATE refused'); END",
    "events_no_delete": "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: DELETE refused'); END",
    "events_no_replace": "CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
    "WHEN NEW.seq <= (SELECT max(seq) FROM events) "
    "OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id) "
    "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: "
    "an insert may not replace or precede an existing event'); END",
}


def body_of(event: Any) -> str:
    """The version-1 body of an event (a model or an interchange mapping): its canonical
    text, personal values included."""
    return canonical_text(canonical_dict(parse_event(event)))


def write_v1_bodies(path: Path, bodies: Sequence[str], *, log_id: str | None = None) -> str:
    """A version-1 log at ``path`` holding ``bodies`` as they are, chained; its log id."""
    log_id = log_id or uuid.uuid4().hex
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("PRAGMA user_version = 1")
        conn.execute("PRAGMA journal_mode = WAL")
        for sql in (META, EVENTS, *GUARDS.values()):
            conn.execute(sql)
        conn.executemany(
            "INSERT INTO anpr_ops_meta (key, value) VALUES (?, ?)",
            [("log_id", log_id), ("created_at", "2020-04-18T07:00:00Z"), ("schema_version", "1")],
        )
        prev = GENESIS_HASH
        for seq, body in enumerate(bodies, start=1):
            event_id = str(parse_event(body).event_id) if _parses(body) else f"e{seq}"
            digest = chain_hash(prev, body.encode("utf-8"))
            conn.execute(
                "INSERT INTO events (seq, event_id, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                (seq, event_id, body, prev, digest),
            )
            prev = digest
        conn.commit()
    finally:
        conn.close()
    return log_id


def _parses(body: str) -> bool:
    try:
        parse_event(body)
    except ValueError:
        return False
    return True


def write_v1(path: Path, events: Sequence[Any], *, log_id: str | None = None) -> str:
    """A version-1 log at ``path`` holding ``events`` as version 1 wrote them; its log id."""
    return write_v1_bodies(path, [body_of(event) for event in events], log_id=log_id)


def tamper(path: Path, sql: str, *, keep_guards: bool = True) -> None:
    """Run ``sql`` on a version-1 file with its guards dropped (put back unless told not to):
    what someone with write access to the file can do."""
    conn = sqlite3.connect(path)
    try:
        for name in GUARDS:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute(sql)
        if keep_guards:
            for guard in GUARDS.values():
                conn.execute(guard)
        conn.commit()
    finally:
        conn.close()


def checkpoint_text(
    log_id: str, seq: int, head_hash: str, *, scope: str = "log", events: int | None = None
) -> str:
    """A version-1 checkpoint, written here as version 1 wrote them (``anpr-ops checkpoint
    1``: the lines, then the first 16 hex digits of the SHA-256 of the lines as a check)."""
    lines = [
        "anpr-ops checkpoint 1",
        f"log-id: {log_id}",
        "log-name: old.db",
        f"scope: {scope}",
        f"seq: {seq}",
        f"events: {seq if events is None else events}",
        f"head-hash: {head_hash}",
        "created-at: 2020-04-18T21:00:00Z",
    ]
    check = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]
    return "\n".join([*lines, f"check: {check}"]) + "\n"


def hashes(path: Path) -> list[str]:
    """The stored hash of every event of a version-1 file, by seq (index 0: the genesis)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        rows = conn.execute("SELECT hash FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()
    return [GENESIS_HASH, *(str(h) for (h,) in rows)]
