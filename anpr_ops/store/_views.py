"""Readable SQL views of a log, for people browsing it in Datasette or the sqlite3 shell.

``current_events`` gives the current (corrected) version of every event; one view per kind
(``searches_readable``, ``outcomes_readable``, …) spreads it into columns: the operation's and
the site's names beside their ids, a label beside every code (``legislation`` and
``legislation_label``), yes/no for booleans, and the site each event counts at (its own, or
that of what it refers to). ``offence_catalogue`` lists the packaged offence codes with the
log's own definitions on top.

The views show **no personal values**: those are kept apart from the events and are read only
through the library, which records every such read. A view lists, in ``personal_fields``, which
personal fields an event holds. The columns are generated here from the event models, the
vocabulary labels and the site rule, so they cannot drift from the code.

Views are schema objects: they hold no data and change no event. The schema check on opening a
log compares them too, so a file whose views were altered is refused.
"""

from __future__ import annotations

import sqlite3
import types
import typing
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from anpr_ops.events import KINDS, SITE_VIA, personal_fields, references
from anpr_ops.offences import CATEGORY_GROUP, CATEGORY_LABELS, builtin_catalogue
from anpr_ops.vocab import LABELS, EventKind

__all__ = ["VIEWS", "create_views", "install", "missing_views"]


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _case(column: str, labels: Mapping[str, str]) -> str:
    """``CASE column WHEN 'code' THEN 'Label' … ELSE column END``."""
    whens = " ".join(f"WHEN {_text(str(k))} THEN {_text(v)}" for k, v in labels.items())
    return f"CASE {column} {whens} ELSE {column} END"


_CATEGORY = {str(k): v for k, v in CATEGORY_LABELS.items()}
_GROUP = {str(k): str(v) for k, v in CATEGORY_GROUP.items()}
_BASE = frozenset({"kind", "event_id", "op_id", "occurred_at"})


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


def _vocabulary(annotation: Any) -> type[StrEnum] | None:
    """The vocabulary (a labelled StrEnum) a field's annotation holds, if any."""
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return annotation if annotation in LABELS else None
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            found = _vocabulary(arg)
            if found is not None:
                return found
    return None


def _is_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    return any(arg is bool for arg in typing.get_args(annotation))


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


def _kind_view(kind: EventKind, plural: str, model: Any) -> str:
    columns = [
        "x.seq",
        "x.event_id",
        "x.op_id",
        "op.name AS operation",
        "x.occurred_at",
    ]
    site = _site_of(kind, "x") if kind != EventKind.OPERATION else "NULL"
    if site != "NULL":
        columns.append(f"{site} AS site_id")
        columns.append(
            f"(SELECT s.name FROM sites s WHERE s.op_id = x.op_id AND s.site_id = {site}) AS site"
        )
    personal = set(personal_fields(model))
    for name, field in model.model_fields.items():
        if name in _BASE or name in personal or name in {"site_id", "replacement"}:
            continue
        value = f"json_extract(x.body, '$.{name}')"
        if _is_bool(field.annotation):
            columns.append(f"CASE {value} WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS {name}")
            continue
        columns.append(f"{value} AS {name}")
        vocabulary = _vocabulary(field.annotation)
        if vocabulary is not None:
            labels = {str(k): v for k, v in LABELS[vocabulary].items()}
            columns.append(f"{_case(value, labels)} AS {name}_label")
        elif name == "category":
            columns.append(f"{_case(value, _CATEGORY)} AS category_label")
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
SELECT code, title, category, {_case("category", _CATEGORY)} AS category_label,
    {_case("category", _GROUP)} AS offence_group, statute, section, cjs_class, drug_class,
    'this log' AS defined_by
FROM offence_definitions
UNION ALL
SELECT column1, column2, column3, {_case("column3", _CATEGORY)},
    {_case("column3", _GROUP)}, column4, column5, column6, column7, 'anpr_ops catalogue'
FROM (VALUES
        {_catalogue_rows()}
    )
WHERE column1 NOT IN (SELECT code FROM offence_definitions)"""

_OPERATIONS = """CREATE VIEW operations_readable AS
SELECT o.op_id, o.name, o.force, o.timezone, o.starts_at, o.ends_at, o.parent_op_id,
    p.name AS parent_operation,
    (SELECT group_concat(name, ', ') FROM (SELECT s.name FROM sites s WHERE s.op_id = o.op_id
        ORDER BY s.position)) AS sites,
    (SELECT count(*) FROM operations c WHERE c.parent_op_id = o.op_id) AS child_operations,
    (SELECT count(*) FROM events e WHERE e.op_id = o.op_id) AS events,
    o.seq
FROM operations o LEFT JOIN operations p ON p.op_id = o.parent_op_id"""

#: name -> CREATE VIEW statement, in the order they are created (a view may use an earlier one).
VIEWS: Final[dict[str, str]] = {
    "event_log": _EVENT_LOG,
    "current_events": _CURRENT,
    "offence_catalogue": _CATALOGUE,
    "operations_readable": _OPERATIONS,
    **{
        f"{spec.plural}_readable": _kind_view(spec.kind, spec.plural, spec.model)
        for spec in KINDS
        if spec.kind not in {EventKind.OPERATION, EventKind.CORRECTION}
    },
}


def create_views(conn: sqlite3.Connection) -> None:
    """Create (or re-create, as this version writes them) every view, in the caller's
    transaction."""
    for name in reversed(VIEWS):
        conn.execute(f"DROP VIEW IF EXISTS {name}")
    for sql in VIEWS.values():
        conn.execute(sql)


def missing_views(conn: sqlite3.Connection) -> list[str]:
    """The views of :data:`VIEWS` the file does not have."""
    have = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    return [name for name in VIEWS if name not in have]


def install(path: Path, *, busy_timeout: float = 30.0) -> list[str]:
    """Write this version's views into the log file at ``path``; return the ones it lacked.

    The caller checks first that ``path`` is a log; this only writes views, in one
    transaction, and touches no table.
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
