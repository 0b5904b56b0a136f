"""The tamper matrix: change a copy of a log from outside the library and see who notices.

Every change is made with plain ``sqlite3`` (or, for the file itself, by writing bytes and
placing files), the way someone with write access to the file could, dropping the guard
triggers first and putting them back afterwards. :func:`tests.harness.verdicts.classify` then
says who notices, the first of:

- ``refused_on_open``: ``OpLog.open`` refuses the file;
- ``verify``: ``log.verify(quick=True)`` finds it, and so every verification does (the chains,
  the columns copied from the bodies, the commitments to personal values, the erasures the
  access record holds);
- ``full_verify``: only the full ``log.verify()`` finds it (the bodies' canonical form, the
  migration record, SQLite's integrity check, or the derived tables against a rebuild);
- ``checkpoint``: only verifying against a checkpoint taken before the change finds it;
- ``nobody``: nothing finds it;
- ``impossible``: SQLite itself refuses the change (a constraint of the schema);
- ``not_applicable``: the change cannot be made to this table (say, no two rows differ).

The cells are data (:func:`cases`), written from the schema module, so the matrix covers every
column of every table a log holds; the expected classification of each, with its reason,
lives in tests/test_tamper_matrix.py. The mutations every table gets are here; the attacks on
one table and the changes to the file as a whole are in :mod:`tests.harness.forgery`.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anpr_ops import OpLog, _schema
from anpr_ops.store import migrate
from tests.harness import forgery
from tests.harness.forgery import (
    ATTACKS,
    FILE,
    FILE_MUTATIONS,
    NotApplicable,
    Table,
    drop_guards,
    forged_record,
    restore_guards,
    temporary,
)
from tests.harness.rich import KAISER, beats, day_events, rich_events
from tests.harness.v1 import write_v1

__all__ = [
    "ATTACKS",
    "COLUMN_MUTATIONS",
    "FILE",
    "FILE_MUTATIONS",
    "KEYED",
    "ROW_MUTATIONS",
    "Base",
    "Case",
    "apply",
    "cases",
    "make_base",
    "schema_columns",
]

#: Changes made to one column of one row (or, for a swap, two rows).
COLUMN_MUTATIONS = ("flip", "swap", "null")
#: Changes made to the rows of a table.
ROW_MUTATIONS = ("delete_middle", "reorder", "truncate_tail", "forge")
#: Tables of a few named rows, changed row by row: each row's columns, and each row deleted
#: (``delete``); then the changes to the table as a whole that fit it.
KEYED: dict[str, tuple[str, ...]] = {
    "anpr_ops_meta": (
        "log_id",
        "name",
        "created_at",
        "schema_version",
        "next_person",
        "migrated_from",
    ),
    "sqlite_sequence": ("events", "access_log"),
}
_KEYED_TABLE_MUTATIONS = {"anpr_ops_meta": ("reorder", "forge"), "sqlite_sequence": ("forge",)}
_KEY_COLUMN = {"anpr_ops_meta": "key", "sqlite_sequence": "name"}
#: Who made the base log, and why (its reads, restrictions and erasures are recorded).
ACTOR, PURPOSE = "tests/harness/tamper.py", "making the tamper matrix's base log"
#: Events in the base log: enough for the Merkle tree to store three tiles of 256 hashes.
BASE_EVENTS = 520


@dataclass(frozen=True, order=True)
class Case:
    """One cell of the matrix: a mutation of a table (and column, and named row)."""

    table: str
    column: str
    mutation: str
    row: str = ""  # which row of a KEYED table

    @property
    def label(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        where += f"[{self.row}]" if self.row else ""
        return f"{where}:{self.mutation}"


@dataclass(frozen=True)
class Base:
    """The untouched log, checkpoints of it (the whole log, and Op Kaiser's), and two files
    from the moment before its last entry: a copy of the log file made while the log was open
    (without its ``-wal``), and that ``-wal``."""

    path: Path
    checkpoints: tuple[Path, ...]
    open_copy: Path
    stale_wal: Path


def make_base(folder: Path) -> Base:
    """A log migrated from a version-1 log of :func:`rich_events`, then given its own events,
    reads, restrictions and erasures: every table of format 2 holds rows, and every column
    holds two different values somewhere."""
    old, path = folder / "old.db", folder / "base.db"
    write_v1(old, rich_events())
    migrate(old, path, actor=ACTOR, purpose=PURPOSE)
    with OpLog.open(path, actor=ACTOR, purpose=PURPOSE) as log:
        log.extend(day_events())
        log.get("out-2", personal=True)
        log.restrict(event_ids=["search-3", "enq-3"], reason="evidence for a complaint")
        log.restrict(event_ids=["seize-3"], reason="evidence for an appeal")
        log.erase(event_ids=["out-3"], reason="asked for by the person")
        log.erase(event_ids=["out-4", "hit-1"], reason="asked for by the person")
        log.extend(beats(BASE_EVENTS - log.head()[0]))
        log.get("stop-2", personal=True)
        # The file as copied while the log is open, and its -wal: both lack what follows.
        open_copy, stale_wal = folder / "open-copy.db", folder / "stale.db-wal"
        shutil.copyfile(path, open_copy)
        shutil.copyfile(f"{path}-wal", stale_wal)
        log.get("enq-2", personal=True)
        checkpoints = [log.checkpoint(), log.checkpoint(KAISER)]
    files = []
    for n, checkpoint in enumerate(checkpoints):
        file = folder / f"base-{n}.checkpoint"
        file.write_text(checkpoint.to_text(), encoding="utf-8")
        files.append(file)
    return Base(path, tuple(files), open_copy, stale_wal)


# --------------------------------------------------------------------------- the cases


def schema_columns() -> dict[str, tuple[str, ...]]:
    """Every table a log holds, with its columns, in the order the schema creates them: made
    from :mod:`anpr_ops._schema` in memory (SQLite adds ``sqlite_sequence`` for the
    AUTOINCREMENT tables)."""
    conn = sqlite3.connect(":memory:")
    try:
        for sql in _schema.statements():
            conn.execute(sql)
        return {
            name: tuple(row[1] for row in conn.execute(f'PRAGMA table_xinfo("{name}")'))
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
            ).fetchall()
        }
    finally:
        conn.close()


def cases() -> list[Case]:
    """Every cell of the matrix: every column of every table, the changes to each table's
    rows, the attacks on one table, and the changes to the file."""
    found: list[Case] = []
    for table, columns in schema_columns().items():
        rows = KEYED.get(table, ("",))
        found += [
            Case(table, column, mutation, row)
            for column in columns
            for row in rows
            for mutation in COLUMN_MUTATIONS
        ]
        if table in KEYED:
            found += [Case(table, "", "delete", row) for row in rows]
            found += [Case(table, "", m) for m in _KEYED_TABLE_MUTATIONS[table]]
        else:
            found += [Case(table, "", mutation) for mutation in ROW_MUTATIONS]
        found += [Case(table, "", attack) for attack in ATTACKS.get(table, ())]
    return found + [Case(FILE, "", mutation) for mutation in FILE_MUTATIONS]


# --------------------------------------------------------------------------- mutations


def _flips(value: Any) -> Iterator[Any]:
    """``value`` with one bit flipped: in the middle first, then the lowest bits onwards."""
    if isinstance(value, bool | int):
        for bit in range(62):
            yield value ^ (1 << bit)
    elif isinstance(value, float):
        (raw,) = struct.unpack("<Q", struct.pack("<d", value))
        for bit in range(52):
            yield struct.unpack("<d", struct.pack("<Q", raw ^ (1 << bit)))[0]
    elif isinstance(value, str):
        middle = len(value) // 2
        for i in [middle, *range(len(value))]:
            yield value[:i] + chr(ord(value[i]) ^ 1) + value[i + 1 :]
    elif isinstance(value, bytes):
        middle = len(value) // 2
        for i in [middle, *range(len(value))]:
            yield value[:i] + bytes([value[i] ^ 1]) + value[i + 1 :]
    else:
        raise NotApplicable(f"cannot flip a bit of a {type(value).__name__}")


def _keyed_row(conn: sqlite3.Connection, case: Case) -> tuple[Any, ...]:
    column = _KEY_COLUMN[case.table]
    found = conn.execute(
        f'SELECT rowid FROM "{case.table}" WHERE "{column}" = ?', (case.row,)
    ).fetchone()
    if found is None:
        raise NotApplicable(f"the file has no {case.row} row")
    return (found[0],)


def _mutate_column(conn: sqlite3.Connection, case: Case) -> None:
    table = Table(conn, case.table)
    everything = table.rows(case.column)
    if case.row:
        key = _keyed_row(conn, case)
        firsts = [r for r in everything if r[0] == key]
    else:
        # Rows whose value can be flipped (an empty text or blob cannot), from the middle of
        # the table rather than its first rows.
        present = [r for r in everything if r[1] is not None and r[1] not in ("", b"")]
        if not present:
            raise NotApplicable("the column is NULL or empty in every row")
        middle = len(present) // 2
        firsts = present[middle:] + present[:middle]
    if case.mutation == "null":
        table.set(firsts[0][0], case.column, None)
        return
    if case.mutation == "flip":
        key, value = firsts[0]
        # The first flip SQLite accepts: one that would collide with another row's key or
        # unique value is refused, and the next bit is tried.
        for flipped in _flips(value):
            try:
                table.set(key, case.column, flipped)
                return
            except sqlite3.IntegrityError:
                continue
        raise NotApplicable("every flip collides with another row")
    for key, value in firsts:
        # Partners: the rows after this one in key order, then those before it.
        at = everything.index((key, value))
        for other_key, other_value in everything[at + 1 :] + everything[:at][::-1]:
            if other_value is None or other_value == value:
                continue
            if _swap(conn, table, case.column, (key, value), (other_key, other_value)):
                return
        if case.row:
            break
    raise NotApplicable("no two rows hold different values that can be swapped")


def _swap(
    conn: sqlite3.Connection,
    table: Table,
    column: str,
    one: tuple[tuple[Any, ...], Any],
    other: tuple[tuple[Any, ...], Any],
) -> bool:
    """Swap ``column`` between two rows, if that changes the table and collides with nothing."""
    before = sorted(map(repr, table.full(one[0]) + table.full(other[0])))
    conn.execute("SAVEPOINT swap")
    try:
        first = table.set(one[0], column, temporary(one[1]))
        second = table.set(other[0], column, one[1])
        first = table.set(first, column, other[1])
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO swap")  # it would collide with a third row's key
        conn.execute("RELEASE swap")
        return False
    if sorted(map(repr, table.full(first) + table.full(second))) == before:
        conn.execute("ROLLBACK TO swap")  # the two rows only traded places: nothing changed
        conn.execute("RELEASE swap")
        return False
    conn.execute("RELEASE swap")
    return True


def _mutate_rows(conn: sqlite3.Connection, case: Case) -> None:
    table = Table(conn, case.table)
    if case.mutation == "delete":
        table.delete(_keyed_row(conn, case))
        return
    if case.mutation == "forge":
        _forge_row(conn, table, case)
        return
    rows = [key for key, _ in table.rows()]
    if len(rows) < 3:
        raise NotApplicable(f"the table holds {len(rows)} row(s)")
    if case.mutation == "delete_middle":
        table.delete(rows[len(rows) // 2])
    elif case.mutation == "truncate_tail":
        for key in rows[-2:]:
            table.delete(key)
    elif case.mutation == "reorder":
        _rotate(table, rows)


def _rotate(table: Table, rows: list[tuple[Any, ...]]) -> None:
    """Move three rows round, from the middle of the table: each takes the key of the next
    (the same keys stay in use, so nothing collides; for a rowid table the key is the rowid,
    so only the rows' storage order changes). Two of the three hold different values."""
    start = len(rows) // 3
    around = rows[start:] + rows[:start]
    first = table.values(around[0])
    differs = [key for key in around[1:] if table.values(key) != first]
    if not differs:
        raise NotApplicable("every row holds the same values")
    trio = [around[0], differs[0], next(k for k in around[1:] if k != differs[0])]
    parked = []
    for j, key in enumerate(trio):
        value = temporary(key[0], j) if isinstance(key[0], int) else f"\x00{j}"
        parked.append(table.set(key, table.key[0], value))
    for j, key in enumerate(parked):
        table.set_key(key, trio[(j + 1) % 3])


def _forge_row(conn: sqlite3.Connection, table: Table, case: Case) -> None:
    """A row no event or entry accounts for."""
    if case.table == "events":
        forgery.append_forged(conn, forged_record("forged-1"))
        return
    if case.table == "anpr_ops_meta":
        conn.execute("INSERT INTO anpr_ops_meta (key, value) VALUES ('forged', 'x')")
        return
    if case.table == "sqlite_sequence":
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('forged', 7)")
        return
    if case.table in forgery.FORGED_ROWS:
        forgery.FORGED_ROWS[case.table](conn)
        return
    # A copy of the last row under a new identity: a fact the events never recorded.
    names = [row[1] for row in conn.execute(f'PRAGMA table_info("{case.table}")')]
    last = conn.execute(
        f'SELECT {", ".join(names)} FROM "{case.table}" ORDER BY {", ".join(table.key)} DESC'
    ).fetchone()
    values = dict(zip(names, last, strict=True))
    first = table.key[0] if table.key != ["rowid"] else names[0]
    values[first] = values[first] + 1000 if isinstance(values[first], int) else "forged"
    marks = ", ".join("?" for _ in names)
    conn.execute(
        f'INSERT INTO "{case.table}" ({", ".join(names)}) VALUES ({marks})',
        [values[n] for n in names],
    )


def apply(case: Case, path: Path, base: Base) -> str | None:
    """Make the change to the copy at ``path``; returns why not, when it cannot be made.

    Returns ``"impossible: ..."`` when SQLite refuses the change and ``"not applicable: ..."``
    when the change does not fit the table.
    """
    if case.table == FILE and case.mutation in forgery.FILE_BYTES:
        forgery.FILE_BYTES[case.mutation](path, base.open_copy, base.stale_wal)
        return None
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        try:
            if case.table == FILE:
                forgery.mutate_file(conn, case.mutation)
            else:
                drop_guards(conn)
                if case.column:
                    _mutate_column(conn, case)
                elif case.mutation in ATTACKS.get(case.table, ()):
                    forgery.attack(conn, case.table, case.mutation)
                else:
                    _mutate_rows(conn, case)
                restore_guards(conn)
            conn.execute("COMMIT")
        except NotApplicable as exc:
            conn.execute("ROLLBACK")
            return f"not applicable: {exc}"
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            return f"impossible: {exc}"
    finally:
        conn.close()
    forgery.afterwards(case.table, case.mutation, path)
    return None
