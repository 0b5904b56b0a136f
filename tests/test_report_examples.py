"""Reports of small operations whose every figure was worked out by hand.

The expected numbers below were counted from the events, on paper, following
docs/reports.md; none was copied from the code's output. The main scenario is the day of
action of DESIGN §1 in miniature: a parent operation (wanted offenders, drug searches,
weapon sweeps, a patrol) with Op Kaiser as its child (ANPR hits, stops, searches), and
three corrections (a replacement that turns an NFA into an arrest, a retraction of a knife
recorded twice, a replacement that moves a stop to another site).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from anpr_ops import OpLog, OpReport
from anpr_ops.errors import EventNotFoundError, ReportError
from anpr_ops.report import NO_SITE
from tests.reference import TOTALS
from tests.support import raw

BST = timezone(timedelta(hours=1))
LONDON = ZoneInfo("Europe/London")
DOA, KAISER = "msc-doa", "kaiser"


def at(hh_mm: str) -> str:
    """A time on 18 April 2020, London summer time."""
    return f"2020-04-18T{hh_mm}:00+01:00"


def ev(kind: str, event_id: str, when: str, op: str = DOA, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "event_id": event_id, "op_id": op, "occurred_at": at(when), **fields}


def search(event_id: str, when: str, subject: str, **fields: Any) -> dict[str, Any]:
    base = {
        "search_type": "person",
        "legislation": "mda_1971_s23",
        "object_of_search": "controlled_drugs",
        "grounds": "Seen passing wraps",
        "subject_ref": subject,
    }
    return ev("search", event_id, when, **{**base, **fields})


def outcome(event_id: str, when: str, subject: str, disposal: str, *codes: str, **fields: Any):  # type: ignore[no-untyped-def]
    return ev(
        "outcome",
        event_id,
        when,
        subject_ref=subject,
        disposal=disposal,
        offences=list(codes),
        **fields,
    )


def enquiry(event_id: str, when: str, subject: str, code: str, **fields: Any) -> dict[str, Any]:
    return ev("arrest_enquiry", event_id, when, subject_ref=subject, wanted_for=[code], **fields)


DAY_OF_ACTION: list[dict[str, Any]] = [
    ev(
        "operation",
        "doa-open",
        "07:00",
        name="MSC day of action",
        force="metropolitan",
        starts_at=at("08:00"),
        ends_at=at("22:00"),
        sites=[
            {"site_id": "brixton", "name": "Brixton"},
            {"site_id": "peckham", "name": "Peckham"},
        ],
    ),
    ev(
        "operation",
        "kaiser-open",
        "07:30",
        op=KAISER,
        name="Op Kaiser",
        force="metropolitan",
        starts_at=at("08:00"),
        ends_at=at("20:00"),
        parent_op_id=DOA,
        sites=[
            {"site_id": "vauxhall", "name": "Vauxhall"},
            {"site_id": "blackfriars", "name": "Blackfriars"},
            {"site_id": "tower-bridge", "name": "Tower Bridge"},
        ],
    ),
    # wanted offenders: three high-harm, located and arrested; one neither
    enquiry(
        "e1",
        "09:00",
        "P-A",
        "BA76001",
        underlying_offence_category="violence",
        high_harm=True,
        located=True,
    ),
    outcome("o-e1", "09:20", "P-A", "arrest", "BA76001", enquiry_id="e1"),
    enquiry(
        "e2",
        "09:30",
        "P-B",
        "BA76001",
        underlying_offence_category="violence",
        high_harm=True,
        located=True,
    ),
    outcome("o-e2", "09:45", "P-B", "arrest", "BA76001", enquiry_id="e2"),
    enquiry(
        "e3",
        "10:05",
        "P-C",
        "BA76002",
        underlying_offence_category="violence",
        high_harm=True,
        located=True,
    ),
    outcome("o-e3", "10:30", "P-C", "arrest", "BA76002", enquiry_id="e3"),
    enquiry("e4", "11:00", "P-D", "BA76001", high_harm=False, located=False),
    # drug searches at Brixton (P-E searched twice), a weapons search at Peckham
    search(
        "s1",
        "12:00",
        "P-E",
        site_id="brixton",
        self_defined_ethnicity="W1",
        outcome_linked_to_object=True,
    ),
    ev("seizure", "z-s1", "12:05", search_id="s1", item="controlled_drug", drug_class="B"),
    outcome("o-s1", "12:10", "P-E", "arrest", "MD71530", search_id="s1"),
    search(
        "s2",
        "12:30",
        "P-F",
        site_id="brixton",
        legislation="pace_1984_s1",
        self_defined_ethnicity="B2",
        outcome_linked_to_object=True,
    ),
    outcome("o-s2", "12:40", "P-F", "arrest", "MD71526", search_id="s2"),
    search("s3", "13:15", "P-E", site_id="brixton"),
    outcome("o-s3", "13:20", "P-E", "no_further_action", search_id="s3"),
    search(
        "s4",
        "14:00",
        "P-G",
        site_id="peckham",
        legislation="cjpoa_1994_s60",
        object_of_search="offensive_weapons",
        self_defined_ethnicity="W1",
        outcome_linked_to_object=False,
    ),
    outcome("o-s4", "14:10", "P-G", "no_further_action", search_id="s4"),
    # weapon sweeps at Peckham, a patrol at Brixton
    ev("weapon_sweep", "w1", "10:00", site_id="peckham"),
    ev("seizure", "z-w1", "10:20", sweep_id="w1", item="weapon", weapon_type="knife"),
    ev("weapon_sweep", "w2", "11:00", site_id="peckham"),
    ev("seizure", "z-w2", "11:15", sweep_id="w2", item="weapon", weapon_type="knife"),
    ev("patrol", "p1", "15:00", site_id="brixton", ends_at=at("17:00")),
    # Op Kaiser
    ev(
        "anpr_hit",
        "k-h1",
        "09:10",
        op=KAISER,
        site_id="vauxhall",
        vrm="AB12CDE",
        hotlist="pnc",
        reasons=["intelligence"],
    ),
    ev(
        "vehicle_stop",
        "k-v1",
        "09:12",
        op=KAISER,
        site_id="vauxhall",
        vrm="AB12CDE",
        hit_id="k-h1",
        reason="anpr_hit",
    ),
    outcome("o-k1", "09:40", "P-K1", "arrest", "RT88584", stop_id="k-v1") | {"op_id": KAISER},
    ev(
        "anpr_hit",
        "k-h2",
        "11:05",
        op=KAISER,
        site_id="blackfriars",
        vrm="YB17RHU",
        hotlist="pnc",
        reasons=["drugs", "intelligence"],
    ),
    ev(
        "vehicle_stop",
        "k-v2",
        "11:07",
        op=KAISER,
        site_id="blackfriars",
        vrm="YB17RHU",
        hit_id="k-h2",
        reason="anpr_hit",
    ),
    search(
        "k-s2",
        "11:15",
        "P-K2",
        stop_id="k-v2",
        search_type="person_and_vehicle",
        vrm="YB17RHU",
        self_defined_ethnicity="B1",
        outcome_linked_to_object=True,
    )
    | {"op_id": KAISER},
    ev(
        "seizure",
        "k-z2",
        "11:25",
        op=KAISER,
        search_id="k-s2",
        item="controlled_drug",
        drug_class="A",
    ),
    outcome("o-k2", "11:30", "P-K2", "arrest", "MD71230", search_id="k-s2") | {"op_id": KAISER},
    ev(
        "anpr_hit",
        "k-h3",
        "15:48",
        op=KAISER,
        site_id="tower-bridge",
        vrm="WR09OPL",
        hotlist="pnc",
        reasons=["stolen_vehicle"],
    ),
    ev(
        "vehicle_stop",
        "k-v3",
        "15:50",
        op=KAISER,
        site_id="tower-bridge",
        vrm="WR09OPL",
        hit_id="k-h3",
        reason="anpr_hit",
    ),
    outcome("o-k3", "16:05", "P-K3", "arrest", "TH68013", "RT88334", stop_id="k-v3")
    | {"op_id": KAISER},
    outcome("o-k4", "16:06", "P-K4", "arrest", "RT88334", stop_id="k-v3") | {"op_id": KAISER},
    outcome("o-k5", "16:07", "P-K5", "arrest", "RT88191", stop_id="k-v3") | {"op_id": KAISER},
    ev(
        "seizure",
        "k-z3",
        "16:10",
        op=KAISER,
        stop_id="k-v3",
        item="vehicle",
        vrm="WR09OPL",
        power="rta_1988_s165a",
    ),
    ev(
        "anpr_hit",
        "k-h4",
        "17:00",
        op=KAISER,
        site_id="vauxhall",
        vrm="LD65XKP",
        hotlist="insurance",
        reasons=["no_insurance"],
    ),
    # corrections
    ev(
        "correction",
        "x1",
        "15:00",
        target_id="o-s3",
        reason="Disposal entered wrongly",
        replacement=outcome("o-s3", "13:20", "P-E", "arrest", "MD71214", search_id="s3"),
    ),
    ev(
        "correction",
        "x2",
        "16:00",
        target_id="z-w2",
        reason="Same knife recorded twice",
        retract=True,
    ),
    ev(
        "correction",
        "x3",
        "18:00",
        op=KAISER,
        target_id="k-v1",
        reason="Stop was at Blackfriars",
        replacement=ev(
            "vehicle_stop",
            "k-v1",
            "09:12",
            op=KAISER,
            site_id="blackfriars",
            vrm="AB12CDE",
            hit_id="k-h1",
            reason="anpr_hit",
        ),
    ),
]

ZERO = dict.fromkeys(TOTALS, 0)


def totals(**counts: int) -> dict[str, int]:
    return {**ZERO, **counts}


@pytest.fixture(scope="module", params=["as recorded", "everything personal erased"])
def log(request: pytest.FixtureRequest) -> Iterator[OpLog]:
    """The day of action as recorded — and again with every personal value erased: reports
    count from the chained bytes only, so every hand-worked figure below holds for both."""
    with OpLog.memory(actor="pytest") as day:
        day.extend(DAY_OF_ACTION)
        if request.param == "everything personal erased":
            every = [str(event["event_id"]) for event in DAY_OF_ACTION]
            assert day.erase(event_ids=every, reason="tests: reports after erasure").events
            assert raw(day).execute("SELECT count(*) FROM personal").fetchone() == (0,)
        yield day


# --------------------------------------------------------------------------- totals


def test_totals_with_children(log: OpLog) -> None:
    """Both operations together: 11 arrests of 10 people (P-E twice), 3 corrections."""
    assert log.report(DOA).to_dict()["totals"] == totals(
        anpr_hits=4,
        vehicle_stops=3,
        hit_led_stops=3,
        searches=5,
        arrests=11,
        people_arrested=10,
        offences=12,
        seizures=4,
        weapon_sweeps=2,
        arrest_enquiries=4,
        wanted_located=3,
        wanted_arrested=3,
        high_harm_arrested=3,
        corrections=3,
        outcomes=12,
        patrols=1,
    )


def test_totals_without_children(log: OpLog) -> None:
    """The parent alone: the corrected NFA counts as an arrest, the retracted knife not."""
    data = log.report(DOA, include_children=False).to_dict()
    assert data["children"] == []
    assert data["totals"] == totals(
        searches=4,
        arrests=6,
        people_arrested=5,
        offences=6,
        seizures=2,
        weapon_sweeps=2,
        arrest_enquiries=4,
        wanted_located=3,
        wanted_arrested=3,
        high_harm_arrested=3,
        corrections=2,
        outcomes=7,
        patrols=1,
    )


def test_child_alone(log: OpLog) -> None:
    data = log.report(KAISER).to_dict()
    assert data["totals"] == totals(
        anpr_hits=4,
        vehicle_stops=3,
        hit_led_stops=3,
        searches=1,
        arrests=5,
        people_arrested=5,
        offences=6,
        seizures=2,
        corrections=1,
        outcomes=5,
    )
    assert data["name"] == "Op Kaiser"
    assert data["children"] == []


def test_breakdowns(log: OpLog) -> None:
    data = log.report(DOA).to_dict()
    assert data["children"] == [KAISER]
    assert data["arrests_by_category"] == {
        "drug_driving": 1,
        "drugs_supply": 2,
        "drugs_possession": 2,
        "vehicle_theft": 1,
        "no_licence": 1,
        "no_insurance": 1,
        "fail_to_surrender": 3,
    }
    assert data["arrests_by_group"] == {"drugs": 4, "motoring": 3, "vehicle_crime": 1, "bail": 3}
    assert data["arrests_by_source"] == {"search": 4, "stop": 4, "enquiry": 3}
    assert data["offences_by_code"] == {
        "BA76001": 2,
        "BA76002": 1,
        "MD71214": 1,
        "MD71230": 1,
        "MD71526": 1,
        "MD71530": 1,
        "RT88191": 1,
        "RT88334": 2,
        "RT88584": 1,
        "TH68013": 1,
    }
    assert data["offences_by_category"] == {
        "drug_driving": 1,
        "drugs_supply": 2,
        "drugs_possession": 2,
        "vehicle_theft": 1,
        "no_licence": 2,
        "no_insurance": 1,
        "fail_to_surrender": 3,
    }
    assert data["disposals"] == {"arrest": 11, "no_further_action": 1}
    assert data["hits_by_reason"] == {
        "no_insurance": 1,
        "drugs": 1,
        "intelligence": 2,
        "stolen_vehicle": 1,
    }
    assert data["hits_by_hotlist"] == {"pnc": 3, "insurance": 1}
    assert data["searches_by_legislation"] == {
        "pace_1984_s1": 1,
        "mda_1971_s23": 3,
        "cjpoa_1994_s60": 1,
    }
    assert data["searches_by_object"] == {"controlled_drugs": 4, "offensive_weapons": 1}
    assert data["searches_by_type"] == {"person": 4, "person_and_vehicle": 1}
    assert data["searches_by_ethnicity"] == {
        "W1": {"searches": 2, "arrests": 1, "positive_outcomes": 1, "linked": 1, "linked_known": 2},
        "B1": {"searches": 1, "arrests": 1, "positive_outcomes": 1, "linked": 1, "linked_known": 1},
        "B2": {"searches": 1, "arrests": 1, "positive_outcomes": 1, "linked": 1, "linked_known": 1},
        "not_recorded": {
            "searches": 1,
            "arrests": 1,
            "positive_outcomes": 1,
            "linked": 0,
            "linked_known": 0,
        },
    }
    assert data["seizures_by_item"] == {"controlled_drug": 2, "weapon": 1, "vehicle": 1}
    assert data["drug_seizures_by_class"] == {"A": 1, "B": 1}
    assert data["weapons_by_type"] == {"knife": 1}
    assert data["wanted_arrested_by_category"] == {"fail_to_surrender": 3}


def test_breakdowns_from_python(log: OpLog) -> None:
    """The same maps are on the report object, without going through JSON."""
    report = log.report(DOA)
    assert report.breakdowns()["disposals"] == {"arrest": 11, "no_further_action": 1}
    assert report.arrests_by_group["drugs"] == 4
    assert report.totals.people_arrested == 10
    assert report.rates["arrest_rate"].value == 4 / 5
    assert report.by_site["tower-bridge"].arrests == 3


def test_rates(log: OpLog) -> None:
    """Four of five searches led to an arrest; three of the four with a recorded link had
    one; three of four hits led to a stop; one of three stops to a search. The three stops
    all followed a hit: k-v2 was searched; each ended in an arrest, k-v1 and k-v3 by arrests
    naming the stop, k-v2 by one naming its search k-s2."""
    assert log.report(DOA).to_dict()["rates"] == {
        "arrest_rate": {"numerator": 4, "denominator": 5},
        "positive_outcome_rate": {"numerator": 4, "denominator": 5},
        "linked_outcome_rate": {"numerator": 3, "denominator": 4},
        "hit_stop_rate": {"numerator": 3, "denominator": 4},
        "stop_search_rate": {"numerator": 1, "denominator": 3},
        "hit_stop_search_rate": {"numerator": 1, "denominator": 3},
        "hit_stop_positive_rate": {"numerator": 3, "denominator": 3},
        "hit_stop_arrest_rate": {"numerator": 3, "denominator": 3},
    }


def test_by_site(log: OpLog) -> None:
    """Searches and outcomes take their site from their stop or search; the stop corrected
    to Blackfriars takes its arrest with it; enquiries have no site; corrections count at
    the site of what they correct."""
    assert log.report(DOA).to_dict()["by_site"] == {
        "brixton": totals(
            searches=3,
            outcomes=3,
            arrests=3,
            people_arrested=2,
            offences=3,
            seizures=1,
            patrols=1,
            corrections=1,
        ),
        "peckham": totals(searches=1, outcomes=1, weapon_sweeps=2, seizures=1, corrections=1),
        "vauxhall": totals(anpr_hits=2),
        "blackfriars": totals(
            anpr_hits=1,
            vehicle_stops=2,
            hit_led_stops=2,
            searches=1,
            outcomes=2,
            arrests=2,
            people_arrested=2,
            offences=2,
            seizures=1,
            corrections=1,
        ),
        "tower-bridge": totals(
            anpr_hits=1,
            vehicle_stops=1,
            hit_led_stops=1,
            outcomes=3,
            arrests=3,
            people_arrested=3,
            offences=4,
            seizures=1,
        ),
        NO_SITE: totals(
            arrest_enquiries=4,
            wanted_located=3,
            wanted_arrested=3,
            high_harm_arrested=3,
            outcomes=3,
            arrests=3,
            people_arrested=3,
            offences=3,
        ),
    }


def test_by_hour(log: OpLog) -> None:
    """Local (BST) hours, in order; a correction counts at its own time."""
    by_hour = log.report(DOA).to_dict()["by_hour"]
    assert by_hour == {
        "2020-04-18T09:00+01:00": totals(
            anpr_hits=1,
            vehicle_stops=1,
            hit_led_stops=1,
            outcomes=3,
            arrests=3,
            people_arrested=3,
            offences=3,
            arrest_enquiries=2,
            wanted_located=2,
            wanted_arrested=2,
            high_harm_arrested=2,
        ),
        "2020-04-18T10:00+01:00": totals(
            arrest_enquiries=1,
            wanted_located=1,
            wanted_arrested=1,
            high_harm_arrested=1,
            outcomes=1,
            arrests=1,
            people_arrested=1,
            offences=1,
            weapon_sweeps=1,
            seizures=1,
        ),
        "2020-04-18T11:00+01:00": totals(
            arrest_enquiries=1,
            weapon_sweeps=1,
            anpr_hits=1,
            vehicle_stops=1,
            hit_led_stops=1,
            searches=1,
            seizures=1,
            outcomes=1,
            arrests=1,
            people_arrested=1,
            offences=1,
        ),
        "2020-04-18T12:00+01:00": totals(
            searches=2, seizures=1, outcomes=2, arrests=2, people_arrested=2, offences=2
        ),
        "2020-04-18T13:00+01:00": totals(
            searches=1, outcomes=1, arrests=1, people_arrested=1, offences=1
        ),
        "2020-04-18T14:00+01:00": totals(searches=1, outcomes=1),
        "2020-04-18T15:00+01:00": totals(
            patrols=1, corrections=1, anpr_hits=1, vehicle_stops=1, hit_led_stops=1
        ),
        "2020-04-18T16:00+01:00": totals(
            outcomes=3, arrests=3, people_arrested=3, offences=4, seizures=1, corrections=1
        ),
        "2020-04-18T17:00+01:00": totals(anpr_hits=1),
        "2020-04-18T18:00+01:00": totals(corrections=1),
    }
    assert list(by_hour) == sorted(by_hour)


def test_by_operation_and_metadata(log: OpLog) -> None:
    data = log.report(DOA).to_dict()
    assert list(data["by_operation"]) == [DOA, KAISER]
    assert data["by_operation"][KAISER]["arrests"] == 5
    assert data["by_operation"][DOA]["arrests"] == 6
    assert data["op_id"] == DOA
    assert data["name"] == "MSC day of action"
    assert data["timezone"] == "Europe/London"
    assert data["period"] == {
        "start": "2020-04-18T08:00:00+01:00",
        "end": "2020-04-18T22:00:00+01:00",
    }
    assert data["site_filter"] is None
    assert data["operations"][KAISER] == {
        "name": "Op Kaiser",
        "parent_op_id": DOA,
        "timezone": "Europe/London",
        "sites": {
            "vauxhall": "Vauxhall",
            "blackfriars": "Blackfriars",
            "tower-bridge": "Tower Bridge",
        },
    }


# --------------------------------------------------------------------------- filters and +


def test_site_filter(log: OpLog) -> None:
    """Blackfriars alone: the hit there, both stops there (one after correction), and what
    follows from them."""
    data = log.report(DOA, site="blackfriars").to_dict()
    assert data["totals"] == totals(
        anpr_hits=1,
        vehicle_stops=2,
        hit_led_stops=2,
        searches=1,
        outcomes=2,
        arrests=2,
        people_arrested=2,
        offences=2,
        seizures=1,
        corrections=1,
    )
    assert data["site_filter"] == ["blackfriars"]
    assert data["arrests_by_category"] == {"drug_driving": 1, "drugs_supply": 1}
    assert data["rates"]["hit_stop_rate"] == {"numerator": 1, "denominator": 1}


def test_window_filter(log: OpLog) -> None:
    """Noon to two o'clock (half-open): the three Brixton drug searches and what came of
    them; the Peckham search at 14:00 is out."""
    start = datetime(2020, 4, 18, 12, tzinfo=LONDON)
    data = log.report(DOA, start=start, end=start + timedelta(hours=2)).to_dict()
    assert data["totals"] == totals(
        searches=3, outcomes=3, arrests=3, people_arrested=2, offences=3, seizures=1
    )
    assert data["period"] == {
        "start": "2020-04-18T12:00:00+01:00",
        "end": "2020-04-18T14:00:00+01:00",
    }
    assert data["rates"]["arrest_rate"] == {"numerator": 3, "denominator": 3}


def test_site_reports_add_up(log: OpLog) -> None:
    """Brixton + Peckham: four searches, three arrests of two people (P-E twice), …"""
    both = log.report(DOA, site="brixton") + log.report(DOA, site="peckham")
    data = both.to_dict()
    assert data["totals"] == totals(
        searches=4,
        outcomes=4,
        arrests=3,
        people_arrested=2,
        offences=3,
        seizures=2,
        weapon_sweeps=2,
        patrols=1,
        corrections=2,
    )
    assert data["site_filter"] == ["brixton", "peckham"]
    assert data["rates"]["arrest_rate"] == {"numerator": 3, "denominator": 4}
    assert data["rates"]["linked_outcome_rate"] == {"numerator": 2, "denominator": 3}


def test_parent_and_child_reports_add_up(log: OpLog) -> None:
    """report(parent alone) + report(child) == report(parent with children)."""
    whole = log.report(DOA)
    parts = log.report(DOA, include_children=False) + log.report(KAISER)
    assert parts.rollup == whole.rollup
    assert parts.to_dict()["totals"]["people_arrested"] == 10


def test_sum_with_empty_start(log: OpLog) -> None:
    reports = [log.report(DOA, site=s) for s in ("brixton", "peckham", NO_SITE)]
    assert sum(reports, OpReport.empty()).totals.arrests == 6
    assert OpReport.empty().to_dict()["totals"] == ZERO


# --------------------------------------------------------------------------- text


def test_text_summary(log: OpLog) -> None:
    """The end-of-day summary of DESIGN §1, from the figures."""
    assert log.report(DOA).to_text() == (
        "3 high-harm wanted offenders located and arrested for failing to appear at court "
        "for violence-related offences; 3 arrests for drug-related offences; 2 weapon sweeps; "
        "1 knife recovered; 1 drug seizure; 1 high-visibility patrol. "
        "Op Kaiser (Vauxhall, Blackfriars, Tower Bridge): a further 5 arrests, for drug "
        "driving, possession with intent to supply, theft of a motor vehicle and driving "
        "with no licence or insurance; 1 drug seizure; 1 vehicle seized. "
        "These figures reflect 3 corrections to the record."
    )


def test_text_with_activity(log: OpLog) -> None:
    """activity=True adds hits, stops and searches to each operation's sentence."""
    assert log.report(DOA).to_text(activity=True) == (
        "3 high-harm wanted offenders located and arrested for failing to appear at court "
        "for violence-related offences; 3 arrests for drug-related offences; 2 weapon sweeps; "
        "1 knife recovered; 1 drug seizure; 1 high-visibility patrol; 4 searches. "
        "Op Kaiser (Vauxhall, Blackfriars, Tower Bridge): a further 5 arrests, for drug "
        "driving, possession with intent to supply, theft of a motor vehicle and driving "
        "with no licence or insurance; 1 drug seizure; 1 vehicle seized; 4 ANPR hits; "
        "3 vehicles stopped; 1 search. These figures reflect 3 corrections to the record."
    )


def test_text_of_the_child_alone_and_of_an_operation_with_only_activity(log: OpLog) -> None:
    """Without a lead sentence the child's arrests are not 'further'; an operation whose
    only events are hits says so rather than nothing. (The correction of the stop counts at
    Blackfriars, where the stop now is, not at Vauxhall.)"""
    assert log.report(KAISER, site="vauxhall").to_text() == "2 ANPR hits."
    assert log.report(DOA, site="tower-bridge").to_text() == (
        "Op Kaiser (Vauxhall, Blackfriars, Tower Bridge): 3 arrests, for theft of a motor "
        "vehicle and driving with no licence or insurance; 1 vehicle seized."
    )


def test_text_in_words(log: OpLog) -> None:
    """One to nine in words, consistently; the first letter of a sentence in capitals."""
    text = log.report(DOA).to_text(numbers="words")
    assert text.startswith(
        "Three high-harm wanted offenders located and arrested for failing to appear at "
        "court for violence-related offences; three arrests for drug-related offences; "
        "two weapon sweeps; one knife recovered;"
    )
    assert "Op Kaiser (Vauxhall, Blackfriars, Tower Bridge): a further five arrests, for" in text
    assert text.endswith("These figures reflect three corrections to the record.")
    assert not any(ch.isdigit() for ch in text)


def test_text_never_shows_plates_or_people(log: OpLog) -> None:
    report = log.report(DOA)
    rendered = report.to_text() + repr(report.to_dict()) + repr(report)
    for secret in ("AB12CDE", "YB17RHU", "WR09OPL", "LD65XKP", "P-A", "P-K1", "P-E"):
        assert secret not in rendered


def test_empty_text() -> None:
    assert OpReport.empty().to_text() == "No activity recorded."


# --------------------------------------------------------------------------- errors


def test_unknown_operation(log: OpLog) -> None:
    with pytest.raises(EventNotFoundError):
        log.report("no-such-op")


def test_naive_window_is_refused(log: OpLog) -> None:
    with pytest.raises(ReportError) as info:
        log.report(DOA, start=datetime(2020, 4, 18, 12))
    assert info.value.code == "naive_datetime"


def test_end_before_start_is_refused(log: OpLog) -> None:
    start = datetime(2020, 4, 18, 12, tzinfo=UTC)
    with pytest.raises(ReportError) as info:
        log.report(DOA, start=start, end=start - timedelta(seconds=1))
    assert info.value.code == "end_before_start"


def test_unknown_site_is_refused(log: OpLog) -> None:
    with pytest.raises(ReportError) as info:
        log.report(DOA, site="vauxhal")
    assert info.value.code == "unknown_site"
    with pytest.raises(ReportError):
        log.report(DOA, site="vauxhall", include_children=False)  # a site of the child only


# --------------------------------------------------------------------------- clock changes


def _hits_at(zone: str, *moments: str) -> dict[str, int]:
    """Report of an operation in ``zone`` with one hit at each UTC moment; hits by hour."""
    with OpLog.memory() as log:
        log.append(
            {
                "kind": "operation",
                "event_id": "open",
                "op_id": "clock",
                "occurred_at": moments[0],
                "name": "Clock",
                "force": "metropolitan",
                "timezone": zone,
                "starts_at": moments[0],
                "sites": [{"site_id": "a", "name": "A"}],
            }
        )
        log.extend(
            {
                "kind": "anpr_hit",
                "event_id": f"h{i}",
                "op_id": "clock",
                "occurred_at": moment,
                "site_id": "a",
                "vrm": "AB12CDE",
                "hotlist": "pnc",
                "reasons": ["other"],
            }
            for i, moment in enumerate(moments)
        )
        return {k: v["anpr_hits"] for k, v in log.report("clock").to_dict()["by_hour"].items()}


def test_autumn_repeated_hour_is_two_buckets() -> None:
    """25 October 2020, London: 01:00-02:00 happens twice, BST then GMT."""
    assert _hits_at(
        "Europe/London",
        "2020-10-24T23:59:59.999999Z",  # 00:59:59.999999 BST
        "2020-10-25T00:00:00Z",  # 01:00 BST
        "2020-10-25T00:59:59Z",  # 01:59:59 BST
        "2020-10-25T01:00:00Z",  # 01:00 GMT, the second time
        "2020-10-25T01:30:00Z",  # 01:30 GMT
        "2020-10-25T02:00:00Z",  # 02:00 GMT
    ) == {
        "2020-10-25T00:00+01:00": 1,
        "2020-10-25T01:00+01:00": 2,
        "2020-10-25T01:00+00:00": 2,
        "2020-10-25T02:00+00:00": 1,
    }


def test_spring_missing_hour_has_no_bucket() -> None:
    """29 March 2020, London: clocks go from 01:00 GMT to 02:00 BST; no 01:00 bucket."""
    assert _hits_at(
        "Europe/London",
        "2020-03-29T00:59:59Z",  # 00:59:59 GMT
        "2020-03-29T01:00:00Z",  # 02:00 BST
        "2020-03-29T01:59:00Z",  # 02:59 BST
    ) == {"2020-03-29T00:00+00:00": 1, "2020-03-29T02:00+01:00": 2}


def test_half_hour_and_45_minute_offsets() -> None:
    """India (+05:30) and Nepal (+05:45): local hours start at :30 and :15 past UTC ones."""
    assert _hits_at("Asia/Kolkata", "2020-01-01T04:29:59Z", "2020-01-01T04:30:00Z") == {
        "2020-01-01T09:00+05:30": 1,
        "2020-01-01T10:00+05:30": 1,
    }
    assert _hits_at("Asia/Kathmandu", "2020-01-01T04:14:59Z", "2020-01-01T04:15:00Z") == {
        "2020-01-01T09:00+05:45": 1,
        "2020-01-01T10:00+05:45": 1,
    }


def test_adelaide_repeated_hour_at_half_hour_offsets() -> None:
    """5 April 2020, Adelaide: 03:00 ACDT (+10:30) becomes 02:00 ACST (+09:30)."""
    assert _hits_at("Australia/Adelaide", "2020-04-04T15:45:00Z", "2020-04-04T16:45:00Z") == {
        "2020-04-05T02:00+10:30": 1,
        "2020-04-05T02:00+09:30": 1,
    }


def test_hours_follow_the_operations_zone_not_london() -> None:
    """An operation in New York buckets in New York time, whatever the event's offset."""
    assert _hits_at("America/New_York", "2020-07-01T12:00:00+01:00") == {
        "2020-07-01T07:00-04:00": 1
    }


def test_window_bounds_with_fractions_of_a_second() -> None:
    """[start, end) compares to the microsecond (stored times sort badly as text)."""
    moments = ["2020-01-01T10:00:00Z", "2020-01-01T10:00:00.5Z", "2020-01-01T10:00:01Z"]
    with OpLog.memory() as log:
        log.append(
            {
                "kind": "operation",
                "event_id": "open",
                "op_id": "frac",
                "occurred_at": moments[0],
                "name": "Fractions",
                "force": "metropolitan",
                "timezone": "UTC",
                "starts_at": moments[0],
            }
        )
        log.extend(
            {
                "kind": "patrol",
                "event_id": f"p{i}",
                "op_id": "frac",
                "occurred_at": m,
                "location": "Here",
                "ends_at": m,
            }
            for i, m in enumerate(moments)
        )
        half = datetime(2020, 1, 1, 10, 0, 0, 500_000, tzinfo=UTC)
        assert log.report("frac", start=half).totals.patrols == 2
        assert log.report("frac", end=half).totals.patrols == 1
        assert (
            log.report("frac", start=half, end=half + timedelta(microseconds=1)).totals.patrols == 1
        )


def test_text_of_arrests_without_offence_codes() -> None:
    """Imported arrests carry no codes: counted under 'unknown', said plainly."""
    with OpLog.memory() as log:
        log.extend(
            [
                {
                    "kind": "operation",
                    "event_id": "open",
                    "op_id": "import",
                    "occurred_at": "2020-01-01T00:00:00Z",
                    "name": "Import",
                    "force": "city-of-london",
                    "starts_at": "2020-01-01T00:00:00Z",
                },
                *(
                    {
                        "kind": "outcome",
                        "event_id": f"o{i}",
                        "op_id": "import",
                        "occurred_at": "2020-01-02T00:00:00Z",
                        "subject_ref": f"S{i}",
                        "disposal": "arrest",
                        "offences_unknown": True,
                    }
                    for i in range(2)
                ),
            ]
        )
        report = log.report("import")
    assert report.arrests_by_category == {"unknown": 2}
    assert report.arrests_by_group == {"unknown": 2}
    assert report.to_dict()["offences_by_category"] == {}
    assert report.to_text() == "2 arrests with no offence recorded."


def test_adding_reports_widens_their_period_to_cover_both() -> None:
    """The sum of two reports covers from the earlier start to the later end (never the
    smaller end), and an open end stays open."""
    from anpr_ops import Period

    early = datetime(2020, 4, 18, 8, tzinfo=UTC)
    noon = datetime(2020, 4, 18, 12, tzinfo=UTC)
    late = datetime(2020, 4, 18, 20, tzinfo=UTC)
    assert Period(early, noon) | Period(noon, late) == Period(early, late)
    assert Period(noon, late) | Period(early, noon) == Period(early, late)
    assert Period(early, None) | Period(noon, late) == Period(early, None)
    assert Period(None, noon) | Period(early, late) == Period(None, late)
