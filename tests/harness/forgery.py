"""The tamper matrix's attacks on one table, and its changes to the file as a whole.

Where :mod:`tests.harness.tamper` changes every column and the rows of every table the same
way, these are the changes a forger who knows the format would make: an event rewritten and
every later hash recomputed (and the derived tables rebuilt to match), a personal value
changed and its commitment recomputed, an erasure faked, an access entry rewritten with a good
link; and the schema, header, size and ``-wal`` of the file changed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from anpr_ops import OpLog, canonical_dict, parse_event
from anpr_ops._canonical import canonical_text
from anpr_ops._commitment import commitment
from anpr_ops._schema import ACCESS_GUARDS, GUARDS, SCHEMA_VERSION
from anpr_ops.chain import GENESIS_HASH, chain_hash
from anpr_ops.store._record import sortable_time
from tests import factory as f

FILE = "(file)"

#: Attacks on one table, by table. A ``_rebuilt`` attack ends with ``log.rebuild()``, so
#: that the derived tables match the changed events, as a careful forger would finish.
ATTACKS: dict[str, tuple[str, ...]] = {
    "events": (
        "truncate_tail_rebuilt",
        "forge_via_library",
        "rewrite_recomputed",
        "rewrite_recomputed_rebuilt",
        "replace_tail_recomputed",
        "replace_tail_recomputed_rebuilt",
    ),
    "personal": (
        "value_changed",
        "value_recommitted_rebuilt",
        "erased_by_hand",
        "forge_orphan",
    ),
    "access_log": ("rewritten_relinked", "erasure_rewritten_relinked"),
}

#: Changes to the file as a whole: its schema, its header, its bytes, its ``-wal``.
FILE_MUTATIONS = (
    "guards_dropped_restored",
    "guard_dropped",
    "guard_weakened",
    "access_guard_dropped",
    "trigger_added",
    "trigger_on_derived",
    "view_altered",
    "view_dropped",
    "index_dropped",
    "table_added",
    "column_added",
    "application_id_changed",
    "user_version_newer",
    "user_version_older",
    "user_version_zero",
    "header_overwritten",
    "file_truncated",
    "stale_wal",
    "wal_left_behind",
)


class NotApplicable(Exception):
    """The mutation cannot be made to this table; the message says why."""


class Table:
    """Rows of one table addressed by their key, so that keys themselves can be changed."""

    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self.conn, self.name = conn, name
        info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        pks = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        if "WITHOUT ROWID" in sql.upper():
            self.key = pks
        elif len(pks) == 1 and info[[r[1] for r in info].index(pks[0])][2].upper() == "INTEGER":
            self.key = pks  # an INTEGER PRIMARY KEY is the rowid
        else:
            self.key = ["rowid"]

    def rows(self, column: str | None = None) -> list[tuple[tuple[Any, ...], Any]]:
        """(key, value of ``column``) of every row, in key order."""
        keys = ", ".join(self.key)
        value = f'"{column}"' if column else "NULL"
        return [
            (tuple(row[:-1]), row[-1])
            for row in self.conn.execute(
                f'SELECT {keys}, {value} FROM "{self.name}" ORDER BY {keys}'
            )
        ]

    def _where(self) -> str:
        return " AND ".join(f"{k} = ?" for k in self.key)

    def set(self, key: tuple[Any, ...], column: str, value: Any) -> tuple[Any, ...]:
        """Set one value; returns the row's key afterwards (it changes with a key column)."""
        self.conn.execute(
            f'UPDATE "{self.name}" SET "{column}" = ? WHERE {self._where()}', (value, *key)
        )
        if column in self.key:
            key = tuple(value if k == column else v for k, v in zip(self.key, key, strict=True))
        return key

    def set_key(self, key: tuple[Any, ...], new: tuple[Any, ...]) -> None:
        """Give the row with ``key`` the key ``new`` (every key column at once)."""
        columns = ", ".join(f'"{k}" = ?' for k in self.key)
        self.conn.execute(f'UPDATE "{self.name}" SET {columns} WHERE {self._where()}', (*new, *key))

    def full(self, key: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """The whole row (every stored column) with this key."""
        return self.conn.execute(
            f'SELECT * FROM "{self.name}" WHERE {self._where()}', key
        ).fetchall()

    def values(self, key: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """The row with this key, its key columns left out."""
        names = [row[1] for row in self.conn.execute(f'PRAGMA table_info("{self.name}")')]
        rest = ", ".join(f'"{name}"' for name in names if name not in self.key)
        return self.conn.execute(
            f'SELECT {rest} FROM "{self.name}" WHERE {self._where()}', key
        ).fetchall()

    def delete(self, key: tuple[Any, ...]) -> None:
        self.conn.execute(f'DELETE FROM "{self.name}" WHERE {self._where()}', key)


def temporary(value: Any, n: int = 0) -> Any:
    """A value of ``value``'s type that no row holds, to park a row on while rows swap."""
    if isinstance(value, int):
        return -987_654_321 - n
    if isinstance(value, float):
        return -987.654321
    if isinstance(value, bytes):
        return b"\x00temporary"
    return "\x00temporary"


def drop_guards(conn: sqlite3.Connection) -> None:
    for name in (*GUARDS, *ACCESS_GUARDS):
        conn.execute(f"DROP TRIGGER {name}")


def restore_guards(conn: sqlite3.Connection) -> None:
    for sql in (*GUARDS.values(), *ACCESS_GUARDS.values()):
        conn.execute(sql)


# --------------------------------------------------------------------------- chains


class Record(NamedTuple):
    """The columns of an event's row but its seq and hash."""

    event_id: str
    kind: str
    op_id: str
    occurred_at: str
    target_seq: int | None
    ref_seq: int | None
    body: str


def forged_record(event_id: str) -> Record:
    """The row of a plausible event no one recorded: a patrol at Vauxhall, no personal values
    (so its body is its whole canonical form)."""
    data = canonical_dict(parse_event(f.patrol(event_id, site_id="vauxhall", location=None)))
    at = sortable_time(data["occurred_at"])
    return Record(event_id, "patrol", data["op_id"], at, None, None, canonical_text(data))


def _head(conn: sqlite3.Connection, table: str) -> tuple[int, str]:
    row = conn.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def append_forged(conn: sqlite3.Connection, record: Record) -> None:
    """Append ``record`` after the head, correctly linked, as only a forger would by SQL."""
    seq, prev = _head(conn, "events")
    conn.execute(
        "INSERT INTO events (seq, event_id, kind, op_id, occurred_at, target_seq, ref_seq, "
        "body, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq + 1, *record, chain_hash(prev, record.body.encode("utf-8"))),
    )


def relink(conn: sqlite3.Connection, table: str, seq: int) -> None:
    """Recompute the hash of every row of ``table`` (``events`` or ``access_log``) from ``seq``
    on, as a forger would after changing a body."""
    prev = conn.execute(f"SELECT hash FROM {table} WHERE seq = ?", (seq - 1,)).fetchone()
    prev_hash = str(prev[0]) if prev else GENESIS_HASH
    for row_seq, body in conn.execute(
        f"SELECT seq, CAST(body AS BLOB) FROM {table} WHERE seq >= ? ORDER BY seq", (seq,)
    ).fetchall():
        prev_hash = chain_hash(prev_hash, bytes(body))
        conn.execute(f"UPDATE {table} SET hash = ? WHERE seq = ?", (prev_hash, row_seq))


def _rewrite(conn: sqlite3.Connection, table: str, seq: int, change: Callable[[Any], None]) -> None:
    """Change the body of row ``seq`` (as a JSON object, kept canonical), then relink."""
    (body,) = conn.execute(f"SELECT body FROM {table} WHERE seq = ?", (seq,)).fetchone()
    data = json.loads(body)
    change(data)
    conn.execute(f"UPDATE {table} SET body = ? WHERE seq = ?", (canonical_text(data), seq))
    relink(conn, table, seq)


# --------------------------------------------------------------------------- attacks


def _first(conn: sqlite3.Connection, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    if row is None or row[0] is None:
        raise NotApplicable(f"nothing found by {sql}")
    return row[0]


def _later_end(data: dict[str, Any]) -> None:
    data["ends_at"] = data["ends_at"].replace(":30Z", ":45Z")


def _events(conn: sqlite3.Connection, name: str) -> None:
    head, _ = _head(conn, "events")
    mutation = name.removesuffix("_rebuilt")
    if mutation == "truncate_tail":
        # The careful cut: the events' personal values go with them.
        conn.execute("DELETE FROM personal WHERE seq > ?", (head - 2,))
        conn.execute("DELETE FROM events WHERE seq > ?", (head - 2,))
    elif mutation == "rewrite_recomputed":
        _rewrite(conn, "events", head // 2, _later_end)
    elif mutation == "replace_tail_recomputed":
        record = forged_record("forged-tail")
        conn.execute(
            "UPDATE events SET event_id = ?, kind = ?, op_id = ?, occurred_at = ?, "
            "target_seq = ?, ref_seq = ?, body = ? WHERE seq = ?",
            (*record, head),
        )
        relink(conn, "events", head)


def _plate_changed(conn: sqlite3.Connection) -> tuple[int, bytes, str]:
    """The first event with a plate among its personal values: its seq, salt, and values
    with the plate's last letter changed (still valid JSON, still a plate)."""
    seq = _first(conn, """SELECT min(seq) FROM personal WHERE "values" LIKE '%"vrm":%'""")
    salt, values = conn.execute(
        'SELECT salt, "values" FROM personal WHERE seq = ?', (seq,)
    ).fetchone()
    data = json.loads(values)
    data["vrm"] = data["vrm"][:-1] + ("A" if data["vrm"][-1] != "A" else "B")
    return seq, bytes(salt), canonical_text(data)


def _personal(conn: sqlite3.Connection, name: str) -> None:
    if name in ("value_changed", "value_recommitted_rebuilt"):
        seq, salt, values = _plate_changed(conn)
        conn.execute('UPDATE personal SET "values" = ? WHERE seq = ?', (values, seq))
        if name == "value_recommitted_rebuilt":

            def recommit(data: Any) -> None:
                data["personal"]["commitment"] = commitment(salt, values)

            _rewrite(conn, "events", seq, recommit)
    elif name == "erased_by_hand":
        # Values deleted, and the erased table made to say an erasure took them.
        seq = _first(conn, "SELECT max(seq) FROM personal")
        conn.execute("DELETE FROM personal WHERE seq = ?", (seq,))
        conn.execute(
            "INSERT INTO erased (seq, access_seq) SELECT ?, max(access_seq) FROM erased", (seq,)
        )
    elif name == "forge_orphan":
        # Values kept for a seq no event has (yet).
        conn.execute(
            'INSERT INTO personal (seq, salt, "values") SELECT '
            '(SELECT max(seq) FROM events) + 1, salt, "values" FROM personal ORDER BY seq LIMIT 1'
        )


def _access(conn: sqlite3.Connection, name: str) -> None:
    if name == "rewritten_relinked":
        seq = _first(conn, "SELECT min(seq) FROM access_log WHERE body LIKE '%\"consult\"%'")

        def purpose(data: Any) -> None:
            data["purpose"] = "a purpose nobody gave"

        _rewrite(conn, "access_log", seq, purpose)
    elif name == "erasure_rewritten_relinked":
        seq = _first(conn, "SELECT max(seq) FROM access_log WHERE body LIKE '%\"erase\"%'")

        def fewer(data: Any) -> None:
            data["events"] = data["events"][:-1]

        _rewrite(conn, "access_log", seq, fewer)


def attack(conn: sqlite3.Connection, table: str, name: str) -> None:
    """Make the attack ``name`` on ``table`` (inside the caller's transaction, guards down)."""
    {"events": _events, "personal": _personal, "access_log": _access}[table](conn, name)


def afterwards(table: str, mutation: str, path: Path) -> None:
    """What the forger does through the library once the SQL is committed."""
    if (table, mutation) == ("events", "forge_via_library"):
        with OpLog.open(path) as log:
            log.append(f.patrol("forged-via-library", location="Nowhere"))
    if mutation.endswith("_rebuilt"):
        with OpLog.open(path) as log:
            log.rebuild()


# --------------------------------------------------------------------------- forged rows


def _forge_personal(conn: sqlite3.Connection) -> None:
    """Values kept for an event whose body commits to none."""
    seq = _first(
        conn,
        "SELECT max(seq) FROM events WHERE seq NOT IN (SELECT seq FROM personal) "
        "AND body NOT LIKE '%\"personal\":%'",
    )
    conn.execute(
        'INSERT INTO personal (seq, salt, "values") SELECT ?, salt, "values" FROM personal '
        "ORDER BY seq LIMIT 1",
        (seq,),
    )


def _forge_subject(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO subjects (subject_ref, person) SELECT 'P-forged', max(person) + 1 "
        "FROM subjects"
    )


def _forge_access(conn: sqlite3.Connection) -> None:
    """A read nobody made, correctly linked at the end of the access record."""
    seq, prev = _head(conn, "access_log")
    body = canonical_text(
        {
            "action": "consult",
            "actor": "nobody",
            "at": "2020-04-19T09:00:00Z",
            "events": [[2, 2]],
            "purpose": "a read nobody made",
            "query": {"corrected": True, "event_id": "forged", "restricted": False},
        }
    )
    conn.execute(
        "INSERT INTO access_log (seq, body, hash) VALUES (?, ?, ?)",
        (seq + 1, body, chain_hash(prev, body.encode("utf-8"))),
    )


def _forge_listing(table: str) -> Callable[[sqlite3.Connection], None]:
    """A row of ``erased`` or ``restricted`` for an event whose values are held, naming the
    table's last access entry."""

    def forge(conn: sqlite3.Connection) -> None:
        seq = _first(
            conn, f"SELECT min(seq) FROM personal WHERE seq NOT IN (SELECT seq FROM {table})"
        )
        conn.execute(
            f"INSERT INTO {table} (seq, access_seq) SELECT ?, max(access_seq) FROM {table}",
            (seq,),
        )

    return forge


#: How a row is forged in the tables where a copy of another row would not say much.
FORGED_ROWS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "personal": _forge_personal,
    "subjects": _forge_subject,
    "access_log": _forge_access,
    "erased": _forge_listing("erased"),
    "restricted": _forge_listing("restricted"),
}


# --------------------------------------------------------------------------- the file

_FILE_SQL: dict[str, tuple[str, ...]] = {
    "guards_dropped_restored": (
        *(f"DROP TRIGGER {name}" for name in (*GUARDS, *ACCESS_GUARDS)),
        *GUARDS.values(),
        *ACCESS_GUARDS.values(),
    ),
    "guard_dropped": ("DROP TRIGGER events_no_update",),
    "guard_weakened": (
        "DROP TRIGGER events_no_delete",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events WHEN 0 "
        "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: DELETE refused'); END",
    ),
    "access_guard_dropped": ("DROP TRIGGER access_log_no_delete",),
    "trigger_added": ("CREATE TRIGGER events_audit AFTER INSERT ON events BEGIN SELECT 1; END",),
    # Every arrest added to a rollup from now on is taken away again.
    "trigger_on_derived": (
        "CREATE TRIGGER rollup_softened AFTER INSERT ON rollup_cells BEGIN "
        "UPDATE rollup_cells SET arrests = 0 WHERE op_id = NEW.op_id; END",
    ),
    # The view people browse (Datasette): every event now shows as a patrol.
    "view_altered": (
        "DROP VIEW event_log",
        "CREATE VIEW event_log AS SELECT seq, event_id, 'patrol' AS kind, 'Patrol' AS "
        "kind_label, op_id, occurred_at, target_seq, ref_seq, "
        "json_extract(body, '$.personal.fields') AS personal_fields, hash FROM events",
    ),
    "view_dropped": ("DROP VIEW offence_catalogue",),
    "index_dropped": ("DROP INDEX events_event_id",),
    "table_added": ("CREATE TABLE notes (seq INTEGER, note TEXT)",),
    "column_added": ("ALTER TABLE events ADD COLUMN note TEXT",),
    "application_id_changed": ("PRAGMA application_id = 0",),
    "user_version_newer": (f"PRAGMA user_version = {SCHEMA_VERSION + 1}",),
    "user_version_older": (f"PRAGMA user_version = {SCHEMA_VERSION - 1}",),
    "user_version_zero": ("PRAGMA user_version = 0",),
}


def mutate_file(conn: sqlite3.Connection, mutation: str) -> None:
    """A change to the file made through SQL (inside the caller's transaction)."""
    for sql in _FILE_SQL[mutation]:
        conn.execute(sql)


def _header_overwritten(path: Path, open_copy: Path, stale_wal: Path) -> None:
    with path.open("r+b") as raw:
        raw.write(b"not a SQLite db")  # the 16-byte magic string


def _truncated(path: Path, open_copy: Path, stale_wal: Path) -> None:
    with path.open("r+b") as raw:
        raw.truncate(path.stat().st_size // 2)


def _stale_wal(path: Path, open_copy: Path, stale_wal: Path) -> None:
    shutil.copyfile(stale_wal, f"{path}-wal")


def _left_behind(path: Path, open_copy: Path, stale_wal: Path) -> None:
    shutil.copyfile(open_copy, path)


#: Changes made to the file's bytes, or to the files beside it: (the copy, the base's copy
#: made while it was open, the base's stale -wal).
FILE_BYTES: dict[str, Callable[[Path, Path, Path], None]] = {
    "header_overwritten": _header_overwritten,
    "file_truncated": _truncated,
    "stale_wal": _stale_wal,
    "wal_left_behind": _left_behind,
}
assert set(_FILE_SQL) | set(FILE_BYTES) == set(FILE_MUTATIONS)
