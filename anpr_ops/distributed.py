"""Reports over many logs on a Dask cluster: one task per file, the reports added in a tree.

Install the ``distributed`` extra (``pip install 'anpr-ops[distributed]'``)::

    from distributed import Client
    from anpr_ops.distributed import report_logs

    with Client("tcp://scheduler:8786") as client:
        national = report_logs(paths, client=client)

Each task opens one log read-only and reports it, exactly as :func:`anpr_ops.report_logs`
does in one process (:func:`anpr_ops.report._logs.report_part` is the one place both call);
the reports, which form a commutative monoid, are then added in a tree of tasks, ``fan_in``
at a time, so no single task receives every report. Only the reports travel: a few kilobytes
each, whatever the size of the log. The paths must name the files where the workers run
(a shared file system, or the same folder on one machine).
"""

from __future__ import annotations

import importlib
import operator
import os
from collections.abc import Iterable
from datetime import datetime
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anpr_ops.errors import MissingExtraError, ReportError
from anpr_ops.report import OpReport
from anpr_ops.report._logs import Part, check_request, report_part

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["report_logs"]

#: How many reports one reduction task adds together.
FAN_IN = 8


def _dask() -> Any:
    """The ``distributed`` package, or a one-line error naming the extra that installs it."""
    try:
        return importlib.import_module("distributed")
    except ImportError:
        message = (
            "reports on a Dask cluster need the 'distributed' extra: "
            "pip install 'anpr-ops[distributed]'"
        )
        raise MissingExtraError(message) from None


def _add(*parts: Part) -> Part:
    """One reduction task: the sum of some parts (module level, so that it pickles)."""
    return reduce(operator.add, parts, Part.empty())


def report_logs(
    paths: Iterable[str | os.PathLike[str]],
    op_id: str | None = None,
    *,
    client: Client | None = None,
    address: str | None = None,
    force: str | None = None,
    include_children: bool = True,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    fan_in: int = FAN_IN,
) -> OpReport:
    """The sum of the reports of several log files, computed on a Dask cluster.

    The same figures as :func:`anpr_ops.report_logs` with the same arguments (see there for
    ``op_id``, ``force``, ``include_children``, ``site``, ``start`` and ``end``, and for how
    people are counted); only where the work runs differs. Give a ``client``, or the
    ``address`` of a scheduler (``tcp://host:8786``) to connect to for this call; with
    neither, the client the caller already made current (``distributed.get_client()``).
    Relative paths are made absolute here, so the workers must see the files at the same
    place. An error in any file (missing, not a log, no such operation, the same log twice)
    is raised here, as the same error :func:`anpr_ops.report_logs` raises.

    Raises :class:`~anpr_ops.errors.MissingExtraError` when Dask is not installed.
    """
    check_request(op_id, force, site, start, end)
    if fan_in < 2:
        raise ReportError(f"fan_in must be at least 2, not {fan_in}", code="bad_fan_in")
    dask = _dask()
    files = [str(Path(path).absolute()) for path in paths]
    if not files:
        return OpReport.empty()
    if client is None and address is not None:
        with dask.Client(address) as own:
            return _run(own, files, op_id, force, include_children, site, start, end, fan_in)
    if client is None:
        try:
            client = dask.get_client()
        except ValueError:
            message = "no Dask client: give client= or address=, or start a Client first"
            raise ReportError(message, code="no_dask_client") from None
    return _run(client, files, op_id, force, include_children, site, start, end, fan_in)


def _run(
    client: Client,
    files: list[str],
    op_id: str | None,
    force: str | None,
    include_children: bool,
    site: str | None,
    start: datetime | None,
    end: datetime | None,
    fan_in: int,
) -> OpReport:
    level = client.map(
        report_part,
        files,
        op_id=op_id,
        force=force,
        include_children=include_children,
        site=site,
        start=start,
        end=end,
        pure=False,  # the same path twice is two tasks, so the reduction can refuse it
    )
    while len(level) > 1:
        level = [
            client.submit(_add, *level[i : i + fan_in], pure=False)
            for i in range(0, len(level), fan_in)
        ]
    part: Part = level[0].result()
    return part.report
