"""Verify a log file with nothing but the Python standard library.

A third party who was handed a copy of a log (and, ideally, a checkpoint kept elsewhere) can
check it without installing anpr_ops' dependencies::

    python -m anpr_ops.verify day.db --checkpoint day.checkpoint

Exit status: 0 when the chain holds (and matches the checkpoint), 1 when it does not, 2 when
the file or checkpoint cannot be read, or the file is not an anpr_ops log of a schema version
this verifier knows (the files ``OpLog.open`` refuses for the same reasons). ``OpLog.verify()``
runs the same code (:mod:`anpr_ops._logfile`).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from anpr_ops._bodycheck import check_body
from anpr_ops._logfile import check_format, connect_readonly
from anpr_ops._schema import guard_problems
from anpr_ops._verifier import verify_log
from anpr_ops.chain import Checkpoint, VerifyResult
from anpr_ops.errors import AnprOpsError

__all__ = ["main", "verify_file"]


def verify_file(path: str | Path, checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Open the log at ``path`` read-only and verify its chain (against ``checkpoint``).

    Raises an :class:`~anpr_ops.errors.AnprOpsError` for a file that is not a log of a schema
    version this verifier knows.
    """
    conn = connect_readonly(path)
    try:
        check_format(conn)
        return verify_log(conn, checkpoint, check=check_body)
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
            result = verify_log(conn, checkpoint, check=check_body)
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
