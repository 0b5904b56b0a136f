"""The checks of a full verification beyond those both verifiers share: SQLite's own integrity
check, and every derived table against a rebuild (derived state is not chained, so this is how
an edit to it is found)."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

from anpr_ops._verifier import verify_log
from anpr_ops.chain import Checkpoint, VerifyResult
from anpr_ops.store._rebuild import derived_mismatch
from anpr_ops.store._validity import body_problem

__all__ = ["access_head", "verify"]


def verify(conn: sqlite3.Connection, checkpoint: Checkpoint | None, *, quick: bool) -> VerifyResult:
    """Verify the log open on ``conn`` (inside the caller's snapshot); see ``OpLog.verify``."""
    result = verify_log(conn, checkpoint, bodies=not quick, check=body_problem)
    if quick or not result.ok:
        return dataclasses.replace(
            result, not_checked=("bodies", "derived tables") if quick else ()
        )
    try:
        damage = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
    except sqlite3.DatabaseError:
        damage = ["the file cannot be read"]
    if damage != ["ok"]:
        return _failed(
            result,
            problem="storage_damaged",
            reason="SQLite's integrity check finds the file damaged ("
            + "; ".join(str(d) for d in damage)
            + "); restore it from a copy",
        )
    mismatch = derived_mismatch(conn)
    if mismatch is None:
        return result
    table, seq = mismatch
    return _failed(
        result,
        problem="derived_mismatch",
        reason=f"table {table} differs from a rebuild from the events and the access "
        f"record{f' (first difference at seq {seq})' if seq is not None else ''}; "
        "run rebuild() after finding out how",
        first_bad_seq=seq,
    )


def access_head(conn: sqlite3.Connection) -> tuple[int, str]:
    """``(seq, hash)`` of the access record's last entry; ``(0, 64 zeros)`` when empty."""
    row = conn.execute("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "0" * 64)


def _failed(result: VerifyResult, **changes: Any) -> VerifyResult:
    """``result`` marked failed with the given problem (VerifyResult is a frozen dataclass)."""
    return dataclasses.replace(result, ok=False, **changes)
