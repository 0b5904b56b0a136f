"""The append peers: other Python writers of the same events, measured in the same run.

Each writes the workload of :func:`benchmarks.measure.stream` (batch appends: 1,000-event
batches, one transaction each) or of :func:`benchmarks.workload.events` (single appends: one
transaction per event) into a fresh SQLite file in WAL mode with ``synchronous=NORMAL``, the
durability the library is measured with. Only the writing is timed: generating the events, and
serialising them beforehand where a peer takes bytes, are not.

- **sqlite-utils, raw dicts**: ``Table.insert_all`` of the interchange dicts as they are, in one
  transaction per batch, columns added as new keys appear (``alter=True``). Nothing is
  validated, canonicalised, chained or checked.
- **sqlite-utils, validated**: the same, after validating each batch with anpr_ops' own pydantic
  models and dumping them back to JSON-ready dicts (what someone would hand-roll with the
  library's models and no store): no chain, no references, no personal values apart.
- **eventsourcing**: ``SQLiteApplicationRecorder.insert_events`` of ``StoredEvent`` objects whose
  state is each event's JSON bytes, serialised beforehand; one aggregate per operation, versions
  in order (eventsourcing's own event store, which checks versions but not content).
- **JSON Lines**: the peer of ``anpr-ops append`` is ``sqlite-utils insert --nl``'s work: parse
  each line with ``json.loads`` and ``insert_all`` the dicts, one transaction for the file.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteDatastore,
)

from anpr_ops.events.models import BATCH_ADAPTER
from benchmarks import workload

__all__ = [
    "eventsourcing_batches",
    "eventsourcing_singles",
    "jsonl_sqlite_utils",
    "sqlite_utils_batches",
    "sqlite_utils_singles",
    "sqlite_utils_validated_batches",
]


def _fresh(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


def _sqlite_utils(path: str) -> sqlite_utils.Database:
    _fresh(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return sqlite_utils.Database(conn)


def _batches(events: int, ops: int, batch: int) -> list[list[dict[str, Any]]]:
    from benchmarks.measure import stream

    return list(workload.batches(stream(events, ops), batch))


def sqlite_utils_batches(db: str, events: int, ops: int, batch: int) -> float:
    """``insert_all`` of the raw dicts, one transaction per batch; the seconds it took."""
    return _insert_all(db, events, ops, batch, lambda chunk: chunk)


def sqlite_utils_validated_batches(db: str, events: int, ops: int, batch: int) -> float:
    """Validation with anpr_ops' models, then ``insert_all`` of the validated dicts."""

    def validated(chunk: list[dict[str, Any]]) -> Any:
        models = BATCH_ADAPTER.validate_python(chunk)
        return BATCH_ADAPTER.dump_python(models, mode="json", exclude_none=True)

    return _insert_all(db, events, ops, batch, validated)


def _insert_all(
    db: str, events: int, ops: int, batch: int, rows: Callable[[list[dict[str, Any]]], Any]
) -> float:
    """``insert_all`` of ``rows(chunk)`` for each batch, one transaction each (what ``rows``
    does is timed too); the seconds it took."""
    chunks = _batches(events, ops, batch)
    database = _sqlite_utils(db)
    table = database.table("events")
    start = time.perf_counter()
    for chunk in chunks:
        prepared = rows(chunk)
        with database.conn:
            database.conn.execute("BEGIN IMMEDIATE")
            table.insert_all(prepared, alter=True, batch_size=batch)
    elapsed = time.perf_counter() - start
    database.close()
    return elapsed


def sqlite_utils_singles(db: str, events: int) -> float:
    """``insert`` of one raw dict per transaction."""
    items = list(workload.events(events, op_id="single"))
    database = _sqlite_utils(db)
    table = database.table("events")
    start = time.perf_counter()
    for item in items:
        with database.conn:
            database.conn.execute("BEGIN IMMEDIATE")
            table.insert(item, alter=True)
    elapsed = time.perf_counter() - start
    database.close()
    return elapsed


class _Pool(SQLiteConnectionPool):
    """eventsourcing's pool, with the durability both sides of the comparison use."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection._sqlite_conn.execute("PRAGMA synchronous = NORMAL")
        return connection


def _recorder(path: str) -> SQLiteApplicationRecorder:
    _fresh(path)
    datastore = SQLiteDatastore(path)
    datastore.pool = _Pool(db_name=path)
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    return recorder


def _stored(items: list[dict[str, Any]], versions: dict[str, int]) -> list[StoredEvent]:
    """Each event as eventsourcing stores it: its operation's aggregate, the next version, and
    its JSON bytes (serialised here, before the timing starts)."""
    out = []
    for item in items:
        op_id = item["op_id"]
        version = versions[op_id] = versions.get(op_id, 0) + 1
        state = json.dumps(item, separators=(",", ":")).encode("utf-8")
        out.append(StoredEvent(uuid.uuid5(uuid.NAMESPACE_URL, op_id), version, item["kind"], state))
    return out


def eventsourcing_batches(db: str, events: int, ops: int, batch: int) -> float:
    """``insert_events`` of pre-serialised events, one call (one transaction) per batch."""
    versions: dict[str, int] = {}
    chunks = [_stored(chunk, versions) for chunk in _batches(events, ops, batch)]
    recorder = _recorder(db)
    start = time.perf_counter()
    for chunk in chunks:
        recorder.insert_events(chunk)
    elapsed = time.perf_counter() - start
    recorder.datastore.close()
    return elapsed


def eventsourcing_singles(db: str, events: int) -> float:
    """``insert_events`` of one pre-serialised event per call."""
    stored = _stored(list(workload.events(events, op_id="single")), {})
    recorder = _recorder(db)
    start = time.perf_counter()
    for event in stored:
        recorder.insert_events([event])
    elapsed = time.perf_counter() - start
    recorder.datastore.close()
    return elapsed


def jsonl_file(path: str, events: int, ops: int) -> None:
    """Write the workload as a JSON Lines file (not timed)."""
    from benchmarks.measure import stream

    with open(path, "w", encoding="utf-8") as out:
        for item in stream(events, ops):
            out.write(json.dumps(item))
            out.write("\n")


def _lines(path: str) -> Iterator[bytes]:
    with open(path, "rb") as source:
        yield from source


def jsonl_sqlite_utils(db: str, source: str) -> float:
    """The JSON Lines file parsed line by line and inserted with ``insert_all`` in one
    transaction: what ``sqlite-utils insert --nl`` does."""
    database = _sqlite_utils(db)
    table = database.table("events")
    start = time.perf_counter()
    with database.conn:
        database.conn.execute("BEGIN IMMEDIATE")
        table.insert_all((json.loads(line) for line in _lines(source)), alter=True)
    elapsed = time.perf_counter() - start
    database.close()
    return elapsed
