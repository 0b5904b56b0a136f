"""Datasette metadata for a log: titles, descriptions, column notes and facets.

``anpr-ops datasette-metadata DB`` prints it; ``datasette DB --metadata FILE`` shows it. The
views it describes are in :mod:`anpr_ops.store._views`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any, Final

from anpr_ops import _schema
from anpr_ops.store._views import VIEWS

__all__ = ["PRIVACY", "metadata"]

PRIVACY: Final = (
    "This log holds personal data: number plates, subject references, officer ids and free "
    "notes are shown as recorded. Serve it only on this machine or to people entitled to "
    "see the record; never publish it. For publication use anpr-ops report or anpr-ops "
    "export police-uk, which carry no plates or names."
)

_COMMON: Final = {
    "seq": "Position of the event in the log (the hash chain's order).",
    "event_id": "The event's id in the log and in JSON Lines exports.",
    "op_id": "The operation the event belongs to.",
    "operation": "The operation's name.",
    "occurred_at": "When it happened, in UTC (RFC 3339).",
    "site_id": "The site's id within its operation.",
    "site": "The site's name.",
    "officer_id": "Officer who recorded it (personal data).",
    "notes": "Free text as recorded (may hold personal data).",
    "vrm": "Number plate, normalised, as recorded (personal data).",
    "vrm_country": "Country of a foreign plate (ISO 3166-1).",
    "subject_ref": "Reference of the person (personal data).",
    "latitude": "Latitude (WGS 84).",
    "longitude": "Longitude (WGS 84).",
}

# view -> (title, description, {column: note}, facets)
_VIEWS: Final[dict[str, tuple[str, str, dict[str, str], list[str]]]] = {
    "offence_catalogue": (
        "Offence codes",
        "The CJS offence codes anpr_ops knows, with the log's own definitions on top, and the "
        "category and group reports count them under.",
        {
            "category": "Rollup category (docs: Offences).",
            "offence_group": "Headline group of the category.",
            "defined_by": "The packaged catalogue, or the offence_definition event of this log.",
        },
        ["category_label", "offence_group", "defined_by"],
    ),
    "operations_readable": (
        "Operations",
        "Every operation, with its parent, its sites and how many operations are part of it.",
        {
            "starts_at": "Start, in UTC.",
            "ends_at": "End, in UTC.",
            "timezone": "Zone of its reports' local hours.",
        },
        [],
    ),
    "anpr_hits_readable": (
        "ANPR hits",
        "Reads that matched a vehicle-of-interest list, with the list, the reasons and how "
        "many stops followed.",
        {
            "raw_vrm": "The plate as the camera read it, when it was corrected for O/0 or I/1.",
            "reasons": "Why the vehicle is on the list (a hit may have several).",
            "confidence": "The camera's confidence in the read, 0-100.",
            "stops": "Vehicle stops that name this hit.",
        },
        ["site", "hotlist_label", "operation"],
    ),
    "vehicle_stops_readable": (
        "Vehicle stops",
        "Roadside stops, the hit that led to each, and the searches and outcomes after it.",
        {
            "hit_id": "The ANPR hit that led to the stop, if any.",
            "searches": "Searches that name this stop.",
            "outcomes": "Disposals recorded against the stop itself.",
        },
        ["site", "reason_label", "operation"],
    ),
    "searches_readable": (
        "Searches",
        "PACE Code A searches with the power, the object, the grounds and what came of them.",
        {
            "stop_id": "The vehicle stop the search followed, if any.",
            "site_id": "The search's own site, or its stop's.",
            "grounds": "The grounds for the search, as recorded (may hold personal data).",
            "vrm_unknown": "The source of the record did not keep the plate.",
            "self_defined_ethnicity": "As the person defined it (census code).",
            "officer_defined_ethnicity": "As the officer perceived it.",
            "outcome_linked_to_object": "Was the outcome linked to the object of the search?",
            "outcomes": "Disposals recorded after the search.",
            "seizures": "Seizures recorded from the search.",
        },
        ["legislation_label", "object_of_search_label", "self_defined_ethnicity_label", "site"],
    ),
    "outcomes_readable": (
        "Outcomes",
        "Disposals for one person each: arrest, Traffic Offence Report, no further action, "
        "…, with the offences named, the primary (first) one's title and category.",
        {
            "after": "What the outcome follows: a search, a stop or an arrest enquiry.",
            "after_id": "The event it follows.",
            "site": "The site of the search or stop it follows.",
            "primary_offence": "The first (most serious) offence code.",
            "primary_category": "The primary offence's category: reports count arrests by it.",
            "offences": "Every offence code, most serious first.",
            "offences_unknown": "The source recorded no offence codes.",
        },
        ["disposal_label", "primary_category_label", "operation"],
    ),
    "seizures_readable": (
        "Seizures",
        "Drugs, weapons, vehicles (RTA s.165A), cash and other items seized, and where from.",
        {
            "found_in": "What the seizure came from: a search, a stop or a weapon sweep.",
            "found_in_id": "The event it came from.",
            "quantity": "As recorded, e.g. 14 wraps.",
            "vrm": "The seized vehicle's plate (vehicles only; personal data).",
        },
        ["item_label", "power_label", "operation"],
    ),
    "weapon_sweeps_readable": (
        "Weapon sweeps",
        "Areas searched for hidden weapons, and what each found.",
        {
            "location": "The place, when it is not one of the operation's sites (free text; "
            "personal data, so not shown: listed in personal_fields).",
            "finds": "Seizures that name the sweep.",
        },
        ["site", "operation"],
    ),
    "arrest_enquiries_readable": (
        "Arrest enquiries",
        "Wanted people sought: what for, whether high harm, located and arrested.",
        {
            "wanted_for": "CJS codes the person is wanted for (e.g. BA76001 failing to surrender).",
            "underlying_offence_category": "The category of the offence behind the warrant.",
            "arrested": "An arrest outcome names this enquiry.",
        },
        ["high_harm", "located", "arrested"],
    ),
    "patrols_readable": (
        "Patrols",
        "High-visibility patrols, where and for how long.",
        {"ends_at": "End of the patrol, in UTC.", "minutes": "Length of the patrol."},
        ["site"],
    ),
    "corrections_readable": (
        "Corrections",
        "Corrections to the record: which event, replaced or retracted, and why. Every other "
        "view shows the corrected record.",
        {"target_id": "The event corrected.", "target_kind": "Its kind."},
        ["action", "target_kind"],
    ),
}

_TABLES: Final[dict[str, dict[str, Any]]] = {
    "events": {
        "title": "Events: the record",
        "description": "The append-only, hash-chained record: one row per event, its canonical "
        "JSON body, and the chain's hashes. UPDATE and DELETE are refused by the database. "
        "Every other table and view is derived from it.",
    },
    "event_log": {
        "title": "Event log",
        "description": "The events with kind, operation and time taken out of each body.",
    },
    "operations": {"label_column": "name"},
    "anpr_ops_meta": {"hidden": True},
    # The Merkle tree's hashes in 8 KiB blobs: for proofs (docs/proofs.md), not for browsing.
    "merkle_tiles": {"hidden": True},
}


def _columns() -> dict[str, list[str]]:
    """The columns of each view, read from a scratch database with the log's schema."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        for sql in _schema.statements(VIEWS.values()):
            conn.execute(sql)
        return {
            view: [row[1] for row in conn.execute(f"PRAGMA table_info({view})")] for view in VIEWS
        }


def metadata(database: str | Path, *, title: str | None = None) -> dict[str, Any]:
    """Datasette metadata for the log file ``database`` (a path, or its name without
    ``.db``, which is what Datasette calls it)."""
    name = Path(database).stem if str(database).endswith(".db") else str(database)
    tables: dict[str, Any] = {}
    shapes = _columns()
    for view in VIEWS:
        view_title, description, columns, facets = _VIEWS[view]
        have = shapes[view]
        notes = {c: n for c, n in {**_COMMON, **columns}.items() if c in have}
        entry: dict[str, Any] = {
            "title": view_title,
            "description": description,
            "columns": notes,
        }
        if facets:
            entry["facets"] = facets
        tables[view] = entry
    tables.update(_TABLES)
    return {
        "title": title or f"anpr_ops log {name}",
        "description": "A record of police ANPR operations kept by anpr_ops. Start with the "
        "*_readable views: one per kind of event, codes with labels beside them. " + PRIVACY,
        "databases": {name: {"description": PRIVACY, "tables": tables}},
    }
