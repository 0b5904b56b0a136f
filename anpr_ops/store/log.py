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
against the log, chain the hashes, insert the events, update the projections and the Merkle
tree's tiles (:mod:`anpr_ops.store._tiles`), and commit — the whole batch or nothing. A
connection that has appended remembers the chain head, the operations, the offence
definitions, the recent events and the tree's right edge (:mod:`anpr_ops.store._memory`), and
checks, chains and hashes its next batch from that memory before it takes the write lock; if
another connection has appended since, the inserts collide with its rows (the insert guard
refuses a ``seq`` at or below the head, the unique index a stored ``event_id``) before a tile is
written, and the batch is checked again against the log itself. Any refusal from memory is
likewise judged again, so memory never decides an outcome. Reading: :meth:`OpLog.events`
offers the current (corrected) view or every stored event as appended. Proving:
:meth:`OpLog.checkpoint`, :meth:`OpLog.prove` and :meth:`OpLog.prove_consistency`
(:mod:`anpr_ops.proofs`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

import attrs

from anpr_ops._logfile import read_log_id
from anpr_ops.errors import (
    BrokenReferenceError,
    CorrectionError,
    EventConflictError,
    EventNotFoundError,
    UnknownOffenceCodeError,
)
from anpr_ops.events import (
    Event,
    EventBase,
    Operation,
    parse_event,
    parse_events,
)
from anpr_ops.events.personal import plate_warnings
from anpr_ops.offences import OffenceCatalogue, builtin_catalogue
from anpr_ops.store._access import Actor
from anpr_ops.store._connection import CollectorPaused, Database, Durability, translate
from anpr_ops.store._integrity import Integrity
from anpr_ops.store._memory import Stale, State, load_state
from anpr_ops.store._personal import record_read
from anpr_ops.store._projection import stored_definitions
from anpr_ops.store._protection import DataProtection
from anpr_ops.store._queries import head, operation_tree
from anpr_ops.store._reading import (
    Sight,
    corrections_by_target,
    current_events,
    event_kind,
    read_one,
    scope,
)
from anpr_ops.store._record import Encoded
from anpr_ops.store._writing import Progress, Ticker, insert, plan, prepare
from anpr_ops.vocab import EventKind, KindName

if TYPE_CHECKING:
    from anpr_ops.report import OpReport

__all__ = ["AppendResult", "Durability", "OpLog"]


@attrs.frozen
class AppendResult:
    """What an append did.

    ``appended`` lists the ids written, in order; ``duplicates`` the ids that were already in
    the log (or earlier in the batch) with identical content, and so were not written again.
    ``first_seq``/``last_seq`` span the new events (``None`` when nothing was written);
    ``head_hash`` is the chain head afterwards. ``warnings`` says which free-text fields of
    the events written hold what looks like a number plate (never the plate): they are
    stored as given, and masked in reports and publication exports.
    """

    appended: tuple[str, ...]
    duplicates: tuple[str, ...]
    first_seq: int | None
    last_seq: int | None
    head_hash: str
    warnings: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many events were written."""
        return len(self.appended)

    @property
    def noop(self) -> bool:
        """True when nothing was written (every event was already there)."""
        return not self.appended


# --------------------------------------------------------------------------- the log


class OpLog(DataProtection, Integrity):
    """An operations log: one SQLite file (or memory), append-only and hash-chained.

    Open one with :meth:`open` (``create=True`` to make a new file) or :meth:`memory`; use it
    as a context manager or call :meth:`close`. An ``OpLog`` may be shared between threads;
    several processes may append to one file at once.
    """

    def __init__(self, db: Database, actor: Actor | None = None) -> None:
        """Use :meth:`open` or :meth:`memory`; this wraps an already-checked database."""
        self._db = db
        self._actor = actor or Actor.resolve(None, None)
        with db.reading() as conn:
            self._log_id = read_log_id(conn)
        self._memory: State | None = None

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
        actor: str | None = None,
        purpose: str | None = None,
    ) -> OpLog:
        """Open the log at ``path``; with ``create=True`` make it if it does not exist.

        Without ``create``, a missing file is a :class:`~anpr_ops.errors.LogNotFoundError` and
        nothing is created. A new file is readable by its owner only. ``busy_timeout`` is how
        long (seconds) an append waits for another writer; ``durability="full"`` syncs every
        commit to disk, ``"normal"`` survives a killed process but not a power cut.

        ``actor`` and ``purpose`` say who is working with the log and why (else the
        ``ANPR_OPS_ACTOR`` and ``ANPR_OPS_PURPOSE`` environment variables do): reads that return
        personal values, erasures and restrictions need them, and record them (s.62 DPA 2018).

        Refuses, with a clear error, a file that is not an anpr_ops log, one written by a newer
        version (or an older one: ``anpr-ops migrate`` makes it current), and one whose schema
        is not exactly the one anpr_ops made.
        """
        who = Actor.resolve(actor, purpose)
        if str(path) == ":memory:":
            return cls.memory(actor=actor, purpose=purpose)
        return cls(
            Database.open(
                path,
                create=create,
                readonly=readonly,
                busy_timeout=busy_timeout,
                durability=durability,
            ),
            who,
        )

    @classmethod
    def memory(cls, *, actor: str | None = None, purpose: str | None = None) -> OpLog:
        """A new, empty log held in memory (gone when closed). For tests and scratch work."""
        return cls(Database.memory(), Actor.resolve(actor, purpose))

    def close(self) -> None:
        """Close the connection. Further use raises ``LogError``."""
        self._db.close()

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
        where = str(self._db.path) if self._db.path else ":memory:"
        return f"<OpLog {where}{' (closed)' if self._db.closed else ''}>"

    # -- facts about the log ------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The file, or ``None`` for an in-memory log."""
        return self._db.path

    @property
    def log_id(self) -> str:
        """A random id given to the log when it was created (checkpoints name it)."""
        return self._log_id

    @property
    def schema_version(self) -> int:
        """The storage schema version of the file."""
        with self._db.reading() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last event; ``(0, GENESIS_HASH)`` for an empty log."""
        with self._db.reading() as conn:
            return head(conn)

    def __len__(self) -> int:
        return self.head()[0]

    # -- writing ------------------------------------------------------------------------

    def append(self, event: EventBase | Mapping[str, Any]) -> AppendResult:
        """Append one event (a model or a mapping in the interchange format).

        Appending an event whose ``event_id`` is already stored with identical content is a
        no-op (``result.noop``); with different content it is an
        :class:`~anpr_ops.errors.EventConflictError`.
        """
        # One event is parsed alone, so that its error is about it, not about "batch item 0".
        one = event if isinstance(event, EventBase) else parse_event(event)
        return self._extend([one])  # too few objects to be worth pausing the collector

    def extend(
        self, events: Iterable[EventBase | Mapping[str, Any]], *, progress: Progress | None = None
    ) -> AppendResult:
        """Append a batch atomically: every event is written, or none is.

        References may point to earlier events of the same batch. Any error (validation,
        conflict, broken reference, storage) leaves the log exactly as it was. ``progress``,
        if given, is called now and then with the steps done and the steps in all, through
        encoding, checking and writing the batch (a command line draws a bar with it).
        """
        with CollectorPaused():
            return self._extend(list(events), Ticker.of(progress))

    def _extend(
        self, items: list[EventBase | Mapping[str, Any]], ticker: Ticker | None = None
    ) -> AppendResult:
        parsed: Sequence[EventBase]
        if all(isinstance(item, EventBase) for item in items):
            parsed = items  # type: ignore[assignment]  # narrowed by the check above
        else:
            parsed = parse_events(items)
        prepared = prepare(parsed, ticker)
        if self._memory is not None:
            # Optimistically, from what this connection remembers: no look-up of the chain
            # head or of the batch's own ids. Another connection's commit since then, or an
            # id already stored, makes the insert collide with a stored row (the unique index
            # and the insert guard); any refusal is judged again against the log itself.
            try:
                return self._write(prepared, ticker, optimistic=True)
            except (Stale, EventConflictError, BrokenReferenceError, CorrectionError,
                    UnknownOffenceCodeError):  # fmt: skip
                self._memory = None
        return self._write(prepared, ticker, optimistic=False)

    def _write(
        self, prepared: list[Encoded], ticker: Ticker | None, *, optimistic: bool
    ) -> AppendResult:
        db = self._db
        with db.lock:
            state = self._memory
            try:
                if optimistic and state is not None and not db.closed:
                    # Checked, chained and projected before the write lock is taken, so the
                    # lock is held only for the inserts. Whatever another connection commits
                    # meanwhile appends events, so the inserts then collide and the batch is
                    # judged again.
                    try:
                        batch = plan(db.conn, state, prepared, own=False, ticker=ticker)
                    except sqlite3.Error as exc:
                        raise translate(exc, "appending") from exc
                    with db.writing("appending") as conn:
                        insert(conn, batch, optimistic=True, ticker=ticker)
                else:
                    with db.writing("appending") as conn:
                        state = self._state(conn)
                        batch = plan(conn, state, prepared, own=True, ticker=ticker)
                        insert(conn, batch, optimistic=False, ticker=ticker)
            except BaseException:
                self._memory = None
                raise
            if ticker is not None:
                ticker.finish()
            # Committed: what the batch learned becomes what this connection remembers.
            self._memory = state.after(
                (batch.seq, batch.head_hash),
                batch.ops,
                batch.definitions,
                batch.next_person,
                batch.known,
                batch.frontier,
                forget=batch.upkeep.forgets,
            )
        written = set(batch.appended) if batch.duplicates else None
        return AppendResult(
            appended=tuple(batch.appended),
            duplicates=tuple(batch.duplicates),
            first_seq=batch.first_seq,
            last_seq=batch.seq if batch.appended else None,
            head_hash=batch.head_hash,
            warnings=plate_warnings(
                (item.event.event_id, item.public)
                for item in prepared
                if written is None or item.event.event_id in written
            ),
        )

    def correct(
        self,
        target_id: str,
        *,
        reason: str,
        replacement: EventBase | Mapping[str, Any] | None = None,
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
        kind: EventKind | KindName | None = None,
        *,
        corrected: bool = True,
        include_children: bool = False,
        personal: bool = False,
        restricted: bool = False,
        recipient: str | None = None,
        event_ids: Collection[str] | None = None,
    ) -> Iterator[Event]:
        """The events of the log, in the order they were appended.

        ``corrected=True`` (the default) gives the current view: a replaced event as its
        replacement (at the original's place), no retracted events, and no correction events
        themselves. ``corrected=False`` gives every stored event as appended, corrections
        included. Filter by ``op_id`` (and its child operations with ``include_children``), by
        ``kind`` (an :class:`~anpr_ops.vocab.EventKind` or its name: ``"search"``), and to the
        events ``event_ids`` names.

        Personal values (plates, subject references, officer ids, free text) come back only
        with ``personal=True``, which needs an actor and a purpose and is recorded in the
        access record (:mod:`anpr_ops.store._access`) with the query and the events it
        returns values of; otherwise each personal field that had a value holds
        ``"[withheld]"`` (``"[erased]"`` once erased). A restricted record's values come back
        only with ``restricted=True`` as well (otherwise ``"[restricted]"``). Give
        ``recipient`` when the values leave for someone else: the read is recorded as a
        disclosure to them.
        """
        name = event_kind(kind)
        # The operations, the head and the corrections are read in one snapshot, and the pages
        # below stop at that head: the events come out as the log was at one moment, even
        # while other connections append (a correction appended meanwhile is not half-applied).
        with self._db.reading(snapshot=True) as conn:
            ops = self.op_ids(op_id, include_children=include_children) if op_id else None
            last = head(conn)[0]
            fixes = corrections_by_target(conn) if corrected else None
            seqs, keep = (
                scope(conn, ops, name, last, fixes, event_ids)
                if personal or event_ids is not None
                else ([], None)
            )
        query = {
            "op_id": op_id,
            "kind": name,
            "corrected": corrected,
            "include_children": include_children,
            "restricted": restricted,
            "event_ids": None if event_ids is None else len(set(event_ids)),
        }
        sight = self._sight(
            personal, restricted, "reading personal values", recipient=recipient, query=query,
            seqs=seqs,
        )  # fmt: skip
        for _, event in current_events(self._db.reading, ops, name, last, fixes, sight, keep):
            yield event

    def get(
        self,
        event_id: str,
        *,
        corrected: bool = True,
        personal: bool = False,
        restricted: bool = False,
    ) -> Event:
        """One event by id; its current version unless ``corrected=False``.

        Personal values as for :meth:`events`. Raises
        :class:`~anpr_ops.errors.EventNotFoundError` for an unknown id, and for a retracted
        one in the corrected view.
        """
        with self._db.reading() as conn:
            row = conn.execute("SELECT seq FROM events WHERE event_id = ?", (event_id,)).fetchone()
        if row is None:
            raise EventNotFoundError(f"no event {event_id!r} in the log")
        sight = self._sight(
            personal,
            restricted,
            "reading personal values",
            query={"event_id": event_id, "corrected": corrected, "restricted": restricted},
            seqs=(row[0],),
        )
        with self._db.reading() as conn:
            event = read_one(conn, row[0], corrected=corrected, sight=sight)
        if event is None:
            raise EventNotFoundError(f"event {event_id!r} was retracted")
        return event

    def _sight(
        self,
        personal: bool,
        restricted: bool,
        doing: str,
        *,
        query: Mapping[str, Any],
        seqs: Sequence[int] = (),
        recipient: str | None = None,
    ) -> Sight:
        """What a read may see, recording it first when it returns personal values."""
        if not personal:
            return Sight()
        record_read(self._db, self._actor, doing, query=query, seqs=seqs, recipient=recipient)
        return Sight(personal=True, restricted=restricted)

    def operation(self, op_id: str) -> Operation:
        """The current version of the operation ``op_id``."""
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT e.event_id FROM operations o JOIN events e ON e.seq = o.seq "
                "WHERE o.op_id = ?",
                (op_id,),
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
        with self._db.reading() as conn:
            tree = operation_tree(conn, op_id, include_children=include_children)
        if not tree:
            raise EventNotFoundError(f"no operation {op_id!r} in the log")
        return tree

    def offences(self) -> OffenceCatalogue:
        """The packaged catalogue with this log's offence definitions on top."""
        with self._db.reading() as conn:
            defined = stored_definitions(conn)
        return builtin_catalogue().with_offences(defined.values())

    def report(
        self,
        op_id: str,
        *,
        include_children: bool = True,
        site: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        source: Literal["auto", "rollups", "scan"] = "auto",
    ) -> OpReport:
        """The end-of-operation report of ``op_id`` (see :mod:`anpr_ops.report`).

        ``include_children`` adds the operations below it; ``site`` keeps one site (or
        ``"_no_site"``); ``start``/``end`` (aware datetimes) keep events with
        ``start <= occurred_at < end``. Read from one snapshot: from the rollups when they can
        answer (``source="auto"``; docs/reports.md says when), else by a scan of the events;
        ``source="rollups"`` or ``"scan"`` insists on one.
        """
        from anpr_ops.report._rollup_report import report  # reports sit above the store

        with self._db.reading(snapshot=True) as conn:
            return report(
                conn,
                op_id,
                include_children=include_children,
                site=site,
                start=start,
                end=end,
                source=source,
            )

    # -- connection plumbing ------------------------------------------------------------

    def _state(self, conn: sqlite3.Connection) -> State:
        """The log's state for an append: what this connection remembers, unless another
        connection has written since (``PRAGMA data_version`` changed), then read afresh."""
        return load_state(conn, self._memory)
