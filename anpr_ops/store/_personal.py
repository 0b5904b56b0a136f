"""Reads of personal values, recorded in the access record (Data Protection Act 2018 s.62)
before the values are returned, so that no read of them goes unrecorded. Erasure, restriction
and retention are :mod:`anpr_ops.store._protection`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from anpr_ops.errors import AccessRefusedError
from anpr_ops.store._access import Access, Actor, record, spans
from anpr_ops.store._connection import Database
from anpr_ops.store._policy import current_policy

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
    ``recipient`` — refused without an actor, without a purpose (unless the log's retention
    policy says a justification is not required), and on a log opened read-only, where it could
    not be recorded."""
    name, purpose = actor.require(doing, purpose=False)
    if purpose is None:
        # The justification is required unless the log's policy says otherwise (the Data
        # (Use and Access) Act 2025 s.82 removes it once commenced).
        with db.reading() as conn:
            required = current_policy(conn)[0].justification_required
        if required:
            actor.require(doing)
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
