"""The stored record of an event, and the one mapper between events and records.

An event becomes a row of ``events`` (a :class:`StoredEvent`) and, when it has personal
values, a row of ``personal`` in exactly one place (:func:`encode`, then :func:`seal`), and
stored rows become an event again in exactly one place (:func:`decode`), as eventsourcing
keeps its ``StoredEvent`` and ``Mapper``.

The chained bytes (``body``) are the canonical JSON of the event's public fields, plus:

- ``"personal": {"commitment": …, "fields": […]}`` when the event has personal values:
  the hex SHA-256 of a random 16-byte salt followed by the canonical bytes of those values,
  and the dotted names of the fields they fill;
- ``"subject": n`` beside a ``subject_ref`` (also inside a replacement): the log's number for
  that person, so that people are counted once without their reference being chained.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from anpr_ops._canonical import canonical_text
from anpr_ops._commitment import SALT_BYTES, commitment, event_object
from anpr_ops.chain import link
from anpr_ops.errors import EventValidationError, FieldProblem
from anpr_ops.events import EVENT_ADAPTER, Event, EventBase
from anpr_ops.events.personal import MARKERS, STAND_INS, merge, paths, split

__all__ = [
    "INSERT",
    "INSERT_PERSONAL",
    "Encoded",
    "PersonalRow",
    "StoredEvent",
    "chain",
    "commitment",
    "decode",
    "encode",
    "full_object",
    "seal",
    "sortable_time",
]

#: The statement that writes one :class:`StoredEvent`, in field order.
INSERT = (
    "INSERT INTO events (seq, event_id, kind, op_id, occurred_at, target_seq, ref_seq, body, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: The statement that writes one :class:`PersonalRow`.
INSERT_PERSONAL = 'INSERT INTO personal (seq, salt, "values") VALUES (?, ?, ?)'


class StoredEvent(NamedTuple):
    """One row of ``events``. A named tuple, so that a batch of them goes to
    ``executemany`` as it is."""

    seq: int
    event_id: str
    kind: str
    op_id: str
    occurred_at: str
    """``occurred_at`` as fixed-width UTC text that sorts in time order."""
    target_seq: int | None
    ref_seq: int | None
    body: str
    """The chained bytes, as UTF-8 text."""
    hash: str


class PersonalRow(NamedTuple):
    """One row of ``personal``: the salt and the canonical text of an event's personal
    values."""

    seq: int
    salt: bytes
    values: str


class Encoded(NamedTuple):
    """An event ready to store: its model, canonical object and canonical text, and that
    object split into what is chained and what is kept apart."""

    event: EventBase
    full_text: str
    public: dict[str, Any]
    personal: dict[str, Any]


def encode(event: EventBase, data: dict[str, Any], index: int) -> Encoded:
    """Split the canonical object ``data`` of ``event`` (its position in the batch is
    ``index``, for errors) into public and personal parts; refuse text that is not Unicode
    and events that carry a read's markers instead of values."""
    try:
        text = canonical_text(data)
        text.encode("utf-8")
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
    public, personal = split(data)
    _refuse_markers(event, personal, index)
    return Encoded(event, text, public, personal)


def _refuse_markers(event: EventBase, personal: Mapping[str, Any], index: int) -> None:
    for key, value in personal.items():
        if isinstance(value, Mapping):
            _refuse_markers(event, value, index)
        elif value in MARKERS:
            message = (
                f"event {event.event_id!r}: {key} holds {value}, the mark of a read that did "
                "not return the value; an event read that way cannot be appended again"
            )
            problems = [FieldProblem(loc=(key,), kind="masked_value", message=message)]
            raise EventValidationError(
                message, problems=problems, event_id=event.event_id, index=index, code="masked"
            )


def seal(
    encoded: Encoded, person: Callable[[str], int], salt: bytes | None = None
) -> tuple[str, bytes, tuple[bytes, str] | None]:
    """The chained body of an encoded event (text and bytes) and its ``(salt, values)`` to
    keep apart (``None`` when it has no personal values).

    ``person`` gives the log's number for a subject reference; ``salt`` is drawn at random
    unless given (it is given when comparing an event with a stored one).
    """
    public = encoded.public
    personal = encoded.personal
    if not personal:
        text = canonical_text(public)
        return text, text.encode("utf-8"), None
    body = dict(public)
    if "subject_ref" in personal:
        body["subject"] = person(personal["subject_ref"])
    inner = personal.get("replacement")
    if isinstance(inner, Mapping) and "subject_ref" in inner:
        body["replacement"] = {**body["replacement"], "subject": person(inner["subject_ref"])}
    values = canonical_text(personal)
    if salt is None:
        salt = os.urandom(SALT_BYTES)
    body["personal"] = {"commitment": commitment(salt, values), "fields": paths(personal)}
    text = canonical_text(body)
    return text, text.encode("utf-8"), (salt, values)


def chain(
    fields: tuple[int, str, str, str, str, int | None, int | None],
    body: str,
    raw: bytes,
    prev_raw: bytes,
) -> tuple[StoredEvent, bytes]:
    """The record of an event (``seq``, id, kind, operation, time and the two seq columns,
    then its body) after the link ``prev_raw``, and its own link."""
    digest = link(prev_raw, raw)
    return StoredEvent(*fields, body, digest.hex()), digest


def sortable_time(text: str) -> str:
    """Canonical UTC time text (``…:SS[.ffffff]Z``) in a fixed width that sorts in time
    order (``…:SS.ffffffZ``)."""
    return text if len(text) > 20 else text[:19] + ".000000Z"


def full_object(body: str, values: str | None) -> dict[str, Any]:
    """The event's canonical object from its stored body and personal values (its public
    part alone when the values were erased)."""
    return event_object(json.loads(body), json.loads(values) if values is not None else None)


def decode(body: str, values: str | None, marker: str | None = None) -> Event:
    """The event stored as ``body`` with the personal ``values`` put back — or, when
    ``values`` is ``None``, with ``marker`` in each personal field that had a value."""
    data = json.loads(body)
    meta = data.pop("personal", None)
    data.pop("subject", None)
    replacement = data.get("replacement")
    if isinstance(replacement, dict):
        replacement.pop("subject", None)
    if meta is None or values is not None:
        if values is not None:
            merge(data, json.loads(values))
        return EVENT_ADAPTER.validate_python(data)
    fields: list[str] = meta["fields"]
    for path in fields:
        *outer, name = path.split(".")
        target = data["replacement"] if outer else data
        target[name] = STAND_INS[name]
    event = EVENT_ADAPTER.validate_python(data)
    shown = marker or "[withheld]"
    inner = {p.split(".", 1)[1]: shown for p in fields if p.startswith("replacement.")}
    update: dict[str, Any] = {p: shown for p in fields if "." not in p}
    if inner:
        update["replacement"] = event.__dict__["replacement"].model_copy(update=inner)
    return event.model_copy(update=update)
