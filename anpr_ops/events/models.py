"""The event models: frozen pydantic models forming one discriminated union on ``kind``.

Per-kind rules across fields (an arrest names an offence, a vehicle search has a plate, …)
are checked here, in one ``_check`` per model; rules that need the log (does the referenced
stop exist?) are checked by the store. A field that names another event declares it on the
field itself (``Annotated[EventId | None, RefersTo(EventKind.ANPR_HIT)]``); see
:mod:`anpr_ops.events.kinds` for what is derived from that.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Annotated, Any, Literal, Self, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from anpr_ops.events._types import (
    PERSONAL,
    SINGLE_LINE,
    CountryCode,
    EventId,
    Latitude,
    Line,
    Longitude,
    Personal,
    PlateText,
    Ref,
    RefersTo,
    Slug,
    Text,
    TimeZoneName,
    UtcDatetime,
    check_country,
    check_plate,
    pair,
    rule,
)
from anpr_ops.events.canonical import derive_event_id
from anpr_ops.offences import CjsClass, Offence, OffenceCategory, OffenceCode
from anpr_ops.vocab import (
    AgeRange,
    Disposal,
    DrugClass,
    DrugGrounds,
    EventKind,
    Gender,
    HitReason,
    Hotlist,
    Legislation,
    ObjectOfSearch,
    OfficerDefinedEthnicity,
    SearchType,
    SeizureItem,
    SeizurePower,
    SelfDefinedEthnicity,
    StopPower,
    StopReason,
    WeaponType,
)

__all__ = [
    "BATCH_ADAPTER",
    "EVENT_ADAPTER",
    "PERSONAL",
    "AnprHit",
    "ArrestEnquiry",
    "Correction",
    "Event",
    "EventBase",
    "OffenceDefinition",
    "Operation",
    "Outcome",
    "Patrol",
    "Personal",
    "RefersTo",
    "ReplacementEvent",
    "Search",
    "Seizure",
    "Site",
    "VehicleStop",
    "WeaponSweep",
]


class _BaseModel(BaseModel):
    """Pydantic base of every model here (see _Model for the configuration)."""


class _Model(_BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        regex_engine="rust-regex",
        use_attribute_docstrings=True,
    )


class EventBase(_Model):
    """Fields every event has."""

    event_id: EventId = ""
    """Unique id; derived from the content when left out (so a re-append is a no-op)."""
    op_id: Slug
    """The operation this event belongs to (opened by an earlier ``operation`` event)."""
    occurred_at: UtcDatetime
    """When it happened: RFC 3339 with a UTC offset; stored in UTC."""
    officer_id: Annotated[Ref | None, PERSONAL] = Field(default=None, repr=False)
    """Officer who recorded it (personal data)."""
    notes: Annotated[Text | None, PERSONAL] = Field(default=None, repr=False)
    """Free text (may hold personal data; never echoed in messages)."""

    @property
    def kind_enum(self) -> EventKind:
        """The event's kind as an :class:`~anpr_ops.vocab.EventKind`."""
        return EventKind(getattr(self, "kind"))  # noqa: B009 - declared by each subclass

    def _check(self) -> None:
        """The kind's own rules across fields (overridden by each kind that has some)."""

    @model_validator(mode="after")
    def _after(self) -> Self:
        # One Python call per event for every model-level rule (each call from the
        # validator costs more than the rule itself).
        self._check()
        if not self.event_id:
            # Frozen model: set once, during validation, before anyone can see it.
            self.__dict__["event_id"] = derive_event_id(self)
        return self


class Site(_Model):
    """A stop site or place of an operation."""

    site_id: Slug
    name: Line
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _coordinates(self) -> Self:
        pair(self.latitude, self.longitude)
        return self


class Operation(EventBase):
    """Opens an operation: its name, force, time zone, sites and parent operation."""

    kind: Literal["operation"] = "operation"
    name: Line
    force: Slug
    """data.police.uk force id, e.g. ``metropolitan``."""
    timezone: TimeZoneName = "Europe/London"
    """IANA time zone in which reports bucket hours."""
    starts_at: UtcDatetime
    ends_at: UtcDatetime | None = None
    sites: tuple[Site, ...] = ()
    parent_op_id: Slug | None = None
    """The operation this one is part of (Op Kaiser is part of the day of action)."""
    description: Annotated[Text | None, PERSONAL] = Field(default=None, repr=False)

    def _check(self) -> None:
        if self.ends_at is not None and self.ends_at < self.starts_at:
            raise rule("ends_before_start", "ends_at is before starts_at")
        seen: set[str] = set()
        for site in self.sites:
            if site.site_id in seen:
                raise rule("duplicate_site", f"site_id {site.site_id!r} is listed twice")
            seen.add(site.site_id)
        if self.parent_op_id == self.op_id:
            raise rule("parent_is_self", "an operation cannot be its own parent")

    @property
    def site_ids(self) -> tuple[str, ...]:
        """The ids of the operation's sites, in order."""
        return tuple(site.site_id for site in self.sites)


class AnprHit(EventBase):
    """An ANPR read that matched a vehicle-of-interest list."""

    kind: Literal["anpr_hit"] = "anpr_hit"
    site_id: Slug
    camera_id: Ref | None = None
    vrm_country: Annotated[CountryCode, AfterValidator(check_country)] | None = None
    """Marks a foreign plate (ISO 3166-1 alpha-2); absent for a UK plate."""
    vrm: Annotated[PlateText, PERSONAL] = Field(repr=False)
    """The plate as matched (normalised)."""
    raw_vrm: Annotated[
        Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=SINGLE_LINE)] | None,
        PERSONAL,
    ] = Field(default=None, repr=False)
    """The plate exactly as the camera read it, before correction."""
    hotlist: Hotlist
    reasons: tuple[HitReason, ...] = Field(min_length=1)
    """Why the vehicle is of interest (one or more)."""
    confidence: Annotated[int, Field(ge=0, le=100, strict=True)] | None = None
    """Read confidence in percent, when the camera gives one."""

    @field_validator("vrm")
    @classmethod
    def _plate(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_plate(value, info)

    def _check(self) -> None:
        if len(set(self.reasons)) != len(self.reasons):
            raise rule("duplicate_reason", "a reason is listed twice")


class VehicleStop(EventBase):
    """A roadside stop (Road Traffic Act 1988 s.163 unless said otherwise)."""

    kind: Literal["vehicle_stop"] = "vehicle_stop"
    site_id: Slug
    vrm_country: Annotated[CountryCode, AfterValidator(check_country)] | None = None
    vrm: Annotated[PlateText, PERSONAL] = Field(repr=False)
    hit_id: Annotated[EventId | None, RefersTo(EventKind.ANPR_HIT)] = None
    """The ``anpr_hit`` that led to this stop, if one did."""
    power: StopPower = StopPower.RTA_1988_S163
    reason: StopReason
    occupants: Annotated[int, Field(ge=0, le=100, strict=True)] | None = None

    @field_validator("vrm")
    @classmethod
    def _plate(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_plate(value, info)


class Search(EventBase):
    """A search under PACE Code A: of a person, a vehicle, or both."""

    kind: Literal["search"] = "search"
    stop_id: Annotated[EventId | None, RefersTo(EventKind.VEHICLE_STOP)] = None
    site_id: Slug | None = None
    search_type: SearchType
    legislation: Legislation
    object_of_search: ObjectOfSearch
    drug_grounds: DrugGrounds | None = None
    """For a search for controlled drugs: whether it was for possession or supply, where the
    record says (the scrutiny figures split drug searches by it); only with
    ``object_of_search`` ``controlled_drugs``."""
    grounds: Annotated[Text, PERSONAL] = Field(repr=False)
    vrm_country: Annotated[CountryCode, AfterValidator(check_country)] | None = None
    vrm: Annotated[PlateText | None, PERSONAL] = Field(default=None, repr=False)
    """Required when a vehicle is searched (unless ``vrm_unknown``)."""
    vrm_unknown: StrictBool = False
    """The source of the record did not keep the plate (e.g. data.police.uk imports)."""
    subject_ref: Annotated[Ref | None, PERSONAL] = Field(default=None, repr=False)
    """Reference of the person searched (required for a person search)."""
    self_defined_ethnicity: SelfDefinedEthnicity | None = None
    officer_defined_ethnicity: OfficerDefinedEthnicity | None = None
    gender: Gender | None = None
    age_range: AgeRange | None = None
    outcome_linked_to_object: StrictBool | None = None
    """Was the outcome linked to the object of the search? true, false or unknown (null)."""
    removal_of_more_than_outer_clothing: StrictBool | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    part_of_policing_operation: StrictBool | None = None
    """As published by data.police.uk (tri-state)."""
    policing_operation: Line | None = None
    """The policing operation's name as published by data.police.uk."""
    date_only: StrictBool = False
    """The source gave the date but not the time of day (some forces publish only dates);
    ``occurred_at`` is then 00:00 UTC of that date."""
    legislation_text: Line | None = None
    """The power as the source wrote it, kept when it has no code of its own (``legislation``
    is ``other``), e.g. ``Deer Act 1991 (section 12)``."""
    object_of_search_text: Line | None = None
    """The object as the source wrote it, kept when it has no code of its own
    (``object_of_search`` is ``other``), e.g. ``Game or poaching equipment``."""

    @field_validator("vrm")
    @classmethod
    def _plate(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_plate(value, info)

    def _check(self) -> None:
        pair(self.latitude, self.longitude)
        if self.search_type.searches_vehicle:
            if self.vrm is None and not self.vrm_unknown:
                raise rule(
                    "vrm_required",
                    "a vehicle search records the vehicle's plate (vrm), "
                    "or says vrm_unknown: true for a source that did not keep it",
                )
            if self.vrm is not None and self.vrm_unknown:
                raise rule("vrm_conflict", "vrm is given, so vrm_unknown cannot be true")
        elif self.vrm is not None or self.vrm_unknown:
            raise rule("vrm_not_searched", "vrm is recorded only when a vehicle is searched")
        if self.vrm_country is not None and self.vrm is None:
            raise rule("country_without_vrm", "vrm_country describes a plate; give vrm with it")
        if self.search_type.searches_person and self.subject_ref is None:
            raise rule("subject_required", "a person search records the subject_ref")
        if self.legislation_text is not None and self.legislation is not Legislation.OTHER:
            raise rule(
                "text_with_code", "legislation_text is kept only when legislation is 'other'"
            )
        if (
            self.object_of_search_text is not None
            and self.object_of_search is not ObjectOfSearch.OTHER
        ):
            raise rule(
                "text_with_code",
                "object_of_search_text is kept only when object_of_search is 'other'",
            )
        if (
            self.drug_grounds is not None
            and self.object_of_search is not ObjectOfSearch.CONTROLLED_DRUGS
        ):
            raise rule(
                "drug_grounds_not_drugs",
                "drug_grounds (possession or supply) is recorded only for a search whose "
                "object_of_search is controlled_drugs",
            )
        if self.date_only and self.occurred_at.time() != time(0):
            raise rule(
                "date_only_time", "a date_only search has occurred_at at 00:00:00 UTC of its date"
            )


class Outcome(EventBase):
    """A disposal for one person, after a search, a stop or an arrest enquiry."""

    kind: Literal["outcome"] = "outcome"
    subject_ref: Annotated[Ref, PERSONAL] = Field(repr=False)
    search_id: Annotated[EventId | None, RefersTo(EventKind.SEARCH)] = None
    stop_id: Annotated[EventId | None, RefersTo(EventKind.VEHICLE_STOP)] = None
    enquiry_id: Annotated[EventId | None, RefersTo(EventKind.ARREST_ENQUIRY)] = None
    disposal: Disposal
    offences: tuple[OffenceCode, ...] = ()
    """CJS offence codes, most serious first (the first is the primary offence)."""
    offences_unknown: StrictBool = False
    """The source recorded no offence codes (imports); counted under category ``unknown``."""

    def _check(self) -> None:
        sources = [s for s in (self.search_id, self.stop_id, self.enquiry_id) if s is not None]
        if len(sources) > 1:
            raise rule(
                "several_sources", "an outcome names at most one of search_id, stop_id, enquiry_id"
            )
        if self.offences_unknown and self.offences:
            raise rule(
                "offences_conflict", "offences are listed, so offences_unknown cannot be true"
            )
        if self.disposal is Disposal.NO_FURTHER_ACTION and self.offences:
            raise rule("offences_with_nfa", "no further action names no offences")
        if self.disposal.needs_offences and not self.offences and not self.offences_unknown:
            raise rule(
                "offences_required",
                f"a {self.disposal.value} names at least one offence code, "
                "or says offences_unknown: true for a source that recorded none",
            )

    @property
    def primary_offence(self) -> str | None:
        """The most serious offence code (the first), if any."""
        return self.offences[0] if self.offences else None


class Seizure(EventBase):
    """Something seized: drugs, a weapon, a vehicle (RTA s.165A), cash, other."""

    kind: Literal["seizure"] = "seizure"
    search_id: Annotated[EventId | None, RefersTo(EventKind.SEARCH)] = None
    stop_id: Annotated[EventId | None, RefersTo(EventKind.VEHICLE_STOP)] = None
    sweep_id: Annotated[EventId | None, RefersTo(EventKind.WEAPON_SWEEP)] = None
    site_id: Slug | None = None
    item: SeizureItem
    drug_class: DrugClass | None = None
    drug: Line | None = None
    weapon_type: WeaponType | None = None
    quantity: Line | None = None
    """Free text, e.g. ``"12 wraps"`` or ``"3.5 g"``."""
    vrm_country: Annotated[CountryCode, AfterValidator(check_country)] | None = None
    vrm: Annotated[PlateText | None, PERSONAL] = Field(default=None, repr=False)
    """The seized vehicle's plate (vehicles only)."""
    power: SeizurePower | None = None

    @field_validator("vrm")
    @classmethod
    def _plate(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_plate(value, info)

    def _check(self) -> None:
        sources = [s for s in (self.search_id, self.stop_id, self.sweep_id) if s is not None]
        if len(sources) > 1:
            raise rule(
                "several_sources", "a seizure names at most one of search_id, stop_id, sweep_id"
            )
        item = self.item
        if item is not SeizureItem.CONTROLLED_DRUG and (self.drug_class or self.drug):
            raise rule("not_a_drug", "drug_class and drug apply only to a controlled_drug")
        if item is not SeizureItem.WEAPON and self.weapon_type:
            raise rule("not_a_weapon", "weapon_type applies only to a weapon")
        if item is SeizureItem.VEHICLE:
            if self.vrm is None:
                raise rule("vrm_required", "a vehicle seizure records the vehicle's plate (vrm)")
            if self.power is None:
                raise rule(
                    "power_required",
                    "a vehicle seizure records its power (e.g. rta_1988_s165a)",
                )
        elif self.vrm is not None or self.vrm_country is not None:
            raise rule("vrm_not_vehicle", "vrm is recorded only for a vehicle seizure")


class WeaponSweep(EventBase):
    """An area searched for hidden weapons; finds are seizures naming the sweep."""

    kind: Literal["weapon_sweep"] = "weapon_sweep"
    site_id: Slug | None = None
    location: Annotated[Line | None, PERSONAL] = Field(default=None, repr=False)
    """The place, when it is not one of the operation's sites (free text, so personal data:
    it may name an address or the people who live there)."""
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    def _check(self) -> None:
        pair(self.latitude, self.longitude)
        if self.site_id is None and self.location is None:
            raise rule("place_required", "a weapon sweep names a site_id or a location")


class ArrestEnquiry(EventBase):
    """Tracking down a wanted person; the arrest is an outcome naming the enquiry."""

    kind: Literal["arrest_enquiry"] = "arrest_enquiry"
    subject_ref: Annotated[Ref, PERSONAL] = Field(repr=False)
    wanted_for: tuple[OffenceCode, ...] = Field(min_length=1)
    """CJS codes the person is wanted for, e.g. BA76001 (failing to surrender)."""
    underlying_offence_category: OffenceCategory | None = None
    """The category of the offence behind the warrant (e.g. ``violence``)."""
    high_harm: StrictBool
    located: StrictBool


class Patrol(EventBase):
    """A high-visibility patrol, from ``occurred_at`` to ``ends_at``."""

    kind: Literal["patrol"] = "patrol"
    site_id: Slug | None = None
    location: Annotated[Line | None, PERSONAL] = Field(default=None, repr=False)
    """The place, when it is not one of the operation's sites (free text: personal data)."""
    ends_at: UtcDatetime
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    def _check(self) -> None:
        pair(self.latitude, self.longitude)
        if self.site_id is None and self.location is None:
            raise rule("place_required", "a patrol names a site_id or a location")
        if self.ends_at < self.occurred_at:
            raise rule("ends_before_start", "ends_at is before occurred_at")


class OffenceDefinition(EventBase):
    """Defines (or overrides) an offence code for this log, so reports need nothing else."""

    kind: Literal["offence_definition"] = "offence_definition"
    code: OffenceCode
    title: Line
    category: OffenceCategory
    statute: Line | None = None
    section: (
        Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=SINGLE_LINE)] | None
    ) = None
    cjs_class: CjsClass | None = None
    drug_class: DrugClass | None = None

    @field_validator("category")
    @classmethod
    def _not_unknown(cls, category: OffenceCategory) -> OffenceCategory:
        if category is OffenceCategory.UNKNOWN:
            raise rule(
                "category_unknown",
                "'unknown' is reserved for outcomes without codes; choose a category",
            )
        return category

    def to_offence(self) -> Offence:
        """The catalogue entry this definition stands for."""
        return Offence(
            code=self.code,
            title=self.title,
            category=self.category,
            statute=self.statute,
            section=self.section,
            cjs_class=self.cjs_class,
            drug_class=self.drug_class,
            defined_by=self.event_id,
        )


ReplacementEvent: TypeAlias = Annotated[
    Operation
    | AnprHit
    | VehicleStop
    | Search
    | Outcome
    | Seizure
    | WeaponSweep
    | ArrestEnquiry
    | Patrol
    | OffenceDefinition,
    Field(discriminator="kind"),
]


class Correction(EventBase):
    """Fixes an earlier event (``replacement``: the whole event as it should have been, same
    kind and id) or withdraws it (``retract: true``). Reports apply corrections."""

    kind: Literal["correction"] = "correction"
    target_id: EventId
    reason: Annotated[Text, PERSONAL] = Field(repr=False)
    """Why (free text; may name people, so personal data)."""
    replacement: ReplacementEvent | None = None
    retract: StrictBool = False

    @model_validator(mode="before")
    @classmethod
    def _replacement_takes_target_id(cls, data: Any) -> Any:
        # A replacement is the same event: let it inherit target_id instead of repeating it.
        if isinstance(data, Mapping):
            replacement = data.get("replacement")
            target = data.get("target_id")
            if isinstance(replacement, Mapping) and "event_id" not in replacement and target:
                data = {**data, "replacement": {**replacement, "event_id": target}}
        return data

    def _check(self) -> None:
        if (self.replacement is None) == (not self.retract):
            raise rule(
                "replacement_or_retract",
                "a correction has either a replacement or retract: true (exactly one)",
            )
        if self.replacement is not None:
            if self.replacement.event_id != self.target_id:
                raise rule(
                    "replacement_id",
                    "the replacement must carry the target's event_id (it is the same event)",
                )
            if self.replacement.op_id != self.op_id:
                raise rule(
                    "replacement_op", "the replacement must belong to the correction's op_id"
                )


Event: TypeAlias = Annotated[
    Operation
    | AnprHit
    | VehicleStop
    | Search
    | Outcome
    | Seizure
    | WeaponSweep
    | ArrestEnquiry
    | Patrol
    | Correction
    | OffenceDefinition,
    Field(discriminator="kind"),
]
"""Any event: the discriminated union on ``kind`` (the models of :data:`KINDS`; a test holds
the two together, since a type checker needs the union written out)."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
BATCH_ADAPTER: TypeAdapter[list[Event]] = TypeAdapter(list[Event])
