"""The SQLite schema of a log file, version 2. Standard library only.

``events`` is the record: append-only, hash-chained, guarded by triggers. Each row holds the
event's chained bytes (``body``, the leaf of the Merkle tree too) and copies of a few of their
fields for look-ups (``event_id``, ``kind``, ``op_id``, ``occurred_at`` and the ``seq`` of the
event it corrects or refers to), which verification checks against the body. The personal
values an event's body commits to live apart, in ``personal``, where they can be erased.
``access_log`` is a second append-only chain: who read or disclosed personal values, and every
erasure, restriction and retention run. Every other table is derived from those two and can be
rebuilt from them.

Opening a log compares every object in ``sqlite_master`` with what this module makes
(:func:`schema_problems`): any extra, missing or altered table, index, trigger or view — whatever
the case or quoting of its names — and the file is refused.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

__all__ = [
    "ACCESS_GUARDS",
    "APPLICATION_ID",
    "COUNTS",
    "DERIVED_TABLES",
    "EVENT_COPIES",
    "GUARDS",
    "ROLLUP_TABLES",
    "SCHEMA_VERSION",
    "TABLES",
    "guard_problems",
    "schema_objects",
    "schema_problems",
    "statements",
]

#: Written to ``PRAGMA application_id`` ("ANPR" in ASCII) so tools can tell our files apart.
APPLICATION_ID = 0x414E5052
#: Written to ``PRAGMA user_version``; a file with a larger number is refused, one with a
#: smaller number is migrated (``anpr-ops migrate``).
SCHEMA_VERSION = 2

#: The columns of ``events`` that repeat what its ``body`` says (or, for the two ``*_seq``
#: columns, where the ids it names are stored). Verification checks each exactly.
EVENT_COPIES = ("event_id", "kind", "op_id", "occurred_at", "target_seq", "ref_seq")

META = """CREATE TABLE anpr_ops_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
)"""

EVENTS = """CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    op_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    target_seq INTEGER REFERENCES events(seq),
    ref_seq INTEGER REFERENCES events(seq),
    body BLOB NOT NULL,
    hash BLOB NOT NULL
)"""

EVENT_INDEXES = (
    "CREATE UNIQUE INDEX events_event_id ON events(event_id)",
    "CREATE INDEX events_target ON events(target_seq) WHERE target_seq IS NOT NULL",
    "CREATE INDEX events_ref ON events(ref_seq) WHERE ref_seq IS NOT NULL",
    "CREATE INDEX events_op ON events(op_id, seq)",
)

#: The triggers that make ``events`` append-only in the database itself.
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

PERSONAL = """CREATE TABLE personal (
    seq INTEGER PRIMARY KEY REFERENCES events(seq),
    salt BLOB NOT NULL,
    "values" TEXT NOT NULL
)"""

SUBJECTS = """CREATE TABLE subjects (
    subject_ref TEXT PRIMARY KEY,
    person INTEGER NOT NULL UNIQUE
) WITHOUT ROWID"""

ACCESS_LOG = """CREATE TABLE access_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    body BLOB NOT NULL,
    hash BLOB NOT NULL
)"""

ACCESS_GUARDS: dict[str, str] = {
    "access_log_no_update": (
        "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
        "BEGIN SELECT RAISE(ABORT, 'anpr_ops: access_log is append-only: UPDATE refused'); END"
    ),
    "access_log_no_delete": (
        "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
        "BEGIN SELECT RAISE(ABORT, 'anpr_ops: access_log is append-only: DELETE refused'); END"
    ),
    "access_log_no_replace": (
        "CREATE TRIGGER access_log_no_replace BEFORE INSERT ON access_log "
        "WHEN NEW.seq <= (SELECT max(seq) FROM access_log) "
        "BEGIN SELECT RAISE(ABORT, 'anpr_ops: access_log is append-only: "
        "an insert may not replace or precede an existing entry'); END"
    ),
}

ERASED = """CREATE TABLE erased (
    seq INTEGER PRIMARY KEY REFERENCES events(seq),
    access_seq INTEGER NOT NULL REFERENCES access_log(seq)
)"""

RESTRICTED = """CREATE TABLE restricted (
    seq INTEGER PRIMARY KEY REFERENCES events(seq),
    access_seq INTEGER NOT NULL REFERENCES access_log(seq)
)"""

OPERATIONS = """CREATE TABLE operations (
    op_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL REFERENCES events(seq),
    name TEXT NOT NULL,
    force TEXT NOT NULL,
    timezone TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    parent_op_id TEXT REFERENCES operations(op_id)
)"""

SITES = """CREATE TABLE sites (
    op_id TEXT NOT NULL REFERENCES operations(op_id),
    site_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    PRIMARY KEY (op_id, site_id)
) WITHOUT ROWID"""

OFFENCE_DEFINITIONS = """CREATE TABLE offence_definitions (
    code TEXT PRIMARY KEY,
    seq INTEGER NOT NULL REFERENCES events(seq),
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    statute TEXT,
    section TEXT,
    cjs_class TEXT,
    drug_class TEXT
)"""

ZONE_OFFSETS = """CREATE TABLE zone_offsets (
    zone TEXT NOT NULL,
    from_utc TEXT NOT NULL,
    utc_offset TEXT NOT NULL,
    seconds INTEGER NOT NULL,
    PRIMARY KEY (zone, from_utc)
) WITHOUT ROWID"""

MERKLE_TILES = """CREATE TABLE merkle_tiles (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID"""

#: The counts a rollup row keeps, one column each (the additive fields of a report's ``Tally``;
#: a test holds the two lists equal).
COUNTS = (
    "anpr_hits",
    "vehicle_stops",
    "hit_led_stops",
    "searches",
    "outcomes",
    "arrests",
    "offences",
    "seizures",
    "weapon_sweeps",
    "patrols",
    "arrest_enquiries",
    "wanted_located",
    "wanted_arrested",
    "high_harm_arrested",
    "corrections",
    "hits_with_stop",
    "stops_with_search",
    "hit_led_stops_searched",
    "hit_led_stops_positive",
    "hit_led_stops_arrested",
    "searches_with_arrest",
    "searches_with_positive_outcome",
    "searches_linked",
    "searches_linked_known",
)
_COUNT_COLUMNS = ",\n".join(f"    {name} INTEGER NOT NULL DEFAULT 0" for name in COUNTS)

# Rollups: what each event contributes to a report, kept at append time. A cell is an operation's
# own events at one site (or '_no_site') in one local hour of the operation's zone; ``hour`` is
# the instant that hour starts, in Unix seconds; ``keys`` holds the cell's breakdowns as a JSON
# object (``"breakdown|key": n``, sorted, no zero). ``rollup_people`` counts the live arrests of
# each person (the log's number for them) in a cell. The aggregates answer reports without a
# site or window filter: an operation's own events by site (``rollup_sites``) and their
# breakdowns (``rollup_totals``), and by hour (``rollup_hours``), where ``below`` is 0 for its
# own events and 1 for those of every operation below it. ``people`` is a set of person
# numbers: empty for none, else their count (4 bytes, big-endian), then the bitmap (bit n for
# person n, little-endian) in runs cut at 64 zero bytes or more, each the zero bytes skipped
# before it and its length (4 bytes each, big-endian), then its bytes
# (``anpr_ops.store._bitsets``).
ROLLUP_CELLS = f"""CREATE TABLE rollup_cells (
    op_id TEXT NOT NULL,
    site TEXT NOT NULL,
    hour INTEGER NOT NULL,
{_COUNT_COLUMNS},
    keys TEXT NOT NULL DEFAULT '{{}}',
    PRIMARY KEY (op_id, site, hour)
) WITHOUT ROWID"""

ROLLUP_PEOPLE = """CREATE TABLE rollup_people (
    op_id TEXT NOT NULL,
    site TEXT NOT NULL,
    hour INTEGER NOT NULL,
    person INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (op_id, site, hour, person)
) WITHOUT ROWID"""

ROLLUP_SITES = f"""CREATE TABLE rollup_sites (
    scope TEXT NOT NULL,
    site TEXT NOT NULL,
{_COUNT_COLUMNS},
    people BLOB NOT NULL DEFAULT x'',
    PRIMARY KEY (scope, site)
) WITHOUT ROWID"""

ROLLUP_HOURS = f"""CREATE TABLE rollup_hours (
    scope TEXT NOT NULL,
    below INTEGER NOT NULL,
    hour INTEGER NOT NULL,
{_COUNT_COLUMNS},
    people BLOB NOT NULL DEFAULT x'',
    PRIMARY KEY (scope, below, hour)
) WITHOUT ROWID"""

ROLLUP_TOTALS = """CREATE TABLE rollup_totals (
    scope TEXT PRIMARY KEY,
    keys TEXT NOT NULL
) WITHOUT ROWID"""

#: The rollup tables (derived; see above), in creation order.
ROLLUP_TABLES: dict[str, str] = {
    "rollup_cells": ROLLUP_CELLS,
    "rollup_people": ROLLUP_PEOPLE,
    "rollup_sites": ROLLUP_SITES,
    "rollup_hours": ROLLUP_HOURS,
    "rollup_totals": ROLLUP_TOTALS,
}

#: Tables derived from ``events`` and ``access_log`` (rebuilt, and compared with a rebuild by
#: the deep verification). The small ones give Datasette foreign keys to follow and the store
#: what it checks references against; ``zone_offsets`` holds the UTC offsets of the operations'
#: time zones over their spans, from which the readable views show local times (SQLite has no
#: time-zone database); ``merkle_tiles`` holds the tree's hashes.
DERIVED_TABLES: dict[str, str] = {
    "operations": OPERATIONS,
    "sites": SITES,
    "offence_definitions": OFFENCE_DEFINITIONS,
    "zone_offsets": ZONE_OFFSETS,
    "erased": ERASED,
    "restricted": RESTRICTED,
    "merkle_tiles": MERKLE_TILES,
    **ROLLUP_TABLES,
}

#: Every table, in creation order.
TABLES: dict[str, str] = {
    "anpr_ops_meta": META,
    "events": EVENTS,
    "personal": PERSONAL,
    "subjects": SUBJECTS,
    "access_log": ACCESS_LOG,
    **DERIVED_TABLES,
}

_EXTRA_INDEXES = (
    "CREATE INDEX sites_position ON sites(op_id, position)",
    # which cells hold a person's arrests: a person dropped from a cell may still be in an
    # aggregate through another cell
    "CREATE INDEX rollup_people_person ON rollup_people(person)",
)


def statements(views: Iterable[str] = ()) -> list[str]:
    """Every statement that creates a new log's schema, in order (``views`` last)."""
    return [
        *TABLES.values(),
        *EVENT_INDEXES,
        *_EXTRA_INDEXES,
        *GUARDS.values(),
        *ACCESS_GUARDS.values(),
        *views,
    ]


_QUOTES = re.compile(r'["`\[\]]')
_SPACE = re.compile(r"\s+")
_AROUND = re.compile(r"\s*([(),=<>])\s*")


def _normal(sql: str | None) -> str:
    """SQL compared without regard to case, quoting or spacing."""
    if sql is None:
        return ""
    text = _QUOTES.sub("", sql)
    text = _SPACE.sub(" ", text).strip().rstrip(";").strip()
    return _AROUND.sub(r"\1", text).casefold()


# SQLite's own tables: made by AUTOINCREMENT and by ANALYZE, not by anyone's schema.
_INTERNAL = frozenset(
    {"sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"}
)

SchemaObject = tuple[str, str, str, str]


def schema_objects(conn: sqlite3.Connection) -> set[SchemaObject]:
    """``(type, name, table, sql)`` of every object in the file's schema, normalised."""
    return {
        (str(kind), str(name).casefold(), str(table).casefold(), _normal(sql))
        for kind, name, table, sql in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
        )
        if str(name).casefold() not in _INTERNAL
    }


def _expected(views: Iterable[str]) -> set[SchemaObject]:
    with sqlite3.connect(":memory:") as reference:
        for sql in statements(views):
            reference.execute(sql)
        found = schema_objects(reference)
    reference.close()
    return found


_CACHE: dict[tuple[str, ...], set[SchemaObject]] = {}


def schema_problems(conn: sqlite3.Connection, views: Iterable[str] = ()) -> list[str]:
    """What differs between the file's schema and the one this version makes, in words.

    An empty list means every table, index, trigger and view is exactly as this version
    writes it (compared without regard to case, quoting or spacing), and nothing else is
    there. ``views`` are the view statements the caller expects (the store's readable views).
    """
    key = tuple(views)
    expected = _CACHE.get(key)
    if expected is None:
        expected = _CACHE[key] = _expected(key)
    found = schema_objects(conn)
    problems = []
    by_name = {(kind, name): (table, sql) for kind, name, table, sql in found}
    for kind, name, table, sql in sorted(expected):
        have = by_name.get((kind, name))
        if have is None:
            problems.append(f"{kind} {name} is missing")
        elif have != (table, sql):
            problems.append(f"{kind} {name} was altered")
    wanted = {(kind, name) for kind, name, _, _ in expected}
    problems.extend(
        f"unexpected {kind} {name} on {table}" if kind == "trigger" else f"unexpected {kind} {name}"
        for kind, name, table, _ in sorted(found)
        if (kind, name) not in wanted
    )
    return problems


def guard_problems(conn: sqlite3.Connection) -> list[str]:
    """The problems of :func:`schema_problems` that concern triggers (the append-only guards);
    the standalone verifier prints these on its ``guards:`` line."""
    return [p for p in schema_problems_without_views(conn) if "trigger" in p]


def schema_problems_without_views(conn: sqlite3.Connection) -> list[str]:
    """:func:`schema_problems` for the tables, indexes and triggers only (the standard-library
    verifier does not know the readable views' text, which is generated from the vocabulary)."""
    return [p for p in schema_problems(conn, _found_views(conn)) if not p.startswith("view ")]


def _found_views(conn: sqlite3.Connection) -> list[str]:
    return [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid"
        )
        if sql
    ]
