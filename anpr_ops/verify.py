"""Verify a log file, or a proof, with nothing but the Python standard library.

A third party who was handed a copy of a log (and, ideally, a checkpoint kept elsewhere) can
check it without installing anpr_ops' dependencies; someone handed an inclusion or a
consistency proof and the checkpoints it rests on can check that, without the log::

    python -m anpr_ops.verify day.db --checkpoint day.checkpoint [--key force.pub]
    python -m anpr_ops.verify --proof search-7.proof.json --checkpoint day.checkpoint
    python -m anpr_ops.verify --consistency c.json --old april.checkpoint --new may.checkpoint

A version-1 log (and a version-1 checkpoint of it) is verified as version 1 did, with the
version-1 reader (:mod:`anpr_ops._v1`): useful before migrating it. A log migrated from one
says so on an ``origin:`` line, once its events are found to recompute the old chain to the
head its migration record names; ``--migrated-from OLD`` (the old file, or a checkpoint of it)
checks that it descends from that old log::

    python -m anpr_ops.verify day.db --migrated-from day-v1.checkpoint

``--key`` (a verifier key, or a file of them) makes the checkpoints' signatures count: each must
be signed by one of the keys. Checking a signature is the only thing that needs more than the
standard library (the ``cryptography`` package, ``pip install 'anpr_ops[signing]'``); without
``--key`` it is never imported, and with it but without the package the verifier says so in
one line.

Exit status, as for ``anpr-ops verify``: 0 the chain (or the proof) holds, matches the
checkpoint (signed by a key given, with ``--key``), the log descends from its origin and the
append-only guards are in place; 1 it does not hold, a checkpoint is not signed by a key given,
or a guard was removed or altered (tampering or damage found); 2 it could not be checked: a
file cannot be read, the checkpoint is of another log, or the file is not an anpr_ops log of a
schema version this verifier knows (the files ``OpLog.open`` refuses for the same reasons,
version 1 apart). ``OpLog.verify()`` runs the same code (:mod:`anpr_ops._verifier`).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from anpr_ops import _v1
from anpr_ops._bodycheck import check_body
from anpr_ops._logfile import check_format, connect_readonly
from anpr_ops._schema import guard_problems
from anpr_ops._verifier import verify_log
from anpr_ops.chain import VerifyResult
from anpr_ops.checkpoint import Checkpoint
from anpr_ops.errors import AnprOpsError, MigrationError, ProofError, SignatureError
from anpr_ops.keys import read_verifiers
from anpr_ops.note import Verifier
from anpr_ops.proofs import ConsistencyProof, InclusionProof, check_consistency, check_inclusion

__all__ = ["check_file", "main", "verify_file"]

#: Exit statuses: the chain holds; it does not (or a guard is missing); it could not be checked.
HOLDS, BROKEN, CANNOT = 0, 1, 2

#: What this verifier leaves to ``anpr-ops verify`` (the library's full verification).
_NOT_CHECKED = ("the derived tables, which anpr-ops verify compares with a rebuild",)

# A checkpoint whose signature does not check is a failed check, not an unreadable file.
_FAILED_SIGNATURES = frozenset({"bad_signature", "unknown_key"})


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


def check_file(
    path: str | Path, checkpoint: Checkpoint | None = None
) -> tuple[VerifyResult, list[str]]:
    """The verification of the log at ``path`` (read-only) and the problems of its append-only
    guards (empty when they are intact). Raises as :func:`verify_file` does."""
    conn = connect_readonly(path)
    try:
        check_format(conn)
        return verify_log(conn, checkpoint, check=check_body), guard_problems(conn)
    finally:
        conn.close()


def status(result: VerifyResult, guard_problems: Sequence[str]) -> int:
    """The exit status of a verification and the state of the guards."""
    if result.problem == "checkpoint_other_log":
        return CANNOT
    return HOLDS if result.ok and not guard_problems else BROKEN


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
    path: str, checkpoint: Checkpoint | None, old: _v1.Head | None
) -> tuple[VerifyResult, list[str], list[tuple[str, _v1.Descent]]]:
    """A current log's verification, the problems of its guards, and its descent from the log
    it was migrated from: the ``origin`` its first access record entry names, and ``old``."""
    with contextlib.closing(connect_readonly(path)) as conn:
        check_format(conn)
        result = verify_log(conn, checkpoint, check=check_body)
        # The derived tables (what reports read) are compared with a rebuild only by the
        # library's full verification, which needs the event models: say so.
        result = dataclasses.replace(result, not_checked=_NOT_CHECKED)
        problems = guard_problems(conn)
        came = _v1.origin(conn)
        descents = []
        if came is not None:
            head = _v1.Head(came.log_id, came.head_seq, came.head_hash)
            descents.append(("origin", _v1.descent(conn, head)))
        if old is not None:
            descents.append(("descent", _v1.descent(conn, old)))
        return result, problems, descents


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m anpr_ops.verify",
        description="Verify an anpr_ops log, or a proof, using only the standard library.",
        epilog="examples: python -m anpr_ops.verify day.db --checkpoint day.checkpoint; "
        "python -m anpr_ops.verify --proof p.json --checkpoint day.checkpoint; "
        "python -m anpr_ops.verify --consistency c.json --old a.checkpoint --new b.checkpoint",
    )
    parser.add_argument("log", nargs="?", help="the log file (SQLite)")
    parser.add_argument("--checkpoint", help="a checkpoint file written by 'anpr-ops checkpoint'")
    parser.add_argument("--proof", help="an inclusion proof ('anpr-ops prove') to check")
    parser.add_argument(
        "--consistency", help="a consistency proof ('anpr-ops prove-consistency') to check"
    )
    parser.add_argument("--old", help="the earlier checkpoint of a consistency proof")
    parser.add_argument("--new", help="the later checkpoint of a consistency proof")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        help="a verifier key (NAME+ID+KEY) or a file of them: checkpoints must be signed by one "
        "(needs the 'cryptography' package); repeatable",
    )
    parser.add_argument(
        "--migrated-from",
        metavar="OLD",
        help="the version-1 log this log was migrated from, or a checkpoint of it: check that "
        "this log descends from it",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point of ``python -m anpr_ops.verify``."""
    parser = _parser()
    args = parser.parse_args(argv)
    modes = [bool(args.log), bool(args.proof), bool(args.consistency)]
    if sum(modes) != 1:
        parser.error("give one of: a log file, --proof or --consistency")
    if args.consistency and not (args.old and args.new):
        parser.error("--consistency needs --old and --new")
    if args.proof and not args.checkpoint:
        parser.error("--proof needs --checkpoint")
    if args.migrated_from and not args.log:
        parser.error("--migrated-from checks a log: give the log file")
    if args.log and args.key and not args.checkpoint:
        parser.error("--key checks a checkpoint's signature: give --checkpoint too")
    try:
        keys = read_verifiers(args.key)
        if args.proof:
            return _proof(Path(args.proof), Path(args.checkpoint), keys)
        if args.consistency:
            return _consistency(Path(args.consistency), Path(args.old), Path(args.new), keys)
        return _log(args.log, args.checkpoint, keys, args.migrated_from)
    except (ProofError, SignatureError) as exc:
        if isinstance(exc, SignatureError) and exc.code not in _FAILED_SIGNATURES:
            print(f"error: {exc}", file=sys.stderr)
            return CANNOT
        print(f"does not hold: {exc}")
        return BROKEN
    except (OSError, AnprOpsError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return CANNOT
    except UnicodeDecodeError:
        # SQLite quotes a damaged schema in its message, and the quote is not text.
        print("error: the file is damaged (its schema is not readable text)", file=sys.stderr)
        return CANNOT


def _read(path: Path, keys: list[Verifier]) -> Checkpoint:
    return Checkpoint.from_text(path.read_text(encoding="utf-8"), keys)


def _signed(checkpoint: Checkpoint) -> str:
    if checkpoint.signed_by:
        return "signed by " + ", ".join(checkpoint.signed_by)
    return "signature not checked" if checkpoint.signatures else "unsigned"


def _log(
    path: str, checkpoint_file: str | None, keys: list[Verifier], migrated_from: str | None
) -> int:
    descents: list[tuple[str, _v1.Descent]] = []
    checkpoint = None
    version_1 = _v1.is_v1_file(path)
    if version_1:
        if migrated_from:
            raise MigrationError("--migrated-from needs a log of the current version")
        if keys:
            raise MigrationError("version-1 checkpoints are not signed: leave out --key")
        text = Path(checkpoint_file).read_text(encoding="utf-8") if checkpoint_file else None
        result, problems = _v1_file(path, text)
    else:
        checkpoint = _read(Path(checkpoint_file), keys) if checkpoint_file else None
        old = _old_head(migrated_from) if migrated_from else None
        result, problems, descents = _current_file(path, checkpoint, old)
    print(f"{path}: {'version 1 log: ' if version_1 else ''}{result.summary()}")
    print("guards: " + ("; ".join(problems) if problems else "intact"))
    for label, descent in descents:
        print(f"{label}: {descent.summary()}")
    if checkpoint is not None:
        print(f"checkpoint: {_signed(checkpoint)}")
    if version_1:
        print("this version does not open version-1 logs: 'anpr-ops migrate OLD NEW' makes a copy")
    return status(result, problems) if all(d.ok for _, d in descents) else BROKEN


def _proof(proof_file: Path, checkpoint_file: Path, keys: list[Verifier]) -> int:
    proof = InclusionProof.from_json(proof_file.read_bytes())
    checkpoint = _read(checkpoint_file, keys)
    check_inclusion(proof, checkpoint)
    values = ", with its personal values" if proof.personal is not None else ""
    print(
        f"proof holds: event {proof.event_id} is in {proof.origin} at {proof.tree_size} "
        f"events (seq {proof.seq}){values}; checkpoint {_signed(checkpoint)}"
    )
    return HOLDS


def _consistency(proof_file: Path, old: Path, new: Path, keys: list[Verifier]) -> int:
    proof = ConsistencyProof.from_json(proof_file.read_bytes())
    later = _read(new, keys)
    check_consistency(proof, _read(old, keys), later)
    print(
        f"consistent: {proof.origin} at {proof.new_size} events extends itself at "
        f"{proof.old_size}; new checkpoint {_signed(later)}"
    )
    return HOLDS


if __name__ == "__main__":
    sys.exit(main())
