"""The figures of a report as values: counts that add up, rates as two counts, breakdowns.

:class:`Tally` holds the totals of a set of events, :class:`Rollup` every figure of it (totals,
breakdowns, and totals by site and by local hour). Both add up (``a + b``) exactly as the sets
of events they count unite: a commutative monoid whose identity is the empty value. Zero counts
are not kept in the breakdown maps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from operator import add, attrgetter
from types import MappingProxyType
from typing import Any, Final, TypeVar

import attrs

from anpr_ops.offences import CATEGORY_GROUP, OffenceCategory, OffenceGroup
from anpr_ops.store import _bitsets as bitsets
from anpr_ops.store._bitsets import bitmap
from anpr_ops.store._contrib import NO_SITE, NOT_RECORDED, UNKNOWN
from anpr_ops.store._rollups import damaged
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
    "CATEGORY_ORDER",
    "COUNT_FIELDS",
    "GROUP_ORDER",
    "NOT_RECORDED",
    "NO_SITE",
    "RATE_NAMES",
    "REPORT_VERSION",
    "TOTALS_KEYS",
    "UNKNOWN",
    "WEAPON_ORDER",
    "ZERO",
    "People",
    "Rate",
    "Rollup",
    "SearchCounts",
    "Tally",
    "empty_map",
    "frozen_map",
    "group_of",
    "order",
    "ordered",
    "tally_of",
]

#: Version of the ``to_dict()`` schema (``report_version`` in the output).
REPORT_VERSION: Final = 1

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
    "hit_stop_search_rate": ("hit_led_stops_searched", "hit_led_stops"),
    "hit_stop_positive_rate": ("hit_led_stops_positive", "hit_led_stops"),
    "hit_stop_arrest_rate": ("hit_led_stops_arrested", "hit_led_stops"),
}
#: The names of the rates, in the order ``to_dict()`` lists them.
RATE_NAMES: Final = tuple(_RATES)


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


class People:
    """Distinct people, for counting them once when figures are added: for each log (the first
    16 characters of its id), a bitmap of the log's numbers for the people (bit ``n`` is set
    for person ``n``). People are the same person only within one log. Immutable.

    >>> a, b = People.of("log-1", [1, 5]), People.of("log-1", [5, 9])
    >>> len(a | b), len(a | People.of("log-2", [1]))
    (3, 3)
    """

    __slots__ = ("_later", "_logs")

    _logs: tuple[tuple[str, int], ...] | None
    _later: tuple[str, int, Callable[[], int]] | None

    def __init__(self, logs: tuple[tuple[str, int], ...] = ()) -> None:
        _set(self, "_logs", logs)
        _set(self, "_later", None)

    @classmethod
    def of(cls, log: str, numbers: Iterable[int]) -> People:
        """The people of log ``log`` (its id or the key of it) with these numbers."""
        return cls.from_bitmap(log, bitmap(numbers))

    @classmethod
    def from_bitmap(cls, log: str, bits: int) -> People:
        """The people whose bits are set in ``bits``, in log ``log``."""
        return cls(((log[:16], bits),)) if bits else NOBODY

    @classmethod
    def deferred(cls, log: str, count: int, build: Callable[[], int]) -> People:
        """``count`` people of log ``log``, whose bitmap ``build()`` makes when it is needed
        (to unite them with others, or to compare them): a report counts people it never
        unites without building their bitmaps. ``build`` raising ``ValueError`` means damaged
        rollups (a :class:`~anpr_ops.errors.StorageError`, ``code="damaged_rollups"``)."""
        if not count:
            return NOBODY
        people = cls.__new__(cls)
        _set(people, "_logs", None)
        _set(people, "_later", (log[:16], count, build))
        return people

    @classmethod
    def from_stored(cls, log: str, stored: bytes) -> People:
        """The people of a set as the rollups store it (:mod:`anpr_ops.store._bitsets`), in
        log ``log``, counted from its first bytes and decoded when needed (see
        :meth:`deferred`). Bytes the library cannot have stored are a
        :class:`~anpr_ops.errors.StorageError` (``code="damaged_rollups"``), now or then."""
        return cls.deferred(
            log, _damage_said(bitsets.count, stored), partial(bitsets.decode, stored)
        )

    @property
    def logs(self) -> tuple[tuple[str, int], ...]:
        """``(log key, bitmap)`` pairs, sorted by log key, no empty bitmap."""
        if self._logs is None:
            assert self._later is not None
            log, _, build = self._later
            _set(self, "_logs", ((log, _damage_said(build)),))  # the same people, decoded
        assert self._logs is not None
        return self._logs

    def __or__(self, other: People) -> People:
        if not isinstance(other, People):
            return NotImplemented
        if not other:
            return self
        if not self:
            return other
        mine, theirs = self.logs, other.logs
        if len(mine) == 1 and len(theirs) == 1 and mine[0][0] == theirs[0][0]:
            return People(((mine[0][0], mine[0][1] | theirs[0][1]),))
        merged = dict(mine)
        for log, bits in theirs:
            merged[log] = merged.get(log, 0) | bits
        return People(tuple(sorted(merged.items())))

    def __len__(self) -> int:
        if self._logs is None:
            assert self._later is not None
            return self._later[1]
        return sum(bits.bit_count() for _, bits in self._logs)

    def __bool__(self) -> bool:
        return self._logs is None or bool(self._logs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, People):
            return NotImplemented
        return self is other or (len(self) == len(other) and self.logs == other.logs)

    def __hash__(self) -> int:
        return hash(self.logs)

    def __repr__(self) -> str:
        return f"<People: {len(self)} in {len(self.logs)} log(s)>"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("People is immutable")

    def __reduce__(self) -> tuple[type[People], tuple[tuple[tuple[str, int], ...]]]:
        return (People, (self.logs,))


_set: Final = object.__setattr__


def _damage_said(read: Callable[..., int], *args: Any) -> int:
    """``read(*args)``, reading a stored set of people; damage said as a ``StorageError``."""
    try:
        return read(*args)
    except (ValueError, TypeError):
        raise damaged("a stored set of people the library never writes") from None


NOBODY: Final = People()


@attrs.frozen
class Tally:
    """The totals of a set of events (a whole report, one site, one hour or one operation).

    Every field but ``people`` is a plain count and adds up across disjoint sets of events.
    ``people`` holds the log's numbers for the people arrested (never their references), so
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
    hit_led_stops_searched: int = 0
    """Stops after a hit named by at least one (live) search."""
    hit_led_stops_positive: int = 0
    """Stops after a hit with an outcome other than no further action, named by the outcome
    itself or through a search of the stop."""
    hit_led_stops_arrested: int = 0
    """Stops after a hit with an arrest, named by the arrest itself or through a search."""
    searches_with_arrest: int = 0
    """Searches named by at least one arrest outcome."""
    searches_with_positive_outcome: int = 0
    """Searches named by at least one outcome other than no further action."""
    searches_linked: int = 0
    """Searches whose ``outcome_linked_to_object`` is true."""
    searches_linked_known: int = 0
    """Searches whose ``outcome_linked_to_object`` is recorded (true or false)."""
    people: People = attrs.field(default=NOBODY, repr=False)

    def __add__(self, other: Tally) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        return tally_of(map(add, _counts(self), _counts(other)), self.people | other.people)

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
        return self == ZERO

    def to_dict(self) -> dict[str, int]:
        """The ``totals`` object: every key of :data:`TOTALS_KEYS`, zeros included."""
        return {key: getattr(self, key) for key in TOTALS_KEYS}


_COUNT_FIELDS: Final = tuple(f.name for f in attrs.fields(Tally) if f.name != "people")
_positional: Final[Callable[..., Tally]] = Tally


def tally_of(counts: Iterable[int], people: People | None = None) -> Tally:
    """A :class:`Tally` from its counts in field order (:data:`COUNT_FIELDS`) and its people."""
    return _positional(*counts, people if people is not None else NOBODY)


_counts: Final = attrgetter(*_COUNT_FIELDS)
#: The names of the plain counts of a :class:`Tally`, in field order (all but ``people``).
COUNT_FIELDS: Final = _COUNT_FIELDS
ZERO: Final = Tally()


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


_NO_SEARCHES: Final = SearchCounts()
_V = TypeVar("_V", int, Tally, SearchCounts)
_K = TypeVar("_K")


def frozen_map(items: Mapping[_K, _V]) -> Mapping[_K, _V]:
    """A read-only copy without empty entries (zero counts are not kept)."""
    return MappingProxyType({k: v for k, v in items.items() if _nonzero(v)})


def _nonzero(value: int | Tally | SearchCounts) -> bool:
    if type(value) is int:
        return value != 0
    if isinstance(value, Tally):
        return not value.is_zero()
    return value != _NO_SEARCHES


def _merge(a: Mapping[_K, _V], b: Mapping[_K, _V]) -> Mapping[_K, _V]:
    if not b:
        return a
    if not a:
        return b
    merged = dict(a)
    for key, value in b.items():
        merged[key] = merged[key] + value if key in merged else value
    return frozen_map(merged)


_EMPTY: Final[Mapping[Any, Any]] = MappingProxyType({})


def empty_map() -> Mapping[Any, Any]:
    return _EMPTY


@attrs.frozen(unsafe_hash=False)
class Rollup:
    """Every figure of a set of events: totals, breakdowns, and the same totals by site and hour.

    A ``Rollup`` adds to another (``a + b``) exactly as the sets of events they count would
    unite. Zero counts are not stored. Keys of the category maps are vocabulary strings.
    """

    totals: Tally = ZERO
    by_site: Mapping[str, Tally] = attrs.field(factory=empty_map)
    """Site id (or :data:`NO_SITE`) → totals."""
    by_hour: Mapping[str, Tally] = attrs.field(factory=empty_map)
    """Local hour label (``2020-10-25T01:00+01:00``) → totals."""
    arrests: Mapping[tuple[str, str], int] = attrs.field(factory=empty_map)
    """(primary offence category, source) → arrests; source is search/stop/enquiry/none."""
    disposals: Mapping[str, int] = attrs.field(factory=empty_map)
    offences: Mapping[tuple[str, str], int] = attrs.field(factory=empty_map)
    """(offence code, its category) → times it was named on an outcome."""
    hits_by_reason: Mapping[str, int] = attrs.field(factory=empty_map)
    hits_by_hotlist: Mapping[str, int] = attrs.field(factory=empty_map)
    searches_by_legislation: Mapping[str, int] = attrs.field(factory=empty_map)
    searches_by_object: Mapping[str, int] = attrs.field(factory=empty_map)
    searches_by_type: Mapping[str, int] = attrs.field(factory=empty_map)
    searches_by_ethnicity: Mapping[str, SearchCounts] = attrs.field(factory=empty_map)
    seizures_by_item: Mapping[str, int] = attrs.field(factory=empty_map)
    drug_seizures_by_class: Mapping[str, int] = attrs.field(factory=empty_map)
    weapons_by_type: Mapping[str, int] = attrs.field(factory=empty_map)
    wanted: Mapping[tuple[bool, str, str], int] = attrs.field(factory=empty_map)
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

    def __reduce__(self) -> tuple[Any, ...]:
        # Rollups travel between processes (reports summed on a cluster); read-only maps do
        # not pickle, so a rollup travels as plain dicts and is made read-only on arrival.
        maps = tuple(dict(getattr(self, f.name)) for f in attrs.fields(Rollup)[1:])
        return (_rollup_from, (self.totals, *maps))

    @property
    def arrests_by_category(self) -> dict[str, int]:
        """Arrests by the category of their primary (first) offence; sums to the arrests."""
        out: dict[str, int] = {}
        for (category, _), n in self.arrests.items():
            out[category] = out.get(category, 0) + n
        return ordered(out, CATEGORY_ORDER)

    @property
    def arrests_by_group(self) -> dict[str, int]:
        """Arrests by the headline group of their primary offence's category."""
        out: dict[str, int] = {}
        for category, n in self.arrests_by_category.items():
            group = group_of(category)
            out[group] = out.get(group, 0) + n
        return ordered(out, GROUP_ORDER)

    @property
    def arrests_by_source(self) -> dict[str, int]:
        """Arrests by what the outcome names: ``search``, ``stop``, ``enquiry`` or ``none``."""
        out: dict[str, int] = {}
        for (_, source), n in self.arrests.items():
            out[source] = out.get(source, 0) + n
        return ordered(out, SOURCES_ORDER)

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
        return ordered(out, CATEGORY_ORDER)

    @property
    def wanted_arrested_by_category(self) -> dict[str, int]:
        """Arrested wanted people by the category of the first code they were wanted for."""
        out: dict[str, int] = {}
        for (_, category, _), n in self.wanted.items():
            out[category] = out.get(category, 0) + n
        return ordered(out, CATEGORY_ORDER)

    def breakdowns(self) -> dict[str, dict[str, Any]]:
        """Every breakdown map, keyed as in ``to_dict()``, in vocabulary order."""
        return {
            "arrests_by_category": self.arrests_by_category,
            "arrests_by_group": self.arrests_by_group,
            "arrests_by_source": self.arrests_by_source,
            "offences_by_code": self.offences_by_code,
            "offences_by_category": self.offences_by_category,
            "disposals": ordered(self.disposals, DISPOSAL_ORDER),
            "hits_by_reason": ordered(self.hits_by_reason, REASON_ORDER),
            "hits_by_hotlist": ordered(self.hits_by_hotlist, HOTLIST_ORDER),
            "searches_by_legislation": ordered(self.searches_by_legislation, LEGISLATION_ORDER),
            "searches_by_object": ordered(self.searches_by_object, OBJECT_ORDER),
            "searches_by_type": ordered(self.searches_by_type, SEARCH_TYPE_ORDER),
            "searches_by_ethnicity": {
                k: v.to_dict()
                for k, v in ordered(self.searches_by_ethnicity, ETHNICITY_ORDER).items()
            },
            "seizures_by_item": ordered(self.seizures_by_item, ITEM_ORDER),
            "drug_seizures_by_class": ordered(self.drug_seizures_by_class, DRUG_CLASS_ORDER),
            "weapons_by_type": ordered(self.weapons_by_type, WEAPON_ORDER),
            "wanted_arrested_by_category": self.wanted_arrested_by_category,
        }


def _rollup_from(totals: Tally, *maps: dict[Any, Any]) -> Rollup:
    """The rollup :meth:`Rollup.__reduce__` took apart."""
    return Rollup(totals, *(MappingProxyType(m) for m in maps))


def group_of(category: str) -> str:
    try:
        return CATEGORY_GROUP[OffenceCategory(category)].value
    except ValueError:
        return OffenceGroup.OTHER.value


def order(values: Iterable[str], *extra: str) -> dict[str, int]:
    return {v: i for i, v in enumerate([*values, *extra])}


CATEGORY_ORDER: Final = order(OffenceCategory)
GROUP_ORDER: Final = order(OffenceGroup)
SOURCES_ORDER: Final = order(["search", "stop", "enquiry", "none"])
DISPOSAL_ORDER: Final = order(Disposal)
REASON_ORDER: Final = order(HitReason)
HOTLIST_ORDER: Final = order(Hotlist)
LEGISLATION_ORDER: Final = order(Legislation)
OBJECT_ORDER: Final = order(ObjectOfSearch)
SEARCH_TYPE_ORDER: Final = order(SearchType)
ETHNICITY_ORDER: Final = order(SelfDefinedEthnicity, NOT_RECORDED)
ITEM_ORDER: Final = order(SeizureItem)
DRUG_CLASS_ORDER: Final = order(DrugClass, UNKNOWN)
WEAPON_ORDER: Final = order(WeaponType, UNKNOWN)


def ordered(items: Mapping[str, _V], rank: Mapping[str, int]) -> dict[str, _V]:
    """Known keys in vocabulary order, then any others alphabetically; no zero entries."""
    return {
        k: items[k]
        for k in sorted(items, key=lambda k: (rank.get(k, len(rank)), k))
        if _nonzero(items[k])
    }
