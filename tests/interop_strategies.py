"""Test-only Hypothesis strategies for the interop tests: searches data.police.uk can carry,
and rows of data.police.uk files written in the current vocabulary.

The published strings below are copied from reference/domain.md §2.3 by hand, not from the
code under test, so a wrong mapping table cannot make its own test pass.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from anpr_ops.strategies import vrms
from anpr_ops.vocab import (
    AgeRange,
    Disposal,
    Gender,
    Legislation,
    ObjectOfSearch,
    OfficerDefinedEthnicity,
    SearchType,
    SelfDefinedEthnicity,
)

# ----------------------------------------------------------------- published strings (§2.3)

TYPES = ["Person search", "Person and Vehicle search", "Vehicle search"]
GENDERS = ["Male", "Female", "Other", ""]
AGES = ["under 10", "10-17", "18-24", "25-34", "over 34", ""]
SELF_DEFINED_CURRENT = [
    "White - English/Welsh/Scottish/Northern Irish/British",
    "White - Irish",
    "White - Gypsy or Irish Traveller",
    "White - Any other White background",
    "Mixed/Multiple ethnic groups - White and Black Caribbean",
    "Mixed/Multiple ethnic groups - White and Black African",
    "Mixed/Multiple ethnic groups - White and Asian",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
    "Asian/Asian British - Indian",
    "Asian/Asian British - Pakistani",
    "Asian/Asian British - Bangladeshi",
    "Asian/Asian British - Chinese",
    "Asian/Asian British - Any other Asian background",
    "Black/African/Caribbean/Black British - African",
    "Black/African/Caribbean/Black British - Caribbean",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
    "Other ethnic group - Arab",
    "Other ethnic group - Any other ethnic group",
    "Other ethnic group - Not stated",
    "",
]
OFFICER_DEFINED = ["White", "Black", "Asian", "Other", "Mixed", ""]
LEGISLATION = [
    "Misuse of Drugs Act 1971 (section 23)",
    "Police and Criminal Evidence Act 1984 (section 1)",
    "Criminal Justice and Public Order Act 1994 (section 60)",
    "Firearms Act 1968 (section 47)",
    "Criminal Justice Act 1988 (section 139B)",
    "Poaching Prevention Act 1862 (section 2)",
    "Psychoactive Substances Act 2016 (s36(2))",
    "Aviation Security Act 1982 (section 27(1))",
    "Wildlife and Countryside Act 1981 (section 19)",
    "Deer Act 1991 (section 12)",
    "Police and Criminal Evidence Act 1984 (section 6)",
    "Crossbows Act 1987 (section 4)",
    "Customs and Excise Management Act 1979 (section 163)",
    "Hunting Act 2004 (section 8)",
    "Protection of Badgers Act 1992 (section 11)",
    "Conservation of Seals Act 1970 (section 4)",
    "Public Stores Act 1875 (section 6)",
    "Environmental Protection Act 1990 (section 34B )",
    "",
]
OBJECTS = [
    "Controlled drugs",
    "Offensive weapons",
    "Article for use in theft",
    "Stolen goods",
    "Anything to threaten or harm anyone",
    "Evidence of offences under the Act",
    "Articles for use in criminal damage",
    "Firearms",
    "Fireworks",
    "Game or poaching equipment",
    "Psychoactive substances",
    "Crossbows",
    "Goods on which duty has not been paid etc.",
    "Detailed object of search unavailable",
    "Evidence of wildlife offences",
    "Seals or hunting equipment",
    "dog",
    "",
]
OUTCOMES_CURRENT = [
    "A no further action disposal",
    "Arrest",
    "Community resolution",
    "Khat or Cannabis warning",
    "Summons / charged by post",
    "Caution (simple or conditional)",
    "Penalty Notice for Disorder",
    "",
]
BOOLEANS = ["True", "False", ""]

# Powers and objects without a code of their own: they come back as their text.
OTHER_LEGISLATION_TEXTS = [
    "Poaching Prevention Act 1862 (section 2)",
    "Aviation Security Act 1982 (section 27(1))",
    "Wildlife and Countryside Act 1981 (section 19)",
    "Deer Act 1991 (section 12)",
    "Environmental Protection Act 1990 (section 34B )",
]
OTHER_OBJECT_TEXTS = [
    "Game or poaching equipment",
    "Crossbows",
    "Goods on which duty has not been paid etc.",
    "dog",
]

# Disposals with a current data.police.uk string (not article_found, TOR, FPN, words of
# advice: those are written blank).
EXPORTABLE_DISPOSALS = [
    Disposal.ARREST,
    Disposal.SUMMONS,
    Disposal.CAUTION,
    Disposal.PENALTY_NOTICE_FOR_DISORDER,
    Disposal.CANNABIS_KHAT_WARNING,
    Disposal.COMMUNITY_RESOLUTION,
    Disposal.NO_FURTHER_ACTION,
]

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def moments() -> st.SearchStrategy[datetime]:
    """Whole seconds between 2000 and 2035, in UTC (the format's precision)."""
    return st.integers(0, 35 * 365 * 86400).map(lambda s: _EPOCH + timedelta(seconds=s))


def coordinates() -> st.SearchStrategy[tuple[float, float] | None]:
    """``None`` or a pair with six decimals (the precision data.police.uk publishes)."""
    pair = st.tuples(
        st.integers(-90_000_000, 90_000_000).map(lambda n: round(n / 1_000_000, 6)),
        st.integers(-180_000_000, 180_000_000).map(lambda n: round(n / 1_000_000, 6)),
    )
    return st.none() | pair


def operation_names() -> st.SearchStrategy[str]:
    """Names of policing operations: any single-line text, commas and quotes included."""
    return st.text(
        st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029"),
        min_size=1,
        max_size=40,
    )


@st.composite
def searches(draw: st.DrawFn, op_id: str = "op-1") -> dict[str, Any]:
    """A search (interchange mapping) whose every exported field comes back on re-import.

    Its extra fields (plate, subject, grounds, officer) are what an export leaves out.
    """
    search_type = draw(st.sampled_from(SearchType))
    legislation = draw(st.sampled_from(Legislation))
    obj = draw(st.sampled_from(ObjectOfSearch))
    event: dict[str, Any] = {
        "kind": "search",
        "op_id": op_id,
        "search_type": search_type.value,
        "legislation": legislation.value,
        "object_of_search": obj.value,
        "grounds": draw(st.sampled_from(["smell of cannabis", "seen passing a package"])),
        "officer_id": draw(st.none() | st.just("PC 1234")),
    }
    if draw(st.booleans()):
        event["occurred_at"] = draw(moments()).replace(hour=0, minute=0, second=0)
        event["date_only"] = True
    else:
        event["occurred_at"] = draw(moments())
    if search_type.searches_person:
        event["subject_ref"] = draw(st.sampled_from(["SUBJ-1", "SUBJ-2", "custody 77"]))
    if search_type.searches_vehicle:
        if draw(st.booleans()):
            event["vrm"] = draw(vrms())
        else:
            event["vrm_unknown"] = True
    # An ``other`` without its text is written blank, and a blank cell reads back as
    # ``not_recorded`` (a documented loss, tested on its own): here ``other`` keeps a text.
    if legislation is Legislation.OTHER:
        event["legislation_text"] = draw(st.sampled_from(OTHER_LEGISLATION_TEXTS))
    if obj is ObjectOfSearch.OTHER:
        event["object_of_search_text"] = draw(st.sampled_from(OTHER_OBJECT_TEXTS))
    place = draw(coordinates())
    if place is not None:
        event["latitude"], event["longitude"] = place
    options: dict[str, st.SearchStrategy[Any]] = {
        "gender": st.sampled_from([g.value for g in Gender if g is not Gender.NOT_RECORDED]),
        "age_range": st.sampled_from([a.value for a in AgeRange if a is not AgeRange.NOT_RECORDED]),
        "self_defined_ethnicity": st.sampled_from(
            [e.value for e in SelfDefinedEthnicity if e is not SelfDefinedEthnicity.O1]
        ),
        "officer_defined_ethnicity": st.sampled_from(
            [
                e.value
                for e in OfficerDefinedEthnicity
                if e is not OfficerDefinedEthnicity.NOT_RECORDED
            ]
        ),
        "outcome_linked_to_object": st.booleans(),
        "removal_of_more_than_outer_clothing": st.booleans(),
        "part_of_policing_operation": st.booleans(),
        "policing_operation": operation_names(),
    }
    for field, strategy in options.items():
        value = draw(st.none() | strategy)
        if value is not None:
            event[field] = value
    return {k: v for k, v in event.items() if v is not None}


@st.composite
def csv_rows(draw: st.DrawFn) -> list[str]:
    """A row of a current-vocabulary data.police.uk file, as its 15 cells."""
    moment = draw(moments())
    date = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    if draw(st.integers(0, 9)) == 0:
        date = moment.strftime("%Y-%m-%d")
    place = draw(coordinates())
    latitude, longitude = ("", "") if place is None else (f"{place[0]:.6f}", f"{place[1]:.6f}")
    operation = draw(st.sampled_from(BOOLEANS))
    name = draw(st.just("") | operation_names())
    return [
        draw(st.sampled_from(TYPES)),
        date,
        operation,
        name,
        latitude,
        longitude,
        draw(st.sampled_from(GENDERS)),
        draw(st.sampled_from(AGES)),
        draw(st.sampled_from(SELF_DEFINED_CURRENT)),
        draw(st.sampled_from(OFFICER_DEFINED)),
        draw(st.sampled_from(LEGISLATION)),
        draw(st.sampled_from(OBJECTS)),
        draw(st.sampled_from(OUTCOMES_CURRENT)),
        draw(st.sampled_from(BOOLEANS)),
        draw(st.sampled_from(BOOLEANS)),
    ]
