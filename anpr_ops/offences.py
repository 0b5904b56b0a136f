"""The offence catalogue: CJS standard offence codes, their categories and groups.

The library ships the codes an ANPR operation meets (``data/offences.csv``, sources in
``data/SOURCES.md``). Each has exactly one rollup :class:`OffenceCategory`; categories roll up
into :class:`OffenceGroup` for headline figures ("12 arrests for drug-related offences" is
``arrests_by_group["drugs"] == 12``).

A code outside the catalogue is an error naming close matches, unless the log defines it with
an ``offence_definition`` event; a log's definitions also override catalogue entries. So a
report is reproducible from the log file alone.

>>> from anpr_ops.offences import builtin_catalogue
>>> offence = builtin_catalogue()["MD71234"]
>>> offence.category, offence.group
(<OffenceCategory.DRUGS_SUPPLY: 'drugs_supply'>, <OffenceGroup.DRUGS: 'drugs'>)
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from importlib import resources
from typing import Annotated

import attrs
from pydantic import Field, StringConstraints

from anpr_ops.errors import UnknownOffenceCodeError
from anpr_ops.vocab import DrugClass

__all__ = [
    "CATEGORY_GROUP",
    "CATEGORY_LABELS",
    "CATEGORY_PHRASES",
    "GROUP_PHRASES",
    "OFFENCE_CODE_PATTERN",
    "CjsClass",
    "Offence",
    "OffenceCatalogue",
    "OffenceCategory",
    "OffenceCode",
    "OffenceGroup",
    "builtin_catalogue",
    "is_offence_code",
]

#: The shape of a CJS offence code: two letters and five digits (``RT88584``), the PNC form
#: with a letter among the digits (``RT88A10``), or a common-law form (``COML001``); each may
#: carry one variant letter (``A`` attempt, ``B`` aid/abet, ``C`` conspiracy, …).
OFFENCE_CODE_PATTERN = (
    r"^(?:[A-Z]{2}[0-9]{5}|[A-Z]{2}[0-9]{2}[A-Z][0-9]{2}|[A-Z]{4}[0-9]{3})[A-Z]?$"
)
_CODE = re.compile(OFFENCE_CODE_PATTERN)


class OffenceCategory(StrEnum):
    """The rollup category of an offence (each catalogue code has exactly one)."""

    DRUG_DRIVING = "drug_driving"
    DRUGS_SUPPLY = "drugs_supply"
    DRUGS_POSSESSION = "drugs_possession"
    VEHICLE_THEFT = "vehicle_theft"
    NO_LICENCE = "no_licence"
    NO_INSURANCE = "no_insurance"
    DISQUALIFIED_DRIVING = "disqualified_driving"
    FAIL_TO_STOP = "fail_to_stop"
    WEAPONS = "weapons"
    FAIL_TO_SURRENDER = "fail_to_surrender"
    VIOLENCE = "violence"
    OTHER = "other"
    #: An outcome whose source recorded no offence code (never a catalogue code's category).
    UNKNOWN = "unknown"

    @property
    def group(self) -> OffenceGroup:
        """The headline group this category rolls up into."""
        return CATEGORY_GROUP[self]


class OffenceGroup(StrEnum):
    """Headline groups of categories."""

    DRUGS = "drugs"
    MOTORING = "motoring"
    VEHICLE_CRIME = "vehicle_crime"
    WEAPONS = "weapons"
    BAIL = "bail"
    VIOLENCE = "violence"
    OTHER = "other"
    UNKNOWN = "unknown"


#: Which group each category belongs to.
CATEGORY_GROUP: Mapping[OffenceCategory, OffenceGroup] = {
    OffenceCategory.DRUGS_SUPPLY: OffenceGroup.DRUGS,
    OffenceCategory.DRUGS_POSSESSION: OffenceGroup.DRUGS,
    OffenceCategory.DRUG_DRIVING: OffenceGroup.MOTORING,
    OffenceCategory.NO_LICENCE: OffenceGroup.MOTORING,
    OffenceCategory.NO_INSURANCE: OffenceGroup.MOTORING,
    OffenceCategory.DISQUALIFIED_DRIVING: OffenceGroup.MOTORING,
    OffenceCategory.FAIL_TO_STOP: OffenceGroup.MOTORING,
    OffenceCategory.VEHICLE_THEFT: OffenceGroup.VEHICLE_CRIME,
    OffenceCategory.WEAPONS: OffenceGroup.WEAPONS,
    OffenceCategory.FAIL_TO_SURRENDER: OffenceGroup.BAIL,
    OffenceCategory.VIOLENCE: OffenceGroup.VIOLENCE,
    OffenceCategory.OTHER: OffenceGroup.OTHER,
    OffenceCategory.UNKNOWN: OffenceGroup.UNKNOWN,
}

#: How each category reads in a sentence ("… arrests, for drug driving, …"); the display
#: label of a category is its phrase with a capital (:data:`CATEGORY_LABELS`).
CATEGORY_PHRASES: Mapping[str, str] = {
    OffenceCategory.DRUG_DRIVING: "drug driving",
    OffenceCategory.DRUGS_SUPPLY: "possession with intent to supply",
    OffenceCategory.DRUGS_POSSESSION: "possession of drugs",
    OffenceCategory.VEHICLE_THEFT: "theft of a motor vehicle",
    OffenceCategory.NO_LICENCE: "driving with no licence",
    OffenceCategory.NO_INSURANCE: "driving with no insurance",
    OffenceCategory.DISQUALIFIED_DRIVING: "driving while disqualified",
    OffenceCategory.FAIL_TO_STOP: "failing to stop",
    OffenceCategory.WEAPONS: "carrying a weapon",
    OffenceCategory.FAIL_TO_SURRENDER: "failing to appear at court",
    OffenceCategory.VIOLENCE: "violence",
    OffenceCategory.OTHER: "other offences",
    OffenceCategory.UNKNOWN: "unrecorded offences",
}

#: Display labels of the categories, as report tables and readable views show them.
CATEGORY_LABELS: Mapping[str, str] = {
    str(category): phrase[:1].upper() + phrase[1:] for category, phrase in CATEGORY_PHRASES.items()
}

#: How each headline group reads ("12 arrests for drug-related offences").
GROUP_PHRASES: Mapping[str, str] = {
    OffenceGroup.DRUGS: "drug-related offences",
    OffenceGroup.MOTORING: "motoring offences",
    OffenceGroup.VEHICLE_CRIME: "vehicle crime",
    OffenceGroup.WEAPONS: "weapons offences",
    OffenceGroup.BAIL: "failing to appear at court",
    OffenceGroup.VIOLENCE: "violence-related offences",
    OffenceGroup.OTHER: "other offences",
    OffenceGroup.UNKNOWN: "unrecorded offences",
}


class CjsClass(StrEnum):
    """CJS offence category: how the offence is tried."""

    CM = "CM"  #: summary motoring
    CS = "CS"  #: summary non-motoring
    CE = "CE"  #: either way
    CI = "CI"  #: indictable only


def is_offence_code(text: str) -> bool:
    """True when ``text`` has the shape of a CJS offence code (known or not).

    >>> is_offence_code("RT88584"), is_offence_code("TH68013A"), is_offence_code("rt88584")
    (True, True, False)
    """
    return bool(_CODE.match(text))


# Lower-case ASCII letters are accepted and stored upper case; the pattern is matched before
# upper-casing, so no look-alike ("ß", a ligature, a Cyrillic letter) can turn into a code.
_INPUT_PATTERN = OFFENCE_CODE_PATTERN.replace("[A-Z]", "[A-Za-z]")

#: A pydantic type for an offence code: shape only (the catalogue check needs the log).
OffenceCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=_INPUT_PATTERN),
    Field(
        description="CJS standard offence code, e.g. RT88584",
        examples=["RT88584", "MD71234", "TH68013"],
    ),
]


@attrs.frozen
class Offence:
    """One offence: its CJS code, what it is, and how reports count it.

    ``defined_by`` is the ``event_id`` of the ``offence_definition`` event when the log, not
    the packaged catalogue, says what this code is.
    """

    code: str
    title: str
    category: OffenceCategory = attrs.field(converter=OffenceCategory)
    statute: str | None = None
    section: str | None = None
    cjs_class: CjsClass | None = None
    drug_class: DrugClass | None = None
    defined_by: str | None = None

    @property
    def group(self) -> OffenceGroup:
        """The headline group of this offence's category."""
        return self.category.group

    @property
    def citation(self) -> str:
        """Statute and section for display, e.g. ``"Road Traffic Act 1988 s.5A"``."""
        if self.statute and self.section:
            return f"{self.statute} s.{self.section}"
        return self.statute or ""


class OffenceCatalogue(Mapping[str, Offence]):
    """A read-only mapping of offence code to :class:`Offence`.

    ``catalogue[code]`` raises :class:`~anpr_ops.errors.UnknownOffenceCodeError` (a
    ``LookupError``, and so a ``KeyError`` for ``Mapping`` purposes is not used) with close
    matches; :meth:`with_offences` returns a new catalogue with a log's definitions on top.
    """

    __slots__ = ("_by_code",)

    def __init__(self, offences: Iterable[Offence]) -> None:
        self._by_code: dict[str, Offence] = {}
        for offence in offences:
            self._by_code[offence.code] = offence

    def __getitem__(self, code: str) -> Offence:
        try:
            return self._by_code[code]
        except KeyError as exc:
            raise self.unknown(code) from exc

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str, default: Offence | None = None) -> Offence | None:  # type: ignore[override]
        """The offence for ``code``, or ``default`` when it is unknown."""
        return self._by_code.get(code, default)

    def suggest(self, code: str, limit: int = 3) -> tuple[str, ...]:
        """Catalogued codes within two typing slips of ``code``, closest first.

        A slip is a wrong, missing or extra character, or two neighbours swapped (``MD71243``
        for ``MD71234``). Among equally close codes, one with the same characters rearranged
        comes first: swapped digits are the commonest slip with codes.
        """
        guess = code.strip().upper() if code.isascii() else code
        scored = sorted(
            (distance, sorted(candidate) != sorted(guess), candidate)
            for candidate in self._by_code
            if (distance := _slips(guess, candidate)) <= 2
        )
        return tuple(candidate for *_, candidate in scored[:limit])

    def unknown(self, code: str) -> UnknownOffenceCodeError:
        """The error for an unknown ``code``, with suggestions, ready to raise."""
        suggestions = self.suggest(code)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        message = (
            f"unknown offence code {code!r}: not in the catalogue and not defined in the log{hint} "
            "(a log can define it with an offence_definition event)"
        )
        return UnknownOffenceCodeError(message, offence_code=code, suggestions=suggestions)

    def category_of(self, code: str) -> OffenceCategory:
        """The category of ``code`` (raises for an unknown code)."""
        return self[code].category

    def by_category(self, category: OffenceCategory | str) -> tuple[Offence, ...]:
        """Every offence of one category, in catalogue order."""
        wanted = OffenceCategory(category)
        return tuple(o for o in self._by_code.values() if o.category is wanted)

    def with_offences(self, offences: Iterable[Offence]) -> OffenceCatalogue:
        """A new catalogue: this one, with ``offences`` added or replacing same-code entries."""
        return OffenceCatalogue([*self._by_code.values(), *offences])


def _slips(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, with a swap of neighbours counting as one."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, start=1):
        row = [i]
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, rows[-2][j - 2] + 1)
            row.append(best)
        rows.append(row)
    return rows[-1][-1]


def _blank_to_none(value: str) -> str | None:
    return value or None


@functools.cache
def builtin_catalogue() -> OffenceCatalogue:
    """The catalogue packaged with anpr_ops (read once, then shared)."""
    text = resources.files("anpr_ops").joinpath("data/offences.csv").read_text(encoding="utf-8")
    offences = [
        Offence(
            code=row["code"],
            title=row["title"],
            category=OffenceCategory(row["category"]),
            statute=_blank_to_none(row["statute"]),
            section=_blank_to_none(row["section"]),
            cjs_class=CjsClass(row["cjs_class"]) if row["cjs_class"] else None,
            drug_class=DrugClass(row["drug_class"]) if row["drug_class"] else None,
        )
        for row in csv.DictReader(io.StringIO(text))
    ]
    return OffenceCatalogue(offences)
