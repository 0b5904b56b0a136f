"""Readable SQL views of a log, for people browsing it in Datasette or the sqlite3 shell.

``current_events`` gives the current (corrected) version of every event; one view per kind
(``searches_readable``, ``outcomes_readable``, …) spreads it into columns: the operation's and
the site's names beside their ids, a label beside every code (``legislation`` and
``legislation_label``), yes/no for booleans, lists joined into one cell, the site each event
counts at (its own, or that of what it refers to), how many current events refer to it (a
hit's ``vehicle_stops``, a search's ``outcomes`` and their ``disposals``), and every time also
in the operation's local time (``occurred_at_local``, ``2020-04-18T10:12:00+01:00``), read from
the ``zone_offsets`` table, since SQLite has no time-zone database. ``corrections_readable``
lists the corrections; ``offence_catalogue`` the packaged offence codes with the log's own
definitions on top; ``event_log`` every stored event as appended.

The views show **no personal values** (plates, subject references, officer ids, free text):
those are kept apart from the events and are read only through the library, which records
every such read. A view lists, in ``personal_fields``, which personal fields an event holds.
The columns are generated here from the event models, the vocabulary labels and the site rule,
so they cannot drift from the code; the readable views come first, so that Datasette lists
them first.

Views are schema objects: they hold no data and change no event. The schema check on opening a
log compares them too, so a file whose views were altered is refused (``anpr-ops views`` writes
this version's views into a log whose tables and guards are intact).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import types
import typing
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from anpr_ops.events import KINDS, SITE_VIA, personal_fields, references, referrers
from anpr_ops.offences import (
    CATEGORY_GROUP,
    CATEGORY_LABELS,
    OffenceCategory,
    OffenceCode,
    builtin_catalogue,
)
from anpr_ops.vocab import LABELS, Disposal, EventKind

__all__ = ["VIEWS", "create_views", "install", "local_time_sql", "missing_views"]


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _case(column: str, labels: Mapping[str, str]) -> str:
    """``CASE column WHEN 'code' THEN 'Label' … ELSE column END``."""
    whens = " ".join(f"WHEN {_text(str(k))} THEN {_text(v)}" for k, v in labels.items())
    return f"CASE {column} {whens} ELSE {column} END"


_CATEGORY = {str(k): v for k, v in CATEGORY_LABELS.items()}
_GROUP = {str(k): str(v) for k, v in CATEGORY_GROUP.items()}
_KIND_LABEL = {str(k): v.lower() for k, v in LABELS[EventKind].items()}
_DISPOSAL = {str(k): v for k, v in LABELS[Disposal].items()}
_BASE = frozenset({"kind", "event_id", "op_id", "occurred_at"})
_PLURAL = {spec.kind: spec.plural for spec in KINDS}


def local_time_sql(column: str, zone: str) -> str:
    """SQL for the UTC time ``column`` (stored UTC text) as local time with its offset in the
    IANA zone ``zone`` (a SQL expression), ``2020-04-18T10:12:00+01:00``, from
    ``zone_offsets``; NULL when ``column`` is."""
    # Whole seconds: SQLite would round a fraction to the millisecond, Python truncates.
    return (
        f"(SELECT strftime('%Y-%m-%dT%H:%M:%S', substr({column}, 1, 19), z.seconds || ' seconds') "
        f"|| z.utc_offset FROM zone_offsets z WHERE z.zone = {zone} "
        f"AND z.from_utc <= substr({column}, 1, 19) ORDER BY z.from_utc DESC LIMIT 1)"
    )


def _catalogue_rows() -> str:
    rows = []
    for offence in builtin_catalogue().values():
        values = (
            offence.code,
            offence.title,
            str(offence.category),
            offence.statute,
            offence.section,
            str(offence.cjs_class) if offence.cjs_class else None,
            str(offence.drug_class) if offence.drug_class else None,
        )
        rows.append("(" + ", ".join("NULL" if v is None else _text(v) for v in values) + ")")
    return ",\n        ".join(rows)


def _inner(annotation: Any) -> Any:
    """The annotation without ``| None`` and without ``Annotated`` metadata."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        return _inner(typing.get_args(annotation)[0])
    return annotation


def _value(name: str, default: Any) -> str:
    """SQL for field ``name`` of the current body; the canonical form leaves defaults out, so
    a field at its default reads as the default."""
    value = f"json_extract(x.body, '$.{name}')"
    if isinstance(default, bool):
        return f"coalesce({value}, {int(default)})"
    if isinstance(default, int | str) and default != "":
        literal = str(default) if isinstance(default, int) else _text(str(default))
        return f"coalesce({value}, {literal})"
    return value


def _labels(annotation: Any) -> dict[str, str] | None:
    """The labels of the vocabulary a field (or a list field's items) holds, if any."""
    inner = _inner(annotation)
    if isinstance(inner, type) and issubclass(inner, StrEnum):
        if inner is OffenceCategory:
            return _CATEGORY
        if inner in LABELS:
            return {str(k): v for k, v in LABELS[inner].items()}
    return None


def _item(annotation: Any) -> Any | None:
    """The item type of a list field (``tuple[X, ...]``), or ``None``."""
    inner = _inner(annotation)
    if typing.get_origin(inner) is tuple:
        return typing.get_args(inner)[0]
    return None


def _site_of(kind: EventKind, alias: str) -> str:
    """SQL for the site an event of ``kind`` (row ``alias`` of current_events) counts at."""
    model = next(spec.model for spec in KINDS if spec.kind == kind)
    terms = [f"json_extract({alias}.body, '$.site_id')"] if "site_id" in model.model_fields else []
    for number, field in enumerate(SITE_VIA.get(kind, ()), start=1):
        target = references(model)[field]
        inner = f"{alias}{number}"
        terms.append(
            f"(SELECT {_site_of(target, inner)} FROM current_events {inner} "
            f"WHERE {inner}.event_id = json_extract({alias}.body, '$.{field}'))"
        )
    if not terms:
        return "NULL"
    return terms[0] if len(terms) == 1 else f"coalesce({', '.join(terms)})"


def _dependants(kind: EventKind, alias: str) -> str:
    """FROM … WHERE … of the current events of ``kind`` that refer to row ``alias``: stored
    events whose reference (``ref_seq``, indexed) is that row, as appended or as the latest
    correction replaced them; ``d.current`` is the current body."""
    return (
        "FROM (SELECT CASE WHEN d.kind = 'correction' THEN json_extract(d.body, '$.replacement') "
        "ELSE d.body END AS current FROM events d "
        f"WHERE d.ref_seq = {alias}.seq "
        "AND NOT EXISTS (SELECT 1 FROM events k "
        "WHERE k.target_seq = coalesce(d.target_seq, d.seq) AND k.seq > d.seq) "
        f"AND coalesce(json_extract(d.body, '$.replacement.kind'), d.kind) = {_text(kind)}) d"
    )


def _field_columns(kind: EventKind, model: Any) -> list[str]:
    """The model's own (public) fields, with labels, yes/no, joined lists and local times."""
    columns: list[str] = []
    personal = set(personal_fields(model))
    for name, field in model.model_fields.items():
        if name in _BASE or name in personal or name in {"site_id", "replacement", "sites"}:
            continue
        value = _value(name, field.default)
        annotation = field.annotation
        item = _item(annotation)
        if item is not None:
            each = "SELECT value FROM json_each(x.body, " + _text(f"$.{name}") + ")"
            columns.append(f"(SELECT group_concat(value, ', ') FROM ({each})) AS {name}")
            labels = _labels(item)
            if labels is not None:
                label = _case("value", labels)
                columns.append(
                    f"(SELECT group_concat({label}, '; ') FROM ({each})) AS {name}_label"
                )
            elif item == OffenceCode:
                columns.append(
                    f"(SELECT group_concat(c.title, '; ') FROM ({each}) v "
                    f"JOIN offence_catalogue c ON c.code = v.value) AS {name}_titles"
                )
            continue
        if _inner(annotation) is bool:
            columns.append(f"CASE {value} WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS {name}")
            continue
        columns.append(f"{value} AS {name}")
        labels = _labels(annotation)
        if labels is not None:
            columns.append(f"{_case(value, labels)} AS {name}_label")
        if _inner(annotation) is dt.datetime:
            columns.append(f"{local_time_sql(value, 'op.timezone')} AS {name}_local")
    return columns


def _extra_columns(kind: EventKind, model: Any) -> list[str]:
    """What a reader wants beside the fields: where an event comes from, what refers to it,
    an outcome's primary offence, a patrol's length."""
    columns: list[str] = []
    sources = list(references(model))
    if len(sources) > 1:
        # An outcome follows a search, a stop or an enquiry; a seizure comes from one.
        name = "found_in" if kind == EventKind.SEIZURE else "after"
        whens = " ".join(
            f"WHEN json_extract(x.body, '$.{field}') IS NOT NULL "
            f"THEN {_text(_KIND_LABEL[references(model)[field]])}"
            for field in sources
        )
        ids = ", ".join(f"json_extract(x.body, '$.{field}')" for field in sources)
        columns += [f"CASE {whens} END AS {name}", f"coalesce({ids}) AS {name}_id"]
    if kind == EventKind.OUTCOME:
        # The category reports count an arrest under: its first code's, "other" for a code
        # neither catalogued nor defined, "unknown" when the source recorded no codes.
        first = "json_extract(x.body, '$.offences[0]')"
        category = (
            f"CASE WHEN {first} IS NOT NULL THEN coalesce((SELECT c.category FROM "
            f"offence_catalogue c WHERE c.code = {first}), 'other') WHEN "
            "json_extract(x.body, '$.offences_unknown') = 1 THEN 'unknown' END"
        )
        columns += [
            f"{first} AS primary_offence",
            f"(SELECT c.title FROM offence_catalogue c WHERE c.code = {first}) "
            "AS primary_offence_title",
            f"{category} AS primary_category",
            f"{_case(f'({category})', _CATEGORY)} AS primary_category_label",
        ]
    if "ends_at" in model.model_fields and kind != EventKind.OPERATION:
        columns.append(
            "CAST(round((julianday(json_extract(x.body, '$.ends_at')) - julianday(x.occurred_at))"
            " * 1440) AS INTEGER) AS minutes"
        )
    for dependant, _field in referrers(kind):
        if dependant == EventKind.CORRECTION:
            continue
        plural = _PLURAL[dependant]
        columns.append(f"(SELECT count(*) {_dependants(dependant, 'x')}) AS {plural}")
        if dependant == EventKind.OUTCOME:
            disposal = _case("json_extract(d.current, '$.disposal')", _DISPOSAL)
            columns.append(f"(SELECT group_concat({disposal}, '; ') {_dependants(dependant, 'x')})"
                           " AS disposals")  # fmt: skip
            if kind == EventKind.ARREST_ENQUIRY:
                columns.append(
                    f"CASE WHEN EXISTS (SELECT 1 {_dependants(dependant, 'x')} WHERE "
                    "json_extract(d.current, '$.disposal') = 'arrest') THEN 'yes' ELSE 'no' END "
                    "AS arrested"
                )
    return columns


def _kind_view(kind: EventKind, plural: str, model: Any) -> str:
    columns = [
        "x.seq",
        "x.event_id",
        "x.op_id",
        "op.name AS operation",
        "x.occurred_at",
        f"{local_time_sql('x.occurred_at', 'op.timezone')} AS occurred_at_local",
    ]
    site = _site_of(kind, "x")
    if site != "NULL":
        columns.append(f"{site} AS site_id")
        columns.append(
            f"(SELECT s.name FROM sites s WHERE s.op_id = x.op_id AND s.site_id = {site}) AS site"
        )
    columns += _field_columns(kind, model)
    columns += _extra_columns(kind, model)
    columns.append("json_extract(x.body, '$.personal.fields') AS personal_fields")
    columns.append("x.corrected_by")
    body = ",\n    ".join(columns)
    return (
        f"CREATE VIEW {plural}_readable AS\nSELECT {body}\n"
        f"FROM current_events x LEFT JOIN operations op ON op.op_id = x.op_id\n"
        f"WHERE x.kind = {_text(kind.value)}"
    )


_CURRENT = """CREATE VIEW current_events AS
SELECT e.seq, e.event_id, e.kind, e.op_id, e.occurred_at,
    CASE WHEN c.seq IS NULL THEN e.body ELSE json_extract(c.body, '$.replacement') END AS body,
    c.event_id AS corrected_by
FROM events e
LEFT JOIN events c ON c.seq = (SELECT max(k.seq) FROM events k WHERE k.target_seq = e.seq)
WHERE e.kind <> 'correction' AND (c.seq IS NULL OR json_extract(c.body, '$.retract') IS NOT 1)"""

_EVENT_LOG = f"""CREATE VIEW event_log AS
SELECT seq, event_id, kind, {_case("kind", {str(k): v for k, v in LABELS[EventKind].items()})}
    AS kind_label, op_id, occurred_at, target_seq, ref_seq,
    json_extract(body, '$.personal.fields') AS personal_fields, hash
FROM events"""

_CATALOGUE = f"""CREATE VIEW offence_catalogue AS
SELECT d.code, d.title, d.category, {_case("d.category", _CATEGORY)} AS category_label,
    {_case("d.category", _GROUP)} AS offence_group, d.statute, d.section, d.cjs_class,
    d.drug_class, 'this log (' || e.event_id || ')' AS defined_by
FROM offence_definitions d JOIN events e ON e.seq = d.seq
UNION ALL
SELECT column1, column2, column3, {_case("column3", _CATEGORY)},
    {_case("column3", _GROUP)}, column4, column5, column6, column7, 'anpr_ops catalogue'
FROM (VALUES
        {_catalogue_rows()}
    )
WHERE column1 NOT IN (SELECT code FROM offence_definitions)"""

_OPERATIONS = f"""CREATE VIEW operations_readable AS
SELECT o.op_id, o.name, o.force, o.timezone, o.starts_at,
    {local_time_sql("o.starts_at", "o.timezone")} AS starts_at_local, o.ends_at,
    {local_time_sql("o.ends_at", "o.timezone")} AS ends_at_local, o.parent_op_id,
    p.name AS parent_operation,
    (SELECT group_concat(name, ', ') FROM (SELECT s.name FROM sites s WHERE s.op_id = o.op_id
        ORDER BY s.position)) AS sites,
    (SELECT count(*) FROM operations c WHERE c.parent_op_id = o.op_id) AS child_operations,
    (SELECT count(*) FROM events e WHERE e.op_id = o.op_id) AS events,
    o.seq
FROM operations o LEFT JOIN operations p ON p.op_id = o.parent_op_id"""

_CORRECTIONS = f"""CREATE VIEW corrections_readable AS
SELECT k.seq, k.event_id, k.op_id, op.name AS operation, k.occurred_at,
    {local_time_sql("k.occurred_at", "op.timezone")} AS occurred_at_local,
    t.event_id AS target_id, t.kind AS target_kind, {_case("t.kind", _KIND_LABEL)}
    AS target_kind_label,
    CASE WHEN json_extract(k.body, '$.retract') = 1 THEN 'retracted' ELSE 'replaced' END
    AS action,
    json_extract(k.body, '$.personal.fields') AS personal_fields
FROM events k JOIN events t ON t.seq = k.target_seq
LEFT JOIN operations op ON op.op_id = k.op_id
WHERE k.kind = 'correction'"""

#: name -> CREATE VIEW statement, in the order they are created: the readable views first
#: (Datasette lists views in that order), the views they read from last.
VIEWS: Final[dict[str, str]] = {
    "operations_readable": _OPERATIONS,
    **{
        f"{spec.plural}_readable": _kind_view(spec.kind, spec.plural, spec.model)
        for spec in KINDS
        if spec.kind not in {EventKind.OPERATION, EventKind.CORRECTION}
    },
    "corrections_readable": _CORRECTIONS,
    "offence_catalogue": _CATALOGUE,
    "event_log": _EVENT_LOG,
    "current_events": _CURRENT,
}


def create_views(conn: sqlite3.Connection) -> None:
    """Create (or re-create, as this version writes them) every view, in the caller's
    transaction; views this version does not write are dropped."""
    found = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
    for name in found:
        conn.execute(f'DROP VIEW IF EXISTS "{name}"')
    for sql in VIEWS.values():
        conn.execute(sql)


def missing_views(conn: sqlite3.Connection) -> list[str]:
    """The views of :data:`VIEWS` the file does not have."""
    have = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    return [name for name in VIEWS if name not in have]


def install(path: Path, *, busy_timeout: float = 30.0) -> list[str]:
    """Write this version's views into the log file at ``path``; return the ones it lacked.

    The caller checks first that ``path`` is a log whose tables and guards are intact; this
    only writes views, in one transaction, and touches no table.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            missing = missing_views(conn)
            create_views(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return missing
