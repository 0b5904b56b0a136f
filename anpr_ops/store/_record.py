"""The stored record of an event, and the one mapper between events and records.

An event becomes a :class:`StoredEvent` (a row of ``events``) in exactly one place,
:func:`encode` and :func:`chain`, and a stored body becomes an event again in exactly one
place, :func:`decode`, as eventsourcing keeps its ``StoredEvent`` and ``Mapper``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from anpr_ops._canonical import canonical_text
from anpr_ops.chain import link
from anpr_ops.errors import EventValidationError, FieldProblem
from anpr_ops.events import EVENT_ADAPTER, Event, EventBase

__all__ = ["INSERT", "StoredEvent", "chain", "decode", "encode"]

#: The statement that writes one :class:`StoredEvent`, in field order.
INSERT = "INSERT INTO events (seq, event_id, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)"


class StoredEvent(NamedTuple):
    """One row of ``events``: the event's position, id, canonical body and chain link.

    A named tuple so that a batch of them goes to ``executemany`` as it is.
    """

    seq: int
    event_id: str
    body: str
    """The canonical text (its UTF-8 bytes are what the hash covers)."""
    prev_hash: str
    hash: str


def encode(event: EventBase, data: dict[str, Any], index: int) -> tuple[str, bytes]:
    """The canonical text and bytes of ``event``, from its canonical object ``data``.

    ``index`` is the event's position in its batch, for the error.
    """
    try:
        text = canonical_text(data)
        raw = text.encode("utf-8")
    except (ValueError, TypeError) as exc:
        # Lone surrogates (not text) are the only way a validated event gets here; the
        # cause would quote the text, so it is not chained.
        message = (
            f"event {event.event_id!r}: a string holds characters that are not valid Unicode "
            f"text ({type(exc).__name__})"
        )
        problems = [FieldProblem(loc=(), kind="string_unicode", message="not valid Unicode text")]
        raise EventValidationError(
            message, problems=problems, event_id=event.event_id, index=index, code="not_unicode"
        ) from None
    return text, raw


def chain(
    seq: int, event_id: str, body: str, raw: bytes, prev_raw: bytes, prev_hash: str
) -> tuple[StoredEvent, bytes]:
    """The record of an event at ``seq`` after the link ``prev_raw``, and its own link."""
    digest = link(prev_raw, raw)
    return StoredEvent(seq, event_id, body, prev_hash, digest.hex()), digest


def decode(body: str | bytes) -> Event:
    """The event a stored canonical body holds."""
    return EVENT_ADAPTER.validate_json(body)
