"""How a search is grouped for scrutiny: ethnic groups, object groups, and their labels.

Self-defined ethnicity codes map to the five top-level groups of Census 2021 (plus not
stated); officer-defined ethnicity keeps its own six values; the object of a search maps to
five object groups, drugs split by the grounds recorded for them. The tables here are the
one home of those rules; docs/scrutiny.md prints them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from anpr_ops.store._contrib import NOT_RECORDED
from anpr_ops.vocab import (
    LABELS,
    DrugGrounds,
    Legislation,
    ObjectOfSearch,
    OfficerDefinedEthnicity,
    SelfDefinedEthnicity,
)

__all__ = [
    "CENSUS_2021_DETAILED",
    "CODE_GROUP",
    "DRUG_GROUPS",
    "GROUP_LABELS",
    "NOT_RECORDED",
    "OBJECT_GROUP_LABELS",
    "WEAPON_OBJECTS",
    "DrugGrounds",
    "EthnicGroup",
    "ObjectGroup",
    "drug_grounds_of",
    "ethnic_group",
    "legislation_label",
    "object_group",
    "officer_label",
    "self_defined_label",
]


class EthnicGroup(StrEnum):
    """The five top-level ethnic groups of Census 2021, and not stated."""

    ASIAN = "asian"
    BLACK = "black"
    MIXED = "mixed"
    WHITE = "white"
    OTHER = "other"
    NOT_STATED = "not_stated"


#: The Census 2021 label of each group (``not_stated`` has none in the census).
GROUP_LABELS: Final[Mapping[EthnicGroup, str]] = MappingProxyType(
    {
        EthnicGroup.ASIAN: "Asian, Asian British or Asian Welsh",
        EthnicGroup.BLACK: "Black, Black British, Black Welsh, Caribbean or African",
        EthnicGroup.MIXED: "Mixed or Multiple ethnic groups",
        EthnicGroup.WHITE: "White",
        EthnicGroup.OTHER: "Other ethnic group",
        EthnicGroup.NOT_STATED: "Not stated",
    }
)

_S = SelfDefinedEthnicity
#: Self-defined ethnicity code → Census 2021 top-level group. ``O1`` is the 2001 census's
#: "Chinese", which the 2011 and 2021 classifications place under Asian (``A4`` in the 18+1
#: codes); ``O2`` (Arab) is under "Other ethnic group" in both. ``NS`` and a missing code are
#: not stated.
CODE_GROUP: Final[Mapping[SelfDefinedEthnicity, EthnicGroup]] = MappingProxyType(
    {
        _S.W1: EthnicGroup.WHITE,
        _S.W2: EthnicGroup.WHITE,
        _S.W3: EthnicGroup.WHITE,
        _S.W9: EthnicGroup.WHITE,
        _S.M1: EthnicGroup.MIXED,
        _S.M2: EthnicGroup.MIXED,
        _S.M3: EthnicGroup.MIXED,
        _S.M9: EthnicGroup.MIXED,
        _S.A1: EthnicGroup.ASIAN,
        _S.A2: EthnicGroup.ASIAN,
        _S.A3: EthnicGroup.ASIAN,
        _S.A4: EthnicGroup.ASIAN,
        _S.A9: EthnicGroup.ASIAN,
        _S.O1: EthnicGroup.ASIAN,
        _S.B1: EthnicGroup.BLACK,
        _S.B2: EthnicGroup.BLACK,
        _S.B9: EthnicGroup.BLACK,
        _S.O2: EthnicGroup.OTHER,
        _S.O9: EthnicGroup.OTHER,
        _S.NS: EthnicGroup.NOT_STATED,
    }
)

#: Where the people of each code are counted in the Census 2021 detailed groups (documentation
#: of the mapping; populations are used at the top level only). ``W9`` also takes Roma, a group
#: of its own only since 2021.
CENSUS_2021_DETAILED: Final[Mapping[SelfDefinedEthnicity, tuple[str, ...]]] = MappingProxyType(
    {
        _S.W1: ("White: English, Welsh, Scottish, Northern Irish or British",),
        _S.W2: ("White: Irish",),
        _S.W3: ("White: Gypsy or Irish Traveller",),
        _S.W9: ("White: Other White", "White: Roma"),
        _S.M1: ("Mixed or Multiple ethnic groups: White and Black Caribbean",),
        _S.M2: ("Mixed or Multiple ethnic groups: White and Black African",),
        _S.M3: ("Mixed or Multiple ethnic groups: White and Asian",),
        _S.M9: ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",),
        _S.A1: ("Asian, Asian British or Asian Welsh: Indian",),
        _S.A2: ("Asian, Asian British or Asian Welsh: Pakistani",),
        _S.A3: ("Asian, Asian British or Asian Welsh: Bangladeshi",),
        _S.A4: ("Asian, Asian British or Asian Welsh: Chinese",),
        _S.A9: ("Asian, Asian British or Asian Welsh: Other Asian",),
        _S.O1: ("Asian, Asian British or Asian Welsh: Chinese",),
        _S.B1: ("Black, Black British, Black Welsh, Caribbean or African: Caribbean",),
        _S.B2: ("Black, Black British, Black Welsh, Caribbean or African: African",),
        _S.B9: ("Black, Black British, Black Welsh, Caribbean or African: Other Black",),
        _S.O2: ("Other ethnic group: Arab",),
        _S.O9: ("Other ethnic group: Any other ethnic group",),
        _S.NS: (),
    }
)


def ethnic_group(code: str | None) -> EthnicGroup:
    """The top-level group of a self-defined ethnicity code (``None``: not stated).

    >>> [ethnic_group(code).value for code in ("O1", "O2", "NS", None)]
    ['asian', 'other', 'not_stated', 'not_stated']
    """
    if code is None:
        return EthnicGroup.NOT_STATED
    return CODE_GROUP[SelfDefinedEthnicity(code)]


class ObjectGroup(StrEnum):
    """What a search was for, grouped as HMICFRS asks: drugs by grounds, weapons, other."""

    DRUGS_POSSESSION = "drugs_possession"
    DRUGS_SUPPLY = "drugs_supply"
    DRUGS_NOT_STATED = "drugs_not_stated"
    WEAPONS = "weapons"
    OTHER = "other"


#: The object groups that are searches for controlled drugs.
DRUG_GROUPS: Final = frozenset(
    {ObjectGroup.DRUGS_POSSESSION, ObjectGroup.DRUGS_SUPPLY, ObjectGroup.DRUGS_NOT_STATED}
)

OBJECT_GROUP_LABELS: Final[Mapping[ObjectGroup, str]] = MappingProxyType(
    {
        ObjectGroup.DRUGS_POSSESSION: "Drugs: possession only",
        ObjectGroup.DRUGS_SUPPLY: "Drugs: supply grounds",
        ObjectGroup.DRUGS_NOT_STATED: "Drugs: grounds not stated",
        ObjectGroup.WEAPONS: "Weapons",
        ObjectGroup.OTHER: "Other",
    }
)

#: Objects of search that count as searches for weapons: things carried to injure or
#: threaten people. ``anything_to_threaten_or_harm`` is what searches under s.60 CJPOA 1994
#: ("offensive weapons or dangerous instruments") and s.139B CJA 1988 (blades, points,
#: offensive weapons) are for; firearms are weapons in every classification. Fireworks,
#: psychoactive substances and articles for criminal damage are not (docs/scrutiny.md).
WEAPON_OBJECTS: Final = frozenset(
    {
        ObjectOfSearch.OFFENSIVE_WEAPONS,
        ObjectOfSearch.FIREARMS,
        ObjectOfSearch.ANYTHING_TO_THREATEN_OR_HARM,
    }
)


def drug_grounds_of(search: object) -> DrugGrounds | None:
    """The ``drug_grounds`` of a search event (``possession`` or ``supply``), or ``None`` when
    it records none (every data.police.uk import: the published data carry no grounds).

    The one place the scrutiny figures read the field; anything without it reads as not
    stated.
    """
    value = getattr(search, "drug_grounds", None)
    if value is None:
        return None
    return DrugGrounds(str(getattr(value, "value", value)))


def object_group(obj: ObjectOfSearch | str, grounds: DrugGrounds | str | None) -> ObjectGroup:
    """The object group of a search for ``obj`` with drug ``grounds`` (ignored unless the
    object is controlled drugs).

    >>> object_group("controlled_drugs", "supply"), object_group("firearms", None)
    (<ObjectGroup.DRUGS_SUPPLY: 'drugs_supply'>, <ObjectGroup.WEAPONS: 'weapons'>)
    """
    obj = ObjectOfSearch(obj)
    if obj is ObjectOfSearch.CONTROLLED_DRUGS:
        if grounds is None:
            return ObjectGroup.DRUGS_NOT_STATED
        if DrugGrounds(grounds) is DrugGrounds.POSSESSION:
            return ObjectGroup.DRUGS_POSSESSION
        return ObjectGroup.DRUGS_SUPPLY
    if obj in WEAPON_OBJECTS:
        return ObjectGroup.WEAPONS
    return ObjectGroup.OTHER


def self_defined_label(code: str) -> str:
    """The display label of a self-defined ethnicity code, or of :data:`NOT_RECORDED`."""
    if code == NOT_RECORDED:
        return "Not recorded"
    return LABELS[SelfDefinedEthnicity][SelfDefinedEthnicity(code)]


def officer_label(value: str) -> str:
    """The display label of an officer-defined ethnicity (``not_recorded`` included)."""
    return LABELS[OfficerDefinedEthnicity][OfficerDefinedEthnicity(value)]


def legislation_label(value: str) -> str:
    """The display label of a power."""
    return LABELS[Legislation][Legislation(value)]
