"""Erasure of chosen records (DPA 2018 s.47(1)): what goes, what stays, what is recorded, and
bad input refused with nothing changed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import OpLog, parse_event
from anpr_ops.errors import AccessRefusedError, AnprOpsError, ErasureError, EventNotFoundError
from anpr_ops.events.personal import ERASED
from tests import factory as f
from tests.support import raw, stored_state


def _day(log: OpLog) -> None:
    """A hit, the stop it led to (same plate), a person search and arrest of P-1, a second
    arrest of P-1 after an enquiry, and a correction of the first outcome."""
    log.extend(
        [
            *f.chain(),
            f.enquiry(subject_ref="P-1"),
            f.outcome("out-2", search_id=None, enquiry_id="enq-1", officer_id="PC-77"),
            f.correction("out-1", replacement=f.outcome(notes="arrested after a chase")),
        ]
    )


def _values(log: OpLog) -> dict[str, dict[str, Any]]:
    return {
        event_id: json.loads(values)
        for event_id, values in raw(log).execute(
            'SELECT e.event_id, p."values" FROM personal p JOIN events e ON e.seq = p.seq'
        )
    }


def _person_numbers(log: OpLog) -> list[int]:
    """Every person number in the chained bytes (also inside replacements), in order."""
    bodies = [body for (body,) in raw(log).execute("SELECT body FROM events ORDER BY seq")]
    return [int(n) for body in bodies for n in re.findall(r'"subject":(\d+)', body)]


def test_erasing_an_event_masks_its_values_for_every_reader(log: OpLog) -> None:
    _day(log)
    result = log.erase(event_ids=["hit-1"], reason="held in error")
    assert result.erased == ("hit-1",) and result.events == 1
    assert result.fields == {"vrm": 1}
    hit = log.get("hit-1", personal=True)
    assert getattr(hit, "vrm") == ERASED
    assert getattr(log.get("stop-1", personal=True), "vrm") == "AB12CDE"
    verified = log.verify()
    assert verified.ok and verified.erased == 1 and verified.erasures == 1


def test_a_record_is_erased_with_every_correction_of_it(log: OpLog) -> None:
    _day(log)
    result = log.erase(event_ids=["out-1"], reason="request")
    assert result.events == 2  # the outcome and its correction
    assert set(_values(log)).isdisjoint({"out-1", "fix-out-1"})
    current = log.get("out-1", personal=True)
    assert getattr(current, "notes") == ERASED
    assert getattr(current, "subject_ref") == ERASED


def test_a_correction_named_by_id_stands_for_its_record(log: OpLog) -> None:
    _day(log)
    result = log.erase(event_ids=["fix-out-1"], reason="request")
    assert result.erased == ("out-1",) and result.events == 2


def test_erasing_what_is_already_erased_is_a_noop_that_says_so(log: OpLog) -> None:
    _day(log)
    log.erase(event_ids=["hit-1"], reason="first")
    before = stored_state(log)
    again = log.erase(event_ids=["hit-1"], reason="second")
    assert again.noop and again.already_erased == ("hit-1",) and again.access_seq is None
    assert "already erased" in again.summary()
    assert stored_state(log) == before


def test_erasure_by_subject_takes_every_record_naming_them(log: OpLog) -> None:
    _day(log)
    numbers = _person_numbers(log)
    result = log.erase(subject_ref="P-1", reason="erasure request 113")
    # the search, both outcomes (one corrected), the enquiry: every record holding P-1
    assert set(result.erased) == {"search-1", "out-1", "enq-1", "out-2"}
    assert result.events == 5
    assert result.subjects_forgotten == 1
    assert raw(log).execute("SELECT count(*) FROM subjects").fetchone() == (0,)
    assert _person_numbers(log) == numbers  # the chained numbers stay: reports unchanged
    assert set(_values(log)) == {"hit-1", "stop-1"}


def test_a_new_record_of_a_forgotten_subject_gets_a_new_number(log: OpLog) -> None:
    _day(log)
    old = set(_person_numbers(log))
    log.erase(subject_ref="P-1", reason="erasure request")
    log.append(f.outcome("out-3", search_id=None, stop_id="stop-1", subject_ref="P-1"))
    new = set(_person_numbers(log)) - old
    assert len(new) == 1 and new.isdisjoint(old)  # numbers are never given twice
    # The subject's new number is the one the subjects table gives: both verifiers agree.
    assert log.verify().ok


def test_a_subject_stays_linked_while_a_value_still_names_them(log: OpLog) -> None:
    _day(log)
    log.erase(event_ids=["out-2"], reason="request")
    assert raw(log).execute("SELECT subject_ref FROM subjects").fetchall() == [("P-1",)]
    assert log.verify().ok


@pytest.mark.parametrize("asked", ["AB12CDE", "ab12 cde", "AB12-CDE"])
def test_erasure_by_plate_matches_the_plate_however_written(log: OpLog, asked: str) -> None:
    _day(log)
    log.append(f.hit("hit-2", vrm="XY51ABC", raw_vrm="AB12 CDE"))  # read as AB12CDE by camera
    result = log.erase(vrm=asked, reason="request")
    assert set(result.erased) == {"hit-1", "stop-1", "search-1", "hit-2"}
    assert "XY51ABC" not in json.dumps(_values(log))


def test_a_value_kept_by_another_record_is_counted_not_named(log: OpLog) -> None:
    """The plate erased from the hit is still held by the stop, and the officer id of the
    second arrest is nowhere else."""
    _day(log)
    log.append(f.patrol(event_id="patrol-AB12CDE", officer_id="PC-77"))
    kept = log.erase(event_ids=["hit-1"], reason="request")
    assert kept.kept_elsewhere == {"vrm": 1}
    assert "still held elsewhere" in kept.summary() and "AB12CDE" not in kept.summary()
    log.erase(event_ids=["stop-1", "search-1"], reason="request")
    # now only the patrol's id holds the plate: still counted
    only_id = log.erase(event_ids=["out-2"], reason="request")
    # the patrol keeps PC-77; the search, enquiry and first arrest keep P-1
    assert only_id.kept_elsewhere == {"officer_id": 1, "subject_ref": 1}
    entry = log.access_log()[-1]
    assert entry.counts is not None and entry.counts["kept_elsewhere"] == 2


def test_the_erasure_is_recorded_without_any_value(log: OpLog) -> None:
    _day(log)
    log.erase(subject_ref="P-1", actor="DPO 17", reason="erasure request 113")
    (entry,) = log.access_log()
    assert entry.action == "erase" and entry.actor == "DPO 17"
    assert entry.reason == "erasure request 113"
    assert entry.query == {"by": "subject_ref"}
    assert entry.fields == ("grounds", "notes", "officer_id", "reason", "subject_ref", "vrm")
    stored = json.dumps(entry.to_dict())
    for value in ("P-1", "PC-77", "Smell of cannabis", "arrested after a chase", "wrongly"):
        assert value not in stored


def test_erased_is_derived_from_the_access_record(log: OpLog) -> None:
    _day(log)
    log.erase(vrm="AB12CDE", reason="request")
    before = raw(log).execute("SELECT * FROM erased ORDER BY seq").fetchall()
    log.rebuild()
    assert raw(log).execute("SELECT * FROM erased ORDER BY seq").fetchall() == before
    assert log.verify().ok


def test_an_erased_event_appended_again_is_a_duplicate(log: OpLog) -> None:
    _day(log)
    log.erase(event_ids=["hit-1"], reason="request")
    assert log.append(f.hit()).noop


def test_erasure_keeps_restricted_records_chosen_by_subject(log: OpLog) -> None:
    _day(log)
    log.restrict(event_ids=["out-2"], reason="evidence, case 4410")
    result = log.erase(subject_ref="P-1", reason="request")
    assert result.restricted == ("out-2",)
    assert "out-2" in _values(log)
    assert result.subjects_forgotten == 0  # out-2 still names P-1


def _unset_actor(log: OpLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANPR_OPS_ACTOR")
    log._actor = type(log._actor)(None, None)


Refusal = Callable[[OpLog], object]

REFUSALS: list[tuple[str, Refusal, type[AnprOpsError], str]] = [
    (
        "unknown id",
        lambda log: log.erase(event_ids=["hit-1", "nope"], reason="r"),
        EventNotFoundError,
        "event_not_found",
    ),
    ("nothing chosen", lambda log: log.erase(reason="r"), ErasureError, "nothing_chosen"),
    (
        "several choices",
        lambda log: log.erase(event_ids=["hit-1"], subject_ref="P-1", reason="r"),
        ErasureError,
        "several_choices",
    ),
    ("no reason", lambda log: log.erase(event_ids=["hit-1"]), ErasureError, "reason_required"),
    (
        "blank reason",
        lambda log: log.erase(event_ids=["hit-1"], reason="  "),
        ErasureError,
        "reason_required",
    ),
    (
        "reason quotes the plate",
        lambda log: log.erase(vrm="AB12CDE", reason="owner of ab12 cde asked"),
        ErasureError,
        "reason_holds_value",
    ),
    (
        "reason quotes the subject",
        lambda log: log.erase(subject_ref="P-1", reason="request from P-1"),
        ErasureError,
        "reason_holds_value",
    ),
    (
        "restricted record by id",
        lambda log: log.erase(event_ids=["stop-1"], reason="r"),
        ErasureError,
        "restricted",
    ),
    ("empty plate", lambda log: log.erase(vrm=" - ", reason="r"), ErasureError, "bad_plate"),
    (
        "restriction of an unknown id",
        lambda log: log.restrict(event_ids=["nope"], reason="r"),
        EventNotFoundError,
        "event_not_found",
    ),
    (
        "restriction without reason",
        lambda log: log.restrict(event_ids=["hit-1"]),
        ErasureError,
        "reason_required",
    ),
]


@pytest.mark.parametrize(
    ("action", "error", "code"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_bad_input_is_refused_and_changes_nothing(
    log: OpLog, action: Refusal, error: type[AnprOpsError], code: str
) -> None:
    _day(log)
    log.restrict(event_ids=["stop-1"], reason="evidence")
    before = stored_state(log)
    with pytest.raises(error) as caught:
        action(log)
    assert caught.value.code == code
    assert stored_state(log) == before
    for value in ("AB12CDE", "P-1"):
        assert value not in str(caught.value)


@pytest.mark.parametrize("operation", ["erase", "restrict", "unrestrict", "apply_retention"])
def test_without_an_actor_nothing_is_done(
    log: OpLog, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    _day(log)
    _unset_actor(log, monkeypatch)
    before = stored_state(log)
    kwargs: dict[str, Any] = {"reason": "r"}
    if operation != "apply_retention":
        kwargs["event_ids"] = ["hit-1"]
    with pytest.raises(AccessRefusedError) as caught:
        getattr(log, operation)(**kwargs)
    assert caught.value.code == "actor_required"
    assert stored_state(log) == before
    # an actor given to the call is enough
    kwargs["actor"] = "DPO 17"
    getattr(log, operation)(**kwargs)


@pytest.mark.parametrize("operation", ["erase", "restrict", "unrestrict"])
def test_a_read_only_log_refuses_erasure_and_restriction(tmp_path: Path, operation: str) -> None:
    path = tmp_path / "ro.db"
    with OpLog.open(path, create=True) as log:
        _day(log)
    before = path.read_bytes()
    with OpLog.open(path, readonly=True) as log, pytest.raises(AccessRefusedError) as caught:
        getattr(log, operation)(event_ids=["hit-1"], reason="r")
    assert caught.value.code == "read_only"
    assert path.read_bytes() == before


def test_a_reason_naming_a_value_kept_elsewhere_only_is_not_refused_for_short_words(
    log: OpLog,
) -> None:
    """Values shorter than three characters are not looked for in a reason (any text has
    such words); longer ones are."""
    _day(log)
    log.append(f.patrol("patrol-2", officer_id="PC"))
    assert not log.erase(event_ids=["patrol-2"], reason="PC asked").noop


def test_an_id_derived_from_content_does_not_depend_on_personal_values() -> None:
    """An id the library derives hashes the public fields only: a hash of a plate could be
    reversed by trying every plate, and would outlive the plate's erasure."""
    one, two = (
        parse_event({k: v for k, v in f.hit(vrm=plate, notes=plate).items() if k != "event_id"})
        for plate in ("AB12CDE", "XY51ABC")
    )
    assert one.event_id == two.event_id
    assert "AB12CDE" not in one.event_id
