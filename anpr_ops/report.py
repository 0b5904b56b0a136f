"""End-of-operation reports: the counting rules, the monoid, and the SQL that fills them.

:meth:`OpLog.report <anpr_ops.log.OpLog.report>` turns the current (corrected) view of a log
into an :class:`OpReport`: totals, breakdowns by site, by local hour, by offence category and
group, by disposal, …, and rates as numerator and denominator. The counting rules are written
down in ``docs/reports.md``; in short:

- every event counts once, in the operation it belongs to, at its own ``occurred_at``, and at
  its own site or, when it has none, at the site of what it refers to (search → stop; outcome
  or seizure → search → stop, or sweep); events with no site count under :data:`NO_SITE`;
- a retracted event counts nowhere, a replaced one counts as its replacement;
- a property that links two events (a search that led to an arrest, a hit that led to a stop,
  an enquiry whose subject was arrested) is counted on the first one, so reports of disjoint
  sets of events add up exactly.

Reports form a commutative monoid: ``OpReport.empty()`` is the identity and ``a + b`` is the
report of the union of two disjoint sets of events (two logs, two sites, two days)::

    total = sum((log.report(op, site=s) for s in sites), OpReport.empty())

The figures are computed in SQL (``GROUP BY`` over the per-kind tables of the log, one pass per
breakdown) so that memory does not grow with the number of events; only the distinct people
arrested are carried as a set (of one-way digests of their subject references, never shown).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, Literal, TypeVar
from zoneinfo import ZoneInfo

import attrs

from anpr_ops.errors import EventNotFoundError, ReportError
from anpr_ops.events import format_utc
from anpr_ops.offences import CATEGORY_GROUP, OffenceCategory, OffenceGroup
from anpr_ops.vocab import (
    Disposal,
    DrugClass,
    HitReason,
    Hotlist,
    Legislation,
    ObjectOfSearch,
    SearchType,
    SeizureItem,
    SelfDefinedEthnicity,
    WeaponType,
)

__all__ = [
    "NOT_RECORDED",
    "NO_SITE",
    "RATE_NAMES",
    "REPORT_VERSION",
    "TOTALS_KEYS",
    "UNKNOWN",
    "OpReport",
    "OperationInfo",
    "Period",
    "Rate",
    "Rollup",
    "SearchCounts",
    "Tally",
    "build_report",
]

#: Version of the ``to_dict()`` schema (``report_version`` in the output).
REPORT_VERSION: Final = 1
#: The ``by_site`` key of events that have no site, even through what they refer to. Site ids
#: are lower-case slugs, which never start with ``_``, so this key cannot clash with a site.
NO_SITE: Final = "_no_site"
#: The ``searches_by_ethnicity`` key of searches with no self-defined ethnicity recorded.
NOT_RECORDED: Final = "not_recorded"
#: The key of a missing value in other breakdowns (a drug seizure without a class, …).
UNKNOWN: Final = "unknown"

#: The keys of ``totals`` (and of each entry of ``by_site``, ``by_hour``, ``by_operation``).
TOTALS_KEYS: Final = (
    "anpr_hits",
    "vehicle_stops",
    "hit_led_stops",
    "searches",
    "arrests",
    "people_arrested",
    "offences",
    "seizures",
    "weapon_sweeps",
    "arrest_enquiries",
    "wanted_located",
    "wanted_arrested",
    "high_harm_arrested",
    "corrections",
    "outcomes",
    "patrols",
)

# rate name -> (numerator field, denominator field) of a Tally
_RATES: Final = {
    "arrest_rate": ("searches_with_arrest", "searches"),
    "positive_outcome_rate": ("searches_with_positive_outcome", "searches"),
    "linked_outcome_rate": ("searches_linked", "searches_linked_known"),
    "hit_stop_rate": ("hits_with_stop", "anpr_hits"),
    "stop_search_rate": ("stops_with_search", "vehicle_stops"),
}
#: The names of the rates, in the order ``to_dict()`` lists them.
RATE_NAMES: Final = tuple(_RATES)

# Seconds from 0001-01-01T00:00 to 1970-01-01T00:00: a whole number of hours, added so that
# hour numbers are never negative and SQLite's truncating division is a floor.
_EPOCH_SHIFT: Final = 62_135_596_800

# --------------------------------------------------------------------------- values


@attrs.frozen
class Rate:
    """A rate as the two counts it is made of, never as a bare percentage."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """``numerator / denominator``, or ``None`` when there is nothing to divide by."""
        return self.numerator / self.denominator if self.denominator else None

    def to_dict(self) -> dict[str, int]:
        """``{"numerator": …, "denominator": …}``."""
        return {"numerator": self.numerator, "denominator": self.denominator}


@attrs.frozen
class Tally:
    """The totals of a set of events (a whole report, one site, one hour or one operation).

    Every field but ``people`` is a plain count and adds up across disjoint sets of events.
    ``people`` holds one-way digests of the subject references of the people arrested, so
    that :attr:`people_arrested` (distinct people) stays right when tallies are added; it is
    never rendered. The ``*_with_*`` and ``searches_linked*`` fields are the numerators and
    denominators of :attr:`rates`.
    """

    anpr_hits: int = 0
    vehicle_stops: int = 0
    hit_led_stops: int = 0
    searches: int = 0
    outcomes: int = 0
    arrests: int = 0
    offences: int = 0
    seizures: int = 0
    weapon_sweeps: int = 0
    patrols: int = 0
    arrest_enquiries: int = 0
    wanted_located: int = 0
    wanted_arrested: int = 0
    high_harm_arrested: int = 0
    corrections: int = 0
    hits_with_stop: int = 0
    """Hits named by at least one (live) stop."""
    stops_with_search: int = 0
    """Stops named by at least one (live) search."""
    searches_with_arrest: int = 0
    """Searches named by at least one arrest outcome."""
    searches_with_positive_outcome: int = 0
    """Searches named by at least one outcome other than no further action."""
    searches_linked: int = 0
    """Searches whose ``outcome_linked_to_object`` is true."""
    searches_linked_known: int = 0
    """Searches whose ``outcome_linked_to_object`` is recorded (true or false)."""
    people: frozenset[str] = attrs.field(default=frozenset(), repr=False)

    def __add__(self, other: Tally) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        sums = {name: getattr(self, name) + getattr(other, name) for name in _COUNT_FIELDS}
        return attrs.evolve(self, **sums, people=self.people | other.people)

    @property
    def people_arrested(self) -> int:
        """How many distinct people (subject references) were arrested."""
        return len(self.people)

    @property
    def rates(self) -> dict[str, Rate]:
        """Every rate of :data:`RATE_NAMES`, from these counts."""
        return {
            name: Rate(getattr(self, num), getattr(self, den))
            for name, (num, den) in _RATES.items()
        }

    def is_zero(self) -> bool:
        """True when nothing at all was counted."""
        return self == _ZERO

    def to_dict(self) -> dict[str, int]:
        """The ``totals`` object: every key of :data:`TOTALS_KEYS`, zeros included."""
        return {key: getattr(self, key) for key in TOTALS_KEYS}


_COUNT_FIELDS: Final = tuple(f.name for f in attrs.fields(Tally) if f.name != "people")
_ZERO: Final = Tally()


@attrs.frozen
class SearchCounts:
    """Searches of one self-defined ethnicity and what came of them (data.police.uk style).

    ``arrests`` and ``positive_outcomes`` count *searches* (with at least one arrest, or one
    outcome other than no further action); ``linked`` the searches whose outcome was linked to
    the object of the search, out of ``linked_known`` where that was recorded.
    """

    searches: int = 0
    arrests: int = 0
    positive_outcomes: int = 0
    linked: int = 0
    linked_known: int = 0

    def __add__(self, other: SearchCounts) -> SearchCounts:
        if not isinstance(other, SearchCounts):
            return NotImplemented
        pairs = zip(attrs.astuple(self), attrs.astuple(other), strict=True)
        return SearchCounts(*(a + b for a, b in pairs))

    def to_dict(self) -> dict[str, int]:
        """The counts as a JSON object."""
        return attrs.asdict(self)


_V = TypeVar("_V", int, Tally, SearchCounts)
_K = TypeVar("_K")


def _frozen(items: Mapping[_K, _V]) -> Mapping[_K, _V]:
    """A read-only copy without empty entries (zero counts are not kept)."""
    return MappingProxyType({k: v for k, v in items.items() if _nonzero(v)})


def _nonzero(value: int | Tally | SearchCounts) -> bool:
    if isinstance(value, Tally):
        return not value.is_zero()
    if isinstance(value, SearchCounts):
        return value != SearchCounts()
    return value != 0


def _merge(a: Mapping[_K, _V], b: Mapping[_K, _V]) -> Mapping[_K, _V]:
    if not b:
        return a
    if not a:
        return b
    merged = dict(a)
    for key, value in b.items():
        merged[key] = merged[key] + value if key in merged else value
    return _frozen(merged)


_EMPTY: Final[Mapping[Any, Any]] = MappingProxyType({})


def _empty() -> Mapping[Any, Any]:
    return _EMPTY


@attrs.frozen(unsafe_hash=False)
class Rollup:
    """Every figure of a set of events: totals, breakdowns, and the same totals by site and hour.

    A ``Rollup`` adds to another (``a + b``) exactly as the sets of events they count would
    unite. Zero counts are not stored. Keys of the category maps are vocabulary strings.
    """

    totals: Tally = _ZERO
    by_site: Mapping[str, Tally] = attrs.field(factory=_empty)
    """Site id (or :data:`NO_SITE`) → totals."""
    by_hour: Mapping[str, Tally] = attrs.field(factory=_empty)
    """Local hour label (``2020-10-25T01:00+01:00``) → totals."""
    arrests: Mapping[tuple[str, str], int] = attrs.field(factory=_empty)
    """(primary offence category, source) → arrests; source is search/stop/enquiry/none."""
    disposals: Mapping[str, int] = attrs.field(factory=_empty)
    offences: Mapping[tuple[str, str], int] = attrs.field(factory=_empty)
    """(offence code, its category) → times it was named on an outcome."""
    hits_by_reason: Mapping[str, int] = attrs.field(factory=_empty)
    hits_by_hotlist: Mapping[str, int] = attrs.field(factory=_empty)
    searches_by_legislation: Mapping[str, int] = attrs.field(factory=_empty)
    searches_by_object: Mapping[str, int] = attrs.field(factory=_empty)
    searches_by_type: Mapping[str, int] = attrs.field(factory=_empty)
    searches_by_ethnicity: Mapping[str, SearchCounts] = attrs.field(factory=_empty)
    seizures_by_item: Mapping[str, int] = attrs.field(factory=_empty)
    drug_seizures_by_class: Mapping[str, int] = attrs.field(factory=_empty)
    weapons_by_type: Mapping[str, int] = attrs.field(factory=_empty)
    wanted: Mapping[tuple[bool, str, str], int] = attrs.field(factory=_empty)
    """(high harm, category of the first wanted-for code, underlying category) → enquiries
    whose subject was arrested."""

    def __add__(self, other: Rollup) -> Rollup:
        if not isinstance(other, Rollup):
            return NotImplemented
        return Rollup(
            self.totals + other.totals,
            *(
                _merge(getattr(self, f.name), getattr(other, f.name))
                for f in attrs.fields(Rollup)[1:]
            ),
        )

    @property
    def arrests_by_category(self) -> dict[str, int]:
        """Arrests by the category of their primary (first) offence; sums to the arrests."""
        out: dict[str, int] = {}
        for (category, _), n in self.arrests.items():
            out[category] = out.get(category, 0) + n
        return _ordered(out, _CATEGORY_ORDER)

    @property
    def arrests_by_group(self) -> dict[str, int]:
        """Arrests by the headline group of their primary offence's category."""
        out: dict[str, int] = {}
        for category, n in self.arrests_by_category.items():
            group = _group_of(category)
            out[group] = out.get(group, 0) + n
        return _ordered(out, _GROUP_ORDER)

    @property
    def arrests_by_source(self) -> dict[str, int]:
        """Arrests by what the outcome names: ``search``, ``stop``, ``enquiry`` or ``none``."""
        out: dict[str, int] = {}
        for (_, source), n in self.arrests.items():
            out[source] = out.get(source, 0) + n
        return _ordered(out, _SOURCES_ORDER)

    @property
    def offences_by_code(self) -> dict[str, int]:
        """How many times each offence code was named on an outcome (a multiset)."""
        out: dict[str, int] = {}
        for (code, _), n in self.offences.items():
            out[code] = out.get(code, 0) + n
        return dict(sorted(out.items()))

    @property
    def offences_by_category(self) -> dict[str, int]:
        """Offences named on outcomes, by each code's category."""
        out: dict[str, int] = {}
        for (_, category), n in self.offences.items():
            out[category] = out.get(category, 0) + n
        return _ordered(out, _CATEGORY_ORDER)

    @property
    def wanted_arrested_by_category(self) -> dict[str, int]:
        """Arrested wanted people by the category of the first code they were wanted for."""
        out: dict[str, int] = {}
        for (_, category, _), n in self.wanted.items():
            out[category] = out.get(category, 0) + n
        return _ordered(out, _CATEGORY_ORDER)

    def breakdowns(self) -> dict[str, dict[str, Any]]:
        """Every breakdown map, keyed as in ``to_dict()``, in vocabulary order."""
        return {
            "arrests_by_category": self.arrests_by_category,
            "arrests_by_group": self.arrests_by_group,
            "arrests_by_source": self.arrests_by_source,
            "offences_by_code": self.offences_by_code,
            "offences_by_category": self.offences_by_category,
            "disposals": _ordered(self.disposals, _DISPOSAL_ORDER),
            "hits_by_reason": _ordered(self.hits_by_reason, _REASON_ORDER),
            "hits_by_hotlist": _ordered(self.hits_by_hotlist, _HOTLIST_ORDER),
            "searches_by_legislation": _ordered(self.searches_by_legislation, _LEGISLATION_ORDER),
            "searches_by_object": _ordered(self.searches_by_object, _OBJECT_ORDER),
            "searches_by_type": _ordered(self.searches_by_type, _SEARCH_TYPE_ORDER),
            "searches_by_ethnicity": {
                k: v.to_dict()
                for k, v in _ordered(self.searches_by_ethnicity, _ETHNICITY_ORDER).items()
            },
            "seizures_by_item": _ordered(self.seizures_by_item, _ITEM_ORDER),
            "drug_seizures_by_class": _ordered(self.drug_seizures_by_class, _DRUG_CLASS_ORDER),
            "weapons_by_type": _ordered(self.weapons_by_type, _WEAPON_ORDER),
            "wanted_arrested_by_category": self.wanted_arrested_by_category,
        }


def _group_of(category: str) -> str:
    try:
        return CATEGORY_GROUP[OffenceCategory(category)].value
    except ValueError:
        return OffenceGroup.OTHER.value


def _order(values: Iterable[str], *extra: str) -> dict[str, int]:
    return {v: i for i, v in enumerate([*values, *extra])}


_CATEGORY_ORDER: Final = _order(OffenceCategory)
_GROUP_ORDER: Final = _order(OffenceGroup)
_SOURCES_ORDER: Final = _order(["search", "stop", "enquiry", "none"])
_DISPOSAL_ORDER: Final = _order(Disposal)
_REASON_ORDER: Final = _order(HitReason)
_HOTLIST_ORDER: Final = _order(Hotlist)
_LEGISLATION_ORDER: Final = _order(Legislation)
_OBJECT_ORDER: Final = _order(ObjectOfSearch)
_SEARCH_TYPE_ORDER: Final = _order(SearchType)
_ETHNICITY_ORDER: Final = _order(SelfDefinedEthnicity, NOT_RECORDED)
_ITEM_ORDER: Final = _order(SeizureItem)
_DRUG_CLASS_ORDER: Final = _order(DrugClass, UNKNOWN)
_WEAPON_ORDER: Final = _order(WeaponType, UNKNOWN)


def _ordered(items: Mapping[str, _V], order: Mapping[str, int]) -> dict[str, _V]:
    """Known keys in vocabulary order, then any others alphabetically; no zero entries."""
    return {
        k: items[k]
        for k in sorted(items, key=lambda k: (order.get(k, len(order)), k))
        if _nonzero(items[k])
    }


@attrs.frozen
class OperationInfo:
    """What a report needs to know of an operation: name, zone, parent and sites."""

    op_id: str
    name: str
    timezone: str
    parent_op_id: str | None
    sites: tuple[tuple[str, str], ...]
    """(site_id, name) pairs, in the operation's order."""
    starts_at: datetime
    ends_at: datetime | None

    def _key(self) -> tuple[str, ...]:
        # A total order, so that merging two reports that disagree about an operation picks
        # the same version whichever way round they are added.
        return (
            self.name,
            self.timezone,
            self.parent_op_id or "",
            repr(self.sites),
            self.starts_at.isoformat(),
            self.ends_at.isoformat() if self.ends_at else "",
        )


@attrs.frozen
class Period:
    """The time a report covers; ``None`` at either end means open (or not recorded)."""

    start: datetime | None
    end: datetime | None

    def __or__(self, other: Period) -> Period:
        start = None if self.start is None or other.start is None else min(self.start, other.start)
        end = None if self.end is None or other.end is None else max(self.end, other.end)
        return Period(start, end)


# --------------------------------------------------------------------------- the report


@attrs.frozen(unsafe_hash=False)
class OpReport:
    """The report of one operation (and its children), or the sum of several reports.

    Build one with :meth:`OpLog.report <anpr_ops.log.OpLog.report>`; add reports with ``+``
    or ``sum(reports, OpReport.empty())``. Figures are per operation in
    :attr:`by_operation`; the properties (:attr:`totals`, :attr:`by_site`, the breakdowns…)
    give them summed over every operation of the report.

    >>> OpReport.empty().totals.arrests
    0
    """

    roots: frozenset[str] = frozenset()
    """The operation(s) the report was asked for (several once reports are added)."""
    operations: Mapping[str, OperationInfo] = attrs.field(factory=_empty)
    """Every operation in the report: the roots and their children."""
    zones: frozenset[str] = frozenset()
    """Time zones hours are bucketed in (one, unless reports of different zones were added)."""
    period: Period | None = None
    """The window asked for, else the root operation's start and end; ``None`` when empty."""
    sites: frozenset[str] | None = frozenset()
    """The site filter: ``None`` for every site, else the sites (or :data:`NO_SITE`) kept."""
    by_operation: Mapping[str, Rollup] = attrs.field(factory=_empty)
    """op_id → the figures of that operation's own events."""
    rollup: Rollup = attrs.field(init=False, eq=False, repr=False)
    """The figures of every operation together."""

    def __attrs_post_init__(self) -> None:
        total = Rollup()
        for op_id in sorted(self.by_operation):
            total = total + self.by_operation[op_id]
        object.__setattr__(self, "rollup", total)

    @classmethod
    def empty(cls) -> OpReport:
        """The identity of ``+``: a report of no events."""
        return cls()

    def __add__(self, other: OpReport) -> OpReport:
        if not isinstance(other, OpReport):
            return NotImplemented
        operations = dict(self.operations)
        for op_id, info in other.operations.items():
            mine = operations.get(op_id)
            operations[op_id] = info if mine is None else min(mine, info, key=OperationInfo._key)
        if self.period is None or other.period is None:
            period = self.period or other.period
        else:
            period = self.period | other.period
        if self.sites is None or other.sites is None:
            sites = None
        else:
            sites = self.sites | other.sites
        by_operation = dict(self.by_operation)
        for op_id, rollup in other.by_operation.items():
            mine_r = by_operation.get(op_id)
            by_operation[op_id] = rollup if mine_r is None else mine_r + rollup
        return OpReport(
            roots=self.roots | other.roots,
            operations=MappingProxyType(operations),
            zones=self.zones | other.zones,
            period=period,
            sites=sites,
            by_operation=MappingProxyType(by_operation),
        )

    # -- what the report is about --------------------------------------------------------

    @property
    def op_id(self) -> str | None:
        """The operation asked for, or ``None`` for an empty or a combined report."""
        return next(iter(self.roots)) if len(self.roots) == 1 else None

    @property
    def name(self) -> str | None:
        """The name of :attr:`op_id`'s operation."""
        op_id = self.op_id
        return self.operations[op_id].name if op_id is not None else None

    @property
    def timezone(self) -> str | None:
        """The IANA zone hours are bucketed in (``None`` when empty or mixed)."""
        return next(iter(self.zones)) if len(self.zones) == 1 else None

    @property
    def children(self) -> tuple[str, ...]:
        """The operations included below the root(s), sorted."""
        return tuple(sorted(set(self.operations) - self.roots))

    # -- the figures ---------------------------------------------------------------------

    @property
    def totals(self) -> Tally:
        """Every total, over every operation of the report."""
        return self.rollup.totals

    @property
    def rates(self) -> dict[str, Rate]:
        """Every rate, from the summed counts (never an average of rates)."""
        return self.rollup.totals.rates

    @property
    def by_site(self) -> dict[str, Tally]:
        """Site id → totals, in the operations' site order; :data:`NO_SITE` last."""
        order = _order([s for info in self._ordered_ops() for s, _ in info.sites], NO_SITE)
        return _ordered(self.rollup.by_site, order)

    @property
    def by_hour(self) -> dict[str, Tally]:
        """Local hour (``2020-10-25T01:00+01:00``) → totals, in time order."""
        return {k: self.rollup.by_hour[k] for k in sorted(self.rollup.by_hour, key=_hour_order)}

    @property
    def arrests_by_category(self) -> dict[str, int]:
        """Arrests by their primary offence's category (``unknown`` when not recorded)."""
        return self.rollup.arrests_by_category

    @property
    def arrests_by_group(self) -> dict[str, int]:
        """Arrests by their primary offence's headline group."""
        return self.rollup.arrests_by_group

    def breakdowns(self) -> dict[str, dict[str, Any]]:
        """Every breakdown map (disposals, offences by code, seizures by item, …) by its
        ``to_dict()`` key."""
        return self.rollup.breakdowns()

    def _ordered_ops(self) -> list[OperationInfo]:
        """Operations depth first: each root (by name) followed by its descendants."""
        infos = self.operations
        kids: dict[str | None, list[str]] = {}
        for op_id, info in infos.items():
            parent = info.parent_op_id if info.parent_op_id in infos else None
            if op_id in self.roots:
                parent = None
            kids.setdefault(parent, []).append(op_id)
        out: list[OperationInfo] = []

        def walk(parent: str | None) -> None:
            for op_id in sorted(kids.get(parent, ()), key=lambda o: (infos[o].name, o)):
                out.append(infos[op_id])
                walk(op_id)

        walk(None)
        return out

    # -- renderings ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (schema in ``docs/reports.md``). No plates, no people.

        ``totals`` always has every key of :data:`TOTALS_KEYS`; breakdown maps leave out
        zero counts.
        """
        zone = ZoneInfo(self.timezone) if self.timezone else UTC
        rollup = self.rollup
        period = self.period or Period(None, None)
        ops = self._ordered_ops()
        return {
            "report_version": REPORT_VERSION,
            "op_id": self.op_id,
            "name": self.name,
            "timezone": self.timezone,
            "period": {"start": _local(period.start, zone), "end": _local(period.end, zone)},
            "site_filter": None if self.sites is None else sorted(self.sites),
            "children": list(self.children),
            "totals": rollup.totals.to_dict(),
            **rollup.breakdowns(),
            "by_site": {k: v.to_dict() for k, v in self.by_site.items()},
            "by_hour": {k: v.to_dict() for k, v in self.by_hour.items()},
            "by_operation": {
                info.op_id: self.by_operation.get(info.op_id, Rollup()).totals.to_dict()
                for info in ops
            },
            "rates": {name: rate.to_dict() for name, rate in self.rates.items()},
            "operations": {
                info.op_id: {
                    "name": info.name,
                    "parent_op_id": info.parent_op_id,
                    "timezone": info.timezone,
                    "sites": dict(info.sites),
                }
                for info in ops
            },
        }

    def to_text(
        self, *, numbers: Literal["figures", "words"] = "figures", activity: bool = False
    ) -> str:
        """The end-of-day summary, in sentences, generated from the figures.

        The lead sentence gives the root operation's own results (wanted offenders arrested,
        arrests by group, sweeps, weapons recovered, seizures, patrols); each child operation
        then gets a sentence of its own (``Op Kaiser (Vauxhall, …): a further 8 arrests, for
        …``). ``activity=True`` adds the ANPR hits, vehicles stopped and searches to each
        sentence (they are always told for an operation with no results).
        ``numbers="figures"`` writes every count in figures; ``"words"`` writes one to nine in
        words and larger counts in figures. Never shows a plate or a person.
        """
        return _render_text(self, _Numbers(numbers), activity)


def _local(value: datetime | None, zone: ZoneInfo | Any) -> str | None:
    return value.astimezone(zone).isoformat() if value is not None else None


def _hour_order(label: str) -> tuple[datetime, str]:
    return (datetime.fromisoformat(label), label)


# --------------------------------------------------------------------------- hours


def _format_offset(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes, secs = divmod(abs(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return text + (f":{secs:02d}" if secs else "")


def _hour_label(index: int, offset: int) -> str:
    """The label of local hour number ``index`` (hours since 0001-01-01T00:00) at ``offset``."""
    local = datetime(1, 1, 1) + timedelta(hours=index)
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:00"
        + _format_offset(offset)
    )


def _offset_at(zone: ZoneInfo, epoch: int) -> int:
    offset = datetime.fromtimestamp(epoch, zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return int(offset.total_seconds())


def _hour_of(moment: datetime, zone: ZoneInfo) -> str:
    """The local-hour label of an aware datetime (the same rule the SQL applies)."""
    epoch = int(moment.timestamp() // 1)
    offset = _offset_at(zone, epoch)
    return _hour_label((epoch + offset + _EPOCH_SHIFT) // 3600, offset)


_SCAN_STEP: Final = 6 * 3600


def _offset_spans(zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int]]:
    """``[(from_epoch, utc_offset_seconds), …]``: the zone's offsets from ``lo`` to ``hi``.

    Scans in six-hour steps and bisects each change to the second, so every transition of
    the zone's rules between ``lo`` and ``hi`` is found (save two within six hours).
    """
    spans = [(lo, _offset_at(zone, lo))]
    t = lo
    while t < hi:
        nxt = min(t + _SCAN_STEP, hi)
        current = spans[-1][1]
        if _offset_at(zone, nxt) == current:
            t = nxt
            continue
        a, b = t, nxt
        while b - a > 1:
            mid = (a + b) // 2
            if _offset_at(zone, mid) == current:
                a = mid
            else:
                b = mid
        spans.append((b, _offset_at(zone, b)))
        t = b
    return spans


def _offset_sql(spans: Sequence[tuple[int, int]], epoch: str) -> str:
    if len(spans) == 1:
        return str(spans[0][1])
    whens = " ".join(
        f"WHEN {epoch} < {start} THEN {previous}"
        for (start, _), (_, previous) in zip(spans[1:], spans[:-1], strict=True)
    )
    return f"(CASE {whens} ELSE {spans[-1][1]} END)"


# --------------------------------------------------------------------------- SQL


def _time_key_sql(column: str) -> str:
    # occurred_at is "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", which does not sort as text when
    # fractions are present ('.' < 'Z'); this key does.
    return (
        f"(substr({column}, 1, 19) || CASE WHEN length({column}) > 20 "
        f"THEN substr({column}, 20, 7) ELSE '.000000' END)"
    )


def _time_key(moment: datetime) -> str:
    text = format_utc(moment)
    return text[:19] + (text[19:26] if len(text) > 20 else ".000000")


_EPOCH_SQL: Final = "CAST(strftime('%s', substr(x.occurred_at, 1, 19)) AS INTEGER)"

_ARREST_FOR_SEARCH: Final = (
    "EXISTS (SELECT 1 FROM outcomes o WHERE o.search_id = x.event_id AND o.disposal = 'arrest')"
)
_POSITIVE_FOR_SEARCH: Final = (
    "EXISTS (SELECT 1 FROM outcomes o WHERE o.search_id = x.event_id "
    "AND o.disposal <> 'no_further_action')"
)
_ARREST_FOR_ENQUIRY: Final = (
    "EXISTS (SELECT 1 FROM outcomes o WHERE o.enquiry_id = x.event_id AND o.disposal = 'arrest')"
)


@attrs.frozen
class _Source:
    """A per-kind table as ``x``, the joins that find its site, and the site expression."""

    table: str
    joins: str = ""
    site: str = "x.site_id"


_KINDS: Final = {
    "anpr_hits": _Source("anpr_hits"),
    "vehicle_stops": _Source("vehicle_stops"),
    "searches": _Source(
        "searches",
        "LEFT JOIN vehicle_stops xs ON xs.event_id = x.stop_id",
        "coalesce(x.site_id, xs.site_id)",
    ),
    "outcomes": _Source(
        "outcomes",
        "LEFT JOIN searches xq ON xq.event_id = x.search_id "
        "LEFT JOIN vehicle_stops xqs ON xqs.event_id = xq.stop_id "
        "LEFT JOIN vehicle_stops xs ON xs.event_id = x.stop_id",
        "coalesce(xq.site_id, xqs.site_id, xs.site_id)",
    ),
    "seizures": _Source(
        "seizures",
        "LEFT JOIN searches xq ON xq.event_id = x.search_id "
        "LEFT JOIN vehicle_stops xqs ON xqs.event_id = xq.stop_id "
        "LEFT JOIN vehicle_stops xs ON xs.event_id = x.stop_id "
        "LEFT JOIN weapon_sweeps xw ON xw.event_id = x.sweep_id",
        "coalesce(x.site_id, xq.site_id, xqs.site_id, xs.site_id, xw.site_id)",
    ),
    "weapon_sweeps": _Source("weapon_sweeps"),
    "arrest_enquiries": _Source("arrest_enquiries", site="NULL"),
    "patrols": _Source("patrols"),
}

# kind table -> the Tally fields its tally query fills, with the SQL of each row's value
_MEASURES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "anpr_hits": (
        ("anpr_hits", "1"),
        ("hits_with_stop", "EXISTS (SELECT 1 FROM vehicle_stops v WHERE v.hit_id = x.event_id)"),
    ),
    "vehicle_stops": (
        ("vehicle_stops", "1"),
        ("hit_led_stops", "x.hit_id IS NOT NULL"),
        ("stops_with_search", "EXISTS (SELECT 1 FROM searches s WHERE s.stop_id = x.event_id)"),
    ),
    "searches": (
        ("searches", "1"),
        ("searches_with_arrest", _ARREST_FOR_SEARCH),
        ("searches_with_positive_outcome", _POSITIVE_FOR_SEARCH),
        ("searches_linked", "x.outcome_linked_to_object IS 1"),
        ("searches_linked_known", "x.outcome_linked_to_object IS NOT NULL"),
    ),
    "outcomes": (
        ("outcomes", "1"),
        ("arrests", "x.disposal = 'arrest'"),
        ("offences", "(SELECT count(*) FROM outcome_offences c WHERE c.seq = x.seq)"),
    ),
    "seizures": (("seizures", "1"),),
    "weapon_sweeps": (("weapon_sweeps", "1"),),
    "arrest_enquiries": (
        ("arrest_enquiries", "1"),
        ("wanted_located", "x.located"),
        ("wanted_arrested", _ARREST_FOR_ENQUIRY),
        ("high_harm_arrested", f"x.high_harm AND {_ARREST_FOR_ENQUIRY}"),
    ),
    "patrols": (("patrols", "1"),),
}


class _Scope:
    """The filter of one report, and the SQL that applies it to a per-kind table."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        op_ids: Sequence[str],
        site: str | None,
        start: datetime | None,
        end: datetime | None,
    ) -> None:
        self.conn = conn
        self.op_ids = list(op_ids)
        self.site = site
        self.start = _time_key(start) if start is not None else None
        self.end = _time_key(end) if end is not None else None
        self.offset_sql = "0"

    def where(self, kind: str, alias: str = "x") -> tuple[str, list[Any]]:
        marks = ",".join("?" * len(self.op_ids))
        clauses = [f"{alias}.op_id IN ({marks})"]
        params: list[Any] = list(self.op_ids)
        key = _time_key_sql(f"{alias}.occurred_at")
        if self.start is not None:
            clauses.append(f"{key} >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append(f"{key} < ?")
            params.append(self.end)
        if self.site is not None and alias == "x":
            clauses.append(f"coalesce({_KINDS[kind].site}, '{NO_SITE}') = ?")
            params.append(self.site)
        return " AND ".join(clauses), params

    def from_(self, kind: str, *, with_site: bool, on: str = "") -> str:
        """``kind``'s table as ``x`` (``ON on`` when it is joined to another), and the joins
        that find its site when they are needed."""
        source = _KINDS[kind]
        joins = source.joins if (with_site or self.site is not None) else ""
        condition = f"ON {on} " if on else ""
        return f"{source.table} x {condition}{joins}"

    def rows(
        self, kind: str, columns: str, group: str = "", *, with_site: bool = False, extra: str = ""
    ) -> Iterator[tuple[Any, ...]]:
        """``SELECT columns FROM kind x … WHERE <scope> [AND extra] [GROUP BY group]``."""
        where, params = self.where(kind)
        sql = f"SELECT {columns} FROM {self.from_(kind, with_site=with_site)} WHERE {where}"
        if extra:
            sql += f" AND {extra}"
        if group:
            sql += f" GROUP BY {group}"
        yield from self.conn.execute(sql, params)

    def time_range(self) -> tuple[int, int] | None:
        """The first and last second (UTC epoch) of any event in the operations' tables."""
        marks = ",".join("?" * len(self.op_ids))
        parts = [
            f"SELECT min(substr(occurred_at, 1, 19)), max(substr(occurred_at, 1, 19)) "
            f"FROM {table} WHERE op_id IN ({marks})"
            for table in (*_KINDS, "corrections")
        ]
        lows: list[str] = []
        highs: list[str] = []
        for part in parts:
            low, high = self.conn.execute(part, self.op_ids).fetchone()
            if low is not None:
                lows.append(low)
                highs.append(high)
        if not lows:
            return None
        return _epoch(min(lows)), _epoch(max(highs)) + 1

    def tally_rows(self, kind: str) -> Iterator[tuple[Any, ...]]:
        """(op_id, site, hour label, {field: count}) per operation, site and local hour."""
        measures = _MEASURES[kind]
        inner_cols = ", ".join(f"({sql}) AS m{i}" for i, (_, sql) in enumerate(measures))
        sums = ", ".join(f"sum(m{i})" for i in range(len(measures)))
        where, params = self.where(kind)
        source = _KINDS[kind]
        sql = (
            f"SELECT op_id, site, (e + off + {_EPOCH_SHIFT}) / 3600 AS h, off, {sums} FROM ("
            f"SELECT *, {self.offset_sql} AS off FROM ("
            f"SELECT x.op_id AS op_id, coalesce({source.site}, '{NO_SITE}') AS site, "
            f"{_EPOCH_SQL} AS e, {inner_cols} "
            f"FROM {self.from_(kind, with_site=True)} WHERE {where})) "
            "GROUP BY op_id, site, h, off"
        )
        names = [name for name, _ in measures]
        for op_id, site, hour, offset, *counts in self.conn.execute(sql, params):
            yield op_id, site, _hour_label(hour, offset), dict(zip(names, counts, strict=True))

    def arrested_people(self) -> Iterator[tuple[str, str, str, str]]:
        """(op_id, site, hour label, subject_ref) of every arrest, once per bucket."""
        where, params = self.where("outcomes")
        sql = (
            f"SELECT DISTINCT op_id, site, (e + off + {_EPOCH_SHIFT}) / 3600, off, subject_ref "
            f"FROM (SELECT *, {self.offset_sql} AS off FROM ("
            f"SELECT x.op_id AS op_id, coalesce({_KINDS['outcomes'].site}, '{NO_SITE}') AS site, "
            f"{_EPOCH_SQL} AS e, x.subject_ref AS subject_ref "
            f"FROM {self.from_('outcomes', with_site=True)} "
            f"WHERE {where} AND x.disposal = 'arrest'))"
        )
        for op_id, site, hour, offset, subject_ref in self.conn.execute(sql, params):
            yield op_id, site, _hour_label(hour, offset), subject_ref


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def _person(subject_ref: str) -> str:
    """A one-way digest of a subject reference: lets reports count distinct people, and add
    up, without holding the reference itself."""
    digest = hashlib.blake2b(
        subject_ref.encode("utf-8"), digest_size=16, person=b"anpr_ops.subject"
    )
    return digest.hexdigest()


_TALLY_FIELDS: Final = frozenset({"totals", "by_site", "by_hour"})


class _Builder:
    """Collects the query results of one operation, then freezes them into a Rollup."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str], dict[str, int]] = {}
        self.people: dict[tuple[str, str], set[str]] = {}
        self.maps: dict[str, dict[Any, Any]] = {
            f.name: {} for f in attrs.fields(Rollup) if f.name not in _TALLY_FIELDS
        }

    def count(self, cell: tuple[str, str], counts: Mapping[str, int]) -> None:
        into = self.cells.setdefault(cell, {})
        for name, n in counts.items():
            into[name] = into.get(name, 0) + int(n)

    def add(self, breakdown: str, key: Any, n: int | SearchCounts) -> None:
        into = self.maps[breakdown]
        into[key] = into[key] + n if key in into else n

    def build(self) -> Rollup:
        by_site: dict[str, Tally] = {}
        by_hour: dict[str, Tally] = {}
        totals = _ZERO
        for cell in self.cells.keys() | self.people.keys():
            people = frozenset(_person(ref) for ref in self.people.get(cell, ()))
            tally = attrs.evolve(_ZERO, **self.cells.get(cell, {}), people=people)
            site, hour = cell
            by_site[site] = by_site[site] + tally if site in by_site else tally
            by_hour[hour] = by_hour[hour] + tally if hour in by_hour else tally
            totals = totals + tally
        maps = {name: _frozen(values) for name, values in self.maps.items()}
        return Rollup(totals=totals, by_site=_frozen(by_site), by_hour=_frozen(by_hour), **maps)


def build_report(
    conn: sqlite3.Connection,
    op_id: str,
    *,
    include_children: bool = True,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> OpReport:
    """The report of ``op_id`` from an open log connection; see :meth:`OpLog.report`.

    Runs every query on ``conn`` as it is: call it inside one read transaction so that the
    figures come from one snapshot of the log.
    """
    _check_window(start, end)
    ops = _operations(conn, op_id, include_children=include_children)
    root = ops[0]
    if site is not None:
        known = {s for info in ops for s, _ in info.sites}
        if site not in known and site != NO_SITE:
            listed = ", ".join(sorted(known)) or "none"
            message = (
                f"site {site!r} is not a site of operation {op_id!r}"
                f"{' or its children' if len(ops) > 1 else ''} (its sites: {listed}; "
                f"{NO_SITE} selects events with no site)"
            )
            raise ReportError(message, code="unknown_site")
    zone = ZoneInfo(root.timezone)
    scope = _Scope(conn, [info.op_id for info in ops], site, start, end)
    span = scope.time_range()
    if span is not None:
        scope.offset_sql = _offset_sql(_offset_spans(zone, *span), "e")
    builders = {info.op_id: _Builder() for info in ops}

    for kind in _MEASURES:
        for row_op, row_site, hour, counts in scope.tally_rows(kind):
            builders[row_op].count((row_site, hour), counts)
    for row_op, row_site, hour, subject_ref in scope.arrested_people():
        builders[row_op].people.setdefault((row_site, hour), set()).add(subject_ref)
    _corrections(scope, zone, builders)
    _breakdowns(scope, builders)

    if start is not None or end is not None:
        period = Period(start, end)
    else:
        period = Period(root.starts_at, root.ends_at)
    return OpReport(
        roots=frozenset({op_id}),
        operations=MappingProxyType({info.op_id: info for info in ops}),
        zones=frozenset({root.timezone}),
        period=period,
        sites=None if site is None else frozenset({site}),
        by_operation=MappingProxyType({k: b.build() for k, b in builders.items()}),
    )


def _check_window(start: datetime | None, end: datetime | None) -> None:
    for name, value in (("start", start), ("end", end)):
        if value is None:
            continue
        if not isinstance(value, datetime):
            kind = type(value).__name__
            message = f"report {name} must be a datetime with a UTC offset, not {kind}"
            raise ReportError(message, code="not_a_datetime")
        if value.tzinfo is None or value.utcoffset() is None:
            message = (
                f"report {name} {value.isoformat()} has no UTC offset; give an aware datetime "
                "(e.g. datetime(2020, 4, 18, 8, tzinfo=ZoneInfo('Europe/London')))"
            )
            raise ReportError(message, code="naive_datetime")
    if start is not None and end is not None and end < start:
        message = f"report end {end.isoformat()} is before its start {start.isoformat()}"
        raise ReportError(message, code="end_before_start")


def _operations(
    conn: sqlite3.Connection, op_id: str, *, include_children: bool
) -> list[OperationInfo]:
    """The operation ``op_id`` first, then (with children) every operation below it."""
    if include_children:
        rows = conn.execute(
            "WITH RECURSIVE tree(op_id) AS (SELECT ? UNION "
            "SELECT o.op_id FROM operations o JOIN tree t ON o.parent_op_id = t.op_id) "
            "SELECT o.op_id, o.name, o.timezone, o.parent_op_id, o.starts_at, o.ends_at, o.seq "
            "FROM operations o JOIN tree t ON t.op_id = o.op_id ORDER BY o.op_id",
            (op_id,),
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT op_id, name, timezone, parent_op_id, starts_at, ends_at, seq "
            "FROM operations WHERE op_id = ?",
            (op_id,),
        ).fetchall()
    if not any(row[0] == op_id for row in rows):
        raise EventNotFoundError(f"no operation {op_id!r} in the log")
    sites: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        # The sites table does not keep the operation's order of sites; its current version
        # (the last replacement, if any) does.
        body = json.loads(_last_version(conn, row[6]))
        sites[row[0]] = [(s["site_id"], s["name"]) for s in body.get("sites", ())]
    infos = [
        OperationInfo(
            op_id=row_op,
            name=name,
            timezone=tz,
            parent_op_id=parent,
            sites=tuple(sites.get(row_op, ())),
            starts_at=_parse_utc(starts),
            ends_at=_parse_utc(ends) if ends else None,
        )
        for row_op, name, tz, parent, starts, ends, _ in rows
    ]
    infos.sort(key=lambda info: (info.op_id != op_id, info.op_id))
    return infos


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _corrections(scope: _Scope, zone: ZoneInfo, builders: Mapping[str, _Builder]) -> None:
    """Count correction events: at their own time, at the site of the event they correct.

    Corrections are few (they are not the bulk of a log), so their sites are resolved one
    target at a time, through the target's last version even when it was retracted.
    """
    where, params = scope.where("corrections", alias="c")
    rows = scope.conn.execute(
        f"SELECT c.op_id, c.occurred_at, c.target_seq FROM corrections c WHERE {where}", params
    ).fetchall()
    sites = _LastSites(scope.conn)
    for op_id, occurred_at, target_seq in rows:
        site = sites.site_of(target_seq) or NO_SITE
        if scope.site is not None and site != scope.site:
            continue
        hour = _hour_of(_parse_utc(occurred_at), zone)
        builders[op_id].count((site, hour), {"corrections": 1})


def _last_version(conn: sqlite3.Connection, seq: int) -> str:
    """The JSON of the event stored at ``seq`` as last recorded: its latest replacement, or
    itself; for a retracted event, the version that was retracted."""
    (text,) = conn.execute(
        "SELECT coalesce((SELECT json_extract(b.body, '$.replacement') FROM corrections k "
        "JOIN events b ON b.seq = k.seq WHERE k.target_seq = ?1 AND k.action = 'replace' "
        "ORDER BY k.seq DESC LIMIT 1), (SELECT body FROM events WHERE seq = ?1))",
        (seq,),
    ).fetchone()
    return str(text)


class _LastSites:
    """The site of an event as last recorded (its replacement's, or as it was retracted)."""

    _REFS: Final = ("search_id", "stop_id", "sweep_id")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.cache: dict[int, str | None] = {}

    def site_of(self, seq: int) -> str | None:
        if seq in self.cache:
            return self.cache[seq]
        body = json.loads(_last_version(self.conn, seq))
        site = body.get("site_id") if body.get("kind") != "operation" else None
        if site is None:
            for field in self._REFS:
                ref = body.get(field)
                if ref is None:
                    continue
                row = self.conn.execute(
                    "SELECT seq FROM events WHERE event_id = ?", (ref,)
                ).fetchone()
                if row is not None:
                    site = self.site_of(row[0])
                break
        self.cache[seq] = site
        return site


_SOURCE_SQL: Final = (
    "CASE WHEN x.search_id IS NOT NULL THEN 'search' WHEN x.stop_id IS NOT NULL THEN 'stop' "
    "WHEN x.enquiry_id IS NOT NULL THEN 'enquiry' ELSE 'none' END"
)


def _breakdowns(scope: _Scope, builders: Mapping[str, _Builder]) -> None:
    """One GROUP BY pass per breakdown (or family of breakdowns of one table)."""
    for op_id, disposal, category, source, n in scope.rows(
        "outcomes",
        f"x.op_id, x.disposal, coalesce(x.primary_category, '{UNKNOWN}'), {_SOURCE_SQL}, count(*)",
        "1, 2, 3, 4",
    ):
        b = builders[op_id]
        b.add("disposals", disposal, n)
        if disposal == Disposal.ARREST:
            b.add("arrests", (category, source), n)

    where, params = scope.where("outcomes")
    for op_id, code, category, n in scope.conn.execute(
        "SELECT x.op_id, c.code, c.category, count(*) FROM outcome_offences c "
        f"JOIN {scope.from_('outcomes', with_site=False, on='x.seq = c.seq')} "
        f"WHERE {where} GROUP BY 1, 2, 3",
        params,
    ):
        builders[op_id].add("offences", (code, category), n)

    where, params = scope.where("anpr_hits")
    for op_id, reason, n in scope.conn.execute(
        "SELECT x.op_id, r.reason, count(*) FROM anpr_hit_reasons r "
        f"JOIN {scope.from_('anpr_hits', with_site=False, on='x.seq = r.seq')} "
        f"WHERE {where} GROUP BY 1, 2",
        params,
    ):
        builders[op_id].add("hits_by_reason", reason, n)
    for op_id, hotlist, n in scope.rows("anpr_hits", "x.op_id, x.hotlist, count(*)", "1, 2"):
        builders[op_id].add("hits_by_hotlist", hotlist, n)

    for op_id, legislation, obj, search_type, ethnicity, *counts in scope.rows(
        "searches",
        "x.op_id, x.legislation, x.object_of_search, x.search_type, "
        f"coalesce(x.self_defined_ethnicity, '{NOT_RECORDED}'), count(*), "
        f"sum({_ARREST_FOR_SEARCH}), sum({_POSITIVE_FOR_SEARCH}), "
        "sum(x.outcome_linked_to_object IS 1), sum(x.outcome_linked_to_object IS NOT NULL)",
        "1, 2, 3, 4, 5",
    ):
        b = builders[op_id]
        b.add("searches_by_legislation", legislation, counts[0])
        b.add("searches_by_object", obj, counts[0])
        b.add("searches_by_type", search_type, counts[0])
        b.add("searches_by_ethnicity", ethnicity, SearchCounts(*counts))

    for op_id, item, drug_class, weapon_type, n in scope.rows(
        "seizures",
        f"x.op_id, x.item, coalesce(x.drug_class, '{UNKNOWN}'), "
        f"coalesce(x.weapon_type, '{UNKNOWN}'), count(*)",
        "1, 2, 3, 4",
    ):
        b = builders[op_id]
        b.add("seizures_by_item", item, n)
        if item == SeizureItem.CONTROLLED_DRUG:
            b.add("drug_seizures_by_class", drug_class, n)
        elif item == SeizureItem.WEAPON:
            b.add("weapons_by_type", weapon_type, n)

    for op_id, high_harm, category, underlying, n in scope.rows(
        "arrest_enquiries",
        "x.op_id, x.high_harm, coalesce((SELECT w.category FROM arrest_enquiry_offences w "
        f"WHERE w.seq = x.seq AND w.position = 0), '{UNKNOWN}'), "
        f"coalesce(x.underlying_offence_category, '{UNKNOWN}'), count(*)",
        "1, 2, 3, 4",
        extra=_ARREST_FOR_ENQUIRY,
    ):
        builders[op_id].add("wanted", (bool(high_harm), category, underlying), n)


# --------------------------------------------------------------------------- text


class _Numbers:
    """Counts in figures, or one to nine in words and larger counts in figures."""

    _WORDS: Final = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

    def __init__(self, style: str) -> None:
        if style not in {"figures", "words"}:
            message = f"numbers must be 'figures' or 'words', not {style!r}"
            raise ReportError(message, code="bad_number_style")
        self.words = style == "words"

    def number(self, n: int) -> str:
        """``n`` in the chosen style."""
        return self._WORDS[n] if self.words and 0 <= n < 10 else str(n)

    def __call__(self, n: int, singular: str, plural: str | None = None) -> str:
        noun = singular if n == 1 else (plural or singular + "s")
        return f"{self.number(n)} {noun}"


#: How each offence category reads in a sentence ("… arrests, for drug driving, …").
CATEGORY_PHRASES: Final[Mapping[str, str]] = {
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

#: How each headline group reads ("12 arrests for drug-related offences").
GROUP_PHRASES: Final[Mapping[str, str]] = {
    OffenceGroup.DRUGS: "drug-related offences",
    OffenceGroup.MOTORING: "motoring offences",
    OffenceGroup.VEHICLE_CRIME: "vehicle crime",
    OffenceGroup.WEAPONS: "weapons offences",
    OffenceGroup.BAIL: "failing to appear at court",
    OffenceGroup.VIOLENCE: "violence-related offences",
    OffenceGroup.OTHER: "other offences",
    OffenceGroup.UNKNOWN: "unrecorded offences",
}

_WEAPON_NOUNS: Final = {
    WeaponType.KNIFE: ("knife", "knives"),
    WeaponType.BLADED_ARTICLE: ("bladed article", None),
    WeaponType.FIREARM: ("firearm", None),
    WeaponType.IMITATION_FIREARM: ("imitation firearm", None),
    WeaponType.OFFENSIVE_WEAPON: ("offensive weapon", None),
    WeaponType.OTHER: ("other weapon", None),
    UNKNOWN: ("weapon", None),
}


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _category_list(categories: Iterable[str]) -> list[str]:
    wanted = list(categories)
    phrases = []
    for category in wanted:
        if category == OffenceCategory.NO_INSURANCE and OffenceCategory.NO_LICENCE in wanted:
            continue  # said together with no licence
        if category == OffenceCategory.NO_LICENCE and OffenceCategory.NO_INSURANCE in wanted:
            phrases.append("driving with no licence or insurance")
            continue
        phrases.append(CATEGORY_PHRASES.get(category, category.replace("_", " ")))
    return phrases


def _wanted_clauses(rollup: Rollup, num: _Numbers) -> list[str]:
    clauses = []
    for high_harm in (True, False):
        entries = {k: n for k, n in rollup.wanted.items() if k[0] is high_harm}
        total = sum(entries.values())
        if not total:
            continue
        reasons: list[str] = []
        for _, category, underlying in sorted(
            entries, key=lambda k: (_CATEGORY_ORDER.get(k[1], 99), _CATEGORY_ORDER.get(k[2], 99))
        ):
            if category == UNKNOWN:
                continue
            reason = CATEGORY_PHRASES.get(category, category)
            if underlying != UNKNOWN and underlying != category:
                reason += " for " + GROUP_PHRASES.get(_group_of(underlying), "other offences")
            if reason not in reasons:
                reasons.append(reason)
        label = "high-harm wanted offender" if high_harm else "wanted offender"
        if not high_harm and rollup.totals.high_harm_arrested:
            label = "other wanted offender"
        clause = num(total, label) + " located and arrested"
        if reasons:
            clause += " for " + _join(reasons)
        clauses.append(clause)
    return clauses


def _result_clauses(rollup: Rollup, num: _Numbers) -> list[str]:
    """Sweeps, what was recovered and seized, patrols."""
    totals = rollup.totals
    clauses = []
    if totals.weapon_sweeps:
        clauses.append(num(totals.weapon_sweeps, "weapon sweep"))
    weapons = _ordered(rollup.weapons_by_type, _WEAPON_ORDER)
    if weapons:
        found = [num(n, *_WEAPON_NOUNS.get(kind, ("weapon", None))) for kind, n in weapons.items()]
        clauses.append(_join(found) + " recovered")
    items = rollup.seizures_by_item
    for item, singular, plural in (
        (SeizureItem.CONTROLLED_DRUG, "drug seizure", None),
        (SeizureItem.VEHICLE, "vehicle seized", "vehicles seized"),
        (SeizureItem.CASH, "cash seizure", None),
        (SeizureItem.OTHER, "other seizure", None),
    ):
        if items.get(item):
            clauses.append(num(items[item], singular, plural))
    if totals.patrols:
        clauses.append(num(totals.patrols, "high-visibility patrol"))
    return clauses


def _activity_clauses(rollup: Rollup, num: _Numbers) -> list[str]:
    """The ANPR funnel: hits, stops, searches."""
    totals = rollup.totals
    clauses = []
    if totals.anpr_hits:
        clauses.append(num(totals.anpr_hits, "ANPR hit"))
    if totals.vehicle_stops:
        clauses.append(num(totals.vehicle_stops, "vehicle stopped", "vehicles stopped"))
    if totals.searches:
        clauses.append(num(totals.searches, "search", "searches"))
    return clauses


def _with_activity(clauses: list[str], rollup: Rollup, num: _Numbers, activity: bool) -> list[str]:
    # Without results to tell, the activity is told anyway, so the sentence is never empty
    # while something happened.
    if activity or not clauses:
        clauses += _activity_clauses(rollup, num)
    return clauses


def _lead_sentence(rollup: Rollup, num: _Numbers, activity: bool) -> list[str]:
    """The root operation's own figures, headline style (arrests by group)."""
    clauses = _wanted_clauses(rollup, num)
    groups: dict[str, int] = {}
    for (category, source), n in rollup.arrests.items():
        # Arrests of wanted people are told in the wanted clause already.
        if source != "enquiry" or not rollup.wanted:
            group = _group_of(category)
            groups[group] = groups.get(group, 0) + n
    parts = []
    for i, (group, n) in enumerate(_ordered(groups, _GROUP_ORDER).items()):
        counted = num(n, "arrest") if i == 0 else num.number(n)
        if group == OffenceGroup.UNKNOWN:
            parts.append(f"{counted} with no offence recorded")
        else:
            parts.append(f"{counted} for {GROUP_PHRASES.get(group, group)}")
    if parts:
        clauses.append(_join(parts))
    clauses += _result_clauses(rollup, num)
    return _with_activity(clauses, rollup, num, activity)


def _further_sentence(rollup: Rollup, num: _Numbers, *, further: bool, activity: bool) -> list[str]:
    """A child operation's figures: its arrests with their kinds of offence, then results."""
    clauses = []
    arrests = rollup.totals.arrests
    if arrests:
        if further and arrests > 1:
            text = f"a further {num(arrests, 'arrest')}"
        elif further:
            text = num(1, "further arrest")
        else:
            text = num(arrests, "arrest")
        kinds = _category_list(rollup.arrests_by_category)
        if kinds:
            text += ", for " + _join(kinds)
        clauses.append(text)
    clauses += _result_clauses(rollup, num)
    return _with_activity(clauses, rollup, num, activity)


def _sentence(clauses: Sequence[str], prefix: str = "") -> str:
    body = "; ".join(clauses) if clauses else "nothing recorded"  # an operation with no events
    text = f"{prefix}{body}."
    return text[0].upper() + text[1:]


def _render_text(report: OpReport, num: _Numbers, activity: bool) -> str:
    ops = report._ordered_ops()
    if not ops:
        return "No activity recorded."
    sentences = []
    arrests_said = False
    single = len(report.roots) == 1
    for info in ops:
        rollup = report.by_operation.get(info.op_id, Rollup())
        is_root = info.op_id in report.roots
        if is_root and single:
            clauses = _lead_sentence(rollup, num, activity)
            if clauses or len(ops) == 1:
                sentences.append(_sentence(clauses))
        else:
            clauses = _further_sentence(rollup, num, further=arrests_said, activity=activity)
            sites = ", ".join(name for _, name in info.sites)
            prefix = f"{info.name} ({sites}): " if sites else f"{info.name}: "
            sentences.append(_sentence(clauses, prefix))
        arrests_said = arrests_said or bool(rollup.totals.arrests)
    corrections = report.totals.corrections
    if corrections:
        sentences.append(f"These figures reflect {num(corrections, 'correction')} to the record.")
    return " ".join(sentences)
