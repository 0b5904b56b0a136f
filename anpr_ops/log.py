"""The log: one SQLite file, one append-only, hash-chained ``events`` table, and projections.

>>> from anpr_ops import OpLog
>>> with OpLog.memory() as log:
...     result = log.append({
...         "kind": "operation", "event_id": "op-1", "op_id": "kaiser-2020-04-18",
...         "occurred_at": "2020-04-18T07:00:00+01:00", "name": "Op Kaiser",
...         "force": "metropolitan", "starts_at": "2020-04-18T08:00:00+01:00",
...         "sites": [{"site_id": "vauxhall", "name": "Vauxhall Bridge"}]})
...     (result.appended, log.verify().ok)
(('op-1',), True)

Writing: :meth:`OpLog.append` and :meth:`OpLog.extend` validate and canonicalise each event,
then in one ``BEGIN IMMEDIATE`` transaction read the chain head, check identity and references
against the log, chain the hashes, insert the events and update the projections, and commit —
the whole batch or nothing. A connection that has appended remembers the chain head, the
operations, the offence definitions and the recent events, and checks and chains its next
batch from that memory before it takes the write lock; if another connection has appended
since, the inserts collide with its rows (the insert guard refuses a ``seq`` at or below the
head, the unique index a stored ``event_id``), and the batch is checked again against the log
itself. Any refusal from memory is likewise judged again, so memory never decides an outcome.
Reading: :meth:`OpLog.events` offers the current (corrected) view or every stored event as
appended.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import itertools
import json
import operator
import os
import sqlite3
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

import attrs
from pydantic_core import PydanticUndefined

from anpr_ops import _schema, _views
from anpr_ops._canonical import GENESIS_HASH, canonical_text
from anpr_ops.chain import Checkpoint, VerifyResult
from anpr_ops.errors import (
    BrokenReferenceError,
    CorrectionError,
    EventConflictError,
    EventNotFoundError,
    EventValidationError,
    FieldProblem,
    GuardsMissingError,
    LogBusyError,
    LogError,
    LogNotFoundError,
    NotALogError,
    SchemaVersionError,
    StorageError,
    UnknownOffenceCodeError,
)
from anpr_ops.events import (
    EVENT_ADAPTER,
    EVENT_TYPES,
    Correction,
    Event,
    OffenceDefinition,
    Operation,
    _EventBase,
    canonical_dicts,
    format_utc,
    parse_events,
)
from anpr_ops.offences import (
    CjsClass,
    Offence,
    OffenceCatalogue,
    OffenceCategory,
    builtin_catalogue,
)
from anpr_ops.verify import connect_readonly, read_log_id, verify_connection
from anpr_ops.vocab import DrugClass, EventKind

if TYPE_CHECKING:
    from anpr_ops.report import OpReport

__all__ = ["AppendResult", "OpLog"]

Durability = Literal["full", "normal"]

# The tables each kind projects into; the first is the kind's own table.
KIND_TABLES: dict[str, tuple[str, ...]] = {
    EventKind.OPERATION: ("operations", "sites"),
    EventKind.ANPR_HIT: ("anpr_hits", "anpr_hit_reasons"),
    EventKind.VEHICLE_STOP: ("vehicle_stops",),
    EventKind.SEARCH: ("searches",),
    EventKind.OUTCOME: ("outcomes", "outcome_offences"),
    EventKind.SEIZURE: ("seizures",),
    EventKind.WEAPON_SWEEP: ("weapon_sweeps",),
    EventKind.ARREST_ENQUIRY: ("arrest_enquiries", "arrest_enquiry_offences"),
    EventKind.PATROL: ("patrols",),
    EventKind.CORRECTION: ("corrections",),
    EventKind.OFFENCE_DEFINITION: ("offence_definitions",),
}
_OWNER_COLUMN = {"sites": "op_seq"}
_INSERT = {table.name: table.insert_sql() for table in _schema.DERIVED}
_CHUNK = 900  # ids per IN (...) query, well under SQLite's variable limit
_INSERT_EVENT = "INSERT INTO events (seq, event_id, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)"
_KIND = "json_extract(body, '$.kind')"
_OP = "json_extract(body, '$.op_id')"
_KIND_E = "json_extract(e.body, '$.kind')"
_OP_E = "json_extract(e.body, '$.op_id')"

# Fields that refer to another event, and the kind they must refer to.
_REFERENCES: dict[str, EventKind] = {
    "hit_id": EventKind.ANPR_HIT,
    "stop_id": EventKind.VEHICLE_STOP,
    "search_id": EventKind.SEARCH,
    "enquiry_id": EventKind.ARREST_ENQUIRY,
    "sweep_id": EventKind.WEAPON_SWEEP,
}
# Who may refer to an event of each kind: (table, column) pairs, for retraction checks.
_DEPENDANTS: dict[str, tuple[tuple[str, str], ...]] = {
    EventKind.ANPR_HIT: (("vehicle_stops", "hit_id"),),
    EventKind.VEHICLE_STOP: (
        ("searches", "stop_id"),
        ("outcomes", "stop_id"),
        ("seizures", "stop_id"),
    ),
    EventKind.SEARCH: (("outcomes", "search_id"), ("seizures", "search_id")),
    EventKind.ARREST_ENQUIRY: (("outcomes", "enquiry_id"),),
    EventKind.WEAPON_SWEEP: (("seizures", "sweep_id"),),
}
_KIND_NAMES = tuple(kind.value for kind in EventKind)
_SITE_TABLES = ("anpr_hits", "vehicle_stops", "searches", "seizures", "weapon_sweeps", "patrols")


@attrs.frozen
class AppendResult:
    """What an append did.

    ``appended`` lists the ids written, in order; ``duplicates`` the ids that were already in
    the log (or earlier in the batch) with identical content, and so were not written again.
    ``first_seq``/``last_seq`` span the new events (``None`` when nothing was written);
    ``head_hash`` is the chain head afterwards.
    """

    appended: tuple[str, ...]
    duplicates: tuple[str, ...]
    first_seq: int | None
    last_seq: int | None
    head_hash: str

    @property
    def count(self) -> int:
        """How many events were written."""
        return len(self.appended)

    @property
    def noop(self) -> bool:
        """True when nothing was written (every event was already there)."""
        return not self.appended


# --------------------------------------------------------------------------- sqlite errors


def _translate(exc: sqlite3.Error, doing: str) -> LogError:
    """The library error for a sqlite3 error raised while ``doing`` something."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if primary in {5, 6} or "locked" in text or "busy" in text:
        return LogBusyError(
            f"{doing}: the log is locked by another writer beyond the busy timeout ({text})"
        )
    if primary == 8 or "readonly" in text:
        return StorageError(f"{doing}: the log file is read-only ({text})", code="read_only")
    if primary == 13 or "full" in text:
        return StorageError(
            f"{doing}: the disk (or the file's size limit) is full", code="disk_full"
        )
    if primary in {11, 26} or "not a database" in text or "malformed" in text:
        return NotALogError(
            f"{doing}: the file is damaged or not a database ({text})", code="corrupt"
        )
    if primary == 14:
        return StorageError(f"{doing}: the file cannot be opened ({text})", code="cannot_open")
    if primary == 10:
        return StorageError(f"{doing}: disk I/O error ({text})", code="io_error")
    if primary == 19 and "anpr_ops:" in text:
        return GuardsMissingError(f"{doing}: the database refused the write ({text})")
    return LogError(f"{doing}: {text}", code="sqlite_error")


# --------------------------------------------------------------------------- projections


def _defaults(kind: EventKind) -> dict[str, Any]:
    """The model's field defaults (which bodies leave out), and the extra columns' blanks."""
    fields = EVENT_TYPES[kind].model_fields
    defaults = {
        name: field.default
        for name, field in fields.items()
        if field.default is not PydanticUndefined and field.default is not None
    }
    # Fields a table needs that a body may lack: lists default to empty.
    for name in ("offences", "sites", "retract", "offences_unknown"):
        if name in fields:
            defaults.setdefault(name, fields[name].default)
    return defaults


def _kind_plan(
    kind: EventKind,
) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]], dict[str, Any]]:
    """A kind's table, a getter of its column values (after ``seq``) and its full defaults."""
    table = _schema.DERIVED_BY_NAME[KIND_TABLES[kind][0]]
    columns = table.column_names[1:]
    defaults = dict.fromkeys(columns) | _defaults(kind)
    return table.name, operator.itemgetter(*columns), defaults


_PLANS = {kind.value: _kind_plan(kind) for kind in EventKind}


def _project(
    data: dict[str, Any], seq: int, category: Any, target_seq: int | None = None
) -> list[tuple[str, tuple[Any, ...]]]:
    """The derived rows of one (current) event, from its canonical object, projected at ``seq``.

    The canonical object already holds UTC text, vocabulary strings and plates as stored;
    fields left out as defaults take the model's default. Booleans go in as 0/1.
    """
    kind = data["kind"]
    table, columns, defaults = _PLANS[kind]
    values = defaults | data
    if kind == "outcome":
        codes = values["offences"]
        if codes:
            values["primary_offence"] = codes[0]
            values["primary_category"] = category(codes[0])
        elif values["offences_unknown"]:
            values["primary_category"] = OffenceCategory.UNKNOWN.value
    elif kind == "correction":
        values["target_seq"] = target_seq
        values["action"] = "retract" if values["retract"] else "replace"
    rows: list[tuple[str, tuple[Any, ...]]] = [(table, (seq, *columns(values)))]
    if kind == "anpr_hit":
        rows += [("anpr_hit_reasons", (seq, reason)) for reason in data["reasons"]]
    elif kind == "outcome":
        rows += [
            ("outcome_offences", (seq, i, code, category(code)))
            for i, code in enumerate(values["offences"])
        ]
    elif kind == "operation":
        rows += [
            ("sites", (data["op_id"], site["site_id"], seq, site["name"],
                       site.get("latitude"), site.get("longitude")))
            for site in values["sites"]
        ]  # fmt: skip
    elif kind == "arrest_enquiry":
        rows += [
            ("arrest_enquiry_offences", (seq, i, code, category(code)))
            for i, code in enumerate(data["wanted_for"])
        ]
    return rows


@attrs.define
class _Live:
    """What a batch knows about one event: where it is, its kind, and its current version."""

    seq: int
    kind: str
    op_id: str
    live: bool
    event: _EventBase | None = None  # current version, when loaded or written in this batch


@attrs.define
class _Op:
    seq: int
    event_id: str
    sites: frozenset[str]
    parent: str | None


@attrs.define
class _State:
    """What the log knew after its last append, so the next need not read it again.

    Valid while ``PRAGMA data_version`` stays ``version``: it changes when another
    connection commits (our own commits leave it as it is, and update this state).
    """

    version: int
    head: tuple[int, str]
    ops: dict[str, _Op | None]
    definitions: dict[str, Offence]
    # What the last appends wrote or looked up, so the next append need not look them up
    # again: event_id -> (seq, kind, op_id, live). Bounded; read-only while a batch runs.
    recent: dict[str, tuple[int, str, str, bool]] = attrs.Factory(dict)

    def remember(self, known: Mapping[str, _Live]) -> None:
        """Take in what a committed batch learned about events (oldest entries go first)."""
        recent = self.recent
        for event_id, live in known.items():
            recent.pop(event_id, None)
            recent[event_id] = (live.seq, live.kind, live.op_id, live.live)
        if len(recent) > 2 * _RECENT:
            self.recent = dict(itertools.islice(recent.items(), len(recent) - _RECENT, None))


_RECENT = 4096  # events remembered between appends (twice this, at most)


class _Stale(Exception):
    """An append made from remembered state was refused; retry it after reading the log."""


class _Projector:
    """Collects the projection changes of a batch, then writes them in one pass per table."""

    def __init__(self, conn: sqlite3.Connection, category: Any) -> None:
        self.conn = conn
        self.category = category
        self.pending: dict[int, list[tuple[str, tuple[Any, ...]]]] = {}
        self.deletes: dict[int, str] = {}  # seq of a stored event -> its kind
        self.changed_codes: set[str] = set()

    def add(self, data: dict[str, Any], seq: int, target_seq: int | None = None) -> None:
        self.pending[seq] = _project(data, seq, self.category, target_seq)
        if data["kind"] == EventKind.OFFENCE_DEFINITION:
            self.changed_codes.add(data["code"])

    def drop(self, seq: int, kind: str, stored: bool) -> None:
        """Forget the projection of the event at ``seq`` (it was corrected or retracted)."""
        self.pending.pop(seq, None)
        if stored:
            self.deletes[seq] = kind

    def flush(self) -> None:
        conn = self.conn
        if self.deletes:
            for table, column in _delete_plan(self.deletes):
                seqs = [(seq,) for seq, kind in self.deletes.items() if table in KIND_TABLES[kind]]
                conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", seqs)
            self.deletes.clear()
        grouped: dict[str, list[tuple[Any, ...]]] = {}
        for rows in self.pending.values():
            for table, row in rows:
                grouped.setdefault(table, []).append(row)
        for table, rows in grouped.items():
            conn.executemany(_INSERT[table], rows)
        self.pending.clear()
        if not self.changed_codes:
            return
        for code in sorted(self.changed_codes):
            category = self.category(code)
            conn.execute(
                "UPDATE outcome_offences SET category = ? WHERE code = ?", (category, code)
            )
            conn.execute(
                "UPDATE arrest_enquiry_offences SET category = ? WHERE code = ?", (category, code)
            )
            conn.execute(
                "UPDATE outcomes SET primary_category = ? WHERE primary_offence = ?",
                (category, code),
            )
        self.changed_codes.clear()


def _delete_plan(deletes: Mapping[int, str]) -> list[tuple[str, str]]:
    tables = {table for kind in set(deletes.values()) for table in KIND_TABLES[kind]}
    return [(table, _OWNER_COLUMN.get(table, "seq")) for table in sorted(tables)]


# --------------------------------------------------------------------------- the batch


class _Batch:
    """The checks of one append, against the log and the batch so far, and its writes."""

    def __init__(self, conn: sqlite3.Connection, state: _State) -> None:
        self.conn = conn
        head_seq, head_hash = state.head
        self.seq = head_seq
        self.stored_below = head_seq + 1  # events below this seq have rows in the tables
        self.head_hash = head_hash
        self.prev_raw = bytes.fromhex(head_hash)
        self.known: dict[str, _Live] = {}
        self.recent = state.recent
        # Copies: the batch's changes reach the shared state only once it has committed.
        self.ops: dict[str, _Op | None] = dict(state.ops)
        self.definitions = dict(state.definitions)
        self.catalogue = builtin_catalogue()
        self.projector = _Projector(conn, self.category)
        self.rows: list[tuple[Any, ...]] = []
        self.appended: list[str] = []
        self.duplicates: list[str] = []
        self.first_seq: int | None = None

    # -- lookups ------------------------------------------------------------------------

    def offence(self, code: str) -> Offence | None:
        return self.definitions.get(code) or self.catalogue.get(code)

    def category(self, code: str) -> str:
        offence = self.offence(code)
        return offence.category.value if offence else OffenceCategory.OTHER.value

    def prefetch(self, events: Sequence[_EventBase], *, own: bool = True) -> dict[str, str]:
        """Load what the batch refers to, a query per kind of thing; return the stored bodies
        of the batch's own ids (with ``own=False``, do not look for them: nothing is returned).
        """
        ids = {event.event_id for event in events} if own else set()
        refs: set[str] = set()
        op_ids: set[str] = set()
        for event in events:
            op_ids.add(event.op_id)
            inner = event
            if isinstance(event, Correction):
                refs.add(event.target_id)
                if event.replacement is None:
                    continue
                inner = event.replacement
            values = inner.__dict__
            for field in _ref_fields(type(inner)):
                if values[field] is not None:
                    refs.add(values[field])
            parent = values.get("parent_op_id")
            if parent is not None:
                op_ids.add(parent)
        stored = self._load_events(refs, ids)
        self._load_ops(op_ids)
        return stored

    def _load_events(self, refs: Iterable[str], ids: Iterable[str] = ()) -> dict[str, str]:
        """Look up, in one query per chunk, the events the batch refers to (``refs``) and the
        stored bodies of the batch's own ids (``ids``); return those bodies."""
        ids = set(ids)
        recent = self.recent
        wanted = sorted({ref for ref in refs if ref not in self.known and ref not in recent} | ids)
        stored: dict[str, str] = {}
        if not wanted:
            return stored
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for event_id, seq, body, kind, op_id, retracted in self.conn.execute(
                f"SELECT e.event_id, e.seq, e.body, {_KIND_E}, {_OP_E}, EXISTS (SELECT 1 "
                "FROM corrections c WHERE c.target_seq = e.seq AND c.action = 'retract') "
                f"FROM events e WHERE e.event_id IN ({marks})",
                chunk,
            ):
                if event_id in ids:
                    stored[event_id] = body
                if event_id not in self.known:
                    self.known[event_id] = _Live(seq, kind, op_id, live=not retracted)
        return stored

    def _load_ops(self, op_ids: Iterable[str]) -> None:
        wanted = sorted(set(op_ids).difference(self.ops))
        if not wanted:
            return
        for op_id in wanted:
            self.ops[op_id] = None
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT op_id, seq, event_id, parent_op_id FROM operations "
                f"WHERE op_id IN ({marks})",
                chunk,
            ).fetchall()
            sites: dict[str, set[str]] = {}
            for op_id, site_id in self.conn.execute(
                f"SELECT op_id, site_id FROM sites WHERE op_id IN ({marks})", chunk
            ):
                sites.setdefault(op_id, set()).add(site_id)
            for op_id, seq, event_id, parent in rows:
                self.ops[op_id] = _Op(seq, event_id, frozenset(sites.get(op_id, ())), parent)

    def _op(self, op_id: str) -> _Op | None:
        if op_id not in self.ops:
            self._load_ops([op_id])
        return self.ops[op_id]

    def _event(self, event_id: str) -> _Live | None:
        if event_id not in self.known:
            remembered = self.recent.get(event_id)
            if remembered is not None:
                self.known[event_id] = _Live(*remembered)
            else:
                self._load_events([event_id])
        return self.known.get(event_id)

    # -- checks -------------------------------------------------------------------------

    def check(self, event: _EventBase) -> _Live | None:
        """Check ``event`` against the log and the batch; return its target when a correction."""
        if isinstance(event, Operation):
            self._check_new_operation(event)
            return None
        if isinstance(event, Correction):
            self._check_op(event, event.op_id)
            return self._check_correction(event)
        self._check_body(event, event)
        return None

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

    def _check_op(self, event: _EventBase, op_id: str) -> _Op:
        op = self._op(op_id)
        if op is None:
            kind = getattr(event, "kind", "event")
            message = (
                f"event {event.event_id!r} ({kind}): op_id {op_id!r} names no operation opened "
                "earlier in the log or the batch"
            )
            raise BrokenReferenceError(message, event_id=event.event_id, field="op_id", ref=op_id)
        return op

    def _check_body(self, outer: _EventBase, event: _EventBase) -> None:
        """References of one (non-correction) event: site, referenced events, offence codes.

        This runs for every event appended, so it reads fields from ``__dict__`` and builds
        messages only when something is wrong.
        """
        values = event.__dict__
        op = self._check_op(event, event.op_id)
        if isinstance(event, Operation):
            self._check_parent(event)
            return
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
        for field in _ref_fields(type(event)):
            ref = values[field]
            if ref is not None:
                self._check_ref(outer, event, field, ref)
        codes = values.get("offences") or values.get("wanted_for")
        if codes:
            offence = self.offence
            for i, code in enumerate(codes):
                if offence(code) is None:
                    field = "offences" if "offences" in values else "wanted_for"
                    error = self.catalogue.unknown(code)
                    error.args = (f"{_where(outer, event)}: {field}[{i}]: {error.message}",)
                    raise error
        if isinstance(event, OffenceDefinition):
            existing = self.definitions.get(event.code)
            if existing is not None and existing.defined_by != event.event_id:
                message = (
                    f"{_where(outer, event)}: offence {event.code} is already defined by event "
                    f"{existing.defined_by!r}; correct that event to change the definition"
                )
                raise EventConflictError(message, event_id=outer.event_id, code="already_defined")

    def _check_ref(self, outer: _EventBase, event: _EventBase, field: str, ref: str) -> _Live:
        target = self.known.get(ref) or self._event(ref)
        kind = _REFERENCES[field]
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

    def _check_correction(self, event: Correction) -> _Live:
        where = f"event {event.event_id!r} (correction)"
        target = self._event(event.target_id)
        if target is None:
            message = f"{where}: target_id {event.target_id!r} names no event in the log or batch"
            raise BrokenReferenceError(
                message, event_id=event.event_id, field="target_id", ref=event.target_id
            )
        problem = None
        if target.kind == EventKind.CORRECTION:
            problem = "targets a correction; correct the original event again instead"
        elif target.op_id != event.op_id:
            problem = f"belongs to operation {event.op_id!r} but its target to {target.op_id!r}"
        elif not target.live:
            problem = "targets an event that was already retracted"
        elif event.replacement is not None and event.replacement.kind != target.kind:
            problem = (
                f"replaces a {target.kind} with a {event.replacement.kind}; "
                "a replacement has its target's kind"
            )
        elif event.retract and target.kind == EventKind.OPERATION:
            problem = "cannot retract an operation; retract its events or correct it instead"
        if problem is not None:
            raise CorrectionError(f"{where}: {problem}", event_id=event.event_id)
        replacement = event.replacement
        if replacement is None:
            self._check_no_dependants(event, target)
        elif isinstance(replacement, Operation):
            self._check_operation_replacement(event, replacement, target)
        else:
            self._check_body(event, replacement)
            if isinstance(replacement, OffenceDefinition):
                self._check_definition_replacement(event, replacement, target)
        return target

    def _check_operation_replacement(
        self, event: Correction, replacement: Operation, target: _Live
    ) -> None:
        op = self._op(replacement.op_id)
        assert op is not None
        removed = op.sites - set(replacement.site_ids)
        used = self._sites_in_use(replacement.op_id, removed)
        if used:
            message = (
                f"event {event.event_id!r} (correction): the replacement drops site(s) "
                f"{', '.join(sorted(used))} that live events of {replacement.op_id!r} still use"
            )
            raise CorrectionError(message, event_id=event.event_id, code="site_in_use")
        self._check_parent(replacement)

    def _sites_in_use(self, op_id: str, sites: frozenset[str]) -> set[str]:
        used: set[str] = set()
        for site_id in sites:
            for table in _SITE_TABLES:
                if self._stored_users(
                    f"SELECT seq, event_id FROM {table} WHERE op_id = ? AND site_id = ?",
                    (op_id, site_id),
                ):
                    used.add(site_id)
                    break
        for _, ev in self._batch_versions():
            site = getattr(ev, "site_id", None)
            if ev.op_id == op_id and site in sites and not isinstance(ev, Operation):
                used.add(site)
        return used

    def _check_definition_replacement(
        self, event: Correction, replacement: OffenceDefinition, target: _Live
    ) -> None:
        code = self._definition_code(target)
        if replacement.code != code:
            message = (
                f"event {event.event_id!r} (correction): a definition's replacement keeps its "
                f"code ({code}); define {replacement.code} with a new event"
            )
            raise CorrectionError(message, event_id=event.event_id, code="definition_code")

    def _stored_users(self, sql: str, params: tuple[Any, ...]) -> list[str]:
        # Rows of events corrected earlier in this batch are still in the tables until the
        # flush: leave them out, and judge those events by their batch version instead.
        return [
            event_id
            for seq, event_id in self.conn.execute(sql, params)
            if seq not in self.projector.deletes
        ]

    def _batch_versions(self) -> Iterator[tuple[str, _EventBase]]:
        for event_id, live in self.known.items():
            if live.live and live.event is not None:
                yield event_id, live.event

    def _check_no_dependants(self, event: Correction, target: _Live) -> None:
        where = f"event {event.event_id!r} (correction)"
        ref = event.target_id
        users: list[str] = []
        for table, column in _DEPENDANTS.get(target.kind, ()):
            users += self._stored_users(
                f"SELECT seq, event_id FROM {table} WHERE {column} = ?", (ref,)
            )
        users += [eid for eid, ev in self._batch_versions() if ref in _refs_of(ev).values()]
        if target.kind == EventKind.OFFENCE_DEFINITION:
            users += self._definition_users(target)
        if users:
            message = (
                f"{where}: cannot retract {ref!r} while live events refer to it "
                f"({', '.join(sorted(set(users))[:5])}); retract or correct those first"
            )
            raise CorrectionError(message, event_id=event.event_id, code="has_dependants")

    def _definition_users(self, target: _Live) -> list[str]:
        code = self._definition_code(target)
        if code in self.catalogue:
            return []  # the catalogue still knows the code after the definition goes
        users: list[str] = []
        for table, owner in (
            ("outcome_offences", "outcomes"),
            ("arrest_enquiry_offences", "arrest_enquiries"),
        ):
            users += self._stored_users(
                f"SELECT DISTINCT o.seq, o.event_id FROM {table} c JOIN {owner} o "
                "ON o.seq = c.seq WHERE c.code = ?",
                (code,),
            )
        for event_id, ev in self._batch_versions():
            codes = getattr(ev, "offences", ()) or getattr(ev, "wanted_for", ())
            if code in codes:
                users.append(event_id)
        return users

    # -- writes -------------------------------------------------------------------------

    def write(self, event: _EventBase, data: dict[str, Any], body: str, raw: bytes) -> None:
        """Take the next seq, chain the hash, and record the event and its projection.

        ``data`` is the event's canonical object, ``body`` its canonical text and ``raw`` the
        UTF-8 bytes of that text (the bytes the hash covers).
        """
        target = self.check(event)
        self.seq += 1
        seq = self.seq
        digest = hashlib.sha256(self.prev_raw + raw).digest()
        hash_hex = digest.hex()
        kind = data["kind"]
        self.rows.append((seq, event.event_id, body, self.head_hash, hash_hex))  # fmt: skip
        self.prev_raw, self.head_hash = digest, hash_hex
        if self.first_seq is None:
            self.first_seq = seq
        self.appended.append(event.event_id)
        self.known[event.event_id] = _Live(seq, kind, event.op_id, live=True, event=event)
        if isinstance(event, Correction):
            assert target is not None
            self.projector.add(data, seq, target.seq)
            self._apply_correction(event, data, target)
        else:
            self._remember(event, seq)
            self.projector.add(data, seq)

    def _remember(self, event: _EventBase, seq: int) -> None:
        if isinstance(event, Operation):
            self.ops[event.op_id] = _Op(
                seq, event.event_id, frozenset(event.site_ids), event.parent_op_id
            )
        elif isinstance(event, OffenceDefinition):
            self.definitions[event.code] = event.to_offence()

    def _apply_correction(self, event: Correction, data: dict[str, Any], target: _Live) -> None:
        self.projector.drop(target.seq, target.kind, target.seq < self.stored_below)
        replacement = event.replacement
        if replacement is None:
            target.live = False
            target.event = None
            if target.kind == EventKind.OFFENCE_DEFINITION:
                code = self._definition_code(target)
                self.definitions.pop(code, None)
                self.projector.changed_codes.add(code)
            return
        target.event = replacement
        self._remember(replacement, target.seq)
        self.projector.add(data["replacement"], target.seq)

    def _definition_code(self, target: _Live) -> str:
        if isinstance(target.event, OffenceDefinition):
            return target.event.code
        # fetchall: a statement left open would hold a read snapshot into the write lock.
        rows = self.conn.execute(
            "SELECT code FROM offence_definitions WHERE seq = ?", (target.seq,)
        ).fetchall()
        return str(rows[0][0])


def _where(outer: _EventBase, event: _EventBase) -> str:
    """``event 'x' (kind)``: how messages name the event at fault."""
    return f"event {outer.event_id!r} ({event.__dict__.get('kind', 'event')})"


def _refs_of(event: _EventBase) -> dict[str, str]:
    # Field values live in __dict__; getattr on a field a kind lacks takes pydantic's slow
    # __getattr__ path, which dominated appends.
    values = event.__dict__
    return {field: value for field in _ref_fields(type(event)) if (value := values[field])}


@functools.cache
def _ref_fields(cls: type[_EventBase]) -> tuple[str, ...]:
    return tuple(field for field in _REFERENCES if field in cls.model_fields)


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _stored_definitions(conn: sqlite3.Connection) -> dict[str, Offence]:
    rows = conn.execute(
        "SELECT code, title, category, statute, section, cjs_class, drug_class, event_id "
        "FROM offence_definitions"
    )
    return {
        code: Offence(
            code=code,
            title=title,
            category=OffenceCategory(category),
            statute=statute,
            section=section,
            cjs_class=CjsClass(cjs) if cjs else None,
            drug_class=DrugClass(drug) if drug else None,
            defined_by=event_id,
        )
        for code, title, category, statute, section, cjs, drug, event_id in rows
    }


# --------------------------------------------------------------------------- the log


class OpLog:
    """An operations log: one SQLite file (or memory), append-only and hash-chained.

    Open one with :meth:`open` (``create=True`` to make a new file) or :meth:`memory`; use it
    as a context manager or call :meth:`close`. An ``OpLog`` may be shared between threads;
    several processes may append to one file at once.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None, *, readonly: bool) -> None:
        """Use :meth:`open` or :meth:`memory`; this wraps an already-checked connection."""
        self._conn = conn
        self._path = path
        self._readonly = readonly
        self._lock = threading.RLock()
        self._closed = False
        self._log_id = read_log_id(conn)
        self._cached: _State | None = None
        self._next_state: _State | None = None

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        readonly: bool = False,
        busy_timeout: float = 30.0,
        durability: Durability = "full",
    ) -> OpLog:
        """Open the log at ``path``; with ``create=True`` make it if it does not exist.

        Without ``create``, a missing file is a :class:`~anpr_ops.errors.LogNotFoundError` and
        nothing is created. A new file is readable by its owner only. ``busy_timeout`` is how
        long (seconds) an append waits for another writer; ``durability="full"`` syncs every
        commit to disk, ``"normal"`` survives a killed process but not a power cut.

        Refuses, with a clear error, a file that is not an anpr_ops log, one written by a newer
        version, and one whose append-only guards were removed or altered.
        """
        if str(path) == ":memory:":
            return cls.memory()
        target = Path(path)
        created = False
        if target.is_dir():
            raise StorageError(f"{target} is a folder, not a log file", code="is_a_folder")
        if not target.exists():
            if not create or readonly:
                raise LogNotFoundError(
                    f"no log file at {target} (open it with create=True to make a new one)"
                )
            if not target.parent.is_dir():
                raise StorageError(
                    f"cannot create {target}: the folder {target.parent} does not exist",
                    code="missing_folder",
                )
            created = _create_private_file(target)
        options: dict[str, Any] = {
            "isolation_level": None,
            "check_same_thread": False,
            "timeout": busy_timeout,
        }
        try:
            if readonly:
                conn = connect_readonly(target, **options)  # also from a read-only folder
            else:
                uri = f"file:{urllib.parse.quote(str(target.resolve()))}?mode=rw"
                conn = sqlite3.connect(uri, uri=True, **options)
        except sqlite3.Error as exc:
            raise _translate(exc, f"opening {target}") from None
        try:
            _prepare(
                conn,
                create=create,
                readonly=readonly,
                durability=durability,
                wal=True,
                busy_timeout=busy_timeout,
            )
        except BaseException:
            conn.close()
            # Remove the file we created only while it is still empty: once another process
            # has made it a log, it may already hold that process's events.
            if created and target.exists() and target.stat().st_size == 0:
                with contextlib.suppress(OSError):
                    target.unlink()
            raise
        return cls(conn, target, readonly=readonly)

    @classmethod
    def memory(cls) -> OpLog:
        """A new, empty log held in memory (gone when closed). For tests and scratch work."""
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        _prepare(conn, create=True, readonly=False, durability="normal", wal=False, busy_timeout=0)
        return cls(conn, None, readonly=False)

    def close(self) -> None:
        """Close the connection. Further use raises ``LogError``."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self._path) if self._path else ":memory:"
        return f"<OpLog {where}{' (closed)' if self._closed else ''}>"

    # -- facts about the log ------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The file, or ``None`` for an in-memory log."""
        return self._path

    @property
    def log_id(self) -> str:
        """A random id given to the log when it was created (checkpoints name it)."""
        return self._log_id

    @property
    def schema_version(self) -> int:
        """The storage schema version of the file."""
        with self._reading() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last event; ``(0, GENESIS_HASH)`` for an empty log."""
        with self._reading() as conn:
            return _head(conn)

    def __len__(self) -> int:
        return self.head()[0]

    # -- writing ------------------------------------------------------------------------

    def append(self, event: _EventBase | Mapping[str, Any]) -> AppendResult:
        """Append one event (a model or a mapping in the interchange format).

        Appending an event whose ``event_id`` is already stored with identical content is a
        no-op (``result.noop``); with different content it is an
        :class:`~anpr_ops.errors.EventConflictError`.
        """
        return self._extend([event])  # too few objects to be worth pausing the collector

    def extend(self, events: Iterable[_EventBase | Mapping[str, Any]]) -> AppendResult:
        """Append a batch atomically: every event is written, or none is.

        References may point to earlier events of the same batch. Any error (validation,
        conflict, broken reference, storage) leaves the log exactly as it was.
        """
        with _CollectorPaused():
            return self._extend(list(events))

    def _extend(self, items: list[_EventBase | Mapping[str, Any]]) -> AppendResult:
        parsed: Sequence[_EventBase]
        if all(isinstance(item, _EventBase) for item in items):
            parsed = items  # type: ignore[assignment]  # narrowed by the check above
        else:
            parsed = parse_events(items)
        datas = canonical_dicts(list(parsed))
        prepared = [
            (event, data, *_body(event, data, index))
            for index, (event, data) in enumerate(zip(parsed, datas, strict=True))
        ]
        if self._cached is not None:
            # Optimistically, from what this connection remembers: no look-up of the chain
            # head or of the batch's own ids. Another connection's commit since then, or an
            # id already stored, makes the insert collide with a stored row (the unique index
            # and the insert guard); any refusal is judged again against the log itself.
            try:
                return self._write(prepared, optimistic=True)
            except (_Stale, EventConflictError, BrokenReferenceError, CorrectionError,
                    UnknownOffenceCodeError):  # fmt: skip
                self._cached = None
        return self._write(prepared, optimistic=False)

    def _write(
        self, prepared: list[tuple[_EventBase, dict[str, Any], str, bytes]], *, optimistic: bool
    ) -> AppendResult:
        with self._lock:
            state = self._cached
            if optimistic and state is not None and not self._closed:
                # Checked, chained and projected before the write lock is taken, so the lock
                # is held only for the inserts. Whatever another connection commits meanwhile
                # appends events, so the inserts then collide and the batch is judged again.
                try:
                    batch = self._plan(self._conn, state, prepared, own=False)
                except sqlite3.Error as exc:
                    raise _translate(exc, "appending") from None
                with self._writing("appending") as conn:
                    self._insert(conn, batch, state, optimistic=True)
            else:
                with self._writing("appending") as conn:
                    state = self._state(conn)
                    batch = self._plan(conn, state, prepared, own=True)
                    self._insert(conn, batch, state, optimistic=False)
            if self._cached is not None:
                self._cached.remember(batch.known)
        return AppendResult(
            appended=tuple(batch.appended),
            duplicates=tuple(batch.duplicates),
            first_seq=batch.first_seq,
            last_seq=batch.seq if batch.appended else None,
            head_hash=batch.head_hash,
        )

    @staticmethod
    def _plan(
        conn: sqlite3.Connection,
        state: _State,
        prepared: list[tuple[_EventBase, dict[str, Any], str, bytes]],
        *,
        own: bool,
    ) -> _Batch:
        """Check each event, chain it and project it: the batch's rows, not yet written.

        With ``own=False`` the batch's own ids are not looked up (the insert finds any that
        are already stored).
        """
        batch = _Batch(conn, state)
        stored = batch.prefetch([event for event, *_ in prepared], own=own)
        in_batch: dict[str, str] = {}
        for event, data, body, raw in prepared:
            event_id = event.event_id
            previous = in_batch.get(event_id)
            if previous is None and event_id in stored:
                previous = stored[event_id]
            if previous is not None:
                if previous != body:
                    raise _conflict(event)
                batch.duplicates.append(event_id)
                continue
            in_batch[event_id] = body
            batch.write(event, data, body, raw)
        return batch

    def _insert(
        self, conn: sqlite3.Connection, batch: _Batch, state: _State, *, optimistic: bool
    ) -> None:
        """Write a planned batch's rows (inside the write transaction)."""
        if not batch.rows:
            return
        try:
            conn.executemany(_INSERT_EVENT, batch.rows)
            batch.projector.flush()
        except sqlite3.IntegrityError:
            if optimistic:
                raise _Stale from None
            raise
        # Taken as the state only if the commit (on leaving _writing) succeeds.
        self._next_state = _State(
            state.version, (batch.seq, batch.head_hash), batch.ops, batch.definitions,
            state.recent,
        )  # fmt: skip

    def correct(
        self,
        target_id: str,
        *,
        reason: str,
        replacement: _EventBase | Mapping[str, Any] | None = None,
        retract: bool = False,
        occurred_at: datetime | None = None,
        event_id: str | None = None,
        officer_id: str | None = None,
    ) -> AppendResult:
        """Append a correction of ``target_id``: a ``replacement`` or ``retract=True``.

        A replacement given as a mapping may leave out ``kind``, ``event_id`` and ``op_id``:
        they are the target's. ``occurred_at`` defaults to now.
        """
        target = self.get(target_id, corrected=False)
        data: dict[str, Any] = {
            "kind": "correction",
            "op_id": target.op_id,
            "occurred_at": occurred_at or datetime.now(UTC),
            "target_id": target_id,
            "reason": reason,
        }
        if event_id is not None:
            data["event_id"] = event_id
        if officer_id is not None:
            data["officer_id"] = officer_id
        if replacement is not None:
            if isinstance(replacement, Mapping):
                kind = getattr(target, "kind")  # noqa: B009
                replacement = {"kind": kind, "op_id": target.op_id, **replacement}
                replacement.setdefault("event_id", target_id)
            data["replacement"] = replacement
        if retract:
            data["retract"] = True
        return self.append(data)

    # -- reading ------------------------------------------------------------------------

    def events(
        self,
        op_id: str | None = None,
        kind: str | None = None,
        *,
        corrected: bool = True,
        include_children: bool = False,
    ) -> Iterator[Event]:
        """The events of the log, in the order they were appended.

        ``corrected=True`` (the default) gives the current view: a replaced event as its
        replacement (at the original's place), no retracted events, and no correction events
        themselves. ``corrected=False`` gives every stored event as appended, corrections
        included. Filter by ``op_id`` (and its child operations with ``include_children``) and
        by ``kind``.
        """
        if kind is not None:
            if not isinstance(kind, str) or kind not in _KIND_NAMES:
                shown = (
                    repr(kind)[:40]
                    if isinstance(kind, str)
                    else f"a value of type {type(kind).__name__}"
                )
                message = f"{shown} is not an event kind; expected one of {', '.join(_KIND_NAMES)}"
                raise EventValidationError(message, code="unknown_kind")
            kind = EventKind(kind).value
        fixes: dict[int, tuple[str, int]] = {}
        # The operations, the head and the corrections are read in one snapshot, and the pages
        # below stop at that head: the events come out as the log was at one moment, even
        # while other connections append (a correction appended meanwhile is not half-applied).
        with self._reading(snapshot=True) as conn:
            ops = self.op_ids(op_id, include_children=include_children) if op_id else None
            head = _head(conn)[0]
            if corrected:
                for target_seq, seq, action in conn.execute(
                    "SELECT target_seq, seq, action FROM corrections ORDER BY seq"
                ):
                    fixes[target_seq] = (action, seq)
        where, params = [], []
        if ops is not None:
            where.append(f"{_OP} IN ({','.join('?' * len(ops))})")
            params += ops
        if kind is not None:
            where.append(f"{_KIND} = ?")
            params.append(kind)
        sql = f"SELECT seq, {_KIND}, body FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " AND seq > ? AND seq <= ?" if where else " WHERE seq > ? AND seq <= ?"
        sql += " ORDER BY seq LIMIT 1000"
        last = 0
        while True:
            with self._reading() as conn:
                rows = conn.execute(sql, (*params, last, head)).fetchall()
                replacements: dict[int, str] = {}
                if corrected:
                    wanted = [
                        fixes[s][1] for s, _, _ in rows if fixes.get(s, ("",))[0] == "replace"
                    ]
                    for chunk in _chunks(wanted):
                        marks = ",".join("?" * len(chunk))
                        replacements.update(
                            conn.execute(
                                "SELECT seq, json_extract(body, '$.replacement') FROM events "
                                f"WHERE seq IN ({marks})",
                                chunk,
                            ).fetchall()
                        )
            if not rows:
                return
            for seq, row_kind, body in rows:
                last = seq
                if corrected:
                    if row_kind == EventKind.CORRECTION:
                        continue
                    fix = fixes.get(seq)
                    if fix is not None:
                        if fix[0] == "retract":
                            continue
                        body = replacements[fix[1]]
                yield EVENT_ADAPTER.validate_json(body)

    def get(self, event_id: str, *, corrected: bool = True) -> Event:
        """One event by id; its current version unless ``corrected=False``.

        Raises :class:`~anpr_ops.errors.EventNotFoundError` for an unknown id, and for a
        retracted one in the corrected view.
        """
        with self._reading() as conn:
            row = conn.execute(
                "SELECT seq, body FROM events WHERE event_id = ?", (event_id,)
            ).fetchone()
            if row is None:
                raise EventNotFoundError(f"no event {event_id!r} in the log")
            seq, body = row
            if corrected:
                fix = conn.execute(
                    "SELECT action, seq FROM corrections WHERE target_seq = ? "
                    "ORDER BY seq DESC LIMIT 1",
                    (seq,),
                ).fetchone()
                if fix is not None:
                    if fix[0] == "retract":
                        raise EventNotFoundError(f"event {event_id!r} was retracted")
                    (body,) = conn.execute(
                        "SELECT json_extract(body, '$.replacement') FROM events WHERE seq = ?",
                        (fix[1],),
                    ).fetchone()
        return EVENT_ADAPTER.validate_json(body)

    def operation(self, op_id: str) -> Operation:
        """The current version of the operation ``op_id``."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT event_id FROM operations WHERE op_id = ?", (op_id,)
            ).fetchone()
        if row is None:
            raise EventNotFoundError(f"no operation {op_id!r} in the log")
        event = self.get(row[0])
        assert isinstance(event, Operation)
        return event

    def operations(self) -> list[Operation]:
        """Every operation of the log (current versions), in the order they were opened."""
        return [e for e in self.events(kind="operation") if isinstance(e, Operation)]

    def op_ids(self, op_id: str, *, include_children: bool = True) -> list[str]:
        """``op_id`` and, with ``include_children``, every operation below it (any depth)."""
        with self._reading() as conn:
            if (
                conn.execute("SELECT 1 FROM operations WHERE op_id = ?", (op_id,)).fetchone()
                is None
            ):
                raise EventNotFoundError(f"no operation {op_id!r} in the log")
            if not include_children:
                return [op_id]
            rows = conn.execute(
                "WITH RECURSIVE tree(op_id) AS (SELECT ? UNION "
                "SELECT o.op_id FROM operations o JOIN tree t ON o.parent_op_id = t.op_id) "
                "SELECT op_id FROM tree",
                (op_id,),
            ).fetchall()
        return [op_id, *sorted(r[0] for r in rows if r[0] != op_id)]

    def offences(self) -> OffenceCatalogue:
        """The packaged catalogue with this log's offence definitions on top."""
        with self._reading() as conn:
            defined = _stored_definitions(conn)
        return builtin_catalogue().with_offences(defined.values())

    def report(
        self,
        op_id: str,
        *,
        include_children: bool = True,
        site: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> OpReport:
        """The end-of-operation report of ``op_id`` (see :mod:`anpr_ops.report`).

        ``include_children`` adds the operations below it; ``site`` keeps one site (or
        ``"_no_site"``); ``start``/``end`` (aware datetimes) keep events with
        ``start <= occurred_at < end``. Read from one snapshot of the log.
        """
        from anpr_ops.report import build_report  # reports sit above the store

        with self._reading(snapshot=True) as conn:
            return build_report(
                conn, op_id, include_children=include_children, site=site, start=start, end=end
            )

    # -- integrity ----------------------------------------------------------------------

    def verify(
        self, checkpoint: Checkpoint | None = None, *, projections: bool = False
    ) -> VerifyResult:
        """Recompute the whole hash chain; with a ``checkpoint``, also compare against it.

        With ``projections=True``, also run SQLite's integrity check (problem
        ``storage_damaged``: damage beside the chain, such as an index that hides an event
        from lookups by id and so lets it be appended twice), then rebuild the derived tables
        from the events (in a temporary database) and compare them with the stored ones: the
        projections are not chained, so this is how an edit to them is found. Returns a
        :class:`~anpr_ops.chain.VerifyResult` (``ok``, ``checked``, ``first_bad_seq``,
        ``problem``, ``reason``); it does not raise for a broken chain.
        """
        with self._reading(snapshot=True) as conn:
            result = verify_connection(conn, checkpoint)
            if not (projections and result.ok):
                return result
            damage = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
            if damage != ["ok"]:
                return _failed(
                    result,
                    problem="storage_damaged",
                    reason="SQLite's integrity check finds the file damaged ("
                    + "; ".join(damage)
                    + "); restore it from a copy",
                )
            mismatch = _projection_mismatch(conn)
        if mismatch is None:
            return result
        table, seq = mismatch
        return _failed(
            result,
            problem="projection_mismatch",
            reason=f"table {table} differs from a rebuild from the events "
            f"(first difference at seq {seq}); run rebuild() after checking how",
            first_bad_seq=seq,
        )

    def checkpoint(self, op_id: str | None = None) -> Checkpoint:
        """A checkpoint of the log's head now, or of operation ``op_id``'s latest event.

        Keep ``checkpoint.to_text()`` somewhere else; ``verify(checkpoint=...)`` later detects
        truncation and rewrites that the chain alone cannot.
        """
        name = self._path.name if self._path else ":memory:"
        with self._reading(snapshot=True) as conn:
            if op_id is None:
                seq, head_hash = _head(conn)
                return Checkpoint(self._log_id, name, "log", seq, seq, head_hash)
            row = conn.execute(
                f"SELECT max(seq), count(*) FROM events WHERE {_OP} = ?", (op_id,)
            ).fetchone()
            if not row or row[0] is None:
                raise EventNotFoundError(f"no events of operation {op_id!r} in the log")
            seq, count = row
            (head_hash,) = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()
            return Checkpoint(self._log_id, name, f"op:{op_id}", seq, count, head_hash)

    def rebuild(self) -> None:
        """Rebuild every derived table from ``events`` alone, in one transaction."""
        with self._writing("rebuilding") as conn:
            self._cached = None
            for table in reversed(_schema.DERIVED):
                conn.execute(f"DELETE FROM {table.name}")
            _replay(conn)

    # -- connection plumbing ------------------------------------------------------------

    def _state(self, conn: sqlite3.Connection) -> _State:
        """The log's state for an append, read again only if another connection wrote."""
        (version,) = conn.execute("PRAGMA data_version").fetchone()
        cached = self._cached
        if cached is None or cached.version != version:
            cached = self._cached = _State(version, _head(conn), {}, _stored_definitions(conn))
        return cached

    @contextlib.contextmanager
    def _reading(self, *, snapshot: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise LogError("the log is closed", code="closed")
            conn = self._conn
            try:
                if snapshot:
                    conn.execute("BEGIN")
                    try:
                        yield conn
                    finally:
                        conn.execute("COMMIT")
                else:
                    yield conn
            except sqlite3.Error as exc:
                raise _translate(exc, "reading the log") from None

    def _writing(self, doing: str) -> _Writing:
        return _Writing(self, doing)


class _Writing:
    """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``) under the log's lock.

    On success the log takes ``_next_state`` (if one was set) as its remembered state; on any
    error the transaction is rolled back, the state forgotten, and SQLite errors translated.
    A class rather than a generator: appends one event at a time pay for this on each.
    """

    __slots__ = ("doing", "log")

    def __init__(self, log: OpLog, doing: str) -> None:
        self.log = log
        self.doing = doing

    def __enter__(self) -> sqlite3.Connection:
        log = self.log
        log._lock.acquire()
        try:
            if log._closed:
                raise LogError("the log is closed", code="closed")
            if log._readonly:
                raise StorageError(f"{self.doing}: the log was opened read-only", code="read_only")
            conn = log._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _translate(exc, self.doing) from None
        except BaseException:
            log._lock.release()
            raise
        log._next_state = None
        return conn

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        log = self.log
        try:
            conn = log._conn
            if exc is None:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as error:
                    _rollback(conn)
                    log._cached = None
                    raise _translate(error, self.doing) from None
                if log._next_state is not None:
                    log._cached = log._next_state
                return
            _rollback(conn)
            log._cached = None
            if isinstance(exc, sqlite3.Error):
                raise _translate(exc, self.doing) from None
        finally:
            log._lock.release()


def _failed(result: VerifyResult, **changes: Any) -> VerifyResult:
    """``result`` marked failed with the given problem (VerifyResult is a frozen dataclass)."""
    return dataclasses.replace(result, ok=False, **changes)


def _projection_mismatch(conn: sqlite3.Connection) -> tuple[str, int | None] | None:
    """The first derived table (and seq) that differs from a fresh rebuild, or ``None``."""
    with contextlib.closing(sqlite3.connect("", isolation_level=None)) as shadow:
        shadow.execute(_schema.EVENTS)
        for table in _schema.DERIVED:
            shadow.execute(table.create_sql())
        last = 0
        while rows := conn.execute(
            "SELECT seq, event_id, body, prev_hash, hash FROM events "
            "WHERE seq > ? ORDER BY seq LIMIT 5000",
            (last,),
        ).fetchall():
            shadow.executemany(_INSERT_EVENT, rows)
            last = rows[-1][0]
        shadow.execute("BEGIN")
        _replay(shadow)
        shadow.execute("COMMIT")
        for table in _schema.DERIVED:
            order = ", ".join(table.column_names)
            sql = f"SELECT {order} FROM {table.name} ORDER BY {order}"
            stored, rebuilt = conn.execute(sql), shadow.execute(sql)
            for mine, theirs in itertools.zip_longest(stored, rebuilt):
                if mine != theirs:
                    row = mine if mine is not None else theirs
                    seq = row[0] if table.column_names[0] == "seq" else None
                    return table.name, seq
    return None


class _CollectorPaused:
    """Pause Python's cyclic garbage collector for one batch.

    A batch allocates tens of thousands of short-lived, acyclic objects (models, dicts,
    rows); each allocation burst makes the collector walk the caller's live data too, which
    cost a large share of an append. Nothing here creates cycles; reference counting frees
    it all, and the collector resumes afterwards (unless the caller had turned it off).
    """

    __slots__ = ("was_enabled",)

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc_info: object) -> None:
        if self.was_enabled:
            gc.enable()


def _rollback(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _replay(conn: sqlite3.Connection) -> None:
    """Project every stored event, in order, into the (empty) derived tables."""
    batch = _Batch(conn, _State(0, (0, GENESIS_HASH), {}, {}))
    last = 0
    while True:
        rows = conn.execute(
            "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT 5000", (last,)
        ).fetchall()
        if not rows:
            break
        batch.stored_below = rows[0][0]  # earlier chunks are already in the tables
        for seq, body in rows:
            last = seq
            data = json.loads(body)
            kind = data["kind"]
            # Models only where the replay needs them: operations, definitions, corrections.
            event = EVENT_ADAPTER.validate_json(body) if kind in _MODELLED else None
            batch.known[data["event_id"]] = _Live(seq, kind, data["op_id"], True, event)
            if isinstance(event, Correction):
                target = batch._event(event.target_id)
                assert target is not None
                batch.projector.add(data, seq, target.seq)
                batch._apply_correction(event, data, target)
            else:
                if event is not None:
                    batch._remember(event, seq)
                batch.projector.add(data, seq)
        batch.projector.flush()
        batch.known.clear()


_MODELLED = frozenset({EventKind.OPERATION, EventKind.OFFENCE_DEFINITION, EventKind.CORRECTION})


def _head(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def _body(event: _EventBase, data: dict[str, Any], index: int) -> tuple[str, bytes]:
    """The canonical text and bytes of an event, from its canonical object."""
    try:
        text = canonical_text(data)
        raw = text.encode("utf-8")
    except (ValueError, TypeError) as exc:
        # Lone surrogates (not text) are the only way a validated event gets here.
        message = (
            f"event {event.event_id!r}: a string holds characters that are not valid Unicode "
            f"text ({type(exc).__name__})"
        )
        problems = [FieldProblem(loc=(), kind="string_unicode", message="not valid Unicode text")]
        raise EventValidationError(
            message, problems=problems, event_id=event.event_id, index=index, code="not_unicode"
        ) from None
    return text, raw


def _conflict(event: _EventBase) -> EventConflictError:
    message = (
        f"event {event.event_id!r} is already in the log (or earlier in the batch) with "
        "different content; an event cannot be changed: append a correction instead"
    )
    return EventConflictError(message, event_id=event.event_id)


def _create_private_file(target: Path) -> bool:
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False  # someone else created it first; open it as it is
    except OSError as exc:
        raise StorageError(
            f"cannot create {target}: {exc.strerror}", code="cannot_create"
        ) from None
    os.close(fd)
    return True


def _prepare(
    conn: sqlite3.Connection,
    *,
    create: bool,
    readonly: bool,
    durability: Durability,
    wal: bool,
    busy_timeout: float,
) -> None:
    """Configure the connection, create the schema of a new log, and check an existing one."""
    try:
        tables = {
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables:
            if not create:
                raise NotALogError("the file is empty: not an anpr_ops log", code="empty_file")
            _initialise(conn)
            tables = {"events"}
        _check(conn, tables)  # before changing anything: a foreign file stays untouched
        if not readonly:
            conn.execute(f"PRAGMA synchronous = {durability.upper()}")
            if wal:
                (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
                if mode != "wal":
                    _use_wal(conn, busy_timeout)
    except sqlite3.Error as exc:
        raise _translate(exc, "opening the log") from None
    except UnicodeDecodeError:
        # SQLite quotes a damaged schema in its message; damaged into bytes that are not
        # UTF-8, the quote cannot even be read as text.
        raise NotALogError(
            "opening the log: the file is damaged (its schema is not readable text)",
            code="corrupt",
        ) from None


def _use_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch the file to WAL, waiting up to ``busy_timeout`` for other connections.

    The switch needs an exclusive lock, and SQLite reports SQLITE_BUSY at once instead of
    calling the busy handler, so several processes opening a new log together would fail here
    without this retry.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", 0)
            if code & 0xFF != 5 or time.monotonic() >= deadline:  # 5: SQLITE_BUSY
                raise
        time.sleep(0.001)


def _check(conn: sqlite3.Connection, tables: set[str]) -> None:
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    if app_id != _schema.APPLICATION_ID or "events" not in tables:
        raise NotALogError(
            "the file is a SQLite database but not an anpr_ops log (no anpr_ops application id "
            "or events table); refusing to touch it",
            code="not_a_log",
        )
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > _schema.SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the log has schema version {version}, newer than this anpr_ops understands "
            f"({_schema.SCHEMA_VERSION}); upgrade anpr_ops to open it"
        )
    if version < 1:
        raise NotALogError(
            "the log has no schema version: it was never initialised", code="not_a_log"
        )
    (encoding,) = conn.execute("PRAGMA encoding").fetchone()
    if encoding != "UTF-8":
        raise NotALogError(f"the log's text encoding is {encoding}, not UTF-8", code="encoding")
    problems = _schema.guard_problems(conn)
    if problems:
        raise GuardsMissingError(
            "the append-only guards of events are not intact ("
            + "; ".join(problems)
            + "): the file may have been tampered with; refusing to open it"
        )


def _initialise(conn: sqlite3.Connection) -> None:
    # The file becomes WAL afterwards, in _prepare, like any existing log that is not yet.
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone():
            # Another process created the log between our first look and taking the lock.
            conn.execute("ROLLBACK")
            return
        conn.execute(f"PRAGMA application_id = {_schema.APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {_schema.SCHEMA_VERSION}")
        conn.execute(_schema.META)
        conn.execute(_schema.EVENTS)
        for sql in (*_schema.EVENT_INDEXES, *_schema.GUARDS.values()):
            conn.execute(sql)
        for table in _schema.DERIVED:
            conn.execute(table.create_sql())
        for sql in _schema.DERIVED_INDEXES:
            conn.execute(sql)
        conn.execute(_schema.EVENT_LOG_VIEW)
        _views.create_views(conn)  # readable views for people and Datasette
        meta = {
            "log_id": uuid.uuid4().hex,
            "created_at": format_utc(datetime.now(UTC)),
            "schema_version": str(_schema.SCHEMA_VERSION),
        }
        conn.executemany("INSERT INTO anpr_ops_meta (key, value) VALUES (?, ?)", meta.items())
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
