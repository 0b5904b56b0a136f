"""The reference report: every figure computed in SQL over the per-kind tables.

Every event counts once, in the operation it belongs to, at its own ``occurred_at``, and at
its own site or, when it has none, at the site of what it refers to (:mod:`anpr_ops.store._sites`
generates that SQL from the models); events with no site count under ``NO_SITE``. A retracted
event counts nowhere, a replaced one counts as its replacement (the tables hold the current
state). A property that links two events (a search that led to an arrest, a hit that led to a
stop, an enquiry whose subject was arrested) is counted on the first one, so reports of
disjoint sets of events add up exactly.

The figures are computed with ``GROUP BY`` (one pass per breakdown) so that memory does not
grow with the number of events; only the distinct people arrested are carried as a set (of
one-way digests of their subject references, never shown).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from anpr_ops._time import parse_utc
from anpr_ops.errors import EventNotFoundError, ReportError
from anpr_ops.events import KINDS, SITE_VIA
from anpr_ops.report.figures import (
    NO_SITE,
    NOT_RECORDED,
    UNKNOWN,
    ZERO,
    Rollup,
    SearchCounts,
    Tally,
    frozen_map,
)
from anpr_ops.report.hours import (
    EPOCH_SHIFT,
    hour_label,
    hour_of,
    offset_spans,
    offset_sql,
    time_key,
    time_key_sql,
)
from anpr_ops.report.opreport import OperationInfo, OpReport, Period
from anpr_ops.store._queries import operation_tree
from anpr_ops.store._sites import site_sql
from anpr_ops.vocab import Disposal, EventKind, SeizureItem

__all__ = ["build_report"]


_EPOCH_SQL: Final = "CAST(strftime('%s', substr(x.occurred_at, 1, 19)) AS INTEGER)"

_ARREST_FOR_SEARCH: Final = (
    "EXISTS (SELECT 1 FROM outcomes o WHERE o.search_id = x.event_id AND o.disposal = 'arrest')"
)
_POSITIVE_FOR_SEARCH: Final = (
    "EXISTS (SELECT 1 FROM outcomes o WHERE o.search_id = x.event_id "
    "AND o.disposal <> 'no_further_action')"
)
_ARREST_FOR_ENQUIRY: Final = (
    "EXISTS (SELECT 1 FROM outcomes o WHERE o.enquiry_id = x.event_id AND o.disposal = 'arrest')"
)


# kind table -> SQL for the site of its row ``x`` (generated from the models' references)
_SITE: Final = {
    spec.plural: site_sql(spec.kind, "x")
    for spec in KINDS
    if spec.kind not in {EventKind.OPERATION, EventKind.CORRECTION, EventKind.OFFENCE_DEFINITION}
}

# kind table -> the Tally fields its tally query fills, with the SQL of each row's value
_MEASURES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "anpr_hits": (
        ("anpr_hits", "1"),
        ("hits_with_stop", "EXISTS (SELECT 1 FROM vehicle_stops v WHERE v.hit_id = x.event_id)"),
    ),
    "vehicle_stops": (
        ("vehicle_stops", "1"),
        ("hit_led_stops", "x.hit_id IS NOT NULL"),
        ("stops_with_search", "EXISTS (SELECT 1 FROM searches s WHERE s.stop_id = x.event_id)"),
    ),
    "searches": (
        ("searches", "1"),
        ("searches_with_arrest", _ARREST_FOR_SEARCH),
        ("searches_with_positive_outcome", _POSITIVE_FOR_SEARCH),
        ("searches_linked", "x.outcome_linked_to_object IS 1"),
        ("searches_linked_known", "x.outcome_linked_to_object IS NOT NULL"),
    ),
    "outcomes": (
        ("outcomes", "1"),
        ("arrests", "x.disposal = 'arrest'"),
        ("offences", "(SELECT count(*) FROM outcome_offences c WHERE c.seq = x.seq)"),
    ),
    "seizures": (("seizures", "1"),),
    "weapon_sweeps": (("weapon_sweeps", "1"),),
    "arrest_enquiries": (
        ("arrest_enquiries", "1"),
        ("wanted_located", "x.located"),
        ("wanted_arrested", _ARREST_FOR_ENQUIRY),
        ("high_harm_arrested", f"x.high_harm AND {_ARREST_FOR_ENQUIRY}"),
    ),
    "patrols": (("patrols", "1"),),
}


class _Scope:
    """The filter of one report, and the SQL that applies it to a per-kind table."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        op_ids: Sequence[str],
        site: str | None,
        start: datetime | None,
        end: datetime | None,
    ) -> None:
        self.conn = conn
        self.op_ids = list(op_ids)
        self.site = site
        self.start = time_key(start) if start is not None else None
        self.end = time_key(end) if end is not None else None
        self.offset_sql = "0"

    def where(self, kind: str, alias: str = "x") -> tuple[str, list[Any]]:
        marks = ",".join("?" * len(self.op_ids))
        clauses = [f"{alias}.op_id IN ({marks})"]
        params: list[Any] = list(self.op_ids)
        key = time_key_sql(f"{alias}.occurred_at")
        if self.start is not None:
            clauses.append(f"{key} >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append(f"{key} < ?")
            params.append(self.end)
        if self.site is not None and alias == "x":
            clauses.append(f"coalesce({_SITE[kind]}, '{NO_SITE}') = ?")
            params.append(self.site)
        return " AND ".join(clauses), params

    def from_(self, kind: str, *, on: str = "") -> str:
        """``kind``'s table as ``x`` (``ON on`` when it is joined to another)."""
        condition = f" ON {on}" if on else ""
        return f"{kind} x{condition}"

    def rows(
        self, kind: str, columns: str, group: str = "", *, extra: str = ""
    ) -> Iterator[tuple[Any, ...]]:
        """``SELECT columns FROM kind x … WHERE <scope> [AND extra] [GROUP BY group]``."""
        where, params = self.where(kind)
        sql = f"SELECT {columns} FROM {self.from_(kind)} WHERE {where}"
        if extra:
            sql += f" AND {extra}"
        if group:
            sql += f" GROUP BY {group}"
        yield from self.conn.execute(sql, params)

    def time_range(self) -> tuple[int, int] | None:
        """The first and last second (UTC epoch) of any event in the operations' tables."""
        marks = ",".join("?" * len(self.op_ids))
        parts = [
            f"SELECT min(substr(occurred_at, 1, 19)), max(substr(occurred_at, 1, 19)) "
            f"FROM {table} WHERE op_id IN ({marks})"
            for table in (*_SITE, "corrections")
        ]
        lows: list[str] = []
        highs: list[str] = []
        for part in parts:
            low, high = self.conn.execute(part, self.op_ids).fetchone()
            if low is not None:
                lows.append(low)
                highs.append(high)
        if not lows:
            return None
        return _epoch(min(lows)), _epoch(max(highs)) + 1

    def tally_rows(self, kind: str) -> Iterator[tuple[Any, ...]]:
        """(op_id, site, hour label, {field: count}) per operation, site and local hour."""
        measures = _MEASURES[kind]
        inner_cols = ", ".join(f"({sql}) AS m{i}" for i, (_, sql) in enumerate(measures))
        sums = ", ".join(f"sum(m{i})" for i in range(len(measures)))
        where, params = self.where(kind)
        sql = (
            f"SELECT op_id, site, (e + off + {EPOCH_SHIFT}) / 3600 AS h, off, {sums} FROM ("
            f"SELECT *, {self.offset_sql} AS off FROM ("
            f"SELECT x.op_id AS op_id, coalesce({_SITE[kind]}, '{NO_SITE}') AS site, "
            f"{_EPOCH_SQL} AS e, {inner_cols} "
            f"FROM {self.from_(kind)} WHERE {where})) "
            "GROUP BY op_id, site, h, off"
        )
        names = [name for name, _ in measures]
        for op_id, site, hour, offset, *counts in self.conn.execute(sql, params):
            yield op_id, site, hour_label(hour, offset), dict(zip(names, counts, strict=True))

    def arrested_people(self) -> Iterator[tuple[str, str, str, str]]:
        """(op_id, site, hour label, subject_ref) of every arrest, once per bucket."""
        where, params = self.where("outcomes")
        sql = (
            f"SELECT DISTINCT op_id, site, (e + off + {EPOCH_SHIFT}) / 3600, off, subject_ref "
            f"FROM (SELECT *, {self.offset_sql} AS off FROM ("
            f"SELECT x.op_id AS op_id, coalesce({_SITE['outcomes']}, '{NO_SITE}') AS site, "
            f"{_EPOCH_SQL} AS e, x.subject_ref AS subject_ref "
            f"FROM {self.from_('outcomes')} "
            f"WHERE {where} AND x.disposal = 'arrest'))"
        )
        for op_id, site, hour, offset, subject_ref in self.conn.execute(sql, params):
            yield op_id, site, hour_label(hour, offset), subject_ref


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def _person(subject_ref: str) -> str:
    """A one-way digest of a subject reference: lets reports count distinct people, and add
    up, without holding the reference itself."""
    digest = hashlib.blake2b(
        subject_ref.encode("utf-8"), digest_size=16, person=b"anpr_ops.subject"
    )
    return digest.hexdigest()


_TALLY_FIELDS: Final = frozenset({"totals", "by_site", "by_hour"})


class _Builder:
    """Collects the query results of one operation, then freezes them into a Rollup."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str], dict[str, int]] = {}
        self.people: dict[tuple[str, str], set[str]] = {}
        self.maps: dict[str, dict[Any, Any]] = {
            f.name: {} for f in attrs.fields(Rollup) if f.name not in _TALLY_FIELDS
        }

    def count(self, cell: tuple[str, str], counts: Mapping[str, int]) -> None:
        into = self.cells.setdefault(cell, {})
        for name, n in counts.items():
            into[name] = into.get(name, 0) + int(n)

    def add(self, breakdown: str, key: Any, n: int | SearchCounts) -> None:
        into = self.maps[breakdown]
        into[key] = into[key] + n if key in into else n

    def build(self) -> Rollup:
        by_site: dict[str, Tally] = {}
        by_hour: dict[str, Tally] = {}
        totals = ZERO
        for cell in self.cells.keys() | self.people.keys():
            people = frozenset(_person(ref) for ref in self.people.get(cell, ()))
            tally = attrs.evolve(ZERO, **self.cells.get(cell, {}), people=people)
            site, hour = cell
            by_site[site] = by_site[site] + tally if site in by_site else tally
            by_hour[hour] = by_hour[hour] + tally if hour in by_hour else tally
            totals = totals + tally
        maps = {name: frozen_map(values) for name, values in self.maps.items()}
        return Rollup(
            totals=totals, by_site=frozen_map(by_site), by_hour=frozen_map(by_hour), **maps
        )


def build_report(
    conn: sqlite3.Connection,
    op_id: str,
    *,
    include_children: bool = True,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> OpReport:
    """The report of ``op_id`` from an open log connection; see :meth:`OpLog.report`.

    Runs every query on ``conn`` as it is: call it inside one read transaction so that the
    figures come from one snapshot of the log.
    """
    _check_window(start, end)
    ops = _operations(conn, op_id, include_children=include_children)
    root = ops[0]
    if site is not None:
        known = {s for info in ops for s, _ in info.sites}
        if site not in known and site != NO_SITE:
            listed = ", ".join(sorted(known)) or "none"
            message = (
                f"site {site!r} is not a site of operation {op_id!r}"
                f"{' or its children' if len(ops) > 1 else ''} (its sites: {listed}; "
                f"{NO_SITE} selects events with no site)"
            )
            raise ReportError(message, code="unknown_site")
    zone = ZoneInfo(root.timezone)
    scope = _Scope(conn, [info.op_id for info in ops], site, start, end)
    span = scope.time_range()
    if span is not None:
        scope.offset_sql = offset_sql(offset_spans(zone, *span), "e")
    builders = {info.op_id: _Builder() for info in ops}

    for kind in _MEASURES:
        for row_op, row_site, hour, counts in scope.tally_rows(kind):
            builders[row_op].count((row_site, hour), counts)
    for row_op, row_site, hour, subject_ref in scope.arrested_people():
        builders[row_op].people.setdefault((row_site, hour), set()).add(subject_ref)
    _corrections(scope, zone, builders)
    _breakdowns(scope, builders)

    if start is not None or end is not None:
        period = Period(start, end)
    else:
        period = Period(root.starts_at, root.ends_at)
    return OpReport(
        roots=frozenset({op_id}),
        operations=MappingProxyType({info.op_id: info for info in ops}),
        zones=frozenset({root.timezone}),
        period=period,
        sites=None if site is None else frozenset({site}),
        by_operation=MappingProxyType({k: b.build() for k, b in builders.items()}),
    )


def _check_window(start: datetime | None, end: datetime | None) -> None:
    for name, value in (("start", start), ("end", end)):
        if value is None:
            continue
        if not isinstance(value, datetime):
            kind = type(value).__name__
            message = f"report {name} must be a datetime with a UTC offset, not {kind}"
            raise ReportError(message, code="not_a_datetime")
        if value.tzinfo is None or value.utcoffset() is None:
            message = (
                f"report {name} {value.isoformat()} has no UTC offset; give an aware datetime "
                "(e.g. datetime(2020, 4, 18, 8, tzinfo=ZoneInfo('Europe/London')))"
            )
            raise ReportError(message, code="naive_datetime")
    if start is not None and end is not None and end < start:
        message = f"report end {end.isoformat()} is before its start {start.isoformat()}"
        raise ReportError(message, code="end_before_start")


def _operations(
    conn: sqlite3.Connection, op_id: str, *, include_children: bool
) -> list[OperationInfo]:
    """The operation ``op_id`` first, then (with children) every operation below it."""
    tree = operation_tree(conn, op_id, include_children=include_children)
    marks = ",".join("?" * len(tree))
    rows = conn.execute(
        "SELECT op_id, name, timezone, parent_op_id, starts_at, ends_at, seq "
        f"FROM operations WHERE op_id IN ({marks}) ORDER BY op_id",
        tree,
    ).fetchall()
    if not any(row[0] == op_id for row in rows):
        raise EventNotFoundError(f"no operation {op_id!r} in the log")
    sites: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        # The sites table does not keep the operation's order of sites; its current version
        # (the last replacement, if any) does.
        body = json.loads(_last_version(conn, row[6]))
        sites[row[0]] = [(s["site_id"], s["name"]) for s in body.get("sites", ())]
    infos = [
        OperationInfo(
            op_id=row_op,
            name=name,
            timezone=tz,
            parent_op_id=parent,
            sites=tuple(sites.get(row_op, ())),
            starts_at=parse_utc(starts),
            ends_at=parse_utc(ends) if ends else None,
        )
        for row_op, name, tz, parent, starts, ends, _ in rows
    ]
    infos.sort(key=lambda info: (info.op_id != op_id, info.op_id))
    return infos


def _corrections(scope: _Scope, zone: ZoneInfo, builders: Mapping[str, _Builder]) -> None:
    """Count correction events: at their own time, at the site of the event they correct.

    Corrections are few (they are not the bulk of a log), so their sites are resolved one
    target at a time, through the target's last version even when it was retracted.
    """
    where, params = scope.where("corrections", alias="c")
    rows = scope.conn.execute(
        f"SELECT c.op_id, c.occurred_at, c.target_seq FROM corrections c WHERE {where}", params
    ).fetchall()
    sites = _LastSites(scope.conn)
    for op_id, occurred_at, target_seq in rows:
        site = sites.site_of(target_seq) or NO_SITE
        if scope.site is not None and site != scope.site:
            continue
        hour = hour_of(parse_utc(occurred_at), zone)
        builders[op_id].count((site, hour), {"corrections": 1})


def _last_version(conn: sqlite3.Connection, seq: int) -> str:
    """The JSON of the event stored at ``seq`` as last recorded: its latest replacement, or
    itself; for a retracted event, the version that was retracted."""
    (text,) = conn.execute(
        "SELECT coalesce((SELECT json_extract(b.body, '$.replacement') FROM corrections k "
        "JOIN events b ON b.seq = k.seq WHERE k.target_seq = ?1 AND k.action = 'replace' "
        "ORDER BY k.seq DESC LIMIT 1), (SELECT body FROM events WHERE seq = ?1))",
        (seq,),
    ).fetchone()
    return str(text)


class _LastSites:
    """The site of an event as last recorded (its replacement's, or as it was retracted)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.cache: dict[int, str | None] = {}

    def site_of(self, seq: int) -> str | None:
        if seq in self.cache:
            return self.cache[seq]
        body = json.loads(_last_version(self.conn, seq))
        kind = body.get("kind")
        site = body.get("site_id") if kind != "operation" else None
        if site is None:
            for field in SITE_VIA.get(kind, ()):
                ref = body.get(field)
                if ref is None:
                    continue
                row = self.conn.execute(
                    "SELECT seq FROM events WHERE event_id = ?", (ref,)
                ).fetchone()
                if row is not None:
                    site = self.site_of(row[0])
                break
        self.cache[seq] = site
        return site


_SOURCE_SQL: Final = (
    "CASE WHEN x.search_id IS NOT NULL THEN 'search' WHEN x.stop_id IS NOT NULL THEN 'stop' "
    "WHEN x.enquiry_id IS NOT NULL THEN 'enquiry' ELSE 'none' END"
)


def _breakdowns(scope: _Scope, builders: Mapping[str, _Builder]) -> None:
    """One GROUP BY pass per breakdown (or family of breakdowns of one table)."""
    for op_id, disposal, category, source, n in scope.rows(
        "outcomes",
        f"x.op_id, x.disposal, coalesce(x.primary_category, '{UNKNOWN}'), {_SOURCE_SQL}, count(*)",
        "1, 2, 3, 4",
    ):
        b = builders[op_id]
        b.add("disposals", disposal, n)
        if disposal == Disposal.ARREST:
            b.add("arrests", (category, source), n)

    where, params = scope.where("outcomes")
    for op_id, code, category, n in scope.conn.execute(
        "SELECT x.op_id, c.code, c.category, count(*) FROM outcome_offences c "
        f"JOIN {scope.from_('outcomes', on='x.seq = c.seq')} "
        f"WHERE {where} GROUP BY 1, 2, 3",
        params,
    ):
        builders[op_id].add("offences", (code, category), n)

    where, params = scope.where("anpr_hits")
    for op_id, reason, n in scope.conn.execute(
        "SELECT x.op_id, r.reason, count(*) FROM anpr_hit_reasons r "
        f"JOIN {scope.from_('anpr_hits', on='x.seq = r.seq')} "
        f"WHERE {where} GROUP BY 1, 2",
        params,
    ):
        builders[op_id].add("hits_by_reason", reason, n)
    for op_id, hotlist, n in scope.rows("anpr_hits", "x.op_id, x.hotlist, count(*)", "1, 2"):
        builders[op_id].add("hits_by_hotlist", hotlist, n)

    for op_id, legislation, obj, search_type, ethnicity, *counts in scope.rows(
        "searches",
        "x.op_id, x.legislation, x.object_of_search, x.search_type, "
        f"coalesce(x.self_defined_ethnicity, '{NOT_RECORDED}'), count(*), "
        f"sum({_ARREST_FOR_SEARCH}), sum({_POSITIVE_FOR_SEARCH}), "
        "sum(x.outcome_linked_to_object IS 1), sum(x.outcome_linked_to_object IS NOT NULL)",
        "1, 2, 3, 4, 5",
    ):
        b = builders[op_id]
        b.add("searches_by_legislation", legislation, counts[0])
        b.add("searches_by_object", obj, counts[0])
        b.add("searches_by_type", search_type, counts[0])
        b.add("searches_by_ethnicity", ethnicity, SearchCounts(*counts))

    for op_id, item, drug_class, weapon_type, n in scope.rows(
        "seizures",
        f"x.op_id, x.item, coalesce(x.drug_class, '{UNKNOWN}'), "
        f"coalesce(x.weapon_type, '{UNKNOWN}'), count(*)",
        "1, 2, 3, 4",
    ):
        b = builders[op_id]
        b.add("seizures_by_item", item, n)
        if item == SeizureItem.CONTROLLED_DRUG:
            b.add("drug_seizures_by_class", drug_class, n)
        elif item == SeizureItem.WEAPON:
            b.add("weapons_by_type", weapon_type, n)

    for op_id, high_harm, category, underlying, n in scope.rows(
        "arrest_enquiries",
        "x.op_id, x.high_harm, coalesce((SELECT w.category FROM arrest_enquiry_offences w "
        f"WHERE w.seq = x.seq AND w.position = 0), '{UNKNOWN}'), "
        f"coalesce(x.underlying_offence_category, '{UNKNOWN}'), count(*)",
        "1, 2, 3, 4",
        extra=_ARREST_FOR_ENQUIRY,
    ):
        builders[op_id].add("wanted", (bool(high_harm), category, underlying), n)
