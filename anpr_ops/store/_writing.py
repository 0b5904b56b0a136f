"""Writing a batch: encoding its events, planning it (every event checked, chained,
projected and added to the Merkle tree) and inserting what was planned, in the caller's write
transaction; with a ticker that tells a progress callback how far the batch has gone."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from anpr_ops._canonical import canonical_text
from anpr_ops.errors import StorageError
from anpr_ops.events import EventBase, canonical_dict, canonical_dicts
from anpr_ops.events.personal import strip
from anpr_ops.store._batch import Batch, conflict
from anpr_ops.store._memory import Stale, State
from anpr_ops.store._record import INSERT, INSERT_PERSONAL, Encoded, Salts, encode, full_text
from anpr_ops.store._tiles import write as write_tiles

__all__ = ["Progress", "Ticker", "insert", "plan", "prepare"]

#: Called with the steps done so far and the steps in all.
Progress = Callable[[int, int], None]

_EVERY = 1000  # events between two calls of a progress callback


class Ticker:
    """How far an append has gone, in steps: each event is encoded, then checked, then
    written (three steps an event), reported to a :data:`Progress` callback now and then."""

    __slots__ = ("done", "progress", "total")

    def __init__(self, progress: Progress, events: int) -> None:
        self.progress = progress
        self.total = 3 * events
        self.done = 0

    @classmethod
    def of(cls, progress: Progress | None) -> Ticker | None:
        """A ticker for ``progress`` (its size is set by :func:`prepare`), or ``None``."""
        return None if progress is None else cls(progress, 0)

    def step(self, done: int) -> None:
        """Steps ``done`` in all so far (reported every :data:`_EVERY` events and at the end
        of each stage)."""
        if done >= self.done + _EVERY or done == self.total:
            self.done = done
            self.progress(min(done, self.total), self.total)

    def finish(self) -> None:
        """Every step is done (the batch has committed)."""
        self.done = self.total
        self.progress(self.total, self.total)


def prepare(parsed: Sequence[EventBase], ticker: Ticker | None) -> list[Encoded]:
    """Each event in its stored form (canonical body, personal values apart), in order."""
    datas = canonical_dicts(list(parsed))
    salts = Salts(len(datas))
    if ticker is None:
        pairs = zip(parsed, datas, strict=True)
        return [encode(event, data, index, salts) for index, (event, data) in enumerate(pairs)]
    ticker.total = 3 * len(parsed)
    prepared = []
    for index, (event, data) in enumerate(zip(parsed, datas, strict=True)):
        prepared.append(encode(event, data, index, salts))
        if index % _EVERY == 0:
            ticker.step(index)
    ticker.step(len(parsed))
    return prepared


def plan(
    conn: sqlite3.Connection,
    state: State,
    prepared: list[Encoded],
    *,
    own: bool,
    ticker: Ticker | None = None,
) -> Batch:
    """Check each event, chain it and project it: the batch's rows, not yet written.

    With ``own=False`` the batch's own ids are not looked up (the insert finds any that are
    already stored). An event already stored is a duplicate when its content is the same:
    compared with the stored values, or — once those were erased — by its public part.
    """
    batch = Batch(conn, state)
    batch.upkeep.start([item.event for item in prepared])
    stored = batch.prefetch([item.event for item in prepared], own=own)
    in_batch: dict[str, EventBase] = {}
    start = len(prepared)
    for index, item in enumerate(prepared):
        if ticker is not None and index % _EVERY == 0:
            ticker.step(start + index)
        event = item.event
        event_id = event.event_id
        previous = in_batch.get(event_id)
        if previous is not None:
            # The canonical texts are compared only when an id comes again (rare).
            if previous is not event and full_text(previous) != full_text(event):
                raise conflict(event)
            batch.duplicates.append(event_id)
            continue
        if stored:
            found = stored.get(event_id)
            if found is not None:
                full, public = found
                same = (
                    full == full_text(event)
                    if public is None
                    else public == canonical_text(strip(canonical_dict(event)))
                )
                if not same:
                    raise conflict(event)
                batch.duplicates.append(event_id)
                continue
        in_batch[event_id] = event
        batch.write(item)
    if batch.leaves:
        batch.frontier, batch.tiles = batch.frontier.append(batch.leaves)
    return batch


def insert(
    conn: sqlite3.Connection, batch: Batch, *, optimistic: bool, ticker: Ticker | None = None
) -> None:
    """Write a planned batch's records, Merkle tiles, personal values, new people,
    projections and rollups (inside the write transaction).

    A batch planned from memory that collides with a stored row was planned from a stale
    memory: :class:`Stale` tells the caller to plan it again against the log.
    """
    if ticker is not None:
        ticker.step(2 * ticker.total // 3)
    if not batch.records:
        return
    try:
        before = batch.upkeep.before(conn)  # reads only
        # The events first: a batch planned from a stale memory fails here (its first seq is
        # at or below the stored head), before any tile computed from that memory is written.
        conn.executemany(INSERT, batch.records)
        write_tiles(conn, batch.tiles)
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
    _confirm(conn, batch)


def _confirm(conn: sqlite3.Connection, batch: Batch) -> None:
    """Check that what was inserted is there before the commit reports success.

    The schema is checked when a log is opened, but a trigger added afterwards by someone
    else could drop rows silently (``RAISE(IGNORE)``): an append must never report a seq for
    an event that was not stored.
    """
    first, last = batch.records[0].seq, batch.records[-1].seq
    # One statement: the hashes stored, each beside the count of personal rows stored.
    rows = conn.execute(
        "SELECT hash, (SELECT count(*) FROM personal WHERE seq BETWEEN ?1 AND ?2) "
        "FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
        (first, last),
    ).fetchall()
    kept = rows[0][1] if rows else 0
    if [h for h, _ in rows] != [r.hash for r in batch.records] or kept != len(batch.personal):
        message = (
            f"appending: the database did not store events {first} to {last} as written "
            "(a trigger or another writer interfered); nothing was committed"
        )
        raise StorageError(message, code="not_stored", seq=first)
