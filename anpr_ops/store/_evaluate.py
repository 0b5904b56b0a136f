"""What stored events contribute to the rollups, read from the events table: for the batches
that change what is already stored (corrections, definitions that change a category), for the
wholesale recompute of an operation, and for a rebuild.

A :class:`Graph` reads the rows it needs a query at a time (events by seq, their corrections,
the events that refer to them) and knows each event's current and last versions, its site
(through what it refers to, :data:`anpr_ops.events.SITE_VIA`) and its flags (what its live
dependants make of it, :func:`~anpr_ops.store._contrib.flags_given`, and what they pass on from
their own, :func:`~anpr_ops.store._contrib.flags_passed_on`: a search's arrest is its stop's
too). :func:`evaluate` turns a set of events into what they contribute — the very rules the
scan over events folds — so that a batch's change is ``evaluate(after) - evaluate(before)``
over every event it touches.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from anpr_ops.events import SITE_VIA
from anpr_ops.store._contrib import NO_SITE, contribution, flags_given, flags_passed_on
from anpr_ops.store._projection import chunks
from anpr_ops.store._rollups import CELL_TABLES, Deltas, HourOf, rebuild_aggregates
from anpr_ops.vocab import EventKind

__all__ = ["Graph", "Zones", "evaluate", "passed_to", "recompute", "site_dependants"]

_COLUMNS = "seq, event_id, kind, op_id, occurred_at, target_seq, ref_seq, body"


class Row(NamedTuple):
    seq: int
    event_id: str
    kind: str
    op_id: str
    occurred_at: str
    target_seq: int | None
    ref_seq: int | None
    body: str


class Zones:
    """The local hours of each operation's zone, read from ``operations`` once."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.hours: dict[str, HourOf] = {}

    def __call__(self, op_id: str) -> HourOf:
        found = self.hours.get(op_id)
        if found is None:
            row = self.conn.execute(
                "SELECT timezone FROM operations WHERE op_id = ?", (op_id,)
            ).fetchone()
            found = self.hours[op_id] = HourOf(row[0] if row else "UTC")
        return found


class Graph:
    """Stored events, their corrections and the events that refer to them, read on demand."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rows: dict[int, Row] = {}
        self.data: dict[int, dict[str, Any]] = {}
        self.fixes: dict[int, list[int]] = {}  # seq -> its corrections' seqs, in order
        self.referrers: dict[int, list[int]] = {}  # seq -> rows whose ref_seq is it
        self.ids: dict[str, int] = {}
        self._sites: dict[tuple[int, bool], str | None] = {}
        self._given: dict[int, frozenset[str]] = {}

    # -- reading ------------------------------------------------------------------------

    def _take(self, rows: Iterable[tuple[Any, ...]]) -> list[Row]:
        taken = []
        for values in rows:
            row = Row(*values)
            if row.seq in self.rows:
                continue
            self.rows[row.seq] = row
            self.ids[row.event_id] = row.seq
            taken.append(row)
        return taken

    def load(self, seqs: Iterable[int]) -> None:
        """Read the events at ``seqs`` and their corrections (in order: the query sorts them)."""
        wanted = sorted(s for s in set(seqs) if s not in self.fixes)
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            self._take(
                self.conn.execute(
                    f"SELECT {_COLUMNS} FROM events WHERE seq IN ({marks})", chunk
                ).fetchall()
            )
            for seq in chunk:
                self.fixes[seq] = []
            found = self.conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE target_seq IN ({marks}) ORDER BY seq",
                chunk,
            ).fetchall()
            self._take(found)
            for values in found:
                row = Row(*values)
                assert row.target_seq is not None
                self.fixes[row.target_seq].append(row.seq)

    def load_referrers(self, seqs: Iterable[int]) -> None:
        """Read the rows that refer to the events at ``seqs``, and the events they belong to."""
        wanted = sorted(s for s in set(seqs) if s not in self.referrers)
        if not wanted:
            return
        owners: set[int] = set()
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for seq in chunk:
                self.referrers[seq] = []
            for values in self.conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE ref_seq IN ({marks})", chunk
            ).fetchall():
                row = Row(*values)
                self._take([values])
                assert row.ref_seq is not None
                self.referrers[row.ref_seq].append(row.seq)
                owners.add(row.target_seq if row.target_seq is not None else row.seq)
        self.load(owners)

    def load_operation(self, op_id: str) -> list[int]:
        """Read every event of ``op_id`` (references never leave an operation); the seqs of
        those that are not corrections."""
        rows = self._take(
            self.conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE op_id = ? ORDER BY seq", (op_id,)
            ).fetchall()
        )
        own = []
        for row in rows:
            if row.kind == EventKind.CORRECTION:
                assert row.target_seq is not None
                self.fixes.setdefault(row.target_seq, []).append(row.seq)
            else:
                self.fixes.setdefault(row.seq, [])
                own.append(row.seq)
            self.referrers.setdefault(row.seq, [])
            if row.ref_seq is not None:
                self.referrers.setdefault(row.ref_seq, []).append(row.seq)
        return own

    # -- versions -----------------------------------------------------------------------

    def body(self, seq: int) -> dict[str, Any]:
        found = self.data.get(seq)
        if found is None:
            found = self.data[seq] = json.loads(self.rows[seq].body)
        return found

    def last_row(self, seq: int) -> int:
        """The seq of the row holding the event's last recorded version (itself, or the
        correction that last replaced it)."""
        for fix in reversed(self.fixes.get(seq, ())):
            if not self.body(fix).get("retract"):
                return fix
        return seq

    def version(self, seq: int, *, last: bool = False) -> dict[str, Any] | None:
        """The event's current version (``None`` when retracted), or its last recorded one."""
        fixes = self.fixes.get(seq, ())
        if fixes and not last and self.body(fixes[-1]).get("retract"):
            return None
        at = self.last_row(seq)
        data = self.body(at)
        return data if at == seq else data["replacement"]

    def site(self, seq: int, *, last: bool = False) -> str | None:
        """The site of the event at ``seq`` (of its last recorded version with ``last``)."""
        key = (seq, last)
        if key in self._sites:
            return self._sites[key]
        self.load([seq])
        data = self.version(seq, last=last)
        site: str | None = None
        if data is not None and data["kind"] != EventKind.OPERATION:
            site = data.get("site_id")
            if site is None:
                for field in SITE_VIA.get(EventKind(data["kind"]), ()):
                    if data.get(field) is not None:
                        ref = self.rows[self.last_row(seq)].ref_seq
                        site = self.site(ref, last=last) if ref is not None else None
                        break
        self._sites[key] = site
        return site

    def users(self, seq: int) -> list[tuple[int, dict[str, Any]]]:
        """The live events whose current versions refer to the event at ``seq``: their seqs
        and those versions."""
        self.load_referrers([seq])
        found = []
        for user in self.referrers.get(seq, ()):
            row = self.rows[user]
            owner = row.target_seq if row.target_seq is not None else row.seq
            fixes = self.fixes.get(owner, ())
            if (fixes[-1] if fixes else owner) != user:
                continue  # not the owner's current version
            data = self.version(owner)
            if data is not None:
                found.append((owner, data))
        return found

    def given(self, seq: int) -> frozenset[str]:
        """The flags the live events that now refer to the event at ``seq`` give it."""
        found = self._given.get(seq)
        if found is None:
            event_id = self.rows[seq].event_id
            flags: set[str] = set()
            for _, data in self.users(seq):
                field, given = flags_given(data["kind"], data)
                if field is not None and data.get(field) == event_id:
                    flags.update(given)
            found = self._given[seq] = frozenset(flags)
        return found

    def flags(self, seq: int) -> frozenset[str]:
        """What the live events that now refer to the event at ``seq`` make of it: the flags
        they give it, and those they pass on from their own (a search's outcomes are its
        stop's too)."""
        flags = self.given(seq)
        event_id = self.rows[seq].event_id
        passing = []
        for owner, data in self.users(seq):
            field, _ = flags_passed_on(data["kind"], data, flags)
            if field is not None and data.get(field) == event_id:
                passing.append((owner, data))
        if not passing:
            return flags
        self.load_referrers(owner for owner, _ in passing)
        more = set(flags)
        for owner, data in passing:
            more.update(flags_passed_on(data["kind"], data, self.given(owner))[1])
        return frozenset(more)


def site_dependants(graph: Graph, seqs: Iterable[int]) -> set[int]:
    """Every event whose site (as last recorded) comes, through what it refers to, from one of
    the events at ``seqs`` — transitively."""
    found: set[int] = set()
    frontier = set(seqs)
    while frontier:
        graph.load_referrers(frontier)
        nxt: set[int] = set()
        for seq in frontier:
            for user in graph.referrers.get(seq, ()):
                row = graph.rows[user]
                owner = row.target_seq if row.target_seq is not None else row.seq
                if owner in found or graph.last_row(owner) != user:
                    continue
                data = graph.version(owner, last=True)
                if data is None or data.get("site_id") is not None:
                    continue
                if any(data.get(f) is not None for f in SITE_VIA.get(EventKind(data["kind"]), ())):
                    found.add(owner)
                    nxt.add(owner)
        frontier = nxt
    return found


def passed_to(graph: Graph, seqs: Iterable[int]) -> set[int]:
    """The events to which the events at ``seqs`` (as last recorded) pass on their flags: the
    stop of a search, whose flags change when the search's do."""
    wanted = set(seqs)
    graph.load(wanted)
    found: set[int] = set()
    for seq in wanted:
        if seq not in graph.rows:
            continue
        data = graph.version(seq, last=True)
        if data is None:
            continue
        field, _ = flags_passed_on(data["kind"], data, frozenset())
        if field is not None and data.get(field) is not None:
            ref = graph.rows[graph.last_row(seq)].ref_seq
            if ref is not None:
                found.add(ref)
    return found


def evaluate(
    graph: Graph, seqs: Iterable[int], zones: Zones, category: Callable[[str], str]
) -> Deltas:
    """What the events at ``seqs`` (not corrections) contribute now, their corrections'
    counts included."""
    deltas = Deltas()
    wanted = sorted(set(seqs))
    graph.load(wanted)
    for seq in wanted:
        row = graph.rows.get(seq)
        if row is None or row.kind == EventKind.CORRECTION:
            continue
        data = graph.version(seq)
        if data is not None:
            found = contribution(
                data, site=graph.site(seq), flags=graph.flags(seq), category=category
            )
            if found is not None:
                deltas.add(found, zones(found.op_id)(found.occurred_at))
        fixes = graph.fixes.get(seq, ())
        if fixes:
            at_site = graph.site(seq, last=True) or NO_SITE
            for fix in fixes:
                fix_row = graph.rows[fix]
                hour = zones(fix_row.op_id)(fix_row.occurred_at)
                deltas.correction(fix_row.op_id, at_site, hour)
    return deltas


def recompute(
    conn: sqlite3.Connection,
    op_ids: Iterable[str],
    category: Callable[[str], str],
    parent: Callable[[str], str | None],
) -> None:
    """Recompute the cells of the operations ``op_ids`` wholesale from their events, then
    every aggregate (a wide change: a zone changed, a category changed, a rebuild)."""
    zones = Zones(conn)
    for op_id in sorted(set(op_ids)):
        for table in CELL_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE op_id = ?", (op_id,))
        graph = Graph(conn)
        own = graph.load_operation(op_id)
        deltas = evaluate(graph, own, zones, category)
        deltas.write_cells(conn)
    rebuild_aggregates(conn, parent)
