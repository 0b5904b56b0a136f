"""Writing a batch: planning it (every event checked, chained and projected) and inserting
what was planned, in the caller's write transaction."""

from __future__ import annotations

import sqlite3

from anpr_ops._canonical import canonical_text
from anpr_ops.events import canonical_dicts
from anpr_ops.events.personal import strip
from anpr_ops.store._batch import Batch, conflict
from anpr_ops.store._memory import Stale, State
from anpr_ops.store._record import INSERT, INSERT_PERSONAL, Encoded

__all__ = ["insert", "plan"]


def plan(conn: sqlite3.Connection, state: State, prepared: list[Encoded], *, own: bool) -> Batch:
    """Check each event, chain it and project it: the batch's rows, not yet written.

    With ``own=False`` the batch's own ids are not looked up (the insert finds any that are
    already stored). An event already stored is a duplicate when its content is the same:
    compared with the stored values, or — once those were erased — by its public part.
    """
    batch = Batch(conn, state)
    batch.upkeep.start([item.event for item in prepared])
    stored = batch.prefetch([item.event for item in prepared], own=own)
    in_batch: dict[str, str] = {}
    for item in prepared:
        event = item.event
        event_id = event.event_id
        previous = in_batch.get(event_id)
        if previous is not None:
            if previous != item.full_text:
                raise conflict(event)
            batch.duplicates.append(event_id)
            continue
        found = stored.get(event_id)
        if found is not None:
            full, public = found
            same = (
                full == item.full_text
                if public is None
                else public == canonical_text(strip(canonical_dicts([event])[0]))
            )
            if not same:
                raise conflict(event)
            batch.duplicates.append(event_id)
            continue
        in_batch[event_id] = item.full_text
        batch.write(item)
    return batch


def insert(conn: sqlite3.Connection, batch: Batch, *, optimistic: bool) -> None:
    """Write a planned batch's records, personal values, new people, projections and rollups
    (inside the write transaction).

    A batch planned from memory that collides with a stored row was planned from a stale
    memory: :class:`Stale` tells the caller to plan it again against the log.
    """
    if not batch.records:
        return
    try:
        before = batch.upkeep.before(conn)
        conn.executemany(INSERT, batch.records)
        if batch.personal:
            conn.executemany(INSERT_PERSONAL, batch.personal)
        if batch.new_persons:
            conn.executemany(
                "INSERT INTO subjects (subject_ref, person) VALUES (?, ?)",
                batch.new_persons.items(),
            )
            conn.execute(
                "UPDATE anpr_ops_meta SET value = ? WHERE key = 'next_person'",
                (str(batch.next_person),),
            )
        batch.projector.flush()
        batch.upkeep.write(conn, before)
    except sqlite3.IntegrityError as exc:
        if optimistic:
            raise Stale from exc
        raise
