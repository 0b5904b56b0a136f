"""The strings data.police.uk publishes, and the event vocabulary they stand for, both ways.

data.police.uk has used two vocabularies for stop-and-search files: an old one (the Met's
2016 files: 2001-census ethnicity with the code in brackets, ``Suspect arrested``, …) and the
current one (2011-census ethnicity labels without codes, the Best Use of Stop and Search
outcomes). Both are read; the current one is written.

Every string here was seen in real data.police.uk files (``reference/domain.md`` §2.3) —
except those marked *provisional*: strings seen only in a third-party list of API values
(the † of domain.md) or in no real file at all (the Terrorism Act powers, most API outcome
ids). Provisional strings are accepted by default, but nothing depends on them being right:
an import counts each provisional string it met, and a mapping file can change or remove any
entry (:meth:`PoliceUkMapping.with_overrides`, ``--mapping`` on the command line).

>>> DEFAULT_MAPPING.lookup("self_defined_ethnicity", "White - White British (W1)")
<SelfDefinedEthnicity.W1: 'W1'>
>>> DEFAULT_MAPPING.published("disposal", Disposal.NO_FURTHER_ACTION)
'A no further action disposal'
>>> DEFAULT_MAPPING.is_provisional("legislation", "Terrorism Act 2000 (section 43)")
True
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from anpr_ops.errors import MappingError
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

__all__ = [
    "DEFAULT_MAPPING",
    "IMPORT_TABLES",
    "MappingError",
    "PoliceUkMapping",
]

S = SelfDefinedEthnicity
L = Legislation
O = ObjectOfSearch  # noqa: E741 - a table's worth of one-letter aliases reads best
D = Disposal


# The tables read and written alike: a search's columns and the vocabulary of each.
_SEARCH_TABLES: dict[str, type[StrEnum]] = {
    "type": SearchType,
    "gender": Gender,
    "age_range": AgeRange,
    "self_defined_ethnicity": SelfDefinedEthnicity,
    "officer_defined_ethnicity": OfficerDefinedEthnicity,
    "legislation": Legislation,
    "object_of_search": ObjectOfSearch,
}

#: Each import table and the vocabulary its values come from (outcomes come as CSV labels
#: or as API outcome ids).
IMPORT_TABLES: Mapping[str, type[StrEnum]] = MappingProxyType(
    {**_SEARCH_TABLES, "outcome": Disposal, "outcome_id": Disposal}
)

#: Each export table and the vocabulary it writes out.
EXPORT_TABLES: Mapping[str, type[StrEnum]] = MappingProxyType(
    {**_SEARCH_TABLES, "disposal": Disposal}
)

# --------------------------------------------------------------------------- confirmed

_TYPE = {
    "Person search": SearchType.PERSON,
    "Person and Vehicle search": SearchType.PERSON_AND_VEHICLE,
    "Vehicle search": SearchType.VEHICLE,
}
_GENDER = {"Male": Gender.MALE, "Female": Gender.FEMALE, "Other": Gender.OTHER}
_AGE = {
    "under 10": AgeRange.UNDER_10,
    "10-17": AgeRange.AGE_10_17,
    "18-24": AgeRange.AGE_18_24,
    "25-34": AgeRange.AGE_25_34,
    "over 34": AgeRange.OVER_34,
}
# The current (2011 census, 18+1) labels, which carry no code.
_ETHNICITY_CURRENT = {
    "White - English/Welsh/Scottish/Northern Irish/British": S.W1,
    "White - Irish": S.W2,
    "White - Any other White background": S.W9,
    "Mixed/Multiple ethnic groups - White and Black Caribbean": S.M1,
    "Mixed/Multiple ethnic groups - White and Black African": S.M2,
    "Mixed/Multiple ethnic groups - White and Asian": S.M3,
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background": S.M9,
    "Asian/Asian British - Indian": S.A1,
    "Asian/Asian British - Pakistani": S.A2,
    "Asian/Asian British - Bangladeshi": S.A3,
    "Asian/Asian British - Chinese": S.A4,
    "Asian/Asian British - Any other Asian background": S.A9,
    "Black/African/Caribbean/Black British - Caribbean": S.B1,
    "Black/African/Caribbean/Black British - African": S.B2,
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background": S.B9,
    "Other ethnic group - Any other ethnic group": S.O9,
    "Other ethnic group - Not stated": S.NS,
}
# The old (2001 census, 16+1) labels of the Met's 2016 files, all seventeen of them.
_ETHNICITY_OLD = {
    "White - White British (W1)": S.W1,
    "White - White Irish (W2)": S.W2,
    "White - Any other White ethnic background (W9)": S.W9,
    "Mixed - White and Black Caribbean (M1)": S.M1,
    "Mixed - White and Black African (M2)": S.M2,
    "Mixed - White and Asian (M3)": S.M3,
    "Mixed - Any other Mixed ethnic background (M9)": S.M9,
    "Asian or Asian British - Indian (A1)": S.A1,
    "Asian or Asian British - Pakistani (A2)": S.A2,
    "Asian or Asian British - Bangladeshi (A3)": S.A3,
    "Asian or Asian British - Any other Asian ethnic background (A9)": S.A9,
    "Black or Black British - Caribbean (B1)": S.B1,
    "Black or Black British - African (B2)": S.B2,
    "Black or Black British - Any other Black ethnic background (B9)": S.B9,
    "Chinese or other ethnic group - Chinese (O1)": S.O1,
    "Chinese or other ethnic group - Any other ethnic group (O9)": S.O9,
    "Not Stated (NS)": S.NS,
}
_OFFICER = {
    "White": OfficerDefinedEthnicity.WHITE,
    "Black": OfficerDefinedEthnicity.BLACK,
    "Asian": OfficerDefinedEthnicity.ASIAN,
    "Other": OfficerDefinedEthnicity.OTHER,
}
_LEGISLATION = {
    "Misuse of Drugs Act 1971 (section 23)": L.MDA_1971_S23,
    "Police and Criminal Evidence Act 1984 (section 1)": L.PACE_1984_S1,
    "Criminal Justice and Public Order Act 1994 (section 60)": L.CJPOA_1994_S60,
    "Firearms Act 1968 (section 47)": L.FIREARMS_1968_S47,
    "Criminal Justice Act 1988 (section 139B)": L.CJA_1988_S139B,
    "Psychoactive Substances Act 2016 (s36(2))": L.PSA_2016_S36,
    # Powers without a code of their own: kept as ``other`` with the text.
    "Poaching Prevention Act 1862 (section 2)": L.OTHER,
    "Aviation Security Act 1982 (section 27(1))": L.OTHER,
    "Wildlife and Countryside Act 1981 (section 19)": L.OTHER,
    "Deer Act 1991 (section 12)": L.OTHER,
}
_OBJECT = {
    "Controlled drugs": O.CONTROLLED_DRUGS,
    "Offensive weapons": O.OFFENSIVE_WEAPONS,
    "Article for use in theft": O.ARTICLE_FOR_USE_IN_THEFT,
    "Stolen goods": O.STOLEN_GOODS,
    "Anything to threaten or harm anyone": O.ANYTHING_TO_THREATEN_OR_HARM,
    "Evidence of offences under the Act": O.EVIDENCE_OF_OFFENCES,
    "Articles for use in criminal damage": O.ARTICLES_FOR_CRIMINAL_DAMAGE,
    "Firearms": O.FIREARMS,
    "Fireworks": O.FIREWORKS,
    "Psychoactive substances": O.PSYCHOACTIVE_SUBSTANCES,
    "Game or poaching equipment": O.OTHER,
    "Crossbows": O.OTHER,
    "Goods on which duty has not been paid etc.": O.OTHER,
}
_OUTCOME_CURRENT = {
    "A no further action disposal": D.NO_FURTHER_ACTION,
    "Arrest": D.ARREST,
    "Community resolution": D.COMMUNITY_RESOLUTION,
    "Khat or Cannabis warning": D.CANNABIS_KHAT_WARNING,
    "Summons / charged by post": D.SUMMONS,
    "Caution (simple or conditional)": D.CAUTION,
    "Penalty Notice for Disorder": D.PENALTY_NOTICE_FOR_DISORDER,
}
# The old outcomes: the strings are confirmed; their place in the current vocabulary is
# this library's reading of them (docs/interop.md), and a mapping file can change it.
_OUTCOME_OLD = {
    "Nothing found - no further action": D.NO_FURTHER_ACTION,
    "Suspect arrested": D.ARREST,
    "Offender given drugs possession warning": D.CANNABIS_KHAT_WARNING,
    "Offender given penalty notice": D.PENALTY_NOTICE_FOR_DISORDER,
    "Local resolution": D.COMMUNITY_RESOLUTION,
    "Suspect summonsed to court": D.SUMMONS,
    "Offender cautioned": D.CAUTION,
}
_OUTCOME_ID = {
    "bu-no-further-action": D.NO_FURTHER_ACTION,
    "bu-community-resolution": D.COMMUNITY_RESOLUTION,
    "bu-arrest": D.ARREST,
    "bu-summons": D.SUMMONS,
}

# --------------------------------------------------------------------------- provisional

_PROVISIONAL: dict[str, dict[str, StrEnum]] = {
    "self_defined_ethnicity": {
        "White - Gypsy or Irish Traveller": S.W3,
        "Other ethnic group - Arab": S.O2,
    },
    "officer_defined_ethnicity": {"Mixed": OfficerDefinedEthnicity.MIXED},
    "legislation": {
        "Terrorism Act 2000 (section 43)": L.TA_2000_S43,
        "Terrorism Act 2000 (section 47A)": L.TA_2000_S47A,
        "Police and Criminal Evidence Act 1984 (section 6)": L.OTHER,
        "Crossbows Act 1987 (section 4)": L.OTHER,
        "Customs and Excise Management Act 1979 (section 163)": L.OTHER,
        "Hunting Act 2004 (section 8)": L.OTHER,
        "Protection of Badgers Act 1992 (section 11)": L.OTHER,
        "Conservation of Seals Act 1970 (section 4)": L.OTHER,
        "Public Stores Act 1875 (section 6)": L.OTHER,
        "Environmental Protection Act 1990 (section 34B )": L.OTHER,
    },
    "object_of_search": {
        "Detailed object of search unavailable": O.OTHER,
        "Evidence of wildlife offences": O.OTHER,
        "Seals or hunting equipment": O.OTHER,
        "dog": O.OTHER,
    },
    "outcome_id": {
        "bu-caution": D.CAUTION,
        "bu-khat-or-cannabis-warning": D.CANNABIS_KHAT_WARNING,
        "bu-penalty-notice": D.PENALTY_NOTICE_FOR_DISORDER,
    },
}

_CONFIRMED: dict[str, dict[str, StrEnum]] = {
    "type": dict(_TYPE),
    "gender": dict(_GENDER),
    "age_range": dict(_AGE),
    "self_defined_ethnicity": {**_ETHNICITY_CURRENT, **_ETHNICITY_OLD},
    "officer_defined_ethnicity": dict(_OFFICER),
    "legislation": dict(_LEGISLATION),
    "object_of_search": dict(_OBJECT),
    "outcome": {**_OUTCOME_CURRENT, **_OUTCOME_OLD},
    "outcome_id": dict(_OUTCOME_ID),
}


def _default_exports() -> dict[str, dict[StrEnum, str]]:
    """The current vocabulary: for each value, the first current string that maps to it."""
    current: dict[str, Mapping[str, StrEnum]] = {
        "type": _TYPE,
        "gender": _GENDER,
        "age_range": _AGE,
        "self_defined_ethnicity": {
            **_ETHNICITY_CURRENT,
            **_PROVISIONAL["self_defined_ethnicity"],
        },
        "officer_defined_ethnicity": {**_OFFICER, **_PROVISIONAL["officer_defined_ethnicity"]},
        "legislation": {**_LEGISLATION, **_PROVISIONAL["legislation"]},
        "object_of_search": _OBJECT,
        "disposal": _OUTCOME_CURRENT,
    }
    exports: dict[str, dict[StrEnum, str]] = {}
    for table, strings in current.items():
        out: dict[StrEnum, str] = {}
        for text, value in strings.items():
            # ``other`` legislation and objects write the text the search kept, not a string
            # of their own (docs/interop.md).
            if not (value.value == "other" and table in {"legislation", "object_of_search"}):
                out.setdefault(value, text)
        exports[table] = out
    # The 2001 census's "Chinese" sat under "Other"; the current vocabulary has Chinese under
    # Asian (A4). The nearest current label is written, and a re-import reads it as A4.
    exports["self_defined_ethnicity"][S.O1] = "Asian/Asian British - Chinese"
    return exports


_SPACES = re.compile(r"\s+")
_OLD_CODE = re.compile(r"\(([A-Z][0-9S])\)\s*$")


def _loose(text: str) -> str:
    """The key of the forgiving second look-up: case and runs of spaces do not matter."""
    return _SPACES.sub(" ", text).strip().casefold()


@attrs.frozen
class PoliceUkMapping:
    """How data.police.uk strings map to the event vocabulary (``imports``) and back
    (``exports``), and which import strings are ``provisional``.

    Look-up is exact first, then forgiving of case and spacing. An old-style ethnicity label
    that is not in the table but ends in a census code in brackets (``… (W3)``) is read by
    its code. Exports of ``other`` (legislation, object) write the text the search kept, or
    leave the cell blank; values without an export string are written blank.
    """

    imports: Mapping[str, Mapping[str, StrEnum]]
    provisional: frozenset[tuple[str, str]]
    exports: Mapping[str, Mapping[StrEnum, str]]
    _loose_index: Mapping[str, Mapping[str, str]] = attrs.field(
        init=False, repr=False, eq=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        index = {
            table: {_loose(text): text for text in strings}
            for table, strings in self.imports.items()
        }
        object.__setattr__(self, "_loose_index", MappingProxyType(index))

    @classmethod
    def default(cls) -> PoliceUkMapping:
        """The built-in mapping: confirmed strings, then the provisional ones."""
        imports = {table: dict(strings) for table, strings in _CONFIRMED.items()}
        provisional = set()
        for table, strings in _PROVISIONAL.items():
            for text, value in strings.items():
                imports[table][text] = value
                provisional.add((table, text))
        return cls(
            imports=_freeze(imports),
            provisional=frozenset(provisional),
            exports=_freeze(_default_exports()),
        )

    def lookup(self, table: str, text: str) -> StrEnum | None:
        """The value ``text`` stands for in ``table``, or ``None`` when it is not known."""
        strings = self.imports[table]
        value = strings.get(text)
        if value is None:
            exact = self._loose_index[table].get(_loose(text))
            value = strings.get(exact) if exact is not None else None
        if value is None and table == "self_defined_ethnicity":
            match = _OLD_CODE.search(text)
            if match and match.group(1) in SelfDefinedEthnicity.__members__:
                value = SelfDefinedEthnicity(match.group(1))
        return value

    def canonical(self, table: str, text: str) -> str:
        """The table's own spelling of ``text`` (the exact key a forgiving look-up matched)."""
        if text in self.imports[table]:
            return text
        return self._loose_index[table].get(_loose(text), text)

    def is_provisional(self, table: str, text: str) -> bool:
        """True when ``text`` is known only from a third-party list, or from no real file."""
        return (table, self.canonical(table, text)) in self.provisional

    def published(self, table: str, value: StrEnum) -> str:
        """The current data.police.uk string for ``value`` (``""``: a blank cell)."""
        return self.exports[table].get(value, "")

    def accepted(self, table: str) -> list[str]:
        """Every string ``table`` accepts, for messages."""
        return list(self.imports[table])

    def with_overrides(self, overrides: Mapping[str, Any]) -> PoliceUkMapping:
        """A copy with entries added, changed or (``None``) removed.

        ``overrides`` is ``{"import": {table: {string: value or None}}, "export": {table:
        {value: string}}}``; both parts are optional. Overridden import strings count as
        confirmed by whoever supplied them. Raises :class:`MappingError` for an unknown
        table, part or value.

        >>> m = DEFAULT_MAPPING.with_overrides(
        ...     {"import": {"outcome": {"Article found - Detailed outcome unavailable": None,
        ...                             "Words of advice": "words_of_advice"}},
        ...      "export": {"disposal": {"words_of_advice": "A no further action disposal"}}})
        >>> m.lookup("outcome", "Words of advice")
        <Disposal.WORDS_OF_ADVICE: 'words_of_advice'>
        """
        unknown_parts = set(overrides) - {"import", "export"}
        if unknown_parts:
            message = (
                f"mapping override: unknown part(s) {', '.join(sorted(unknown_parts))}; "
                "expected 'import' and/or 'export'"
            )
            raise MappingError(message)
        imports = {table: dict(strings) for table, strings in self.imports.items()}
        provisional = set(self.provisional)
        for table, entries in _entries(overrides.get("import", {}), IMPORT_TABLES, "import"):
            vocabulary = IMPORT_TABLES[table]
            for text, target in entries.items():
                provisional.discard((table, text))
                if target is None:
                    imports[table].pop(text, None)
                else:
                    imports[table][text] = _member(vocabulary, target, f"import.{table}")
        exports = {table: dict(values) for table, values in self.exports.items()}
        for table, entries in _entries(overrides.get("export", {}), EXPORT_TABLES, "export"):
            vocabulary = EXPORT_TABLES[table]
            for key, text in entries.items():
                value = _member(vocabulary, key, f"export.{table}")
                if text is None or text == "":
                    exports[table].pop(value, None)
                elif isinstance(text, str):
                    exports[table][value] = text
                else:
                    message = f"mapping override export.{table}.{key}: expected a string or null"
                    raise MappingError(message)
        return PoliceUkMapping(
            imports=_freeze(imports), provisional=frozenset(provisional), exports=_freeze(exports)
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PoliceUkMapping:
        """The default mapping with the overrides of a JSON file (see :meth:`with_overrides`)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            message = f"mapping file {Path(path).name}: not a JSON object ({exc})"
            raise MappingError(message) from exc
        if not isinstance(data, dict):
            raise MappingError(f"mapping file {Path(path).name}: expected a JSON object")
        return DEFAULT_MAPPING.with_overrides(data)


def _entries(
    part: object, tables: Mapping[str, type[StrEnum]], name: str
) -> list[tuple[str, Mapping[str, Any]]]:
    if not isinstance(part, Mapping):
        raise MappingError(f"mapping override {name!r}: expected an object of tables")
    out = []
    for table, entries in part.items():
        if table not in tables:
            message = (
                f"mapping override {name}.{table}: unknown table; expected one of "
                f"{', '.join(tables)}"
            )
            raise MappingError(message)
        if not isinstance(entries, Mapping):
            raise MappingError(f"mapping override {name}.{table}: expected an object")
        out.append((table, entries))
    return out


def _member(vocabulary: type[StrEnum], value: object, where: str) -> StrEnum:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return vocabulary(value)
    except ValueError as exc:
        allowed = ", ".join(member.value for member in vocabulary)
        message = f"mapping override {where}: {value!r} is not one of {allowed}"
        raise MappingError(message) from exc


def _freeze(tables: Mapping[str, Mapping[Any, Any]]) -> Mapping[str, Mapping[Any, Any]]:
    return MappingProxyType({table: MappingProxyType(dict(v)) for table, v in tables.items()})


#: The built-in mapping (confirmed strings and the provisional ones).
DEFAULT_MAPPING = PoliceUkMapping.default()
