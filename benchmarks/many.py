"""The national view: many logs reported in one process, and on a local Dask cluster of one and
of two worker processes (``anpr_ops.distributed``), timed in the same run.

``python -m benchmarks.many JSON-ARGS`` writes ``logs`` logs of ``events`` events each (one
force's operation per log) into ``folder`` and prints one JSON object: the best of three
seconds of each way of reporting them all (``report_logs(paths)``), after checking that every
way gives the same report. The clusters are started before the clock runs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anpr_ops import OpLog, OpReport, report_logs
from anpr_ops.distributed import report_logs as on_cluster
from benchmarks import workload

REPEATS = 3


def make_logs(folder: Path, logs: int, events: int) -> list[Path]:
    """``logs`` files, each one operation of ``events`` events with its own ids and people."""
    paths = []
    for n in range(logs):
        path = folder / f"force-{n:02d}.db"
        with OpLog.open(path, create=True, durability="normal") as log:
            start = datetime(2020, 4, 18, 6, tzinfo=UTC)
            stream = workload.events(events, op_id=f"force-{n}", seed=n + 1, start=start)
            for batch in workload.batches(stream, 5000):
                log.extend(batch)
        paths.append(path)
    return paths


def cluster(stack: contextlib.ExitStack, workers: int) -> Any:
    """A client of a local cluster of ``workers`` processes, one thread each, closed with
    ``stack``."""
    from distributed import Client, LocalCluster

    local = stack.enter_context(
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            processes=True,
            threads_per_worker=1,
            dashboard_address=":0",
            host="127.0.0.1",
        )
    )
    return stack.enter_context(Client(local, set_as_default=False))  # type: ignore[no-untyped-call]


def measure(folder: str, logs: int, events: int) -> dict[str, Any]:
    """Each way timed in turn, :data:`REPEATS` rounds, the best of each kept: a shared
    machine's load then weighs on every way alike."""
    paths = make_logs(Path(folder), logs, events)
    with contextlib.ExitStack() as stack:
        ways: dict[str, Callable[[], OpReport]] = {"local": lambda: report_logs(paths)}
        for name, workers in (("one_worker", 1), ("two_workers", 2)):
            client = cluster(stack, workers)
            ways[name] = functools.partial(on_cluster, paths, client=client)
        times: dict[str, list[float]] = {name: [] for name in ways}
        results = {}
        for _ in range(REPEATS):
            for name, run in ways.items():
                began = time.perf_counter()
                results[name] = run()
                times[name].append(time.perf_counter() - began)
    if not results["one_worker"] == results["two_workers"] == results["local"]:
        raise SystemExit("the cluster's report differs from the one-process report")
    for path in Path(folder).glob("force-*.db*"):
        path.unlink()
    return {name: min(spent) for name, spent in times.items()} | {"events": logs * events}


if __name__ == "__main__":
    print(json.dumps(measure(**json.loads(sys.argv[1]))))
