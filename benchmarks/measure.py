"""One measurement each, run in its own process (so peak memory is that measurement's own).

``python -m benchmarks.measure NAME JSON-ARGS`` prints one JSON object: ``seconds``,
``items`` and ``peak_kib`` (the process's high-water resident set size).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from anpr_ops import OpLog
from anpr_ops import _schema as schema
from anpr_ops.log import _initialise
from benchmarks import workload

EVENT_COLUMNS = "seq, event_id, body, prev_hash, hash"
INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 5)})"
# The bare table: the same event rows, no index, trigger, projection or AUTOINCREMENT.
BARE = (
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT, body TEXT, prev_hash TEXT, "
    "hash TEXT)"
)


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def connect(path: str, *, synchronous: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    return conn


def stream(events: int, ops: int) -> Iterator[dict[str, Any]]:
    """``events`` events: one parent operation and ``ops`` child operations sharing them."""
    yield workload.operation("bench", start=workload.datetime(2020, 4, 18, 6, tzinfo=workload.UTC))
    per_op = (events - 1) // ops
    for k in range(ops):
        size = per_op if k < ops - 1 else events - 1 - per_op * (ops - 1)
        yield from workload.events(size, op_id=f"bench-{k}", seed=k + 1, parent="bench")


# --------------------------------------------------------------------------- library side


def append_batches(db: str, events: int, ops: int, batch: int, durability: str) -> float:
    """Write the workload through ``OpLog.extend`` in batches; the seconds it took."""
    elapsed = 0.0
    with OpLog.open(db, create=True, durability=durability) as log:  # type: ignore[arg-type]
        for chunk in workload.batches(stream(events, ops), batch):
            start = time.perf_counter()  # generating the workload is not timed
            log.extend(chunk)
            elapsed += time.perf_counter() - start
    return elapsed


def append_singles(db: str, events: int, durability: str) -> float:
    """Write the workload one ``OpLog.append`` (one transaction) per event."""
    elapsed = 0.0
    with OpLog.open(db, create=True, durability=durability) as log:  # type: ignore[arg-type]
        for event in workload.events(events, op_id="single"):
            start = time.perf_counter()
            log.append(event)
            elapsed += time.perf_counter() - start
    return elapsed


def verify_library(db: str) -> float:
    with OpLog.open(db, readonly=True) as log:
        start = time.perf_counter()
        result = log.verify()
        elapsed = time.perf_counter() - start
    assert result.ok, result.reason
    return elapsed


# --------------------------------------------------------------------------- baselines


def _rows_by_batch(
    source: str, batch: int, *, events_only: bool = False
) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """The rows the library wrote, grouped by the batches of events they came from."""
    conn = sqlite3.connect(source)
    (last,) = conn.execute("SELECT max(seq) FROM events").fetchone()
    for low in range(1, last + 1, batch):
        high = low + batch - 1
        rows = {
            "events": conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE seq BETWEEN ? AND ?",
                (low, high),
            ).fetchall()
        }
        for table in () if events_only else schema.DERIVED:
            key = "op_seq" if table.name == "sites" else "seq"
            rows[table.name] = conn.execute(
                f"SELECT {', '.join(table.column_names)} FROM {table.name} "
                f"WHERE {key} BETWEEN ? AND ?",
                (low, high),
            ).fetchall()
        yield rows
    conn.close()


def raw_same_rows(source: str, target: str, batch: int, synchronous: str) -> float:
    """executemany of the very rows the library wrote, into the same schema, same batches."""
    conn = connect(target, synchronous=synchronous)
    _initialise(conn, wal=True)
    inserts = {t.name: t.insert_sql() for t in schema.DERIVED}
    elapsed = 0.0
    for rows in _rows_by_batch(source, batch):  # reading the source is not timed
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_EVENT, rows["events"])
        for table, values in rows.items():
            if table != "events" and values:
                conn.executemany(inserts[table], values)
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - start
    conn.close()
    return elapsed


def raw_bare(source: str, target: str, batch: int, synchronous: str) -> float:
    """executemany of the same event rows into a bare table: no index, trigger or projection."""
    conn = connect(target, synchronous=synchronous)
    conn.execute(BARE)
    elapsed = 0.0
    for rows in _rows_by_batch(source, batch, events_only=True):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_EVENT, rows["events"])
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - start
    conn.close()
    return elapsed


def raw_singles(source: str, target: str, synchronous: str) -> float:
    """One transaction per event: its events row and its projection rows, same schema."""
    groups = list(_rows_by_batch(source, 1))
    conn = connect(target, synchronous=synchronous)
    _initialise(conn, wal=True)
    inserts = {t.name: t.insert_sql() for t in schema.DERIVED}
    start = time.perf_counter()
    for rows in groups:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(INSERT_EVENT, rows["events"][0])
        for table, values in rows.items():
            if table != "events" and values:
                conn.executemany(inserts[table], values)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def rehash_loop(source: str) -> float:
    """Re-hash the stored bytes in a tight loop: the floor of any verification."""
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    start = time.perf_counter()
    prev = bytes(32)
    sha256 = hashlib.sha256
    for (body,) in conn.execute("SELECT CAST(body AS BLOB) FROM events ORDER BY seq"):
        prev = sha256(prev + body).digest()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


MEASURES: dict[str, Callable[..., float]] = {
    "append_batches": append_batches,
    "append_singles": append_singles,
    "verify_library": verify_library,
    "raw_same_rows": raw_same_rows,
    "raw_bare": raw_bare,
    "raw_singles": raw_singles,
    "rehash_loop": rehash_loop,
}


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    seconds = MEASURES[name](**args)
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib()}))


if __name__ == "__main__":
    main()
