"""A smoke run of the benchmarks: it only checks that they run and print every figure.

The figures themselves are judged by `make bench`, never by timed assertions here.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

FIGURES = (
    "batch append vs sqlite-utils insert_all, raw dicts",
    "batch append vs same rows, same schema",
    "batch append vs pydantic + sqlite-utils",
    "batch append vs eventsourcing recorder",
    "batch append vs bare events table",
    "single appends vs one-row transactions",
    "single appends vs sqlite-utils insert",
    "single appends vs eventsourcing",
    "single appends vs bare one-row transactions",
    "anpr-ops append (JSON Lines) vs sqlite-utils insert --nl",
    "data.police.uk import, rows/s vs 25,000 rows/s",
    "verify() vs re-hash loop",
    "batch append vs the same without rollups",
    "full report: rollups vs scan",
    "full report: rollups vs DuckDB in memory",
    "one operation's report: rollups vs scan",
    "one operation's report: rollups vs DuckDB in memory",
    "50 logs on 1 Dask worker vs one process",
    "50 logs on 2 Dask workers vs 1 worker",
)


def test_the_benchmarks_run_and_print_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    # The figures' rows have eight cells; the tables of writers before them have three.
    rows = [
        line
        for line in done.stdout.splitlines()
        if line.startswith("| ")
        and "---" not in line
        and line.count(" | ") == 7
        and not line.startswith("| figure |")
    ]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == list(FIGURES)
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert float(cells[4]) > 0  # a ratio was computed from two real measurements
