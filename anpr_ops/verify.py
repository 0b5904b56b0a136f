"""Verify a log file with nothing but the Python standard library.

A third party who was handed a copy of a log (and, ideally, a checkpoint kept elsewhere) can
check it without installing anpr_ops' dependencies::

    python -m anpr_ops.verify day.db --checkpoint day.checkpoint

Exit status: 0 when the chain holds (and matches the checkpoint), 1 when it does not, 2 when
the file or checkpoint cannot be read, or the file is not an anpr_ops log of a schema version
this verifier knows (the files ``OpLog.open`` refuses for the same reasons). ``OpLog.verify()``
runs this same code.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import urllib.parse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from anpr_ops._schema import APPLICATION_ID, EVENT_COPIES, SCHEMA_VERSION, guard_problems
from anpr_ops.chain import Checkpoint, VerifyResult, verify_rows
from anpr_ops.errors import AnprOpsError, NotALogError, SchemaVersionError

__all__ = [
    "check_format",
    "connect_readonly",
    "main",
    "read_log_id",
    "verify_connection",
    "verify_file",
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
    """Refuse a file this verifier cannot vouch for: not marked as an anpr_ops log, or of a
    schema version other than one it knows (a newer format may chain differently).

    Raises :class:`~anpr_ops.errors.NotALogError` or
    :class:`~anpr_ops.errors.SchemaVersionError`, as ``OpLog.open`` does for the same files.
    """
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    if app_id != APPLICATION_ID:
        raise NotALogError("the file is not marked as an anpr_ops log (PRAGMA application_id)")
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the log has schema version {version}, newer than this verifier understands "
            f"({SCHEMA_VERSION})"
        )
    if version < 1:
        raise NotALogError("the log has no schema version: it was never initialised")


def verify_connection(
    conn: sqlite3.Connection, checkpoint: Checkpoint | None = None
) -> VerifyResult:
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
    except (sqlite3.Error, UnicodeDecodeError) as exc:  # see main() for the second
        wal = Path(f"{target}-wal")
        if getattr(exc, "sqlite_errorcode", None) != _READONLY_DIRECTORY or (
            wal.exists() and wal.stat().st_size > 0
        ):
            return conn  # the caller meets the same error on its first statement
        conn.close()
        conn = sqlite3.connect(uri + "&immutable=1", uri=True, **options)
    return conn


def verify_file(path: str | Path, checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Open the log at ``path`` read-only and verify it (see :func:`verify_connection`).

    Raises an :class:`~anpr_ops.errors.AnprOpsError` for a file :func:`check_format` refuses.
    """
    conn = connect_readonly(path)
    try:
        check_format(conn)
        return verify_connection(conn, checkpoint)
    finally:
        conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point of ``python -m anpr_ops.verify``."""
    parser = argparse.ArgumentParser(
        prog="python -m anpr_ops.verify",
        description="Verify the hash chain of an anpr_ops log using only the standard library.",
        epilog="example: python -m anpr_ops.verify day.db --checkpoint day.checkpoint",
    )
    parser.add_argument("log", help="the log file (SQLite)")
    parser.add_argument("--checkpoint", help="a checkpoint file written by 'anpr-ops checkpoint'")
    args = parser.parse_args(argv)
    try:
        checkpoint = None
        if args.checkpoint:
            checkpoint = Checkpoint.from_text(Path(args.checkpoint).read_text(encoding="utf-8"))
        conn = connect_readonly(args.log)
        try:
            check_format(conn)
            result = verify_connection(conn, checkpoint)
            problems = guard_problems(conn)
        finally:
            conn.close()
    except (OSError, AnprOpsError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        # SQLite quotes a damaged schema in its message, and the quote is not text.
        print("error: the file is damaged (its schema is not readable text)", file=sys.stderr)
        return 2
    print(f"{args.log}: {result.summary()}")
    print("guards: " + ("; ".join(problems) if problems else "intact"))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
