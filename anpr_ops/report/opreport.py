"""The report of an operation: what it covers (operations, period, sites) and its figures,
with the monoid ``+`` that adds reports of disjoint sets of events, and its dictionary form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo

import attrs

from anpr_ops.report.figures import (
    NO_SITE,
    REPORT_VERSION,
    Rate,
    Rollup,
    Tally,
    empty_map,
    order,
    ordered,
)
from anpr_ops.report.hours import hour_order

__all__ = ["OpReport", "OperationInfo", "Period"]


@attrs.frozen
class OperationInfo:
    """What a report needs to know of an operation: name, zone, parent and sites."""

    op_id: str
    name: str
    timezone: str
    parent_op_id: str | None
    sites: tuple[tuple[str, str], ...]
    """(site_id, name) pairs, in the operation's order."""
    starts_at: datetime
    ends_at: datetime | None

    def _key(self) -> tuple[str, ...]:
        # A total order, so that merging two reports that disagree about an operation picks
        # the same version whichever way round they are added.
        return (
            self.name,
            self.timezone,
            self.parent_op_id or "",
            repr(self.sites),
            self.starts_at.isoformat(),
            self.ends_at.isoformat() if self.ends_at else "",
        )


@attrs.frozen
class Period:
    """The time a report covers; ``None`` at either end means open (or not recorded)."""

    start: datetime | None
    end: datetime | None

    def __or__(self, other: Period) -> Period:
        start = None if self.start is None or other.start is None else min(self.start, other.start)
        end = None if self.end is None or other.end is None else max(self.end, other.end)
        return Period(start, end)


# --------------------------------------------------------------------------- the report


@attrs.frozen(unsafe_hash=False)
class OpReport:
    """The report of one operation (and its children), or the sum of several reports.

    Build one with :meth:`OpLog.report <anpr_ops.log.OpLog.report>`; add reports with ``+``
    or ``sum(reports, OpReport.empty())``. Figures are per operation in
    :attr:`by_operation`; the properties (:attr:`totals`, :attr:`by_site`, the breakdowns…)
    give them summed over every operation of the report.

    >>> OpReport.empty().totals.arrests
    0
    """

    roots: frozenset[str] = frozenset()
    """The operation(s) the report was asked for (several once reports are added)."""
    operations: Mapping[str, OperationInfo] = attrs.field(factory=empty_map)
    """Every operation in the report: the roots and their children."""
    zones: frozenset[str] = frozenset()
    """Time zones hours are bucketed in (one, unless reports of different zones were added)."""
    period: Period | None = None
    """The window asked for, else the root operation's start and end; ``None`` when empty."""
    sites: frozenset[str] | None = frozenset()
    """The site filter: ``None`` for every site, else the sites (or :data:`NO_SITE`) kept."""
    by_operation: Mapping[str, Rollup] = attrs.field(factory=empty_map)
    """op_id → the figures of that operation's own events: totals and breakdowns (the totals by
    site and by hour are kept for the report as a whole, in :attr:`rollup`)."""
    rollup: Rollup = attrs.field(factory=Rollup, repr=False)
    """The figures of every operation together, with the totals by site and by local hour."""

    @classmethod
    def empty(cls) -> OpReport:
        """The identity of ``+``: a report of no events."""
        return cls()

    def __add__(self, other: OpReport) -> OpReport:
        if not isinstance(other, OpReport):
            return NotImplemented
        operations = dict(self.operations)
        for op_id, info in other.operations.items():
            mine = operations.get(op_id)
            operations[op_id] = info if mine is None else min(mine, info, key=OperationInfo._key)
        if self.period is None or other.period is None:
            period = self.period or other.period
        else:
            period = self.period | other.period
        if self.sites is None or other.sites is None:
            sites = None
        else:
            sites = self.sites | other.sites
        by_operation = dict(self.by_operation)
        for op_id, rollup in other.by_operation.items():
            mine_r = by_operation.get(op_id)
            by_operation[op_id] = rollup if mine_r is None else mine_r + rollup
        return OpReport(
            roots=self.roots | other.roots,
            operations=MappingProxyType(operations),
            zones=self.zones | other.zones,
            period=period,
            sites=sites,
            by_operation=MappingProxyType(by_operation),
            rollup=self.rollup + other.rollup,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Reports travel between processes (anpr_ops.distributed sums them on a cluster);
        # read-only maps do not pickle, so they travel as plain dicts.
        return (
            _report_from,
            (
                self.roots,
                dict(self.operations),
                self.zones,
                self.period,
                self.sites,
                dict(self.by_operation),
                self.rollup,
            ),
        )

    # -- what the report is about --------------------------------------------------------

    @property
    def op_id(self) -> str | None:
        """The operation asked for, or ``None`` for an empty or a combined report."""
        return next(iter(self.roots)) if len(self.roots) == 1 else None

    @property
    def name(self) -> str | None:
        """The name of :attr:`op_id`'s operation."""
        op_id = self.op_id
        return self.operations[op_id].name if op_id is not None else None

    @property
    def timezone(self) -> str | None:
        """The IANA zone hours are bucketed in (``None`` when empty or mixed)."""
        return next(iter(self.zones)) if len(self.zones) == 1 else None

    @property
    def children(self) -> tuple[str, ...]:
        """The operations included below the root(s), sorted."""
        return tuple(sorted(set(self.operations) - self.roots))

    # -- the figures ---------------------------------------------------------------------

    @property
    def totals(self) -> Tally:
        """Every total, over every operation of the report."""
        return self.rollup.totals

    @property
    def rates(self) -> dict[str, Rate]:
        """Every rate, from the summed counts (never an average of rates)."""
        return self.rollup.totals.rates

    @property
    def by_site(self) -> dict[str, Tally]:
        """Site id → totals, in the operations' site order; :data:`NO_SITE` last."""
        rank = order([s for info in self.ordered_ops() for s, _ in info.sites], NO_SITE)
        return ordered(self.rollup.by_site, rank)

    @property
    def by_hour(self) -> dict[str, Tally]:
        """Local hour (``2020-10-25T01:00+01:00``) → totals, in time order."""
        return {k: self.rollup.by_hour[k] for k in sorted(self.rollup.by_hour, key=hour_order)}

    @property
    def arrests_by_category(self) -> dict[str, int]:
        """Arrests by their primary offence's category (``unknown`` when not recorded)."""
        return self.rollup.arrests_by_category

    @property
    def arrests_by_group(self) -> dict[str, int]:
        """Arrests by their primary offence's headline group."""
        return self.rollup.arrests_by_group

    def breakdowns(self) -> dict[str, dict[str, Any]]:
        """Every breakdown map (disposals, offences by code, seizures by item, …) by its
        ``to_dict()`` key."""
        return self.rollup.breakdowns()

    def ordered_ops(self) -> list[OperationInfo]:
        """Operations depth first: each root (by name) followed by its descendants."""
        infos = self.operations
        kids: dict[str | None, list[str]] = {}
        for op_id, info in infos.items():
            parent = info.parent_op_id if info.parent_op_id in infos else None
            if op_id in self.roots:
                parent = None
            kids.setdefault(parent, []).append(op_id)
        out: list[OperationInfo] = []

        def walk(parent: str | None) -> None:
            for op_id in sorted(kids.get(parent, ()), key=lambda o: (infos[o].name, o)):
                out.append(infos[op_id])
                walk(op_id)

        walk(None)
        return out

    # -- renderings ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (schema in ``docs/reports.md``). No plates, no people.

        ``totals`` always has every key of :data:`TOTALS_KEYS`; breakdown maps leave out
        zero counts.
        """
        zone = ZoneInfo(self.timezone) if self.timezone else UTC
        rollup = self.rollup
        period = self.period or Period(None, None)
        ops = self.ordered_ops()
        return {
            "report_version": REPORT_VERSION,
            "op_id": self.op_id,
            "name": self.name,
            "timezone": self.timezone,
            "period": {"start": _local(period.start, zone), "end": _local(period.end, zone)},
            "site_filter": None if self.sites is None else sorted(self.sites),
            "children": list(self.children),
            "totals": rollup.totals.to_dict(),
            **rollup.breakdowns(),
            "by_site": {k: v.to_dict() for k, v in self.by_site.items()},
            "by_hour": {k: v.to_dict() for k, v in self.by_hour.items()},
            "by_operation": {
                info.op_id: self.by_operation.get(info.op_id, Rollup()).totals.to_dict()
                for info in ops
            },
            "rates": {name: rate.to_dict() for name, rate in self.rates.items()},
            "operations": {
                info.op_id: {
                    "name": info.name,
                    "parent_op_id": info.parent_op_id,
                    "timezone": info.timezone,
                    "sites": dict(info.sites),
                }
                for info in ops
            },
        }

    def to_text(
        self, *, numbers: Literal["figures", "words"] = "figures", activity: bool = False
    ) -> str:
        """The end-of-day summary, in sentences, generated from the figures.

        The lead sentence gives the root operation's own results (wanted offenders arrested,
        arrests by group, sweeps, weapons recovered, seizures, patrols); each child operation
        then gets a sentence of its own (``Op Kaiser (Vauxhall, …): a further 8 arrests, for
        …``). ``activity=True`` adds the ANPR hits, vehicles stopped and searches to each
        sentence (they are always told for an operation with no results).
        ``numbers="figures"`` writes every count in figures; ``"words"`` writes one to nine in
        words and larger counts in figures. Never shows a plate or a person.
        """
        from anpr_ops.render.sentences import summary  # renderings sit above reports

        return summary(self, numbers=numbers, activity=activity)


def _report_from(
    roots: frozenset[str],
    operations: dict[str, OperationInfo],
    zones: frozenset[str],
    period: Period | None,
    sites: frozenset[str] | None,
    by_operation: dict[str, Rollup],
    rollup: Rollup,
) -> OpReport:
    """The report :meth:`OpReport.__reduce__` took apart."""
    return OpReport(
        roots=roots,
        operations=MappingProxyType(operations),
        zones=zones,
        period=period,
        sites=sites,
        by_operation=MappingProxyType(by_operation),
        rollup=rollup,
    )


def _local(value: datetime | None, zone: ZoneInfo | Any) -> str | None:
    return value.astimezone(zone).isoformat() if value is not None else None
