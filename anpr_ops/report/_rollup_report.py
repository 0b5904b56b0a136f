"""The report read from the rollups kept at append time, and the choice between it and the scan.

Rollups answer a report when every operation in it shares the root's time zone (cells are
local hours of each operation's own zone) and the window, if any, starts and ends on local hour
boundaries of that zone (a cell is then wholly in or wholly out). Without a site or a window the
report reads the aggregates: one row per site and per hour of the root (and of the operations
below it together), and each operation's own totals and breakdowns. With a site or a window it
sums the cells in that site and those hours. Anything else is answered by the scan over events
(:mod:`anpr_ops.report._scan`), the reference the rollups are tested against.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from anpr_ops._schema import COUNTS
from anpr_ops._time import offset_at
from anpr_ops.errors import AnprOpsError, ReportError
from anpr_ops.report._scan import (
    assemble,
    breakdown_maps,
    build_report,
    check_scope,
    check_window,
    read_log_key,
)
from anpr_ops.report.figures import ZERO, People, Rollup, Tally, frozen_map, tally_of
from anpr_ops.report.hours import hour_of_start
from anpr_ops.report.opreport import OperationInfo, OpReport
from anpr_ops.store._bitsets import bitmap, union_at
from anpr_ops.store._rollups import damaged, split_key

__all__ = ["Source", "answerable", "report", "rollup_report"]

Source = Literal["auto", "rollups", "scan"]
_COLUMNS = ", ".join(COUNTS)
_N = len(COUNTS)


def report(
    conn: sqlite3.Connection,
    op_id: str,
    *,
    include_children: bool,
    site: str | None,
    start: datetime | None,
    end: datetime | None,
    source: Source,
) -> OpReport:
    """The report, from the rollups when they can answer it (``source="auto"``), or from the
    source asked for."""
    if source not in ("auto", "rollups", "scan"):
        raise ReportError(
            f"report source {source!r} is not one of auto, rollups, scan", code="unknown_source"
        )
    check_window(start, end)
    args: dict[str, Any] = {"include_children": include_children, "site": site}
    if source == "scan":
        return build_report(conn, op_id, **args, start=start, end=end)
    ops = check_scope(conn, op_id, include_children=include_children, site=site)
    why = answerable(ops, start, end)
    if why is None:
        return rollup_report(conn, ops, site=site, start=start, end=end)
    if source == "rollups":
        raise ReportError(f"rollups cannot answer this report: {why}", code="not_from_rollups")
    return build_report(conn, op_id, **args, start=start, end=end)


def answerable(
    ops: list[OperationInfo], start: datetime | None, end: datetime | None
) -> str | None:
    """Why the rollups cannot answer a report of ``ops`` in this window, or ``None``."""
    zone = ops[0].timezone
    if any(info.timezone != zone for info in ops):
        return "its operations are in different time zones"
    tz = ZoneInfo(zone)
    for name, bound in (("start", start), ("end", end)):
        if bound is not None and not _on_hour(bound, tz):
            return f"the window's {name} is not on a local hour of {zone}"
    return None


def _on_hour(bound: datetime, zone: ZoneInfo) -> bool:
    """Whether ``bound`` starts a local hour of ``zone`` (under the offsets just before and at
    it), so that no hour straddles it."""
    stamp = bound.timestamp()
    if stamp != int(stamp):
        return False
    epoch = int(stamp)
    return all((epoch + offset_at(zone, at)) % 3600 == 0 for at in (epoch - 1, epoch))


class _Sum:
    """Counts and people of one part of a report, added up from rows: rows of counts, summed
    when the part is made a tally, and people either as a bitmap (read from cells) or as the
    sets stored in aggregate rows, counted without building a bitmap of the whole log."""

    __slots__ = ("people", "rows", "stored")

    def __init__(self) -> None:
        self.rows: list[Sequence[int]] = []
        self.people = 0
        self.stored: list[bytes] = []

    def add(self, counts: Sequence[int], stored: bytes = b"") -> None:
        self.rows.append(counts)
        if stored != b"":  # anything else is a set, or damage that reading it will say
            self.stored.append(stored)

    def counts(self) -> Iterable[int]:
        rows = self.rows
        if len(rows) == 1:
            return rows[0]
        return map(sum, zip(*rows, strict=True)) if rows else _NONE

    def tally(self, log: str) -> Tally:
        stored = self.stored
        if not stored:
            people = People.from_bitmap(log, self.people)
        elif len(stored) == 1:
            people = People.from_stored(log, stored[0])
        else:
            bits, at = union_at(stored)
            people = People.deferred(log, bits.bit_count(), lambda: bits << 8 * at)
        return tally_of(self.counts(), people)


_NONE = (0,) * _N


@contextlib.contextmanager
def _damage_said() -> Iterator[None]:
    """Rows that hold what the library never writes (changed by hand, or damaged) become a
    :class:`~anpr_ops.errors.StorageError` (``code="damaged_rollups"``) that shows nothing of
    them."""
    try:
        yield
    except AnprOpsError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError) as exc:
        raise damaged(f"a row holds what the library never writes: {type(exc).__name__}") from None


@_damage_said()
def rollup_report(
    conn: sqlite3.Connection,
    ops: list[OperationInfo],
    *,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> OpReport:
    """The report of ``ops`` (the root first) from the rollups; see :func:`answerable`.
    Damaged rows are a :class:`~anpr_ops.errors.StorageError` (``code="damaged_rollups"``)."""
    log = read_log_key(conn)
    zone = ZoneInfo(ops[0].timezone)
    op_ids = [info.op_id for info in ops]
    if site is None and start is None and end is None:
        parts = _from_aggregates(conn, op_ids)
    else:
        parts = _from_cells(conn, op_ids, site, start, end)
    own, own_keys, sites, hours, keys = parts
    labels: dict[int, str] = {}
    by_hour: dict[str, Tally] = {}
    for hour, part in sorted(hours.items()):
        label = labels.get(hour) or labels.setdefault(hour, hour_of_start(hour, zone))
        tally = part.tally(log)
        by_hour[label] = by_hour[label] + tally if label in by_hour else tally
    by_site = {name: part.tally(log) for name, part in sites.items()}
    combined = Rollup(
        totals=sum(by_site.values(), ZERO),
        by_site=frozen_map(by_site),
        by_hour=frozen_map(by_hour),
        **breakdown_maps(keys),
    )
    by_operation = {
        op_id: Rollup(totals=own[op_id].tally(log), **breakdown_maps(own_keys.get(op_id, {})))
        for op_id in op_ids
        if op_id in own
    }
    return assemble(
        ops, site=site, start=start, end=end, by_operation=by_operation, rollup=combined
    )


_Parts = tuple[
    dict[str, _Sum],
    dict[str, dict[str, dict[Any, int]]],
    dict[str, _Sum],
    dict[int, _Sum],
    dict[str, dict[Any, int]],
]


class _Keys:
    """Breakdown objects read from rows, each parsed once, their keys decoded once."""

    __slots__ = ("_split",)

    def __init__(self) -> None:
        self._split: dict[str, tuple[str, Any]] = {}

    def parse(self, text: str) -> dict[str, dict[Any, int]]:
        """The counts of a breakdown object, by breakdown and key."""
        parsed: dict[str, dict[Any, int]] = {}
        split = self._split
        for name_key, n in json.loads(text).items():
            found = split.get(name_key)
            if found is None:
                found = split[name_key] = split_key(name_key)
            name, key = found
            values = parsed.get(name)
            if values is None:
                values = parsed[name] = {}
            values[key] = values.get(key, 0) + n
        return parsed


def _add_keys(into: dict[str, dict[Any, int]], parsed: dict[str, dict[Any, int]]) -> None:
    for name, values in parsed.items():
        mine = into.get(name)
        if mine is None:
            into[name] = dict(values)
            continue
        for key, n in values.items():
            mine[key] = mine.get(key, 0) + n


def _from_aggregates(conn: sqlite3.Connection, op_ids: list[str]) -> _Parts:
    root = op_ids[0]
    marks = ",".join("?" * len(op_ids))
    own: dict[str, _Sum] = {}
    sites: dict[str, _Sum] = {}
    for scope, site, *rest in conn.execute(
        f"SELECT scope, site, {_COLUMNS}, people FROM rollup_sites WHERE scope IN ({marks})",
        op_ids,
    ).fetchall():
        counts, people = rest[:_N], rest[_N]
        own.setdefault(scope, _Sum()).add(counts, people)
        sites.setdefault(site, _Sum()).add(counts, people)
    own_keys: dict[str, dict[str, dict[Any, int]]] = {}
    keys: dict[str, dict[Any, int]] = {}
    parse = _Keys().parse
    for scope, text in conn.execute(
        f"SELECT scope, keys FROM rollup_totals WHERE scope IN ({marks})", op_ids
    ).fetchall():
        own_keys[scope] = parsed = parse(text)
        _add_keys(keys, parsed)
    hours: dict[int, _Sum] = {}
    below = (0, 1) if len(op_ids) > 1 else (0,)
    for hour, *rest in conn.execute(
        f"SELECT hour, {_COLUMNS}, people FROM rollup_hours "
        f"WHERE scope = ? AND below IN ({','.join('?' * len(below))})",
        (root, *below),
    ).fetchall():
        hours.setdefault(hour, _Sum()).add(rest[:_N], rest[_N])
    return own, own_keys, sites, hours, keys


def _from_cells(
    conn: sqlite3.Connection,
    op_ids: list[str],
    site: str | None,
    start: datetime | None,
    end: datetime | None,
) -> _Parts:
    where = f"op_id IN ({','.join('?' * len(op_ids))})"
    params: list[Any] = list(op_ids)
    if site is not None:
        where += " AND site = ?"
        params.append(site)
    if start is not None:
        where += " AND hour >= ?"
        params.append(int(start.timestamp()))
    if end is not None:
        where += " AND hour < ?"
        params.append(int(end.timestamp()))
    own: dict[str, _Sum] = {}
    sites: dict[str, _Sum] = {}
    hours: dict[int, _Sum] = {}
    own_keys: dict[str, dict[str, dict[Any, int]]] = {}
    keys: dict[str, dict[Any, int]] = {}
    parse = _Keys().parse
    for op_id, at_site, hour, *rest in conn.execute(
        f"SELECT op_id, site, hour, {_COLUMNS}, keys FROM rollup_cells WHERE {where}", params
    ).fetchall():
        counts = rest[:_N]
        own.setdefault(op_id, _Sum()).add(counts)
        sites.setdefault(at_site, _Sum()).add(counts)
        hours.setdefault(hour, _Sum()).add(counts)
        parsed = parse(rest[_N])
        _add_keys(own_keys.setdefault(op_id, {}), parsed)
        _add_keys(keys, parsed)
    of_op: dict[str, set[int]] = {}
    of_site: dict[str, set[int]] = {}
    of_hour: dict[int, set[int]] = {}
    for op_id, at_site, hour, person in conn.execute(
        f"SELECT op_id, site, hour, person FROM rollup_people WHERE {where}", params
    ).fetchall():
        of_op.setdefault(op_id, set()).add(person)
        of_site.setdefault(at_site, set()).add(person)
        of_hour.setdefault(hour, set()).add(person)
    for sums, found in ((own, of_op), (sites, of_site), (hours, of_hour)):
        for key, numbers in found.items():
            sums[key].people = bitmap(numbers)  # type: ignore[index]
    return own, own_keys, sites, hours, keys
