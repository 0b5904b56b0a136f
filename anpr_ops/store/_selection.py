"""Choosing the records an erasure or a restriction applies to: by event id, by the subject
reference or the number plate their personal values hold.

A *record* is an event and every correction of it: its versions. An erasure or restriction
applies to whole records, so that no version of a record keeps what another lost. A correction
chosen by id stands for the record it corrects.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from anpr_ops.errors import ErasureError, EventNotFoundError
from anpr_ops.store._projection import chunks
from anpr_ops.vrm import normalise

__all__ = ["Chosen", "choose", "records_of", "values_of"]


@attrs.frozen
class Chosen:
    """Records chosen: ``records`` maps each record's seq to the seqs of its versions (itself,
    then its corrections); ``ids`` the event id of each record; ``query`` says how they were
    chosen, as the access record keeps it (never the value asked about); ``by_id`` is true when
    the caller named the events."""

    records: Mapping[int, tuple[int, ...]]
    ids: Mapping[int, str]
    query: Mapping[str, Any]
    by_id: bool

    def seqs(self) -> list[int]:
        """Every seq of every chosen record, in order."""
        return sorted(seq for versions in self.records.values() for seq in versions)


def choose(
    conn: sqlite3.Connection,
    *,
    event_ids: Sequence[str],
    subject_ref: str | None,
    vrm: str | None,
) -> Chosen:
    """The records named by ``event_ids``, or holding ``subject_ref``, or the plate ``vrm``
    (exactly one of the three). An unknown event id is an
    :class:`~anpr_ops.errors.EventNotFoundError`; a subject or plate the log does not hold
    chooses nothing."""
    given = [name for name, value in _choices(event_ids, subject_ref, vrm) if value]
    if not given:
        message = "choose what to act on: event ids, a subject reference or a number plate"
        raise ErasureError(message, code="nothing_chosen")
    if len(given) > 1:
        message = (
            f"choose by one of event ids, a subject reference or a number plate, not by "
            f"{' and '.join(given)} together"
        )
        raise ErasureError(message, code="several_choices")
    if event_ids:
        found = _by_ids(conn, event_ids)
        return Chosen(*records_of(conn, found), {"by": "event_id", "count": len(found)}, True)
    if subject_ref is not None:
        found = _holding(conn, "subject_ref", subject_ref)
        return Chosen(*records_of(conn, found), {"by": "subject_ref"}, False)
    assert vrm is not None
    plate = normalise(vrm)
    if not plate:
        raise ErasureError("the number plate is empty", code="bad_plate", field="vrm")
    found = _holding(conn, "vrm", plate) | _raw_plates(conn, plate)
    return Chosen(*records_of(conn, found), {"by": "vrm"}, False)


def _choices(
    event_ids: Sequence[str], subject_ref: str | None, vrm: str | None
) -> Iterator[tuple[str, object]]:
    yield "event ids", event_ids
    yield "a subject reference", subject_ref is not None
    yield "a number plate", vrm is not None


def _by_ids(conn: sqlite3.Connection, event_ids: Sequence[str]) -> set[int]:
    """The seqs of the records the ids name (a correction's: its target's)."""
    wanted = list(dict.fromkeys(event_ids))
    rows: dict[str, tuple[int, int | None]] = {}
    for chunk in chunks(wanted):
        marks = ",".join("?" * len(chunk))
        for event_id, seq, target in conn.execute(
            f"SELECT event_id, seq, target_seq FROM events WHERE event_id IN ({marks})", chunk
        ).fetchall():
            rows[event_id] = (seq, target)
    for event_id in wanted:
        if event_id not in rows:
            message = f"no event {event_id!r} in the log; nothing was changed"
            raise EventNotFoundError(message, event_id=event_id)
    return {target if target is not None else seq for seq, target in rows.values()}


def _holding(conn: sqlite3.Connection, field: str, value: str) -> set[int]:
    """Records whose personal values hold ``value`` in ``field`` (or in a replacement's)."""
    rows = conn.execute(
        "SELECT e.seq, e.target_seq FROM personal p JOIN events e ON e.seq = p.seq WHERE "
        f"json_extract(p.\"values\", '$.{field}') = ?1 "
        f"OR json_extract(p.\"values\", '$.replacement.{field}') = ?1",
        (value,),
    ).fetchall()
    return {target if target is not None else seq for seq, target in rows}


def _raw_plates(conn: sqlite3.Connection, plate: str) -> set[int]:
    """Records whose camera read (``raw_vrm``) is ``plate`` once normalised."""
    found = set()
    for seq, target, raw, inner in conn.execute(
        "SELECT e.seq, e.target_seq, json_extract(p.\"values\", '$.raw_vrm'), "
        "json_extract(p.\"values\", '$.replacement.raw_vrm') "
        "FROM personal p JOIN events e ON e.seq = p.seq "
        'WHERE instr(p."values", \'"raw_vrm"\') > 0'
    ):
        if any(isinstance(text, str) and normalise(text) == plate for text in (raw, inner)):
            found.add(target if target is not None else seq)
    return found


def records_of(
    conn: sqlite3.Connection, record_seqs: Iterable[int]
) -> tuple[dict[int, tuple[int, ...]], dict[int, str]]:
    """Each record's versions (its own seq, then its corrections') and its event id."""
    wanted = sorted(set(record_seqs))
    versions: dict[int, list[int]] = {seq: [seq] for seq in wanted}
    ids: dict[int, str] = {}
    for chunk in chunks(wanted):
        marks = ",".join("?" * len(chunk))
        for seq, event_id in conn.execute(
            f"SELECT seq, event_id FROM events WHERE seq IN ({marks})", chunk
        ).fetchall():
            ids[seq] = event_id
        for target, seq in conn.execute(
            f"SELECT target_seq, seq FROM events WHERE target_seq IN ({marks}) ORDER BY seq",
            chunk,
        ).fetchall():
            versions[target].append(seq)
    return {seq: tuple(found) for seq, found in versions.items()}, ids


def values_of(values_text: str) -> Iterator[tuple[str, str]]:
    """``(field, value)`` of every personal value in a ``personal`` row's values (a
    replacement's under their own field names)."""
    yield from _leaves(json.loads(values_text))


def _leaves(data: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in data.items():
        if key == "replacement" and isinstance(value, Mapping):
            yield from _leaves(value)
        elif isinstance(value, str):
            yield key, value
