"""The small derived tables: operations, their sites, the log's offence definitions, and the
UTC offsets of the operations' time zones.

They hold the current (corrected) version of the few events that other events are checked
against, so that a reference check is a look-up, and they give Datasette foreign keys to
follow. ``zone_offsets`` lets SQL show local times (SQLite has no time-zone database): for
each zone an operation uses, its offset and every change of it from 1 January of the year
before the earliest such operation starts to the end of the year after the latest one ends (or
starts, when it has no end), clamped to 1901-2200; a time outside that takes the nearest
row's offset. :class:`Projector` collects a batch's changes and writes them in one pass; the
tables are rebuilt from the events alone by :mod:`anpr_ops.store._rebuild`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from anpr_ops._zones import offset_rows
from anpr_ops.offences import CjsClass, Offence, OffenceCategory, builtin_catalogue
from anpr_ops.vocab import DrugClass, EventKind

__all__ = [
    "PROJECTED",
    "REBUILDING",
    "Projector",
    "category_of",
    "chunks",
    "refresh_zones",
    "stored_definitions",
]

#: How a message says to repair derived tables that differ from the events or hold damage.
REBUILDING = "rebuilding the derived tables (OpLog.rebuild(), anpr-ops rebuild)"

#: The kinds whose current versions are kept in a table of their own.
PROJECTED = frozenset({EventKind.OPERATION, EventKind.OFFENCE_DEFINITION})
_CHUNK = 900  # ids per IN (...) query, well under SQLite's variable limit

_INSERT_OPERATION = (
    "INSERT INTO operations (op_id, seq, name, force, timezone, starts_at, ends_at, "
    "parent_op_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_SITE = (
    "INSERT INTO sites (op_id, site_id, position, name, latitude, longitude) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_DEFINITION = (
    "INSERT INTO offence_definitions (code, seq, title, category, statute, section, "
    "cjs_class, drug_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class Projector:
    """Collects the changes a batch makes to the derived tables, then writes them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # seq of the projected event -> its public canonical object (None: remove it)
        self.pending: dict[int, dict[str, Any] | None] = {}
        self.removed: dict[int, str] = {}  # seq of a stored projected event -> its kind

    def add(self, data: dict[str, Any], seq: int) -> None:
        """Project the current version (its public canonical object) of the event at
        ``seq``, if it is of a projected kind."""
        if data["kind"] in PROJECTED:
            self.pending[seq] = data

    def drop(self, seq: int, kind: str, stored: bool) -> None:
        """Forget the projection of the event at ``seq`` (it was corrected or retracted)."""
        if kind not in PROJECTED:
            return
        self.pending.pop(seq, None)
        if stored:
            self.removed[seq] = kind

    def flush(self) -> None:
        """Write what was collected (inside the caller's transaction)."""
        conn = self.conn
        zones: set[str] = set()
        for seq, kind in self.removed.items():
            if kind == EventKind.OPERATION:
                zones.update(
                    zone
                    for (zone,) in conn.execute(
                        "SELECT timezone FROM operations WHERE seq = ?", (seq,)
                    )
                )
                conn.execute(
                    "DELETE FROM sites WHERE op_id = (SELECT op_id FROM operations WHERE seq = ?)",
                    (seq,),
                )
                conn.execute("DELETE FROM operations WHERE seq = ?", (seq,))
            else:
                conn.execute("DELETE FROM offence_definitions WHERE seq = ?", (seq,))
        self.removed.clear()
        for seq, data in sorted(self.pending.items()):
            if data is None:
                continue
            if data["kind"] == EventKind.OPERATION:
                zones.add(data.get("timezone", "Europe/London"))
                conn.execute(
                    _INSERT_OPERATION,
                    (
                        data["op_id"],
                        seq,
                        data["name"],
                        data["force"],
                        data.get("timezone", "Europe/London"),
                        data["starts_at"],
                        data.get("ends_at"),
                        data.get("parent_op_id"),
                    ),
                )
                conn.executemany(
                    _INSERT_SITE,
                    [
                        (data["op_id"], site["site_id"], position, site["name"],
                         site.get("latitude"), site.get("longitude"))
                        for position, site in enumerate(data.get("sites", ()))
                    ],
                )  # fmt: skip
            else:
                conn.execute(
                    _INSERT_DEFINITION,
                    (
                        data["code"],
                        seq,
                        data["title"],
                        data["category"],
                        data.get("statute"),
                        data.get("section"),
                        data.get("cjs_class"),
                        data.get("drug_class"),
                    ),
                )
        self.pending.clear()
        if zones:
            refresh_zones(conn, zones)


#: The years ``zone_offsets`` may cover (a time outside takes the nearest row's offset).
_FIRST_YEAR, _LAST_YEAR = 1901, 2200


def refresh_zones(conn: sqlite3.Connection, zones: set[str]) -> None:
    """Write again the ``zone_offsets`` rows of each of ``zones`` from the operations now in
    the log (none, for a zone no operation uses any more)."""
    for zone in sorted(zones):
        conn.execute("DELETE FROM zone_offsets WHERE zone = ?", (zone,))
        first, last = conn.execute(
            "SELECT min(substr(starts_at, 1, 4)), max(substr(coalesce(ends_at, starts_at), 1, 4)) "
            "FROM operations WHERE timezone = ?",
            (zone,),
        ).fetchone()
        if first is None:
            continue
        lo = min(max(int(first) - 1, _FIRST_YEAR), _LAST_YEAR)
        hi = max(min(int(last) + 1, _LAST_YEAR), lo)
        conn.executemany(
            "INSERT INTO zone_offsets (zone, from_utc, utc_offset, seconds) VALUES (?, ?, ?, ?)",
            [(zone, *row) for row in offset_rows(ZoneInfo(zone), lo, hi)],
        )


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``items`` in slices small enough for one ``IN (...)`` query each."""
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def stored_definitions(conn: sqlite3.Connection) -> dict[str, Offence]:
    """The log's own offence definitions, by code."""
    rows = conn.execute(
        "SELECT d.code, d.title, d.category, d.statute, d.section, d.cjs_class, d.drug_class, "
        "e.event_id FROM offence_definitions d JOIN events e ON e.seq = d.seq"
    )
    return {
        code: Offence(
            code=code,
            title=title,
            category=OffenceCategory(category),
            statute=statute,
            section=section,
            cjs_class=CjsClass(cjs) if cjs else None,
            drug_class=DrugClass(drug) if drug else None,
            defined_by=event_id,
        )
        for code, title, category, statute, section, cjs, drug, event_id in rows
    }


def category_of(conn: sqlite3.Connection) -> Callable[[str], str]:
    """The category of an offence code: the log's definition, else the catalogue's."""
    definitions = stored_definitions(conn)
    catalogue = builtin_catalogue()

    def category(code: str) -> str:
        offence = definitions.get(code) or catalogue.get(code)
        return offence.category.value if offence else OffenceCategory.OTHER.value

    return category
