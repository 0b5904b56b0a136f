"""Strategies for single valid events, one kind at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

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

from anpr_ops.strategies._values import (
    TIMEZONES,
    _enum,
    _event_ids,
    _lines,
    _moments,
    _optional,
    _pick,
    _refs,
    _slugs,
    _st,
    offence_codes,
    vrms,
)

# --------------------------------------------------------------------------- events, one kind
#
# Each _draw_* function draws one event of its kind from fixed context (ids, operation,
# sites, references, time), so that the same code builds free-standing events for
# st.from_type and the members of a coherent operation.


def _plus(at: datetime, minutes: int) -> datetime:
    """``minutes`` after ``at`` in elapsed time, in ``at``'s zone. Adding to a local time adds
    to the wall clock: across an autumn clock change, 01:00 GMT plus nothing would become 01:00
    BST, an hour earlier."""
    return (at.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(at.tzinfo)


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
        DrugGrounds,
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
    thing = draw(_enum(ObjectOfSearch))
    drugs = thing is ObjectOfSearch.CONTROLLED_DRUGS
    return Search(
        **base,
        stop_id=stop_id,
        site_id=_pick(draw, site_ids) if own_site and site_ids else None,
        search_type=search_type,
        legislation=draw(_enum(Legislation)),
        object_of_search=thing,
        # Grounds only for drugs, and not always (many records do not say).
        drug_grounds=draw(_optional(_enum(DrugGrounds))) if drugs else None,
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
    ends_at = _plus(base["occurred_at"], draw(st.integers(0, 240)))
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
            ends_at=draw(_optional(st.integers(0, 48 * 60).map(lambda m: _plus(starts, m)))),
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
