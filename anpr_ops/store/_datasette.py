"""Datasette metadata for a log: titles, descriptions, column notes, facets and permissions.

``anpr-ops datasette-metadata DB`` prints it; ``datasette DB --metadata FILE`` shows it. The
views it describes are in :mod:`anpr_ops.store._views`; their column notes are generated from
the same models (a field's own documentation) and naming rules (``*_label``, ``*_local``), so a
new field is described without a change here.

The front page of the database links the readable views first, and the raw tables are hidden
(still reachable, and still linked from the views' pages). The tables that hold personal values
or the access record (``personal``, ``subjects``, ``access_log``) are refused to everyone, and
so is arbitrary SQL, which could read them: the views are how a log is browsed.
"""

from __future__ import annotations

import contextlib
import html
import sqlite3
from pathlib import Path
from typing import Any, Final

from anpr_ops import _schema
from anpr_ops.events import KINDS
from anpr_ops.store._views import VIEWS
from anpr_ops.vocab import LABELS

__all__ = ["PRIVACY", "PRIVATE_TABLES", "metadata"]

PRIVACY: Final = (
    "The readable views show no personal values: plates, subject references, officer ids and "
    "free text are kept apart from the events, in tables this metadata closes to everyone "
    "(and arbitrary SQL with them). The file itself still holds those values: serve it only "
    "on this machine or to people entitled to the record, and never publish it. For "
    "publication use anpr-ops report or anpr-ops export police-uk."
)

#: Tables that hold personal values or who read them: closed to everyone in Datasette.
PRIVATE_TABLES: Final = ("personal", "subjects", "access_log")

_COMMON: Final = {
    "seq": "Position of the event in the log (the hash chain's order).",
    "event_id": "The event's id in the log and in JSON Lines exports.",
    "op_id": "The operation the event belongs to.",
    "operation": "The operation's name.",
    "occurred_at": "When it happened, in UTC (RFC 3339).",
    "occurred_at_local": "When it happened, in the operation's local time with its UTC offset "
    "(BST or GMT for Europe/London), as reports count hours.",
    "site_id": "The site it counts at: its own, or that of the stop, search or sweep it follows.",
    "site": "The site's name.",
    "personal_fields": "Which personal fields the event holds (their values are not shown).",
    "corrected_by": "The correction whose replacement this row shows, if it was corrected.",
    "disposals": "The disposals recorded after it (labels).",
    "minutes": "Length, in minutes.",
    "after": "What the outcome follows: a search, a vehicle stop or an arrest enquiry.",
    "after_id": "The event it follows.",
    "found_in": "What the seizure came from: a search, a vehicle stop or a weapon sweep.",
    "found_in_id": "The event it came from.",
    "primary_offence": "The first (most serious) offence code.",
    "primary_offence_title": "The primary offence's title.",
    "primary_category": "The primary offence's category: reports count arrests by it.",
    "primary_category_label": "Label of the primary category.",
    "arrested": "An arrest outcome names this enquiry.",
    "name": "The operation's name.",
    "force": "The force's data.police.uk id.",
    "timezone": "The IANA time zone of its local times and its reports' hours.",
    "starts_at": "Start, in UTC.",
    "ends_at": "End, in UTC.",
    "parent_op_id": "The operation this one is part of.",
    "parent_operation": "The parent operation's name.",
    "sites": "Its sites' names, in order.",
    "child_operations": "How many operations are part of it.",
    "events": "How many events it holds (as stored, corrections included).",
    "target_id": "The event corrected.",
    "target_kind": "Its kind.",
    "action": "replaced or retracted.",
}

# view -> (title, description, facets)
_VIEWS: Final[dict[str, tuple[str, str, list[str]]]] = {
    "operations_readable": (
        "Operations",
        "Every operation, with its parent, its sites, how many operations are part of it and "
        "how many events it holds; start and end in UTC and in local time.",
        [],
    ),
    "anpr_hits_readable": (
        "ANPR hits",
        "Reads that matched a vehicle-of-interest list, the list, the reasons and how many "
        "stops followed.",
        ["site", "hotlist_label", "operation"],
    ),
    "vehicle_stops_readable": (
        "Vehicle stops",
        "Roadside stops, the hit that led to each, and the searches, outcomes and seizures "
        "after it.",
        ["site", "reason_label", "operation"],
    ),
    "searches_readable": (
        "Searches",
        "PACE Code A searches: power, object, drug grounds, ethnicity, and what came of them.",
        ["legislation_label", "object_of_search_label", "self_defined_ethnicity_label", "site"],
    ),
    "outcomes_readable": (
        "Outcomes",
        "Disposals for one person each: arrest, Traffic Offence Report, no further action, "
        "…, with the offences named and the primary (first) one's title and category.",
        ["disposal_label", "primary_category_label", "operation"],
    ),
    "seizures_readable": (
        "Seizures",
        "Drugs, weapons, vehicles (RTA s.165A), cash and other items seized, and where from.",
        ["item_label", "power_label", "operation"],
    ),
    "weapon_sweeps_readable": (
        "Weapon sweeps",
        "Areas searched for hidden weapons, and the seizures each found.",
        ["site", "operation"],
    ),
    "arrest_enquiries_readable": (
        "Arrest enquiries",
        "Wanted people sought: what for, whether high harm, located and arrested.",
        ["high_harm", "located", "arrested"],
    ),
    "patrols_readable": (
        "Patrols",
        "High-visibility patrols, where and for how long.",
        ["site"],
    ),
    "offence_definitions_readable": (
        "Offence definitions",
        "Offence codes this log defines (or redefines) for its reports.",
        [],
    ),
    "corrections_readable": (
        "Corrections",
        "Corrections to the record: which event, replaced or retracted. Every other view shows "
        "the corrected record; the reason given is personal data and is not shown.",
        ["action", "target_kind_label"],
    ),
    "offence_catalogue": (
        "Offence codes",
        "The CJS offence codes anpr_ops knows, with the log's own definitions on top, and the "
        "category and group reports count them under.",
        ["category_label", "offence_group", "defined_by"],
    ),
    "event_log": (
        "Event log",
        "Every stored event as appended (corrections included): kind, operation, time, the "
        "events it corrects or refers to, and its hash.",
        ["kind_label"],
    ),
    "current_events": (
        "Current events",
        "The current (corrected) version of every event, as canonical JSON without personal "
        "values: what the readable views are made from.",
        [],
    ),
}

_TABLES: Final[dict[str, dict[str, Any]]] = {
    "events": {
        "title": "Events: the record",
        "description": "The append-only, hash-chained record: one row per event, its canonical "
        "JSON body (committing to personal values without holding them) and the chain's "
        "hashes. UPDATE and DELETE are refused by the database. Every other table and view is "
        "derived from it.",
    },
    "operations": {"label_column": "name"},
    "anpr_ops_meta": {"hidden": True},
    # The Merkle tree's hashes in 8 KiB blobs: for proofs (docs/proofs.md), not for browsing.
    "merkle_tiles": {"hidden": True},
    "zone_offsets": {
        "title": "Time-zone offsets",
        "description": "Each operation zone's UTC offset from from_utc (UTC) on, over the "
        "operations' span: what the views' *_local columns are computed from.",
    },
}


def _field_notes() -> dict[str, str]:
    """Each event field's own documentation, by name (the first kind that documents it), or
    what its type says of it."""
    notes: dict[str, str] = {}
    for spec in KINDS:
        for name, field in spec.model.model_fields.items():
            if field.description and name not in notes:
                notes[name] = " ".join(field.description.split())
    for spec in KINDS:
        for name, field in spec.model.model_fields.items():
            notes.setdefault(name, _type_note(name, field.annotation))
    return notes


def _type_note(name: str, annotation: Any) -> str:
    text = str(annotation)
    for vocabulary in LABELS:
        if vocabulary.__name__ in text:
            return (
                f"A code of the {vocabulary.__name__} vocabulary (docs: Vocabularies); its label "
                f"is in {name}_label."
            )
    if "tuple" in text:
        return "As recorded: the items joined with commas."
    if "bool" in text:
        return "yes or no, as recorded."
    if "datetime" in text:
        return "In UTC."
    return "As recorded."


def _note(column: str, notes: dict[str, str], plurals: dict[str, str]) -> str | None:
    if column in _COMMON:
        return _COMMON[column]
    if column in notes:
        return notes[column]
    for suffix, text in (
        ("_label", "Label of {}."),
        ("_local", "{} in the operation's local time, with its UTC offset."),
        ("_titles", "Titles of the offence codes in {}."),
    ):
        if column.endswith(suffix):
            return text.format(column.removesuffix(suffix))
    if column in plurals:
        return f"How many current {plurals[column]} refer to it."
    return None


def _columns() -> dict[str, list[str]]:
    """The columns of each view, read from a scratch database with the log's schema."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        for sql in _schema.statements(VIEWS.values()):
            conn.execute(sql)
        return {
            view: [row[1] for row in conn.execute(f"PRAGMA table_info({view})")] for view in VIEWS
        }


def _front_page(name: str) -> str:
    """HTML for the top of the database page: the readable views, in order, as links."""
    items = "".join(
        f'<li><a href="/{html.escape(name)}/{view}">{html.escape(_VIEWS[view][0])}</a>: '
        f"{html.escape(_VIEWS[view][1])}</li>"
        for view in VIEWS
        if view.endswith("_readable") or view == "offence_catalogue"
    )
    return (
        "<p>Start with the readable views: one per kind of event, the corrected record, codes "
        "with labels beside them, times in UTC and in local time.</p>"
        f"<ul>{items}</ul><p>{html.escape(PRIVACY)}</p>"
    )


def metadata(database: str | Path, *, title: str | None = None) -> dict[str, Any]:
    """Datasette metadata for the log file ``database`` (a path, or its name without
    ``.db``, which is what Datasette calls it)."""
    name = Path(database).stem if str(database).endswith(".db") else str(database)
    notes = _field_notes()
    plurals = {spec.plural: spec.plural.replace("_", " ") for spec in KINDS}
    tables: dict[str, Any] = {}
    shapes = _columns()
    for view in VIEWS:
        view_title, description, facets = _VIEWS[view]
        columns = {c: n for c in shapes[view] if (n := _note(c, notes, plurals)) is not None}
        entry: dict[str, Any] = {"title": view_title, "description": description}
        entry["columns"] = columns
        if facets:
            entry["facets"] = facets
        tables[view] = entry
    # SQLite's own table too (made by AUTOINCREMENT): nothing to browse there.
    for table in (*_schema.TABLES, "sqlite_sequence"):
        entry = dict(_TABLES.get(table, {}))
        entry["hidden"] = True
        if table in PRIVATE_TABLES:
            entry["allow"] = False
        tables[table] = entry
    return {
        "title": title or f"anpr_ops log {name}",
        "description": "A record of police ANPR operations kept by anpr_ops. Start with the "
        "*_readable views: one per kind of event, codes with labels beside them. " + PRIVACY,
        "databases": {
            name: {
                "description_html": _front_page(name),
                "allow_sql": False,
                "tables": tables,
            }
        },
    }
