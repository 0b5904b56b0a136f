"""The event vocabulary: parsing, per-kind rules, error reporting, canonical form, schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anpr_ops import canonical_dict, event_json_schema, parse_event, strategies
from anpr_ops._canonical import canonical_bytes
from anpr_ops.errors import EventValidationError
from anpr_ops.events import EVENT_TYPES, Operation, canonical_dicts, derive_event_id
from anpr_ops.vocab import EventKind
from tests import factory as f

VALID = {
    "operation": f.operation(),
    "anpr_hit": f.hit(),
    "vehicle_stop": f.stop(),
    "search": f.search(),
    "outcome": f.outcome(),
    "seizure": f.seizure(),
    "weapon_sweep": f.sweep(),
    "arrest_enquiry": f.enquiry(),
    "patrol": f.patrol(),
    "correction": f.correction("hit-1", replacement=f.hit(camera_id="VX-1")),
    "offence_definition": f.definition(),
}


def test_every_kind_has_a_valid_example() -> None:
    assert set(VALID) == {k.value for k in EventKind}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_examples_parse_into_their_model(kind: str) -> None:
    event = parse_event(VALID[kind])
    assert isinstance(event, EVENT_TYPES[EventKind(kind)])
    assert event.kind == kind


@pytest.mark.parametrize("kind", sorted(VALID))
def test_canonical_json_parses_back_to_the_same_event(kind: str) -> None:
    event = parse_event(VALID[kind])
    text = canonical_bytes(canonical_dict(event))
    again = parse_event(text)
    assert again == event
    assert canonical_bytes(canonical_dict(again)) == text


# Each case: (kind, change to the valid example, problem field, problem kind)
BAD = [
    ("anpr_hit", {"reasons": []}, "reasons", "too_short"),
    ("anpr_hit", {"reasons": ["drugs", "drugs"]}, "(event)", "duplicate_reason"),
    ("anpr_hit", {"reasons": ["speeding"]}, "reasons.0", "enum"),
    ("anpr_hit", {"hotlist": "PNC"}, "hotlist", "enum"),
    ("anpr_hit", {"confidence": 101}, "confidence", "less_than_equal"),
    ("anpr_hit", {"confidence": "90"}, "confidence", "int_type"),
    ("anpr_hit", {"confidence": 90.5}, "confidence", "int_type"),
    ("anpr_hit", {"vrm": "AB12 CDEF"}, "vrm", "too_long"),
    ("anpr_hit", {"vrm": "ZZ00ZZZ"}, "vrm", "unrecognised_format"),
    ("anpr_hit", {"vrm_country": "GB"}, "vrm_country", "vrm_country_domestic"),
    ("anpr_hit", {"event_id": "has space"}, "event_id", "string_pattern_mismatch"),
    ("anpr_hit", {"event_id": "x" * 65}, "event_id", "string_pattern_mismatch"),
    ("anpr_hit", {"op_id": "Kaiser"}, "op_id", "string_pattern_mismatch"),
    ("anpr_hit", {"occurred_at": "2020-04-18T09:00:00"}, "occurred_at", "timezone_naive"),
    ("anpr_hit", {"occurred_at": 1587196800}, "occurred_at", "datetime_type"),
    ("anpr_hit", {"occurred_at": "yesterday"}, "occurred_at", "datetime_parsing"),
    ("anpr_hit", {"colour": "red"}, "colour", "extra_forbidden"),
    ("anpr_hit", {"officer_id": "PC 1\nDROP"}, "officer_id", "string_pattern_mismatch"),
    ("vehicle_stop", {"reason": None}, "reason", "missing"),
    ("vehicle_stop", {"occupants": -1}, "occupants", "greater_than_equal"),
    ("vehicle_stop", {"occupants": True}, "occupants", "int_type"),
    ("vehicle_stop", {"power": "rta_1988_s164"}, "power", "enum"),
    ("search", {"vrm": None}, "(event)", "vrm_required"),
    ("search", {"vrm_unknown": True}, "(event)", "vrm_conflict"),
    ("search", {"search_type": "person"}, "(event)", "vrm_not_searched"),
    ("search", {"subject_ref": None}, "(event)", "subject_required"),
    (
        "search",
        {"search_type": "person", "vrm": None, "vrm_country": "FR"},
        "(event)",
        "country_without_vrm",
    ),
    (
        "search",
        {"vrm": None, "vrm_unknown": True, "vrm_country": "FR"},
        "(event)",
        "country_without_vrm",
    ),
    ("search", {"self_defined_ethnicity": "W4"}, "self_defined_ethnicity", "enum"),
    ("search", {"outcome_linked_to_object": "yes"}, "outcome_linked_to_object", "bool_type"),
    ("search", {"latitude": 51.5}, "(event)", "coordinates_pair"),
    ("search", {"latitude": float("nan"), "longitude": 0.0}, "latitude", "finite_number"),
    ("search", {"latitude": 91.0, "longitude": 0.0}, "latitude", "less_than_equal"),
    ("search", {"legislation": "pace_1984_s2"}, "legislation", "enum"),
    ("outcome", {"offences": []}, "(event)", "offences_required"),
    ("outcome", {"disposal": "no_further_action"}, "(event)", "offences_with_nfa"),
    ("outcome", {"offences_unknown": True}, "(event)", "offences_conflict"),
    ("outcome", {"offences": ["md71234"]}, None, None),  # lower case is accepted
    ("outcome", {"offences": ["MD7123"]}, "offences.0", "string_pattern_mismatch"),
    ("outcome", {"offences": ["МD71234"]}, "offences.0", "string_pattern_mismatch"),  # Cyrillic
    ("outcome", {"offences": ["ﬀ12345"]}, "offences.0", "string_pattern_mismatch"),  # ligature
    ("outcome", {"stop_id": "stop-1"}, "(event)", "several_sources"),
    ("outcome", {"disposal": "released"}, "disposal", "enum"),
    ("seizure", {"item": "weapon"}, "(event)", "not_a_drug"),
    ("seizure", {"weapon_type": "knife"}, "(event)", "not_a_weapon"),
    ("seizure", {"item": "vehicle", "drug_class": None}, "(event)", "vrm_required"),
    (
        "seizure",
        {"item": "vehicle", "drug_class": None, "vrm": "AB12CDE"},
        "(event)",
        "power_required",
    ),
    ("seizure", {"vrm": "AB12CDE"}, "(event)", "vrm_not_vehicle"),
    ("weapon_sweep", {"location": None}, "(event)", "place_required"),
    ("arrest_enquiry", {"wanted_for": []}, "wanted_for", "too_short"),
    ("arrest_enquiry", {"high_harm": "true"}, "high_harm", "bool_type"),
    ("arrest_enquiry", {"located": None}, "located", "missing"),
    ("arrest_enquiry", {"located": 1}, "located", "bool_type"),
    ("patrol", {"ends_at": "2020-04-18T11:00:00+01:00"}, "(event)", "ends_before_start"),
    ("operation", {"timezone": "Europe/Londn"}, "timezone", "timezone_unknown"),
    ("operation", {"timezone": "../../etc/passwd"}, "timezone", "timezone_unknown"),
    ("operation", {"ends_at": "2020-04-18T07:59:00+01:00"}, "(event)", "ends_before_start"),
    (
        "operation",
        {"sites": [{"site_id": "a", "name": "A"}, {"site_id": "a", "name": "B"}]},
        "(event)",
        "duplicate_site",
    ),
    ("operation", {"parent_op_id": "kaiser-2020-04-18"}, "(event)", "parent_is_self"),
    (
        "operation",
        {"sites": [{"site_id": "A b", "name": "x"}]},
        "sites.0.site_id",
        "string_pattern_mismatch",
    ),
    ("correction", {"retract": True}, "(event)", "replacement_or_retract"),
    ("correction", {"replacement": None}, "(event)", "replacement_or_retract"),
    ("correction", {"replacement": {**f.hit("hit-2")}}, "(event)", "replacement_id"),
    ("correction", {"replacement": f.hit(op_id="other")}, "(event)", "replacement_op"),
    (
        "correction",
        {"replacement": f.correction("x", retract=True)},
        "replacement",
        "union_tag_invalid",
    ),
    ("correction", {"replacement": {**f.hit(), "vrm": "!!"}}, "replacement.vrm", "bad_characters"),
    ("offence_definition", {"category": "unknown"}, "category", "category_unknown"),
    ("offence_definition", {"code": "NOT-A-CODE"}, "code", "string_pattern_mismatch"),
]


@pytest.mark.parametrize(("kind", "change", "field", "problem"), BAD)
def test_invalid_events_name_the_field_and_problem(
    kind: str, change: dict[str, Any], field: str | None, problem: str | None
) -> None:
    data = {k: v for k, v in {**VALID[kind], **change}.items() if v is not None}
    if field is None:
        parse_event(data)
        return
    with pytest.raises(EventValidationError) as caught:
        parse_event(data)
    found = [(p.field, p.kind) for p in caught.value.problems]
    if problem == "union_tag_invalid":
        assert ("kind", problem) in found or any(k == problem for _, k in found)
    else:
        assert (field, problem) in found, found
    named = data["event_id"] if field != "event_id" else None  # a bad id is not repeated as a name
    assert caught.value.event_id == named
    assert str(caught.value).startswith("event")


def test_missing_and_unknown_kind() -> None:
    with pytest.raises(EventValidationError) as caught:
        parse_event({"event_id": "x"})
    assert [(p.field, p.kind) for p in caught.value.problems] == [("kind", "union_tag_not_found")]
    with pytest.raises(EventValidationError) as caught:
        parse_event({"kind": "arrest"})
    assert caught.value.problems[0].kind == "union_tag_invalid"


@pytest.mark.parametrize("bad", ["", "{", "[1, 2]", "null", '{"kind": "patrol",}', "\x00"])
def test_malformed_json_is_an_event_validation_error(bad: str) -> None:
    with pytest.raises(EventValidationError):
        parse_event(bad, line=7)


def test_a_non_mapping_is_refused() -> None:
    with pytest.raises(EventValidationError) as caught:
        parse_event(42)  # type: ignore[arg-type]
    assert caught.value.code == "not_an_object"


PLATES = ["AB12CDE", "LD65XKP", "ZZ00ZZZ", "AB12CDEF", "A1!"]


@pytest.mark.parametrize("plate", PLATES)
def test_plates_and_people_never_appear_in_error_messages(plate: str) -> None:
    """Whatever is wrong, the message carries neither the plate nor subject or officer refs."""
    secrets = {"vrm": plate, "raw_vrm": plate, "officer_id": "PC-4471", "notes": "Mr Smith"}
    data = {**f.hit(), **secrets, "hotlist": "nope", "confidence": "high"}
    with pytest.raises(EventValidationError) as caught:
        parse_event(data)
    text = str(caught.value) + repr(caught.value.problems)
    for secret in secrets.values():
        assert secret not in text
    search = {**f.search(), "vrm": plate, "subject_ref": "JOHN-SMITH-1970", "gender": "m"}
    with pytest.raises(EventValidationError) as caught:
        parse_event(search)
    assert plate not in str(caught.value) and "JOHN-SMITH" not in str(caught.value)


def test_repr_hides_personal_fields() -> None:
    event = parse_event({**f.search(), "officer_id": "PC-4471", "notes": "seen by Mr Smith"})
    text = repr(event)
    for secret in ("AB12CDE", "P-1", "PC-4471", "Smith", "cannabis"):
        assert secret not in text


def test_non_personal_bad_values_are_echoed() -> None:
    with pytest.raises(EventValidationError) as caught:
        parse_event({**f.hit(), "hotlist": "nope"})
    assert "'nope'" in str(caught.value)


# --------------------------------------------------------------------------- canonical form


def test_canonical_dict_leaves_out_defaults_but_keeps_kind() -> None:
    stop = parse_event(f.stop())
    data = canonical_dict(stop)
    assert data["kind"] == "vehicle_stop"
    assert "power" not in data  # the default, rta_1988_s163
    assert "occupants" not in data and "officer_id" not in data
    explicit = parse_event({**f.stop(), "power": "rta_1988_s163"})
    assert canonical_dict(explicit) == data


def test_canonical_bytes_of_a_worked_example() -> None:
    """The bytes written out by hand from the rules in docs/log.md."""
    event = parse_event(
        {
            "kind": "vehicle_stop",
            "event_id": "stop-1",
            "op_id": "kaiser-2020-04-18",
            "occurred_at": "2020-04-18T10:20:00+01:00",
            "site_id": "vauxhall",
            "vrm": "ab12 cde",
            "reason": "anpr_hit",
            "hit_id": "hit-1",
            "notes": 'Café stop\n"quoted"',
        }
    )
    expected = (
        b'{"event_id":"stop-1","hit_id":"hit-1","kind":"vehicle_stop",'
        b'"notes":"Caf\xc3\xa9 stop\\n\\"quoted\\"","occurred_at":"2020-04-18T09:20:00Z",'
        b'"op_id":"kaiser-2020-04-18","reason":"anpr_hit","site_id":"vauxhall","vrm":"AB12CDE"}'
    )
    assert canonical_bytes(canonical_dict(event)) == expected


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2020-04-18T10:20:00+01:00", "2020-04-18T09:20:00Z"),
        ("2020-04-18T09:20:00Z", "2020-04-18T09:20:00Z"),
        ("2020-04-18T09:20:00.250+00:00", "2020-04-18T09:20:00.250000Z"),
        ("2020-10-25T01:30:00+01:00", "2020-10-25T00:30:00Z"),
        ("2020-10-25T01:30:00+00:00", "2020-10-25T01:30:00Z"),
        ("2020-04-18T14:50:00+05:30", "2020-04-18T09:20:00Z"),
    ],
)
def test_times_are_written_in_utc(text: str, stored: str) -> None:
    assert canonical_dict(parse_event({**f.hit(), "occurred_at": text}))["occurred_at"] == stored


def test_python_datetimes_are_accepted_when_aware() -> None:
    bst = timezone(timedelta(hours=1))
    event = parse_event({**f.hit(), "occurred_at": datetime(2020, 4, 18, 10, 0, tzinfo=bst)})
    assert event.occurred_at == datetime(2020, 4, 18, 9, 0, tzinfo=UTC)
    with pytest.raises(EventValidationError):
        parse_event({**f.hit(), "occurred_at": datetime(2020, 4, 18, 10, 0)})


def test_derived_event_id_ignores_nothing_but_the_id() -> None:
    base = {k: v for k, v in f.hit().items() if k != "event_id"}
    one, two = parse_event(base), parse_event({**base, "camera_id": "VX-1"})
    assert one.event_id != two.event_id
    assert one.event_id == derive_event_id(parse_event({**base, "event_id": "anything"}))


def test_replacement_inherits_the_target_id() -> None:
    replacement = {k: v for k, v in f.hit().items() if k != "event_id"}
    fix = parse_event(f.correction("hit-1", replacement=replacement))
    assert fix.replacement is not None and fix.replacement.event_id == "hit-1"  # type: ignore[union-attr]


def test_models_are_frozen() -> None:
    event = parse_event(f.hit())
    with pytest.raises(Exception, match="frozen"):
        event.vrm = "ZZ99ZZZ"  # type: ignore[misc,union-attr]


# --------------------------------------------------------------------------- schema


def test_json_schema_covers_every_kind() -> None:
    schema = event_json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    mapping = schema["discriminator"]["mapping"]
    assert set(mapping) == {k.value for k in EventKind}
    json.dumps(schema)  # serialisable as it is


def test_operation_defaults() -> None:
    op = parse_event({k: v for k, v in f.operation().items() if k != "timezone"})
    assert isinstance(op, Operation) and op.timezone == "Europe/London" and op.sites


@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=1)), timezone(timedelta(minutes=-330))]
        ),
    )
)
def test_any_aware_time_round_trips_through_the_stored_form(moment: datetime) -> None:
    event = parse_event({**f.hit(), "occurred_at": moment})
    again = parse_event(canonical_bytes(canonical_dict(event)))
    assert again.occurred_at == moment
    assert again.occurred_at.tzinfo is UTC


@given(st.lists(strategies.events(), max_size=8))
def test_batch_canonical_objects_equal_one_at_a_time(events: list[Any]) -> None:
    """The batch path of append (one serialiser call) writes the same bytes as single events."""
    batch = canonical_dicts(events)
    assert [canonical_bytes(d) for d in batch] == [
        canonical_bytes(canonical_dict(e)) for e in events
    ]
    for event, data in zip(events, batch, strict=True):
        assert parse_event(canonical_bytes(data)) == event
