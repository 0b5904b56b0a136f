"""The report by a scan over the events: every figure folded from the current version of every
event in scope (:mod:`anpr_ops.store._contrib` states the counting rules).

This is the reference the rollups kept at append time are checked against, and the way a
report is made when rollups cannot answer it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from anpr_ops._time import parse_utc
from anpr_ops.errors import EventNotFoundError, ReportError, StorageError
from anpr_ops.events import SITE_VIA
from anpr_ops.report.figures import (
    NO_SITE,
    ZERO,
    People,
    Rollup,
    SearchCounts,
    Tally,
    frozen_map,
)
from anpr_ops.report.hours import hour_of, time_key
from anpr_ops.report.opreport import OperationInfo, OpReport, Period
from anpr_ops.store._contrib import (
    ETHNICITY_FIELDS,
    Contribution,
    contribution,
    flags_given,
    flags_passed_on,
)
from anpr_ops.store._projection import REBUILDING, category_of
from anpr_ops.store._queries import operation_tree
from anpr_ops.vocab import EventKind
from anpr_ops.vrm import mask_plates_in_text

__all__ = [
    "assemble",
    "breakdown_maps",
    "build_report",
    "check_scope",
    "check_window",
    "operation_infos",
    "person_key",
]

_TALLY_FIELDS = frozenset({"totals", "by_site", "by_hour"})
#: The breakdown maps of a :class:`Rollup`, by name.
BREAKDOWNS = tuple(f.name for f in attrs.fields(Rollup) if f.name not in _TALLY_FIELDS)


def person_key(log_id: str, person: int) -> str:
    """How a report names a person arrested: the log's own number for them, within the log
    (people are counted once per log; see docs/reports.md)."""
    return f"{log_id[:16]}/{person}"


def breakdown_maps(raw: Mapping[str, Mapping[Any, int]]) -> dict[str, Mapping[Any, Any]]:
    """Frozen breakdown maps from counts by ``(breakdown, key)``: ``searches_by_ethnicity``
    counts, keyed ``(ethnicity, field)``, become one :class:`SearchCounts` per ethnicity."""
    maps: dict[str, Mapping[Any, Any]] = {}
    for name in BREAKDOWNS:
        values = raw.get(name, {})
        if name == "searches_by_ethnicity":
            fields: dict[str, dict[str, int]] = {}
            for (ethnicity, field), n in values.items():
                fields.setdefault(ethnicity, {})[field] = n
            maps[name] = frozen_map(
                {
                    ethnicity: SearchCounts(*(counts.get(f, 0) for f in ETHNICITY_FIELDS))
                    for ethnicity, counts in fields.items()
                }
            )
        else:
            maps[name] = frozen_map(values)
    return maps


class Builder:
    """Collects contributions, then freezes them into a :class:`Rollup` (with or without the
    totals by site and hour)."""

    def __init__(self, log_id: str) -> None:
        self.log_id = log_id
        self.cells: dict[tuple[str, str], dict[str, int]] = {}
        self.people: dict[tuple[str, str], set[int]] = {}
        self.maps: dict[str, dict[Any, int]] = {name: {} for name in BREAKDOWNS}

    def count(self, cell: tuple[str, str], counts: Mapping[str, int]) -> None:
        into = self.cells.setdefault(cell, {})
        for name, n in counts.items():
            into[name] = into.get(name, 0) + int(n)

    def add(self, breakdown: str, key: Any, n: int) -> None:
        into = self.maps[breakdown]
        into[key] = into.get(key, 0) + n

    def person(self, cell: tuple[str, str], number: int) -> None:
        self.people.setdefault(cell, set()).add(number)

    def build(self, *, cells: bool) -> Rollup:
        by_site: dict[str, Tally] = {}
        by_hour: dict[str, Tally] = {}
        counts: dict[str, int] = {}
        everyone: set[int] = set()
        for cell in self.cells.keys() | self.people.keys():
            found = self.people.get(cell, set())
            everyone |= found
            for name, n in self.cells.get(cell, {}).items():
                counts[name] = counts.get(name, 0) + n
            if not cells:
                continue
            tally = attrs.evolve(
                ZERO, **self.cells.get(cell, {}), people=People.of(self.log_id, found)
            )
            site, hour = cell
            by_site[site] = by_site[site] + tally if site in by_site else tally
            by_hour[hour] = by_hour[hour] + tally if hour in by_hour else tally
        totals = attrs.evolve(ZERO, **counts, people=People.of(self.log_id, everyone))
        return Rollup(
            totals=totals,
            by_site=frozen_map(by_site),
            by_hour=frozen_map(by_hour),
            **breakdown_maps(self.maps),
        )


def check_window(start: datetime | None, end: datetime | None) -> None:
    """Refuse a window whose bounds are not aware datetimes, or that ends before it starts."""
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


def operation_infos(
    conn: sqlite3.Connection, op_id: str, *, include_children: bool
) -> list[OperationInfo]:
    """The operation ``op_id`` first, then (with children) every operation below it. Names
    are published with the report: a plate typed into one is masked."""
    tree = operation_tree(conn, op_id, include_children=include_children)
    if not tree:
        raise EventNotFoundError(f"no operation {op_id!r} in the log")
    marks = ",".join("?" * len(tree))
    rows = conn.execute(
        "SELECT op_id, name, timezone, parent_op_id, starts_at, ends_at "
        f"FROM operations WHERE op_id IN ({marks}) ORDER BY op_id",
        tree,
    ).fetchall()
    sites: dict[str, list[tuple[str, str]]] = {}
    for row_op, site_id, name in conn.execute(
        f"SELECT op_id, site_id, name FROM sites WHERE op_id IN ({marks}) ORDER BY op_id, position",
        tree,
    ).fetchall():
        sites.setdefault(row_op, []).append((site_id, mask_plates_in_text(name)))
    try:
        infos = [
            OperationInfo(
                op_id=row_op,
                name=mask_plates_in_text(name),
                timezone=_zone_key(tz),
                parent_op_id=parent,
                sites=tuple(sites.get(row_op, ())),
                starts_at=parse_utc(starts),
                ends_at=parse_utc(ends) if ends else None,
            )
            for row_op, name, tz, parent, starts, ends in rows
        ]
    except (ValueError, TypeError, KeyError, OverflowError):
        message = (
            "the operations or sites table of this log is damaged (a row holds what the "
            f"library never writes); verification names it, and {REBUILDING} repairs it"
        )
        raise StorageError(message, code="damaged_operations") from None
    infos.sort(key=lambda info: (info.op_id != op_id, info.op_id))
    return infos


def _zone_key(key: str) -> str:
    """``key`` if it names a time zone this machine knows (``KeyError`` or ``ValueError``
    otherwise: a zone the library never stores)."""
    ZoneInfo(key)
    return key


class _Scope:
    """The events of some operations, current and as last recorded, and what depends on them."""

    def __init__(self, conn: sqlite3.Connection, op_ids: list[str]) -> None:
        marks = ",".join("?" * len(op_ids))
        self.by_id: dict[str, int] = {}
        self.current: dict[int, dict[str, Any] | None] = {}
        self.last: dict[int, dict[str, Any]] = {}
        self.corrections: list[dict[str, Any]] = []
        for seq, event_id, kind, body in conn.execute(
            f"SELECT seq, event_id, kind, body FROM events WHERE op_id IN ({marks}) ORDER BY seq",
            op_ids,
        ):
            data = json.loads(body)
            if kind == EventKind.CORRECTION:
                self.corrections.append(data)
                target = self.by_id[data["target_id"]]
                if data.get("retract"):
                    self.current[target] = None
                else:
                    self.current[target] = self.last[target] = data["replacement"]
                continue
            self.by_id[event_id] = seq
            self.current[seq] = self.last[seq] = data
        self.flags: dict[int, set[str]] = {}
        for data in self.current.values():
            if data is None:
                continue
            field, given = flags_given(data["kind"], data)
            if field is not None and given and data.get(field) is not None:
                named = self.by_id.get(data[field])
                if named is not None:
                    self.flags.setdefault(named, set()).update(given)
        for seq, data in self.current.items():
            # A second step: what a search's outcomes make of it is its stop's too.
            if data is None or seq not in self.flags:
                continue
            field, given = flags_passed_on(data["kind"], data, frozenset(self.flags[seq]))
            if field is not None and given and data.get(field) is not None:
                named = self.by_id.get(data[field])
                if named is not None:
                    self.flags.setdefault(named, set()).update(given)
        self._sites: dict[tuple[int, bool], str | None] = {}

    def site(self, seq: int, *, last: bool = False) -> str | None:
        """The site of the event at ``seq`` (of its last recorded version with ``last``)."""
        key = (seq, last)
        if key in self._sites:
            return self._sites[key]
        data = (self.last if last else self.current).get(seq)
        site: str | None = None
        if data is not None and data["kind"] != EventKind.OPERATION:
            site = data.get("site_id")
            if site is None:
                for field in SITE_VIA.get(EventKind(data["kind"]), ()):
                    ref = data.get(field)
                    if ref is not None:
                        target = self.by_id.get(ref)
                        site = self.site(target, last=last) if target is not None else None
                        break
        self._sites[key] = site
        return site


def check_scope(
    conn: sqlite3.Connection, op_id: str, *, include_children: bool, site: str | None
) -> list[OperationInfo]:
    """The operations a report covers (the root first); refuse a site none of them has."""
    ops = operation_infos(conn, op_id, include_children=include_children)
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
    return ops


def assemble(
    ops: list[OperationInfo],
    *,
    site: str | None,
    start: datetime | None,
    end: datetime | None,
    by_operation: Mapping[str, Rollup],
    rollup: Rollup,
) -> OpReport:
    """The report of the operations ``ops`` (the root first), from its figures."""
    root = ops[0]
    if start is not None or end is not None:
        period = Period(start, end)
    else:
        period = Period(root.starts_at, root.ends_at)
    return OpReport(
        roots=frozenset({root.op_id}),
        operations=MappingProxyType({info.op_id: info for info in ops}),
        zones=frozenset({root.timezone}),
        period=period,
        sites=None if site is None else frozenset({site}),
        by_operation=MappingProxyType(
            {info.op_id: by_operation.get(info.op_id, Rollup()) for info in ops}
        ),
        rollup=rollup,
    )


def read_log_key(conn: sqlite3.Connection) -> str:
    """The log's id, which tells its people apart from another log's."""
    row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'log_id'").fetchone()
    return str(row[0])


def build_report(
    conn: sqlite3.Connection,
    op_id: str,
    *,
    include_children: bool = True,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> OpReport:
    """The report of ``op_id`` by a scan of its events (see :meth:`OpLog.report`).

    Call it inside one read transaction so that the figures come from one snapshot.
    """
    check_window(start, end)
    ops = check_scope(conn, op_id, include_children=include_children, site=site)
    zone = ZoneInfo(ops[0].timezone)
    log_id = read_log_key(conn)
    category = category_of(conn)
    low = time_key(start) if start is not None else None
    high = time_key(end) if end is not None else None

    def kept(moment: str, at_site: str) -> bool:
        key = moment[:19] + (moment[19:26] if len(moment) > 20 else ".000000")
        if low is not None and key < low:
            return False
        if high is not None and key >= high:
            return False
        return site is None or at_site == site

    scope = _Scope(conn, [info.op_id for info in ops])
    builders = {info.op_id: Builder(log_id) for info in ops}
    combined = Builder(log_id)
    for seq, data in scope.current.items():
        if data is None:
            continue
        found = contribution(
            data, site=scope.site(seq), flags=frozenset(scope.flags.get(seq, ())), category=category
        )
        if found is None or not kept(found.occurred_at, found.site):
            continue
        _add(builders[found.op_id], combined, found, zone)
    for fix in scope.corrections:
        at_site = scope.site(scope.by_id[fix["target_id"]], last=True) or NO_SITE
        if kept(fix["occurred_at"], at_site):
            hour = hour_of(parse_utc(fix["occurred_at"]), zone)
            for builder in (builders[fix["op_id"]], combined):
                builder.count((at_site, hour), {"corrections": 1})
    by_operation = {k: b.build(cells=False) for k, b in builders.items()}
    cells = combined.build(cells=True)
    everything = sum(by_operation.values(), Rollup())
    return assemble(
        ops,
        site=site,
        start=start,
        end=end,
        by_operation=by_operation,
        rollup=attrs.evolve(everything, by_site=cells.by_site, by_hour=cells.by_hour),
    )


def _add(own: Builder, combined: Builder, found: Contribution, zone: ZoneInfo) -> None:
    """Count ``found`` in its operation's builder (totals and breakdowns) and in the cells of
    the report as a whole (totals by site and hour)."""
    cell = (found.site, hour_of(parse_utc(found.occurred_at), zone))
    own.count(cell, found.tallies)
    combined.count(cell, found.tallies)
    for breakdown, key, n in found.breakdowns:
        own.add(breakdown, key, n)
    if found.person is not None:
        own.person(cell, found.person)
        combined.person(cell, found.person)
