"""Gone means gone: after an erasure no erased value is in any byte of the log's files — the
database, its write-ahead log and its shared-memory index, free pages and the free space of
pages included — while the log still verifies (with both verifiers, which report the
erasures) and every report is unchanged.

The data are generated here with values that occur nowhere else (plates, subject references
with non-ASCII letters, officer ids, notes long enough to spill onto overflow pages, each with
a marker of its own), so that which values an erasure must remove is worked out from the data
alone: a value is *fully erased* when every event that held it was erased. Each such value is
first found in the files (so the search can fail), then looked for again after the erasure.
"""

from __future__ import annotations

import io
import random
import sqlite3
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import OpLog
from anpr_ops import verify as stdlib_verify
from anpr_ops.vrm import validate
from tests import factory as f

OP = f.OP
LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"


def _plates(rng: random.Random, count: int) -> list[str]:
    plates: set[str] = set()
    while len(plates) < count:
        text = (
            "".join(rng.choice(LETTERS) for _ in range(2))
            + f"{rng.randrange(10, 100)}"
            + "".join(rng.choice(LETTERS) for _ in range(3))
        )
        try:
            plates.add(validate(text))
        except ValueError:
            continue
    return sorted(plates)


def _words(rng: random.Random, count: int) -> str:
    words = ["seen", "near", "the", "bridge", "van", "left"]
    return " ".join(rng.choice(words) for _ in range(count))


@dataclass
class Day:
    """The events of a generated operation, and which values each event holds."""

    events: list[dict[str, Any]] = field(default_factory=list)
    holds: dict[str, set[str]] = field(default_factory=dict)  # value -> ids of events holding it
    hits: list[str] = field(default_factory=list)
    plate_of: dict[str, str] = field(default_factory=dict)
    subject_of: dict[str, str] = field(default_factory=dict)

    def add(self, event: dict[str, Any], *values: str) -> None:
        self.events.append(event)
        for value in values:
            self.holds.setdefault(value, set()).add(event["event_id"])

    def fully_erased(self, erased: set[str]) -> set[str]:
        return {value for value, holders in self.holds.items() if holders <= erased}

    def kept(self, erased: set[str]) -> set[str]:
        return {value for value, holders in self.holds.items() if not holders <= erased}


def _day(hits: int = 400) -> Day:
    rng = random.Random(20200418)
    plates = _plates(rng, hits)
    day = Day()
    day.add(f.operation())
    for n, plate in enumerate(plates):
        hit_id = f"hit-{n}"
        officer = f"PC-G{n:04d}Q"
        hit = f.hit(hit_id, vrm=plate, officer_id=officer)
        values = [plate, officer]
        if n % 7 == 0:
            marker = f"NOTE{n:04d}MARK"
            hit["notes"] = f"{marker} " + _words(rng, 1200)  # about 6 kB: overflow pages
            values.append(marker)
        day.add(hit, *values)
        day.hits.append(hit_id)
        day.plate_of[hit_id] = plate
        if n % 3 == 0:
            subject = f"Zoë-Ǩ{n:04d}"
            day.subject_of[hit_id] = subject
            day.add(f.stop(f"stop-{n}", hit_id=hit_id, vrm=plate), plate)
            outcome = f.outcome(
                f"out-{n}",
                search_id=None,
                stop_id=f"stop-{n}",
                disposal="traffic_offence_report",
                offences=["RT88584"],
                subject_ref=subject,
            )
            day.add(outcome, subject)
            if n % 2 == 0:  # a second record of the same person
                day.add(
                    f.outcome(
                        f"out-{n}-b",
                        search_id=None,
                        stop_id=f"stop-{n}",
                        disposal="no_further_action",
                        offences=[],
                        subject_ref=subject,
                    ),
                    subject,
                )
    return day


def _files(path: Path) -> Iterator[Path]:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            yield candidate


def _bytes(path: Path) -> bytes:
    return b"".join(candidate.read_bytes() for candidate in _files(path))


def _found(path: Path, values: set[str]) -> set[str]:
    data = _bytes(path)
    return {value for value in values if value.encode("utf-8") in data}


@pytest.fixture
def day_log(tmp_path: Path) -> Iterator[tuple[OpLog, Day, Path]]:
    day = _day()
    path = tmp_path / "day.db"
    with OpLog.open(path, create=True, durability="normal", actor="pytest") as log:
        log.extend(day.events)
        yield log, day, path


def _check_gone(log: OpLog, day: Day, path: Path, erased: set[str], found_before: set[str]) -> None:
    gone = day.fully_erased(erased)
    assert gone, "the erasure should remove some value entirely"
    assert gone <= found_before, "every value looked for was in the files before"
    assert _found(path, gone) == set()
    kept = day.kept(erased)
    assert _found(path, kept) == kept  # the search finds what is still held
    verified = log.verify()
    assert verified.ok and verified.erased > 0 and verified.erasures > 0
    out = io.StringIO()
    with redirect_stdout(out):
        assert stdlib_verify.main([str(path)]) == 0
    assert f"{verified.erased} erased by {verified.erasures} recorded erasure(s)" in out.getvalue()


def test_erasure_by_subject_leaves_no_byte(day_log: tuple[OpLog, Day, Path]) -> None:
    log, day, path = day_log
    before = _found(path, set(day.holds))
    report = log.report(OP).to_dict()
    subject = day.subject_of["hit-0"]
    expected = {"out-0", "out-0-b"}
    result = log.erase(subject_ref=subject, reason="erasure request")
    assert set(result.erased) == expected and result.purged
    _check_gone(log, day, path, expected, before)
    assert log.report(OP).to_dict() == report


def test_erasure_by_plate_leaves_no_byte(day_log: tuple[OpLog, Day, Path]) -> None:
    log, day, path = day_log
    before = _found(path, set(day.holds))
    report = log.report(OP).to_dict()
    result = log.erase(vrm=day.plate_of["hit-21"], reason="erasure request")
    assert set(result.erased) == {"hit-21", "stop-21"}
    _check_gone(log, day, path, {"hit-21", "stop-21"}, before)
    assert log.report(OP).to_dict() == report


def test_erasure_by_ids_leaves_no_byte(day_log: tuple[OpLog, Day, Path]) -> None:
    log, day, path = day_log
    before = _found(path, set(day.holds))
    report = log.report(OP).to_dict()
    chosen = set(random.Random(7).sample(day.hits, 60))
    result = log.erase(event_ids=sorted(chosen), reason="held in error")
    assert set(result.erased) == chosen
    _check_gone(log, day, path, chosen, before)
    assert log.report(OP).to_dict() == report


def test_a_retention_run_leaves_no_byte(day_log: tuple[OpLog, Day, Path]) -> None:
    """A year on, every hit's values go but the two restricted as evidence."""
    log, day, path = day_log
    log.restrict(event_ids=["hit-5", "hit-6"], reason="evidence")
    before = _found(path, set(day.holds))
    report = log.report(OP).to_dict()
    result = log.apply_retention(datetime.fromisoformat("2021-04-18T09:00:00+01:00"))
    erased = set(day.hits) - {"hit-5", "hit-6"}
    assert result.erased == {"anpr_hit": len(erased)}
    assert result.restricted == {"anpr_hit": 2}
    _check_gone(log, day, path, erased, before)
    assert log.report(OP).to_dict() == report


def test_a_reader_keeps_the_write_ahead_log_until_purged(tmp_path: Path) -> None:
    """While another connection reads, the write-ahead log cannot be emptied: the result says
    so (it never claims the values are gone), and a purge once the reader is done clears it."""
    day = _day(60)
    path = tmp_path / "day.db"
    with OpLog.open(path, create=True, busy_timeout=0.2, actor="pytest") as log:
        log.extend(day.events)
        before = _found(path, set(day.holds))
        reader = sqlite3.connect(path)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM events").fetchone()
        result = log.erase(event_ids=["hit-1", "hit-2"], reason="held in error")
        assert not result.purged
        assert "anpr-ops purge" in result.summary()
        reader.execute("COMMIT")
        reader.close()
        assert log.purge()
        gone = day.fully_erased({"hit-1", "hit-2"})
        assert gone <= before and _found(path, gone) == set()


def test_retention_then_erasure_by_subject_end_to_end(day_log: tuple[OpLog, Day, Path]) -> None:
    """The whole of it on one log: personal reads, a retention run a year on, an erasure by
    subject. No erased value is in the files, both verifiers pass and report the erasures,
    reports are unchanged, and the access record lists each read, the run and the erasure
    without any erased value."""
    log, day, path = day_log
    before = _found(path, set(day.holds))
    report = log.report(OP).to_dict()
    list(log.events(OP, "outcome", personal=True))
    log.get("hit-3", personal=True)
    log.apply_retention(datetime.fromisoformat("2021-04-18T09:00:00+01:00"))
    subject = day.subject_of["hit-0"]
    log.erase(subject_ref=subject, reason="erasure request")
    log.get("stop-3", personal=True)
    erased = set(day.hits) | {"out-0", "out-0-b"}
    _check_gone(log, day, path, erased, before)
    assert log.report(OP).to_dict() == report
    entries = log.access_log()
    assert [e.action for e in entries] == ["consult", "consult", "retention", "erase", "consult"]
    record = " ".join(str(e.to_dict()) for e in entries)
    assert not {value for value in day.fully_erased(erased) if value in record}
