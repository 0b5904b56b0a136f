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
from anpr_ops.events import EVENT_ADAPTER, Event, EventBase, canonical_dict
from anpr_ops.events.kinds import personal_fields
from anpr_ops.events.personal import MARKERS, STAND_INS, merge, paths, split

__all__ = [
    "INSERT",
    "INSERT_PERSONAL",
    "Encoded",
    "PersonalRow",
    "Salts",
    "StoredEvent",
    "chain",
    "commitment",
    "decode",
    "encode",
    "full_object",
    "full_text",
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
    """An event ready to store: its model, its position in the batch, the object of its
    chained bytes, and its personal values apart.

    ``public`` is the event's canonical object without its personal fields and, when it has
    personal values, with the commitment to them (``"personal"``); :func:`seal` adds the
    person number of its subject (``"subject"``). ``text`` and ``raw`` are the chained bytes
    (text and UTF-8) when they are known before the batch is planned (no person number to
    add), else ``None``; ``values`` and ``salt`` are the canonical text of the personal values
    and its salt (``None`` without personal values).
    """

    event: EventBase
    position: int
    public: dict[str, Any]
    personal: dict[str, Any]
    values: str | None
    salt: bytes | None
    text: str | None
    raw: bytes | None


class Salts:
    """Random salts for a batch's commitments, drawn from the system's generator in one
    call per batch rather than one per event."""

    __slots__ = ("_left", "_pool")

    def __init__(self, count: int) -> None:
        self._pool = os.urandom(SALT_BYTES * max(count, 1))
        self._left = max(count, 1)

    def draw(self) -> bytes:
        """A salt never drawn before (a fresh pool when this one runs out)."""
        if not self._left:
            self._pool = os.urandom(SALT_BYTES * 64)
            self._left = 64
        self._left -= 1
        at = self._left * SALT_BYTES
        return self._pool[at : at + SALT_BYTES]


def encode(event: EventBase, data: dict[str, Any], index: int, salts: Salts) -> Encoded:
    """Split the canonical object ``data`` of ``event`` (its position in the batch is
    ``index``, for errors; ``data`` is taken over, not copied) into the object of its chained
    bytes and its personal values, and commit to those; refuse text that is not Unicode and
    events that carry a read's markers instead of values."""
    names = _personal_of(type(event))
    if data["kind"] == "correction":
        public, personal = split(data)
    else:
        public = data
        personal = {name: public.pop(name) for name in names if name in public}
    if not personal:
        text = canonical_text(public)
        return Encoded(event, index, public, personal, None, None, text, _utf8(event, text, index))
    _refuse_markers(event, personal, index)
    values = canonical_text(personal)
    salt = salts.draw()
    try:
        sealed = commitment(salt, values)
    except UnicodeEncodeError:
        raise _not_unicode(event, index) from None
    fields = paths(personal) if "replacement" in personal else sorted(personal)
    public["personal"] = {"commitment": sealed, "fields": fields}
    if "subject_ref" in personal or "replacement" in personal:
        return Encoded(event, index, public, personal, values, salt, None, None)
    text = canonical_text(public)
    return Encoded(event, index, public, personal, values, salt, text, _utf8(event, text, index))


def _personal_of(model: type[EventBase]) -> tuple[str, ...]:
    names = _PERSONAL_OF.get(model)
    if names is None:
        names = _PERSONAL_OF[model] = personal_fields(model)
    return names


_PERSONAL_OF: dict[type[EventBase], tuple[str, ...]] = {}


def _utf8(event: EventBase, text: str, index: int) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _not_unicode(event, index) from None


def _not_unicode(event: EventBase, index: int) -> EventValidationError:
    # Lone surrogates (not text) are the only way a validated event gets here; the cause
    # would quote the text, so it is not chained.
    message = (
        f"event {event.event_id!r}: a string holds characters that are not valid Unicode "
        "text (UnicodeEncodeError)"
    )
    problems = [FieldProblem(loc=(), kind="string_unicode", message="not valid Unicode text")]
    return EventValidationError(
        message, problems=problems, event_id=event.event_id, index=index, code="not_unicode"
    )


def _refuse_markers(event: EventBase, personal: Mapping[str, Any], index: int) -> None:
    for key, value in personal.items():
        if type(value) is dict:
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
    encoded: Encoded, person: Callable[[str], int]
) -> tuple[str, bytes, tuple[bytes, str] | None]:
    """The chained body of an encoded event (text and bytes) and its ``(salt, values)`` to
    keep apart (``None`` when it has no personal values).

    ``person`` gives the log's number for a subject reference; the numbers are written into
    ``encoded.public``, which then is the object of the chained bytes.
    """
    personal = encoded.personal
    text = encoded.text
    if text is not None and encoded.raw is not None:
        kept = None if encoded.values is None else (encoded.salt or b"", encoded.values)
        return text, encoded.raw, kept
    body = encoded.public
    if "subject_ref" in personal:
        body["subject"] = person(personal["subject_ref"])
    inner = personal.get("replacement")
    if inner is not None and "subject_ref" in inner:
        body["replacement"]["subject"] = person(inner["subject_ref"])
    text = canonical_text(body)
    raw = _utf8(encoded.event, text, encoded.position)
    assert encoded.salt is not None and encoded.values is not None
    return text, raw, (encoded.salt, encoded.values)


def full_text(event: EventBase) -> str:
    """The canonical text of the whole event, personal values included (to compare an event
    with another of the same id)."""
    return canonical_text(canonical_dict(event))


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
