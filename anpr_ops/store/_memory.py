"""What an appending connection remembers between batches, and what a batch knows.

After its first append a connection keeps the chain head, the operations, the offence
definitions, its recent events (:class:`State`) — with, for each, its current version, site
and flags, what the rollups need to know of an event that a new one refers to — and the right
edge of the Merkle tree, so the next batch can be checked, chained, projected, rolled up and
added to the tree before the write lock is taken. Memory never decides an outcome: a batch
made from it that collides with another connection's rows is judged again against the log.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Mapping
from typing import Any

import attrs

from anpr_ops.events import EventBase
from anpr_ops.merkle import Frontier
from anpr_ops.offences import Offence
from anpr_ops.store._projection import stored_definitions
from anpr_ops.store._queries import head
from anpr_ops.store._tiles import frontier

__all__ = ["RECENT", "Live", "Op", "Stale", "State", "load_state"]

RECENT = 4096  # events remembered between appends (twice this, at most)


@attrs.define
class Live:
    """What a batch knows about one event: where it is, its kind, and its current version."""

    seq: int
    kind: str
    op_id: str
    live: bool
    event: EventBase | None = None  # current version, when loaded or written in this batch
    # For the rollups, once known: the current version's public canonical object (with the
    # person number of its subject), its site, and what its live dependants make of it.
    data: dict[str, Any] | None = None
    site: str | None = None
    flags: frozenset[str] = frozenset()
    found: Any = None  # what it contributes now (a Contribution, or None), and in which hour
    hour: int = 0


@attrs.define
class Op:
    """An open operation as the checks need it."""

    seq: int
    event_id: str
    sites: frozenset[str]
    parent: str | None
    zone: str = "Europe/London"


@attrs.define
class State:
    """What the log knew after its last append, so the next need not read it again.

    Valid while ``PRAGMA data_version`` stays ``version``: it changes when another
    connection commits (our own commits leave it as it is, and update this state).
    """

    version: int
    head: tuple[int, str]
    ops: dict[str, Op | None]
    definitions: dict[str, Offence]
    next_person: int
    """The number the next new person named by the log will get (numbers are never reused,
    not even after an erasure)."""
    # What the last appends wrote or looked up, so the next append need not look them up
    # again: event_id -> (seq, kind, op_id, live, None, data, site, flags, found, hour) (the
    # fields of :class:`Live`). Bounded; read-only while a batch runs.
    recent: dict[str, tuple[Any, ...]] = attrs.Factory(dict)
    frontier: Frontier = attrs.Factory(Frontier)
    """The right edge of the Merkle tree of the ``head[0]`` events (``store._tiles``)."""

    def after(
        self,
        head: tuple[int, str],
        ops: dict[str, Op | None],
        definitions: dict[str, Offence],
        next_person: int,
        known: Mapping[str, Live],
        frontier: Frontier,
        *,
        forget: bool = False,
    ) -> State:
        """The state once a batch that ended at ``head`` (and ``frontier``) has committed.
        ``forget`` drops the recent events (a batch that changed what stored events contribute
        leaves their remembered versions, sites and flags out of date)."""
        recent = {} if forget else self.recent
        for event_id, live in known.items():
            recent.pop(event_id, None)
            if not forget:
                recent[event_id] = (
                    live.seq, live.kind, live.op_id, live.live, None, live.data, live.site,
                    live.flags, live.found, live.hour,
                )  # fmt: skip
        if len(recent) > 2 * RECENT:
            recent = dict(itertools.islice(recent.items(), len(recent) - RECENT, None))
        return State(self.version, head, ops, definitions, next_person, recent, frontier)


def load_state(conn: sqlite3.Connection, memory: State | None) -> State:
    """The log's state for an append (inside its write transaction): ``memory``, unless
    another connection has written since (``PRAGMA data_version`` changed), then read afresh
    (the Merkle tree's edge from its tiles, :func:`anpr_ops.store._tiles.frontier`)."""
    (version,) = conn.execute("PRAGMA data_version").fetchone()
    if memory is not None and memory.version == version:
        return memory
    row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'next_person'").fetchone()
    seq, head_hash = head(conn)
    return State(
        version,
        (seq, head_hash),
        {},
        stored_definitions(conn),
        int(row[0]) if row else 1,
        frontier=frontier(conn, seq),
    )


class Stale(Exception):
    """An append made from remembered state was refused; retry it after reading the log."""
