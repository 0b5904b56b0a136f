"""What an appending connection remembers between batches, and what a batch knows.

After its first append a connection keeps the chain head, the operations, the offence
definitions and its recent events (:class:`State`), so the next batch can be checked, chained
and projected before the write lock is taken. Memory never decides an outcome: a batch made
from it that collides with another connection's rows is judged again against the log.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import attrs

from anpr_ops.events import EventBase
from anpr_ops.offences import Offence

__all__ = ["RECENT", "Live", "Op", "Stale", "State"]

RECENT = 4096  # events remembered between appends (twice this, at most)


@attrs.define
class Live:
    """What a batch knows about one event: where it is, its kind, and its current version."""

    seq: int
    kind: str
    op_id: str
    live: bool
    event: EventBase | None = None  # current version, when loaded or written in this batch


@attrs.define
class Op:
    """An open operation as the checks need it."""

    seq: int
    event_id: str
    sites: frozenset[str]
    parent: str | None


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
    # What the last appends wrote or looked up, so the next append need not look them up
    # again: event_id -> (seq, kind, op_id, live). Bounded; read-only while a batch runs.
    recent: dict[str, tuple[int, str, str, bool]] = attrs.Factory(dict)

    def after(
        self,
        head: tuple[int, str],
        ops: dict[str, Op | None],
        definitions: dict[str, Offence],
        known: Mapping[str, Live],
    ) -> State:
        """The state once a batch that ended at ``head`` has committed."""
        recent = self.recent
        for event_id, live in known.items():
            recent.pop(event_id, None)
            recent[event_id] = (live.seq, live.kind, live.op_id, live.live)
        if len(recent) > 2 * RECENT:
            recent = dict(itertools.islice(recent.items(), len(recent) - RECENT, None))
        return State(self.version, head, ops, definitions, recent)


class Stale(Exception):
    """An append made from remembered state was refused; retry it after reading the log."""
