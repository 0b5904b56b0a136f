"""Retention (DPA 2018 s.39): the policy, its file format and errors, what a run erases,
keeps and counts, and what it records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog
from anpr_ops.errors import AccessRefusedError, PolicyError
from anpr_ops.events.personal import ERASED
from anpr_ops.store import RetentionPolicy
from anpr_ops.strategies import operation_batches
from tests import factory as f
from tests.support import stored_state

HIT_TIME = datetime(2020, 4, 18, 8, 0, tzinfo=UTC)  # factory.T0, 09:00 BST
YEAR = timedelta(days=365)


def _hits(log: OpLog) -> None:
    log.extend(
        [
            f.operation(),
            f.hit("hit-1"),
            f.hit("hit-2", vrm="XY51ABC", occurred_at="2020-06-01T10:00:00+01:00"),
            f.stop(),
            f.patrol(occurred_at="2014-01-01T10:00:00Z", ends_at="2014-01-01T12:00:00Z"),
        ]
    )


def _vrm(log: OpLog, event_id: str) -> str:
    """The plate the stored event holds (a correction's: its replacement's)."""
    event = log.get(event_id, corrected=False, personal=True, restricted=True)
    return str(getattr(getattr(event, "replacement", None) or event, "vrm"))


# --------------------------------------------------------------------------- the policy


def test_the_default_policy_erases_hits_after_a_year_and_reviews_the_rest() -> None:
    policy = RetentionPolicy.default()
    assert policy.rule("anpr_hit").erase_after_days == 365
    assert {policy.rule(k).review_after_days for k in policy.rules if k != "anpr_hit"} == {2190}
    assert policy.justification_required
    assert RetentionPolicy.from_dict(policy.to_dict()) == policy


BAD_POLICIES: list[tuple[str, str, str, str | None]] = [
    ("not json", '{"kinds": ', "not_json", None),
    ("not an object", "[1, 2]", "not_an_object", None),
    ("unknown top key", '{"kind": {}}', "unknown_key", "kind"),
    ("kinds not an object", '{"kinds": []}', "not_an_object", "kinds"),
    ("unknown kind", '{"kinds": {"anpr_hits": {"erase_after_days": 1}}}', "unknown_kind", None),
    ("correction", '{"kinds": {"correction": {"erase_after_days": 1}}}', "correction_kind", None),
    ("rule not an object", '{"kinds": {"patrol": 30}}', "not_an_object", "kinds.patrol"),
    (
        "unknown rule key",
        '{"kinds": {"patrol": {"erase_after": 30}}}',
        "unknown_key",
        "kinds.patrol.erase_after",
    ),
    (
        "both rules",
        '{"kinds": {"patrol": {"erase_after_days": 30, "review_after_days": 60}}}',
        "rule_conflict",
        "kinds.patrol",
    ),
    ("no rule", '{"kinds": {"patrol": {}}}', "rule_conflict", "kinds.patrol"),
    *[
        (
            f"days {raw}",
            f'{{"kinds": {{"patrol": {{"erase_after_days": {raw}}}}}}}',
            "bad_value",
            "kinds.patrol.erase_after_days",
        )
        for raw in ("0", "-1", "1.5", '"30"', "true", "36501", "null")
    ],
    ("flag not a bool", '{"justification_required": "no"}', "bad_value", "justification_required"),
]


@pytest.mark.parametrize(
    ("text", "code", "field"), [c[1:] for c in BAD_POLICIES], ids=[c[0] for c in BAD_POLICIES]
)
def test_a_bad_policy_file_is_refused_naming_the_entry(
    text: str, code: str, field: str | None
) -> None:
    with pytest.raises(PolicyError) as caught:
        RetentionPolicy.from_json(text)
    assert caught.value.code == code
    if field is not None:
        assert caught.value.field == field


def test_a_policy_file_that_is_not_json_says_which_line() -> None:
    with pytest.raises(PolicyError) as caught:
        RetentionPolicy.from_json('{\n  "kinds": {\n    "patrol": \n')
    assert caught.value.line == 4


def test_a_policy_set_is_recorded_and_the_latest_wins(log: OpLog) -> None:
    _hits(log)
    first = log.set_retention_policy({"kinds": {"patrol": {"erase_after_days": 30}}})
    second = log.set_retention_policy(
        {"kinds": {"anpr_hit": {"review_after_days": 30}}}, reason="hits are evidence here"
    )
    assert (first, second) == (1, 2)
    policy = log.retention_policy()
    assert policy.rule("anpr_hit").review_after_days == 30
    assert policy.rule("patrol").review_after_days == 2190  # the first policy no longer holds
    entries = log.access_log()
    assert [e.action for e in entries] == ["policy", "policy"]
    assert entries[1].reason == "hits are evidence here"
    result = log.apply_retention(HIT_TIME + 10 * YEAR)
    assert result.policy_seq == 2 and not result.erased
    assert result.due_for_review["anpr_hit"] == 2


def test_setting_a_bad_policy_records_nothing(log: OpLog) -> None:
    _hits(log)
    before = stored_state(log)
    with pytest.raises(PolicyError):
        log.set_retention_policy({"kinds": {"nope": {}}})
    assert stored_state(log) == before


# --------------------------------------------------------------------------- runs


def test_a_hit_is_due_365_days_after_it_happened(log: OpLog) -> None:
    _hits(log)
    early = log.apply_retention(HIT_TIME + YEAR - timedelta(microseconds=1))
    assert early.erased == {} and _vrm(log, "hit-1") == "AB12CDE"
    due = log.apply_retention(HIT_TIME + YEAR)
    assert due.erased == {"anpr_hit": 1} and due.fields == {"vrm": 1}
    assert _vrm(log, "hit-1") == ERASED
    assert _vrm(log, "hit-2") == "XY51ABC"  # not yet a year old
    assert _vrm(log, "stop-1") == "AB12CDE"  # stops are reviewed, not erased
    assert due.kept_elsewhere == {"vrm": 1}  # the stop keeps the plate


def test_a_correction_that_moves_a_hit_moves_its_due_date(log: OpLog) -> None:
    _hits(log)
    log.append(f.correction("hit-2", replacement=f.hit("hit-2", vrm="XY51ABC")))  # to 18 April
    result = log.apply_retention(HIT_TIME + YEAR)
    assert result.erased == {"anpr_hit": 2}
    assert result.events == 3  # the two hits and the correction
    assert _vrm(log, "fix-hit-2") == ERASED


def test_restricted_hits_are_kept_and_counted(log: OpLog) -> None:
    _hits(log)
    log.restrict(event_ids=["hit-1"], reason="evidence, case 4410")
    result = log.apply_retention(HIT_TIME + 2 * YEAR)
    assert result.erased == {"anpr_hit": 1} and result.restricted == {"anpr_hit": 1}
    assert "restricted" in result.summary()
    assert _vrm(log, "hit-1") == "AB12CDE"


def test_records_past_their_review_date_are_counted_not_erased(log: OpLog) -> None:
    _hits(log)
    result = log.apply_retention(datetime(2020, 6, 1, tzinfo=UTC))
    assert result.due_for_review == {"patrol": 1}  # recorded in 2014
    assert "due for review: patrol 1" in result.summary()
    patrol = log.get("patrol-1", personal=True)
    assert getattr(patrol, "location") == "Brixton Road"


def test_a_dry_run_changes_and_records_nothing(log: OpLog) -> None:
    _hits(log)
    before = stored_state(log)
    result = log.apply_retention(HIT_TIME + 2 * YEAR, dry_run=True)
    assert result.dry_run and result.erased == {"anpr_hit": 2} and result.access_seq is None
    assert "would erase" in result.summary()
    assert stored_state(log) == before


def test_a_dry_run_previews_another_policy(log: OpLog) -> None:
    _hits(log)
    preview = RetentionPolicy.from_dict({"kinds": {"vehicle_stop": {"erase_after_days": 1}}})
    result = log.apply_retention(HIT_TIME + timedelta(days=2), dry_run=True, policy=preview)
    assert result.erased == {"vehicle_stop": 1} and result.previewed
    assert "previewed, not set" in result.summary()
    with pytest.raises(PolicyError) as caught:
        log.apply_retention(HIT_TIME, policy=preview)
    assert caught.value.code == "preview_only"


def test_a_run_is_recorded_once_with_the_policy_and_no_value(log: OpLog) -> None:
    _hits(log)
    log.apply_retention(HIT_TIME + 2 * YEAR, actor="DPO 17")
    nothing = log.apply_retention(HIT_TIME + 2 * YEAR, actor="DPO 17")
    assert nothing.erased == {} and nothing.access_seq == 2
    first, second = log.access_log()
    assert (first.action, second.action) == ("retention", "retention")
    assert first.actor == "DPO 17" and first.reason == "retention policy (s.39 DPA 2018)"
    assert (
        first.detail is not None and first.detail["policy"] == RetentionPolicy.default().to_dict()
    )
    assert first.detail["now"] == "2022-04-18T08:00:00Z"
    assert first.event_count == 2 and first.fields == ("vrm",)
    assert second.events == ()
    text = json.dumps([e.to_dict() for e in log.access_log()])
    assert "AB12CDE" not in text and "XY51ABC" not in text
    assert log.verify().erasures == 1  # the empty run erased nothing


def test_a_naive_now_is_refused(log: OpLog) -> None:
    _hits(log)
    before = stored_state(log)
    with pytest.raises(PolicyError) as caught:
        log.apply_retention(datetime(2022, 1, 1))
    assert caught.value.code == "naive_datetime" and caught.value.field == "now"
    assert stored_state(log) == before


def test_a_dry_run_needs_no_actor(log: OpLog, monkeypatch: pytest.MonkeyPatch) -> None:
    _hits(log)
    monkeypatch.delenv("ANPR_OPS_ACTOR")
    log._actor = type(log._actor)(None, None)
    assert log.apply_retention(HIT_TIME + 2 * YEAR, dry_run=True).erased == {"anpr_hit": 2}
    with pytest.raises(AccessRefusedError):
        log.apply_retention(HIT_TIME + 2 * YEAR)


# --------------------------------------------------------------------------- justification


def test_reads_need_a_purpose_unless_the_policy_says_otherwise(
    log: OpLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hits(log)
    monkeypatch.delenv("ANPR_OPS_PURPOSE")
    log._actor = type(log._actor)("pytest", None)
    with pytest.raises(AccessRefusedError) as caught:
        list(log.events(personal=True))
    assert caught.value.code == "purpose_required"
    log.set_retention_policy({"justification_required": False})
    assert len(list(log.events(personal=True))) == 5
    consult = log.access_log()[-1]
    assert consult.action == "consult" and consult.purpose is None and consult.actor == "pytest"


# --------------------------------------------------------------------------- property


def _current_times(batch: list[Any]) -> dict[str, datetime]:
    """Each hit record's time as it now stands (after its latest correction)."""
    times: dict[str, datetime] = {}
    for event in batch:
        if event.kind == "anpr_hit":
            times[event.event_id] = event.occurred_at
        elif event.kind == "correction" and event.target_id in times and event.replacement:
            times[event.target_id] = event.replacement.occurred_at
    return times


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=operation_batches(), data=st.data())
def test_a_run_erases_exactly_the_hits_a_year_old(batch: list[Any], data: st.DataObject) -> None:
    """Every hit record at least 365 days old and not restricted loses its values (with its
    corrections); every other record keeps them."""
    times = _current_times(batch)
    offset = data.draw(st.integers(-2, 4 * 24), label="hours after a year") * 3600
    first = min([*times.values(), datetime(2020, 1, 1, tzinfo=UTC)])
    now = first + YEAR + timedelta(seconds=offset)
    kept = set(data.draw(st.lists(st.sampled_from(sorted(times) or ["-"]), max_size=2)))
    kept &= set(times)
    with OpLog.memory(actor="pytest") as log:
        log.extend(batch)
        if kept:
            log.restrict(event_ids=sorted(kept), reason="evidence")
        result = log.apply_retention(now)
        due = {hit for hit, when in times.items() if when + YEAR <= now} - kept
        assert result.erased == ({"anpr_hit": len(due)} if due else {})
        for event in log.events(corrected=False, personal=True, restricted=True):
            record = getattr(event, "target_id", event.event_id)
            value = getattr(event, "vrm", None) or getattr(
                event.__dict__.get("replacement"), "vrm", None
            )
            if value is None:
                continue
            assert (value == ERASED) == (record in due)
