"""Realistic operations, generated deterministically, in batches, as interchange dicts.

A day of ANPR work at a handful of stop sites: most hits lead to a stop, some stops to a
search, every search to an outcome (mostly no further action), some searches to seizures;
weapon sweeps and patrols now and then. The events refer to each other exactly as real ones
do, so the library's reference checks do real work.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

SITES = ("vauxhall", "blackfriars", "tower-bridge", "lambeth", "westminster", "southwark")
REASONS = (
    "stolen_vehicle",
    "no_insurance",
    "no_tax",
    "no_mot",
    "drugs",
    "intelligence",
    "no_keeper",
)
HOTLISTS = ("pnc", "dvla", "insurance", "force", "nas")
LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
DISPOSALS = (
    ("no_further_action", (), 60),
    ("arrest", ("MD71234",), 8),
    ("arrest", ("RT88584",), 4),
    ("arrest", ("TH68013",), 2),
    ("traffic_offence_report", ("RT88191",), 12),
    ("traffic_offence_report", ("RT88334", "RT88191"), 6),
    ("cannabis_khat_warning", (), 5),
    ("community_resolution", (), 3),
)
ETHNICITIES = ("W1", "W2", "W9", "B1", "B2", "A1", "A2", "M1", "O9", "NS")


def plate(rng: random.Random) -> str:
    """A current-format plate (AB12 CDE) with a valid age identifier."""
    memory = rng.choice(LETTERS) + rng.choice(LETTERS)
    age = rng.choice([n for n in range(2, 100) if n not in (50,)])
    return f"{memory}{age:02d}{''.join(rng.choice(LETTERS) for _ in range(3))}"


def operation(op_id: str, *, parent: str | None = None, start: datetime) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "operation",
        "event_id": f"{op_id}-open",
        "op_id": op_id,
        "occurred_at": start.isoformat(),
        "name": f"Operation {op_id}",
        "force": "metropolitan",
        "starts_at": start.isoformat(),
        "sites": [
            {
                "site_id": s,
                "name": s.replace("-", " ").title(),
                "latitude": 51.5 - i / 100,
                "longitude": -0.1 + i / 100,
            }
            for i, s in enumerate(SITES)
        ],
    }
    if parent:
        event["parent_op_id"] = parent
    return event


def events(
    total: int,
    *,
    op_id: str = "bench",
    seed: int = 1,
    parent: str | None = None,
    start: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """``total`` events of one operation (the first opens it), in recording order."""
    rng = random.Random(seed)
    moment = start or datetime(2020, 4, 18, 7, 0, tzinfo=UTC)
    yield operation(op_id, parent=parent, start=moment)
    made = 1
    n = 0
    while made < total:
        n += 1
        moment += timedelta(seconds=rng.randint(1, 30))
        site = rng.choice(SITES)
        vrm = plate(rng)
        stamp = moment.isoformat()
        chunk: list[dict[str, Any]] = []
        hit_id = f"{op_id}-h{n}"
        chunk.append(
            {
                "kind": "anpr_hit",
                "event_id": hit_id,
                "op_id": op_id,
                "occurred_at": stamp,
                "site_id": site,
                "camera_id": f"{site[:3].upper()}-{rng.randint(1, 4)}",
                "vrm": vrm,
                "hotlist": rng.choice(HOTLISTS),
                "reasons": rng.sample(REASONS, rng.choice((1, 1, 1, 2))),
                "confidence": rng.randint(70, 99),
            }
        )
        if rng.random() < 0.6:
            stop_id = f"{op_id}-s{n}"
            chunk.append(
                {
                    "kind": "vehicle_stop",
                    "event_id": stop_id,
                    "op_id": op_id,
                    "occurred_at": stamp,
                    "site_id": site,
                    "vrm": vrm,
                    "hit_id": hit_id,
                    "reason": "anpr_hit",
                    "occupants": rng.randint(1, 4),
                }
            )
            if rng.random() < 0.4:
                search_id = f"{op_id}-q{n}"
                subject = f"{op_id}-p{n}"
                chunk.append(
                    {
                        "kind": "search",
                        "event_id": search_id,
                        "op_id": op_id,
                        "occurred_at": stamp,
                        "stop_id": stop_id,
                        "site_id": site,
                        "search_type": "person_and_vehicle",
                        "legislation": "mda_1971_s23",
                        "object_of_search": "controlled_drugs",
                        "grounds": "Smell of cannabis from the vehicle",
                        "vrm": vrm,
                        "subject_ref": subject,
                        "self_defined_ethnicity": rng.choice(ETHNICITIES),
                        "officer_defined_ethnicity": rng.choice(
                            ("white", "black", "asian", "other")
                        ),
                        "gender": rng.choice(("male", "male", "female")),
                        "age_range": rng.choice(("18_24", "25_34", "over_34")),
                        "outcome_linked_to_object": rng.random() < 0.3,
                    }
                )
                if rng.random() < 0.25:
                    chunk.append(
                        {
                            "kind": "seizure",
                            "event_id": f"{op_id}-z{n}",
                            "op_id": op_id,
                            "occurred_at": stamp,
                            "search_id": search_id,
                            "item": "controlled_drug",
                            "drug_class": rng.choice("ABC"),
                            "quantity": f"{rng.randint(1, 30)} wraps",
                            "power": "mda_1971_s23",
                        }
                    )
                disposal, offences, _ = rng.choices(DISPOSALS, [w for *_, w in DISPOSALS])[0]
                chunk.append(
                    {
                        "kind": "outcome",
                        "event_id": f"{op_id}-o{n}",
                        "op_id": op_id,
                        "occurred_at": stamp,
                        "subject_ref": subject,
                        "search_id": search_id,
                        "disposal": disposal,
                        "offences": list(offences),
                    }
                )
        if rng.random() < 0.01:
            chunk.append(
                {
                    "kind": "weapon_sweep",
                    "event_id": f"{op_id}-w{n}",
                    "op_id": op_id,
                    "occurred_at": stamp,
                    "site_id": site,
                }
            )
        for event in chunk:
            if made >= total:
                return
            made += 1
            yield event


def batches(stream: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """The stream cut into lists of ``size`` events."""
    batch: list[dict[str, Any]] = []
    for event in stream:
        batch.append(event)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
