"""Reads of personal values, recorded in the access record (Data Protection Act 2018 s.62)
before the values are returned, so that no read of them goes unrecorded. Erasure, restriction
and retention are :mod:`anpr_ops.store._protection`'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from anpr_ops.errors import AccessRefusedError
from anpr_ops.proofs import Disclosure, InclusionProof
from anpr_ops.store._access import Access, Actor, record, spans
from anpr_ops.store._connection import Database
from anpr_ops.store._policy import current_policy

__all__ = ["disclose", "record_read"]


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
    name, purpose = _recordable(db, actor, doing)
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


def disclose(
    db: Database, actor: Actor, proof: InclusionProof, *, restricted: bool, to: str | None
) -> Disclosure | None:
    """The personal values of the event ``proof`` is about, to go with the proof to ``to``:
    recorded as a disclosure in the same transaction as they are read. ``None`` when the event
    has none. Refused without an actor, purpose or recipient, on a read-only log, for erased
    values, and for a restricted record unless ``restricted``."""
    doing = "disclosing personal values with a proof"
    name, purpose = _recordable(db, actor, doing)
    if not to:
        message = f"{doing} needs the recipient, recorded with the disclosure (s.62 DPA 2018)"
        raise AccessRefusedError(message, code="recipient_required")
    with db.writing("recording a disclosure of personal values") as conn:
        salt, values, erased, held = conn.execute(
            'SELECT p.salt, p."values", x.seq IS NOT NULL, r.seq IS NOT NULL FROM events e '
            "LEFT JOIN personal p ON p.seq = e.seq LEFT JOIN erased x ON x.seq = e.seq "
            "LEFT JOIN restricted r ON r.seq = e.seq WHERE e.seq = ?",
            (proof.seq,),
        ).fetchone()
        if erased:
            message = f"{doing}: the event's personal values were erased"
            raise AccessRefusedError(message, code="erased")
        if values is None:
            return None
        if held and not restricted:
            message = f"{doing}: the record is restricted (s.47(2) DPA 2018); say so to disclose it"
            raise AccessRefusedError(message, code="restricted")
        record(
            conn,
            Access(
                action="disclose",
                actor=name,
                purpose=purpose,
                recipient=to,
                query={"event_id": proof.event_id, "proof": "inclusion"},
                events=spans([proof.seq]),
            ),
        )
    return Disclosure(json.loads(values), bytes(salt))


def _recordable(db: Database, actor: Actor, doing: str) -> tuple[str, str | None]:
    """The actor's name and purpose for an access about to be recorded; refused without an
    actor, without a purpose (unless the log's policy does not require one), and on a log
    opened read-only."""
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
    return name, purpose
