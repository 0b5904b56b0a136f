"""End-of-operation reports: the counting rules, the figures, and the monoid that adds them.

:meth:`OpLog.report <anpr_ops.store.OpLog.report>` turns the current (corrected) view of a
log into an :class:`OpReport`: totals, breakdowns by site, by local hour, by offence category
and group, by disposal, …, and rates as numerator and denominator. The counting rules are
written down in ``docs/reports.md``.

Reports form a commutative monoid: ``OpReport.empty()`` is the identity and ``a + b`` is the
report of the union of two disjoint sets of events (two logs, two sites, two days)::

    total = sum((log.report(op, site=s) for s in sites), OpReport.empty())

:func:`report_logs` does this over log files: ``report_logs(["met.db", "kent.db"])`` adds the
reports of every operation of both (on a Dask cluster: :mod:`anpr_ops.distributed`).

Modules: :mod:`~anpr_ops.report.figures` (counts, rates, rollups), :mod:`~anpr_ops.report.opreport`
(the report value), :mod:`~anpr_ops.report.hours` (local hours), and the SQL that fills a report
from a log (private).
"""

from __future__ import annotations

from anpr_ops.report._logs import report_logs
from anpr_ops.report.figures import (
    CATEGORY_ORDER,
    GROUP_ORDER,
    NO_SITE,
    NOT_RECORDED,
    RATE_NAMES,
    REPORT_VERSION,
    TOTALS_KEYS,
    UNKNOWN,
    WEAPON_ORDER,
    Rate,
    Rollup,
    SearchCounts,
    Tally,
    group_of,
    order,
    ordered,
)
from anpr_ops.report.opreport import OperationInfo, OpReport, Period

__all__ = [
    "CATEGORY_ORDER",
    "GROUP_ORDER",
    "NOT_RECORDED",
    "NO_SITE",
    "RATE_NAMES",
    "REPORT_VERSION",
    "TOTALS_KEYS",
    "UNKNOWN",
    "WEAPON_ORDER",
    "OpReport",
    "OperationInfo",
    "Period",
    "Rate",
    "Rollup",
    "SearchCounts",
    "Tally",
    "group_of",
    "order",
    "ordered",
    "report_logs",
]
