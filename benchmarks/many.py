"""The national view: many logs reported in one process, and on a local Dask cluster of one and
of two worker processes (``anpr_ops.distributed``), timed in the same run.

``python -m benchmarks.many JSON-ARGS`` writes ``logs`` logs of ``events`` events each (one
force's operation per log) into ``folder`` and prints one JSON object: the best of three
seconds of each way of reporting them all (``report_logs(paths)``), after checking that every
way gives the same report.
"""

from __future__ import annotations

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


def best(run: Callable[[], OpReport]) -> tuple[float, OpReport]:
    """The best of :data:`REPEATS` timings of ``run``, and its result."""
    times = []
    result = OpReport.empty()
    for _ in range(REPEATS):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return min(times), result


def on_workers(paths: list[Path], workers: int) -> tuple[float, OpReport]:
    """Report every log on a local cluster of ``workers`` processes (started beforehand)."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        return best(lambda: on_cluster(paths, client=client))


def measure(folder: str, logs: int, events: int) -> dict[str, Any]:
    paths = make_logs(Path(folder), logs, events)
    local, expected = best(lambda: report_logs(paths))
    one, by_one = on_workers(paths, 1)
    two, by_two = on_workers(paths, 2)
    if not by_one == by_two == expected:
        raise SystemExit("the cluster's report differs from the one-process report")
    for path in Path(folder).glob("force-*.db*"):
        path.unlink()
    return {"local": local, "one_worker": one, "two_workers": two, "events": logs * events}


if __name__ == "__main__":
    print(json.dumps(measure(**json.loads(sys.argv[1]))))
