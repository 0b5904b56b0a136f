"""A log file as the standard library sees it: open it read-only, read its id, check that it
is a log of a format this version knows, and walk its chain.

Shared by the store (:class:`anpr_ops.store.OpLog`) and the standalone verifier
(``python -m anpr_ops.verify``), so both refuse the same files for the same reasons and
check the chain with the same code. Standard library only.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from anpr_ops._schema import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    schema_problems,
    schema_problems_without_views,
)
from anpr_ops.errors import GuardsMissingError, NotALogError, SchemaVersionError

__all__ = [
    "check_format",
    "check_schema",
    "connect_readonly",
    "read_log_id",
    "read_log_name",
]

_READONLY_DIRECTORY = 1544  # SQLITE_READONLY_DIRECTORY: no -shm can be made next to the file


def read_log_id(conn: sqlite3.Connection) -> str:
    """The ``log_id`` a log was created with ("" if the meta table has none)."""
    row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'log_id'").fetchone()
    return str(row[0]) if row else ""


def read_log_name(conn: sqlite3.Connection) -> str:
    """The name a log was given when it was created (its file's stem then), which its
    checkpoints carry in their origin; ``"log"`` for a log made before logs had names."""
    row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'name'").fetchone()
    return str(row[0]) if row else "log"


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
    if version < SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the log has schema version {version}, older than this anpr_ops writes "
            f"({SCHEMA_VERSION}); make a current copy with 'anpr-ops migrate OLD NEW' (the old "
            "file is left as it is)",
            code="schema_too_old",
        )
    (encoding,) = conn.execute("PRAGMA encoding").fetchone()
    if encoding != "UTF-8":
        raise NotALogError(f"the log's text encoding is {encoding}, not UTF-8", code="encoding")


def check_schema(conn: sqlite3.Connection, views: Iterable[str] | None) -> None:
    """Refuse a log whose schema is not exactly the one this version makes: a guard trigger
    missing, altered or joined by another, or any other table, index, trigger or view extra,
    missing or altered (whatever the case or quoting of its names). With ``views`` ``None``,
    the views are not compared (``anpr-ops views`` writes them anew)."""
    if views is None:
        problems = schema_problems_without_views(conn)
    else:
        problems = schema_problems(conn, views)
    if problems and all(p.startswith(("view ", "unexpected view ")) for p in problems):
        raise GuardsMissingError(
            "the log's readable views are not those this version of anpr_ops writes ("
            + "; ".join(problems[:3])
            + ("; …" if len(problems) > 3 else "")
            + "); the tables and guards are intact: write this version's views into it with "
            "anpr-ops views",
            problems=problems,
            code="views_outdated",
        )
    if problems:
        raise GuardsMissingError(
            "the append-only guards or the schema of the log are not those anpr_ops made ("
            + "; ".join(problems[:5])
            + ("; …" if len(problems) > 5 else "")
            + "): the file may have been tampered with; refusing to open it",
            problems=problems,
        )


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
