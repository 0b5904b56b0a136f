"""The tamper matrix: change a copy of a log from outside the library and see who notices.

Every change is made with plain ``sqlite3`` (or, for the file header, by writing bytes), the
way someone with write access to the file could, dropping the guard triggers first where the
change needs it and putting them back afterwards. :func:`classify` then says who notices:

- ``refused_on_open``: ``OpLog.open`` refuses the file;
- ``verify``: ``log.verify()`` finds it (the hash chain);
- ``projections``: only ``log.verify()`` finds it (the derived tables
  differ from a rebuild from the events);
- ``checkpoint``: only verifying against a checkpoint taken before the change finds it;
- ``undetectable``: nothing finds it;
- ``impossible``: SQLite itself refuses the change (a constraint of the schema);
- ``not_applicable``: the change cannot be made to this table (say, no two rows differ).

The mutations are data (:func:`cases`), so the matrix covers every column of every table the
file holds; the expected classification of each, with its reason, lives in the test.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anpr_ops import AnprOpsError, Checkpoint, OpLog
from anpr_ops._canonical import canonical_text
from anpr_ops._schema import GUARDS
from tests import factory as f
from tests.conftest import ROOT
from tests.harness.rich import rich_events

#: Changes made to one column of one row (or two rows).
COLUMN_MUTATIONS = ("flip", "swap")
#: Changes made to the rows of a table.
ROW_MUTATIONS = ("delete_middle", "reorder", "truncate_tail", "forge")
#: Changes only the events table gets: appends, and rewrites with recomputed hashes. A
#: ``_rebuilt`` change is followed by rebuilding the projections to match the changed events
#: (as ``log.rebuild()`` does), the way a careful forger would finish.
EVENT_MUTATIONS = (
    "truncate_tail_rebuilt",
    "forge_via_library",
    "rewrite_recomputed",
    "rewrite_recomputed_rebuilt",
    "replace_tail_recomputed",
    "replace_tail_recomputed_rebuilt",
)
#: Changes to the file as a whole.
FILE_MUTATIONS = (
    "guards_dropped_restored",
    "guard_dropped",
    "guard_weakened",
    "trigger_added",
    "application_id_changed",
    "user_version_newer",
    "user_version_zero",
    "header_overwritten",
    "view_redefined",
    "index_dropped",
    "projection_trigger_planted",
)
FILE = "(file)"
META_ROWS = ("log_id", "created_at", "schema_version")


class NotApplicable(Exception):
    """The mutation cannot be made to this table; the message says why."""


@dataclass(frozen=True, order=True)
class Case:
    """One cell of the matrix: a mutation of a table (and column, and meta row)."""

    table: str
    column: str
    mutation: str
    row: str = ""  # which anpr_ops_meta row, by key

    @property
    def label(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        where += f"[{self.row}]" if self.row else ""
        return f"{where}:{self.mutation}"


@dataclass(frozen=True)
class Finding:
    """What the library made of one tampered file."""

    outcome: str
    problem: str | None = None  # the VerifyResult problem, or the error code on open
    seq: int | None = None
    summaries: tuple[str, ...] = ()  # verify() and each verify(checkpoint) summary line


@dataclass(frozen=True)
class Base:
    """The untouched log and checkpoints of it (the whole log, then each operation)."""

    path: Path
    checkpoints: tuple[Path, ...]


def make_base(folder: Path) -> Base:
    path = folder / "base.db"
    with OpLog.open(path, create=True) as log:
        log.extend(rich_events())
        checkpoints = [log.checkpoint(), *(log.checkpoint(op.op_id) for op in log.operations())]
    files = []
    for n, checkpoint in enumerate(checkpoints):
        file = folder / f"base-{n}.checkpoint"
        file.write_text(checkpoint.to_text(), encoding="utf-8")
        files.append(file)
    return Base(path, tuple(files))


# --------------------------------------------------------------------------- the cases


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
        )
    ]


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, bool]]:
    """(name, generated) of every column, hidden generated ones included."""
    return [
        (row[1], row[6] in (2, 3))
        for row in conn.execute(f'PRAGMA table_xinfo("{table}")').fetchall()
    ]


def cases(base: Path) -> list[Case]:
    """Every cell of the matrix, for every table and column the file holds."""
    conn = sqlite3.connect(f"file:{base}?mode=ro", uri=True)
    try:
        found: list[Case] = []
        for table in _tables(conn):
            for column, _ in _columns(conn, table):
                rows = META_ROWS if table == "anpr_ops_meta" else ("",)
                found += [
                    Case(table, column, mutation, row)
                    for row in rows
                    for mutation in COLUMN_MUTATIONS
                ]
            found += [Case(table, "", mutation) for mutation in ROW_MUTATIONS]
            if table == "events":
                found += [Case(table, "", mutation) for mutation in EVENT_MUTATIONS]
    finally:
        conn.close()
    return found + [Case(FILE, "", mutation) for mutation in FILE_MUTATIONS]


# --------------------------------------------------------------------------- mutations


class _Table:
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

    def full(self, key: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """The whole row (every stored column) with this key."""
        return self.conn.execute(
            f'SELECT * FROM "{self.name}" WHERE {self._where()}', key
        ).fetchall()

    def delete(self, key: tuple[Any, ...]) -> None:
        self.conn.execute(f'DELETE FROM "{self.name}" WHERE {self._where()}', key)


def _flips(value: Any) -> Iterator[Any]:
    """``value`` with one bit flipped: the lowest bit first, then the next ones."""
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
    else:
        raise NotApplicable(f"cannot flip a bit of {value!r}")


def _temporary(value: Any) -> Any:
    if isinstance(value, int):
        return -987_654_321
    if isinstance(value, float):
        return -987.654321
    return "\x00temporary"


def _drop_guards(conn: sqlite3.Connection) -> None:
    for name in GUARDS:
        conn.execute(f"DROP TRIGGER {name}")


def _restore_guards(conn: sqlite3.Connection) -> None:
    for sql in GUARDS.values():
        conn.execute(sql)


def _chain_from(conn: sqlite3.Connection, seq: int) -> None:
    """Recompute prev_hash and hash of every event from ``seq`` on, as a forger would."""
    prev = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()
    prev_hash = prev[0] if prev else "0" * 64
    for row_seq, body in conn.execute(
        "SELECT seq, body FROM events WHERE seq >= ? ORDER BY seq", (seq,)
    ).fetchall():
        digest = hashlib.sha256(bytes.fromhex(prev_hash) + body.encode("utf-8")).hexdigest()
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev_hash, digest, row_seq)
        )
        prev_hash = digest


def _forged_event(event_id: str) -> str:
    """The canonical body of a plausible event no one recorded."""
    from anpr_ops import canonical_dict, parse_event

    return canonical_text(canonical_dict(parse_event(f.patrol(event_id, location="Nowhere"))))


def _mutate_column(conn: sqlite3.Connection, case: Case) -> None:
    table = _Table(conn, case.table)
    everything = table.rows(case.column)
    if case.row:
        (rowid,) = conn.execute(
            "SELECT rowid FROM anpr_ops_meta WHERE key = ?", (case.row,)
        ).fetchone()
        firsts = [r for r in everything if r[0] == (rowid,)]
    else:
        present = [r for r in everything if r[1] is not None]
        if not present:
            raise NotApplicable("the column is NULL in every row")
        # From the middle of the table, not its first rows.
        middle = len(present) // 2
        firsts = present[middle:] + present[:middle]
    if case.mutation == "flip":
        key, value = firsts[0]
        # The lowest bit whose flip SQLite accepts: a flip that would collide with another
        # row's key or unique value is refused, and the next bit is tried.
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
    table: _Table,
    column: str,
    one: tuple[tuple[Any, ...], Any],
    other: tuple[tuple[Any, ...], Any],
) -> bool:
    """Swap ``column`` between two rows, if that changes the table and collides with nothing."""
    before = sorted(map(repr, table.full(one[0]) + table.full(other[0])))
    conn.execute("SAVEPOINT swap")
    try:
        first = table.set(one[0], column, _temporary(one[1]))
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
    table = _Table(conn, case.table)
    rows = [key for key, _ in table.rows()]
    if len(rows) < 3 and case.mutation != "forge":
        raise NotApplicable(f"the table holds {len(rows)} row(s)")
    if case.mutation == "delete_middle":
        table.delete(rows[len(rows) // 2])
    elif case.mutation == "truncate_tail":
        for key in rows[-2 if len(rows) > 3 else -1 :]:
            table.delete(key)
    elif case.mutation == "reorder":
        _rotate(table, rows)
    elif case.mutation == "forge":
        _forge_row(conn, table, case)


def _rotate(table: _Table, rows: list[tuple[Any, ...]]) -> None:
    """Move three rows round: each takes the identity (first key column) of the next."""
    first = table.key[0]
    keys = set(rows)
    seen: dict[Any, tuple[Any, ...]] = {}
    start = len(rows) // 3  # from the middle of the table, not its first rows
    for key in rows[start:] + rows[:start]:
        seen.setdefault(key[0], key)
    picked = list(seen.values())
    for i in range(len(picked) - 2):
        trio = picked[i : i + 3]
        moved = [(trio[(j + 1) % 3][0], *trio[j][1:]) for j in range(3)]
        if not (set(moved) & (keys - set(trio))):
            break
    else:
        raise NotApplicable("no three rows can swap identities without colliding")
    temporary = [
        table.set(
            key,
            first,
            _temporary(key[0]) - j if isinstance(key[0], int) else f"{_temporary(key[0])}{j}",
        )
        for j, key in enumerate(trio)
    ]
    for j, key in enumerate(temporary):
        table.set(key, first, moved[j][0])


def _forge_row(conn: sqlite3.Connection, table: _Table, case: Case) -> None:
    if case.table == "events":
        seq, prev_hash = conn.execute(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        body = _forged_event("forged-1")
        digest = hashlib.sha256(bytes.fromhex(prev_hash) + body.encode("utf-8")).hexdigest()
        conn.execute(
            "INSERT INTO events (seq, event_id, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
            (seq + 1, "forged-1", body, prev_hash, digest),
        )
        return
    if case.table == "anpr_ops_meta":
        conn.execute("INSERT INTO anpr_ops_meta (key, value) VALUES ('forged', 'x')")
        return
    if case.table == "sqlite_sequence":
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('forged', 7)")
        return
    # A copy of the last row under a new identity: a fact the events never recorded.
    names = [name for name, generated in _columns(conn, case.table) if not generated]
    last = conn.execute(
        f'SELECT {", ".join(names)} FROM "{case.table}" ORDER BY {", ".join(table.key)} DESC'
    ).fetchone()
    first = table.key[0]
    values = dict(zip(names, last, strict=True))
    values[first] = values[first] + 1000 if isinstance(values[first], int) else "forged"
    if "event_id" in values:
        values["event_id"] = "forged-1"
    if case.table == "offence_definitions":
        values["code"] = "ZZ99999"
    if case.table == "operations":
        values["op_id"] = "forged-op"
    marks = ", ".join("?" for _ in names)
    conn.execute(
        f'INSERT INTO "{case.table}" ({", ".join(names)}) VALUES ({marks})',
        [values[n] for n in names],
    )


def _mutate_events(conn: sqlite3.Connection, case: Case) -> None:
    (head,) = conn.execute("SELECT max(seq) FROM events").fetchone()
    if case.mutation == "rewrite_recomputed":
        seq = head // 2
        (body,) = conn.execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()
        event = json.loads(body)
        event["notes"] = "rewritten after the fact"
        conn.execute("UPDATE events SET body = ? WHERE seq = ?", (canonical_text(event), seq))
        _chain_from(conn, seq)
    elif case.mutation == "replace_tail_recomputed":
        conn.execute(
            "UPDATE events SET event_id = 'forged-tail', body = ? WHERE seq = ?",
            (_forged_event("forged-tail"), head),
        )
        _chain_from(conn, head)


def _mutate_file(conn: sqlite3.Connection, case: Case) -> None:
    """File-level mutations made through SQL (the header is overwritten in :func:`apply`)."""
    m = case.mutation
    if m == "guards_dropped_restored":
        _drop_guards(conn)
        _restore_guards(conn)
    elif m == "guard_dropped":
        conn.execute("DROP TRIGGER events_no_update")
    elif m == "guard_weakened":
        conn.execute("DROP TRIGGER events_no_delete")
        conn.execute(
            "CREATE TRIGGER events_no_delete BEFORE DELETE ON events WHEN 0 "
            "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: DELETE refused'); END"
        )
    elif m == "trigger_added":
        conn.execute("CREATE TRIGGER events_audit AFTER INSERT ON events BEGIN SELECT 1; END")
    elif m == "application_id_changed":
        conn.execute("PRAGMA application_id = 0")
    elif m == "user_version_newer":
        conn.execute("PRAGMA user_version = 2")
    elif m == "user_version_zero":
        conn.execute("PRAGMA user_version = 0")
    elif m == "view_redefined":
        # The readable view people browse (Datasette): every event now shows as a patrol.
        conn.execute("DROP VIEW event_log")
        conn.execute(
            "CREATE VIEW event_log AS SELECT seq, event_id, 'patrol' AS kind, "
            "json_extract(body, '$.op_id') AS op_id, "
            "json_extract(body, '$.occurred_at') AS occurred_at, body, hash FROM events"
        )
    elif m == "index_dropped":
        conn.execute("DROP INDEX events_event_id")
    elif m == "projection_trigger_planted":
        # Every outcome written from now on is recorded in the projection as a caution.
        conn.execute(
            "CREATE TRIGGER outcomes_softened AFTER INSERT ON outcomes BEGIN "
            "UPDATE outcomes SET disposal = 'caution' WHERE seq = NEW.seq; END"
        )


def apply(case: Case, path: Path) -> str | None:
    """Make the change to the file at ``path``; returns why not, when it cannot be made.

    Returns ``"impossible: ..."`` when SQLite refuses the change and ``"not applicable: ..."``
    when the change does not fit the table.
    """
    if case.table == FILE and case.mutation == "header_overwritten":
        with path.open("r+b") as raw:
            raw.write(b"not a SQLite db")  # the 16-byte magic string
        return None
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        try:
            if case.table == FILE:
                _mutate_file(conn, case)
            else:
                guarded = case.table == "events"
                if guarded:
                    _drop_guards(conn)
                mutation = case.mutation.removesuffix("_rebuilt")
                if case.column:
                    _mutate_column(conn, case)
                elif mutation in ROW_MUTATIONS:
                    _mutate_rows(conn, Case(case.table, "", mutation))
                else:
                    _mutate_events(conn, Case(case.table, "", mutation))
                if guarded:
                    _restore_guards(conn)
            conn.execute("COMMIT")
        except NotApplicable as exc:
            conn.execute("ROLLBACK")
            return f"not applicable: {exc}"
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            return f"impossible: {exc}"
    finally:
        conn.close()
    if case.mutation == "forge_via_library":
        with OpLog.open(path) as log:
            log.append(f.patrol("forged-via-library", location="Nowhere"))
    if case.mutation.endswith("_rebuilt"):
        with OpLog.open(path) as log:
            log.rebuild()
    if case.mutation == "projection_trigger_planted":
        with OpLog.open(path) as log:  # the log in use after the trigger was planted
            log.append(f.outcome("out-after-trigger"))
    return None


# --------------------------------------------------------------------------- classification


def classify(path: Path, checkpoints: tuple[Path, ...]) -> Finding:
    """Who notices the change: see the module docstring for the outcomes, first one wins."""
    try:
        log = OpLog.open(path)
    except AnprOpsError as exc:
        return Finding("refused_on_open", exc.code)
    with log:
        chain = log.verify()
        summaries = [chain.summary()]
        for file in checkpoints:
            summaries.append(
                log.verify(Checkpoint.from_text(file.read_text(encoding="utf-8"))).summary()
            )
        if not chain.ok:
            return Finding("verify", chain.problem, chain.first_bad_seq, tuple(summaries))
        deep = log.verify()
        if not deep.ok:
            return Finding("projections", deep.problem, deep.first_bad_seq, tuple(summaries))
        for file in checkpoints:
            result = log.verify(Checkpoint.from_text(file.read_text(encoding="utf-8")))
            if not result.ok:
                return Finding("checkpoint", result.problem, result.first_bad_seq, tuple(summaries))
    return Finding("undetectable", summaries=tuple(summaries))


def run_case(case: Case, base: Base, folder: Path) -> tuple[Path, Finding]:
    """Tamper with a fresh copy of the base log; returns the copy and what was found."""
    copy = folder / (case.label.replace("/", "_").replace(":", "__") + ".db")
    shutil.copyfile(base.path, copy)
    why_not = apply(case, copy)
    if why_not is not None:
        outcome, _, reason = why_not.partition(": ")
        return copy, Finding(outcome.replace(" ", "_"), reason)
    return copy, classify(copy, base.checkpoints)


# --------------------------------------------------------------------------- stdlib verifier

_DRIVER = textwrap.dedent(
    """
    import contextlib, importlib.abc, io, json, sys
    BLOCKED = ("pydantic", "pydantic_core", "attrs", "attr", "sqlite_utils", "click", "hypothesis")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is not available here")
            return None

    sys.meta_path.insert(0, Block())
    sys.path.insert(0, sys.argv[1])
    from anpr_ops.verify import main
    for line in sys.stdin:
        argv = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exc:
                status = exc.code
        print(json.dumps([argv, status, out.getvalue(), err.getvalue()]), flush=True)
    """
)


def stdlib_verdicts(runs: list[list[str]]) -> Iterator[tuple[list[str], int, str, str]]:
    """Run ``python -m anpr_ops.verify`` with each argument list, in one process that can
    import nothing but the standard library; yields (argv, exit status, stdout, stderr)."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _DRIVER, str(ROOT)],
        input="".join(json.dumps(argv) + "\n" for argv in runs),
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stdout.splitlines():
        argv, status, out, err = json.loads(line)
        yield argv, status, out, err
