"""The append figures against the peers (:mod:`benchmarks.writers`), measured in the same run.

Every writer runs ``rounds`` times, interleaved (the library, then each peer, then the library
again, ...), each time in a fresh process on a fresh file, and each figure is the median of its
runs: on a shared machine the load changes between measurements, and interleaving spreads that
change over every side alike. The raw baselines (``executemany`` of the very rows the library
wrote, and of its event rows into a bare table; one-row transactions) are measured from the
rows of the library's own run of that round.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.writers import jsonl_file

_ROOT = Path(__file__).resolve().parent.parent
_REAL = Path("shared", "reference", "data_police_uk", "metropolitan-2016-06-stop-and-search.csv")
#: A real data.police.uk file (2,000 rows, June 2016) imported by the import figure: in the
#: shared reference folder beside the checkout (or beside the folder of a worktree).
POLICE_UK = next(
    (base / _REAL for base in (_ROOT.parent, _ROOT.parent.parent) if (base / _REAL).is_file()),
    None,
)

Measure = Callable[..., dict[str, Any]]


def batch_rates(
    measure: Measure, size: int, folder: Path, *, batch: int, rounds: int
) -> dict[str, float]:
    """Events per second of each batch writer (medians of ``rounds`` interleaved runs)."""
    ops = max(1, size // 100_000)
    common = {"events": size, "ops": ops, "batch": batch}
    runs: dict[str, list[float]] = {}
    for _ in range(rounds):
        lib_db = str(folder / "writers-lib.db")
        sides = {
            "anpr_ops": measure("append_batches", db=lib_db, durability="normal", **common),
            "sqlite_utils": measure(
                "peer", writer="sqlite_utils_batches", db=str(folder / "su.db"), **common
            ),
            "sqlite_utils_validated": measure(
                "peer", writer="sqlite_utils_validated_batches", db=str(folder / "suv.db"), **common
            ),
            "eventsourcing": measure(
                "peer", writer="eventsourcing_batches", db=str(folder / "es.db"), **common
            ),
            "same_rows": measure(
                "raw_same_rows",
                source=lib_db,
                target=str(folder / "same.db"),
                batch=batch,
                synchronous="NORMAL",
            ),
            "bare": measure(
                "raw_bare",
                source=lib_db,
                target=str(folder / "bare.db"),
                batch=batch,
                synchronous="NORMAL",
            ),
        }
        for name, result in sides.items():
            runs.setdefault(name, []).append(size / result["seconds"])
        _clean(folder)
    return {name: statistics.median(rates) for name, rates in runs.items()}


def single_rates(measure: Measure, count: int, folder: Path, *, rounds: int) -> dict[str, float]:
    """Events per second of each writer appending one event per transaction."""
    runs: dict[str, list[float]] = {}
    for _ in range(rounds):
        lib_db = str(folder / "single-lib.db")
        sides = {
            "anpr_ops": measure(
                "append_singles", db=lib_db, events=count, durability="normal", _runs=1
            ),
            "sqlite_utils": measure(
                "peer", writer="sqlite_utils_singles", db=str(folder / "su1.db"), events=count
            ),
            "eventsourcing": measure(
                "peer", writer="eventsourcing_singles", db=str(folder / "es1.db"), events=count
            ),
            "raw": measure(
                "raw_singles",
                source=lib_db,
                target=str(folder / "raw1.db"),
                synchronous="NORMAL",
                _runs=1,
            ),
            "bare": measure(
                "raw_singles_bare",
                source=lib_db,
                target=str(folder / "bare1.db"),
                synchronous="NORMAL",
            ),
        }
        for name, result in sides.items():
            runs.setdefault(name, []).append(count / result["seconds"])
        _clean(folder)
    return {name: statistics.median(rates) for name, rates in runs.items()}


def jsonl_rates(measure: Measure, size: int, folder: Path, *, rounds: int) -> dict[str, float]:
    """Events per second of ``anpr-ops append`` of a JSON Lines file, and of its peer."""
    source = str(folder / "events.jsonl")
    jsonl_file(source, size, max(1, size // 100_000))
    runs: dict[str, list[float]] = {}
    for _ in range(rounds):
        sides = {
            "anpr_ops": measure("append_jsonl", db=str(folder / "jl.db"), source=source),
            "sqlite_utils": measure(
                "peer", writer="jsonl_sqlite_utils", db=str(folder / "jlsu.db"), source=source
            ),
        }
        for name, result in sides.items():
            runs.setdefault(name, []).append(size / result["seconds"])
        _clean(folder)
    return {name: statistics.median(rates) for name, rates in runs.items()}


def import_rate(measure: Measure, folder: Path, *, rounds: int) -> float | None:
    """Rows per second of the data.police.uk import (best of ``rounds``); ``None`` when the
    real file is not at hand."""
    if POLICE_UK is None:
        return None
    found = measure(
        "import_police_uk", db=str(folder / "import.db"), source=str(POLICE_UK), _runs=rounds
    )
    _clean(folder)
    return float(found["rows"]) / float(found["seconds"])


def table(title: str, rates: dict[str, float], labels: dict[str, str]) -> list[str]:
    """A Markdown table of writers: events per second and the ratio of anpr_ops to each."""
    ours = rates["anpr_ops"]
    lines = [f"\n{title}\n", "| writer | events/s | anpr_ops / writer |", "|---|---:|---:|"]
    for name, label in labels.items():
        rate = rates[name]
        lines.append(f"| {label} | {rate:,.0f} | {ours / rate:.2f} |")
    return lines


def _clean(folder: Path) -> None:
    for path in folder.glob("*.db*"):
        path.unlink()
