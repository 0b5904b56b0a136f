"""Scrutiny figures of small operations, every figure worked out by hand in the comments.

The operation below has 14 searches recorded; one is retracted and one corrected, so 13
count. The residents are a round table of the test's own, so the rates can be checked by eye:

    asian 4,000   black 2,000   mixed 1,000   white 10,000   other 1,000   (total 18,000)

Search by search (sde = self-defined code, ode = officer-defined; linked = outcome linked to
the object of the search; outcomes naming it):

    s1   W1 white  mda s23   controlled drugs   linked true    arrest
    s2   W2 white  pace s1   stolen goods       linked false   no further action
                                                               (an arrest, retracted)
    s3   W9 white  cjpoa s60 anything to harm   linked null    none
    s4   W1 white  mda s23   controlled drugs   linked false   community resolution
    s5   B1 black  mda s23   controlled drugs   linked true    arrest, and no further action
                                                               for a second person
    s6   B2 black  mda s23   controlled drugs   linked false   no further action
    s7   B9 (none) pace s1   offensive weapons  linked true    arrest
    s8   B2 black  mda s23   controlled drugs   linked null    two arrests (two people)
    s9   O1 asian  pace s1   firearms           linked false   no further action
    s10  O2 other  psa s36   psychoactive       linked true    caution
    s11  NS black  mda s23   controlled drugs   linked false   no further action
    s12  (none)    pace s1   article for theft  linked null    arrest
    s13  W1 white  pace s1   stolen goods       linked null    none; corrected to B1 black
    s14  W1 white  pace s1   stolen goods       linked null    none; retracted

O1 (2001 census "Chinese") counts as Asian and O2 (Arab) as Other; NS and no code at all are
not stated.
"""

from __future__ import annotations

import doctest
import math
from typing import Any

import pytest

import anpr_ops._csv
import anpr_ops.scrutiny
import anpr_ops.scrutiny._counts
import anpr_ops.scrutiny._figures
import anpr_ops.scrutiny._groups
import anpr_ops.scrutiny._population
from anpr_ops import OpLog
from anpr_ops.errors import ReportError
from anpr_ops.scrutiny import (
    PopulationTable,
    ScrutinyCell,
    ScrutinyCounts,
    ScrutinyReport,
    drug_grounds_of,
    object_group,
    rate_ratio,
    scrutiny_counts,
    scrutiny_report,
)
from tests import factory as f

OP = "hw"
ROUND = PopulationTable.from_text(
    "group,population\nasian,4000\nblack,2000\nmixed,1000\nwhite,10000\nother,1000\n",
    name="round.csv",
)


def _search(
    n: int,
    sde: str | None,
    ode: str | None,
    legislation: str,
    obj: str,
    linked: bool | None,
) -> dict[str, Any]:
    event = f.search(
        f"s{n}",
        op_id=OP,
        stop_id=None,
        search_type="person",
        vrm=None,
        subject_ref=f"P-{n}",
        legislation=legislation,
        object_of_search=obj,
        outcome_linked_to_object=linked,
    )
    event.pop("vrm")
    event.pop("self_defined_ethnicity")
    if sde is not None:
        event["self_defined_ethnicity"] = sde
    if ode is not None:
        event["officer_defined_ethnicity"] = ode
    return event


def _outcome(name: str, search: str, disposal: str, person: str = "P") -> dict[str, Any]:
    offences = () if disposal == "no_further_action" else ("MD71530",)
    return f.outcome(
        name, op_id=OP, search_id=search, disposal=disposal, offences=offences, subject_ref=person
    )


def events() -> list[dict[str, Any]]:
    s14 = _search(14, "W1", "white", "pace_1984_s1", "stolen_goods", None)
    s13 = _search(13, "W1", "white", "pace_1984_s1", "stolen_goods", None)
    return [
        f.operation(OP, sites=()),
        _search(1, "W1", "white", "mda_1971_s23", "controlled_drugs", True),
        _outcome("o1", "s1", "arrest"),
        _search(2, "W2", "white", "pace_1984_s1", "stolen_goods", False),
        _outcome("o2", "s2", "no_further_action"),
        _outcome("o2-arrest", "s2", "arrest"),
        _search(3, "W9", "white", "cjpoa_1994_s60", "anything_to_threaten_or_harm", None),
        _search(4, "W1", "white", "mda_1971_s23", "controlled_drugs", False),
        _outcome("o4", "s4", "community_resolution"),
        _search(5, "B1", "black", "mda_1971_s23", "controlled_drugs", True),
        _outcome("o5", "s5", "arrest"),
        _outcome("o5-other", "s5", "no_further_action", "Q"),
        _search(6, "B2", "black", "mda_1971_s23", "controlled_drugs", False),
        _outcome("o6", "s6", "no_further_action"),
        _search(7, "B9", None, "pace_1984_s1", "offensive_weapons", True),
        _outcome("o7", "s7", "arrest"),
        _search(8, "B2", "black", "mda_1971_s23", "controlled_drugs", None),
        _outcome("o8a", "s8", "arrest"),
        _outcome("o8b", "s8", "arrest", "Q"),
        _search(9, "O1", "asian", "pace_1984_s1", "firearms", False),
        _outcome("o9", "s9", "no_further_action"),
        _search(10, "O2", "other", "psa_2016_s36", "psychoactive_substances", True),
        _outcome("o10", "s10", "caution"),
        _search(11, "NS", "black", "mda_1971_s23", "controlled_drugs", False),
        _outcome("o11", "s11", "no_further_action"),
        _search(12, None, None, "pace_1984_s1", "article_for_use_in_theft", None),
        _outcome("o12", "s12", "arrest"),
        s13,
        s14,
        f.correction("o2-arrest", op_id=OP, retract=True),
        f.correction(
            "s13",
            op_id=OP,
            replacement={
                **s13,
                "self_defined_ethnicity": "B1",
                "officer_defined_ethnicity": "black",
            },
        ),
        f.correction("s14", op_id=OP, retract=True),
    ]


@pytest.fixture(scope="module")
def figures() -> ScrutinyReport:
    with OpLog.memory() as log:
        log.extend(events())
        return scrutiny_report(log, OP, population=ROUND)


@pytest.fixture(scope="module")
def data(figures: ScrutinyReport) -> dict[str, Any]:
    return figures.to_dict()


def counts_of(entry: dict[str, Any]) -> tuple[int, ...]:
    keys = ("searches", "arrests", "positive_outcomes", "linked_outcomes", "linked_known")
    return tuple(entry[k] for k in keys)


def test_counts_by_group_are_the_hand_counts(data: dict[str, Any]) -> None:
    groups = data["groups"]
    assert list(groups) == ["asian", "black", "mixed", "white", "other", "not_stated"]
    # (searches, searches with an arrest, with an outcome other than NFA, linked, link known)
    # White: s1 s2 s3 s4 (s13 is Black once corrected, s14 retracted). Arrest: s1 (the
    # arrest on s2 was retracted). Positive: s1, s4. Linked: s1. Known: s1 s2 s4.
    assert counts_of(groups["white"]) == (4, 1, 2, 1, 3)
    # Black: s5 s6 s7 s8 s13. Arrests: s5 s7 s8 (s8 once, for two people). Positive: the
    # same. Linked: s5 s7. Known: s5 s6 s7.
    assert counts_of(groups["black"]) == (5, 3, 3, 2, 3)
    assert counts_of(groups["asian"]) == (1, 0, 0, 0, 1)  # s9: O1 is Asian
    assert counts_of(groups["mixed"]) == (0, 0, 0, 0, 0)
    assert counts_of(groups["other"]) == (1, 0, 1, 1, 1)  # s10: O2 is Other; a caution
    assert counts_of(groups["not_stated"]) == (2, 1, 1, 0, 1)  # s11 (NS), s12 (no code)
    # 4+5+1+0+1+2 = 13 searches; 1+3+0+0+0+1 = 5 arrests; 2+3+0+0+1+1 = 7 positive;
    # 1+2+0+0+1+0 = 4 linked; 3+3+1+0+1+1 = 9 known.
    assert counts_of(data["total"]) == (13, 5, 7, 4, 9)


def test_rates_per_1000_are_the_hand_rates(data: dict[str, Any]) -> None:
    groups = data["groups"]
    # searches / residents x 1000
    assert groups["white"]["rate_per_1000"] == pytest.approx(0.4)  # 4 / 10,000
    assert groups["black"]["rate_per_1000"] == pytest.approx(2.5)  # 5 / 2,000
    assert groups["asian"]["rate_per_1000"] == pytest.approx(0.25)  # 1 / 4,000
    assert groups["mixed"]["rate_per_1000"] == 0.0  # 0 / 1,000
    assert groups["other"]["rate_per_1000"] == pytest.approx(1.0)  # 1 / 1,000
    assert groups["not_stated"]["rate_per_1000"] is None  # no population
    assert groups["not_stated"]["population"] is None
    assert data["total"]["population"] == 18_000
    assert data["total"]["rate_per_1000"] == pytest.approx(13 / 18)  # 0.7222…
    # Every rate rests on fewer than 20 searches: flagged, not hidden.
    assert {g["rate_status"] for k, g in groups.items() if k != "not_stated"} == {"low_count"}
    assert groups["not_stated"]["rate_status"] == "undefined"


def test_ratios_and_intervals_are_the_hand_figures(data: dict[str, Any]) -> None:
    groups = data["groups"]
    black = groups["black"]["ratio_to_white"]
    # 2.5 / 0.4 = 6.25; se of ln = sqrt(1/5 + 1/4) = 0.670820; x 1.959964 = 1.314784;
    # ln 6.25 = 1.832581: exp(0.517798) = 1.678327, exp(3.147365) = 23.274661
    assert black["value"] == pytest.approx(6.25)
    assert black["low"] == pytest.approx(1.678327, rel=1e-6)
    assert black["high"] == pytest.approx(23.274661, rel=1e-6)
    assert black["status"] == "low_count"  # 5 and 4 searches, below 20
    asian = groups["asian"]["ratio_to_white"]
    # 0.25 / 0.4 = 0.625; sqrt(1/1 + 1/4) = 1.118034; x 1.959964 = 2.191306;
    # ln 0.625 = -0.470004: exp(-2.661310) = 0.069857, exp(1.721303) = 5.591808
    assert (asian["value"], asian["low"], asian["high"]) == pytest.approx(
        (0.625, 0.069857, 5.591808), rel=1e-5
    )
    other = groups["other"]["ratio_to_white"]
    # 1.0 / 0.4 = 2.5, same spread: exp(0.916291 -/+ 2.191306) = 0.279427, 22.367233
    assert (other["value"], other["low"], other["high"]) == pytest.approx(
        (2.5, 0.279427, 22.367233), rel=1e-5
    )
    # Mixed: no searches, so no ratio (a count of zero has no interval).
    assert groups["mixed"]["ratio_to_white"]["value"] is None
    assert groups["mixed"]["ratio_to_white"]["status"] == "undefined"
    assert groups["white"]["ratio_to_white"] == {
        "value": 1.0,
        "low": None,
        "high": None,
        "status": "reference",
        "reason": "the group the others are compared with",
    }
    assert groups["not_stated"]["ratio_to_white"]["value"] is None


def test_a_lower_threshold_unflags_the_ratios() -> None:
    with OpLog.memory() as log:
        log.extend(events())
        figures = scrutiny_report(log, OP, population=ROUND, min_searches=4)
    groups = figures.groups()
    assert groups["black"].ratio_to_white.status == "ok"  # 5 and 4 searches, both >= 4
    assert groups["asian"].ratio_to_white.status == "low_count"  # 1 search
    assert groups["white"].rate_status == "ok" and groups["asian"].rate_status == "low_count"


def test_find_and_arrest_rates_are_numerator_and_denominator(data: dict[str, Any]) -> None:
    white = data["groups"]["white"]["rates"]
    assert white["find_rate"] == {"numerator": 1, "denominator": 4}
    assert white["find_rate_recorded"] == {"numerator": 1, "denominator": 3}
    assert white["arrest_rate"] == {"numerator": 1, "denominator": 4}
    assert white["positive_outcome_rate"] == {"numerator": 2, "denominator": 4}
    black = data["groups"]["black"]["rates"]
    assert black["find_rate"] == {"numerator": 2, "denominator": 5}
    assert black["arrest_rate"] == {"numerator": 3, "denominator": 5}


def test_breakdowns_by_power_and_object_are_the_hand_counts(data: dict[str, Any]) -> None:
    # Powers: mda s23 = s1 s4 s5 s6 s8 s11; pace s1 = s2 s7 s9 s12 s13; s60 = s3; psa = s10.
    by_power = {k: v["searches"] for k, v in data["by_legislation"].items()}
    assert by_power == {
        "pace_1984_s1": 5,
        "mda_1971_s23": 6,
        "cjpoa_1994_s60": 1,
        "psa_2016_s36": 1,
    }
    # Objects: drugs (grounds not stated) = the six s23 searches; weapons = s3 (anything to
    # threaten or harm), s7 (offensive weapons), s9 (firearms); other = s2 s10 s12 s13.
    by_object = {k: v["searches"] for k, v in data["by_object"].items()}
    assert by_object == {
        "drugs_possession": 0,
        "drugs_supply": 0,
        "drugs_not_stated": 6,
        "weapons": 3,
        "other": 4,
    }
    black = data["groups"]["black"]
    # Black by power: s5 s6 s8 under s23; s7 s13 under PACE s1.
    assert {k: v["searches"] for k, v in black["by_legislation"].items()} == {
        "pace_1984_s1": 2,
        "mda_1971_s23": 3,
    }
    # Black drug searches s5 s6 s8: arrests s5 s8 (2 of 3), linked s5 (1 of 3).
    drugs = black["by_object"]["drugs_not_stated"]
    assert counts_of(drugs) == (3, 2, 2, 1, 2)
    assert drugs["rates"]["find_rate"] == {"numerator": 1, "denominator": 3}
    assert drugs["rates"]["arrest_rate"] == {"numerator": 2, "denominator": 3}
    weapons = black["by_object"]["weapons"]  # s7
    assert counts_of(weapons) == (1, 1, 1, 1, 1)
    assert data["drug_searches"] == {
        "searches": 6,
        "possession_only": {"numerator": 0, "denominator": 6},
        "possession_only_of_recorded": {"numerator": 0, "denominator": 0},
        "grounds_recorded": {"numerator": 0, "denominator": 6},
        "share_of_all_searches": {"numerator": 6, "denominator": 13},
    }


def test_detailed_and_officer_defined_breakdowns(data: dict[str, Any]) -> None:
    detailed = {k: (v["group"], v["searches"]) for k, v in data["self_defined"].items()}
    assert detailed == {
        "W1": ("white", 2),  # s1 s4
        "W2": ("white", 1),
        "W9": ("white", 1),
        "B1": ("black", 2),  # s5, and s13 as corrected
        "B2": ("black", 2),
        "B9": ("black", 1),
        "O1": ("asian", 1),
        "O2": ("other", 1),
        "NS": ("not_stated", 1),
        "not_recorded": ("not_stated", 1),
    }
    officer = {k: v["searches"] for k, v in data["officer_defined"].items()}
    # white s1-s4; black s5 s6 s8 s11 s13; asian s9; other s10; not recorded s7 s12
    assert officer == {"white": 4, "black": 5, "asian": 1, "other": 1, "not_recorded": 2}
    assert counts_of(data["officer_defined"]["not_recorded"]) == (2, 2, 2, 1, 1)
    assert "ratio_to_white" not in data["officer_defined"]["black"]


def test_json_has_the_documented_keys(data: dict[str, Any]) -> None:
    assert data["op_id"] == OP and data["force"] == "metropolitan"
    for group in ("asian", "black", "mixed", "white", "other", "not_stated"):
        entry = data["groups"][group]
        for key in ("searches", "arrests", "linked_outcomes", "population", "rate_per_1000"):
            assert key in entry
        assert set(entry["ratio_to_white"]) >= {"value", "low", "high"}
    assert data["method"]["min_searches"] == 20 and data["method"]["confidence"] == 0.95


def test_notes_say_what_qualifies_the_figures(data: dict[str, Any]) -> None:
    notes = " ".join(data["notes"])
    assert "2 of 13 searches have no self-defined ethnicity stated" in notes
    assert "recorded for 9 of 13 searches" in notes
    assert "low_count (asian, black, other)" in notes


def test_census_population_of_the_operations_force() -> None:
    """Without a table of its own, the operation's force area's Census 2021 residents."""
    with OpLog.memory() as log:
        log.extend(events())
        figures = scrutiny_report(log, OP)
    groups = figures.to_dict()["groups"]
    # Metropolitan Police PFA: Black 1,188,137, White 4,725,217 (the shared SOURCES.md table
    # gives the total, 8,791,152).
    assert groups["black"]["population"] == 1_188_137
    assert groups["white"]["population"] == 4_725_217
    assert figures.total().population == 8_791_152
    # 5 / 1,188,137 x 1000 = 0.0042083; 4 / 4,725,217 x 1000 = 0.00084652; ratio 4.9712
    assert groups["black"]["rate_per_1000"] == pytest.approx(0.0042082689, rel=1e-8)
    assert groups["black"]["ratio_to_white"]["value"] == pytest.approx(4.97124595, rel=1e-8)


def test_without_children_only_the_operations_own_searches() -> None:
    child = f.operation("hw-child", sites=(), parent=OP, force="city-of-london")
    extra = _search(20, "B1", "black", "mda_1971_s23", "controlled_drugs", True)
    extra["op_id"] = "hw-child"
    with OpLog.memory() as log:
        log.extend([*events(), child, extra])
        own = scrutiny_report(log, OP, include_children=False)
        both = scrutiny_report(log, OP)
    assert own.total().counts.searches == 13 and own.all_forces == {"metropolitan"}
    assert both.total().counts.searches == 14
    assert both.all_forces == {"metropolitan", "city-of-london"}
    # Two force areas: residents summed (8,791,152 + 8,584).
    assert both.total().population == 8_791_152 + 8_584
    assert both.force is None and both.to_dict()["forces"] == ["city-of-london", "metropolitan"]


def test_drug_grounds_split_possession_from_supply() -> None:
    """Counts made directly (tests/test_drug_grounds.py makes them from a log's events)."""
    m = "metropolitan"
    counts = ScrutinyCounts(
        {
            (m, "B1", "black", "mda_1971_s23", "drugs_possession"): ScrutinyCell(3, 0, 1, 1, 3),
            (m, "W1", "white", "mda_1971_s23", "drugs_supply"): ScrutinyCell(2, 2, 2, 2, 2),
            (m, "W1", "white", "mda_1971_s23", "drugs_not_stated"): ScrutinyCell(5, 1, 1, 1, 5),
        }
    )
    drugs = ScrutinyReport.from_counts(counts).to_dict()["drug_searches"]
    # 3 + 2 + 5 = 10 drug searches; 3 possession only; grounds recorded for 3 + 2 = 5.
    assert drugs["searches"] == 10
    assert drugs["possession_only"] == {"numerator": 3, "denominator": 10}
    assert drugs["possession_only_of_recorded"] == {"numerator": 3, "denominator": 5}
    assert drugs["grounds_recorded"] == {"numerator": 5, "denominator": 10}
    black = ScrutinyReport.from_counts(counts).groups()["black"]
    assert black.by_object["drugs_possession"] == ScrutinyCell(3, 0, 1, 1, 3)


class _Searchish:
    """Anything with a drug_grounds attribute reads as a search does."""

    def __init__(self, grounds: str | None) -> None:
        self.drug_grounds = grounds


@pytest.mark.parametrize(
    ("grounds", "obj", "group"),
    [
        ("possession", "controlled_drugs", "drugs_possession"),
        ("supply", "controlled_drugs", "drugs_supply"),
        (None, "controlled_drugs", "drugs_not_stated"),
        ("supply", "stolen_goods", "other"),  # grounds of a non-drug search are ignored
        (None, "offensive_weapons", "weapons"),
        (None, "firearms", "weapons"),
        (None, "anything_to_threaten_or_harm", "weapons"),
        (None, "fireworks", "other"),
        (None, "psychoactive_substances", "other"),
        (None, "articles_for_criminal_damage", "other"),
    ],
)
def test_object_groups(grounds: str | None, obj: str, group: str) -> None:
    assert object_group(obj, drug_grounds_of(_Searchish(grounds))) == group


def test_a_search_model_without_drug_grounds_reads_as_not_stated() -> None:
    assert drug_grounds_of(object()) is None


def test_no_white_searches_means_no_ratios() -> None:
    counts = ScrutinyCounts(
        {("metropolitan", "B1", "black", "pace_1984_s1", "other"): ScrutinyCell(40, 0, 0, 0, 0)}
    )
    figures = ScrutinyReport.from_counts(counts)
    groups = figures.groups()
    assert any(note.startswith("No searches of White people") for note in figures.notes())
    assert groups["black"].ratio_to_white.value is None
    assert groups["black"].ratio_to_white.reason == "no searches of White people to compare with"
    assert groups["white"].ratio_to_white.status == "undefined"
    assert groups["black"].rate_per_1000 == pytest.approx(40 / 1_188_137 * 1000)


def test_a_group_with_no_residents_has_no_rate() -> None:
    table = PopulationTable.from_text(
        "group,population\nasian,10\nblack,0\nmixed,10\nwhite,100\nother,10\n"
    )
    counts = ScrutinyCounts(
        {
            ("x", "B1", "black", "pace_1984_s1", "other"): ScrutinyCell(30),
            ("x", "W1", "white", "pace_1984_s1", "other"): ScrutinyCell(30),
        }
    )
    black = ScrutinyReport.from_counts(counts, table).groups()["black"]
    assert black.rate_per_1000 is None and black.rate_status == "undefined"
    assert black.ratio_to_white.value is None and black.ratio_to_white.reason == (
        "no black residents to divide by"
    )


def test_ratio_method_against_published_examples() -> None:
    # Rothman, Epidemiology: An Introduction, ch. 9 (cancer among the blind): 136 / 22,050
    # person-years against 1,709 / 127,650: rate ratio 0.46, 90% limits 0.40 and 0.53.
    ratio, low, high = rate_ratio(136, 22_050, 1_709, 127_650, confidence=0.90)
    assert (round(ratio, 2), round(low, 2), round(high, 2)) == (0.46, 0.40, 0.53)


# OpenEpi's "Comparing 2 Person-Time Rates" output, as printed in K. M. Sullivan's teaching
# materials (epiinformatics.com, Session I): cases and person-time of the exposed and the
# unexposed, and the rate ratio with its 95% limits, to the four figures OpenEpi prints (it
# cuts rather than rounds, so the last figure may differ by one).
OPENEPI = [
    ((17, 100_025, 3, 122_268), (6.927, 2.03, 23.63)),
    ((8, 78_531, 1, 77_932), (7.939, 0.9931, 63.47)),
    ((25, 178_556, 4, 200_200), (7.008, 2.439, 20.13)),
]


@pytest.mark.parametrize(("counts", "published"), OPENEPI)
def test_ratio_method_against_openepi(
    counts: tuple[int, int, int, int], published: tuple[float, float, float]
) -> None:
    assert rate_ratio(*counts) == pytest.approx(published, rel=5e-4)


@pytest.mark.parametrize("bad", [(0, 10, 1, 10), (1, 0, 1, 10), (1, 10, 0, 10), (1, 10, 1, -1)])
def test_rate_ratio_refuses_zero_counts_and_populations(bad: tuple[int, int, int, int]) -> None:
    with pytest.raises(ReportError) as caught:
        rate_ratio(*bad)
    assert caught.value.code == "bad_rate_ratio"


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1])
def test_confidence_must_be_a_probability(confidence: float) -> None:
    with pytest.raises(ReportError) as caught:
        ScrutinyReport(confidence=confidence)
    assert caught.value.code == "bad_confidence"


def test_min_searches_must_be_a_count() -> None:
    with pytest.raises(ReportError) as caught:
        ScrutinyReport(min_searches=-1)
    assert caught.value.code == "bad_min_searches"


def test_a_99_percent_interval_is_wider() -> None:
    counts = ScrutinyCounts(
        {
            ("metropolitan", "B1", "black", "pace_1984_s1", "other"): ScrutinyCell(50),
            ("metropolitan", "W1", "white", "pace_1984_s1", "other"): ScrutinyCell(80),
        }
    )
    r95 = ScrutinyReport.from_counts(counts).groups()["black"].ratio_to_white
    r99 = ScrutinyReport.from_counts(counts, confidence=0.99).groups()["black"].ratio_to_white
    assert r95.value == r99.value
    assert r99.low < r95.low < r95.value < r95.high < r99.high  # type: ignore[operator]
    # The interval is symmetric on the log scale.
    assert math.log(r95.high / r95.value) == pytest.approx(math.log(r95.value / r95.low))  # type: ignore[operator]


def test_searches_of_an_operation_without_a_force_are_refused() -> None:
    with OpLog.memory() as log:
        log.extend(events())
        with pytest.raises(ReportError) as caught:
            scrutiny_counts(log.events(OP), {})
    assert caught.value.code == "unknown_force"


@pytest.mark.parametrize(
    "module",
    [
        anpr_ops._csv,
        anpr_ops.scrutiny,
        anpr_ops.scrutiny._counts,
        anpr_ops.scrutiny._figures,
        anpr_ops.scrutiny._groups,
        anpr_ops.scrutiny._population,
    ],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: Any) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
