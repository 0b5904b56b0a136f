"""Verify a log file with nothing but the Python standard library.

A third party who was handed a copy of a log (and, ideally, a checkpoint kept elsewhere) can
check it without installing anpr_ops' dependencies::

    python -m anpr_ops.verify day.db --checkpoint day.checkpoint

Exit status, as for ``anpr-ops verify``: 0 the chain holds (and matches the checkpoint) and the
append-only guards are in place; 1 it does not hold, or a guard was removed or altered
(tampering or damage found); 2 it could not be checked: the file or checkpoint cannot be read,
the checkpoint is of another log, or the file is not an anpr_ops log of a schema version this
verifier knows (the files ``OpLog.open`` refuses for the same reasons). ``OpLog.verify()``
runs the same code (:mod:`anpr_ops._logfile`).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from anpr_ops._logfile import check_format, connect_readonly
from anpr_ops._schema import guard_problems
from anpr_ops._verifier import verify_log
from anpr_ops.chain import Checkpoint, VerifyResult
from anpr_ops.errors import AnprOpsError

__all__ = ["check_file", "main", "verify_file"]

#: Exit statuses: the chain holds; it does not (or a guard is missing); it could not be checked.
HOLDS, BROKEN, CANNOT = 0, 1, 2


def verify_file(path: str | Path, checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Open the log at ``path`` read-only and verify its chain (against ``checkpoint``).

    Raises an :class:`~anpr_ops.errors.AnprOpsError` for a file that is not a log of a schema
    version this verifier knows.
    """
    conn = connect_readonly(path)
    try:
        check_format(conn)
        return verify_log(conn, checkpoint)
    finally:
        conn.close()


def check_file(
    path: str | Path, checkpoint: Checkpoint | None = None
) -> tuple[VerifyResult, list[str]]:
    """The verification of the log at ``path`` (read-only) and the problems of its append-only
    guards (empty when they are intact). Raises as :func:`verify_file` does."""
    conn = connect_readonly(path)
    try:
        check_format(conn)
        return verify_log(conn, checkpoint), guard_problems(conn)
    finally:
        conn.close()


def status(result: VerifyResult, guard_problems: Sequence[str]) -> int:
    """The exit status of a verification and the state of the guards."""
    if result.problem == "checkpoint_other_log":
        return CANNOT
    return HOLDS if result.ok and not guard_problems else BROKEN


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
        result, problems = check_file(args.log, checkpoint)
    except (OSError, AnprOpsError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return CANNOT
    except UnicodeDecodeError:
        # SQLite quotes a damaged schema in its message, and the quote is not text.
        print("error: the file is damaged (its schema is not readable text)", file=sys.stderr)
        return CANNOT
    print(f"{args.log}: {result.summary()}")
    print("guards: " + ("; ".join(problems) if problems else "intact"))
    return status(result, problems)


if __name__ == "__main__":
    sys.exit(main())
