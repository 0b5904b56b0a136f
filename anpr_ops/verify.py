"""Verify a log file with nothing but the Python standard library.

A third party who was handed a copy of a log (and, ideally, a checkpoint kept elsewhere) can
check it without installing anpr_ops' dependencies::

    python -m anpr_ops.verify day.db --checkpoint day.checkpoint

A version-1 log (and a version-1 checkpoint of it) is verified as version 1 did, with the
version-1 reader (:mod:`anpr_ops._v1`): useful before migrating it. A log migrated from one
says so on an ``origin:`` line, once its events are found to recompute the old chain to the
head its migration record names; ``--migrated-from OLD`` (the old file, or a checkpoint of it)
checks that it descends from that old log::

    python -m anpr_ops.verify day.db --migrated-from day-v1.checkpoint

Exit status: 0 when the chain holds (and matches the checkpoint, and the log descends from its
origin), 1 when it does not, 2 when a file or checkpoint cannot be read, or the file is not an
anpr_ops log of a schema version this verifier knows (the files ``OpLog.open`` refuses for the
same reasons, version 1 apart). ``OpLog.verify()`` runs the same code
(:mod:`anpr_ops._verifier`).
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from anpr_ops import _v1
from anpr_ops._bodycheck import check_body
from anpr_ops._logfile import check_format, connect_readonly
from anpr_ops._schema import guard_problems
from anpr_ops._verifier import verify_log
from anpr_ops.chain import Checkpoint, VerifyResult
from anpr_ops.errors import AnprOpsError, MigrationError

__all__ = ["main", "verify_file"]


def verify_file(path: str | Path, checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Open the log at ``path`` read-only and verify its chain (against ``checkpoint``).

    Raises an :class:`~anpr_ops.errors.AnprOpsError` for a file that is not a log of the
    current schema version.
    """
    conn = connect_readonly(path)
    try:
        check_format(conn)
        return verify_log(conn, checkpoint, check=check_body)
    finally:
        conn.close()


def _v1_file(path: str, checkpoint: str | None) -> tuple[VerifyResult, list[str]]:
    """A version-1 log's chain (against its checkpoint) and the problems of its guards."""
    expected = _v1.read_checkpoint(checkpoint) if checkpoint is not None else None
    with contextlib.closing(_v1.connect(path)) as conn:
        _v1.check(conn)
        return _v1.verify(conn, expected), _v1.guard_problems(conn)


def _old_head(path: str) -> _v1.Head:
    """The head of a version-1 log (which must verify), or of a version-1 checkpoint."""
    if not _v1.is_v1_file(path):
        return _v1.read_checkpoint(Path(path).read_text(encoding="utf-8")).head
    with contextlib.closing(_v1.connect(path)) as conn:
        log_id = _v1.check(conn)
        result = _v1.verify(conn)
    if not result.ok:
        raise MigrationError(f"the old log {path} does not verify: {result.summary()}")
    return _v1.Head(log_id, result.head_seq, result.head_hash)


def _current_file(
    path: str, checkpoint: str | None, old: _v1.Head | None
) -> tuple[VerifyResult, list[str], list[tuple[str, _v1.Descent]]]:
    """A current log's verification, the problems of its guards, and its descent from the log
    it was migrated from: the ``origin`` its first access record entry names, and ``old``."""
    expected = Checkpoint.from_text(checkpoint) if checkpoint is not None else None
    with contextlib.closing(connect_readonly(path)) as conn:
        check_format(conn)
        result = verify_log(conn, expected, check=check_body)
        problems = guard_problems(conn)
        came = _v1.origin(conn)
        descents = []
        if came is not None:
            head = _v1.Head(came.log_id, came.head_seq, came.head_hash)
            descents.append(("origin", _v1.descent(conn, head)))
        if old is not None:
            descents.append(("descent", _v1.descent(conn, old)))
        return result, problems, descents


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point of ``python -m anpr_ops.verify``."""
    parser = argparse.ArgumentParser(
        prog="python -m anpr_ops.verify",
        description="Verify the hash chain of an anpr_ops log using only the standard library.",
        epilog="example: python -m anpr_ops.verify day.db --checkpoint day.checkpoint",
    )
    parser.add_argument("log", help="the log file (SQLite)")
    parser.add_argument("--checkpoint", help="a checkpoint file written by 'anpr-ops checkpoint'")
    parser.add_argument(
        "--migrated-from",
        metavar="OLD",
        help="the version-1 log this log was migrated from, or a checkpoint of it: check that "
        "this log descends from it",
    )
    args = parser.parse_args(argv)
    descents: list[tuple[str, _v1.Descent]] = []
    try:
        checkpoint = None
        if args.checkpoint:
            checkpoint = Path(args.checkpoint).read_text(encoding="utf-8")
        version_1 = _v1.is_v1_file(args.log)
        if version_1:
            if args.migrated_from:
                raise MigrationError("--migrated-from needs a log of the current version")
            result, problems = _v1_file(args.log, checkpoint)
        else:
            old = _old_head(args.migrated_from) if args.migrated_from else None
            result, problems, descents = _current_file(args.log, checkpoint, old)
    except (OSError, AnprOpsError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        # SQLite quotes a damaged schema in its message, and the quote is not text.
        print("error: the file is damaged (its schema is not readable text)", file=sys.stderr)
        return 2
    print(f"{args.log}: {'version 1 log: ' if version_1 else ''}{result.summary()}")
    print("guards: " + ("; ".join(problems) if problems else "intact"))
    for label, descent in descents:
        print(f"{label}: {descent.summary()}")
    if version_1:
        print("this version does not open version-1 logs: 'anpr-ops migrate OLD NEW' makes a copy")
    return 0 if result.ok and all(d.ok for _, d in descents) else 1


if __name__ == "__main__":
    sys.exit(main())
