"""The SQLite schema of a log file, version 1. Standard library only.

``events`` is the record: append-only, hash-chained, guarded by triggers. Every other table is
a projection of ``events`` (the current, corrected view, one table per kind), written in the
same transaction as the events and rebuildable from them alone.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

__all__ = [
    "APPLICATION_ID",
    "COMMON_COLUMNS",
    "DERIVED",
    "DERIVED_BY_NAME",
    "DERIVED_INDEXES",
    "EVENTS",
    "EVENT_COPIES",
    "EVENT_INDEXES",
    "EVENT_LOG_VIEW",
    "GUARDS",
    "META",
    "SCHEMA_VERSION",
    "Table",
    "guard_problems",
]

#: Written to ``PRAGMA application_id`` ("ANPR" in ASCII) so tools can tell our files apart.
APPLICATION_ID = 0x414E5052
#: Written to ``PRAGMA user_version``; a file with a larger number is refused.
SCHEMA_VERSION = 1


EVENTS = """
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)
"""

#: The columns of ``events`` that repeat a field of ``body`` (``event_id``, for its unique
#: index). ``verify()`` checks that each still appears in the body it was taken from. Other
#: fields are read from the body itself (see the ``event_log`` view), so nothing unchecked
#: can disagree with the record.
EVENT_COPIES = ("event_id",)

#: A readable view of the record for people and tools such as Datasette.
EVENT_LOG_VIEW = """
CREATE VIEW event_log AS
SELECT
    seq,
    event_id,
    json_extract(body, '$.kind') AS kind,
    json_extract(body, '$.op_id') AS op_id,
    json_extract(body, '$.occurred_at') AS occurred_at,
    body,
    hash
FROM events
"""

META = """
CREATE TABLE anpr_ops_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
"""

EVENT_INDEXES = ("CREATE UNIQUE INDEX events_event_id ON events(event_id)",)

#: The triggers that make ``events`` append-only in the database itself. Their exact text is
#: checked when a log is opened; a file where any is missing, altered or joined by another
#: trigger on ``events`` is refused.
GUARDS: dict[str, str] = {
    "events_no_update": (
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: UPDATE refused'); END"
    ),
    "events_no_delete": (
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: DELETE refused'); END"
    ),
    # INSERT OR REPLACE resolves a conflict on seq or event_id by deleting the old row, and
    # fires no delete trigger while recursive_triggers is off (the default): so an insert
    # that would collide on either is refused before it can.
    "events_no_replace": (
        "CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
        "WHEN NEW.seq <= (SELECT max(seq) FROM events) "
        "OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id) "
        "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: "
        "an insert may not replace or precede an existing event'); END"
    ),
}


@dataclass(frozen=True)
class Table:
    """A derived table: its columns (name, declaration) and table constraints."""

    name: str
    columns: tuple[tuple[str, str], ...]
    constraints: tuple[str, ...] = ()
    without_rowid: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns in order (the order of INSERT values)."""
        return tuple(name for name, _ in self.columns)

    def create_sql(self) -> str:
        """``CREATE TABLE`` for this table."""
        parts = [f"    {name} {decl}".rstrip() for name, decl in self.columns]
        parts += [f"    {constraint}" for constraint in self.constraints]
        tail = " WITHOUT ROWID" if self.without_rowid else ""
        return f"CREATE TABLE {self.name} (\n" + ",\n".join(parts) + f"\n){tail}"

    def insert_sql(self) -> str:
        """``INSERT`` of one full row, values as ``?`` parameters in column order."""
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO {self.name} ({', '.join(self.column_names)}) VALUES ({marks})"


_COMMON: tuple[tuple[str, str], ...] = (
    ("seq", "INTEGER PRIMARY KEY"),
    ("event_id", "TEXT NOT NULL"),
    ("op_id", "TEXT NOT NULL REFERENCES operations(op_id)"),
    ("occurred_at", "TEXT NOT NULL"),
    ("officer_id", "TEXT"),
    ("notes", "TEXT"),
)
#: The columns every per-kind table starts with, in this order.
COMMON_COLUMNS = tuple(name for name, _ in _COMMON)


def _kind_table(name: str, *columns: tuple[str, str]) -> Table:
    return Table(name, (*_COMMON, *columns))


def _child_table(name: str, parent: str, *columns: tuple[str, str], key: str) -> Table:
    return Table(
        name,
        (("seq", f"INTEGER NOT NULL REFERENCES {parent}(seq)"), *columns),
        (f"PRIMARY KEY (seq, {key})",),
        without_rowid=True,
    )


_T = "TEXT"
_TN = "TEXT NOT NULL"
_I = "INTEGER"
_IN = "INTEGER NOT NULL"
_R = "REAL"

#: Projections of ``events``: the current (corrected) state, one row per live event, keyed by
#: the ``seq`` of the event they project (a replacement keeps its target's seq). Child tables
#: hold list fields, one row per item. Booleans are 0/1; times are UTC text as in the events.
DERIVED: tuple[Table, ...] = (
    Table(
        "operations",
        (
            *(c if c[0] != "op_id" else ("op_id", "TEXT NOT NULL UNIQUE") for c in _COMMON),
            ("name", _TN),
            ("force", _TN),
            ("timezone", _TN),
            ("starts_at", _TN),
            ("ends_at", _T),
            ("parent_op_id", "TEXT REFERENCES operations(op_id)"),
            ("description", _T),
        ),
    ),
    Table(
        "sites",
        (
            ("op_id", "TEXT NOT NULL REFERENCES operations(op_id)"),
            ("site_id", _TN),
            ("op_seq", "INTEGER NOT NULL REFERENCES operations(seq)"),
            ("name", _TN),
            ("latitude", _R),
            ("longitude", _R),
        ),
        ("PRIMARY KEY (op_id, site_id)",),
        without_rowid=True,
    ),
    _kind_table(
        "anpr_hits",
        ("site_id", _TN),
        ("camera_id", _T),
        ("vrm", _TN),
        ("vrm_country", _T),
        ("raw_vrm", _T),
        ("hotlist", _TN),
        ("confidence", _I),
    ),
    _child_table("anpr_hit_reasons", "anpr_hits", ("reason", _TN), key="reason"),
    _kind_table(
        "vehicle_stops",
        ("site_id", _TN),
        ("vrm", _TN),
        ("vrm_country", _T),
        ("hit_id", _T),
        ("power", _TN),
        ("reason", _TN),
        ("occupants", _I),
    ),
    _kind_table(
        "searches",
        ("stop_id", _T),
        ("site_id", _T),
        ("search_type", _TN),
        ("legislation", _TN),
        ("object_of_search", _TN),
        ("grounds", _TN),
        ("vrm", _T),
        ("vrm_country", _T),
        ("vrm_unknown", _IN),
        ("subject_ref", _T),
        ("self_defined_ethnicity", _T),
        ("officer_defined_ethnicity", _T),
        ("gender", _T),
        ("age_range", _T),
        ("outcome_linked_to_object", _I),
        ("removal_of_more_than_outer_clothing", _I),
        ("latitude", _R),
        ("longitude", _R),
        ("part_of_policing_operation", _I),
        ("policing_operation", _T),
    ),
    _kind_table(
        "outcomes",
        ("subject_ref", _TN),
        ("search_id", _T),
        ("stop_id", _T),
        ("enquiry_id", _T),
        ("disposal", _TN),
        ("offences_unknown", _IN),
        ("primary_offence", _T),
        ("primary_category", _T),
    ),
    _child_table(
        "outcome_offences",
        "outcomes",
        ("position", _IN),
        ("code", _TN),
        ("category", _TN),
        key="position",
    ),
    _kind_table(
        "seizures",
        ("search_id", _T),
        ("stop_id", _T),
        ("sweep_id", _T),
        ("site_id", _T),
        ("item", _TN),
        ("drug_class", _T),
        ("drug", _T),
        ("weapon_type", _T),
        ("quantity", _T),
        ("vrm", _T),
        ("vrm_country", _T),
        ("power", _T),
    ),
    _kind_table(
        "weapon_sweeps",
        ("site_id", _T),
        ("location", _T),
        ("latitude", _R),
        ("longitude", _R),
    ),
    _kind_table(
        "arrest_enquiries",
        ("subject_ref", _TN),
        ("underlying_offence_category", _T),
        ("high_harm", _IN),
        ("located", _IN),
    ),
    _child_table(
        "arrest_enquiry_offences",
        "arrest_enquiries",
        ("position", _IN),
        ("code", _TN),
        ("category", _TN),
        key="position",
    ),
    _kind_table(
        "patrols",
        ("site_id", _T),
        ("location", _T),
        ("ends_at", _TN),
        ("latitude", _R),
        ("longitude", _R),
    ),
    _kind_table(
        "corrections",
        ("target_id", _TN),
        ("target_seq", "INTEGER NOT NULL REFERENCES events(seq)"),
        ("action", _TN),
        ("reason", _TN),
    ),
    _kind_table(
        "offence_definitions",
        ("code", "TEXT NOT NULL UNIQUE"),
        ("title", _TN),
        ("category", _TN),
        ("statute", _T),
        ("section", _T),
        ("cjs_class", _T),
        ("drug_class", _T),
    ),
)
DERIVED_BY_NAME: dict[str, Table] = {table.name: table for table in DERIVED}

DERIVED_INDEXES = (
    "CREATE INDEX corrections_target ON corrections(target_seq)",
    # Reports find an event's site through what it refers to (search -> stop, seizure ->
    # sweep), and whether a hit, stop, search or enquiry led somewhere (EXISTS over the
    # events that name it): one index per such reference keeps each a lookup, not a scan.
    "CREATE INDEX vehicle_stops_event_id ON vehicle_stops(event_id)",
    "CREATE INDEX vehicle_stops_hit_id ON vehicle_stops(hit_id)",
    "CREATE INDEX searches_event_id ON searches(event_id)",
    "CREATE INDEX searches_stop_id ON searches(stop_id)",
    "CREATE INDEX weapon_sweeps_event_id ON weapon_sweeps(event_id)",
    "CREATE INDEX outcomes_search_id ON outcomes(search_id)",
    "CREATE INDEX outcomes_enquiry_id ON outcomes(enquiry_id)",
)

_SPACE = re.compile(r"\s+")


def _normal(sql: str) -> str:
    return _SPACE.sub(" ", sql).strip().rstrip(";")


def guard_problems(conn: sqlite3.Connection) -> list[str]:
    """What is wrong with the guards of ``events``: missing, altered or extra triggers.

    An empty list means the guards are exactly as this version writes them.
    """
    found = {
        name: sql or ""
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
        )
    }
    problems = []
    for name, sql in GUARDS.items():
        if name not in found:
            problems.append(f"trigger {name} is missing")
        elif _normal(found[name]) != _normal(sql):
            problems.append(f"trigger {name} was altered")
    problems.extend(f"unexpected trigger {name} on events" for name in found if name not in GUARDS)
    return problems
