"""A small log that fills every column of every stored table.

The tamper matrix changes each column of each table, so each column needs, somewhere in the
file, a row where it is not NULL and two rows where it holds different values; each table
needs at least three rows (a middle row to delete, a tail to cut, rows to reorder).
:func:`rich_events` are the events of the version-1 fixture (``tests/fixtures/log-v1.db`` is
this same log, so a future version that opens it meets every kind of event, every column,
corrections of both sorts and offence definitions). Storage format 2 keeps more tables, and
:func:`day_events` and :func:`beats` fill what those events leave thin: the top operation's own
events (a person arrested twice in one hour, so that every rollup table has rows of three
operations) and enough events for the Merkle tree to store three tiles (a tile holds 256
hashes). The tamper matrix's base (``tests/harness/tamper.py``) adds the rest: a migration
record, reads, restrictions and erasures.
"""

from __future__ import annotations

from typing import Any

from tests import factory as f

DAY = "msc-day-2020-04-18"
KAISER = f.OP  # "kaiser-2020-04-18"
EAST = "kaiser-east-2020-04-18"
PLATE = "AB12CDE"


def _who(n: int) -> dict[str, Any]:
    """The personal free-text fields, different for each ``n``."""
    return {"officer_id": f"PC-{1000 + n}", "notes": f"Recorded at the roadside, note {n}"}


def rich_events() -> list[dict[str, Any]]:
    """Three operations and every kind of event, with corrections and offence definitions."""
    k = KAISER
    ops = [
        f.operation(
            DAY,
            sites=(),
            name="MSC day of action",
            ends_at="2020-04-18T22:00:00+01:00",
            description="Special Constabulary day of action",
            **_who(1),
        )
        | {
            "sites": [
                {
                    "site_id": "brixton",
                    "name": "Brixton",
                    "latitude": 51.4613,
                    "longitude": -0.1156,
                },
                {
                    "site_id": "peckham",
                    "name": "Peckham",
                    "latitude": 51.4740,
                    "longitude": -0.0690,
                },
            ]
        },
        f.operation(
            k,
            parent=DAY,
            name="Op Kaiser",
            ends_at="2020-04-18T20:00:00+01:00",
            description="ANPR operation with the Violent Crime Taskforce",
            **_who(2),
        )
        | {
            "sites": [
                {
                    "site_id": "vauxhall",
                    "name": "Vauxhall Bridge",
                    "latitude": 51.4875,
                    "longitude": -0.1266,
                },
                {
                    "site_id": "blackfriars",
                    "name": "Blackfriars Bridge",
                    "latitude": 51.5088,
                    "longitude": -0.1045,
                },
                {
                    "site_id": "tower-bridge",
                    "name": "Tower Bridge",
                    "latitude": 51.5055,
                    "longitude": -0.0754,
                },
            ]
        },
        f.operation(
            EAST,
            parent=k,
            sites=("bank",),
            force="city-of-london",
            timezone="UTC",
            name="Op Kaiser (east)",
            starts_at="2020-04-18T09:00:00+01:00",
        ),
    ]
    hits = [
        f.hit(
            "hit-1",
            camera_id="VX-1",
            raw_vrm="AB12 CDE",
            confidence=97,
            reasons=["stolen_vehicle", "intelligence"],
            **_who(3),
        ),
        f.hit(
            "hit-2",
            site="blackfriars",
            camera_id="BF-1",
            vrm="WXY1234Z",
            vrm_country="FR",
            raw_vrm="WXY 1234 Z",
            hotlist="insurance",
            reasons=["no_insurance"],
            confidence=80,
            **_who(4),
        ),
        f.hit(
            "hit-3",
            site="tower-bridge",
            vrm="BX4455QQ",
            vrm_country="DE",
            hotlist="force",
            reasons=["drugs", "weapons"],
            confidence=60,
        ),
    ]
    stops = [
        f.stop("stop-1", occupants=1, **_who(5)),
        f.stop(
            "stop-2",
            hit_id="hit-2",
            site="blackfriars",
            vrm="WXY1234Z",
            vrm_country="FR",
            occupants=2,
            **_who(6),
        ),
        f.stop(
            "stop-3",
            hit_id="hit-3",
            site="tower-bridge",
            vrm="BX4455QQ",
            vrm_country="DE",
            occupants=3,
            reason="vehicle_check",
        ),
    ]
    searches = [
        f.search(
            "search-1",
            site_id="vauxhall",
            officer_defined_ethnicity="white",
            gender="male",
            age_range="18_24",
            outcome_linked_to_object=True,
            removal_of_more_than_outer_clothing=False,
            latitude=51.4876,
            longitude=-0.1267,
            part_of_policing_operation=True,
            policing_operation="Op Kaiser",
            **_who(7),
        ),
        f.search(
            "search-2",
            stop_id="stop-2",
            site_id="blackfriars",
            search_type="vehicle",
            legislation="pace_1984_s1",
            object_of_search="stolen_goods",
            grounds="Hotlisted vehicle, items in view",
            vrm="WXY1234Z",
            vrm_country="FR",
            subject_ref="P-2",
            self_defined_ethnicity="B1",
            officer_defined_ethnicity="black",
            gender="female",
            age_range="25_34",
            outcome_linked_to_object=False,
            removal_of_more_than_outer_clothing=True,
            latitude=51.5089,
            longitude=-0.1046,
            part_of_policing_operation=False,
            policing_operation="Op Kaiser East",
            **_who(8),
        ),
        f.search(
            "search-3",
            stop_id=None,
            site_id="tower-bridge",
            vrm=None,
            vrm_unknown=True,
            subject_ref="P-3",
            legislation="cjpoa_1994_s60",
            object_of_search="offensive_weapons",
            grounds="Section 60 authority in force",
            self_defined_ethnicity="A1",
        ),
        f.search(
            "search-4",
            stop_id="stop-3",
            site_id="tower-bridge",
            search_type="vehicle",
            vrm="BX4455QQ",
            vrm_country="DE",
            subject_ref=None,
            self_defined_ethnicity=None,
        ),
    ]
    enquiries = [
        f.enquiry("enq-1", **_who(9)),
        f.enquiry(
            "enq-2",
            subject_ref="W-2",
            wanted_for=["BA76002", "MD71230"],
            underlying_offence_category="drugs_supply",
            high_harm=False,
            **_who(10),
        ),
        f.enquiry(
            "enq-3",
            subject_ref="W-3",
            wanted_for=["BA76001"],
            underlying_offence_category=None,
            high_harm=True,
            located=False,
        ),
    ]
    definitions = [
        f.definition(
            "XX12345",
            op_id=k,
            category="violence",
            statute="Local Act 2020",
            section="1(2)",
            cjs_class="CE",
            **_who(11),
        ),
        f.definition(
            "XX12346",
            op_id=k,
            category="weapons",
            statute="Local Act 2021",
            section="4",
            cjs_class="CS",
            drug_class="A",
            title="Carry a blade",
            **_who(12),
        ),
        f.definition(
            "MD71230",
            op_id=k,
            event_id="override-MD71230",
            category="other",
            title="Local override",
            drug_class="B",
        ),
    ]
    outcomes = [
        f.outcome("out-1", offences=("MD71234", "XX12345"), **_who(13)),
        f.outcome(
            "out-2",
            search_id="search-2",
            subject_ref="P-2",
            disposal="summons",
            offences=("TH68013",),
            **_who(14),
        ),
        f.outcome(
            "out-3",
            search_id=None,
            stop_id="stop-1",
            subject_ref="D-1",
            disposal="traffic_offence_report",
            offences=("RT88191",),
        ),
        f.outcome(
            "out-4",
            search_id=None,
            stop_id="stop-2",
            subject_ref="D-2",
            offences=(),
            offences_unknown=True,
        ),
        f.outcome(
            "out-5", search_id=None, enquiry_id="enq-1", subject_ref="W-1", offences=("BA76001",)
        ),
        f.outcome(
            "out-6",
            search_id=None,
            enquiry_id="enq-2",
            subject_ref="W-2",
            offences=("BA76002", "XX12346"),
        ),
    ]
    sweeps = [
        f.sweep("sweep-1", site_id="vauxhall", latitude=51.4880, longitude=-0.1200, **_who(15)),
        f.sweep(
            "sweep-2",
            site_id="blackfriars",
            location="Blackfriars underpass",
            latitude=51.5090,
            longitude=-0.1040,
            **_who(16),
        ),
        f.sweep("sweep-3", location="Brixton Road"),
    ]
    seizures = [
        f.seizure(
            "seize-1",
            site_id="vauxhall",
            drug="crack cocaine",
            quantity="14 wraps",
            power="mda_1971_s23",
            **_who(17),
        ),
        f.seizure(
            "seize-2",
            search_id="search-2",
            site_id="blackfriars",
            drug_class="B",
            drug="cannabis",
            quantity="3.5 g",
            power="pace_1984_s19",
            **_who(18),
        ),
        f.seizure(
            "seize-3",
            search_id=None,
            stop_id="stop-2",
            item="vehicle",
            drug_class=None,
            vrm="WXY1234Z",
            vrm_country="FR",
            power="rta_1988_s165a",
        ),
        f.seizure(
            "seize-4",
            search_id=None,
            stop_id="stop-3",
            item="vehicle",
            drug_class=None,
            vrm="BX4455QQ",
            vrm_country="DE",
            power="rta_1988_s165a",
        ),
        f.seizure(
            "seize-5",
            search_id=None,
            sweep_id="sweep-1",
            item="weapon",
            drug_class=None,
            weapon_type="knife",
            quantity="1",
        ),
        f.seizure(
            "seize-6",
            search_id=None,
            sweep_id="sweep-2",
            item="weapon",
            drug_class=None,
            weapon_type="bladed_article",
            quantity="2 blades",
        ),
    ]
    patrols = [
        f.patrol("patrol-1", site_id="vauxhall", latitude=51.4870, longitude=-0.1250, **_who(19)),
        f.patrol(
            "patrol-2",
            site_id="blackfriars",
            location="Embankment",
            ends_at="2020-04-18T15:30:00+01:00",
            latitude=51.5080,
            longitude=-0.1050,
            **_who(20),
        ),
        f.patrol("patrol-3", location="Kennington Road"),
        f.patrol("patrol-4", location="Lambeth Road"),
    ]
    east = [
        f.hit(
            "hit-east", op_id=EAST, site="bank", vrm="CD34EFG", hotlist="nas", reasons=["no_tax"]
        ),
        f.stop("stop-east", op_id=EAST, hit_id="hit-east", site="bank", vrm="CD34EFG"),
        f.search(
            "search-east",
            op_id=EAST,
            stop_id=None,
            site_id="bank",
            search_type="person",
            vrm=None,
            subject_ref="P-east",
            legislation="pace_1984_s1",
            object_of_search="stolen_goods",
        ),
        f.outcome(
            "out-east",
            op_id=EAST,
            search_id="search-east",
            subject_ref="P-east",
            disposal="no_further_action",
            offences=(),
        ),
        f.seizure(
            "seize-east",
            op_id=EAST,
            search_id="search-east",
            item="cash",
            drug_class=None,
            site_id="bank",
        ),
        f.sweep("sweep-east", op_id=EAST, site_id="bank", location=None),
        f.enquiry("enq-east", op_id=EAST, subject_ref="W-east", located=False),
        f.definition(
            "XX12347", op_id=EAST, category="drugs_possession", title="Local possession offence"
        ),
        f.patrol("patrol-east", op_id=EAST, site_id="bank", location=None),
    ]
    recorded = _timed(
        [
            *ops,
            *hits,
            *stops,
            *searches,
            *enquiries,
            *definitions,
            *outcomes,
            *sweeps,
            *seizures,
            *patrols,
            *east,
        ]
    )
    by_id = {event["event_id"]: event for event in recorded}
    corrections = [
        f.correction(
            "hit-3", replacement={**by_id["hit-3"], "confidence": 65}, reason="confidence misread"
        )
        | _who(21),
        f.correction(
            "out-2",
            replacement={**by_id["out-2"], "disposal": "caution"},
            reason="disposal changed on review",
        )
        | _who(22),
        f.correction("patrol-4", retract=True, reason="entered twice"),
        f.correction(
            "patrol-east",
            op_id=EAST,
            reason="location added",
            replacement={**by_id["patrol-east"], "location": "Bank junction"},
        ),
    ]
    return [*recorded, *_timed(corrections, first=len(recorded))]


def _timed(events: list[dict[str, Any]], first: int = 0) -> list[dict[str, Any]]:
    """The events, each given its own time (one minute apart, from 09:00 local)."""
    timed = []
    for n, event in enumerate(events, start=first):
        stamp = f"2020-04-18T{9 + n // 60:02d}:{n % 60:02d}:00+01:00"
        timed.append({**event, "occurred_at": stamp})
    return timed


def day_events() -> list[dict[str, Any]]:
    """Events of the day of action's own, at Brixton in the afternoon: a hit, the stop it led
    to and the same person arrested twice there (a rollup counts a person once, however many
    times arrested)."""
    at = "2020-04-18T14:{:02d}:00+01:00"
    common: dict[str, Any] = {"op_id": DAY, "vrm": "EF56GHJ"}
    return [
        f.hit("hit-day", site="brixton", hotlist="force", reasons=["drugs"], **common)
        | {"occurred_at": at.format(5)},
        f.stop("stop-day", hit_id="hit-day", site="brixton", **common)
        | {"occurred_at": at.format(10)},
        *(
            f.outcome(
                f"out-day-{n}",
                op_id=DAY,
                search_id=None,
                stop_id="stop-day",
                subject_ref="P-day",
                offences=(code,),
            )
            | {"occurred_at": at.format(10 + 5 * n)}
            for n, code in ((1, "MD71234"), (2, "RT88191"))
        ),
    ]


#: Where :func:`beats` patrol, in turn.
BEAT_SITES = ("vauxhall", "blackfriars", "tower-bridge")


def beats(count: int) -> list[dict[str, Any]]:
    """``count`` short foot patrols of Op Kaiser at its sites, spread over its hours: cheap
    events (no personal values) that make the log long enough to store Merkle tiles."""
    out = []
    for n in range(count):
        hour, minute = 10 + n % 9, n // 9 % 60
        start = f"2020-04-18T{hour:02d}:{minute:02d}:00+01:00"
        out.append(
            f.patrol(
                f"beat-{n + 1}",
                site_id=BEAT_SITES[n % len(BEAT_SITES)],
                location=None,
                occurred_at=start,
                ends_at=start.replace(":00+", ":30+"),
            )
        )
    return out
