"""Projections: the per-kind tables of the current (corrected) state, one row per live event.

:func:`project` turns an event's canonical object into its rows; :class:`Projector` collects
a batch's changes and writes them in one pass per table. The tables are rebuilt from the
events alone by :mod:`anpr_ops.store._rebuild`.
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from anpr_ops import _schema
from anpr_ops.events import KINDS, left_out
from anpr_ops.offences import CjsClass, Offence, OffenceCategory
from anpr_ops.vocab import DrugClass, EventKind

__all__ = [
    "KIND_TABLES",
    "Projector",
    "chunks",
    "project",
    "stored_definitions",
]

# A kind's list fields live in child tables, one row per item.
_CHILD_TABLES: dict[str, tuple[str, ...]] = {
    "operations": ("sites",),
    "anpr_hits": ("anpr_hit_reasons",),
    "outcomes": ("outcome_offences",),
    "arrest_enquiries": ("arrest_enquiry_offences",),
}
#: The tables each kind projects into; the first is the kind's own table.
KIND_TABLES: dict[str, tuple[str, ...]] = {
    spec.kind.value: (spec.plural, *_CHILD_TABLES.get(spec.plural, ())) for spec in KINDS
}
_OWNER_COLUMN = {"sites": "op_seq"}
_INSERT = {table.name: table.insert_sql() for table in _schema.DERIVED}
_CHUNK = 900  # ids per IN (...) query, well under SQLite's variable limit

Category = Callable[[str], str]


def _kind_plan(
    kind: EventKind,
) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]], dict[str, Any]]:
    """A kind's table, a getter of its column values (after ``seq``) and its full defaults."""
    table = _schema.DERIVED_BY_NAME[KIND_TABLES[kind][0]]
    columns = table.column_names[1:]
    model = next(spec.model for spec in KINDS if spec.kind == kind)
    defaults = dict.fromkeys(columns) | left_out(model)
    return table.name, operator.itemgetter(*columns), defaults


_PLANS = {kind.value: _kind_plan(kind) for kind in EventKind}


def project(
    data: dict[str, Any], seq: int, category: Category, target_seq: int | None = None
) -> list[tuple[str, tuple[Any, ...]]]:
    """The derived rows of one (current) event, from its canonical object, projected at ``seq``.

    The canonical object already holds UTC text, vocabulary strings and plates as stored;
    fields it leaves out take the model's default. Booleans go in as 0/1.
    """
    kind = data["kind"]
    table, columns, defaults = _PLANS[kind]
    values = defaults | data
    if kind == "outcome":
        codes = values["offences"]
        if codes:
            values["primary_offence"] = codes[0]
            values["primary_category"] = category(codes[0])
        elif values["offences_unknown"]:
            values["primary_category"] = OffenceCategory.UNKNOWN.value
    elif kind == "correction":
        values["target_seq"] = target_seq
        values["action"] = "retract" if values["retract"] else "replace"
    rows: list[tuple[str, tuple[Any, ...]]] = [(table, (seq, *columns(values)))]
    if kind == "anpr_hit":
        rows += [("anpr_hit_reasons", (seq, reason)) for reason in data["reasons"]]
    elif kind == "outcome":
        rows += [
            ("outcome_offences", (seq, i, code, category(code)))
            for i, code in enumerate(values["offences"])
        ]
    elif kind == "operation":
        rows += [
            ("sites", (data["op_id"], site["site_id"], seq, site["name"],
                       site.get("latitude"), site.get("longitude")))
            for site in values["sites"]
        ]  # fmt: skip
    elif kind == "arrest_enquiry":
        rows += [
            ("arrest_enquiry_offences", (seq, i, code, category(code)))
            for i, code in enumerate(data["wanted_for"])
        ]
    return rows


class Projector:
    """Collects the projection changes of a batch, then writes them in one pass per table."""

    def __init__(self, conn: sqlite3.Connection, category: Category) -> None:
        self.conn = conn
        self.category = category
        self.pending: dict[int, list[tuple[str, tuple[Any, ...]]]] = {}
        self.deletes: dict[int, str] = {}  # seq of a stored event -> its kind
        self.changed_codes: set[str] = set()

    def add(self, data: dict[str, Any], seq: int, target_seq: int | None = None) -> None:
        """Project the (current version of the) event at ``seq``."""
        self.pending[seq] = project(data, seq, self.category, target_seq)
        if data["kind"] == EventKind.OFFENCE_DEFINITION:
            self.changed_codes.add(data["code"])

    def drop(self, seq: int, kind: str, stored: bool) -> None:
        """Forget the projection of the event at ``seq`` (it was corrected or retracted)."""
        self.pending.pop(seq, None)
        if stored:
            self.deletes[seq] = kind

    def flush(self) -> None:
        """Write what was collected (inside the caller's transaction)."""
        conn = self.conn
        if self.deletes:
            for table, column in _delete_plan(self.deletes):
                seqs = [(seq,) for seq, kind in self.deletes.items() if table in KIND_TABLES[kind]]
                conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", seqs)
            self.deletes.clear()
        grouped: dict[str, list[tuple[Any, ...]]] = {}
        for rows in self.pending.values():
            for table, row in rows:
                grouped.setdefault(table, []).append(row)
        for table, rows in grouped.items():
            conn.executemany(_INSERT[table], rows)
        self.pending.clear()
        if not self.changed_codes:
            return
        for code in sorted(self.changed_codes):
            category = self.category(code)
            conn.execute(
                "UPDATE outcome_offences SET category = ? WHERE code = ?", (category, code)
            )
            conn.execute(
                "UPDATE arrest_enquiry_offences SET category = ? WHERE code = ?", (category, code)
            )
            conn.execute(
                "UPDATE outcomes SET primary_category = ? WHERE primary_offence = ?",
                (category, code),
            )
        self.changed_codes.clear()


def _delete_plan(deletes: Mapping[int, str]) -> list[tuple[str, str]]:
    tables = {table for kind in set(deletes.values()) for table in KIND_TABLES[kind]}
    return [(table, _OWNER_COLUMN.get(table, "seq")) for table in sorted(tables)]


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``items`` in slices small enough for one ``IN (...)`` query each."""
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def stored_definitions(conn: sqlite3.Connection) -> dict[str, Offence]:
    """The log's own offence definitions, by code."""
    rows = conn.execute(
        "SELECT code, title, category, statute, section, cjs_class, drug_class, event_id "
        "FROM offence_definitions"
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
