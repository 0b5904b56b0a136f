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
from anpr_ops import _schema as schema
from anpr_ops.store._connection import create_schema
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
    conn.execute("BEGIN")
    create_schema(conn)  # connect() has already put the file in WAL mode
    conn.execute("COMMIT")
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
    _fresh(target)
    conn = connect(target, synchronous=synchronous)
    conn.execute("BEGIN")
    create_schema(conn)  # connect() has already put the file in WAL mode
    conn.execute("COMMIT")
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


def report_library(db: str, op_id: str) -> float:
    """The full end-of-operation report, children included."""
    with OpLog.open(db, readonly=True) as log:
        start = time.perf_counter()
        report = log.report(op_id)
        report.to_dict()
        return time.perf_counter() - start


#: The report's figures as an analyst would compute them by hand, one GROUP BY each over the
#: per-kind tables of the same file: hours in local time (the benchmark's days are all in
#: British Summer Time, written as the analyst would, as a fixed shift), sites inherited
#: through what an event names, and the linked counts (hits stopped, searches that led to an
#: arrest, ...) with EXISTS.
_HOUR = "strftime('%Y-%m-%dT%H', substr({t}.occurred_at, 1, 19), '+1 hour')"
BY_HAND = (
    f"SELECT h.op_id, h.site_id, {_HOUR.format(t='h')}, count(*), "
    "sum(EXISTS (SELECT 1 FROM vehicle_stops v WHERE v.hit_id = h.event_id)) "
    "FROM anpr_hits h GROUP BY 1, 2, 3",
    f"SELECT v.op_id, v.site_id, {_HOUR.format(t='v')}, count(*), count(v.hit_id), "
    "sum(EXISTS (SELECT 1 FROM searches s WHERE s.stop_id = v.event_id)) "
    "FROM vehicle_stops v GROUP BY 1, 2, 3",
    f"SELECT s.op_id, coalesce(s.site_id, v.site_id), {_HOUR.format(t='s')}, count(*), "
    "sum(EXISTS (SELECT 1 FROM outcomes o WHERE o.search_id = s.event_id "
    "AND o.disposal = 'arrest')), "
    "sum(EXISTS (SELECT 1 FROM outcomes o WHERE o.search_id = s.event_id "
    "AND o.disposal <> 'no_further_action')), "
    "sum(s.outcome_linked_to_object IS 1), sum(s.outcome_linked_to_object IS NOT NULL) "
    "FROM searches s LEFT JOIN vehicle_stops v ON v.event_id = s.stop_id GROUP BY 1, 2, 3",
    f"SELECT o.op_id, coalesce(s.site_id, sv.site_id, v.site_id), {_HOUR.format(t='o')}, "
    "count(*), sum(o.disposal = 'arrest'), "
    "sum((SELECT count(*) FROM outcome_offences c WHERE c.seq = o.seq)) "
    "FROM outcomes o LEFT JOIN searches s ON s.event_id = o.search_id "
    "LEFT JOIN vehicle_stops sv ON sv.event_id = s.stop_id "
    "LEFT JOIN vehicle_stops v ON v.event_id = o.stop_id GROUP BY 1, 2, 3",
    f"SELECT DISTINCT o.op_id, coalesce(s.site_id, sv.site_id, v.site_id), "
    f"{_HOUR.format(t='o')}, o.subject_ref "
    "FROM outcomes o LEFT JOIN searches s ON s.event_id = o.search_id "
    "LEFT JOIN vehicle_stops sv ON sv.event_id = s.stop_id "
    "LEFT JOIN vehicle_stops v ON v.event_id = o.stop_id WHERE o.disposal = 'arrest'",
    f"SELECT z.op_id, coalesce(z.site_id, s.site_id, sv.site_id, v.site_id, w.site_id), "
    f"{_HOUR.format(t='z')}, count(*) "
    "FROM seizures z LEFT JOIN searches s ON s.event_id = z.search_id "
    "LEFT JOIN vehicle_stops sv ON sv.event_id = s.stop_id "
    "LEFT JOIN vehicle_stops v ON v.event_id = z.stop_id "
    "LEFT JOIN weapon_sweeps w ON w.event_id = z.sweep_id GROUP BY 1, 2, 3",
    f"SELECT op_id, site_id, {_HOUR.format(t='w')}, count(*) FROM weapon_sweeps w GROUP BY 1, 2, 3",
    f"SELECT op_id, site_id, {_HOUR.format(t='p')}, count(*) FROM patrols p GROUP BY 1, 2, 3",
    f"SELECT e.op_id, {_HOUR.format(t='e')}, count(*), sum(e.located), "
    "sum(EXISTS (SELECT 1 FROM outcomes o WHERE o.enquiry_id = e.event_id "
    "AND o.disposal = 'arrest')) FROM arrest_enquiries e GROUP BY 1, 2",
    "SELECT o.op_id, o.disposal, o.primary_category, count(*) FROM outcomes o GROUP BY 1, 2, 3",
    "SELECT o.op_id, c.code, c.category, count(*) FROM outcome_offences c "
    "JOIN outcomes o ON o.seq = c.seq GROUP BY 1, 2, 3",
    "SELECT h.op_id, r.reason, count(*) FROM anpr_hit_reasons r "
    "JOIN anpr_hits h ON h.seq = r.seq GROUP BY 1, 2",
    "SELECT op_id, hotlist, count(*) FROM anpr_hits GROUP BY 1, 2",
    "SELECT s.op_id, s.legislation, s.object_of_search, s.search_type, "
    "coalesce(s.self_defined_ethnicity, 'not_recorded'), count(*), "
    "sum(EXISTS (SELECT 1 FROM outcomes o WHERE o.search_id = s.event_id "
    "AND o.disposal = 'arrest')), sum(s.outcome_linked_to_object IS 1) "
    "FROM searches s GROUP BY 1, 2, 3, 4, 5",
    "SELECT op_id, item, drug_class, weapon_type, count(*) FROM seizures GROUP BY 1, 2, 3, 4",
    "SELECT op_id, count(*) FROM corrections GROUP BY 1",
)


def report_by_hand(db: str, op_id: str) -> float:
    """The same breakdowns as hand-written GROUP BY queries on the same file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    start = time.perf_counter()
    for sql in BY_HAND:
        conn.execute(sql).fetchall()
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
    "report_library": report_library,
    "report_by_hand": report_by_hand,
    "tree_batches": tree_batches,
    "tree_singles": tree_singles,
}


#: Measurements cheap enough to repeat: each side's best of three is kept, which damps the
#: noise of a shared machine the same way for the library and its baseline. (Single appends
#: start from a fresh file each time.)
REPEATED = {
    "verify_library",
    "rehash_loop",
    "report_library",
    "report_by_hand",
    "append_singles",
    "raw_singles",
    "tree_batches",
    "tree_singles",
}


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    runs = 3 if name in REPEATED else 1
    seconds = min(MEASURES[name](**args) for _ in range(runs))
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib()}))


if __name__ == "__main__":
    main()
