"""Guarantee 9 and hygiene: files are private, personal data stays out of errors, and no value
ever becomes SQL.

- New log files, and the -wal and -shm files SQLite makes next to them, are readable by
  their owner only, whatever the process umask.
- Every error path we can reach with a number plate, subject reference and officer id in the
  input produces messages, attributes, tracebacks, warnings and log records without them.
- Injection strings pushed through every filter and id find nothing, change nothing, and
  strings stored in events come back exactly (also after a rebuild of the projections).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import AnprOpsError, Checkpoint, OpLog, parse_event
from anpr_ops.cli import main as cli
from anpr_ops.errors import (
    CheckpointError,
    EventNotFoundError,
    EventValidationError,
    ReportError,
)
from anpr_ops.interop.jsonl import read_jsonl
from tests import factory as f
from tests.harness.hostile import SQL_PAYLOADS
from tests.harness.state import file_state
from tests.support import raw

# --------------------------------------------------------------------------- file modes


@pytest.fixture
def open_umask() -> Iterator[None]:
    """Run with umask 000, so only the library's own choice can make files private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


@pytest.mark.usefixtures("open_umask")
def test_new_log_files_and_their_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    with OpLog.open(path, create=True) as log, OpLog.open(path) as reader:
        log.extend(f.chain())
        assert len(reader) == 6  # a second connection: the -shm index is in use
        companions = [tmp_path / "private.db-wal", tmp_path / "private.db-shm"]
        assert all(p.exists() for p in companions), "WAL mode makes both while the log is open"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert all(_private(p) for p in companions)
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith("private.db")]
    assert all(_private(p) for p in leftovers)


@pytest.mark.usefixtures("open_umask")
def test_logs_made_by_the_command_line_are_owner_only(tmp_path: Path) -> None:
    assert cli(["init", str(tmp_path / "init.db")]) == 0
    assert cli(["demo", "--db", str(tmp_path / "demo.db")]) == 0
    made = [p for p in tmp_path.iterdir() if ".db" in p.name]
    assert {p.name for p in made} >= {"init.db", "demo.db"}
    assert all(_private(p) for p in made), {p.name: oct(p.stat().st_mode) for p in made}


# --------------------------------------------------------------------------- personal data

PLATE = "HG18TXV"
SUBJECT = "SUBJECT-7741-SECRET"
OFFICER = "PC-93521-SECRET"
SECRETS = (PLATE, "HG18 TXV", PLATE.lower(), SUBJECT, OFFICER)


def _hit(event_id: str = "hit-p", **extra: Any) -> dict[str, Any]:
    return f.hit(event_id, **{"vrm": PLATE, "officer_id": OFFICER, **extra})


def _search(**extra: Any) -> dict[str, Any]:
    fields = {"vrm": PLATE, "subject_ref": SUBJECT, "officer_id": OFFICER, **extra}
    return f.search("search-p", **fields)


def _outcome(**extra: Any) -> dict[str, Any]:
    return f.outcome("out-p", **{"subject_ref": SUBJECT, "officer_id": OFFICER, **extra})


def _jsonl(*lines: str | bytes) -> Callable[[OpLog], object]:
    return lambda log: log.extend(read_jsonl(list(lines)))


def _append(event: dict[str, Any]) -> Callable[[OpLog], object]:
    return lambda log: log.append(event)


def _full_disk(log: OpLog) -> object:
    (pages,) = raw(log).execute("PRAGMA page_count").fetchone()
    raw(log).execute(f"PRAGMA max_page_count = {pages}")
    try:
        return log.extend([_hit(f"hit-big-{n}", notes=f"{PLATE} " * 1000) for n in range(50)])
    finally:
        raw(log).execute("PRAGMA max_page_count = 1073741823")


def _busy(log: OpLog) -> object:
    assert log.path is not None
    holder = sqlite3.connect(log.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with OpLog.open(log.path, busy_timeout=0.05) as other:
            return other.append(_hit("hit-busy"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _readonly(log: OpLog) -> object:
    assert log.path is not None
    with OpLog.open(log.path, readonly=True) as other:
        return other.append(_hit("hit-ro"))


ERROR_PATHS: dict[str, Callable[[OpLog], object]] = {
    "plate with a character no plate has": _append(_hit(vrm=PLATE + "!")),
    "plate too long for any format": _append(_hit(vrm=PLATE + "XX")),
    "plate of no known format": _append(_hit(vrm=PLATE[::-1])),
    "plate that is not text": _append(_hit(vrm=[PLATE])),
    "plate marked domestic as foreign": _append(_hit(vrm_country="GB")),
    "raw plate too long": _append(_hit(raw_vrm=PLATE * 10)),
    "raw plate with a control character": _append(_hit(raw_vrm=PLATE + "\x00")),
    "notes with a NUL": _append(_hit(notes=f"{PLATE} {SUBJECT}\x00")),
    "notes too long": _append(_hit(notes=f"{PLATE} " * 3000)),
    "officer id too long": _append(_hit(officer_id=OFFICER * 10)),
    "officer id not text": _append(_hit(officer_id=[OFFICER])),
    "subject with a control character": _append(_search(subject_ref=SUBJECT + "\n")),
    "grounds with a NUL": _append(_search(grounds=f"Saw {PLATE}\x00")),
    "plate on a person-only search": _append(_search(search_type="person")),
    "plate and vrm_unknown together": _append(_search(vrm_unknown=True)),
    "plate on a drugs seizure": _append(f.seizure("seize-p", vrm=PLATE)),
    "vehicle seizure without a power": _append(
        f.seizure("seize-p", item="vehicle", drug_class=None, vrm=PLATE)
    ),
    "duplicate hit reason": _append(_hit(reasons=["drugs", "drugs"])),
    "same id, other plate": _append(f.hit("hit-1", vrm=PLATE)),
    "stop naming a missing hit": _append(f.stop("stop-p", hit_id="hit-404", vrm=PLATE)),
    "hit at an unknown site": _append(_hit(site="nowhere")),
    "unknown offence code": _append(_outcome(offences=("MD71299",))),
    "offences missing for an arrest": _append(_outcome(offences=())),
    "enquiry with an unknown code": _append(
        f.enquiry("enq-p", subject_ref=SUBJECT, wanted_for=["XX00000"])
    ),
    "replacement of another kind": _append(
        f.correction("hit-1", replacement=f.stop("hit-1", hit_id=None, vrm=PLATE))
    ),
    "replacement with a bad plate": _append(
        f.correction("hit-1", replacement=f.hit(vrm=PLATE + "?"))
    ),
    "retraction of an event others name": _append(
        f.correction("search-1", retract=True, reason=f"wrong plate {PLATE}")
    ),
    "correct() with a bad plate": lambda log: log.correct(
        "hit-1", reason=SUBJECT, replacement={**_hit("hit-1"), "vrm": PLATE + "#"}
    ),
    "a bad event late in a batch": lambda log: log.extend(
        [_hit("hit-a"), _hit("hit-b"), _hit("hit-c", vrm=PLATE + "%")]
    ),
    "JSON line cut short": _jsonl(json.dumps(_hit())[:60]),
    "JSON line with a bad plate": _jsonl(json.dumps(_hit()), json.dumps(_hit(vrm="Q" + PLATE))),
    "JSON line that is not UTF-8": _jsonl(json.dumps(_hit()).encode() + b"\xff"),
    "JSON line with NaN next to a plate": _jsonl(
        json.dumps(f.sweep("sweep-p", latitude=float("nan"), longitude=0.0, notes=PLATE))
    ),
    "JSON text of a bad event": lambda log: log.append(json.dumps(_hit(vrm=PLATE + "!"))),  # type: ignore[arg-type]
    "disk full": _full_disk,
    "log busy": _busy,
    "log opened read-only": _readonly,
}


def _rendered(exc: BaseException) -> str:
    """Everything a person or a log could see of an exception."""
    parts = [str(exc), repr(exc), *map(repr, exc.args)]
    parts += [repr(v) for v in vars(exc).values()]
    for problem in getattr(exc, "problems", ()):
        parts += [problem.message, problem.field, repr(problem)]
    parts += traceback.format_exception(exc)
    return "\n".join(parts)


@pytest.mark.parametrize("path", list(ERROR_PATHS))
def test_personal_data_never_appears_in_errors_warnings_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "privacy.db"
    with OpLog.open(db, create=True, durability="normal") as log:
        log.extend(f.chain())
        before = file_state(db)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(AnprOpsError) as error:
                ERROR_PATHS[path](log)
        assert file_state(db) == before
    seen = _rendered(error.value)
    seen += "\n".join(str(w.message) for w in caught)
    seen += "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    leaked = [secret for secret in SECRETS if secret in seen]
    assert not leaked, f"{leaked} in:\n{seen}"


def test_reports_show_no_plates_or_references(tmp_path: Path) -> None:
    """A report of events full of personal data shows none of it, in any rendering."""
    with OpLog.open(tmp_path / "report.db", create=True) as log:
        log.extend(
            [
                f.operation(),
                _hit("hit-1"),
                f.stop(vrm=PLATE, officer_id=OFFICER),
                _search(stop_id="stop-1", notes=f"{PLATE} {SUBJECT}"),
                _outcome(search_id="search-p"),
            ]
        )
        report = log.report(f.OP)
        shown = json.dumps(report.to_dict()) + report.to_text()
    assert report.to_dict()["totals"]["arrests"] == 1
    assert not [secret for secret in SECRETS if secret in shown]


def test_the_command_line_keeps_plates_off_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.db"
    source = tmp_path / "bad.jsonl"
    source.write_text(
        json.dumps(f.operation()) + "\n" + json.dumps(_hit(vrm=PLATE + "!")) + "\n",
        encoding="utf-8",
    )
    assert cli(["append", str(db), str(source), "--create"]) == 1
    out, err = capsys.readouterr()
    assert "line 2" in err
    assert not [secret for secret in SECRETS if secret in out + err]


def test_a_plate_in_an_id_is_echoed_as_an_id() -> None:
    """The limit, stated: ids are not personal fields, so a message about an id shows it.
    docs/reliability.md says not to put personal data in ids."""
    with OpLog.memory() as log, pytest.raises(EventNotFoundError) as error:
        log.get(PLATE)
    assert PLATE in str(error.value)


# --------------------------------------------------------------------------- injection

LIKE_AND_GLOB = ("%", "_", "hit_1", "hit%", "*", "hit-?", "HIT-1", "hit-1 ", " hit-1")
INJECTIONS = tuple(dict.fromkeys((*SQL_PAYLOADS, *LIKE_AND_GLOB)))


@pytest.fixture
def stocked(tmp_path: Path) -> Iterator[tuple[OpLog, Path]]:
    path = tmp_path / "injection.db"
    with OpLog.open(path, create=True, durability="normal") as log:
        log.extend([*f.chain(), f.operation("other-op", sites=("a",))])
        yield log, path


QUERIES: dict[str, Callable[[OpLog, str], object]] = {
    "events(op_id=)": lambda log, v: list(log.events(op_id=v)),
    "events(op_id=, children)": lambda log, v: list(log.events(op_id=v, include_children=True)),
    # Hostile text where a kind belongs, on purpose: the signature takes only kinds.
    "events(kind=)": lambda log, v: list(log.events(kind=v)),  # type: ignore[arg-type]
    "events(corrected=False, op_id=)": lambda log, v: list(log.events(v, corrected=False)),
    "get": lambda log, v: log.get(v),
    "get(corrected=False)": lambda log, v: log.get(v, corrected=False),
    "operation": lambda log, v: log.operation(v),
    "op_ids": lambda log, v: log.op_ids(v),
    "checkpoint(op_id)": lambda log, v: log.checkpoint(v),
    "correct(target_id)": lambda log, v: log.correct(v, reason="x", retract=True),
    "report(op_id)": lambda log, v: log.report(v),
    "report(site=)": lambda log, v: log.report(f.OP, site=v),
}


@pytest.mark.parametrize("query", list(QUERIES))
def test_injection_strings_through_every_filter_and_id_find_nothing_and_change_nothing(
    stocked: tuple[OpLog, Path], query: str
) -> None:
    log, path = stocked
    before = file_state(path)
    for value in INJECTIONS:
        try:
            found = QUERIES[query](log, value)
        except (EventNotFoundError, EventValidationError, ReportError):
            continue
        raise AssertionError(f"{query}({value!r}) found {found!r}")
    assert file_state(path) == before
    assert log.verify().ok


def test_ids_holding_sql_are_refused_or_kept_exactly(stocked: tuple[OpLog, Path]) -> None:
    """Injection strings as ids and references: refused with nothing changed, or (for the few
    that are valid event ids, like "hit_1") stored as a new event under exactly that id, not
    matched to another one ("hit_1" is not "hit-1")."""
    log, path = stocked
    accepted = []
    for n, value in enumerate(INJECTIONS):
        for field in ("event_id", "op_id", "site_id", "hit_id"):
            before = file_state(path)
            try:
                result = log.append({**f.stop(f"stop-{n}-{field}"), field: value})
            except AnprOpsError:
                assert file_state(path) == before, (field, value)
                continue
            assert field == "event_id" and result.appended == (value,), (field, value)
            assert log.get(value).event_id == value
            accepted.append(value)
        before = file_state(path)
        with pytest.raises(AnprOpsError):
            log.append(f.correction(value, event_id=f"fix-{n}"))
        assert file_state(path) == before
    assert "hit_1" in accepted and "HIT-1" in accepted  # equality, not LIKE or NOCASE
    assert log.verify().ok


def test_a_checkpoint_naming_an_injected_operation_is_refused_or_just_wrong(
    stocked: tuple[OpLog, Path],
) -> None:
    """An operation line holding SQL is not read as a checkpoint; one that reads (a slug)
    counts no events of the real operation."""
    log, _ = stocked
    real = log.checkpoint(f.OP)
    text = real.to_text()
    refused = []
    for value in [*SQL_PAYLOADS, "x-or-1-1"]:
        forged = text.replace(f"operation {f.OP} ", f"operation {value} ")
        try:
            checkpoint = Checkpoint.from_text(forged)
        except CheckpointError as exc:
            refused.append(exc.code)
            continue
        result = log.verify(checkpoint)
        assert (result.ok, result.problem) == (False, "checkpoint_count")
    assert set(refused) <= {"bad_extension", "malformed_checkpoint"}
    assert len(refused) == len(SQL_PAYLOADS)
    assert log.verify(real).ok


def test_a_file_name_full_of_uri_and_sql_characters(tmp_path: Path) -> None:
    """The path goes into a SQLite URI: quotes, ?, # and % must stay part of the name."""
    name = "day'; DROP TABLE events;--?mode=memory&cache=shared#%41.db"
    path = tmp_path / name
    with OpLog.open(path, create=True) as log:
        log.extend(f.chain())
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".db")] == [name]
    with OpLog.open(path, readonly=True) as log:
        assert len(log) == 6 and log.verify().ok


def test_stored_sql_comes_back_exactly_after_a_rebuild(tmp_path: Path) -> None:
    """Second-order injection: payloads stored in free-text fields are read back into the
    projections by a rebuild, and must come back unchanged."""
    with OpLog.open(tmp_path / "stored.db", create=True) as log:
        log.append(f.operation())
        for n, payload in enumerate(SQL_PAYLOADS):
            text = payload if payload != "\x00" else "NUL is refused in notes"
            log.append(f.sweep(f"sweep-{n}", location=text.strip() or "x", notes=text))
        before = [parse_event(e).model_dump() for e in log.events(personal=True)]
        log.rebuild()
        assert log.verify().ok
        after = [e.model_dump() for e in log.events(personal=True)]
        assert after == before
        stored = [
            e.notes for e in log.events(kind="weapon_sweep", personal=True) if e.notes is not None
        ]
        located = [
            getattr(e, "location", None) for e in log.events(kind="weapon_sweep", personal=True)
        ]
    assert located == [
        (p.strip() or "x") if p != "\x00" else "NUL is refused in notes" for p in SQL_PAYLOADS
    ]
    expected = [p if p != "\x00" else "NUL is refused in notes" for p in SQL_PAYLOADS]
    assert stored == expected
