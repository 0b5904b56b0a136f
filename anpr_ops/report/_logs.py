"""Reports over many log files: each file reported on its own, the reports added (the monoid).

One home for "the report of one file" (:func:`report_part`), used by :func:`report_logs` in
one process, by ``anpr-ops report A.db B.db …`` and, one task per file, by
:mod:`anpr_ops.distributed` on a Dask cluster. People arrested are counted once per log: each
log numbers its own people, so across files they add up (docs/reports.md says why).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import attrs

from anpr_ops.errors import (
    AnprOpsError,
    EventNotFoundError,
    LogError,
    LogNotFoundError,
    ReportError,
)
from anpr_ops.report._scan import check_window
from anpr_ops.report.opreport import OpReport
from anpr_ops.store import OpLog

__all__ = ["Part", "check_request", "report_logs", "report_part"]

LogPath = str | os.PathLike[str]


@attrs.frozen
class Part:
    """The report of some log files, and which logs it covers (to refuse one log twice).

    Parts add up as reports do, except that adding two parts that cover the same log (the same
    file given twice, or a copy of it: the same ``log_id``) is an error, since its events would
    be counted twice.
    """

    logs: tuple[tuple[str, str], ...]
    """(log id, path) of every log covered, sorted."""
    report: OpReport

    @classmethod
    def empty(cls) -> Part:
        """The identity: no logs, the empty report."""
        return cls((), OpReport.empty())

    def __add__(self, other: Part) -> Part:
        if not isinstance(other, Part):
            return NotImplemented
        mine = dict(self.logs)
        for log_id, path in other.logs:
            if log_id in mine:
                message = (
                    f"{mine[log_id]} and {path} are the same log (log id {log_id}): "
                    "reporting it twice would count its events twice"
                )
                raise ReportError(message, code="same_log_twice")
        return Part(tuple(sorted(self.logs + other.logs)), self.report + other.report)


def check_request(
    op_id: str | None,
    force: str | None,
    site: str | None,
    start: datetime | None,
    end: datetime | None,
) -> None:
    """Refuse arguments that no file could honour, before any file is opened."""
    if op_id is not None and force is not None:
        message = "give an operation or a force, not both (a force selects its operations)"
        raise ReportError(message, code="op_and_force")
    if site is not None and op_id is None:
        message = "a site filter needs an operation: site ids belong to an operation"
        raise ReportError(message, code="site_needs_op")
    check_window(start, end)


def report_part(
    path: LogPath,
    op_id: str | None = None,
    *,
    force: str | None = None,
    include_children: bool = True,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Part:
    """The report of one log file as a :class:`Part` (arguments as for :func:`report_logs`).

    A module-level function of picklable arguments and result, so that a cluster can run it.
    """
    check_request(op_id, force, site, start, end)
    where = os.fspath(path)
    with _open(where) as log:
        try:
            children = include_children
            if op_id is not None:
                log.operation(op_id)  # a file without the operation is an error
                roots = [op_id]
            elif force is None:
                roots = [op.op_id for op in log.operations() if op.parent_op_id is None]
            else:
                # Operations, not trees: a force's figures are its own operations' events, so
                # that the reports of every force add up to the whole, joint operations too.
                roots = [op.op_id for op in log.operations() if op.force == force]
                children = False
            report = OpReport.empty()
            for root in roots:
                report += log.report(
                    root, include_children=children, site=site, start=start, end=end
                )
        except (EventNotFoundError, ReportError) as exc:
            raise _in_file(exc, where) from exc
        return Part(((log.log_id, where),), report)


def report_logs(
    paths: Iterable[LogPath],
    op_id: str | None = None,
    *,
    force: str | None = None,
    include_children: bool = True,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> OpReport:
    """The sum of the reports of several log files, each opened read-only.

    With ``op_id``, every file must hold that operation (reports of one operation kept in
    several files: per site, per day, per team); a file without it is an
    :class:`~anpr_ops.errors.EventNotFoundError` naming the file. Without ``op_id``, every
    root operation (one without a parent) of every file, with its children unless
    ``include_children=False``; with ``force`` (``"metropolitan"``), every operation whose
    ``force`` is that one, each with its own events only (so the reports of every force add
    up to the whole, whatever operations of one force run under another's); a file with none
    of them adds nothing. ``site`` (which needs
    ``op_id``), ``start`` and ``end`` filter as in :meth:`OpLog.report
    <anpr_ops.store.OpLog.report>`.

    A missing file or one that is not a log is an error naming the file, and so is one log
    given twice (the same file, or a copy: the same log id). People arrested are counted once
    per log and add up across logs: each log numbers its own people, and the number of a
    person in one log says nothing about them in another.

    >>> report_logs([]).totals.arrests
    0
    """
    check_request(op_id, force, site, start, end)
    total = Part.empty()
    for path in paths:
        total += report_part(
            path,
            op_id,
            force=force,
            include_children=include_children,
            site=site,
            start=start,
            end=end,
        )
    return total.report


def _open(path: str) -> OpLog:
    """Open a log read-only; an error opening it names the file."""
    if not Path(path).exists():
        raise LogNotFoundError(f"no log file at {path}")
    try:
        return OpLog.open(path, readonly=True)
    except LogError as exc:
        raise _in_file(exc, path) from exc


def _in_file(exc: AnprOpsError, path: str) -> AnprOpsError:
    """The same error, its message saying which file it is about, its context kept."""
    message = exc.message if path in exc.message else f"{path}: {exc.message}"
    named = type(exc)(message, code=exc.code)
    named.event_id, named.field, named.seq, named.line = exc.event_id, exc.field, exc.seq, exc.line
    return named
