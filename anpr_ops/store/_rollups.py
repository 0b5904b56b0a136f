"""Rollups: what events contribute to reports, kept in the transaction of each append.

A batch collects its changes as :class:`Deltas` — counts added to or taken from the cells
(operation, site, local hour) of the ``rollup_*`` tables (``anpr_ops._schema``), each change
computed from :func:`anpr_ops.store._contrib.contribution`, the rules the scan over events
follows too — and :meth:`Deltas.flush` writes them: one upsert per cell, breakdown key and
person touched, then the same changes to the aggregates without site or window
(``rollup_sites``, ``rollup_hours``, ``rollup_totals``) of the operation itself and of every
operation above it. Rows that fall to zero are deleted, so the tables equal a rebuild row for
row.

People: ``rollup_people`` counts the live arrests of each person in a cell, so that an arrest
taken away leaves the person counted while another remains; the aggregates hold a set of
person numbers (stored as :mod:`anpr_ops.store._bitsets` says), a person taken out only when no
cell below the aggregate holds them any more.
"""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final
from zoneinfo import ZoneInfo

from anpr_ops._schema import COUNTS
from anpr_ops._time import epoch_of, hour_start, offset_at
from anpr_ops.errors import StorageError
from anpr_ops.store._bitsets import bitmap, decode, encode
from anpr_ops.store._contrib import Contribution
from anpr_ops.store._projection import REBUILDING, chunks

__all__ = [
    "AGGREGATES",
    "CELL_TABLES",
    "COUNT_INDEX",
    "Deltas",
    "HourOf",
    "damaged",
    "decode_key",
    "encode_key",
    "rebuild_aggregates",
    "split_key",
]

#: Column index of each count in a row of counts.
COUNT_INDEX: Final = {name: i for i, name in enumerate(COUNTS)}
_N: Final = len(COUNTS)
_COLUMNS: Final = ", ".join(COUNTS)
_MARKS: Final = ", ".join("?" * _N)
_ADD: Final = ", ".join(f"{name} = {name} + excluded.{name}" for name in COUNTS)
_ZERO: Final = " AND ".join(f"{name} = 0" for name in COUNTS)
#: The tables of cells, and of the aggregates that answer reports without a filter.
CELL_TABLES: Final = ("rollup_cells", "rollup_people")
AGGREGATES: Final = ("rollup_sites", "rollup_hours", "rollup_totals")

_SEP: Final = "|"  # vocabulary strings and offence codes never hold it


def damaged(detail: str) -> StorageError:
    """The error of a report read from rollups that hold what the library never writes
    (``detail`` says what, never a stored value)."""
    message = (
        f"the rollups this report is read from are damaged ({detail}); verification names the "
        f'table, and {REBUILDING} repairs them; report(..., source="scan") reads the events '
        "instead"
    )
    return StorageError(message, code="damaged_rollups")


def encode_key(key: Any) -> str:
    """A breakdown key as text (in ``"breakdown|key"``): a string as it is, a tuple joined
    with ``|`` (booleans as ``1``/``0``)."""
    if isinstance(key, tuple):
        return _SEP.join(("1" if part else "0") if isinstance(part, bool) else part for part in key)
    return str(key)


def decode_key(name: str, text: str) -> Any:
    """The breakdown key that :func:`encode_key` wrote for breakdown ``name``."""
    if name in {"arrests", "offences", "searches_by_ethnicity"}:
        first, second = text.split(_SEP)
        return (first, second)
    if name == "wanted":
        harm, first, underlying = text.split(_SEP)
        return (harm == "1", first, underlying)
    return text


class HourOf:
    """The local hour (its starting instant) of stored UTC times, in one zone, remembered per
    UTC hour: in a UTC hour with no change of offset and a whole-hour offset, every time is in
    the local hour that starts with it."""

    __slots__ = ("_cache", "zone")

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self._cache: dict[str, int | None] = {}

    def __call__(self, moment: str) -> int:
        prefix = moment[:13]
        cached = self._cache.get(prefix, -1)
        if cached is not None and cached != -1:
            return cached
        epoch = epoch_of(moment)
        if cached == -1:
            top = epoch - epoch % 3600
            whole = offset_at(self.zone, top)
            same = whole % 3600 == 0 and offset_at(self.zone, top + 3599) == whole
            self._cache[prefix] = top if same else None
            if same:
                return top
        return hour_start(epoch, self.zone)[0]


class Deltas:
    """Changes to the rollup cells: counts, breakdowns and people, added or taken away."""

    __slots__ = ("cells", "people", "raw_keys")

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str, int], list[int]] = {}
        # (cell, breakdown, key) -> n, the key as the contribution gave it (encoded on writing)
        self.raw_keys: dict[tuple[tuple[str, str, int], str, Any], int] = {}
        self.people: dict[tuple[str, str, int, int], int] = {}

    def __bool__(self) -> bool:
        return bool(self.cells or self.raw_keys or self.people)

    def keys(self) -> dict[tuple[str, str, int], dict[str, int]]:
        """The breakdown changes by cell, each as ``{"breakdown|key": n}``."""
        encoded: dict[tuple[str, str, int], dict[str, int]] = {}
        for (cell, breakdown, key), n in self.raw_keys.items():
            if n:
                into = encoded.setdefault(cell, {})
                text = f"{breakdown}{_SEP}{encode_key(key)}"
                into[text] = into.get(text, 0) + n
        return encoded

    def add(self, found: Contribution, hour: int, sign: int = 1) -> None:
        """Add (``sign=1``) or take away (``-1``) what one event contributes, in its cell.

        Runs for every event appended, so it binds what it uses to locals."""
        op_id, site, _, tallies, breakdowns, person = found
        cell = (op_id, site, hour)
        cells = self.cells
        row = cells.get(cell)
        if row is None:
            row = cells[cell] = [0] * _N
        index = COUNT_INDEX
        if sign == 1:
            for name, n in tallies.items():
                if n:
                    row[index[name]] += n
        else:
            for name, n in tallies.items():
                if n:
                    row[index[name]] -= n
        if breakdowns:
            keys = self.raw_keys
            get = keys.get
            for breakdown, key, n in breakdowns:
                at = (cell, breakdown, key)
                keys[at] = get(at, 0) + sign * n
        if person is not None:
            at_person = (op_id, site, hour, person)
            self.people[at_person] = self.people.get(at_person, 0) + sign

    def change(self, old: Contribution, new: Contribution, hour: int) -> None:
        """Replace what an event contributed (``old``) with ``new``, in the same cell: only the
        counts that differ are touched (a flag set on an event changes one or two)."""
        cell = (old.op_id, old.site, hour)
        row = self.cells.get(cell)
        if row is None:
            row = self.cells[cell] = [0] * _N
        before = old.tallies
        for name, n in new.tallies.items():
            was = before.get(name, 0)
            if n != was:
                row[COUNT_INDEX[name]] += n - was
        if old.breakdowns != new.breakdowns:
            keys = self.raw_keys
            kept = set(new.breakdowns)
            for breakdown, key, n in old.breakdowns:
                if (breakdown, key, n) not in kept:
                    at = (cell, breakdown, key)
                    keys[at] = keys.get(at, 0) - n
            gone = set(old.breakdowns)
            for breakdown, key, n in new.breakdowns:
                if (breakdown, key, n) not in gone:
                    at = (cell, breakdown, key)
                    keys[at] = keys.get(at, 0) + n

    def correction(self, op_id: str, site: str, hour: int, sign: int = 1) -> None:
        """Count (or take away) one correction in a cell."""
        cell = (op_id, site, hour)
        row = self.cells.get(cell)
        if row is None:
            row = self.cells[cell] = [0] * _N
        row[COUNT_INDEX["corrections"]] += sign

    def subtract(self, other: Deltas) -> None:
        """Take ``other`` away from these changes (``self - other``)."""
        for cell, counts in other.cells.items():
            row = self.cells.get(cell)
            if row is None:
                row = self.cells[cell] = [0] * _N
            for i, n in enumerate(counts):
                row[i] -= n
        for key, n in other.raw_keys.items():
            self.raw_keys[key] = self.raw_keys.get(key, 0) - n
        for person, n in other.people.items():
            self.people[person] = self.people.get(person, 0) - n

    def without(self, op_ids: Iterable[str]) -> Deltas:
        """These changes, less those of the operations ``op_ids``."""
        dropped = set(op_ids)
        kept = Deltas()
        kept.cells = {k: v for k, v in self.cells.items() if k[0] not in dropped}
        kept.raw_keys = {k: v for k, v in self.raw_keys.items() if k[0][0] not in dropped}
        kept.people = {k: v for k, v in self.people.items() if k[0] not in dropped}
        return kept

    def flush(self, conn: sqlite3.Connection, parent: Callable[[str], str | None]) -> None:
        """Write the changes to the cells and to the aggregates of each operation and the
        operations above it (``parent`` names an operation's parent), inside the caller's
        transaction."""
        cells, keys, people = self.write_cells(conn)
        if cells or keys or people:
            _aggregate(conn, cells, keys, people, parent)

    def write_cells(self, conn: sqlite3.Connection) -> _Changes:
        """Write the changes to the cells only; return those that were not zero."""
        cells = {k: v for k, v in self.cells.items() if any(v)}
        keys = {k: v for k, v in self.keys().items() if any(v.values())}
        people = {k: n for k, n in self.people.items() if n}
        for cell in sorted(cells.keys() | keys.keys()):
            found = conn.execute(
                f"SELECT {_COLUMNS}, keys FROM rollup_cells "
                "WHERE op_id = ? AND site = ? AND hour = ?",
                cell,
            ).fetchone()
            counts = cells.get(cell, _NONE)
            if found is not None:
                counts = [a + b for a, b in zip(found[:_N], counts, strict=True)]
            text = _merged(found[_N] if found is not None else "{}", keys.get(cell, {}))
            if any(counts) or text != "{}":
                conn.execute(
                    f"INSERT OR REPLACE INTO rollup_cells (op_id, site, hour, {_COLUMNS}, keys) "
                    f"VALUES (?, ?, ?, {_MARKS}, ?)",
                    (*cell, *counts, text),
                )
            elif found is not None:
                conn.execute(
                    "DELETE FROM rollup_cells WHERE op_id = ? AND site = ? AND hour = ?", cell
                )
        _upsert_n(conn, "rollup_people", ("op_id", "site", "hour", "person"), people)
        return cells, keys, people


_Changes = tuple[
    dict[tuple[str, str, int], list[int]],
    dict[tuple[str, str, int], dict[str, int]],
    dict[tuple[str, str, int, int], int],
]
_NONE: Final = [0] * _N


def _merged(text: str, changes: Mapping[str, int]) -> str:
    """The JSON object ``text`` of breakdown counts with ``changes`` added (no zero kept,
    sorted keys: one text for one set of counts, exactly ``json.dumps(counts,
    sort_keys=True, separators=(",", ":"))``)."""
    if not changes:
        return text
    # The same texts come back append after append (a cell's, an operation's totals): each is
    # parsed once into its sorted keys, counts and members' text, and a change rewrites only
    # the members it touches. A text is its own key, so a text changed by anyone else is
    # simply another one, parsed afresh.
    parsed = _PARSED.get(text)
    if parsed is None:
        counts: dict[str, int] = json.loads(text)
        names = sorted(counts)
        parsed = (names, counts, [_member(name, counts[name]) for name in names])
    names, counts, members = parsed
    names, counts, members = list(names), dict(counts), list(members)
    for key, n in changes.items():
        if not n:
            continue
        total = counts.get(key, 0) + n
        at = bisect_left(names, key)
        if at < len(names) and names[at] == key:
            if total:
                counts[key] = total
                members[at] = _member(key, total)
            else:
                del counts[key], names[at], members[at]
        elif total:
            counts[key] = total
            names.insert(at, key)
            members.insert(at, _member(key, total))
    merged = "{" + ",".join(members) + "}"
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[merged] = (names, counts, members)
    return merged


def _member(key: str, n: int) -> str:
    """``"key":n`` as ``json.dumps`` writes a member (keys are remembered quoted)."""
    quoted = _QUOTED.get(key)
    if quoted is None:
        if len(_QUOTED) >= 4096:
            _QUOTED.clear()
        quoted = _QUOTED[key] = json.dumps(key) + ":"
    return quoted + (str(n) if type(n) is int else json.dumps(n))


_QUOTED: dict[str, str] = {}


_PARSED: dict[str, tuple[list[str], dict[str, int], list[str]]] = {}
_PARSED_MAX: Final = 256


def split_key(text: str) -> tuple[str, Any]:
    """The breakdown and key of a ``"breakdown|key"`` text."""
    name, _, key = text.partition(_SEP)
    return name, decode_key(name, key)


def _aggregate(
    conn: sqlite3.Connection,
    cells: Mapping[tuple[str, str, int], list[int]],
    keys: Mapping[tuple[str, str, int], Mapping[str, int]],
    people: Mapping[tuple[str, str, int, int], int],
    parent: Callable[[str], str | None],
) -> None:
    """Add changes of cells (already written) to the aggregates above them."""
    scopes: dict[str, list[tuple[str, int]]] = {}
    for op_id in {k[0] for k in cells} | {k[0] for k in keys} | {k[0] for k in people}:
        scopes[op_id] = [(op_id, 0), *((above, 1) for above in _ancestors(op_id, parent))]
    sites: dict[tuple[str, str], list[int]] = {}
    hours: dict[tuple[str, int, int], list[int]] = {}
    for (op_id, site, hour), counts in cells.items():
        _add_row(sites, (op_id, site), counts)
        for scope, below in scopes[op_id]:
            _add_row(hours, (scope, below, hour), counts)
    totals: dict[str, dict[str, int]] = {}
    for (op_id, _, _), changes in keys.items():
        into = totals.setdefault(op_id, {})
        for text, n in changes.items():
            into[text] = into.get(text, 0) + n
    _upsert_counts(conn, "rollup_sites", ("scope", "site"), sites)
    _upsert_counts(conn, "rollup_hours", ("scope", "below", "hour"), hours)
    for scope, changes in sorted(totals.items()):
        found = conn.execute("SELECT keys FROM rollup_totals WHERE scope = ?", (scope,)).fetchone()
        text = _merged(found[0] if found is not None else "{}", changes)
        if text != "{}":
            conn.execute(
                "INSERT OR REPLACE INTO rollup_totals (scope, keys) VALUES (?, ?)", (scope, text)
            )
        elif found is not None:
            conn.execute("DELETE FROM rollup_totals WHERE scope = ?", (scope,))
    if people:
        _people_bits(conn, people, scopes, parent)
    _delete_zero(
        conn, "rollup_sites", ("scope", "site"), [k for k, v in sites.items() if min(v) < 0]
    )
    _delete_zero(
        conn,
        "rollup_hours",
        ("scope", "below", "hour"),
        [k for k, v in hours.items() if min(v) < 0],
    )


def _ancestors(op_id: str, parent: Callable[[str], str | None]) -> list[str]:
    found: list[str] = []
    above = parent(op_id)
    while above is not None and above not in found and above != op_id:
        found.append(above)
        above = parent(above)
    return found


def _add_row(into: dict[Any, list[int]], key: Any, counts: list[int]) -> None:
    row = into.get(key)
    if row is None:
        into[key] = list(counts)
    else:
        for i, n in enumerate(counts):
            row[i] += n


def _upsert_counts(
    conn: sqlite3.Connection,
    table: str,
    key: tuple[str, ...],
    rows: Mapping[tuple[Any, ...], list[int]],
) -> None:
    if not rows:
        return
    names = ", ".join(key)
    marks = ", ".join("?" * len(key))
    conn.executemany(
        f"INSERT INTO {table} ({names}, {_COLUMNS}) VALUES ({marks}, {_MARKS}) "
        f"ON CONFLICT ({names}) DO UPDATE SET {_ADD}",
        [(*k, *v) for k, v in rows.items()],
    )


def _upsert_n(
    conn: sqlite3.Connection, table: str, key: tuple[str, ...], rows: Mapping[tuple[Any, ...], int]
) -> None:
    if not rows:
        return
    names = ", ".join(key)
    marks = ", ".join("?" * len(key))
    conn.executemany(
        f"INSERT INTO {table} ({names}, n) VALUES ({marks}, ?) "
        f"ON CONFLICT ({names}) DO UPDATE SET n = n + excluded.n",
        [(*k, n) for k, n in rows.items()],
    )
    gone = [k for k, n in rows.items() if n < 0]
    if gone:
        where = " AND ".join(f"{name} = ?" for name in key)
        conn.executemany(f"DELETE FROM {table} WHERE {where} AND n = 0", gone)


def _delete_zero(
    conn: sqlite3.Connection, table: str, key: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    if rows:
        where = " AND ".join(f"{name} = ?" for name in key)
        conn.executemany(f"DELETE FROM {table} WHERE {where} AND {_ZERO}", rows)


def _people_bits(
    conn: sqlite3.Connection,
    people: Mapping[tuple[str, str, int, int], int],
    scopes: Mapping[str, list[tuple[str, int]]],
    parent: Callable[[str], str | None],
) -> None:
    """Set (or, when no cell below holds the person any more, clear) each changed person's
    bit in the aggregates above the changed cells."""
    # Which cells still hold each person whose count fell somewhere (read after the upserts).
    fell = sorted({person for (_, _, _, person), n in people.items() if n < 0})
    holding: dict[int, list[tuple[str, str, int]]] = {}
    for chunk in chunks(fell):
        marks = ",".join("?" * len(chunk))
        for op_id, site, hour, person in conn.execute(
            f"SELECT op_id, site, hour, person FROM rollup_people WHERE person IN ({marks})",
            chunk,
        ).fetchall():
            holding.setdefault(person, []).append((op_id, site, hour))
    changes: dict[tuple[str, tuple[Any, ...]], tuple[set[int], set[int]]] = {}

    def note(table: str, row: tuple[Any, ...], person: int, n: int, still: bool) -> None:
        added, removed = changes.setdefault((table, row), (set(), set()))
        if n > 0:
            added.add(person)
            removed.discard(person)
        elif person not in added and not still:
            removed.add(person)

    for (op_id, site, hour, person), n in people.items():
        cells = holding.get(person, ())
        note(
            "rollup_sites",
            (op_id, site),
            person,
            n,
            any(c_op == op_id and c_site == site for c_op, c_site, _ in cells),
        )
        for scope, below in scopes[op_id]:
            still = any(
                c_hour == hour and _under(c_op, scope, below, parent) for c_op, _, c_hour in cells
            )
            note("rollup_hours", (scope, below, hour), person, n, still)
    for (table, row), (added, removed) in changes.items():
        where = (
            "scope = ? AND site = ?"
            if table == "rollup_sites"
            else ("scope = ? AND below = ? AND hour = ?")
        )
        found = conn.execute(f"SELECT people FROM {table} WHERE {where}", row).fetchone()
        if found is None:
            continue  # the row fell to zero and goes
        try:
            stored = decode(found[0])
        except ValueError:
            message = (
                f"the rollups of this log are damaged ({table} holds a set of people the library "
                f"never writes); {REBUILDING} repairs them"
            )
            raise StorageError(message, code="damaged_rollups") from None
        bits = (stored | bitmap(added)) & ~bitmap(removed)
        conn.execute(f"UPDATE {table} SET people = ? WHERE {where}", (encode(bits), *row))


def _under(op_id: str, scope: str, below: int, parent: Callable[[str], str | None]) -> bool:
    """Whether the events of ``op_id`` count in the aggregate ``(scope, below)``."""
    if not below:
        return op_id == scope
    return scope in _ancestors(op_id, parent)


def rebuild_aggregates(conn: sqlite3.Connection, parent: Callable[[str], str | None]) -> None:
    """Rewrite every aggregate from the cells (when the tree of operations changed, or after
    cells were recomputed wholesale)."""
    for table in AGGREGATES:
        conn.execute(f"DELETE FROM {table}")
    cells: dict[tuple[str, str, int], list[int]] = {}
    keys: dict[tuple[str, str, int], dict[str, int]] = {}
    for op_id, site, hour, *rest in conn.execute(
        f"SELECT op_id, site, hour, {_COLUMNS}, keys FROM rollup_cells"
    ).fetchall():
        cells[(op_id, site, hour)] = list(rest[:_N])
        keys[(op_id, site, hour)] = json.loads(rest[_N])
    people = {
        (op_id, site, hour, person): n
        for op_id, site, hour, person, n in conn.execute(
            "SELECT op_id, site, hour, person, n FROM rollup_people"
        ).fetchall()
    }
    _aggregate(conn, cells, keys, people, parent)
