"""Keeping the rollups of one batch: what it adds to them, computed while it is planned (the
common path) or, for a batch that changes what is already stored, at insert time.

The common path — new events, referring to earlier ones — is planned from what the batch and
the connection's memory know of each event (its current version, site and flags): a new event
adds its contribution; one that sets a flag on the event it names (a stop on its hit, a search
on its stop, an arrest on its search, stop or enquiry) takes away that event's contribution and
adds it again with the flag; and when that event then passes on more than before (a search's
first arrest or positive outcome is its stop's too), the same is done to the event it passes
them on to. A batch with a correction, or with a definition of an offence code the catalogue
already knows (a category may change), takes the general path: at insert time, every event it
touches — the corrected events, what their old and new versions refer to, everything whose
site comes through them, what the batch's new events refer to, and what each event referred
to passes flags on to (an outcome's search's stop) — is evaluated from the events table before
and after the batch's rows are written, and the difference is added
(:mod:`anpr_ops.store._evaluate`). Rare, wide changes are recomputed wholesale: the cells of an
operation whose time zone changed, of every operation when an offence definition is corrected,
retracted or given to a catalogue code; every aggregate when an operation's parent changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from anpr_ops.events import SITE_VIA, Correction, OffenceDefinition, Operation
from anpr_ops.offences import builtin_catalogue
from anpr_ops.store._contrib import contribution, flags_given, flags_passed_on
from anpr_ops.store._evaluate import (
    Graph,
    Zones,
    evaluate,
    passed_to,
    recompute,
    site_dependants,
)
from anpr_ops.store._memory import Live
from anpr_ops.store._record import Encoded
from anpr_ops.store._rollups import Deltas, HourOf, rebuild_aggregates
from anpr_ops.vocab import EventKind

if TYPE_CHECKING:
    from anpr_ops.events import EventBase
    from anpr_ops.store._batch import Batch

__all__ = ["Upkeep"]

_HOURS: dict[str, HourOf] = {}
_SITE_VIA = {kind.value: fields for kind, fields in SITE_VIA.items()}
_DEFINITION = EventKind.OFFENCE_DEFINITION.value
_OUTCOME = EventKind.OUTCOME.value
_NO_FLAGS: frozenset[str] = frozenset()


def _hours(zone: str) -> HourOf:
    found = _HOURS.get(zone)
    if found is None:
        found = _HOURS[zone] = HourOf(zone)
    return found


class Upkeep:
    """The rollup changes of one batch."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.deltas = Deltas()
        self.general = False
        self.wholesale: set[str] = set()
        self.every_operation = False
        self.tree_changed = False
        self._graph: Graph | None = None
        self._touched: set[int] = set()
        self.catalogue = builtin_catalogue()

    def start(self, events: Sequence[EventBase]) -> None:
        """Choose the path for a batch of these events."""
        catalogue = self.catalogue
        self.general = any(
            isinstance(e, Correction) or (isinstance(e, OffenceDefinition) and e.code in catalogue)
            for e in events
        )

    # -- while planning -----------------------------------------------------------------

    def event(self, encoded: Encoded, live: Live, referred: Live | None) -> None:
        """A new (not correction) event, just planned at ``live.seq``.

        Runs for every event appended: it reads the canonical object as it is, and copies it
        only to add an outcome's person number.
        """
        data = encoded.public
        kind = data["kind"]
        if kind == _DEFINITION and data["code"] in self.catalogue:
            self.every_operation = True
        if self.general:
            return
        if kind == _OUTCOME and "subject" not in data and "subject_ref" in encoded.personal:
            data = {**data, "subject": self.batch.persons[encoded.personal["subject_ref"]]}
        site: str | None = data.get("site_id")
        if site is None and referred is not None:
            for via in _SITE_VIA.get(kind, ()):
                if via in data:
                    site = self._view(referred).site
                    break
        live.data, live.site = data, site
        batch = self.batch
        found = contribution(data, site=site, flags=_NO_FLAGS, category=batch.category)
        if found is not None:
            op = batch.ops[live.op_id]
            assert op is not None
            live.found, live.hour = found, _hours(op.zone)(found.occurred_at)
            self.deltas.add(found, live.hour)
        if referred is None:
            return
        field, given = flags_given(kind, data)
        if field is None or not given or field not in data:
            return
        self._flag(self._view(referred), given)

    def _flag(self, live: Live, given: tuple[str, ...]) -> None:
        """Give ``live`` (viewed) the flags ``given``: its contribution changes with them, and
        so does that of the event it passes on to what it did not pass on before."""
        before = live.flags
        flags = before.union(given)
        data = live.data
        if flags == before or data is None:
            return
        old = live.found
        new = contribution(data, site=live.site, flags=flags, category=self.batch.category)
        live.flags, live.found = flags, new
        if old is not None and new is not None:
            self.deltas.change(old, new, live.hour)
        field, passed = flags_passed_on(live.kind, data, flags)
        if field is None or not passed:
            return
        if set(passed).issubset(flags_passed_on(live.kind, data, before)[1]):
            return
        named = self.batch.lookup(data[field])
        if named is not None and named.live:
            self._flag(self._view(named), passed)

    def correction(self, event: Correction, target: Live) -> None:
        """A correction of ``target``, about to be applied: note a wide change."""
        replacement = event.replacement
        if target.kind == EventKind.OFFENCE_DEFINITION:
            self.every_operation = True
        if isinstance(replacement, Operation):
            op = self.batch.ops.get(replacement.op_id)
            if op is None or op.zone != replacement.timezone:
                self.wholesale.add(replacement.op_id)
            if op is None or op.parent != replacement.parent_op_id:
                self.tree_changed = True

    def _zone(self, op_id: str) -> str:
        op = self.batch.ops.get(op_id) or self.batch._op(op_id)
        return op.zone if op is not None else "UTC"

    def _view(self, live: Live) -> Live:
        """``live`` with its current version, site and flags, read from the log if unknown."""
        if live.data is None:
            if self._graph is None:
                self._graph = Graph(self.batch.conn)
            graph = self._graph
            graph.load([live.seq])
            data = live.data = graph.version(live.seq)
            live.site = graph.site(live.seq)
            live.flags = graph.flags(live.seq)
            if data is not None:
                found = contribution(
                    data, site=live.site, flags=live.flags, category=self.batch.category
                )
                if found is not None:
                    live.found = found
                    live.hour = _hours(self._zone(live.op_id))(found.occurred_at)
        return live

    # -- at insert time -----------------------------------------------------------------

    def _parent(self, op_id: str) -> str | None:
        op = self.batch.ops.get(op_id) or self.batch._op(op_id)
        return op.parent if op is not None else None

    def before(self, conn: sqlite3.Connection) -> Deltas | None:
        """On the general path, before the batch's rows are written: what the stored events
        it touches contribute now."""
        if not self.general:
            return None
        batch = self.batch
        graph = Graph(conn)
        below = batch.stored_below
        targets = [
            r.target_seq for r in batch.records if r.target_seq is not None and r.target_seq < below
        ]
        graph.load(targets)
        # The events whose flags the batch may change: those its events refer to, before and
        # after, and those these pass their flags on to (a search's stop).
        referred = {r.ref_seq for r in batch.records if r.ref_seq is not None and r.ref_seq < below}
        for seq in targets:
            if seq in graph.rows:
                ref = graph.rows[graph.last_row(seq)].ref_seq
                if ref is not None:
                    referred.add(ref)
        touched = set(targets) | referred | passed_to(graph, referred)
        touched |= site_dependants(graph, targets)
        self._touched = touched
        return evaluate(graph, touched, Zones(conn), batch.category)

    def write(self, conn: sqlite3.Connection, before: Deltas | None) -> None:
        """After the batch's rows are written: write its rollup changes."""
        batch = self.batch
        deltas = self.deltas
        if before is not None:
            after_seqs = set(self._touched)
            for record in batch.records:
                after_seqs.add(record.target_seq if record.target_seq is not None else record.seq)
            deltas = evaluate(Graph(conn), after_seqs, Zones(conn), batch.category)
            deltas.subtract(before)
        wholesale = set(self.wholesale)
        if self.every_operation:
            wholesale |= {op for (op,) in conn.execute("SELECT op_id FROM operations")}
        if wholesale:
            deltas = deltas.without(wholesale)
        deltas.flush(conn, self._parent)
        if wholesale:
            recompute(conn, wholesale, batch.category, self._parent)
        elif self.tree_changed:
            rebuild_aggregates(conn, self._parent)

    @property
    def forgets(self) -> bool:
        """Whether the connection's memory of versions, sites and flags is now out of date."""
        return self.general or bool(self.wholesale) or self.every_operation
