"""A writer for the crash campaign: it appends until it is killed, and says what returned.

    python -m tests.harness.crash_writer LOG ACKS RUN DURABILITY MODE SEED

It imports everything and builds its first events, then waits for one byte on stdin, so the
campaign can start the next writer while it is still checking the last one. Then it opens LOG
(creating it if needed) and appends batches forever: one event per ``append`` in ``single``
mode, 2-64 events per ``extend`` in ``batch`` mode. Every line of ACKS is written with one
``write`` and then ``fsync``ed, so what it says survives the SIGKILL that ends the process:

- ``ready RUN`` once the log is open;
- ``begin RUN BATCH N`` just before a batch of N events is handed to the library;
- ``ack RUN BATCH FIRST_SEQ LAST_SEQ`` just after the call returned.

Event ids are ``c<run>-<batch>-<i>-<n>`` (the i-th of n events of a batch), so a check can
group the stored events by batch without any other record. A batch holds ANPR hits, vehicle
stops that name a hit of this run (often one earlier in the same batch) and, now and then, a
correction that replaces an earlier hit, so the rollups and corrections are exercised too.
"""

from __future__ import annotations

import os
import random
import sys
from typing import Any

from anpr_ops import OpLog, parse_event
from tests import factory as f

SITES = ("vauxhall", "blackfriars", "tower-bridge")
OPERATION = f.operation()


class Acks:
    """Append-only acknowledgement lines, each written whole and synced before going on."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def say(self, *words: object) -> None:
        os.write(self.fd, (" ".join(map(str, words)) + "\n").encode("ascii"))
        os.fsync(self.fd)


def batch_events(
    rng: random.Random, run: int, batch: int, n: int, hits: list[str]
) -> list[dict[str, Any]]:
    """``n`` events with ids ``c<run>-<batch>-<i>-<n>``; ``hits`` are this run's earlier hits."""
    events: list[dict[str, Any]] = []
    known = list(hits)
    for i in range(n):
        event_id = f"c{run}-{batch}-{i}-{n}"
        roll = rng.random()
        if known and roll < 0.25:
            events.append(f.stop(event_id, hit_id=rng.choice(known), site="vauxhall"))
        elif hits and roll < 0.3:
            target = rng.choice(hits)
            replacement = f.hit(target, confidence=rng.randrange(101))
            events.append(f.correction(target, event_id=event_id, replacement=replacement))
        else:
            events.append(
                f.hit(event_id, confidence=rng.randrange(101), camera_id=f"cam-{rng.randrange(9)}")
            )
            known.append(event_id)
    return events


def main(argv: list[str]) -> None:
    log_path, acks_path, run_text, durability, mode, seed = argv
    run = int(run_text)
    rng = random.Random(int(seed))
    acks = Acks(acks_path)
    parse_event(f.hit())  # warm up validation before the go signal
    sys.stdin.buffer.read(1)
    log = OpLog.open(log_path, create=True, durability=durability)  # type: ignore[arg-type]
    log.append(OPERATION)
    acks.say("ready", run)
    hits: list[str] = []
    batch = 0
    while True:
        n = 1 if mode == "single" else rng.randint(2, 64)
        events = batch_events(rng, run, batch, n, hits)
        acks.say("begin", run, batch, n)
        result = log.append(events[0]) if mode == "single" else log.extend(events)
        acks.say("ack", run, batch, result.first_seq, result.last_seq)
        hits += [e["event_id"] for e in events if e["kind"] == "anpr_hit"]
        batch += 1


if __name__ == "__main__":
    main(sys.argv[1:])
