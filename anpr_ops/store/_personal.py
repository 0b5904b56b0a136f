"""Personal values under the Data Protection Act 2018 Part 3: reads recorded (s.62), erasure
and restriction (s.47), retention (s.39).

Every function here writes the access record (:mod:`anpr_ops.store._access`) in the same
transaction as what it records, so an access is never done without being recorded, and an
erasure never recorded without being done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from anpr_ops.errors import AccessRefusedError
from anpr_ops.store._access import Access, Actor, record, spans
from anpr_ops.store._connection import Database

__all__ = ["record_read"]


def record_read(
    db: Database,
    actor: Actor,
    doing: str,
    *,
    query: Mapping[str, Any],
    seqs: Sequence[int] = (),
    recipient: str | None = None,
) -> None:
    """Record a read that returns personal values — a disclosure when it is for a
    ``recipient`` — refused without an actor and purpose, and on a log opened read-only, where
    it could not be recorded."""
    name, purpose = actor.require(doing)
    if db.readonly:
        message = (
            f"{doing}: the log was opened read-only, so the access cannot be recorded "
            "(s.62 DPA 2018); open it for writing"
        )
        raise AccessRefusedError(message, code="read_only")
    entry = Access(
        action="disclose" if recipient else "consult",
        actor=name,
        purpose=purpose,
        recipient=recipient,
        query={k: v for k, v in query.items() if v is not None},
        events=spans(seqs),
    )
    with db.writing("recording a read of personal values") as conn:
        record(conn, entry)
