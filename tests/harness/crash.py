"""The crash campaign: start a writer, SIGKILL it at a random moment, check the log, repeat.

After every kill the log must open, verify (also against the checkpoint taken after the
previous kill, so nothing that was there has gone), match a rebuild of its derived tables, hold
every batch whose append had returned (the writer's ``ack`` lines), and hold each batch whole
and contiguous or not at all.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from anpr_ops import Checkpoint, OpLog
from tests.conftest import ROOT
from tests.harness.state import event_rows

_ID = re.compile(r"^c(\d+)-(\d+)-(\d+)-(\d+)$")
OPERATION_ID = "kaiser-2020-04-18-open"


@dataclass
class Stats:
    """What a campaign did, for the assertions and for docs/reliability.md."""

    kills: int = 0
    kills_in_append: int = 0  # the writer had said "begin" and not yet "ack"
    in_flight_landed: int = 0  # ... and that batch is in the log (whole)
    in_flight_lost: int = 0  # ... and that batch is not in the log at all
    acked_batches: int = 0
    events: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


class CampaignError(AssertionError):
    """A check failed after a kill; the message says which run and seed to replay."""


def _spawn(
    log: Path, acks: Path, run: int, durability: str, mode: str, seed: int
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.harness.crash_writer",
            str(log),
            str(acks),
            str(run),
            durability,
            mode,
            str(seed),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _lines(acks: Path) -> list[list[str]]:
    if not acks.exists():
        return []
    return [line.split() for line in acks.read_text("ascii").splitlines()]


def _wait_ready(acks: Path, run: int, writer: subprocess.Popen[bytes]) -> None:
    """Block until the writer has said ``ready`` (it has opened the log and appended)."""
    deadline = time.monotonic() + 60
    while ["ready", str(run)] not in _lines(acks):
        if writer.poll() is not None:
            err = writer.stderr.read().decode() if writer.stderr else ""
            raise CampaignError(f"writer {run} died before it was ready:\n{err}")
        if time.monotonic() > deadline:
            raise CampaignError(f"writer {run} was not ready within a minute")
        time.sleep(0.002)


def check_log(path: Path, acks: Path, previous: Checkpoint | None, stats: Stats) -> Checkpoint:
    """Every check of one moment after a kill; returns a new checkpoint for the next one."""
    with OpLog.open(path) as log:
        chain = log.verify(quick=True)
        if not chain.ok:
            raise CampaignError(f"chain broken after a kill: {chain.summary()}")
        if previous is not None:
            against = log.verify(previous, quick=True)  # the rest is checked below
            if not against.ok:
                raise CampaignError(f"lost events after a kill: {against.summary()}")
        deep = log.verify()
        if not deep.ok:
            raise CampaignError(f"derived tables differ from a rebuild: {deep.reason}")
        checkpoint = log.checkpoint()
    rows = event_rows(path)
    stats.events = len(rows)
    batches: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for seq, event_id, _kind, _body in rows:
        if event_id == OPERATION_ID:
            continue
        match = _ID.match(event_id)
        if match is None:
            raise CampaignError(f"an event the writers never wrote: {event_id!r}")
        run, batch, i, n = map(int, match.groups())
        batches.setdefault((run, batch), []).append((seq, i, n))
    for (run, batch), members in batches.items():
        seqs = [seq for seq, _, _ in members]
        n = members[0][2]
        if [i for _, i, _ in members] != list(range(n)) or seqs != list(
            range(seqs[0], seqs[0] + n)
        ):
            raise CampaignError(f"batch {run}/{batch} is partial or split: {members}")
    acked: dict[tuple[int, int], tuple[int, int]] = {}
    begun: dict[int, tuple[int, int]] = {}  # run -> its last begun batch
    for words in _lines(acks):
        if words[0] == "ack":
            run, batch, first, last = map(int, words[1:])
            acked[(run, batch)] = (first, last)
        elif words[0] == "begin":
            begun[int(words[1])] = (int(words[1]), int(words[2]))
    for key, (first, last) in acked.items():
        found = batches.get(key)
        if found is None:
            raise CampaignError(f"batch {key} was acknowledged but is not in the log")
        if (found[0][0], found[-1][0]) != (first, last):
            raise CampaignError(f"batch {key} is not at the seqs its append returned")
    unacked = set(batches) - set(acked)
    allowed = {key for key in begun.values() if key not in acked}
    if not unacked <= allowed:
        raise CampaignError(f"batches in the log that were never begun: {unacked - allowed}")
    stats.acked_batches = len(acked)
    return checkpoint


def run_campaign(
    folder: Path, *, kills: int, durability: str, seed: int, max_delay: float = 0.12
) -> Stats:
    """Kill ``kills`` writers of one log at random moments; check the log after each."""
    rng = random.Random(seed)
    path = folder / "crash.db"
    acks = folder / "acks.txt"
    stats = Stats()
    checkpoint: Checkpoint | None = None

    def spawn(run: int) -> subprocess.Popen[bytes]:
        mode = "single" if run % 2 == 0 else "batch"
        return _spawn(path, acks, run, durability, mode, seed * 1000 + run)

    writer = spawn(0)
    for run in range(kills):
        assert writer.stdin is not None
        writer.stdin.write(b"g")
        writer.stdin.close()
        if rng.random() < 0.15:
            # Now and then kill while it opens the log (creating it, on the first run).
            time.sleep(rng.uniform(0, 0.03))
        else:
            try:
                _wait_ready(acks, run, writer)
            except BaseException:  # never leave a writer running after a failure
                writer.kill()
                writer.wait()
                raise
            time.sleep(rng.uniform(0, max_delay))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        if writer.stderr is not None:
            err = writer.stderr.read().decode()
            writer.stderr.close()
            if "Traceback" in err:
                raise CampaignError(f"writer {run} failed before it was killed:\n{err}")
        stats.kills += 1
        nxt = spawn(run + 1) if run + 1 < kills else None
        lines = _lines(acks)
        mine = [w for w in lines if len(w) > 1 and w[1] == str(run)]
        if mine and mine[-1][0] == "begin":
            stats.kills_in_append += 1
            key = (run, int(mine[-1][2]))
            landed = any(
                (m := _ID.match(event_id)) and (int(m[1]), int(m[2])) == key
                for _, event_id, _, _ in event_rows(path)
            )
            if landed:
                stats.in_flight_landed += 1
            else:
                stats.in_flight_lost += 1
        stats.outcomes[mine[-1][0] if mine else "before-ready"] += 1
        if not path.exists() or path.stat().st_size == 0:
            # Killed while creating the file: it must still become a log when opened again.
            with OpLog.open(path, create=True) as log:
                assert log.verify().ok
        try:
            checkpoint = check_log(path, acks, checkpoint, stats)
        except BaseException as exc:
            if nxt is not None:  # never leave the next writer running after a failure
                nxt.kill()
                nxt.wait()
            if isinstance(exc, CampaignError):
                raise CampaignError(
                    f"after kill {run} (durability={durability}, seed={seed}): {exc}"
                ) from None
            raise
        if nxt is not None:
            writer = nxt
    return stats
