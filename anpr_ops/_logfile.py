"""A log file as the standard library sees it: open it read-only, read its id, check that it
is a log of a format this version knows, and walk its chain.

Shared by the store (:class:`anpr_ops.store.OpLog`) and the standalone verifier
(``python -m anpr_ops.verify``), so both refuse the same files for the same reasons and
check the chain with the same code. Standard library only.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from dataclasses import replace
from pathlib import Path
from typing import Any

from anpr_ops._schema import APPLICATION_ID, EVENT_COPIES, SCHEMA_VERSION, guard_problems
from anpr_ops.chain import Checkpoint, VerifyResult, verify_rows
from anpr_ops.errors import GuardsMissingError, NotALogError, SchemaVersionError

__all__ = [
    "check_format",
    "check_guards",
    "connect_readonly",
    "read_log_id",
    "verify_chain",
]

# The copied columns must each appear, as a JSON member, in the body they were copied from
# (an event_id never needs JSON escaping).
_COPIES_OK = " AND ".join(
    f"instr(body, '\"{column}\":\"' || {column} || '\"') > 0" for column in EVENT_COPIES
)
_ROWS = f"SELECT seq, CAST(body AS BLOB), prev_hash, hash, {_COPIES_OK} FROM events ORDER BY seq"
_READONLY_DIRECTORY = 1544  # SQLITE_READONLY_DIRECTORY: no -shm can be made next to the file


def read_log_id(conn: sqlite3.Connection) -> str:
    """The ``log_id`` a log was created with ("" if the meta table has none)."""
    row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'log_id'").fetchone()
    return str(row[0]) if row else ""


def check_format(conn: sqlite3.Connection) -> None:
    """Refuse a file that is not an anpr_ops log of a schema version this library knows.

    Raises :class:`~anpr_ops.errors.NotALogError` (no anpr_ops application id or ``events``
    table, no schema version, not UTF-8) or :class:`~anpr_ops.errors.SchemaVersionError` (a
    newer format, which may chain differently). Reads only; a foreign file stays untouched.
    """
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    has_events = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'"
    ).fetchone()
    if app_id != APPLICATION_ID or has_events is None:
        raise NotALogError(
            "the file is a SQLite database but not an anpr_ops log (no anpr_ops application id "
            "or events table); refusing to touch it",
            code="not_a_log",
        )
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the log has schema version {version}, newer than this anpr_ops understands "
            f"({SCHEMA_VERSION}); upgrade anpr_ops to open it"
        )
    if version < 1:
        raise NotALogError(
            "the log has no schema version: it was never initialised", code="not_a_log"
        )
    (encoding,) = conn.execute("PRAGMA encoding").fetchone()
    if encoding != "UTF-8":
        raise NotALogError(f"the log's text encoding is {encoding}, not UTF-8", code="encoding")


def check_guards(conn: sqlite3.Connection) -> None:
    """Refuse a log whose append-only guards are missing, altered or joined by others."""
    problems = guard_problems(conn)
    if problems:
        raise GuardsMissingError(
            "the append-only guards of events are not intact ("
            + "; ".join(problems)
            + "): the file may have been tampered with; refusing to open it"
        )


def verify_chain(conn: sqlite3.Connection, checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Recompute the whole chain of the log open on ``conn``; compare with ``checkpoint``.

    Against a checkpoint the log must still hold the checkpoint's head event with the same
    hash (else it was truncated or rewritten), and for an operation's checkpoint the same
    number of that operation's events up to it.
    """
    result = verify_rows(conn.execute(_ROWS))
    if checkpoint is None or not result.ok:
        return result
    return _against(conn, result, checkpoint)


def _against(conn: sqlite3.Connection, result: VerifyResult, cp: Checkpoint) -> VerifyResult:
    def broken(problem: str, reason: str, seq: int | None) -> VerifyResult:
        return replace(result, ok=False, problem=problem, reason=reason, first_bad_seq=seq)

    log_id = read_log_id(conn)
    if cp.log_id != log_id:
        return broken(
            "checkpoint_other_log",
            f"the checkpoint belongs to log {cp.log_id!r}, this file is log {log_id!r}",
            None,
        )
    if result.head_seq < cp.seq:
        return broken(
            "truncated",
            f"the log ends at seq {result.head_seq} but the checkpoint was taken at seq {cp.seq}: "
            "events were removed from the end",
            result.head_seq + 1,
        )
    row = conn.execute("SELECT hash FROM events WHERE seq = ?", (cp.seq,)).fetchone()
    if row is None or row[0] != cp.head_hash:
        return broken(
            "rewritten",
            f"the event at seq {cp.seq} does not have the checkpoint's hash: "
            "the log was rewritten up to there",
            cp.seq,
        )
    op_id = cp.op_id
    if op_id is not None:
        (count,) = conn.execute(
            "SELECT count(*) FROM events WHERE json_extract(body, '$.op_id') = ? AND seq <= ?",
            (op_id, cp.seq),
        ).fetchone()
        if count != cp.events:
            return broken(
                "checkpoint_count",
                f"operation {op_id!r} has {count} events up to seq {cp.seq}, "
                f"the checkpoint says {cp.events}",
                cp.seq,
            )
    return replace(result, checkpoint_checked=True)


def connect_readonly(path: str | Path, **options: Any) -> sqlite3.Connection:
    """Open an existing log file for reading only; never creates a file.

    A reader of a WAL file needs its ``-shm`` index, and SQLite makes one next to the file.
    In a folder the reader cannot write (read-only media, an evidence store) it cannot, and
    SQLite refuses to read (SQLITE_READONLY_DIRECTORY). If no ``-wal`` file with content lies
    next to the log, the file alone holds every committed event, so it is then opened as
    immutable, without the index (it must not change while it is read). ``options`` go to
    ``sqlite3.connect``.
    """
    target = Path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no log file at {target}")
    uri = "file:" + urllib.parse.quote(str(target.resolve())) + "?mode=ro"
    conn: sqlite3.Connection = sqlite3.connect(uri, uri=True, **options)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.Error, UnicodeDecodeError) as exc:  # UnicodeDecodeError: damaged schema
        wal = Path(f"{target}-wal")
        if getattr(exc, "sqlite_errorcode", None) != _READONLY_DIRECTORY or (
            wal.exists() and wal.stat().st_size > 0
        ):
            return conn  # the caller meets the same error on its first statement
        conn.close()
        conn = sqlite3.connect(uri + "&immutable=1", uri=True, **options)
    return conn
