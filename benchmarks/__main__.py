"""``make bench``: every figure of the performance floor, with its same-run baseline and ratio.

Each measurement runs in a fresh process on a fresh file in a temporary folder, with
``synchronous=NORMAL`` and WAL on both sides unless said otherwise. Usage::

    python -m benchmarks                 # 100k and 1M events (about 10 minutes)
    python -m benchmarks --sizes 100000,1000000,10000000
    python -m benchmarks --quick         # a smoke run: tiny sizes, floors not judged
    python -m benchmarks --national --logs 50 --log-events 10000   # the national view only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    name: str
    size: int
    library: float  # items per second (higher is better) or seconds (lower is better)
    baseline: float
    floor: float | None
    per_second: bool = True
    library_kib: int = 0
    baseline_kib: int = 0

    @property
    def ratio(self) -> float:
        """Library over baseline throughput (per-second) or baseline over library time."""
        if self.per_second:
            return self.library / self.baseline
        return self.baseline / self.library

    def row(self) -> str:
        unit = "/s" if self.per_second else " s"
        lib = f"{self.library:,.0f}{unit}" if self.per_second else f"{self.library:.2f}{unit}"
        base = f"{self.baseline:,.0f}{unit}" if self.per_second else f"{self.baseline:.2f}{unit}"
        floor = f">= {self.floor:.2f}" if self.floor is not None else ""
        verdict = "" if self.floor is None else ("ok" if self.ratio >= self.floor else "BELOW")
        memory = f"{self.library_kib / 1024:,.0f} / {self.baseline_kib / 1024:,.0f} MiB"
        return (
            f"| {self.name} | {self.size:,} | {lib} | {base} | {self.ratio:.2f} | {floor} "
            f"| {verdict} | {memory} |"
        )


def measure(name: str, **args: Any) -> dict[str, Any]:
    # "many" is a module of its own: it starts Dask clusters, whose workers are processes.
    command = ["benchmarks.many"] if name == "many" else ["benchmarks.measure", name]
    done = subprocess.run(
        [sys.executable, "-m", *command, json.dumps(args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(size: int, folder: Path, *, batch: int, singles: int) -> list[Figure]:
    ops = max(1, size // 100_000)
    lib_db = str(folder / f"lib-{size}.db")
    figures = []
    lib = measure(
        "append_batches", db=lib_db, events=size, ops=ops, batch=batch, durability="normal"
    )
    same = measure(
        "raw_same_rows",
        source=lib_db,
        target=str(folder / f"same-{size}.db"),
        batch=batch,
        synchronous="NORMAL",
    )
    bare = measure(
        "raw_bare",
        source=lib_db,
        target=str(folder / f"bare-{size}.db"),
        batch=batch,
        synchronous="NORMAL",
    )
    figures.append(
        Figure(
            "batch append vs same rows, same schema",
            size,
            size / lib["seconds"],
            size / same["seconds"],
            0.5,
            library_kib=lib["peak_kib"],
            baseline_kib=same["peak_kib"],
        )
    )
    figures.append(
        Figure(
            "batch append vs bare events table",
            size,
            size / lib["seconds"],
            size / bare["seconds"],
            0.25,
            library_kib=lib["peak_kib"],
            baseline_kib=bare["peak_kib"],
        )
    )
    ver = measure("verify_library", db=lib_db)
    loop = measure("rehash_loop", source=lib_db)
    figures.append(
        Figure(
            "verify() vs re-hash loop",
            size,
            ver["seconds"],
            loop["seconds"],
            0.5,
            per_second=False,
            library_kib=ver["peak_kib"],
            baseline_kib=loop["peak_kib"],
        )
    )
    rep = measure("report_library", db=lib_db, op_id="bench")
    hand = measure("report_by_hand", db=lib_db, op_id="bench")
    figures.append(
        Figure(
            "full report vs hand-written GROUP BYs",
            size,
            rep["seconds"],
            hand["seconds"],
            0.5,
            per_second=False,
            library_kib=rep["peak_kib"],
            baseline_kib=hand["peak_kib"],
        )
    )
    if singles:
        single_db = str(folder / f"single-{size}.db")
        one = measure("append_singles", db=single_db, events=singles, durability="normal")
        raw = measure(
            "raw_singles",
            source=single_db,
            target=str(folder / f"rawsingle-{size}.db"),
            synchronous="NORMAL",
        )
        figures.append(
            Figure(
                "single appends vs one-row transactions",
                singles,
                singles / one["seconds"],
                singles / raw["seconds"],
                0.5,
                library_kib=one["peak_kib"],
                baseline_kib=raw["peak_kib"],
            )
        )
    for path in folder.glob("*.db*"):
        path.unlink()
    return figures


def many_logs(folder: Path, *, logs: int, events: int) -> list[Figure]:
    """The national view: ``logs`` logs reported in one process, on 1 and on 2 Dask workers."""
    times = measure("many", folder=str(folder), logs=logs, events=events)
    size = int(times["events"])
    return [
        Figure(
            f"{logs} logs on 1 Dask worker vs one process",
            size,
            times["one_worker"],
            times["local"],
            None,  # the price of a cluster, told rather than judged
            per_second=False,
        ),
        Figure(
            f"{logs} logs on 2 Dask workers vs 1 worker",
            size,
            times["two_workers"],
            times["one_worker"],
            1.2,
            per_second=False,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated event counts")
    parser.add_argument("--batch", type=int, default=1000, help="events per batch append")
    parser.add_argument("--singles", type=int, default=5000, help="events appended one by one")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny sizes, no verdicts")
    parser.add_argument("--folder", help="where to put the temporary files (default: system temp)")
    parser.add_argument(
        "--national", action="store_true", help="only the national view (many logs, Dask)"
    )
    parser.add_argument("--logs", type=int, default=50, help="logs of the national view")
    parser.add_argument(
        "--log-events", type=int, default=10_000, help="events in each log of the national view"
    )
    args = parser.parse_args()
    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    if args.national:
        sizes = []
    singles = 200 if args.quick else args.singles
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        "| figure | events | anpr_ops | baseline | ratio | floor | verdict "
        "| peak memory (lib / base) |"
    )
    print("|---|---:|---:|---:|---:|---|---|---:|")
    below = 0
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        for size in sizes:
            for figure in run(
                size, Path(tmp), batch=args.batch, singles=singles if size == sizes[0] else 0
            ):
                if args.quick:
                    figure.floor = None
                below += figure.floor is not None and figure.ratio < figure.floor
                print(figure.row(), flush=True)
        events = 100 if args.quick else args.log_events
        for figure in many_logs(Path(tmp), logs=args.logs, events=events):
            if args.quick:
                figure.floor = None
            below += figure.floor is not None and figure.ratio < figure.floor
            print(figure.row(), flush=True)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
