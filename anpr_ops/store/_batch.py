"""The checks of one append, made against the log and the batch so far, and its rows.

A :class:`Batch` is planned — every event checked, chained and projected — before anything is
written; the log then inserts its records and projections in one transaction. References are
the ones the models declare (:func:`anpr_ops.events.references`): an event must name a live
event of the right kind in its own operation, a site of its operation, and offence codes the
catalogue or the log knows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from anpr_ops._canonical import canonical_text
from anpr_ops.errors import (
    BrokenReferenceError,
    EventConflictError,
    UnknownOffenceCodeError,
)
from anpr_ops.events import (
    Correction,
    EventBase,
    OffenceDefinition,
    Operation,
    derive_event_id,
    reference_fields,
    references,
)
from anpr_ops.events.personal import strip
from anpr_ops.merkle import leaf_hash
from anpr_ops.offences import Offence, OffenceCategory, builtin_catalogue
from anpr_ops.store._corrections import CorrectionChecks
from anpr_ops.store._memory import Live, Op, State
from anpr_ops.store._projection import Projector, chunks
from anpr_ops.store._record import (
    Encoded,
    PersonalRow,
    StoredEvent,
    chain,
    full_object,
    seal,
    sortable_time,
)
from anpr_ops.store._upkeep import Upkeep
from anpr_ops.vocab import EventKind

__all__ = ["Batch", "conflict"]

# The kinds an append checks and records beyond the common rules (see Batch.write).
# (Names as plain strings: an enum member does not hash as its value.)
_SPECIAL = frozenset(
    kind.value for kind in (EventKind.OPERATION, EventKind.OFFENCE_DEFINITION, EventKind.CORRECTION)
)
# Whether the latest correction of the event e retracted it.
_RETRACTED = (
    "(SELECT json_extract(c.body, '$.retract') FROM events c WHERE c.target_seq = e.seq "
    "ORDER BY c.seq DESC LIMIT 1) IS 1"
)


class Batch(CorrectionChecks):
    """The checks of one append, against the log and the batch so far, and its writes."""

    def __init__(self, conn: sqlite3.Connection, state: State) -> None:
        self.conn = conn
        head_seq, head_hash = state.head
        self.seq = head_seq
        self.stored_below = head_seq + 1  # events below this seq have rows in the tables
        self.head_hash = head_hash
        self.prev_raw = bytes.fromhex(head_hash)
        self.known: dict[str, Live] = {}
        self.recent = state.recent
        # Copies: the batch's changes reach the shared state only once it has committed.
        self.ops: dict[str, Op | None] = dict(state.ops)
        self.definitions = dict(state.definitions)
        self.catalogue = builtin_catalogue()
        self.projector = Projector(conn)
        self.records: list[StoredEvent] = []
        self.personal: list[PersonalRow] = []
        self.appended: list[str] = []
        self.duplicates: list[str] = []
        self.first_seq: int | None = None
        # subject_ref -> the log's number for that person (known, or new in this batch)
        self.persons: dict[str, int] = {}
        self.new_persons: dict[str, int] = {}
        self.unnumbered: set[str] = set()  # subject refs looked up and not found in the log
        self.next_person = state.next_person
        self.corrected: set[int] = set()  # seqs of stored events corrected in this batch
        self.leaves: list[bytes] = []  # the Merkle leaf hashes of the batch's events
        self.frontier = state.frontier  # the tree's edge; with the tiles to write, once planned
        self.tiles: dict[tuple[int, int], bytes] = {}
        self.upkeep = Upkeep(self)

    # -- lookups ------------------------------------------------------------------------

    def offence(self, code: str) -> Offence | None:
        return self.definitions.get(code) or self.catalogue.get(code)

    def category(self, code: str) -> str:
        offence = self.offence(code)
        return offence.category.value if offence else OffenceCategory.OTHER.value

    def prefetch(
        self, events: Sequence[EventBase], *, own: bool = True
    ) -> dict[str, tuple[str, str | None]]:
        """Load what the batch refers to, a query per kind of thing, and the numbers of the
        people it names; return, for the batch's own ids already stored, the canonical text of
        the stored event and of its public part (``None`` when its values are still there).
        With ``own=False`` the batch's own ids are not looked up (nothing is returned)."""
        ids = {event.event_id for event in events} if own else set()
        refs: set[str] = set()
        op_ids: set[str] = set()
        subjects: set[str] = set()
        for event in events:
            op_ids.add(event.op_id)
            inner = event
            if isinstance(event, Correction):
                refs.add(event.target_id)
                if event.replacement is None:
                    continue
                inner = event.replacement
            values = inner.__dict__
            for field in reference_fields(type(inner)):
                if values[field] is not None:
                    refs.add(values[field])
            parent = values.get("parent_op_id")
            if parent is not None:
                op_ids.add(parent)
            subject = values.get("subject_ref")
            if subject is not None:
                subjects.add(subject)
        stored = self._load_events(refs, ids)
        self._load_ops(op_ids)
        self._load_persons(subjects)
        return stored

    def _load_events(
        self, refs: Iterable[str], ids: Iterable[str] = ()
    ) -> dict[str, tuple[str, str | None]]:
        """Look up, in one query per chunk, the events the batch refers to (``refs``) and the
        stored versions of the batch's own ids (``ids``)."""
        ids = set(ids)
        recent = self.recent
        wanted = sorted({ref for ref in refs if ref not in self.known and ref not in recent} | ids)
        stored: dict[str, tuple[str, str | None]] = {}
        if not wanted:
            return stored
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for event_id, seq, body, values, kind, op_id, retracted in self.conn.execute(
                'SELECT e.event_id, e.seq, e.body, p."values", e.kind, e.op_id, '
                f"{_RETRACTED} FROM events e LEFT JOIN personal p ON p.seq = e.seq "
                f"WHERE e.event_id IN ({marks})",
                chunk,
            ).fetchall():
                if event_id in ids:
                    data = full_object(body, values)
                    erased = values is None and '"personal":' in body
                    stored[event_id] = (
                        canonical_text(strip(data) if erased else data),
                        canonical_text(strip(data)) if erased else None,
                    )
                if event_id not in self.known:
                    self.known[event_id] = Live(seq, kind, op_id, live=not retracted)
        return stored

    def _load_persons(self, subjects: Iterable[str]) -> None:
        wanted = sorted(set(subjects).difference(self.persons, self.unnumbered))
        # What is not found has no number yet: it is not looked up again in this batch.
        self.unnumbered.update(wanted)
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            self.persons.update(
                self.conn.execute(
                    f"SELECT subject_ref, person FROM subjects WHERE subject_ref IN ({marks})",
                    chunk,
                ).fetchall()
            )

    def person(self, subject_ref: str) -> int:
        """The log's number for the person ``subject_ref`` names (a new one if new)."""
        number = self.persons.get(subject_ref)
        if number is None and subject_ref not in self.unnumbered:
            self._load_persons([subject_ref])
            number = self.persons.get(subject_ref)
        if number is None:
            number = self.persons[subject_ref] = self.new_persons[subject_ref] = self.next_person
            self.next_person += 1
        return number

    def _load_ops(self, op_ids: Iterable[str]) -> None:
        wanted = sorted(set(op_ids).difference(self.ops))
        if not wanted:
            return
        for op_id in wanted:
            self.ops[op_id] = None
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT o.op_id, o.seq, e.event_id, o.parent_op_id, o.timezone FROM operations o "
                f"JOIN events e ON e.seq = o.seq WHERE o.op_id IN ({marks})",
                chunk,
            ).fetchall()
            sites: dict[str, set[str]] = {}
            for op_id, site_id in self.conn.execute(
                f"SELECT op_id, site_id FROM sites WHERE op_id IN ({marks})", chunk
            ).fetchall():
                sites.setdefault(op_id, set()).add(site_id)
            for op_id, seq, event_id, parent, zone in rows:
                self.ops[op_id] = Op(seq, event_id, frozenset(sites.get(op_id, ())), parent, zone)

    def _op(self, op_id: str) -> Op | None:
        if op_id not in self.ops:
            self._load_ops([op_id])
        return self.ops[op_id]

    def lookup(self, event_id: str) -> Live | None:
        if event_id not in self.known:
            remembered = self.recent.get(event_id)
            if remembered is not None:
                self.known[event_id] = Live(*remembered)
            else:
                self._load_events([event_id])
        return self.known.get(event_id)

    # -- checks -------------------------------------------------------------------------

    def check(self, event: EventBase) -> tuple[Live | None, Live | None]:
        """Check ``event`` against the log and the batch; return its target (when a
        correction) and the event it (or its replacement) refers to, if any."""
        if isinstance(event, Operation):
            self._check_new_operation(event)
            return None, None
        if isinstance(event, Correction):
            self._check_op(event, event.op_id)
            return self._check_correction(event)
        return None, self._check_body(event, event)

    def _check_new_operation(self, event: Operation) -> None:
        if self._op(event.op_id) is not None:
            message = (
                f"event {event.event_id!r} (operation): operation {event.op_id!r} is already "
                "open in this log; correct its operation event to change it"
            )
            raise BrokenReferenceError(
                message,
                event_id=event.event_id,
                field="op_id",
                ref=event.op_id,
                code="operation_exists",
            )
        self._check_parent(event)

    def _check_parent(self, event: Operation) -> None:
        parent = event.parent_op_id
        if parent is None:
            return
        if self._op(parent) is None:
            message = (
                f"event {event.event_id!r} (operation): parent_op_id {parent!r} names no "
                "operation opened earlier in the log or the batch"
            )
            raise BrokenReferenceError(
                message, event_id=event.event_id, field="parent_op_id", ref=parent
            )
        seen = {event.op_id}
        current: str | None = parent
        while current is not None:
            if current in seen:
                message = (
                    f"event {event.event_id!r} (operation): parent_op_id {parent!r} would make "
                    f"operation {event.op_id!r} its own ancestor"
                )
                raise BrokenReferenceError(
                    message,
                    event_id=event.event_id,
                    field="parent_op_id",
                    ref=parent,
                    code="parent_cycle",
                )
            seen.add(current)
            op = self._op(current)
            current = op.parent if op else None

    def _check_op(self, event: EventBase, op_id: str) -> Op:
        op = self._op(op_id)
        if op is None:
            kind = getattr(event, "kind", "event")
            message = (
                f"event {event.event_id!r} ({kind}): op_id {op_id!r} names no operation opened "
                "earlier in the log or the batch"
            )
            raise BrokenReferenceError(message, event_id=event.event_id, field="op_id", ref=op_id)
        return op

    def _check_body(self, outer: EventBase, event: EventBase) -> Live | None:
        """References of one (non-correction) event: site, referenced events, offence codes;
        returns the event it refers to (an event refers to at most one).

        This runs for every event appended, so it reads fields from ``__dict__`` and builds
        messages only when something is wrong.
        """
        values = event.__dict__
        op = self._check_op(event, event.op_id)
        if isinstance(event, Operation):
            self._check_parent(event)
            return None
        site_id = values.get("site_id")
        if site_id is not None and site_id not in op.sites:
            known = ", ".join(sorted(op.sites)) or "none"
            message = (
                f"{_where(outer, event)}: site_id {site_id!r} is not a site of operation "
                f"{event.op_id!r} (its sites: {known})"
            )
            raise BrokenReferenceError(
                message,
                event_id=outer.event_id,
                field="site_id",
                ref=site_id,
                code="unknown_site",
            )
        referred = None
        for field in reference_fields(type(event)):
            ref = values[field]
            if ref is not None:
                referred = self._check_ref(outer, event, field, ref)
        codes = values.get("offences") or values.get("wanted_for")
        if codes:
            offence = self.offence
            for i, code in enumerate(codes):
                if offence(code) is None:
                    field = "offences" if "offences" in values else "wanted_for"
                    error = self.catalogue.unknown(code)
                    raise UnknownOffenceCodeError(
                        f"{_where(outer, event)}: {field}[{i}]: {error.message}",
                        offence_code=code,
                        suggestions=error.suggestions,
                        event_id=outer.event_id,
                        field=f"{field}[{i}]",
                    ) from error
        if isinstance(event, OffenceDefinition):
            existing = self.definitions.get(event.code)
            if existing is not None and existing.defined_by != event.event_id:
                message = (
                    f"{_where(outer, event)}: offence {event.code} is already defined by event "
                    f"{existing.defined_by!r}; correct that event to change the definition"
                )
                raise EventConflictError(message, event_id=outer.event_id, code="already_defined")
        return referred

    def _check_ref(self, outer: EventBase, event: EventBase, field: str, ref: str) -> Live:
        target = self.known.get(ref) or self.lookup(ref)
        kind = references(type(event))[field]
        op_id = event.op_id
        if target is not None and target.live and target.kind == kind and target.op_id == op_id:
            return target
        if target is None:
            problem = "names no event in the log or earlier in the batch"
        elif target.kind != kind:
            problem = f"names a {target.kind}, not a {kind}"
        elif target.op_id != op_id:
            problem = f"names an event of operation {target.op_id!r}, not {op_id!r}"
        else:
            problem = "names an event that was retracted"
        message = f"{_where(outer, event)}: {field} {ref!r} {problem}"
        raise BrokenReferenceError(message, event_id=outer.event_id, field=field, ref=ref)

    def write(self, encoded: Encoded) -> None:
        """Check the event, take the next seq, chain it, and record it with its personal
        values and its projection.

        Runs for every event appended: the common kinds skip the checks and bookkeeping of
        operations, definitions and corrections by their kind's name.
        """
        event = encoded.event
        data = encoded.public
        kind = data["kind"]
        common = kind not in _SPECIAL
        if common:
            target, referred = None, self._check_body(event, event)
        else:
            target, referred = self.check(event)
        self.seq += 1
        seq = self.seq
        body, raw, personal = seal(encoded, self.person)
        event_id = event.event_id
        at = data["occurred_at"]
        record, digest = chain(
            (
                seq,
                event_id,
                kind,
                event.op_id,
                at if len(at) > 20 else sortable_time(at),
                target.seq if target is not None else None,
                referred.seq if referred is not None else None,
            ),
            body,
            raw,
            self.prev_raw,
        )
        self.records.append(record)
        self.leaves.append(leaf_hash(raw))
        if personal is not None:
            self.personal.append(PersonalRow(seq, *personal))
        self.prev_raw, self.head_hash = digest, record.hash
        if self.first_seq is None:
            self.first_seq = seq
        self.appended.append(event_id)
        live = self.known[event_id] = Live(seq, kind, event.op_id, True, event)
        if common:
            self.upkeep.event(encoded, live, referred)
        elif isinstance(event, Correction):
            assert target is not None
            self.upkeep.correction(event, target)
            self.apply_correction(event, data, target)
        else:
            self.remember(event, seq)
            self.projector.add(data, seq)
            self.upkeep.event(encoded, live, referred)

    def remember(self, event: EventBase, seq: int) -> None:
        if isinstance(event, Operation):
            self.ops[event.op_id] = Op(
                seq, event.event_id, frozenset(event.site_ids), event.parent_op_id, event.timezone
            )
        elif isinstance(event, OffenceDefinition):
            self.definitions[event.code] = event.to_offence()

    def apply_correction(self, event: Correction, data: dict[str, Any], target: Live) -> None:
        """Make ``event`` (whose public canonical object is ``data``) the current version of
        ``target``: its replacement, or nothing when it retracts it."""
        stored = target.seq < self.stored_below
        if stored:
            self.corrected.add(target.seq)
        self.projector.drop(target.seq, target.kind, stored)
        replacement = event.replacement
        if replacement is None:
            target.live = False
            target.event = None
            if target.kind == EventKind.OFFENCE_DEFINITION:
                code = self._definition_code(target)
                self.definitions.pop(code, None)
            return
        target.event = replacement
        self.remember(replacement, target.seq)
        self.projector.add(data["replacement"], target.seq)


def _where(outer: EventBase, event: EventBase) -> str:
    """``event 'x' (kind)``: how messages name the event at fault."""
    return f"event {outer.event_id!r} ({event.__dict__.get('kind', 'event')})"


def conflict(event: EventBase) -> EventConflictError:
    """The error for an id already stored (or earlier in the batch) with other content."""
    message = (
        f"event {event.event_id!r} is already in the log (or earlier in the batch) with "
        "different content; an event cannot be changed: append a correction instead"
    )
    if event.event_id == derive_event_id(event):
        # A derived id leaves personal values out: two events that differ only in them (two
        # plates read at one camera in the same instant) are given the same id.
        message += (
            ", or, if it is another event whose public fields are the same and only its "
            "personal values (a plate, a subject) differ, give each such event an event_id"
        )
    return EventConflictError(message, event_id=event.event_id)
