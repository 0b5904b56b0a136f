"""Public Hypothesis strategies for anpr_ops (install the ``testing`` extra).

- :func:`vrms`: number plates of each format;
- :func:`offence_codes`: catalogue offence codes, optionally of one category;
- :func:`operations`, :func:`anpr_hits`, :func:`vehicle_stops`, :func:`searches`,
  :func:`outcomes`, :func:`seizures`, :func:`weapon_sweeps`, :func:`arrest_enquiries`,
  :func:`patrols`, :func:`corrections`, :func:`offence_definitions`, :func:`events`: single
  valid events (valid as models; their references name nothing in particular);
- :func:`operation_batches`: whole coherent operations — an operation with sites and child
  operations, hits → stops → searches → outcomes and seizures, weapon sweeps and their finds,
  arrest enquiries and arrests, patrols, and corrections (replacements and retractions) —
  whose references hold, ready for ``log.extend(batch)``.

Installing anpr_ops registers these with Hypothesis (through its ``hypothesis`` entry point),
so ``st.from_type(VehicleStop)`` and friends work for every event model.

Examples shrink towards the first operation site, the first catalogue code, the first value
of each vocabulary, fewer events, earlier times and no corrections.

Importing this module requires Hypothesis.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from anpr_ops.vrm import UK_FORMATS, VrmFormat

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from anpr_ops.events import (
        AnprHit,
        ArrestEnquiry,
        Correction,
        Event,
        OffenceDefinition,
        Operation,
        Outcome,
        Patrol,
        Search,
        Seizure,
        Site,
        VehicleStop,
        WeaponSweep,
    )
    from anpr_ops.offences import OffenceCategory

__all__: list[str] = [
    "CLOCK_CHANGES",
    "TIMEZONES",
    "anpr_hits",
    "arrest_enquiries",
    "corrections",
    "events",
    "offence_codes",
    "offence_definitions",
    "operation_batches",
    "operations",
    "outcomes",
    "patrols",
    "searches",
    "seizures",
    "sites",
    "vehicle_stops",
    "vrms",
    "weapon_sweeps",
]

# Letter sets of domain.md §3.1, each in A-Z order so that examples shrink towards "A".
_TAG_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"  # no I, Q, Z
_SERIAL_LETTERS = _TAG_LETTERS + "Z"  # the current format's last three letters may be Z
_YEAR_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"  # prefix and suffix year letters: no I, O, Q, Z
_NI_FIRST_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXY"  # anything but I and Z
_AGE_IDENTIFIERS = tuple(f"{n:02d}" for n in range(100) if n not in (0, 1, 50))

#: Time zones :func:`operation_batches` draws from: London first (examples shrink to it),
#: then zones with other rules, including half-hour and 45-minute offsets.
TIMEZONES: tuple[str, ...] = (
    "Europe/London",
    "UTC",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Asia/Kathmandu",
)

#: Instants (UTC) at which clocks change in :data:`TIMEZONES`; operations are often drawn to
#: start a few hours before one, so their hours straddle the change.
CLOCK_CHANGES: tuple[datetime, ...] = (
    datetime(2020, 10, 25, 1, tzinfo=UTC),  # Europe/London: 02:00 BST -> 01:00 GMT
    datetime(2020, 3, 29, 1, tzinfo=UTC),  # Europe/London: 01:00 GMT -> 02:00 BST
    datetime(2020, 11, 1, 6, tzinfo=UTC),  # America/New_York: 02:00 EDT -> 01:00 EST
    datetime(2020, 3, 8, 7, tzinfo=UTC),  # America/New_York: 02:00 EST -> 03:00 EDT
    datetime(2020, 4, 4, 16, 30, tzinfo=UTC),  # Australia/Adelaide: 03:00 -> 02:00
    datetime(2020, 10, 3, 16, 30, tzinfo=UTC),  # Australia/Adelaide: 02:00 -> 03:00
)

_SITE_IDS = ("north", "south", "east", "west")
_PEOPLE = ("P-1", "P-2", "P-3", "P-4", "P-5")


def _st() -> Any:
    # Hypothesis is imported here, not at the top: it imports this module through its
    # entry point while it is itself being imported, so a top-level import is circular
    # whenever this module is imported before Hypothesis.
    from hypothesis import strategies as st

    return st


# --------------------------------------------------------------------------- plates, codes


@functools.cache
def _plates_by_format() -> dict[VrmFormat, SearchStrategy[str]]:
    st = _st()

    def letters(alphabet: str, fewest: int, most: int | None = None) -> SearchStrategy[str]:
        return st.text(alphabet, min_size=fewest, max_size=fewest if most is None else most)  # type: ignore[no-any-return]

    def number(most: int) -> SearchStrategy[str]:
        """1 to ``most``, without a leading zero."""
        return st.integers(1, most).map(str)  # type: ignore[no-any-return]

    def three_digits() -> SearchStrategy[str]:
        return st.integers(0, 999).map(lambda n: f"{n:03d}")  # type: ignore[no-any-return]

    def joined(*parts: SearchStrategy[str]) -> SearchStrategy[str]:
        return st.tuples(*parts).map("".join)  # type: ignore[no-any-return]

    return {
        VrmFormat.CURRENT: joined(
            letters(_TAG_LETTERS, 2),
            st.sampled_from(_AGE_IDENTIFIERS),
            letters(_SERIAL_LETTERS, 3),
        ),
        VrmFormat.PREFIX: joined(letters(_YEAR_LETTERS, 1), number(999), letters(_TAG_LETTERS, 3)),
        VrmFormat.SUFFIX: joined(letters(_TAG_LETTERS, 3), number(999), letters(_YEAR_LETTERS, 1)),
        VrmFormat.DATELESS: st.one_of(
            joined(letters(_TAG_LETTERS, 1, 3), number(9999)),
            joined(number(9999), letters(_TAG_LETTERS, 1, 3)),
        ),
        VrmFormat.NORTHERN_IRELAND: joined(
            letters(_NI_FIRST_LETTERS, 1),
            letters(string.ascii_uppercase, 0, 1),
            st.sampled_from("ZI"),
            letters(string.digits, 1, 4),
        ),
        VrmFormat.DIPLOMATIC: joined(three_digits(), st.sampled_from("DX"), three_digits()),
        # Eight to ten characters: too long for every UK format, so valid only as foreign.
        VrmFormat.OTHER: letters(string.ascii_uppercase + string.digits, 8, 10),
    }


def vrms(fmt: VrmFormat | None = None) -> SearchStrategy[str]:
    """Normalised valid plates of one format, or of any UK format when ``fmt`` is None.

    ``VrmFormat.OTHER`` gives foreign-looking plates (8-10 letters and digits) that are
    valid only with ``foreign=True``. Plates are built from simple parts, so failing
    examples shrink to plates like ``"AA02AAA"``.

    >>> from hypothesis import given
    >>> from anpr_ops.vrm import classify
    >>> @given(vrms(VrmFormat.SUFFIX))
    ... def test_suffix(plate: str) -> None:
    ...     assert classify(plate) is VrmFormat.SUFFIX
    >>> test_suffix()
    """
    by_format = _plates_by_format()
    if fmt is None:
        return _st().one_of([by_format[uk] for uk in UK_FORMATS])  # type: ignore[no-any-return]
    return by_format[fmt]


def offence_codes(category: OffenceCategory | str | None = None) -> SearchStrategy[str]:
    """Offence codes of the packaged catalogue, of one category when ``category`` is given.

    Shrinks towards the first code of the catalogue (of that category). A category with no
    catalogue code (``violence``, ``other``, ``unknown``: a log defines those with an
    ``offence_definition`` event) is a ``ValueError``.

    >>> from hypothesis import find
    >>> find(offence_codes("vehicle_theft"), lambda code: True)
    'TH68013'
    """
    from anpr_ops.offences import builtin_catalogue

    catalogue = builtin_catalogue()
    if category is None:
        codes = list(catalogue)
    else:
        codes = [offence.code for offence in catalogue.by_category(category)]
        if not codes:
            message = (
                f"the catalogue has no offence of category {str(category)!r}; "
                "define one with an offence_definition event"
            )
            raise ValueError(message)
    return _st().sampled_from(codes)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- field values


def _slugs() -> SearchStrategy[str]:
    st = _st()
    return st.from_regex(r"\A[a-z][a-z0-9]{0,7}(?:-[a-z0-9]{1,6})?\Z")  # type: ignore[no-any-return]


def _event_ids() -> SearchStrategy[str]:
    return _st().from_regex(r"\A[A-Za-z0-9._:-]{1,24}\Z")  # type: ignore[no-any-return]


def _lines(max_size: int = 40) -> SearchStrategy[str]:
    st = _st()
    chars = st.characters(exclude_categories=("Cc", "Cs"))
    return st.text(chars, min_size=1, max_size=max_size)  # type: ignore[no-any-return]


def _refs() -> SearchStrategy[str]:
    st = _st()
    return st.one_of(st.sampled_from(_PEOPLE), _lines(24))  # type: ignore[no-any-return]


def _moments() -> SearchStrategy[datetime]:
    """Aware datetimes, 2000-2035, in a few zones (stored in UTC by the models)."""
    st = _st()
    from zoneinfo import ZoneInfo

    zones = st.sampled_from([UTC, *(ZoneInfo(name) for name in TIMEZONES)])
    return st.datetimes(  # type: ignore[no-any-return]
        min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=zones
    )


def _optional(strategy: SearchStrategy[Any]) -> SearchStrategy[Any]:
    st = _st()
    return st.one_of(st.none(), strategy)  # type: ignore[no-any-return]


def _enum(enum: Any) -> SearchStrategy[Any]:
    return _st().sampled_from(list(enum))  # type: ignore[no-any-return]


def _pick(draw: DrawFn, options: Sequence[Any]) -> Any:
    return draw(_st().sampled_from(list(options)))


# --------------------------------------------------------------------------- events, one kind
#
# Each _draw_* function draws one event of its kind from fixed context (ids, operation,
# sites, references, time), so that the same code builds free-standing events for
# st.from_type and the members of a coherent operation.


def _draw_hit(draw: DrawFn, base: dict[str, Any], site_ids: Sequence[str]) -> AnprHit:
    from anpr_ops.events import AnprHit
    from anpr_ops.vocab import HitReason, Hotlist

    st = _st()
    reasons = draw(st.lists(_enum(HitReason), min_size=1, max_size=3, unique=True))
    return AnprHit(
        **base,
        site_id=_pick(draw, site_ids),
        vrm=draw(vrms()),
        hotlist=draw(_enum(Hotlist)),
        reasons=tuple(reasons),
        camera_id=draw(_optional(st.sampled_from(["CAM-1", "CAM-2"]))),
        confidence=draw(_optional(st.integers(0, 100))),
    )


def _draw_stop(
    draw: DrawFn, base: dict[str, Any], site_ids: Sequence[str], hit_id: str | None
) -> VehicleStop:
    from anpr_ops.events import VehicleStop
    from anpr_ops.vocab import StopReason

    st = _st()
    reason = StopReason.ANPR_HIT if hit_id is not None else draw(_enum(StopReason))
    return VehicleStop(
        **base,
        site_id=_pick(draw, site_ids),
        vrm=draw(vrms()),
        hit_id=hit_id,
        reason=reason,
        occupants=draw(_optional(st.integers(0, 5))),
    )


def _draw_search(
    draw: DrawFn,
    base: dict[str, Any],
    site_ids: Sequence[str],
    stop_id: str | None,
    people: SearchStrategy[str],
) -> Search:
    from anpr_ops.events import Search
    from anpr_ops.vocab import (
        AgeRange,
        Gender,
        Legislation,
        ObjectOfSearch,
        OfficerDefinedEthnicity,
        SearchType,
        SelfDefinedEthnicity,
    )

    st = _st()
    search_type = draw(_enum(SearchType))
    # A search at a stop usually takes the stop's site; one on its own usually has a site.
    own_site = draw(st.booleans()) if stop_id is not None else draw(st.integers(0, 3)) > 0
    return Search(
        **base,
        stop_id=stop_id,
        site_id=_pick(draw, site_ids) if own_site and site_ids else None,
        search_type=search_type,
        legislation=draw(_enum(Legislation)),
        object_of_search=draw(_enum(ObjectOfSearch)),
        grounds=draw(st.sampled_from(["Smell of cannabis", "Intelligence", "Seen concealing"])),
        vrm=draw(vrms()) if search_type.searches_vehicle else None,
        subject_ref=draw(people) if search_type.searches_person else None,
        self_defined_ethnicity=draw(_optional(_enum(SelfDefinedEthnicity))),
        officer_defined_ethnicity=draw(_optional(_enum(OfficerDefinedEthnicity))),
        gender=draw(_optional(_enum(Gender))),
        age_range=draw(_optional(_enum(AgeRange))),
        outcome_linked_to_object=draw(_optional(st.booleans())),
    )


def _draw_outcome(
    draw: DrawFn,
    base: dict[str, Any],
    sources: dict[str, Any],
    people: SearchStrategy[str],
    *,
    arrest: bool = False,
) -> Outcome:
    from anpr_ops.events import Outcome
    from anpr_ops.vocab import Disposal

    st = _st()
    # Arrests are what reports are about: one outcome in four is an arrest whatever the size
    # of the vocabulary, so people are arrested twice in a run however many disposals exist.
    arrest = arrest or draw(st.integers(0, 3)) == 0
    disposal = Disposal.ARREST if arrest else draw(_enum(Disposal))
    offences: list[str] = []
    unknown = False
    if disposal is not Disposal.NO_FURTHER_ACTION:
        most = 3 if disposal.needs_offences else 2
        fewest = 1 if disposal.needs_offences else 0
        offences = draw(st.lists(offence_codes(), min_size=fewest, max_size=most))
        if disposal.needs_offences and draw(st.integers(0, 9)) == 0:
            offences, unknown = [], True  # an import that recorded no codes
    return Outcome(
        **base,
        **sources,
        subject_ref=draw(people),
        disposal=disposal,
        offences=tuple(offences),
        offences_unknown=unknown,
    )


def _draw_seizure(
    draw: DrawFn,
    base: dict[str, Any],
    site_ids: Sequence[str],
    sources: dict[str, Any],
    *,
    weapon: bool = False,
) -> Seizure:
    from anpr_ops.events import Seizure
    from anpr_ops.vocab import DrugClass, SeizureItem, SeizurePower, WeaponType

    st = _st()
    item = SeizureItem.WEAPON if weapon else draw(_enum(SeizureItem))
    fields: dict[str, Any] = {}
    if item is SeizureItem.CONTROLLED_DRUG:
        fields["drug_class"] = draw(_optional(_enum(DrugClass)))
        fields["drug"] = draw(_optional(st.sampled_from(["cannabis", "cocaine", "heroin"])))
    elif item is SeizureItem.WEAPON:
        fields["weapon_type"] = draw(_optional(_enum(WeaponType)))
    elif item is SeizureItem.VEHICLE:
        fields["vrm"] = draw(vrms())
        fields["power"] = SeizurePower.RTA_1988_S165A
    own_site = not sources or draw(st.integers(0, 4)) == 0
    if own_site and site_ids and draw(st.integers(0, 3)) > 0:
        fields["site_id"] = _pick(draw, site_ids)
    return Seizure(**base, **sources, item=item, **fields)


def _draw_sweep(draw: DrawFn, base: dict[str, Any], site_ids: Sequence[str]) -> WeaponSweep:
    from anpr_ops.events import WeaponSweep

    st = _st()
    if site_ids and draw(st.integers(0, 3)) > 0:
        return WeaponSweep(**base, site_id=_pick(draw, site_ids))
    return WeaponSweep(**base, location=draw(st.sampled_from(["Estate stairwell", "Park"])))


def _draw_enquiry(draw: DrawFn, base: dict[str, Any], people: SearchStrategy[str]) -> ArrestEnquiry:
    from anpr_ops.events import ArrestEnquiry
    from anpr_ops.offences import OffenceCategory

    st = _st()
    wanted = draw(
        st.lists(
            st.one_of(st.sampled_from(["BA76001", "BA76002"]), offence_codes()),
            min_size=1,
            max_size=2,
        )
    )
    categories = [c for c in OffenceCategory if c is not OffenceCategory.UNKNOWN]
    return ArrestEnquiry(
        **base,
        subject_ref=draw(people),
        wanted_for=tuple(wanted),
        underlying_offence_category=draw(_optional(st.sampled_from(categories))),
        high_harm=draw(st.booleans()),
        located=draw(st.booleans()),
    )


def _draw_patrol(draw: DrawFn, base: dict[str, Any], site_ids: Sequence[str]) -> Patrol:
    from anpr_ops.events import Patrol

    st = _st()
    ends_at = base["occurred_at"] + timedelta(minutes=draw(st.integers(0, 240)))
    if site_ids and draw(st.integers(0, 3)) > 0:
        return Patrol(**base, site_id=_pick(draw, site_ids), ends_at=ends_at)
    return Patrol(
        **base, location=draw(st.sampled_from(["High Street", "Market"])), ends_at=ends_at
    )


# --------------------------------------------------------------------------- public, one kind


def _free_base(draw: DrawFn) -> dict[str, Any]:
    st = _st()
    base: dict[str, Any] = {
        "event_id": draw(_event_ids()),
        "op_id": draw(_slugs()),
        "occurred_at": draw(_moments()),
    }
    if draw(st.integers(0, 4)) == 0:
        base["officer_id"] = draw(_lines(12))
    return base


def _free(build: Callable[[DrawFn], Any]) -> SearchStrategy[Any]:
    return _st().composite(build)()  # type: ignore[no-any-return]


def sites() -> SearchStrategy[Site]:
    """A valid :class:`~anpr_ops.events.Site` (with or without coordinates)."""
    from anpr_ops.events import Site

    def build(draw: DrawFn) -> Site:
        st = _st()
        where = draw(_optional(st.tuples(st.floats(49.0, 61.0), st.floats(-8.0, 2.0))))
        lat, lon = where if where else (None, None)
        return Site(site_id=draw(_slugs()), name=draw(_lines()), latitude=lat, longitude=lon)

    return _free(build)


def operations() -> SearchStrategy[Operation]:
    """A valid ``operation`` event: name, force, zone, start (and end), 0-4 sites, parent."""
    from anpr_ops.events import Operation, Site

    def build(draw: DrawFn) -> Operation:
        st = _st()
        base = _free_base(draw)
        ids = draw(st.lists(_slugs(), max_size=4, unique=True))
        starts = draw(_moments())
        parent = draw(_optional(_slugs().filter(lambda s: s != base["op_id"])))
        return Operation(
            **base,
            name=draw(_lines()),
            force=draw(st.sampled_from(["metropolitan", "city-of-london", "btp"])),
            timezone=draw(st.sampled_from(TIMEZONES)),
            starts_at=starts,
            ends_at=draw(
                _optional(st.integers(0, 48 * 60).map(lambda m: starts + timedelta(minutes=m)))
            ),
            sites=tuple(Site(site_id=s, name=s.title()) for s in ids),
            parent_op_id=parent,
        )

    return _free(build)


def anpr_hits() -> SearchStrategy[AnprHit]:
    """A valid ``anpr_hit`` event (plate, hotlist, one to three reasons)."""
    return _free(lambda draw: _draw_hit(draw, _free_base(draw), [draw(_slugs())]))


def vehicle_stops() -> SearchStrategy[VehicleStop]:
    """A valid ``vehicle_stop`` event, naming a hit or not."""
    return _free(
        lambda draw: _draw_stop(
            draw, _free_base(draw), [draw(_slugs())], draw(_optional(_event_ids()))
        )
    )


def searches() -> SearchStrategy[Search]:
    """A valid ``search`` event of any type (a plate for a vehicle, a person for a person)."""
    return _free(
        lambda draw: _draw_search(
            draw, _free_base(draw), [draw(_slugs())], draw(_optional(_event_ids())), _refs()
        )
    )


def _free_sources(draw: DrawFn, fields: Sequence[str]) -> dict[str, Any]:
    field = draw(_st().sampled_from([None, *fields]))
    return {} if field is None else {field: draw(_event_ids())}


def outcomes() -> SearchStrategy[Outcome]:
    """A valid ``outcome`` event: a disposal and the offence codes it needs."""
    return _free(
        lambda draw: _draw_outcome(
            draw,
            _free_base(draw),
            _free_sources(draw, ("search_id", "stop_id", "enquiry_id")),
            _refs(),
        )
    )


def seizures() -> SearchStrategy[Seizure]:
    """A valid ``seizure`` event of any item, with the details that item needs."""
    return _free(
        lambda draw: _draw_seizure(
            draw,
            _free_base(draw),
            [draw(_slugs())],
            _free_sources(draw, ("search_id", "stop_id", "sweep_id")),
        )
    )


def weapon_sweeps() -> SearchStrategy[WeaponSweep]:
    """A valid ``weapon_sweep`` event (at a site or a described location)."""
    return _free(lambda draw: _draw_sweep(draw, _free_base(draw), [draw(_slugs())]))


def arrest_enquiries() -> SearchStrategy[ArrestEnquiry]:
    """A valid ``arrest_enquiry`` event."""
    return _free(lambda draw: _draw_enquiry(draw, _free_base(draw), _refs()))


def patrols() -> SearchStrategy[Patrol]:
    """A valid ``patrol`` event (ending at or after its start)."""
    return _free(lambda draw: _draw_patrol(draw, _free_base(draw), [draw(_slugs())]))


def offence_definitions() -> SearchStrategy[OffenceDefinition]:
    """A valid ``offence_definition`` event (any category but ``unknown``)."""
    from anpr_ops.events import OffenceDefinition
    from anpr_ops.offences import OFFENCE_CODE_PATTERN, OffenceCategory

    def build(draw: DrawFn) -> OffenceDefinition:
        st = _st()
        categories = [c for c in OffenceCategory if c is not OffenceCategory.UNKNOWN]
        code = draw(st.from_regex(OFFENCE_CODE_PATTERN.replace("^", r"\A").replace("$", r"\Z")))
        return OffenceDefinition(
            **_free_base(draw),
            code=code,
            title=draw(_lines()),
            category=draw(st.sampled_from(categories)),
        )

    return _free(build)


_LEAF_KINDS: tuple[Callable[[], SearchStrategy[Any]], ...] = (
    anpr_hits,
    vehicle_stops,
    searches,
    outcomes,
    seizures,
    weapon_sweeps,
    arrest_enquiries,
    patrols,
)


def corrections() -> SearchStrategy[Correction]:
    """A valid ``correction`` event: a retraction, or a replacement of the same id and op."""
    from anpr_ops.events import Correction

    def build(draw: DrawFn) -> Correction:
        st = _st()
        base = _free_base(draw)
        if draw(st.booleans()):
            return Correction(
                **base, target_id=draw(_event_ids()), reason="Recorded in error", retract=True
            )
        original = draw(st.one_of([kind() for kind in _LEAF_KINDS]))
        replacement = original.model_copy(update={"op_id": base["op_id"]})
        return Correction(
            **base,
            target_id=replacement.event_id,
            reason="Corrected on review",
            replacement=replacement,
        )

    return _free(build)


def events() -> SearchStrategy[Event]:
    """Any single valid event, of any kind."""
    st = _st()
    kinds = [operations, *_LEAF_KINDS, corrections, offence_definitions]
    return st.one_of([kind() for kind in kinds])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- whole operations


class _Plan:
    """The events of one generated batch so far, and what refers to what."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.current: dict[str, Any] = {}  # event_id -> live version
        self.referenced: set[str] = set()  # ids some live event names

    def add(self, event: Any) -> Any:
        self.events.append(event)
        self.current[event.event_id] = event
        for field in ("hit_id", "stop_id", "search_id", "enquiry_id", "sweep_id"):
            ref = getattr(event, field, None)
            if ref is not None:
                self.referenced.add(ref)
        return event


def operation_batches(
    *,
    op_id: str = "op",
    timezones: SearchStrategy[str] | None = None,
    max_children: int = 2,
    max_units: int = 6,
    max_corrections: int = 3,
    span_hours: int = 30,
    people: Sequence[str] = _PEOPLE,
) -> SearchStrategy[list[Event]]:
    """Whole coherent operations, as one batch that ``log.extend`` accepts.

    The batch opens ``op_id`` (sites ``north``, ``south``, …) and up to ``max_children`` child
    operations (``<op_id>-c1``, …; a child may have a child of its own), then, for each
    operation, up to ``max_units`` units of activity within ``span_hours`` of its start: an
    ANPR hit and the stop it led to, with searches, outcomes and seizures; a stop or search
    without a hit; a weapon sweep and what it found; an arrest enquiry and the arrest; a
    patrol; an outcome or seizure on its own. Then up to ``max_corrections`` corrections:
    replacements of any event (references kept) and retractions of events nothing refers to.

    Every reference holds, ids are ``<op_id>-…`` (so batches with different ``op_id`` can
    share a log), subject references come from ``people`` (so people are arrested twice),
    and operations often start just before one of :data:`CLOCK_CHANGES`.
    """
    st = _st()
    zones = timezones if timezones is not None else st.sampled_from(TIMEZONES)

    def build(draw: DrawFn) -> list[Event]:
        from anpr_ops.events import Operation, Site

        plan = _Plan()
        start = draw(
            st.one_of(
                st.sampled_from(CLOCK_CHANGES).map(lambda t: t - timedelta(hours=3)),
                st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2030, 12, 31)).map(
                    lambda t: t.replace(tzinfo=UTC)
                ),
            )
        )
        # Half the subjects are the first person, so people are often arrested twice.
        who = st.one_of(st.just(people[0]), st.sampled_from(list(people)))
        n_children = draw(st.integers(0, max_children))
        ops: list[tuple[str, str | None]] = [(op_id, None)]
        for i in range(1, n_children + 1):
            parent = ops[draw(st.integers(0, len(ops) - 1))][0] if i > 1 else op_id
            ops.append((f"{op_id}-c{i}", parent))
        op_sites: dict[str, list[str]] = {}
        for this_op, parent in ops:
            n_sites = draw(st.integers(0 if parent else 1, 3))
            op_sites[this_op] = list(_SITE_IDS[:n_sites])
            zone = draw(zones)
            plan.add(
                Operation(
                    event_id=f"{this_op}-open",
                    op_id=this_op,
                    occurred_at=start,
                    name=f"Op {this_op.replace('-', ' ').title()}",
                    force="metropolitan",
                    timezone=zone,
                    starts_at=start,
                    ends_at=start + timedelta(hours=span_hours),
                    sites=tuple(Site(site_id=s, name=s.title()) for s in op_sites[this_op]),
                    parent_op_id=parent,
                )
            )
        for this_op, _ in ops:
            n_units = draw(st.integers(0, max_units))
            for u in range(n_units):
                _draw_unit(
                    draw,
                    plan,
                    this_op,
                    f"{this_op}-u{u}",
                    op_sites[this_op],
                    start,
                    span_hours,
                    who,
                )
        n_fixes = draw(st.integers(0, max_corrections))
        for j in range(n_fixes):
            _draw_correction(draw, plan, f"{op_id}-x{j}", op_sites, who)
        return plan.events

    return _free(build)


def _when(draw: DrawFn, start: datetime, span_hours: int) -> datetime:
    st = _st()
    minutes = draw(st.integers(0, span_hours * 60))
    seconds = draw(st.integers(0, 59))
    micros = draw(st.one_of(st.just(0), st.integers(0, 999_999)))
    return start + timedelta(minutes=minutes, seconds=seconds, microseconds=micros)


def _later(draw: DrawFn, at: datetime) -> datetime:
    return at + timedelta(minutes=draw(_st().integers(0, 90)))


def _draw_unit(
    draw: DrawFn,
    plan: _Plan,
    op_id: str,
    prefix: str,
    site_ids: Sequence[str],
    start: datetime,
    span_hours: int,
    people: SearchStrategy[str],
) -> None:
    st = _st()
    at = _when(draw, start, span_hours)
    kind = draw(
        st.sampled_from(
            ["anpr", "sweep", "enquiry", "patrol", "search", "stop", "outcome", "seizure"]
        )
    )

    def base(suffix: str, moment: datetime) -> dict[str, Any]:
        return {"event_id": f"{prefix}-{suffix}", "op_id": op_id, "occurred_at": moment}

    def follow_ups(
        source: str, tag: str, event_id: str, moment: datetime, n_out: int, n_seize: int
    ) -> None:
        for k in range(draw(st.integers(0, n_out))):
            when = _later(draw, moment)
            refs = {f"{source}_id": event_id}
            plan.add(_draw_outcome(draw, base(f"{tag}-o{k}", when), refs, people))
        for k in range(draw(st.integers(0, n_seize))):
            when = _later(draw, moment)
            refs = {f"{source}_id": event_id}
            weapon = source == "sweep"
            plan.add(_draw_seizure(draw, base(f"{tag}-z{k}", when), site_ids, refs, weapon=weapon))

    def searches_of(stop_id: str | None, moment: datetime) -> None:
        for k in range(draw(st.integers(0, 2))):
            when = _later(draw, moment)
            search = plan.add(_draw_search(draw, base(f"s{k}", when), site_ids, stop_id, people))
            follow_ups("search", f"s{k}", search.event_id, when, 2, 1)

    if kind in {"anpr", "stop"} and site_ids:
        hit_id = None
        if kind == "anpr":
            hit_id = plan.add(_draw_hit(draw, base("h", at), site_ids)).event_id
            if draw(st.integers(0, 3)) == 0:
                return  # a hit nobody stopped
            at = _later(draw, at)
        stop = plan.add(_draw_stop(draw, base("v", at), site_ids, hit_id))
        searches_of(stop.event_id, at)
        follow_ups("stop", "v", stop.event_id, at, 1, 1)
    elif kind == "search":
        searches_of(None, at)
    elif kind == "sweep":
        sweep = plan.add(_draw_sweep(draw, base("w", at), site_ids))
        follow_ups("sweep", "w", sweep.event_id, at, 0, 2)
    elif kind == "enquiry":
        enquiry = plan.add(_draw_enquiry(draw, base("e", at), people))
        if draw(st.integers(0, 3)) > 0:
            subject = st.just(enquiry.subject_ref)
            plan.add(
                _draw_outcome(
                    draw,
                    base("eo", _later(draw, at)),
                    {"enquiry_id": enquiry.event_id},
                    subject,
                    arrest=draw(st.integers(0, 4)) > 0,
                )
            )
    elif kind == "patrol":
        plan.add(_draw_patrol(draw, base("p", at), site_ids))
    elif kind == "outcome":
        plan.add(_draw_outcome(draw, base("o", at), {}, people))
    else:
        plan.add(_draw_seizure(draw, base("z", at), site_ids, {}))


def _draw_correction(
    draw: DrawFn,
    plan: _Plan,
    event_id: str,
    op_sites: dict[str, list[str]],
    people: SearchStrategy[str],
) -> None:
    from anpr_ops.events import Correction

    st = _st()
    targets = [
        e
        for e in plan.current.values()
        if getattr(e, "kind", "") not in {"operation", "correction"}
    ]
    if not targets:
        return
    target = draw(st.sampled_from(targets))
    at = target.occurred_at + timedelta(minutes=draw(st.integers(1, 36 * 60)))
    base = {"event_id": event_id, "op_id": target.op_id, "occurred_at": at}
    leaf = target.event_id not in plan.referenced
    if leaf and draw(st.booleans()):
        plan.add(
            Correction(**base, target_id=target.event_id, reason="Recorded in error", retract=True)
        )
        del plan.current[target.event_id]
        return
    replacement = _redraw(draw, target, op_sites[target.op_id], people)
    plan.add(
        Correction(
            **base, target_id=target.event_id, reason="Corrected on review", replacement=replacement
        )
    )
    plan.current[target.event_id] = replacement


def _redraw(draw: DrawFn, event: Any, site_ids: Sequence[str], people: SearchStrategy[str]) -> Any:
    """Another version of ``event``: same kind, id, operation and references."""
    st = _st()
    kind = event.kind
    at = event.occurred_at + timedelta(minutes=draw(st.integers(-30, 30)))
    base = {"event_id": event.event_id, "op_id": event.op_id, "occurred_at": at}
    refs = {
        f: getattr(event, f)
        for f in ("search_id", "stop_id", "enquiry_id", "sweep_id")
        if getattr(event, f, None) is not None
    }
    if kind == "anpr_hit":
        return _draw_hit(draw, base, site_ids)
    if kind == "vehicle_stop":
        return _draw_stop(draw, base, site_ids, event.hit_id)
    if kind == "search":
        return _draw_search(draw, base, site_ids, event.stop_id, people)
    if kind == "outcome":
        return _draw_outcome(draw, base, refs, people)
    if kind == "seizure":
        return _draw_seizure(draw, base, site_ids, refs, weapon="sweep_id" in refs)
    if kind == "weapon_sweep":
        return _draw_sweep(draw, base, site_ids)
    if kind == "arrest_enquiry":
        return _draw_enquiry(draw, base, people)
    return _draw_patrol(draw, base, site_ids)


# --------------------------------------------------------------------------- registration


def _hypothesis_setup_hook() -> None:
    """Entry point Hypothesis calls at import: registers strategies for the event models."""
    st = _st()
    from anpr_ops import events as ev

    registry: dict[type, Callable[[], SearchStrategy[Any]]] = {
        ev.Site: sites,
        ev.Operation: operations,
        ev.AnprHit: anpr_hits,
        ev.VehicleStop: vehicle_stops,
        ev.Search: searches,
        ev.Outcome: outcomes,
        ev.Seizure: seizures,
        ev.WeaponSweep: weapon_sweeps,
        ev.ArrestEnquiry: arrest_enquiries,
        ev.Patrol: patrols,
        ev.Correction: corrections,
        ev.OffenceDefinition: offence_definitions,
    }
    for model, strategy in registry.items():
        # Deferred, so nothing is built until a test asks for the type.
        st.register_type_strategy(model, st.deferred(strategy))
