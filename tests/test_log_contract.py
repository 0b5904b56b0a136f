"""The contract of OpLog, written once and run on an in-memory and an on-disk log."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pytest

from anpr_ops import Checkpoint, OpLog, parse_event
from anpr_ops._canonical import GENESIS_HASH
from anpr_ops.errors import (
    BrokenReferenceError,
    CorrectionError,
    EventConflictError,
    EventNotFoundError,
    EventValidationError,
    UnknownOffenceCodeError,
)
from anpr_ops.events import AnprHit
from tests import factory as f
from tests.support import raw, stored_state


def state(log: OpLog) -> dict[str, Any]:
    """Everything stored: every table's rows and the chain head."""
    return {"tables": stored_state(log), "head": log.head()}


def bodies(log: OpLog) -> list[str]:
    return [row[0] for row in raw(log).execute("SELECT body FROM events ORDER BY seq")]


def public(body: str) -> dict[str, Any]:
    """A stored body without its commitment (whose salt is drawn at random)."""
    data = json.loads(body)
    data.get("personal", {}).pop("commitment", None)
    return dict(data)


def categories(log: OpLog) -> dict[str, Any]:
    """How the log's report files the offences and arrests of operation OP."""
    data = log.report(f.OP).to_dict()
    return {
        "offences": data["offences_by_category"],
        "arrests": data["arrests_by_category"],
        "codes": data["offences_by_code"],
    }


def ids(log: OpLog, **kwargs: Any) -> list[str]:
    return [e.event_id for e in log.events(**kwargs)]


# --------------------------------------------------------------------------- appending


def test_append_returns_what_was_written(log: OpLog) -> None:
    result = log.extend(f.chain())
    assert result.appended == (
        "kaiser-2020-04-18-open",
        "hit-1",
        "stop-1",
        "search-1",
        "seize-1",
        "out-1",
    )
    assert (result.first_seq, result.last_seq, result.count) == (1, 6, 6)
    assert result.head_hash == log.head()[1]
    assert len(log) == 6


def test_empty_log_has_genesis_head(log: OpLog) -> None:
    assert log.head() == (0, GENESIS_HASH)
    assert len(log) == 0
    assert list(log.events()) == []


def test_hash_is_sha256_of_previous_hash_and_stored_body(log: OpLog) -> None:
    log.extend(f.chain()[:2])
    rows = raw(log).execute("SELECT body, hash FROM events ORDER BY seq").fetchall()
    prev = GENESIS_HASH
    for body, stored in rows:
        assert stored == hashlib.sha256(bytes.fromhex(prev) + body.encode("utf-8")).hexdigest()
        prev = stored


def test_reappending_identical_event_is_a_noop_that_says_so(log: OpLog) -> None:
    log.extend(f.chain())
    before = state(log)
    result = log.append(f.hit())
    assert result.noop and result.duplicates == ("hit-1",) and result.appended == ()
    assert result.head_hash == before["head"][1]
    assert state(log) == before


def test_reappending_whole_batch_changes_nothing(log: OpLog) -> None:
    log.extend(f.chain())
    before = state(log)
    result = log.extend(f.chain())
    assert result.noop and len(result.duplicates) == 6
    assert state(log) == before


def test_same_id_different_content_is_a_conflict_naming_the_id(log: OpLog) -> None:
    log.extend(f.chain())
    before = state(log)
    with pytest.raises(EventConflictError) as caught:
        log.append(f.hit(confidence=80))
    assert caught.value.event_id == "hit-1"
    assert caught.value.code == "event_conflict"
    assert state(log) == before


def test_duplicate_within_a_batch(log: OpLog) -> None:
    result = log.extend([f.operation(), f.hit(), f.hit()])
    assert result.appended == ("kaiser-2020-04-18-open", "hit-1") and result.duplicates == (
        "hit-1",
    )
    with pytest.raises(EventConflictError):
        log.extend([f.hit("hit-9"), f.hit("hit-9", camera_id="X")])
    assert len(log) == 2


def test_model_and_mapping_give_the_same_stored_event(log: OpLog, tmp_path: Any) -> None:
    log.append(f.operation())
    log.append(parse_event(f.hit()))
    other = OpLog.memory()
    other.extend([f.operation(), f.hit()])
    # Each log draws its own salt for the commitment to personal values, so the bytes differ
    # in that commitment alone; the events read back are the same.
    assert list(log.events(personal=True)) == list(other.events(personal=True))
    assert [public(b) for b in bodies(log)] == [public(b) for b in bodies(other)]


def test_event_without_id_gets_a_content_derived_one(log: OpLog) -> None:
    log.append(f.operation())
    anonymous = {k: v for k, v in f.hit().items() if k != "event_id"}
    first = log.append(anonymous)
    (event_id,) = first.appended
    assert event_id.startswith("anpr_hit-")
    assert log.append(anonymous).noop  # the same fact, the same id
    assert log.append({**anonymous, "camera_id": "VX-1"}).appended != first.appended


def test_batch_is_atomic_when_a_later_event_is_invalid(log: OpLog) -> None:
    log.append(f.operation())
    before = state(log)
    bad = f.stop("stop-2", hit_id=None, vrm="NOT A PLATE 123")
    with pytest.raises(EventValidationError) as caught:
        log.extend([f.hit(), f.hit("hit-2"), bad])
    assert caught.value.index == 2
    assert state(log) == before


def test_batch_is_atomic_when_a_later_reference_is_broken(log: OpLog) -> None:
    log.append(f.operation())
    before = state(log)
    with pytest.raises(BrokenReferenceError):
        log.extend([f.hit(), f.stop(), f.search(stop_id="stop-404")])
    assert state(log) == before


def test_times_are_stored_in_utc(log: OpLog) -> None:
    log.extend(f.chain()[:2])
    event = log.get("hit-1")
    assert event.occurred_at.isoformat() == "2020-04-18T08:00:00+00:00"
    body = raw(log).execute("SELECT body FROM events WHERE event_id = 'hit-1'").fetchone()[0]
    assert json.loads(body)["occurred_at"] == "2020-04-18T08:00:00Z"


def test_naive_time_is_refused_and_nothing_stored(log: OpLog) -> None:
    log.append(f.operation())
    before = state(log)
    with pytest.raises(EventValidationError) as caught:
        log.append(f.hit(occurred_at="2020-04-18T09:00:00"))
    assert [p.field for p in caught.value.problems] == ["occurred_at"]
    assert caught.value.problems[0].kind == "timezone_naive"
    assert state(log) == before


# --------------------------------------------------------------------------- references


def test_event_of_an_unopened_operation_is_refused(log: OpLog) -> None:
    with pytest.raises(BrokenReferenceError) as caught:
        log.append(f.hit())
    assert (caught.value.field, caught.value.ref, caught.value.event_id) == ("op_id", f.OP, "hit-1")


def test_operation_opened_earlier_in_the_batch_counts(log: OpLog) -> None:
    assert log.extend([f.operation(), f.hit()]).count == 2


def test_site_typo_is_an_error_not_a_new_site(log: OpLog) -> None:
    log.append(f.operation())
    with pytest.raises(BrokenReferenceError) as caught:
        log.append(f.hit(site="vauxhal"))
    assert caught.value.code == "unknown_site" and caught.value.field == "site_id"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (f.stop("stop-2", hit_id="hit-404"), "hit_id"),
        (f.search("search-2", stop_id="hit-1"), "stop_id"),  # wrong kind
        (f.outcome("out-2", search_id="stop-1"), "search_id"),  # wrong kind
        (f.outcome("out-2", search_id=None, enquiry_id="search-1"), "enquiry_id"),
        (f.seizure("seize-2", search_id=None, sweep_id="nope"), "sweep_id"),
    ],
)
def test_broken_event_references_are_refused(log: OpLog, event: dict[str, Any], field: str) -> None:
    log.extend(f.chain())
    before = state(log)
    with pytest.raises(BrokenReferenceError) as caught:
        log.append(event)
    assert caught.value.field == field and caught.value.event_id == event["event_id"]
    assert state(log) == before


def test_reference_to_another_operation_is_refused(log: OpLog) -> None:
    log.extend(f.chain())
    log.append(f.operation("other-op", sites=("vauxhall",)))
    with pytest.raises(BrokenReferenceError) as caught:
        log.append(f.stop("stop-x", op_id="other-op", hit_id="hit-1"))
    assert "operation" in caught.value.message


def test_forward_reference_within_a_batch_is_refused(log: OpLog) -> None:
    log.append(f.operation())
    with pytest.raises(BrokenReferenceError):
        log.extend([f.stop(), f.hit()])
    assert len(log) == 1


def test_reopening_an_operation_is_refused(log: OpLog) -> None:
    log.append(f.operation())
    with pytest.raises(BrokenReferenceError) as caught:
        log.append(f.operation(event_id="second-open"))
    assert caught.value.code == "operation_exists"


def test_parent_operation_must_exist(log: OpLog) -> None:
    with pytest.raises(BrokenReferenceError) as caught:
        log.append(f.operation("kaiser", parent="day-of-action"))
    assert caught.value.field == "parent_op_id"
    log.extend([f.operation("day-of-action"), f.operation("kaiser", parent="day-of-action")])
    assert log.op_ids("day-of-action") == ["day-of-action", "kaiser"]
    assert log.op_ids("day-of-action", include_children=False) == ["day-of-action"]


def test_unknown_offence_code_names_close_matches(log: OpLog) -> None:
    log.extend(f.chain()[:4])
    with pytest.raises(UnknownOffenceCodeError) as caught:
        log.append(f.outcome(offences=("MD71243",)))
    assert caught.value.offence_code == "MD71243"
    assert "MD71234" in caught.value.suggestions or "MD71245" in caught.value.suggestions
    assert "out-1" in caught.value.message


def test_offence_defined_by_the_log_can_be_used_after_its_definition(log: OpLog) -> None:
    log.extend(f.chain()[:4])
    with pytest.raises(UnknownOffenceCodeError):
        log.extend([f.outcome(offences=("XX12345",)), f.definition("XX12345")])
    log.extend([f.definition("XX12345", category="violence"), f.outcome(offences=("XX12345",))])
    assert log.offences()["XX12345"].category == "violence"
    assert categories(log)["arrests"] == {"violence": 1}


def test_a_code_is_defined_once(log: OpLog) -> None:
    log.extend([f.operation(), f.definition("XX12345")])
    with pytest.raises(EventConflictError) as caught:
        log.append(f.definition("XX12345", event_id="def-again"))
    assert caught.value.code == "already_defined"


def test_a_definition_can_override_a_catalogue_category(log: OpLog) -> None:
    log.extend(f.chain())
    assert categories(log)["offences"] == {"drugs_supply": 1}
    log.append(f.definition("MD71234", category="other", title="Local override"))
    assert categories(log)["offences"] == {"other": 1}
    assert categories(log)["arrests"] == {"other": 1}


# --------------------------------------------------------------------------- corrections


def test_replacement_is_read_in_place_of_the_original(log: OpLog) -> None:
    log.extend(f.chain())
    fixed = f.outcome(offences=("MD71230",))
    log.append(f.correction("out-1", replacement=fixed))
    assert ids(log) == ["kaiser-2020-04-18-open", "hit-1", "stop-1", "search-1", "seize-1", "out-1"]
    current = log.get("out-1")
    assert getattr(current, "offences") == ("MD71230",)
    assert getattr(log.get("out-1", corrected=False), "offences") == ("MD71234",)
    assert categories(log)["codes"] == {"MD71230": 1}
    assert ids(log, corrected=False)[-1] == "fix-out-1"


def test_latest_replacement_wins(log: OpLog) -> None:
    log.extend(f.chain())
    log.append(f.correction("out-1", replacement=f.outcome(offences=("MD71230",))))
    log.append(
        f.correction("out-1", event_id="fix-2", replacement=f.outcome(offences=("MD71231",)))
    )
    assert getattr(log.get("out-1"), "offences") == ("MD71231",)


def test_retracted_event_disappears_from_the_current_view(log: OpLog) -> None:
    log.extend(f.chain())
    log.append(f.correction("out-1", retract=True))
    assert "out-1" not in ids(log)
    with pytest.raises(EventNotFoundError):
        log.get("out-1")
    assert log.get("out-1", corrected=False).event_id == "out-1"
    assert log.report(f.OP).totals.outcomes == 0


def test_retracting_an_event_others_refer_to_is_refused(log: OpLog) -> None:
    log.extend(f.chain())
    with pytest.raises(CorrectionError) as caught:
        log.append(f.correction("search-1", retract=True))
    assert caught.value.code == "has_dependants"
    # Retract the dependants first (in one batch), then the search itself.
    log.extend(
        [
            f.correction("out-1", retract=True),
            f.correction("seize-1", retract=True),
            f.correction("search-1", retract=True),
        ]
    )
    assert ids(log) == ["kaiser-2020-04-18-open", "hit-1", "stop-1"]


def test_referring_to_a_retracted_event_is_refused(log: OpLog) -> None:
    log.extend(f.chain()[:2])
    log.append(f.correction("hit-1", retract=True))
    with pytest.raises(BrokenReferenceError) as caught:
        log.append(f.stop())
    assert "retracted" in caught.value.message


@pytest.mark.parametrize(
    ("fix", "code"),
    [
        (f.correction("hit-1", replacement=f.stop("hit-1", hit_id=None)), "bad_correction"),
        (f.correction("kaiser-2020-04-18-open", retract=True), "bad_correction"),
    ],
)
def test_impossible_corrections_are_refused(log: OpLog, fix: dict[str, Any], code: str) -> None:
    log.extend(f.chain())
    before = state(log)
    with pytest.raises(CorrectionError) as caught:
        log.append(fix)
    assert caught.value.code == code
    assert state(log) == before


def test_correcting_a_correction_or_a_retracted_event_is_refused(log: OpLog) -> None:
    log.extend(f.chain())
    log.append(f.correction("out-1", retract=True))
    with pytest.raises(CorrectionError):
        log.append(f.correction("out-1", event_id="again", retract=True))
    with pytest.raises(CorrectionError):
        log.append(f.correction("fix-out-1", event_id="meta", retract=True))


def test_correction_of_an_unknown_event_is_a_broken_reference(log: OpLog) -> None:
    log.append(f.operation())
    with pytest.raises(BrokenReferenceError) as caught:
        log.append(f.correction("ghost", retract=True))
    assert caught.value.field == "target_id"


def test_replacement_references_are_checked(log: OpLog) -> None:
    log.extend(f.chain())
    with pytest.raises(BrokenReferenceError):
        log.append(f.correction("stop-1", replacement=f.stop(hit_id="hit-404")))


def test_correction_in_the_same_batch_as_its_target(log: OpLog) -> None:
    log.extend([*f.chain(), f.correction("out-1", replacement=f.outcome(disposal="summons"))])
    assert getattr(log.get("out-1"), "disposal") == "summons"
    assert log.report(f.OP).to_dict()["disposals"] == {"summons": 1}


def test_operation_replacement_cannot_drop_a_site_in_use(log: OpLog) -> None:
    log.extend(f.chain())
    fewer = f.operation(sites=("blackfriars",))
    with pytest.raises(CorrectionError) as caught:
        log.append(f.correction("kaiser-2020-04-18-open", replacement=fewer))
    assert caught.value.code == "site_in_use"
    renamed = f.operation(sites=("vauxhall", "blackfriars"), name="Op Kaiser (renamed)")
    log.append(f.correction("kaiser-2020-04-18-open", replacement=renamed))
    assert log.operation(f.OP).name == "Op Kaiser (renamed)"
    with pytest.raises(BrokenReferenceError):
        log.append(f.hit("hit-9", site="tower-bridge"))


def test_correcting_a_definition_recategorises_its_outcomes(log: OpLog) -> None:
    log.extend([*f.chain()[:4], f.definition("XX12345"), f.outcome(offences=("XX12345",))])
    log.append(f.correction("def-XX12345", replacement=f.definition("XX12345", category="weapons")))
    assert categories(log)["offences"] == {"weapons": 1}
    with pytest.raises(CorrectionError):
        log.append(f.correction("def-XX12345", event_id="fix-def-2", retract=True))


# --------------------------------------------------------------------------- reading


def test_events_filters_by_operation_kind_and_children(log: OpLog) -> None:
    log.extend(
        [
            f.operation("day", sites=("brixton",)),
            f.operation(f.OP, parent="day"),
            f.hit(),
            f.patrol(op_id="day"),
        ]
    )
    assert ids(log, op_id="day") == ["day-open", "patrol-1"]
    assert ids(log, op_id="day", include_children=True) == [
        "day-open",
        f"{f.OP}-open",
        "hit-1",
        "patrol-1",
    ]
    assert ids(log, kind="anpr_hit") == ["hit-1"]
    assert [o.op_id for o in log.operations()] == ["day", f.OP]


def test_reading_returns_models(log: OpLog) -> None:
    log.extend(f.chain()[:2])
    event = log.get("hit-1", personal=True)
    assert isinstance(event, AnprHit) and event.vrm == "AB12CDE"


def test_reading_without_asking_withholds_personal_values(log: OpLog) -> None:
    log.extend(f.chain()[:2])
    event = log.get("hit-1")
    assert isinstance(event, AnprHit) and event.vrm == "[withheld]"
    assert log.get("kaiser-2020-04-18-open") == log.get("kaiser-2020-04-18-open", personal=True)


def test_unknown_ids_raise_event_not_found(log: OpLog) -> None:
    with pytest.raises(EventNotFoundError):
        log.get("nothing")
    with pytest.raises(EventNotFoundError):
        log.operation("nothing")


# --------------------------------------------------------------------------- integrity


def test_verify_an_intact_log(log: OpLog) -> None:
    log.extend(f.chain())
    result = log.verify()
    assert result.ok and result.checked == 6 and result.first_bad_seq is None
    assert (result.head_seq, result.head_hash) == log.head()


def test_checkpoint_round_trips_through_text_and_verifies(log: OpLog) -> None:
    log.extend(f.chain())
    checkpoint = log.checkpoint()
    again = Checkpoint.from_text(checkpoint.to_text())
    assert again == checkpoint
    log.append(f.patrol())
    result = log.verify(again)
    assert result.ok and result.checkpoint_checked


def test_operation_checkpoint(log: OpLog) -> None:
    """An operation's checkpoint covers the whole log (its tree) and counts the operation's
    events in it."""
    log.extend([*f.chain(), f.operation("other", sites=("a",))])
    checkpoint = log.checkpoint(f.OP)
    assert (checkpoint.scope, checkpoint.size, checkpoint.events) == (f"op:{f.OP}", 7, 6)
    assert log.verify(checkpoint).ok
    miscounted = dataclasses.replace(checkpoint, op_events=5)
    assert log.verify(miscounted).problem == "checkpoint_count"


def test_rebuild_gives_identical_tables(log: OpLog) -> None:
    log.extend(
        [
            f.operation("day", sites=("brixton",)),
            *[
                {**e, **({"parent_op_id": "day"} if e["kind"] == "operation" else {})}
                for e in f.chain()
            ],
            f.sweep(),
            f.seizure(
                "seize-k",
                search_id=None,
                sweep_id="sweep-1",
                item="weapon",
                weapon_type="knife",
                drug_class=None,
            ),
            f.enquiry(),
            f.outcome("out-e", search_id=None, enquiry_id="enq-1", offences=("BA76001",)),
            f.patrol(),
            f.definition("XX12345"),
            f.correction("out-1", replacement=f.outcome(offences=("MD71230", "XX12345"))),
            f.correction("seize-1", retract=True),
            f.definition("MD71230", category="other", event_id="override"),
        ]
    )
    before = state(log)
    log.rebuild()
    assert state(log) == before


def test_closed_log_refuses_use(log: OpLog) -> None:
    log.close()
    with pytest.raises(Exception, match="closed"):
        len(log)
