"""``make bench``: every figure of the performance floor, with its same-run baseline and ratio.

Each measurement runs in a fresh process on a fresh file in a temporary folder, with
``synchronous=NORMAL`` and WAL on both sides unless said otherwise. Usage::

    python -m benchmarks                 # 100k and 1M events (about 15 minutes)
    python -m benchmarks --sizes 100000,1000000,10000000
    python -m benchmarks --quick         # a smoke run: tiny sizes, floors not judged
    python -m benchmarks --tree          # what the Merkle tree costs appends (budget 10%)
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

from benchmarks import appends

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
    limit: float | None = None  # the most seconds the library may take (per_second=False)

    @property
    def ok(self) -> bool:
        within = self.limit is None or self.library <= self.limit
        return within and (self.floor is None or self.ratio >= self.floor)

    @property
    def ratio(self) -> float:
        """Library over baseline throughput (per-second) or baseline over library time."""
        if self.per_second:
            return self.library / self.baseline
        return self.baseline / self.library

    def row(self) -> str:
        unit = "/s" if self.per_second else " s"
        lib = f"{self.library:,.0f}{unit}" if self.per_second else _seconds(self.library)
        base = f"{self.baseline:,.0f}{unit}" if self.per_second else _seconds(self.baseline)
        floor = f">= {self.floor:.2f}" if self.floor is not None else ""
        if self.limit is not None:
            floor += f", <= {self.limit * 1000:.0f} ms"
        judged = self.floor is not None or self.limit is not None
        verdict = "" if not judged else ("ok" if self.ok else "BELOW")
        memory = (
            f"{self.library_kib / 1024:,.0f} / {self.baseline_kib / 1024:,.0f} MiB"
            if self.library_kib or self.baseline_kib
            else ""  # a median of several runs: no one process's peak
        )
        return (
            f"| {self.name} | {self.size:,} | {lib} | {base} | {self.ratio:.2f} | {floor} "
            f"| {verdict} | {memory} |"
        )


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


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


def _rates(
    name: str, count: int, lib: dict[str, Any], base: dict[str, Any], floor: float | None
) -> Figure:
    """A figure of ``count`` events written by the library and by a baseline, per second."""
    return Figure(
        name,
        count,
        count / lib["seconds"],
        count / base["seconds"],
        floor,
        library_kib=lib["peak_kib"],
        baseline_kib=base["peak_kib"],
    )


def run(size: int, folder: Path, *, batch: int, singles: int, appends: bool = True) -> list[Figure]:
    """The figures of one size: batch appends against their raw baselines (unless
    ``appends`` is false: :func:`writer_figures` measured them), verify, the rollups' upkeep,
    the reports, and single appends when ``singles``."""
    ops = max(1, size // 100_000)
    lib_db = str(folder / f"lib-{size}.db")
    figures = []
    lib = measure(
        "append_batches", db=lib_db, events=size, ops=ops, batch=batch, durability="normal"
    )
    if appends:
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
        figures.append(_rates("batch append vs same rows, same schema", size, lib, same, 0.5))
        figures.append(_rates("batch append vs bare events table", size, lib, bare, None))
    once = {"_runs": 1} if size >= 1_000_000 else {}  # a long measurement is not repeated
    ver = measure("verify_library", db=lib_db, **once)
    loop = measure("rehash_loop", source=lib_db, **once)
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
    plain = measure(
        "append_batches_without_rollups",
        db=str(folder / f"plain-{size}.db"),
        events=size,
        ops=ops,
        batch=batch,
        durability="normal",
    )
    figures.append(_rates("batch append vs the same without rollups", size, lib, plain, 0.9))
    figures += reports(lib_db, size, "bench", "full report", include_children=True, limit=0.05)
    figures += reports(lib_db, size, "bench-0", "one operation's report", limit=0.01)
    if singles:
        single_db = str(folder / f"single-{size}.db")
        one = measure("append_singles", db=single_db, events=singles, durability="normal")
        raw = measure(
            "raw_singles",
            source=single_db,
            target=str(folder / f"rawsingle-{size}.db"),
            synchronous="NORMAL",
        )
        figures.append(_rates("single appends vs one-row transactions", singles, one, raw, 0.5))
    for path in folder.glob("*.db*"):
        path.unlink()
    return figures


def tree_figures(size: int, folder: Path, *, batch: int, singles: int) -> list[Figure]:
    """What keeping the Merkle tree costs appends: the library with it against the library
    with its upkeep switched off, in CPU time, each side's best of three (budget: 10%)."""
    figures = []
    for name, measurement, count, extra in (
        ("batch append, Merkle tree kept vs not", "tree_batches", size, {"ops": 1, "batch": batch}),
        ("single appends, Merkle tree kept vs not", "tree_singles", singles, {}),
    ):
        sides = [
            measure(
                measurement, db=str(folder / f"tree-{tree}.db"), events=count, tree=tree, **extra
            )
            for tree in (True, False)
        ]
        figures.append(
            Figure(
                name,
                count,
                count / sides[0]["seconds"],
                count / sides[1]["seconds"],
                0.9,
                library_kib=sides[0]["peak_kib"],
                baseline_kib=sides[1]["peak_kib"],
            )
        )
    for path in folder.glob("*.db*"):
        path.unlink()
    return figures


#: Above this many events the reference scan of the full report is left out: it holds every
#: event's current version in memory, which a 10-million-event log would not fit.
SCAN_LIMIT = 2_000_000


def reports(
    db: str, size: int, op_id: str, what: str, *, include_children: bool = False, limit: float
) -> list[Figure]:
    """The report of ``op_id`` from the rollups, against the scan and against DuckDB's queries
    (its load printed apart)."""
    args = {"db": db, "op_id": op_id, "include_children": include_children}
    rolled = measure("report_rollups", **args)
    duck = measure("report_duckdb", **args)
    print(
        f"<!-- {what}, {size:,} events: DuckDB load {_seconds(duck['load_seconds'])}, "
        f"queries {_seconds(duck['seconds'])}, peak {duck['peak_kib'] / 1024:,.0f} MiB -->",
        flush=True,
    )

    def against(name: str, baseline: dict[str, Any], floor: float) -> Figure:
        return Figure(
            f"{what}: rollups vs {name}",
            size,
            rolled["seconds"],
            baseline["seconds"],
            floor,
            per_second=False,
            library_kib=rolled["peak_kib"],
            baseline_kib=baseline["peak_kib"],
            limit=limit,
        )

    figures = []
    if size <= SCAN_LIMIT or not include_children:  # one operation's scan reads its own
        figures.append(against("scan", measure("report_scan", **args), 50.0))
    else:
        print(
            f"<!-- {what}, {size:,} events: the scan is not run above {SCAN_LIMIT:,} events "
            "(it holds every event's current version: about 2.5 GiB a million) -->",
            flush=True,
        )
    return [*figures, against("DuckDB in memory", duck, 1.0)]


_BATCH_WRITERS = {
    "anpr_ops": "anpr_ops `OpLog.extend` (validated, canonical, chained, checked, rolled up)",
    "sqlite_utils": "sqlite-utils `insert_all`, raw dicts (checks nothing)",
    "sqlite_utils_validated": "anpr_ops' pydantic models + sqlite-utils `insert_all`",
    "eventsourcing": "eventsourcing `SQLiteApplicationRecorder.insert_events`, pre-serialised",
    "same_rows": "stdlib `executemany` of the very rows anpr_ops wrote",
    "bare": "stdlib `executemany` of the event rows into a bare table",
}
_SINGLE_WRITERS = {
    "anpr_ops": "anpr_ops `OpLog.append`",
    "sqlite_utils": "sqlite-utils `insert`, raw dict",
    "eventsourcing": "eventsourcing `insert_events` of one event",
    "raw": "stdlib: one transaction inserting the event's rows",
    "bare": "stdlib: one transaction inserting the event's row into a bare table",
}


def writer_figures(
    size: int, folder: Path, *, batch: int, singles: int, rounds: int
) -> list[Figure]:
    """The append figures against the peers, every writer measured ``rounds`` times,
    interleaved; the tables of writers are printed as they come."""
    rates = appends.batch_rates(measure, size, folder, batch=batch, rounds=rounds)
    _print(appends.table(f"Batch appends, {size:,} events ({batch:,}-event batches):", rates,
                         _BATCH_WRITERS))  # fmt: skip
    ours = rates["anpr_ops"]
    figures = [
        Figure("batch append vs sqlite-utils insert_all, raw dicts", size, ours,
               rates["sqlite_utils"], 1.0),
        Figure("batch append vs same rows, same schema", size, ours, rates["same_rows"], 0.5),
        Figure("batch append vs pydantic + sqlite-utils", size, ours,
               rates["sqlite_utils_validated"], None),
        Figure("batch append vs eventsourcing recorder", size, ours, rates["eventsourcing"], None),
        Figure("batch append vs bare events table", size, ours, rates["bare"], None),
    ]  # fmt: skip
    one = appends.single_rates(measure, singles, folder, rounds=rounds)
    _print(appends.table(f"Single appends, {singles:,} events (one transaction each):", one,
                         _SINGLE_WRITERS))  # fmt: skip
    figures += [
        Figure("single appends vs one-row transactions", singles, one["anpr_ops"], one["raw"], 0.5),
        Figure("single appends vs sqlite-utils insert", singles, one["anpr_ops"],
               one["sqlite_utils"], None),
        Figure("single appends vs eventsourcing", singles, one["anpr_ops"], one["eventsourcing"],
               None),
        Figure("single appends vs bare one-row transactions", singles, one["anpr_ops"],
               one["bare"], None),
    ]  # fmt: skip
    lines = appends.jsonl_rates(measure, size, folder, rounds=rounds)
    figures.append(
        Figure("anpr-ops append (JSON Lines) vs sqlite-utils insert --nl", size,
               lines["anpr_ops"], lines["sqlite_utils"], 1.0)
    )  # fmt: skip
    rows = appends.import_rate(measure, folder, rounds=rounds)
    if rows is not None:
        figures.append(Figure("data.police.uk import, rows/s vs 25,000 rows/s", 2000, rows,
                              25_000.0, 1.0))  # fmt: skip
    print(
        "\n| figure | events | anpr_ops | baseline | ratio | floor | verdict "
        "| peak memory (lib / base) |\n|---|---:|---:|---:|---:|---|---|---:|",
        flush=True,
    )
    return figures


def _print(lines: list[str]) -> None:
    print("\n".join(lines), flush=True)


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
        "--tree", action="store_true", help="only what the Merkle tree costs appends (CPU time)"
    )
    parser.add_argument(
        "--national", action="store_true", help="only the national view (many logs, Dask)"
    )
    parser.add_argument(
        "--writers",
        action="store_true",
        help="only the append figures against the peers (sqlite-utils, eventsourcing, raw)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved runs of each writer (median kept)"
    )
    parser.add_argument("--logs", type=int, default=50, help="logs of the national view")
    parser.add_argument(
        "--log-events", type=int, default=10_000, help="events in each log of the national view"
    )
    args = parser.parse_args()
    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    if args.national:
        sizes = []
    national = not args.tree and not args.writers
    rounds = 1 if args.quick else args.rounds
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
            first = size == sizes[0]
            if args.tree:
                figures = tree_figures(size, Path(tmp), batch=args.batch, singles=singles)
            else:
                figures = (
                    writer_figures(
                        size, Path(tmp), batch=args.batch, singles=singles, rounds=rounds
                    )
                    if first
                    else []
                )
                if not args.writers:
                    figures += run(size, Path(tmp), batch=args.batch, singles=0, appends=not first)
            for figure in figures:
                if args.quick:
                    figure.floor = figure.limit = None
                below += not figure.ok
                print(figure.row(), flush=True)
        events = 100 if args.quick else args.log_events
        for figure in many_logs(Path(tmp), logs=args.logs, events=events) if national else []:
            if args.quick:
                figure.floor = None
            below += figure.floor is not None and figure.ratio < figure.floor
            print(figure.row(), flush=True)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
