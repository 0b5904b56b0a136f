"""Verify a log file with nothing but the Python standard library.

A third party who was handed a copy of a log (and, ideally, a checkpoint kept elsewhere) can
check it without installing anpr_ops' dependencies::

    python -m anpr_ops.verify day.db --checkpoint day.checkpoint

Exit status: 0 when the chain holds (and matches the checkpoint), 1 when it does not, 2 when
the file or checkpoint cannot be read. ``OpLog.verify()`` runs this same code.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import urllib.parse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from anpr_ops._schema import EVENT_COPIES, guard_problems
from anpr_ops.chain import Checkpoint, VerifyResult, verify_rows
from anpr_ops.errors import CheckpointError

__all__ = ["main", "read_log_id", "verify_connection", "verify_file"]

# The copied columns must each appear, as a JSON member, in the body they were copied from
# (an event_id never needs JSON escaping).
_COPIES_OK = " AND ".join(
    f"instr(body, '\"{column}\":\"' || {column} || '\"') > 0" for column in EVENT_COPIES
)
_ROWS = f"SELECT seq, CAST(body AS BLOB), prev_hash, hash, {_COPIES_OK} FROM events ORDER BY seq"


def read_log_id(conn: sqlite3.Connection) -> str:
    """The ``log_id`` a log was created with ("" if the meta table has none)."""
    row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'log_id'").fetchone()
    return str(row[0]) if row else ""


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


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """Open an existing log file for reading only; never creates a file."""
    target = Path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no log file at {target}")
    uri = "file:" + urllib.parse.quote(str(target.resolve())) + "?mode=ro"
    return sqlite3.connect(uri, uri=True)


def verify_file(path: str | Path, checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Open the log at ``path`` read-only and verify it (see :func:`verify_connection`)."""
    conn = connect_readonly(path)
    try:
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
            result = verify_connection(conn, checkpoint)
            problems = guard_problems(conn)
        finally:
            conn.close()
    except (OSError, CheckpointError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.log}: {result.summary()}")
    print("guards: " + ("; ".join(problems) if problems else "intact"))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
