"""Guarantee 4: several processes and threads appending to one file lose nothing, interleave
whole batches only and leave a chain that verifies; a reader during the writes sees the log as
it was after some whole batch.

Writers are processes (``tests/harness/concurrent_writer.py``), each running threads that
share one ``OpLog`` and threads with an ``OpLog`` of their own. A reader thread in this process
takes snapshots of the log while they write. Every snapshot must equal the log's content after
some batch boundary between the head it saw just before and just after: the corrected view
(``events()``) and the stored order (``events(corrected=False)``) alike.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import OpLog, canonical_dict, parse_event
from anpr_ops._canonical import canonical_text
from tests import factory as f
from tests.conftest import ROOT
from tests.harness.state import event_rows


@dataclass
class Snapshot:
    """What a reader saw, between the heads it read just before and just after: the events
    (``corrected``: the current view, ``stored``: as appended) or the operation's report."""

    before: int
    after: int
    what: str  # "corrected", "stored" or "report"
    seen: Any  # canonical texts of the events in order, or the report's to_dict()


def _texts(events: Iterator[Any]) -> list[str]:
    return [canonical_text(canonical_dict(e)) for e in events]


def _writers(
    path: Path, procs: int, shared: int, own: int, batches: int, seed: int
) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.harness.concurrent_writer",
                str(path),
                str(p),
                str(shared),
                str(own),
                str(batches),
                str(seed),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(procs)
    ]


def _read_while(path: Path, stop: threading.Event, out: list[Snapshot]) -> None:
    """Take snapshots in turn (current view, stored order, report) until told to stop."""
    views: dict[str, Callable[[OpLog], Any]] = {
        "corrected": lambda log: _texts(log.events(personal=True)),
        "stored": lambda log: _texts(log.events(corrected=False, personal=True)),
        "report": lambda log: log.report(f.OP).to_dict(),
    }
    # Writable: its reads of personal values are recorded in the log's access record.
    with OpLog.open(path) as log:
        turn = 0
        while not stop.wait(0.005) or len(out) < 3:
            what = list(views)[turn % 3]
            before = log.head()[0]
            seen = views[what](log)
            after = log.head()[0]
            out.append(Snapshot(before, after, what, seen))
            turn += 1


def _check_snapshots(boundaries: list[tuple[int, list[str]]], snapshots: list[Snapshot]) -> int:
    """Each snapshot must equal the log after some batch boundary within its heads.

    ``boundaries`` lists each batch as (its last seq, its stored bodies), in seq order. The
    expected event lists come from a plain model of the log, not from the library: stored
    order is the bodies so far; the corrected view keeps each event at its first place,
    replaced by the latest replacement, and drops retracted events and the corrections
    themselves. The expected report is that of an in-memory log the same batches were
    appended to one after another, with no one else writing. Returns how many snapshots were
    checked.
    """
    pending = sorted(snapshots, key=lambda s: s.before)
    matched: set[int] = set()
    stored: list[str] = []
    current: dict[str, str] = {}  # event_id -> canonical text of its current version
    with OpLog.memory() as replay:
        for last, bodies in boundaries:
            replay.extend([parse_event(body) for body in bodies])
            for body in bodies:
                stored.append(body)
                event = json.loads(body)
                if event["kind"] != "correction":
                    current[event["event_id"]] = body
                elif event.get("retract"):
                    del current[event["target_id"]]
                else:
                    current[event["target_id"]] = canonical_text(event["replacement"])
            views: dict[str, Any] = {}
            for i, snapshot in enumerate(pending):
                if snapshot.before > last:
                    break
                if i in matched or snapshot.after < last:
                    continue
                if not views:
                    views = {
                        "corrected": list(current.values()),
                        "stored": list(stored),
                        "report": replay.report(f.OP).to_dict(),
                    }
                if snapshot.seen == views[snapshot.what]:
                    matched.add(i)
    unmatched = [s for i, s in enumerate(pending) if i not in matched]
    assert not unmatched, (
        f"{len(unmatched)} of {len(pending)} snapshots equal the log after no batch boundary; "
        f"first: {unmatched[0].what}, heads {unmatched[0].before}..{unmatched[0].after}"
    )
    return len(pending)


def run_concurrency(
    tmp_path: Path, *, procs: int, shared: int, own: int, batches: int, seed: int
) -> dict[str, int]:
    path = tmp_path / "shared.db"
    with OpLog.open(path, create=True) as log:
        log.append(f.operation())
    writers = _writers(path, procs, shared, own, batches, seed)
    stop = threading.Event()
    snapshots: list[Snapshot] = []
    reader = threading.Thread(target=_read_while, args=(path, stop, snapshots))
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("g")
        writer.stdin.flush()  # communicate() closes it
    reader.start()
    outputs = []
    try:
        for writer in writers:
            out, err = writer.communicate(timeout=600)
            assert writer.returncode == 0, err
            outputs += [json.loads(line) for line in out.splitlines()]
    finally:
        stop.set()
        reader.join()

    # Nothing lost, nothing extra, every batch whole and contiguous at the seqs it was given.
    rows = event_rows(path)
    by_seq = {seq: (event_id, body) for seq, event_id, _, body in rows}
    assert [seq for seq, *_ in rows] == list(range(1, len(rows) + 1))
    threads = procs * (shared + own)
    assert len(outputs) == threads * batches
    expected = 1 + sum(len(o["ids"]) for o in outputs)
    assert len(rows) == expected
    boundaries = [(1, [by_seq[1][1]])]  # the operation, appended before the writers started
    for o in sorted(outputs, key=lambda o: o["first"]):
        span = range(o["first"], o["last"] + 1)
        assert [by_seq[seq][0] for seq in span] == o["ids"], f"batch {o} is not whole"
        boundaries.append((o["last"], [by_seq[seq][1] for seq in span]))
    assert boundaries[1][0] - len(boundaries[1][1]) == 1  # only the operation came before

    with OpLog.open(path) as log:
        assert log.verify().ok
        assert log.verify().ok
    done = subprocess.run(
        [sys.executable, "-m", "anpr_ops.verify", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and f"chain holds: {len(rows)} events" in done.stdout

    with OpLog.open(path) as log:
        final = [
            Snapshot(len(rows), len(rows), "corrected", _texts(log.events(personal=True))),
            Snapshot(
                len(rows), len(rows), "stored", _texts(log.events(corrected=False, personal=True))
            ),
            Snapshot(len(rows), len(rows), "report", log.report(f.OP).to_dict()),
        ]
    # The final snapshots also check the model against the library on the whole log.
    checked = _check_snapshots(boundaries, [*snapshots, *final])
    return {
        "processes": procs,
        "threads": threads,
        "batches": len(outputs),
        "events": len(rows),
        "snapshots": checked,
    }


def test_a_few_writers(tmp_path: Path) -> None:
    """Quick version for the default run: 4 processes of 2 threads, 10 batches each."""
    figures = run_concurrency(tmp_path, procs=4, shared=1, own=1, batches=10, seed=1)
    assert figures["events"] > figures["batches"]


@pytest.mark.slow
def test_concurrency_campaign(tmp_path: Path) -> None:
    """4 processes x 3 threads (2 sharing an OpLog, 1 with its own), 120 batches each."""
    figures = run_concurrency(tmp_path, procs=4, shared=2, own=1, batches=120, seed=7)
    print(f"\nconcurrency campaign: {figures}")
    assert figures["threads"] == 12 and figures["snapshots"] >= 30


CREATOR = """
import sys, time
from anpr_ops import OpLog
from tests import factory as f
path, at = sys.argv[1], float(sys.argv[2])
while time.time() < at:
    pass
with OpLog.open(path, create=True) as log:
    log.append(f.operation())
    print(log.log_id)
"""


@pytest.mark.parametrize("attempt", range(2))
def test_processes_creating_one_new_log_at_once_all_succeed(tmp_path: Path, attempt: int) -> None:
    """Six processes open the same new path with create=True at the same instant: one creates
    the log, the others open it; all of them can append (the operation lands once)."""
    import time

    path = tmp_path / f"new-{attempt}.db"
    at = f"{time.time() + 1.0:.6f}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CREATOR, str(path), at],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    failures = [
        err.strip().splitlines()[-1]
        for p, (_, err) in zip(procs, results, strict=True)
        if p.returncode != 0
    ]
    assert not failures, failures
    assert len({out.strip() for out, _ in results}) == 1  # one log id: one log was created
    with OpLog.open(path) as log:
        assert len(log) == 1 and log.verify().ok


def test_events_are_read_as_of_one_moment(tmp_path: Path) -> None:
    """A batch appended by another connection while events() is being read (after its first
    page) shows up entirely or not at all: here a correction of an event on a later page and a
    new event, which must not appear as "the new event, but the old version"."""
    path = tmp_path / "moment.db"
    with OpLog.open(path, create=True) as log, OpLog.open(path) as other:
        log.extend([f.operation(), *(f.hit(f"hit-{n}") for n in range(1500))])
        before = _texts(log.events(personal=True))
        reading = log.events(personal=True)
        first = next(reading)  # the first page (1000 events) is read now
        fixed = f.hit("hit-1200", confidence=1)
        other.extend([f.correction("hit-1200", replacement=fixed), f.hit("hit-new")])
        seen = _texts(iter([first, *reading]))
        after = _texts(log.events(personal=True))
    assert after != before
    assert seen == before


def test_a_failed_creator_does_not_delete_a_log_another_process_has_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If opening a file this process created fails after another process made it a log and
    appended to it, the file stays (deleting it would lose the other process's events)."""
    import sqlite3

    from anpr_ops.errors import LogBusyError
    from anpr_ops.store import _connection

    path = tmp_path / "new.db"
    real_check = getattr(_connection, "check_schema")
    real_prepare = _connection._prepare
    first: list[sqlite3.Connection] = []

    def prepare(conn: sqlite3.Connection, **options: Any) -> None:
        first.append(conn)
        real_prepare(conn, **options)

    def busy_after_another_writer(conn: sqlite3.Connection, views: Any) -> None:
        real_check(conn, views)
        if conn is not first[0]:
            return  # the other writer's own open
        with OpLog.open(path) as other:  # "another process" opens the new log and appends
            other.append(f.operation())
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = 5
        raise error

    monkeypatch.setattr(_connection, "check_schema", busy_after_another_writer)
    monkeypatch.setattr(_connection, "_prepare", prepare)
    with pytest.raises(LogBusyError):
        OpLog.open(path, create=True)
    monkeypatch.undo()
    with OpLog.open(path) as log:
        assert [e.event_id for e in log.events()] == [f"{f.OP}-open"]
