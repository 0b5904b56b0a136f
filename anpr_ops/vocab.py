"""The controlled vocabularies of the event format (interchange format version 1).

Each vocabulary is a :class:`enum.StrEnum` whose values are the exact strings of the JSON
interchange format; :data:`LABELS` gives a display label for every value. Strings published by
data.police.uk are mapped in ``anpr_ops.interop``, not here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, TypeAlias

__all__ = [
    "LABELS",
    "AgeRange",
    "Disposal",
    "DrugClass",
    "DrugGrounds",
    "EventKind",
    "Gender",
    "HitReason",
    "Hotlist",
    "KindName",
    "Legislation",
    "ObjectOfSearch",
    "OfficerDefinedEthnicity",
    "SearchType",
    "SeizureItem",
    "SeizurePower",
    "SelfDefinedEthnicity",
    "StopPower",
    "StopReason",
    "WeaponType",
    "label",
]


class EventKind(StrEnum):
    """The ``kind`` of an event."""

    OPERATION = "operation"
    ANPR_HIT = "anpr_hit"
    VEHICLE_STOP = "vehicle_stop"
    SEARCH = "search"
    OUTCOME = "outcome"
    SEIZURE = "seizure"
    WEAPON_SWEEP = "weapon_sweep"
    ARREST_ENQUIRY = "arrest_enquiry"
    PATROL = "patrol"
    CORRECTION = "correction"
    OFFENCE_DEFINITION = "offence_definition"


KindName: TypeAlias = Literal[
    "operation",
    "anpr_hit",
    "vehicle_stop",
    "search",
    "outcome",
    "seizure",
    "weapon_sweep",
    "arrest_enquiry",
    "patrol",
    "correction",
    "offence_definition",
]
"""The names of the kinds, for signatures that take ``EventKind | KindName``: a type checker
then finds a misspelt kind before the code runs (a test holds it equal to :class:`EventKind`)."""


class Hotlist(StrEnum):
    """The vehicle-of-interest list an ANPR read matched."""

    PNC = "pnc"
    DVLA = "dvla"
    INSURANCE = "insurance"
    FORCE = "force"
    NAS = "nas"
    OTHER = "other"


class HitReason(StrEnum):
    """Why a vehicle is on the list (a hit may have several)."""

    STOLEN_VEHICLE = "stolen_vehicle"
    NO_INSURANCE = "no_insurance"
    NO_TAX = "no_tax"
    NO_MOT = "no_mot"
    NO_LICENCE = "no_licence"
    DISQUALIFIED_DRIVER = "disqualified_driver"
    WANTED_PERSON = "wanted_person"
    MISSING_PERSON = "missing_person"
    DRUGS = "drugs"
    WEAPONS = "weapons"
    FIREARMS = "firearms"
    INTELLIGENCE = "intelligence"
    NO_KEEPER = "no_keeper"
    OTHER = "other"


class StopPower(StrEnum):
    """The power under which a vehicle was stopped."""

    RTA_1988_S163 = "rta_1988_s163"


class StopReason(StrEnum):
    """Why a vehicle was stopped."""

    ANPR_HIT = "anpr_hit"
    DRIVING_BEHAVIOUR = "driving_behaviour"
    INTELLIGENCE = "intelligence"
    VEHICLE_CHECK = "vehicle_check"
    OTHER = "other"


class SearchType(StrEnum):
    """What was searched: a person, a vehicle, or both."""

    PERSON = "person"
    VEHICLE = "vehicle"
    PERSON_AND_VEHICLE = "person_and_vehicle"

    @property
    def searches_person(self) -> bool:
        """True when a person was searched."""
        return self is not SearchType.VEHICLE

    @property
    def searches_vehicle(self) -> bool:
        """True when a vehicle was searched."""
        return self is not SearchType.PERSON


class Legislation(StrEnum):
    """The power under which a search was made (PACE Code A).

    ``other`` is a power without a code of its own; ``not_recorded`` says the source gave no
    power at all (a blank data.police.uk cell), which is not the same thing.
    """

    PACE_1984_S1 = "pace_1984_s1"
    MDA_1971_S23 = "mda_1971_s23"
    CJPOA_1994_S60 = "cjpoa_1994_s60"
    TA_2000_S43 = "ta_2000_s43"
    TA_2000_S47A = "ta_2000_s47a"
    FIREARMS_1968_S47 = "firearms_1968_s47"
    CJA_1988_S139B = "cja_1988_s139b"
    PSA_2016_S36 = "psa_2016_s36"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class ObjectOfSearch(StrEnum):
    """What the officer was looking for (``not_recorded``: the source did not say)."""

    CONTROLLED_DRUGS = "controlled_drugs"
    OFFENSIVE_WEAPONS = "offensive_weapons"
    STOLEN_GOODS = "stolen_goods"
    ARTICLE_FOR_USE_IN_THEFT = "article_for_use_in_theft"
    ARTICLES_FOR_CRIMINAL_DAMAGE = "articles_for_criminal_damage"
    FIREARMS = "firearms"
    FIREWORKS = "fireworks"
    ANYTHING_TO_THREATEN_OR_HARM = "anything_to_threaten_or_harm"
    EVIDENCE_OF_OFFENCES = "evidence_of_offences"
    PSYCHOACTIVE_SUBSTANCES = "psychoactive_substances"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class DrugGrounds(StrEnum):
    """What a search for controlled drugs was for, where the record says: possession, or
    supply (possession with intent to supply, production)."""

    POSSESSION = "possession"
    SUPPLY = "supply"


class SelfDefinedEthnicity(StrEnum):
    """Self-defined ethnicity: the 2001 (16+1) and 2011 (18+1) census codes together."""

    W1 = "W1"
    W2 = "W2"
    W3 = "W3"
    W9 = "W9"
    M1 = "M1"
    M2 = "M2"
    M3 = "M3"
    M9 = "M9"
    A1 = "A1"
    A2 = "A2"
    A3 = "A3"
    A4 = "A4"
    A9 = "A9"
    B1 = "B1"
    B2 = "B2"
    B9 = "B9"
    O1 = "O1"
    O2 = "O2"
    O9 = "O9"
    NS = "NS"


class OfficerDefinedEthnicity(StrEnum):
    """Ethnicity as the officer perceived it (the data.police.uk groups)."""

    WHITE = "white"
    BLACK = "black"
    ASIAN = "asian"
    MIXED = "mixed"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class Gender(StrEnum):
    """Gender of the person searched."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    NOT_RECORDED = "not_recorded"


class AgeRange(StrEnum):
    """Age range of the person searched (the data.police.uk bands)."""

    UNDER_10 = "under_10"
    AGE_10_17 = "10_17"
    AGE_18_24 = "18_24"
    AGE_25_34 = "25_34"
    OVER_34 = "over_34"
    NOT_RECORDED = "not_recorded"


class Disposal(StrEnum):
    """What happened to a person: the outcome of a search, stop or enquiry.

    ``article_found`` records that the search found something but the source did not say
    what was then done (data.police.uk's old ``Article found - Detailed outcome unavailable``):
    a positive outcome, not no further action, and one that names no offence codes.
    """

    ARREST = "arrest"
    SUMMONS = "summons"
    TRAFFIC_OFFENCE_REPORT = "traffic_offence_report"
    FIXED_PENALTY_NOTICE = "fixed_penalty_notice"
    PENALTY_NOTICE_FOR_DISORDER = "penalty_notice_for_disorder"
    COMMUNITY_RESOLUTION = "community_resolution"
    CANNABIS_KHAT_WARNING = "cannabis_khat_warning"
    CAUTION = "caution"
    WORDS_OF_ADVICE = "words_of_advice"
    ARTICLE_FOUND = "article_found"
    NO_FURTHER_ACTION = "no_further_action"

    @property
    def needs_offences(self) -> bool:
        """True for disposals that must name at least one offence code."""
        return self in _NEEDS_OFFENCES


_NEEDS_OFFENCES = frozenset(
    {
        Disposal.ARREST,
        Disposal.SUMMONS,
        Disposal.TRAFFIC_OFFENCE_REPORT,
        Disposal.FIXED_PENALTY_NOTICE,
    }
)


class SeizureItem(StrEnum):
    """What was seized."""

    CONTROLLED_DRUG = "controlled_drug"
    WEAPON = "weapon"
    VEHICLE = "vehicle"
    CASH = "cash"
    OTHER = "other"


class DrugClass(StrEnum):
    """Misuse of Drugs Act 1971 class."""

    A = "A"
    B = "B"
    C = "C"


class WeaponType(StrEnum):
    """The kind of weapon seized."""

    KNIFE = "knife"
    BLADED_ARTICLE = "bladed_article"
    FIREARM = "firearm"
    IMITATION_FIREARM = "imitation_firearm"
    OFFENSIVE_WEAPON = "offensive_weapon"
    OTHER = "other"


class SeizurePower(StrEnum):
    """The power under which something was seized."""

    RTA_1988_S165A = "rta_1988_s165a"
    MDA_1971_S23 = "mda_1971_s23"
    PACE_1984_S19 = "pace_1984_s19"
    PACE_1984_S32 = "pace_1984_s32"
    OTHER = "other"


#: Display labels for every vocabulary value: ``LABELS[Disposal][Disposal.ARREST]``.
#: Keyed by vocabulary first, since values such as ``"other"`` occur in several.
LABELS: dict[type[StrEnum], dict[StrEnum, str]] = {
    EventKind: {
        EventKind.OPERATION: "Operation",
        EventKind.ANPR_HIT: "ANPR hit",
        EventKind.VEHICLE_STOP: "Vehicle stop",
        EventKind.SEARCH: "Search",
        EventKind.OUTCOME: "Outcome",
        EventKind.SEIZURE: "Seizure",
        EventKind.WEAPON_SWEEP: "Weapon sweep",
        EventKind.ARREST_ENQUIRY: "Arrest enquiry",
        EventKind.PATROL: "Patrol",
        EventKind.CORRECTION: "Correction",
        EventKind.OFFENCE_DEFINITION: "Offence definition",
    },
    Hotlist: {
        Hotlist.PNC: "Police National Computer",
        Hotlist.DVLA: "DVLA",
        Hotlist.INSURANCE: "Insurance database",
        Hotlist.FORCE: "Force list",
        Hotlist.NAS: "National ANPR Service",
        Hotlist.OTHER: "Other list",
    },
    HitReason: {
        HitReason.STOLEN_VEHICLE: "Stolen vehicle",
        HitReason.NO_INSURANCE: "No insurance",
        HitReason.NO_TAX: "No tax",
        HitReason.NO_MOT: "No MOT",
        HitReason.NO_LICENCE: "No licence",
        HitReason.DISQUALIFIED_DRIVER: "Disqualified driver",
        HitReason.WANTED_PERSON: "Wanted person",
        HitReason.MISSING_PERSON: "Missing person",
        HitReason.DRUGS: "Drugs",
        HitReason.WEAPONS: "Weapons",
        HitReason.FIREARMS: "Firearms",
        HitReason.INTELLIGENCE: "Intelligence",
        HitReason.NO_KEEPER: "No registered keeper",
        HitReason.OTHER: "Other",
    },
    StopPower: {
        StopPower.RTA_1988_S163: "Road Traffic Act 1988 s.163",
    },
    StopReason: {
        StopReason.ANPR_HIT: "ANPR hit",
        StopReason.DRIVING_BEHAVIOUR: "Driving behaviour",
        StopReason.INTELLIGENCE: "Intelligence",
        StopReason.VEHICLE_CHECK: "Vehicle check",
        StopReason.OTHER: "Other",
    },
    SearchType: {
        SearchType.PERSON: "Person search",
        SearchType.VEHICLE: "Vehicle search",
        SearchType.PERSON_AND_VEHICLE: "Person and vehicle search",
    },
    Legislation: {
        Legislation.PACE_1984_S1: "Police and Criminal Evidence Act 1984 s.1",
        Legislation.MDA_1971_S23: "Misuse of Drugs Act 1971 s.23",
        Legislation.CJPOA_1994_S60: "Criminal Justice and Public Order Act 1994 s.60",
        Legislation.TA_2000_S43: "Terrorism Act 2000 s.43",
        Legislation.TA_2000_S47A: "Terrorism Act 2000 s.47A",
        Legislation.FIREARMS_1968_S47: "Firearms Act 1968 s.47",
        Legislation.CJA_1988_S139B: "Criminal Justice Act 1988 s.139B",
        Legislation.PSA_2016_S36: "Psychoactive Substances Act 2016 s.36",
        Legislation.OTHER: "Other legislation",
        Legislation.NOT_RECORDED: "Not recorded",
    },
    ObjectOfSearch: {
        ObjectOfSearch.CONTROLLED_DRUGS: "Controlled drugs",
        ObjectOfSearch.OFFENSIVE_WEAPONS: "Offensive weapons",
        ObjectOfSearch.STOLEN_GOODS: "Stolen goods",
        ObjectOfSearch.ARTICLE_FOR_USE_IN_THEFT: "Article for use in theft",
        ObjectOfSearch.ARTICLES_FOR_CRIMINAL_DAMAGE: "Articles for use in criminal damage",
        ObjectOfSearch.FIREARMS: "Firearms",
        ObjectOfSearch.FIREWORKS: "Fireworks",
        ObjectOfSearch.ANYTHING_TO_THREATEN_OR_HARM: "Anything to threaten or harm anyone",
        ObjectOfSearch.EVIDENCE_OF_OFFENCES: "Evidence of offences",
        ObjectOfSearch.PSYCHOACTIVE_SUBSTANCES: "Psychoactive substances",
        ObjectOfSearch.OTHER: "Other",
        ObjectOfSearch.NOT_RECORDED: "Not recorded",
    },
    DrugGrounds: {
        DrugGrounds.POSSESSION: "Possession",
        DrugGrounds.SUPPLY: "Supply (including intent to supply)",
    },
    SelfDefinedEthnicity: {
        SelfDefinedEthnicity.W1: "White - English/Welsh/Scottish/Northern Irish/British",
        SelfDefinedEthnicity.W2: "White - Irish",
        SelfDefinedEthnicity.W3: "White - Gypsy or Irish Traveller",
        SelfDefinedEthnicity.W9: "White - Any other White background",
        SelfDefinedEthnicity.M1: "Mixed - White and Black Caribbean",
        SelfDefinedEthnicity.M2: "Mixed - White and Black African",
        SelfDefinedEthnicity.M3: "Mixed - White and Asian",
        SelfDefinedEthnicity.M9: "Mixed - Any other Mixed/Multiple ethnic background",
        SelfDefinedEthnicity.A1: "Asian - Indian",
        SelfDefinedEthnicity.A2: "Asian - Pakistani",
        SelfDefinedEthnicity.A3: "Asian - Bangladeshi",
        SelfDefinedEthnicity.A4: "Asian - Chinese",
        SelfDefinedEthnicity.A9: "Asian - Any other Asian background",
        SelfDefinedEthnicity.B1: "Black - Caribbean",
        SelfDefinedEthnicity.B2: "Black - African",
        SelfDefinedEthnicity.B9: "Black - Any other Black/African/Caribbean background",
        SelfDefinedEthnicity.O1: "Other - Chinese (2001 census)",
        SelfDefinedEthnicity.O2: "Other - Arab",
        SelfDefinedEthnicity.O9: "Other - Any other ethnic group",
        SelfDefinedEthnicity.NS: "Not stated",
    },
    OfficerDefinedEthnicity: {
        OfficerDefinedEthnicity.WHITE: "White",
        OfficerDefinedEthnicity.BLACK: "Black",
        OfficerDefinedEthnicity.ASIAN: "Asian",
        OfficerDefinedEthnicity.MIXED: "Mixed",
        OfficerDefinedEthnicity.OTHER: "Other",
        OfficerDefinedEthnicity.NOT_RECORDED: "Not recorded",
    },
    Gender: {
        Gender.MALE: "Male",
        Gender.FEMALE: "Female",
        Gender.OTHER: "Other",
        Gender.NOT_RECORDED: "Not recorded",
    },
    AgeRange: {
        AgeRange.UNDER_10: "under 10",
        AgeRange.AGE_10_17: "10-17",
        AgeRange.AGE_18_24: "18-24",
        AgeRange.AGE_25_34: "25-34",
        AgeRange.OVER_34: "over 34",
        AgeRange.NOT_RECORDED: "Not recorded",
    },
    Disposal: {
        Disposal.ARREST: "Arrest",
        Disposal.SUMMONS: "Summons / charged by post",
        Disposal.TRAFFIC_OFFENCE_REPORT: "Traffic Offence Report",
        Disposal.FIXED_PENALTY_NOTICE: "Fixed Penalty Notice",
        Disposal.PENALTY_NOTICE_FOR_DISORDER: "Penalty Notice for Disorder",
        Disposal.COMMUNITY_RESOLUTION: "Community resolution",
        Disposal.CANNABIS_KHAT_WARNING: "Khat or Cannabis warning",
        Disposal.CAUTION: "Caution (simple or conditional)",
        Disposal.WORDS_OF_ADVICE: "Words of advice",
        Disposal.ARTICLE_FOUND: "Article found (disposal not known)",
        Disposal.NO_FURTHER_ACTION: "No further action",
    },
    SeizureItem: {
        SeizureItem.CONTROLLED_DRUG: "Controlled drug",
        SeizureItem.WEAPON: "Weapon",
        SeizureItem.VEHICLE: "Vehicle",
        SeizureItem.CASH: "Cash",
        SeizureItem.OTHER: "Other",
    },
    DrugClass: {
        DrugClass.A: "Class A",
        DrugClass.B: "Class B",
        DrugClass.C: "Class C",
    },
    WeaponType: {
        WeaponType.KNIFE: "Knife",
        WeaponType.BLADED_ARTICLE: "Bladed article",
        WeaponType.FIREARM: "Firearm",
        WeaponType.IMITATION_FIREARM: "Imitation firearm",
        WeaponType.OFFENSIVE_WEAPON: "Offensive weapon",
        WeaponType.OTHER: "Other",
    },
    SeizurePower: {
        SeizurePower.RTA_1988_S165A: "Road Traffic Act 1988 s.165A",
        SeizurePower.MDA_1971_S23: "Misuse of Drugs Act 1971 s.23",
        SeizurePower.PACE_1984_S19: "Police and Criminal Evidence Act 1984 s.19",
        SeizurePower.PACE_1984_S32: "Police and Criminal Evidence Act 1984 s.32",
        SeizurePower.OTHER: "Other",
    },
}


def label(value: StrEnum) -> str:
    """The display label of a vocabulary value.

    >>> label(Disposal.TRAFFIC_OFFENCE_REPORT)
    'Traffic Offence Report'
    """
    return LABELS[type(value)][value]
