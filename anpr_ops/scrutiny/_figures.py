"""Scrutiny figures from counts and populations: rates, ratios to White, intervals, flags.

Every figure is computed from a :class:`~anpr_ops.scrutiny.ScrutinyCounts` and a
:class:`~anpr_ops.scrutiny.PopulationTable` (docs/scrutiny.md gives the definitions):

- searches per 1,000 residents of a group = searches / residents x 1,000;
- ratio to White = the group's rate / the White group's rate, with a confidence interval
  ``exp(ln R ± z·√(1/a + 1/b))`` where ``a`` and ``b`` are the two groups' searches and the
  populations are taken as fixed (the log, or Katz, interval for a ratio of two Poisson rates);
  refused (``None``, with a reason) when either count or population is zero or unknown, and
  flagged ``low_count`` when either count is below ``min_searches``;
- find, arrest and positive-outcome rates as numerator and denominator, never a bare share.

Not-stated searches are counted and shown everywhere; they have no population, so no rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from statistics import NormalDist
from typing import Any, Final, Literal

import attrs

from anpr_ops.errors import ReportError
from anpr_ops.report import Rate
from anpr_ops.scrutiny._counts import ScrutinyCell, ScrutinyCounts, ScrutinyKey
from anpr_ops.scrutiny._groups import (
    DRUG_GROUPS,
    GROUP_LABELS,
    NOT_RECORDED,
    EthnicGroup,
    ObjectGroup,
    ethnic_group,
)
from anpr_ops.scrutiny._population import (
    ANY_FORCE,
    BTP,
    POPULATION_GROUPS,
    AreaPopulation,
    PopulationTable,
)
from anpr_ops.vocab import Legislation, OfficerDefinedEthnicity, SelfDefinedEthnicity

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DEFAULT_MIN_SEARCHES",
    "SCRUTINY_VERSION",
    "GroupFigures",
    "Ratio",
    "ScrutinyReport",
    "rate_ratio",
]

#: Version of the ``to_dict()`` schema (``scrutiny_version`` in the output).
SCRUTINY_VERSION: Final = 1
#: A rate or ratio resting on fewer searches than this (in either group) is flagged
#: ``low_count``: its relative standard error is above about 22%, the point below which the
#: ONS marks rates "u" (low reliability) and the US NCHS does not publish them.
DEFAULT_MIN_SEARCHES: Final = 20
#: The confidence level of the intervals.
DEFAULT_CONFIDENCE: Final = 0.95

Status = Literal["ok", "low_count", "reference", "undefined"]


def _z(confidence: float) -> float:
    if not (isinstance(confidence, float | int) and 0 < confidence < 1):
        message = f"the confidence level must be between 0 and 1 (e.g. 0.95), not {confidence!r}"
        raise ReportError(message, code="bad_confidence")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def rate_ratio(
    a: int, population_a: int, b: int, population_b: int, *, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``(ratio, low, high)``: the ratio of rate ``a/population_a`` to rate
    ``b/population_b`` and its interval ``exp(ln R ± z·√(1/a + 1/b))``.

    Every count and population must be positive. Rothman's worked example (Epidemiology: An
    Introduction, ch. 9: 136 cancers in 22,050 person-years against 1,709 in 127,650; 90%
    limits 0.40 to 0.53):

    >>> [round(x, 2) for x in rate_ratio(136, 22_050, 1_709, 127_650, confidence=0.90)]
    [0.46, 0.4, 0.53]
    """
    if min(a, population_a, b, population_b) <= 0:
        message = "a rate ratio needs positive counts and populations"
        raise ReportError(message, code="bad_rate_ratio")
    ratio = (a / population_a) / (b / population_b)
    spread = _z(confidence) * math.sqrt(1 / a + 1 / b)
    log_ratio = math.log(ratio)
    return ratio, math.exp(log_ratio - spread), math.exp(log_ratio + spread)


@attrs.frozen
class Ratio:
    """A ratio to the White group's rate with its interval; ``None`` where not defined.

    ``status``: ``ok``; ``low_count`` (kept, but from fewer searches than the threshold in
    either group); ``reference`` (the White group itself: 1); ``undefined`` (no value; ``reason``
    says why).
    """

    value: float | None
    low: float | None
    high: float | None
    status: Status
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"value", "low", "high", "status", "reason"}``."""
        return attrs.asdict(self)


def _rates(cell: ScrutinyCell) -> dict[str, Rate]:
    return {
        "find_rate": Rate(cell.linked_outcomes, cell.searches),
        "find_rate_recorded": Rate(cell.linked_outcomes, cell.linked_known),
        "arrest_rate": Rate(cell.arrests, cell.searches),
        "positive_outcome_rate": Rate(cell.positive_outcomes, cell.searches),
    }


def _cell_dict(cell: ScrutinyCell) -> dict[str, Any]:
    return {
        **cell.to_dict(),
        "rates": {name: rate.to_dict() for name, rate in _rates(cell).items()},
    }


@attrs.frozen
class GroupFigures:
    """Every figure of one top-level group (or of all searches: ``key == "total"``)."""

    key: str
    label: str
    counts: ScrutinyCell
    population: int | None
    """Residents of the group in the area, ``None`` when there is no population for it."""
    rate_per_1000: float | None
    rate_status: Status
    ratio_to_white: Ratio
    by_legislation: Mapping[str, ScrutinyCell]
    by_object: Mapping[str, ScrutinyCell]

    @property
    def rates(self) -> dict[str, Rate]:
        """Find rate (linked outcomes of all searches, and of those where the link was
        recorded), arrest rate and positive-outcome rate, as numerator and denominator."""
        return _rates(self.counts)

    def to_dict(self) -> dict[str, Any]:
        """The group as it appears in ``ScrutinyReport.to_dict()["groups"]``."""
        return {
            "label": self.label,
            **self.counts.to_dict(),
            "population": self.population,
            "rate_per_1000": self.rate_per_1000,
            "rate_status": self.rate_status,
            "ratio_to_white": self.ratio_to_white.to_dict(),
            "rates": {name: rate.to_dict() for name, rate in self.rates.items()},
            "by_legislation": {k: _cell_dict(c) for k, c in self.by_legislation.items()},
            "by_object": {k: _cell_dict(c) for k, c in self.by_object.items()},
        }


def _order(values: Any, *extra: str) -> dict[str, int]:
    return {str(v): i for i, v in enumerate([*values, *extra])}


_LEGISLATION_ORDER: Final = _order(Legislation)
_OBJECT_ORDER: Final = _order(ObjectGroup)
_CODE_ORDER: Final = _order(SelfDefinedEthnicity, NOT_RECORDED)
_OFFICER_ORDER: Final = _order(OfficerDefinedEthnicity)


def _ordered(
    cells: Mapping[str, ScrutinyCell], order: Mapping[str, int]
) -> dict[str, ScrutinyCell]:
    keys = sorted(cells, key=lambda k: (order.get(k, len(order)), k))
    return {k: cells[k] for k in keys if not cells[k].is_zero()}


def _group_of(key: ScrutinyKey) -> str:
    return ethnic_group(key[1]).value


def _is_group(group: str) -> Callable[[ScrutinyKey], bool]:
    return lambda key: _group_of(key) == group


def _officer_of(key: ScrutinyKey) -> str:
    # An officer-defined ethnicity left out and one recorded as not_recorded say the same.
    return key[2] if key[2] is not None else OfficerDefinedEthnicity.NOT_RECORDED.value


@attrs.frozen(unsafe_hash=False)
class ScrutinyReport:
    """The scrutiny figures of a set of searches: counts, populations and what follows.

    Build one with :func:`~anpr_ops.scrutiny.scrutiny_report` (from a log) or
    :meth:`from_counts`; add two with ``+`` (their counts add; the figures are recomputed).

    >>> ScrutinyReport.empty().total().counts.searches
    0
    """

    counts: ScrutinyCounts = attrs.field(factory=ScrutinyCounts.empty)
    population: PopulationTable = attrs.field(factory=PopulationTable.census2021)
    forces: frozenset[str] = frozenset()
    """The forces of the operations in scope (with or without searches)."""
    op_ids: frozenset[str] = frozenset()
    """The operations the figures were asked for (several once reports are added)."""
    name: str | None = None
    min_searches: int = DEFAULT_MIN_SEARCHES
    confidence: float = DEFAULT_CONFIDENCE

    def __attrs_post_init__(self) -> None:
        if not (isinstance(self.min_searches, int) and self.min_searches >= 0):
            message = f"min_searches must be a whole number, 0 or more, not {self.min_searches!r}"
            raise ReportError(message, code="bad_min_searches")
        _z(self.confidence)

    @classmethod
    def empty(cls) -> ScrutinyReport:
        """The identity of ``+``: no searches, no operations."""
        return cls()

    @classmethod
    def from_counts(
        cls,
        counts: ScrutinyCounts,
        population: PopulationTable | None = None,
        *,
        forces: frozenset[str] | set[str] | None = None,
        op_id: str | None = None,
        name: str | None = None,
        min_searches: int = DEFAULT_MIN_SEARCHES,
        confidence: float = DEFAULT_CONFIDENCE,
    ) -> ScrutinyReport:
        """The figures of ``counts`` with ``population`` (the packaged Census 2021 table when
        ``None``); ``forces`` defaults to the forces with searches in ``counts``."""
        return cls(
            counts,
            population if population is not None else PopulationTable.census2021(),
            frozenset(forces) if forces is not None else counts.forces,
            frozenset({op_id}) if op_id is not None else frozenset(),
            name,
            min_searches,
            confidence,
        )

    def __add__(self, other: ScrutinyReport) -> ScrutinyReport:
        if not isinstance(other, ScrutinyReport):
            return NotImplemented
        if self.population != other.population:
            message = "scrutiny figures with different population tables cannot be added"
            raise ReportError(message, code="population_mismatch")
        if (self.min_searches, self.confidence) != (other.min_searches, other.confidence):
            message = "scrutiny figures with different thresholds or confidence cannot be added"
            raise ReportError(message, code="settings_mismatch")
        if not other.op_ids or self.name == other.name:
            name = self.name
        elif not self.op_ids:
            name = other.name
        else:
            name = None  # figures of differently named operations together
        return ScrutinyReport(
            self.counts + other.counts,
            self.population,
            self.forces | other.forces,
            self.op_ids | other.op_ids,
            name,
            self.min_searches,
            self.confidence,
        )

    # -- what the figures are about ------------------------------------------------------

    @property
    def op_id(self) -> str | None:
        """The operation asked for, or ``None`` for an empty or a combined report."""
        return next(iter(self.op_ids)) if len(self.op_ids) == 1 else None

    @property
    def force(self) -> str | None:
        """The force, when there is exactly one."""
        forces = self.all_forces
        return next(iter(forces)) if len(forces) == 1 else None

    @property
    def all_forces(self) -> frozenset[str]:
        """The forces in scope and the forces with searches counted."""
        return self.forces | self.counts.forces

    def areas(self) -> tuple[dict[str, AreaPopulation], list[str]]:
        """The populations the rates divide by (force → area; a table without a force column
        counts once), and the forces the table has none for."""
        areas: dict[str, AreaPopulation] = {}
        missing: list[str] = []
        for force in sorted(self.all_forces):
            area = self.population.area(force)
            if area is None:
                missing.append(force)
            else:
                areas[force if force in self.population.areas else ANY_FORCE] = area
        return areas, missing

    def residents(self) -> dict[str, int] | None:
        """Residents by group over every area in scope; ``None`` when any force has none."""
        areas, missing = self.areas()
        if missing or not areas:
            return None
        return {
            g.value: sum(area.groups[g.value] for area in areas.values()) for g in POPULATION_GROUPS
        }

    # -- the figures -----------------------------------------------------------------------

    def total(self) -> GroupFigures:
        """All searches, not stated included, against all residents."""
        residents = self.residents()
        population = sum(residents.values()) if residents is not None else None
        cell = self.counts.total()
        rate, status = self._rate(cell.searches, population)
        return GroupFigures(
            "total",
            "All searches",
            cell,
            population,
            rate,
            status,
            Ratio(None, None, None, "undefined", "the total is not compared with a group"),
            _ordered(self.counts.by(lambda k: k[3]), _LEGISLATION_ORDER),
            _ordered(self.counts.by(lambda k: k[4]), _OBJECT_ORDER),
        )

    def groups(self) -> dict[str, GroupFigures]:
        """The five Census 2021 top-level groups and not stated, always all six, in order."""
        residents = self.residents()
        cells = self.counts.by(_group_of)
        white = cells.get(EthnicGroup.WHITE.value, ScrutinyCell())
        white_population = residents[EthnicGroup.WHITE.value] if residents is not None else None
        out: dict[str, GroupFigures] = {}
        for group in EthnicGroup:
            cell = cells.get(group.value, ScrutinyCell())
            if group is EthnicGroup.NOT_STATED or residents is None:
                population = None
            else:
                population = residents[group.value]
            rate, status = self._rate(cell.searches, population)
            mine = self.counts.where(_is_group(group.value))
            out[group.value] = GroupFigures(
                group.value,
                GROUP_LABELS[group],
                cell,
                population,
                rate,
                status,
                self._ratio(group, cell.searches, population, white.searches, white_population),
                _ordered(mine.by(lambda k: k[3]), _LEGISLATION_ORDER),
                _ordered(mine.by(lambda k: k[4]), _OBJECT_ORDER),
            )
        return out

    def self_defined(self) -> dict[str, ScrutinyCell]:
        """Searches by self-defined ethnicity code (``not_recorded`` when none was)."""
        cells = self.counts.by(lambda k: k[1] if k[1] is not None else NOT_RECORDED)
        return _ordered(cells, _CODE_ORDER)

    def officer_defined(self) -> dict[str, ScrutinyCell]:
        """Searches by officer-defined ethnicity; no rate or ratio (no population matches)."""
        return _ordered(self.counts.by(_officer_of), _OFFICER_ORDER)

    def officer_by_legislation(self, value: str) -> dict[str, ScrutinyCell]:
        """One officer-defined group's searches by power."""
        mine = self.counts.where(lambda k: _officer_of(k) == value)
        return _ordered(mine.by(lambda k: k[3]), _LEGISLATION_ORDER)

    def officer_by_object(self, value: str) -> dict[str, ScrutinyCell]:
        """One officer-defined group's searches by object group."""
        mine = self.counts.where(lambda k: _officer_of(k) == value)
        return _ordered(mine.by(lambda k: k[4]), _OBJECT_ORDER)

    def by_legislation(self) -> dict[str, ScrutinyCell]:
        """Every search by power."""
        return _ordered(self.counts.by(lambda k: k[3]), _LEGISLATION_ORDER)

    def by_object(self) -> dict[str, ScrutinyCell]:
        """Every search by object group; all five groups, zeros included."""
        cells = self.counts.by(lambda k: k[4])
        return {g.value: cells.get(g.value, ScrutinyCell()) for g in ObjectGroup}

    def drug_searches(self) -> dict[str, Any]:
        """Searches for controlled drugs: how many, and how many were possession only, of all
        drug searches and of those whose grounds were recorded."""
        by_object = self.by_object()
        drugs = sum((by_object[g.value] for g in ObjectGroup if g in DRUG_GROUPS), ScrutinyCell())
        possession = by_object[ObjectGroup.DRUGS_POSSESSION.value].searches
        recorded = possession + by_object[ObjectGroup.DRUGS_SUPPLY.value].searches
        return {
            "searches": drugs.searches,
            "possession_only": Rate(possession, drugs.searches),
            "possession_only_of_recorded": Rate(possession, recorded),
            "grounds_recorded": Rate(recorded, drugs.searches),
            "share_of_all_searches": Rate(drugs.searches, self.counts.total().searches),
        }

    def notes(self, groups: Mapping[str, GroupFigures] | None = None) -> list[str]:
        """What a reader must know about these figures: missing populations, not-stated
        searches, flagged ratios. (``groups``: :meth:`groups`, when already computed.)"""
        groups = self.groups() if groups is None else groups
        notes: list[str] = []
        _, missing = self.areas()
        for force in missing:
            if force == BTP:
                notes.append(
                    "British Transport Police polices the railways, not an area: it has no "
                    "resident population, so no rates per 1,000 or ratios are given; give a "
                    "population table of your own to have them."
                )
            else:
                notes.append(
                    f"No population for force {force!r} in {self.population.source}"
                    + (
                        " (it covers the 43 territorial police force areas of England and "
                        "Wales, by data.police.uk force id)"
                        if self.population == PopulationTable.census2021()
                        else ""
                    )
                    + "; no rates per 1,000 or ratios are given."
                )
        total = self.counts.total().searches
        not_stated = groups[EthnicGroup.NOT_STATED.value].counts.searches
        if not_stated:
            notes.append(
                f"{not_stated} of {total} searches {'has' if not_stated == 1 else 'have'} no "
                "self-defined ethnicity stated. Not-stated searches are counted under not "
                "stated and in no group's rate, so every group's rate is a lower bound, and the "
                "ratios move if those searches fall unevenly across groups."
            )
        if total and not groups[EthnicGroup.WHITE.value].counts.searches:
            notes.append(
                "No searches of White people: there is no White rate to compare with, so no "
                "ratios are given."
            )
        known = self.counts.total().linked_known
        if known < total:
            notes.append(
                f"Whether the outcome was linked to the object of the search is recorded for "
                f"{known} of {total} searches. find_rate counts the others as not linked, so it "
                "is a lower bound; find_rate_recorded divides by the searches where the link "
                "was recorded."
            )
        flagged = [g.key for g in groups.values() if g.ratio_to_white.status == "low_count"]
        if flagged:
            notes.append(
                f"Ratios marked low_count ({', '.join(flagged)}) rest on fewer than "
                f"{self.min_searches} searches in the group or in the White group: read them "
                "as unreliable."
            )
        return notes

    # -- helpers ---------------------------------------------------------------------------

    def _rate(self, searches: int, population: int | None) -> tuple[float | None, Status]:
        if population is None or population <= 0:
            return None, "undefined"
        rate = searches / population * 1000
        return rate, "low_count" if searches < self.min_searches else "ok"

    def _ratio(
        self,
        group: EthnicGroup,
        a: int,
        population_a: int | None,
        b: int,
        population_b: int | None,
    ) -> Ratio:
        if group is EthnicGroup.NOT_STATED:
            return Ratio(None, None, None, "undefined", "not-stated searches have no population")
        if population_a is None or population_b is None:
            return Ratio(None, None, None, "undefined", "no population for the area")
        if population_a <= 0 or population_b <= 0:
            which = "White" if population_b <= 0 else group.value
            return Ratio(None, None, None, "undefined", f"no {which} residents to divide by")
        if b == 0:
            return Ratio(
                None, None, None, "undefined", "no searches of White people to compare with"
            )
        if group is EthnicGroup.WHITE:
            return Ratio(1.0, None, None, "reference", "the group the others are compared with")
        if a == 0:
            return Ratio(
                None,
                None,
                None,
                "undefined",
                "no searches in the group: a ratio from a count of zero has no interval",
            )
        value, low, high = rate_ratio(a, population_a, b, population_b, confidence=self.confidence)
        if min(a, b) < self.min_searches:
            which = "White" if b < self.min_searches else group.value
            reason = f"fewer than {self.min_searches} searches ({which})"
            return Ratio(value, low, high, "low_count", reason)
        return Ratio(value, low, high, "ok")

    # -- the JSON shape --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data (schema in docs/scrutiny.md). No plates, no people."""
        areas, missing = self.areas()
        residents = self.residents()
        total = self.total()
        groups = self.groups()
        drugs = self.drug_searches()
        return {
            "scrutiny_version": SCRUTINY_VERSION,
            "op_id": self.op_id,
            "name": self.name,
            "force": self.force,
            "forces": sorted(self.all_forces),
            "population": {
                "source": self.population.source,
                "areas": [
                    {"force": force, "name": area.name, "code": area.code, "total": area.total}
                    for force, area in areas.items()
                ],
                "forces_without_population": missing,
                "total": sum(residents.values()) if residents is not None else None,
            },
            "method": {
                "rate_per_1000": "searches / residents of the group x 1000",
                "ratio_to_white": "rate of the group / rate of the White group",
                "interval": "exp(ln(ratio) +/- z * sqrt(1/a + 1/b)), a and b the searches of "
                "the two groups, populations taken as fixed (log, or Katz, interval)",
                "confidence": self.confidence,
                "z": _z(self.confidence),
                "min_searches": self.min_searches,
            },
            "total": {
                **total.counts.to_dict(),
                "population": total.population,
                "rate_per_1000": total.rate_per_1000,
                "rate_status": total.rate_status,
                "rates": {name: rate.to_dict() for name, rate in total.rates.items()},
            },
            "groups": {key: figures.to_dict() for key, figures in groups.items()},
            "self_defined": {
                code: {"group": ethnic_group(None if code == NOT_RECORDED else code).value}
                | _cell_dict(cell)
                for code, cell in self.self_defined().items()
            },
            "officer_defined": {
                value: _cell_dict(cell)
                | {
                    "by_legislation": {
                        k: _cell_dict(c) for k, c in self.officer_by_legislation(value).items()
                    },
                    "by_object": {
                        k: _cell_dict(c) for k, c in self.officer_by_object(value).items()
                    },
                }
                for value, cell in self.officer_defined().items()
            },
            "by_legislation": {k: _cell_dict(c) for k, c in self.by_legislation().items()},
            "by_object": {k: _cell_dict(c) for k, c in self.by_object().items()},
            "drug_searches": {
                key: value.to_dict() if isinstance(value, Rate) else value
                for key, value in drugs.items()
            },
            "notes": self.notes(groups),
        }
