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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anpr_ops import OpLog
from anpr_ops.store._connection import create_schema
from benchmarks import workload

EVENT_COLUMNS = "seq, event_id, kind, op_id, occurred_at, target_seq, ref_seq, body, hash"
INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 9)})"
# The bare table: the same event rows, no index, trigger, projection or AUTOINCREMENT.
BARE = (
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT, kind TEXT, op_id TEXT, "
    "occurred_at TEXT, target_seq INTEGER, ref_seq INTEGER, body TEXT, hash TEXT)"
)
#: The tables (besides events) whose rows the library writes one per event, operation, site or
#: person, and how a row is found in a batch's range of seqs: these are the rows the "same
#: rows" baseline inserts. The rollups are upserted per batch and left out (their cost is the
#: "without rollups" figure).
PER_ROW = {
    "personal": ('seq, salt, "values"', "seq BETWEEN ? AND ?"),
    "operations": (
        "op_id, seq, name, force, timezone, starts_at, ends_at, parent_op_id",
        "seq BETWEEN ? AND ?",
    ),
    "sites": (
        "op_id, site_id, position, name, latitude, longitude",
        "op_id IN (SELECT op_id FROM operations WHERE seq BETWEEN ? AND ?)",
    ),
    "offence_definitions": (
        "code, seq, title, category, statute, section, cjs_class, drug_class",
        "seq BETWEEN ? AND ?",
    ),
}


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
    yield workload.operation("bench", start=datetime(2020, 4, 18, 6, tzinfo=UTC))
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


def append_batches_without_rollups(
    db: str, events: int, ops: int, batch: int, durability: str
) -> float:
    """The same appends with the rollup upkeep switched off (a log that would not verify: for
    measuring what the upkeep costs, never for use)."""
    from anpr_ops.store import _upkeep

    def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    _upkeep.Upkeep.event = nothing  # type: ignore[method-assign]
    _upkeep.Upkeep.correction = nothing  # type: ignore[method-assign]
    _upkeep.Upkeep.write = nothing  # type: ignore[method-assign]
    _fresh(db)
    return append_batches(db, events, ops, batch, durability)


def _fresh(path: str) -> None:
    """Remove a database file (and its WAL files) left by an earlier run of a measurement."""
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


def append_singles(db: str, events: int, durability: str) -> float:
    """Write the workload one ``OpLog.append`` (one transaction) per event."""
    _fresh(db)
    elapsed = 0.0
    with OpLog.open(db, create=True, durability=durability) as log:  # type: ignore[arg-type]
        for event in workload.events(events, op_id="single"):
            start = time.perf_counter()
            log.append(event)
            elapsed += time.perf_counter() - start
    return elapsed


def _without_tree() -> None:
    """Switch the Merkle tree's upkeep off in this process: the baseline of what it costs."""
    from anpr_ops import merkle
    from anpr_ops.store import _batch

    def keep(
        frontier: merkle.Frontier, leaves: Any
    ) -> tuple[merkle.Frontier, dict[tuple[int, int], bytes]]:
        return frontier, {}

    setattr(_batch, "leaf_hash", bytes)  # noqa: B010 - the leaf's bytes, not hashed
    setattr(merkle.Frontier, "append", keep)  # noqa: B010


def tree_batches(db: str, events: int, ops: int, batch: int, tree: bool) -> float:
    """:func:`append_batches` in CPU seconds (steadier than wall time on a shared machine),
    with the Merkle tree kept or, for its baseline, not."""
    if not tree:
        _without_tree()
    _fresh(db)
    elapsed = 0.0
    with OpLog.open(db, create=True, durability="normal") as log:
        for chunk in workload.batches(stream(events, ops), batch):
            start = time.process_time()
            log.extend(chunk)
            elapsed += time.process_time() - start
    return elapsed


def tree_singles(db: str, events: int, tree: bool) -> float:
    """:func:`append_singles` in CPU seconds, with the Merkle tree kept or not."""
    if not tree:
        _without_tree()
    _fresh(db)
    elapsed = 0.0
    with OpLog.open(db, create=True, durability="normal") as log:
        for event in workload.events(events, op_id="single"):
            start = time.process_time()
            log.append(event)
            elapsed += time.process_time() - start
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
    # Each person's row of ``subjects`` belongs to the batch of the first event naming them.
    first_seen: dict[int, list[tuple[Any, ...]]] = {}
    if not events_only:
        for seq, ref, person in conn.execute(
            "SELECT min(e.seq), s.subject_ref, s.person FROM subjects s JOIN events e "
            "ON json_extract(e.body, '$.subject') = s.person GROUP BY s.person"
        ).fetchall():
            first_seen.setdefault((seq - 1) // batch, []).append((ref, person))
    for low in range(1, last + 1, batch):
        high = low + batch - 1
        rows = {
            "events": conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE seq BETWEEN ? AND ?",
                (low, high),
            ).fetchall()
        }
        if not events_only:
            for table, (columns, where) in PER_ROW.items():
                rows[table] = conn.execute(
                    f"SELECT {columns} FROM {table} WHERE {where}", (low, high)
                ).fetchall()
            rows["subjects"] = first_seen.get((low - 1) // batch, [])
        yield rows
    conn.close()


def _marks(columns: str) -> str:
    return ", ".join("?" * (columns.count(",") + 1))


_INSERTS = {
    **{
        table: f"INSERT INTO {table} ({columns}) VALUES ({_marks(columns)})"
        for table, (columns, _) in PER_ROW.items()
    },
    "subjects": "INSERT INTO subjects (subject_ref, person) VALUES (?, ?)",
}


def raw_same_rows(source: str, target: str, batch: int, synchronous: str) -> float:
    """executemany of the very rows the library wrote, into the same schema, same batches."""
    conn = connect(target, synchronous=synchronous)
    conn.execute("BEGIN")
    create_schema(conn)  # connect() has already put the file in WAL mode
    conn.execute("COMMIT")
    elapsed = 0.0
    for rows in _rows_by_batch(source, batch):  # reading the source is not timed
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_EVENT, rows["events"])
        for table, values in rows.items():
            if table != "events" and values:
                conn.executemany(_INSERTS[table], values)
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
    """One transaction per event: its events row and its other rows, same schema."""
    groups = list(_rows_by_batch(source, 1))
    _fresh(target)
    conn = connect(target, synchronous=synchronous)
    conn.execute("BEGIN")
    create_schema(conn)  # connect() has already put the file in WAL mode
    conn.execute("COMMIT")
    start = time.perf_counter()
    for rows in groups:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(INSERT_EVENT, rows["events"][0])
        for table, values in rows.items():
            if table != "events" and values:
                conn.executemany(_INSERTS[table], values)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def raw_singles_bare(source: str, target: str, synchronous: str) -> float:
    """One transaction per event inserting its event row into a bare table."""
    groups = list(_rows_by_batch(source, 1, events_only=True))
    _fresh(target)
    conn = connect(target, synchronous=synchronous)
    conn.execute(BARE)
    start = time.perf_counter()
    for rows in groups:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(INSERT_EVENT, rows["events"][0])
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


def append_jsonl(db: str, source: str) -> float:
    """``anpr-ops append DB FILE`` run in this process: the file read, every line validated,
    the whole file appended as one batch."""
    from anpr_ops.cli import cli

    _fresh(db)
    start = time.perf_counter()
    cli.main(["append", db, source, "--create"], standalone_mode=False)
    return time.perf_counter() - start


def import_police_uk(db: str, source: str) -> dict[str, float]:
    """``import_police_uk`` of a real data.police.uk file into a new operation of a new log;
    the seconds it took and the rows it read."""
    from anpr_ops.interop.police_uk import import_police_uk as run_import

    _fresh(db)
    with OpLog.open(db, create=True, durability="normal") as log:
        start = time.perf_counter()
        done = run_import(log, source, "bench-import")
        elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "rows": done.rows}


def peer(writer: str, **args: Any) -> float:
    """One of the append peers of :mod:`benchmarks.writers`."""
    from benchmarks import writers

    seconds: float = getattr(writers, writer)(**args)
    return seconds


def report_rollups(db: str, op_id: str, include_children: bool = True) -> float:
    """The report answered from the rollups, and its dictionary form."""
    with OpLog.open(db, readonly=True) as log:
        start = time.perf_counter()
        log.report(op_id, include_children=include_children, source="rollups").to_dict()
        return time.perf_counter() - start


def report_scan(db: str, op_id: str, include_children: bool = True) -> float:
    """The same report by the reference scan over the events."""
    with OpLog.open(db, readonly=True) as log:
        start = time.perf_counter()
        log.report(op_id, include_children=include_children, source="scan").to_dict()
        return time.perf_counter() - start


def report_duckdb(db: str, op_id: str, include_children: bool = True) -> dict[str, float]:
    """The report's breakdowns by DuckDB, from an in-memory copy of the events: the load (the
    bodies written out as JSON lines and read into a table) and the queries timed apart."""
    from benchmarks import peers

    return peers.duckdb_report(db, op_id if not include_children else None)


MEASURES: dict[str, Callable[..., Any]] = {
    "append_batches": append_batches,
    "append_singles": append_singles,
    "verify_library": verify_library,
    "raw_same_rows": raw_same_rows,
    "raw_bare": raw_bare,
    "raw_singles": raw_singles,
    "raw_singles_bare": raw_singles_bare,
    "rehash_loop": rehash_loop,
    "tree_batches": tree_batches,
    "tree_singles": tree_singles,
    "report_rollups": report_rollups,
    "report_scan": report_scan,
    "report_duckdb": report_duckdb,
    "append_batches_without_rollups": append_batches_without_rollups,
    "append_jsonl": append_jsonl,
    "import_police_uk": import_police_uk,
    "peer": peer,
}


#: Measurements cheap enough to repeat: each side's best of three is kept, which damps the
#: noise of a shared machine the same way for the library and its baseline. (Single appends
#: start from a fresh file each time.)
REPEATED = {
    "import_police_uk",
    "verify_library",
    "rehash_loop",
    "report_rollups",
    "append_singles",
    "raw_singles",
    "tree_batches",
    "tree_singles",
}


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    runs = int(args.pop("_runs", 3 if name in REPEATED else 1))
    results = [MEASURES[name](**args) for _ in range(runs)]
    found = [r if isinstance(r, dict) else {"seconds": r} for r in results]
    best = min(found, key=lambda r: float(r["seconds"]))
    print(json.dumps({**best, "peak_kib": peak_kib()}))


if __name__ == "__main__":
    main()
