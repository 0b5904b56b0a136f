"""Erasing personal values (Data Protection Act 2018 s.47(1)), so that they are gone from
every byte of the log's files.

An erasure deletes the ``personal`` rows of the records chosen (every version of each), records
an ``erase`` entry in the access record — who, when, why, which events (as seq spans), which
fields and how many values, never a value — and lists the events in ``erased``, all in one
transaction. A subject reference that no value still held names is dropped from ``subjects``,
so the log's number for that person no longer leads back to them (the number stays in the
chained bytes, so reports still count the person once, and is never given to anyone else).

Deleting a row is not enough for the bytes to go: SQLite leaves copies of a row's cells in the
free space of pages the B-tree rebalanced, and in the write-ahead log. So the connection deletes
with ``secure_delete`` on (freed space and pages are zeroed), the two tables that hold values
are rewritten in the same transaction (:func:`scrub`: every page of theirs freed, zeroed and
built afresh), and the write-ahead log is emptied after the commit (:func:`purge`). When another
connection is reading, the write-ahead log cannot be emptied yet; the result says so.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping

import attrs

from anpr_ops.errors import ErasureError
from anpr_ops.store._projection import chunks
from anpr_ops.store._residue import Residue
from anpr_ops.store._selection import values_of

__all__ = ["ErasureResult", "Taken", "held_values", "mark_erased", "purge", "scrub", "take"]

#: The tables that hold personal values, and their columns (rewritten by :func:`scrub`).
_VALUE_TABLES = {"personal": 'seq, salt, "values"', "subjects": "subject_ref, person"}


@attrs.frozen
class ErasureResult:
    """What :meth:`OpLog.erase` did.

    ``erased`` lists the records (by event id) whose personal values were erased, ``events``
    counts the events — records and their corrections — that lost values, and ``fields`` the
    values erased by field. ``already_erased`` lists records chosen whose values were all gone
    before (erasing them again does nothing), ``restricted`` the records chosen by subject or
    plate that were kept because they are restricted as evidence (lift the restriction first).

    ``kept_elsewhere`` counts, by field, distinct values erased here that are still found in
    the log: in a record not erased, a public field, an event id or the access record (see
    :mod:`anpr_ops.store._residue`); those are still held, and a search of the file finds
    them. ``subjects_forgotten`` counts subject references whose link to the log's person
    number went with their last value. ``access_seq`` is the access record's entry
    (``None`` when nothing was erased). ``purged`` is true once no erased value remains in any
    byte of the log's files; false when another connection kept the write-ahead log from being
    emptied — run :meth:`OpLog.purge` (``anpr-ops purge DB``) once it has closed.
    """

    erased: tuple[str, ...] = ()
    events: int = 0
    already_erased: tuple[str, ...] = ()
    restricted: tuple[str, ...] = ()
    fields: Mapping[str, int] = attrs.field(factory=dict)
    kept_elsewhere: Mapping[str, int] = attrs.field(factory=dict)
    subjects_forgotten: int = 0
    access_seq: int | None = None
    purged: bool = True

    @property
    def noop(self) -> bool:
        """True when nothing was erased."""
        return self.events == 0

    def summary(self) -> str:
        """What happened, in a few lines for people (no value named)."""
        lines = []
        if self.events:
            fields = ", ".join(f"{name} {count}" for name, count in self.fields.items())
            lines.append(
                f"erased the personal values of {len(self.erased)} record(s) "
                f"({self.events} event(s)): {fields}; recorded as access entry {self.access_seq}"
            )
        elif self.already_erased or self.restricted:
            lines.append("nothing erased")
        else:
            lines.append("nothing erased: the log holds no personal value of what was chosen")
        if self.already_erased:
            lines.append(
                f"{len(self.already_erased)} record(s) chosen were already erased: "
                + ", ".join(self.already_erased[:10])
                + (", …" if len(self.already_erased) > 10 else "")
            )
        if self.restricted:
            lines.append(
                f"{len(self.restricted)} restricted record(s) kept as evidence (lift the "
                "restriction to erase them): " + ", ".join(self.restricted[:10])
            )
        lines.extend(_residue_lines(self.kept_elsewhere, self.subjects_forgotten, self.purged))
        return "\n".join(lines)


def _residue_lines(kept: Mapping[str, int], forgotten: int, purged: bool) -> list[str]:
    lines = []
    if forgotten:
        lines.append(f"{forgotten} subject reference(s) no longer linked to a person number")
    if kept:
        lines.append(
            f"{sum(kept.values())} erased value(s) are still held elsewhere in the log (by "
            "records not erased, an id or a text): "
            + ", ".join(f"{name} {count}" for name, count in kept.items())
        )
    if not purged:
        lines.append(
            "the write-ahead log could not be emptied while another connection reads the log: "
            "it may still hold erased values; run 'anpr-ops purge DB' once they have closed"
        )
    return lines


@attrs.frozen
class Taken:
    """What :func:`take` deleted: the events, the values by field, how many distinct values are
    still found elsewhere (by field), and the subject references forgotten."""

    seqs: tuple[int, ...]
    fields: dict[str, int]
    kept_elsewhere: dict[str, int]
    subjects_forgotten: int

    def counts(self, **more: int) -> dict[str, int]:
        """The counts an access entry records."""
        return {
            "events": len(self.seqs),
            "values": sum(self.fields.values()),
            "kept_elsewhere": sum(self.kept_elsewhere.values()),
            "subjects_forgotten": self.subjects_forgotten,
            **more,
        }

    def detail(self) -> dict[str, dict[str, int]]:
        """The per-field counts an access entry records."""
        return {"values_by_field": self.fields, "kept_elsewhere_by_field": self.kept_elsewhere}


def held_values(conn: sqlite3.Connection, seqs: Iterable[int]) -> dict[int, str]:
    """The personal values still held for ``seqs``: seq -> the values' canonical text."""
    held: dict[int, str] = {}
    for chunk in chunks(sorted(set(seqs))):
        marks = ",".join("?" * len(chunk))
        held.update(
            conn.execute(f'SELECT seq, "values" FROM personal WHERE seq IN ({marks})', chunk)
        )
    return held


def take(
    conn: sqlite3.Connection, held: Mapping[int, str], reason: str, *, dry_run: bool = False
) -> Taken:
    """Delete the personal values ``held`` (seq -> values) inside the caller's transaction,
    forget the subject references no other value names, and rewrite the tables that held them;
    with ``dry_run``, only count. A reason that quotes a value being erased is refused."""
    values = [pair for text in held.values() for pair in values_of(text)]
    residue = Residue(values)
    if residue.mentioned_in(reason):
        message = (
            "the reason quotes a value being erased; the access record keeps the reason and can "
            "never be erased, so write it without the plate, reference or text"
        )
        raise ErasureError(message, code="reason_holds_value", field="reason")
    fields = dict(sorted(Counter(field for field, _ in values).items()))
    seqs = tuple(sorted(held))
    if dry_run:
        return Taken(seqs, fields, residue.found_elsewhere(conn, held), 0)
    conn.executemany("DELETE FROM personal WHERE seq = ?", [(seq,) for seq in seqs])
    forgotten = _forget_subjects(conn, {value for field, value in values if field == "subject_ref"})
    kept = residue.found_elsewhere(conn, held)
    scrub(conn)
    return Taken(seqs, fields, kept, forgotten)


def _forget_subjects(conn: sqlite3.Connection, refs: set[str]) -> int:
    """Drop the ``subjects`` rows of ``refs`` that no personal value still held names."""
    if not refs:
        return 0
    still: set[str] = set()
    for pair in conn.execute(
        "SELECT json_extract(\"values\", '$.subject_ref'), "
        "json_extract(\"values\", '$.replacement.subject_ref') "
        'FROM personal WHERE instr("values", \'"subject_ref"\') > 0'
    ):
        still.update(ref for ref in pair if isinstance(ref, str))
    gone = sorted(refs - still)
    before = conn.total_changes
    conn.executemany("DELETE FROM subjects WHERE subject_ref = ?", [(ref,) for ref in gone])
    return conn.total_changes - before


def scrub(conn: sqlite3.Connection) -> None:
    """Rewrite the tables that hold personal values (inside the caller's transaction).

    Deleting a row zeroes its cell (``secure_delete``), but earlier rebalancing of the B-tree
    may have left copies of it in the free space of other pages. Emptying a table frees — and,
    with ``secure_delete``, zeroes — every page it had; the rows kept are then written onto
    clean pages. The copy waits in a temporary table of this connection meanwhile.
    """
    for table, columns in _VALUE_TABLES.items():
        conn.execute(f"CREATE TEMP TABLE scrub_{table} AS SELECT {columns} FROM main.{table}")
        conn.execute(f"DELETE FROM main.{table}")
        conn.execute(
            f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM temp.scrub_{table}"
        )
        conn.execute(f"DROP TABLE temp.scrub_{table}")


def mark_erased(conn: sqlite3.Connection, seqs: Iterable[int], access_seq: int) -> None:
    """List ``seqs`` in ``erased`` as erased by the access entry ``access_seq``."""
    conn.executemany(
        "INSERT INTO erased (seq, access_seq) VALUES (?, ?)", [(seq, access_seq) for seq in seqs]
    )


def purge(conn: sqlite3.Connection) -> bool:
    """Copy the write-ahead log into the file and empty it (outside any transaction); true
    when it is empty (or the log has none), false when a reader kept it from being emptied."""
    row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return row is None or int(row[0]) == 0
