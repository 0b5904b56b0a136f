"""Small builders of valid events (as interchange dicts) for the tests.

Each builder takes the few fields a test cares about and fills the rest with valid values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

OP = "kaiser-2020-04-18"
T0 = "2020-04-18T09:00:00+01:00"


def operation(
    op_id: str = OP,
    *,
    event_id: str | None = None,
    sites: tuple[str, ...] = ("vauxhall", "blackfriars", "tower-bridge"),
    parent: str | None = None,
    timezone: str = "Europe/London",
    **extra: Any,
) -> dict[str, Any]:
    event = {
        "kind": "operation",
        "event_id": event_id or f"{op_id}-open",
        "op_id": op_id,
        "occurred_at": "2020-04-18T07:00:00+01:00",
        "name": f"Operation {op_id}",
        "force": "metropolitan",
        "timezone": timezone,
        "starts_at": "2020-04-18T08:00:00+01:00",
        "sites": [{"site_id": s, "name": s.replace("-", " ").title()} for s in sites],
    }
    if parent:
        event["parent_op_id"] = parent
    return {**event, **extra}


def hit(
    event_id: str = "hit-1", *, op_id: str = OP, site: str = "vauxhall", **extra: Any
) -> dict[str, Any]:
    return {
        "kind": "anpr_hit",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": T0,
        "site_id": site,
        "vrm": "AB12CDE",
        "hotlist": "pnc",
        "reasons": ["stolen_vehicle"],
        **extra,
    }


def stop(
    event_id: str = "stop-1",
    *,
    op_id: str = OP,
    hit_id: str | None = "hit-1",
    site: str = "vauxhall",
    **extra: Any,
) -> dict[str, Any]:
    event = {
        "kind": "vehicle_stop",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T09:05:00+01:00",
        "site_id": site,
        "vrm": "AB12CDE",
        "reason": "anpr_hit" if hit_id else "driving_behaviour",
    }
    if hit_id:
        event["hit_id"] = hit_id
    return {**event, **extra}


def search(
    event_id: str = "search-1", *, op_id: str = OP, stop_id: str | None = "stop-1", **extra: Any
) -> dict[str, Any]:
    event = {
        "kind": "search",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T09:10:00+01:00",
        "search_type": "person_and_vehicle",
        "legislation": "mda_1971_s23",
        "object_of_search": "controlled_drugs",
        "grounds": "Smell of cannabis",
        "vrm": "AB12CDE",
        "subject_ref": "P-1",
        "self_defined_ethnicity": "W1",
    }
    if stop_id:
        event["stop_id"] = stop_id
    return {**event, **extra}


def outcome(
    event_id: str = "out-1",
    *,
    op_id: str = OP,
    search_id: str | None = "search-1",
    disposal: str = "arrest",
    offences: Sequence[str] = ("MD71234",),
    **extra: Any,
) -> dict[str, Any]:
    event = {
        "kind": "outcome",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T09:30:00+01:00",
        "subject_ref": "P-1",
        "disposal": disposal,
        "offences": list(offences),
    }
    if search_id:
        event["search_id"] = search_id
    return {**event, **extra}


def seizure(event_id: str = "seize-1", *, op_id: str = OP, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "seizure",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T09:20:00+01:00",
        "search_id": "search-1",
        "item": "controlled_drug",
        "drug_class": "A",
        **extra,
    }


def sweep(event_id: str = "sweep-1", *, op_id: str = OP, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "weapon_sweep",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T10:00:00+01:00",
        "location": "Kennington Park",
        **extra,
    }


def enquiry(event_id: str = "enq-1", *, op_id: str = OP, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "arrest_enquiry",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T08:30:00+01:00",
        "subject_ref": "W-1",
        "wanted_for": ["BA76001"],
        "underlying_offence_category": "violence",
        "high_harm": True,
        "located": True,
        **extra,
    }


def patrol(event_id: str = "patrol-1", *, op_id: str = OP, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "patrol",
        "event_id": event_id,
        "op_id": op_id,
        "occurred_at": "2020-04-18T12:00:00+01:00",
        "ends_at": "2020-04-18T14:00:00+01:00",
        "location": "Brixton Road",
        **extra,
    }


def definition(
    code: str = "XX12345", *, event_id: str | None = None, op_id: str = OP, **extra: Any
) -> dict[str, Any]:
    return {
        "kind": "offence_definition",
        "event_id": event_id or f"def-{code}",
        "op_id": op_id,
        "occurred_at": T0,
        "code": code,
        "title": "Locally defined offence",
        "category": "other",
        **extra,
    }


def correction(
    target_id: str,
    *,
    event_id: str | None = None,
    op_id: str = OP,
    replacement: dict[str, Any] | None = None,
    retract: bool = False,
    reason: str = "recorded wrongly",
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "correction",
        "event_id": event_id or f"fix-{target_id}",
        "op_id": op_id,
        "occurred_at": "2020-04-18T18:00:00+01:00",
        "target_id": target_id,
        "reason": reason,
    }
    if replacement is not None:
        event["replacement"] = replacement
    if retract:
        event["retract"] = True
    return event


def chain() -> list[dict[str, Any]]:
    """An operation with a hit, stop, search, seizure and arrest that reference each other."""
    return [operation(), hit(), stop(), search(), seizure(), outcome()]
