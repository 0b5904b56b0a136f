"""A writer process for the concurrency campaign: several threads appending to one log.

    python -m tests.harness.concurrent_writer LOG PROC SHARED OWN BATCHES SEED

``SHARED`` threads append through one ``OpLog`` they share; ``OWN`` threads each open their
own. Every thread appends ``BATCHES`` batches of 1-12 events (one event goes through
``append``, more through ``extend``) with ids ``p<proc>-t<thread>-<batch>-<i>-<n>``: ANPR hits,
stops naming one of the thread's hits, corrections replacing one, and retractions of hits no
stop names. The process waits for one byte on stdin before it starts, so that all writers
start together, and prints one JSON line per batch that returned::

    {"thread": "p0-t1", "batch": 3, "ids": [...], "first": 118, "last": 124}
"""

from __future__ import annotations

import json
import random
import sys
import threading
from typing import Any

from anpr_ops import OpLog, parse_event
from tests import factory as f

SITES = ("vauxhall", "blackfriars", "tower-bridge")
HOTLISTS = ("pnc", "dvla", "insurance", "force")
REASONS = ["stolen_vehicle", "no_insurance", "drugs", "intelligence", "wanted_person"]


class Thread:
    """What one writing thread knows of its own events."""

    def __init__(self, name: str, seed: int) -> None:
        self.name = name
        self.rng = random.Random(seed)
        self.hits: list[str] = []  # live hits
        self.stopped: set[str] = set()  # hits a stop names (never retracted)

    def hit(self, event_id: str) -> dict[str, Any]:
        """A hit at a random site, hour, hotlist and reason, so that reports tell batches apart."""
        rng = self.rng
        return f.hit(
            event_id,
            site=rng.choice(SITES),
            occurred_at=f"2020-04-18T{rng.randrange(8, 20):02d}:{rng.randrange(60):02d}:00+01:00",
            hotlist=rng.choice(HOTLISTS),
            reasons=rng.sample(REASONS, rng.randint(1, 2)),
            confidence=rng.randrange(101),
        )

    def batch(self, number: int) -> list[dict[str, Any]]:
        rng = self.rng
        n = rng.choice([1, 1, 2, 3, 5, 8, 12])
        events: list[dict[str, Any]] = []
        hits = list(self.hits)
        for i in range(n):
            event_id = f"{self.name}-{number}-{i}-{n}"
            roll = rng.random()
            if hits and roll < 0.25:
                hit_id = rng.choice(hits)
                self.stopped.add(hit_id)
                events.append(f.stop(event_id, hit_id=hit_id, site=rng.choice(SITES)))
            elif self.hits and roll < 0.4:
                target = rng.choice(self.hits)
                replacement = self.hit(target)
                events.append(f.correction(target, event_id=event_id, replacement=replacement))
            elif roll < 0.45 and (free := [h for h in self.hits if h not in self.stopped]):
                target = rng.choice(free)
                self.hits.remove(target)
                hits.remove(target)
                events.append(f.correction(target, event_id=event_id, retract=True))
            else:
                events.append(self.hit(event_id))
                hits.append(event_id)
        return events

    def wrote(self, events: list[dict[str, Any]]) -> None:
        self.hits += [e["event_id"] for e in events if e["kind"] == "anpr_hit"]


def main(argv: list[str]) -> None:
    path, proc_text, shared_text, own_text, batches_text, seed_text = argv
    proc, shared, own = int(proc_text), int(shared_text), int(own_text)
    batches, seed = int(batches_text), int(seed_text)
    parse_event(f.hit())  # warm up validation before the go signal
    out_lock = threading.Lock()
    failures: list[BaseException] = []
    sys.stdin.buffer.read(1)
    common = OpLog.open(path, create=True)

    def work(number: int, log: OpLog) -> None:
        state = Thread(f"p{proc}-t{number}", seed * 100 + proc * 10 + number)
        try:
            for b in range(batches):
                events = state.batch(b)
                result = log.append(events[0]) if len(events) == 1 else log.extend(events)
                state.wrote(events)
                line = {
                    "thread": state.name,
                    "batch": b,
                    "ids": list(result.appended),
                    "first": result.first_seq,
                    "last": result.last_seq,
                }
                with out_lock:
                    print(json.dumps(line), flush=True)
        except BaseException as exc:
            failures.append(exc)
            raise
        finally:
            if log is not common:
                log.close()

    threads = [
        threading.Thread(
            target=work, args=(n, common if n < shared else OpLog.open(path, create=True))
        )
        for n in range(shared + own)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    common.close()
    if failures:
        raise SystemExit(f"{len(failures)} writer thread(s) failed: {failures[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
