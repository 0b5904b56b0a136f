"""The event vocabulary: frozen pydantic models, one discriminated union on ``kind``.

The same shape is the JSON Lines interchange format (version 1): one JSON object per line,
with the field names below. :func:`parse_event` reads a mapping or JSON text into the right
model; :func:`event_json_schema` exports a JSON Schema so tools in other languages can write
events; :func:`canonical_dict` gives the object whose canonical bytes are hashed and stored.

Rules every event obeys: ``event_id`` 1-64 characters of ``A-Za-z0-9._:-`` (derived from the
content when left out, so re-appending the same fact is a no-op); ``op_id`` a lower-case slug;
``occurred_at`` an RFC 3339 time *with* a UTC offset (a naive time is an error), stored in UTC;
optional ``officer_id`` and ``notes``. Unknown fields, wrong types, NaN and infinities are
errors. Per-kind rules (an arrest names an offence, a vehicle search has a plate, …) are
checked here; rules that need the log (does the referenced stop exist?) are checked on append.

>>> event = parse_event({
...     "kind": "anpr_hit", "event_id": "hit-1", "op_id": "kaiser-2020-04-18",
...     "occurred_at": "2020-04-18T10:15:00+01:00", "site_id": "vauxhall",
...     "vrm": "ab12 cde", "hotlist": "pnc", "reasons": ["stolen_vehicle"]})
>>> event.vrm, event.occurred_at.isoformat()
('AB12CDE', '2020-04-18T09:15:00+00:00')
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import zoneinfo
from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Annotated, Any, Literal, Self, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from anpr_ops import vrm as plates
from anpr_ops._canonical import canonical_bytes
from anpr_ops.errors import EventValidationError, FieldProblem, InvalidVrmError
from anpr_ops.offences import CjsClass, Offence, OffenceCategory, OffenceCode
from anpr_ops.vocab import (
    AgeRange,
    Disposal,
    DrugClass,
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
    "INTERCHANGE_VERSION",
    "PERSONAL_FIELDS",
    "AnprHit",
    "ArrestEnquiry",
    "Correction",
    "Event",
    "OffenceDefinition",
    "Operation",
    "Outcome",
    "Patrol",
    "Search",
    "Seizure",
    "Site",
    "VehicleStop",
    "WeaponSweep",
    "canonical_dict",
    "canonical_dicts",
    "event_json_schema",
    "format_utc",
    "parse_event",
    "parse_events",
]

#: Version of the JSON Lines interchange format these models read and write.
INTERCHANGE_VERSION = 1

#: Fields that hold personal data: never echoed in error messages, hidden from ``repr``.
PERSONAL_FIELDS = frozenset({"vrm", "raw_vrm", "subject_ref", "officer_id", "notes", "grounds"})

# --------------------------------------------------------------------------- scalar types

_SINGLE_LINE = r"^[^\x00-\x1f\x7f]+$"
_MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$"

EventId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$"),
    Field(description="1-64 characters of A-Z a-z 0-9 . _ : -", examples=["stop-0001"]),
]
Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"),
    Field(description="lower-case slug: a-z, 0-9 and inner hyphens, at most 64 characters"),
]
Line = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=_SINGLE_LINE)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_SINGLE_LINE)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=_MULTI_LINE)]
Latitude = Annotated[float, Field(ge=-90, le=90, strict=True)]
Longitude = Annotated[float, Field(ge=-180, le=180, strict=True)]
CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 country of a foreign plate, e.g. FR"),
]


def _utc(value: object) -> datetime:
    # One Python call per time, parsing with the C fromisoformat: text or a datetime only
    # (lax parsing would read 1587200000 as a Unix time), never naive, converted to UTC.
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "datetime_parsing",
                "not an RFC 3339 date-time (e.g. 2020-04-18T10:15:00+01:00)",
            ) from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise PydanticCustomError(
            "datetime_type", "expected an RFC 3339 date-time string with a UTC offset"
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError(
            "timezone_naive",
            "a date-time needs a UTC offset (e.g. 2020-04-18T10:15:00+01:00 or ...Z); "
            "naive times are refused",
        )
    return moment.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """A datetime as the format's UTC text: ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``."""
    # isoformat() of a UTC time is exactly that shape (microseconds only when not zero) with
    # "+00:00" at the end, and several times faster than strftime.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat()[:-6] + "Z"


#: An aware date-time, stored and written in UTC as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``.
UtcDatetime = Annotated[
    datetime,
    PlainValidator(_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_zone(value: str) -> str:
    zones = _known_zones()
    if value in zones or (not zones and _loads_zone(value)):
        return value
    raise PydanticCustomError("timezone_unknown", "not an IANA time zone name (e.g. Europe/London)")


def _loads_zone(value: str) -> bool:
    try:
        zoneinfo.ZoneInfo(value)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return False
    return True


TimeZoneName = Annotated[str, AfterValidator(_check_zone)]

PlateText = Annotated[
    str,
    Field(
        description=(
            "number plate (VRM), normalised to upper case without spaces; a UK format unless "
            "vrm_country marks it foreign"
        ),
        examples=["AB12CDE"],
    ),
]


def _check_plate(value: str | None, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    foreign = info.data.get("vrm_country") is not None
    try:
        return plates.validate(value, foreign=foreign)
    except InvalidVrmError as exc:
        # The message names the problem, never the plate.
        raise PydanticCustomError(exc.code, exc.message) from None


def _check_country(value: str) -> str:
    if value in {"GB", "UK"}:
        raise PydanticCustomError(
            "vrm_country_domestic",
            "vrm_country marks a foreign plate; leave it out for a UK plate",
        )
    return value


def _pair(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise PydanticCustomError(
            "coordinates_pair", "latitude and longitude go together: give both or neither"
        )


def _rule(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


# --------------------------------------------------------------------------- the models


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


class _EventBase(_Model):
    """Fields every event has."""

    event_id: EventId = ""
    """Unique id; derived from the content when left out (so a re-append is a no-op)."""
    op_id: Slug
    """The operation this event belongs to (opened by an earlier ``operation`` event)."""
    occurred_at: UtcDatetime
    """When it happened: RFC 3339 with a UTC offset; stored in UTC."""
    officer_id: Ref | None = Field(default=None, repr=False)
    """Officer who recorded it (personal data)."""
    notes: Text | None = Field(default=None, repr=False)
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
        _pair(self.latitude, self.longitude)
        return self


class Operation(_EventBase):
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
    description: Text | None = None

    def _check(self) -> None:
        if self.ends_at is not None and self.ends_at < self.starts_at:
            raise _rule("ends_before_start", "ends_at is before starts_at")
        seen: set[str] = set()
        for site in self.sites:
            if site.site_id in seen:
                raise _rule("duplicate_site", f"site_id {site.site_id!r} is listed twice")
            seen.add(site.site_id)
        if self.parent_op_id == self.op_id:
            raise _rule("parent_is_self", "an operation cannot be its own parent")

    @property
    def site_ids(self) -> tuple[str, ...]:
        """The ids of the operation's sites, in order."""
        return tuple(site.site_id for site in self.sites)


class AnprHit(_EventBase):
    """An ANPR read that matched a vehicle-of-interest list."""

    kind: Literal["anpr_hit"] = "anpr_hit"
    site_id: Slug
    camera_id: Ref | None = None
    vrm_country: Annotated[CountryCode, AfterValidator(_check_country)] | None = None
    """Marks a foreign plate (ISO 3166-1 alpha-2); absent for a UK plate."""
    vrm: PlateText = Field(repr=False)
    """The plate as matched (normalised)."""
    raw_vrm: (
        Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=_SINGLE_LINE)] | None
    ) = Field(default=None, repr=False)
    """The plate exactly as the camera read it, before correction."""
    hotlist: Hotlist
    reasons: tuple[HitReason, ...] = Field(min_length=1)
    """Why the vehicle is of interest (one or more)."""
    confidence: Annotated[int, Field(ge=0, le=100, strict=True)] | None = None
    """Read confidence in percent, when the camera gives one."""

    @field_validator("vrm")
    @classmethod
    def _plate(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _check_plate(value, info)

    def _check(self) -> None:
        if len(set(self.reasons)) != len(self.reasons):
            raise _rule("duplicate_reason", "a reason is listed twice")


class VehicleStop(_EventBase):
    """A roadside stop (Road Traffic Act 1988 s.163 unless said otherwise)."""

    kind: Literal["vehicle_stop"] = "vehicle_stop"
    site_id: Slug
    vrm_country: Annotated[CountryCode, AfterValidator(_check_country)] | None = None
    vrm: PlateText = Field(repr=False)
    hit_id: EventId | None = None
    """The ``anpr_hit`` that led to this stop, if one did."""
    power: StopPower = StopPower.RTA_1988_S163
    reason: StopReason
    occupants: Annotated[int, Field(ge=0, le=100, strict=True)] | None = None

    @field_validator("vrm")
    @classmethod
    def _plate(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _check_plate(value, info)


class Search(_EventBase):
    """A search under PACE Code A: of a person, a vehicle, or both."""

    kind: Literal["search"] = "search"
    stop_id: EventId | None = None
    site_id: Slug | None = None
    search_type: SearchType
    legislation: Legislation
    object_of_search: ObjectOfSearch
    grounds: Text = Field(repr=False)
    vrm_country: Annotated[CountryCode, AfterValidator(_check_country)] | None = None
    vrm: PlateText | None = Field(default=None, repr=False)
    """Required when a vehicle is searched (unless ``vrm_unknown``)."""
    vrm_unknown: StrictBool = False
    """The source of the record did not keep the plate (e.g. data.police.uk imports)."""
    subject_ref: Ref | None = Field(default=None, repr=False)
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
        return _check_plate(value, info)

    def _check(self) -> None:
        _pair(self.latitude, self.longitude)
        if self.search_type.searches_vehicle:
            if self.vrm is None and not self.vrm_unknown:
                raise _rule(
                    "vrm_required",
                    "a vehicle search records the vehicle's plate (vrm), "
                    "or says vrm_unknown: true for a source that did not keep it",
                )
            if self.vrm is not None and self.vrm_unknown:
                raise _rule("vrm_conflict", "vrm is given, so vrm_unknown cannot be true")
        elif self.vrm is not None or self.vrm_unknown:
            raise _rule("vrm_not_searched", "vrm is recorded only when a vehicle is searched")
        if self.vrm_country is not None and self.vrm is None:
            raise _rule("country_without_vrm", "vrm_country describes a plate; give vrm with it")
        if self.search_type.searches_person and self.subject_ref is None:
            raise _rule("subject_required", "a person search records the subject_ref")
        if self.legislation_text is not None and self.legislation is not Legislation.OTHER:
            raise _rule(
                "text_with_code", "legislation_text is kept only when legislation is 'other'"
            )
        if (
            self.object_of_search_text is not None
            and self.object_of_search is not ObjectOfSearch.OTHER
        ):
            raise _rule(
                "text_with_code",
                "object_of_search_text is kept only when object_of_search is 'other'",
            )
        if self.date_only and self.occurred_at.time() != time(0):
            raise _rule(
                "date_only_time", "a date_only search has occurred_at at 00:00:00 UTC of its date"
            )


class Outcome(_EventBase):
    """A disposal for one person, after a search, a stop or an arrest enquiry."""

    kind: Literal["outcome"] = "outcome"
    subject_ref: Ref = Field(repr=False)
    search_id: EventId | None = None
    stop_id: EventId | None = None
    enquiry_id: EventId | None = None
    disposal: Disposal
    offences: tuple[OffenceCode, ...] = ()
    """CJS offence codes, most serious first (the first is the primary offence)."""
    offences_unknown: StrictBool = False
    """The source recorded no offence codes (imports); counted under category ``unknown``."""

    def _check(self) -> None:
        sources = [s for s in (self.search_id, self.stop_id, self.enquiry_id) if s is not None]
        if len(sources) > 1:
            raise _rule(
                "several_sources", "an outcome names at most one of search_id, stop_id, enquiry_id"
            )
        if self.offences_unknown and self.offences:
            raise _rule(
                "offences_conflict", "offences are listed, so offences_unknown cannot be true"
            )
        if self.disposal is Disposal.NO_FURTHER_ACTION and self.offences:
            raise _rule("offences_with_nfa", "no further action names no offences")
        if self.disposal.needs_offences and not self.offences and not self.offences_unknown:
            raise _rule(
                "offences_required",
                f"a {self.disposal.value} names at least one offence code, "
                "or says offences_unknown: true for a source that recorded none",
            )

    @property
    def primary_offence(self) -> str | None:
        """The most serious offence code (the first), if any."""
        return self.offences[0] if self.offences else None


class Seizure(_EventBase):
    """Something seized: drugs, a weapon, a vehicle (RTA s.165A), cash, other."""

    kind: Literal["seizure"] = "seizure"
    search_id: EventId | None = None
    stop_id: EventId | None = None
    sweep_id: EventId | None = None
    site_id: Slug | None = None
    item: SeizureItem
    drug_class: DrugClass | None = None
    drug: Line | None = None
    weapon_type: WeaponType | None = None
    quantity: Line | None = None
    """Free text, e.g. ``"12 wraps"`` or ``"3.5 g"``."""
    vrm_country: Annotated[CountryCode, AfterValidator(_check_country)] | None = None
    vrm: PlateText | None = Field(default=None, repr=False)
    """The seized vehicle's plate (vehicles only)."""
    power: SeizurePower | None = None

    @field_validator("vrm")
    @classmethod
    def _plate(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _check_plate(value, info)

    def _check(self) -> None:
        sources = [s for s in (self.search_id, self.stop_id, self.sweep_id) if s is not None]
        if len(sources) > 1:
            raise _rule(
                "several_sources", "a seizure names at most one of search_id, stop_id, sweep_id"
            )
        item = self.item
        if item is not SeizureItem.CONTROLLED_DRUG and (self.drug_class or self.drug):
            raise _rule("not_a_drug", "drug_class and drug apply only to a controlled_drug")
        if item is not SeizureItem.WEAPON and self.weapon_type:
            raise _rule("not_a_weapon", "weapon_type applies only to a weapon")
        if item is SeizureItem.VEHICLE:
            if self.vrm is None:
                raise _rule("vrm_required", "a vehicle seizure records the vehicle's plate (vrm)")
            if self.power is None:
                raise _rule(
                    "power_required",
                    "a vehicle seizure records its power (e.g. rta_1988_s165a)",
                )
        elif self.vrm is not None or self.vrm_country is not None:
            raise _rule("vrm_not_vehicle", "vrm is recorded only for a vehicle seizure")


class WeaponSweep(_EventBase):
    """An area searched for hidden weapons; finds are seizures naming the sweep."""

    kind: Literal["weapon_sweep"] = "weapon_sweep"
    site_id: Slug | None = None
    location: Line | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    def _check(self) -> None:
        _pair(self.latitude, self.longitude)
        if self.site_id is None and self.location is None:
            raise _rule("place_required", "a weapon sweep names a site_id or a location")


class ArrestEnquiry(_EventBase):
    """Tracking down a wanted person; the arrest is an outcome naming the enquiry."""

    kind: Literal["arrest_enquiry"] = "arrest_enquiry"
    subject_ref: Ref = Field(repr=False)
    wanted_for: tuple[OffenceCode, ...] = Field(min_length=1)
    """CJS codes the person is wanted for, e.g. BA76001 (failing to surrender)."""
    underlying_offence_category: OffenceCategory | None = None
    """The category of the offence behind the warrant (e.g. ``violence``)."""
    high_harm: StrictBool
    located: StrictBool


class Patrol(_EventBase):
    """A high-visibility patrol, from ``occurred_at`` to ``ends_at``."""

    kind: Literal["patrol"] = "patrol"
    site_id: Slug | None = None
    location: Line | None = None
    ends_at: UtcDatetime
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    def _check(self) -> None:
        _pair(self.latitude, self.longitude)
        if self.site_id is None and self.location is None:
            raise _rule("place_required", "a patrol names a site_id or a location")
        if self.ends_at < self.occurred_at:
            raise _rule("ends_before_start", "ends_at is before occurred_at")


class OffenceDefinition(_EventBase):
    """Defines (or overrides) an offence code for this log, so reports need nothing else."""

    kind: Literal["offence_definition"] = "offence_definition"
    code: OffenceCode
    title: Line
    category: OffenceCategory
    statute: Line | None = None
    section: (
        Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=_SINGLE_LINE)] | None
    ) = None
    cjs_class: CjsClass | None = None
    drug_class: DrugClass | None = None

    @field_validator("category")
    @classmethod
    def _not_unknown(cls, category: OffenceCategory) -> OffenceCategory:
        if category is OffenceCategory.UNKNOWN:
            raise _rule(
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


class Correction(_EventBase):
    """Fixes an earlier event (``replacement``: the whole event as it should have been, same
    kind and id) or withdraws it (``retract: true``). Reports apply corrections."""

    kind: Literal["correction"] = "correction"
    target_id: EventId
    reason: Text
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
            raise _rule(
                "replacement_or_retract",
                "a correction has either a replacement or retract: true (exactly one)",
            )
        if self.replacement is not None:
            if self.replacement.event_id != self.target_id:
                raise _rule(
                    "replacement_id",
                    "the replacement must carry the target's event_id (it is the same event)",
                )
            if self.replacement.op_id != self.op_id:
                raise _rule(
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
"""Any event: the discriminated union on ``kind``."""

EVENT_TYPES: dict[EventKind, type[_EventBase]] = {
    EventKind.OPERATION: Operation,
    EventKind.ANPR_HIT: AnprHit,
    EventKind.VEHICLE_STOP: VehicleStop,
    EventKind.SEARCH: Search,
    EventKind.OUTCOME: Outcome,
    EventKind.SEIZURE: Seizure,
    EventKind.WEAPON_SWEEP: WeaponSweep,
    EventKind.ARREST_ENQUIRY: ArrestEnquiry,
    EventKind.PATROL: Patrol,
    EventKind.CORRECTION: Correction,
    EventKind.OFFENCE_DEFINITION: OffenceDefinition,
}

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
_BATCH_ADAPTER: TypeAdapter[list[Event]] = TypeAdapter(list[Event])

# --------------------------------------------------------------------------- canonical form


def canonical_dict(event: _BaseModel) -> dict[str, Any]:
    """The JSON object that is hashed and stored: fields equal to their default are left out.

    Leaving defaults out keeps the stored bytes of an event stable when a later version of the
    format adds an optional field. ``kind`` is always present; times are UTC text; vocabulary
    values are their strings (``StrEnum`` members are ``str``); lists may be tuples.
    :func:`~anpr_ops._canonical.canonical_bytes` of it gives the stored bytes.
    """
    data = event.model_dump(exclude_defaults=True)
    _finish(event, data)
    return data


def canonical_dicts(events: list[Any]) -> list[dict[str, Any]]:
    """:func:`canonical_dict` of each event, in one serialiser call for the whole list.

    The same objects as one call per event, at a fraction of the cost for a batch.
    """
    if len(events) == 1:
        return [canonical_dict(events[0])]
    dumped: list[dict[str, Any]] = _BATCH_ADAPTER.dump_python(events, exclude_defaults=True)
    for event, data in zip(events, dumped, strict=True):
        _finish(event, data)
    return dumped


def _finish(event: _BaseModel, data: dict[str, Any]) -> None:
    # model_dump leaves out kind (it equals its default) and keeps datetimes as objects.
    cls = type(event)
    plan = _FINISH.get(cls)
    if plan is None:
        plan = _FINISH[cls] = _finish_plan(cls)
    kind, times = plan
    if kind is not None:
        data["kind"] = kind
    for name in times:
        value = data.get(name)
        if value is not None:
            data[name] = format_utc(value)
    if cls is Correction:
        replacement = data.get("replacement")
        if replacement is not None:
            _finish(event.__dict__["replacement"], replacement)


def _finish_plan(cls: type[_BaseModel]) -> tuple[str | None, tuple[str, ...]]:
    fields = cls.model_fields
    kind = fields["kind"].default if "kind" in fields else None
    return kind, tuple(name for name in _TIME_FIELDS if name in fields)


_FINISH: dict[type[_BaseModel], tuple[str | None, tuple[str, ...]]] = {}
_TIME_FIELDS = ("occurred_at", "starts_at", "ends_at")


def derive_event_id(event: _EventBase) -> str:
    """A content-derived id: ``<kind>-`` and 20 hex digits of the canonical bytes' SHA-256."""
    data = canonical_dict(event)
    data.pop("event_id", None)
    digest = hashlib.sha256(canonical_bytes(data)).hexdigest()[:20]
    return f"{data['kind']}-{digest}"


# --------------------------------------------------------------------------- parsing


def parse_event(
    data: _EventBase | Mapping[str, Any] | str | bytes, *, line: int | None = None
) -> Event:
    """Read one event from a mapping (interchange format) or a JSON text.

    Raises :class:`~anpr_ops.errors.EventValidationError` naming the event, each bad field and
    what was expected; number plates and other personal data are never echoed.
    """
    if isinstance(data, _EventBase):
        return data  # type: ignore[return-value]  # already validated, and frozen
    try:
        if isinstance(data, str | bytes | bytearray):
            return EVENT_ADAPTER.validate_json(data)
        if isinstance(data, Mapping):
            _check_kinds(data, line)
            return EVENT_ADAPTER.validate_python(dict(data))
    except ValidationError as exc:
        raise validation_error(exc, data, line=line) from None
    except RecursionError:
        # A value nested hundreds of levels deep where a plain value belongs: refusing it
        # means writing its repr into a message, which Python cannot do for such depths.
        raise _too_deep(line) from None
    message = f"an event must be a JSON object (a mapping), not {type(data).__name__}"
    raise EventValidationError(message, code="not_an_object", line=line)


def parse_events(items: list[Any]) -> list[Event]:
    """Validate a list of events (mappings or models) in one pass.

    Faster than one :func:`parse_event` each. The error names the position (``index``) of the
    first bad event in the list.
    """
    index = next((i for i, item in enumerate(items) if _odd_kind(item)), None)
    failure = None
    if index is None:
        try:
            return _BATCH_ADAPTER.validate_python(items)
        except ValidationError as exc:
            loc = exc.errors(include_url=False, include_input=False)[0]["loc"]
            index = loc[0] if loc and isinstance(loc[0], int) else 0
            failure = exc
        except RecursionError:
            index = None  # some item is nested too deep: find it one by one
    for i in [index] if index is not None else range(len(items)):
        try:
            parse_event(items[i])
        except EventValidationError as inner:
            raise EventValidationError(
                f"batch item {i}: {inner.message}",
                problems=inner.problems,
                event_id=inner.event_id,
                index=i,
                code=inner.code,
            ) from None
    if failure is None:
        raise _too_deep(None)
    raise validation_error(failure, None) from None


def _too_deep(line: int | None) -> EventValidationError:
    where = f"line {line}: " if line is not None else ""
    message = "holds lists or objects nested too deeply to read"
    return EventValidationError(
        f"{where}event is invalid: {message}",
        problems=[FieldProblem(loc=(), kind="too_deep", message=message)],
        line=line,
        code="too_deep",
    )


def _odd_kind(data: object) -> tuple[str, ...] | None:
    """Where a mapping's ``kind`` (or its replacement's) holds something other than text."""
    if not isinstance(data, Mapping):
        return None
    if "kind" in data and not isinstance(data["kind"], str):
        return ("kind",)
    replacement = data.get("replacement")
    if isinstance(replacement, Mapping) and not isinstance(replacement.get("kind", ""), str):
        return ("replacement", "kind")
    return None


def _check_kinds(data: Mapping[str, Any], line: int | None) -> None:
    # pydantic writes the repr of a wrong kind into its message while validating; a value
    # whose repr fails (nested thousands deep, an integer too long for str()) then ends up
    # on stderr as an "Exception ignored" traceback. Such a kind is refused here instead.
    loc = _odd_kind(data)
    if loc is None:
        return
    value: Any = data
    for step in loc:
        value = value[step]
    message = f"{type(value).__name__} is not an event kind; expected one of {_KINDS}"
    problem = FieldProblem(loc=loc, kind="union_tag_invalid", message=message)
    where = f"line {line}: " if line is not None else ""
    raise EventValidationError(
        f"{where}event is invalid: {problem.field}: {message}", problems=[problem], line=line
    )


def event_json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of one line of the interchange format."""
    schema = EVENT_ADAPTER.json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://anpr-ops.invalid/schema/event-v{INTERCHANGE_VERSION}.json",
        "title": f"anpr_ops event (interchange format version {INTERCHANGE_VERSION})",
        **schema,
    }


# --------------------------------------------------------------------------- error messages

_KINDS = ", ".join(kind.value for kind in EventKind)
_PREFIXES = ("Value error, ", "Assertion failed, ")


def _clean_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # Drop the union tag pydantic inserts (("anpr_hit", "vrm") -> ("vrm",)), at the top and
    # after "replacement", and list items' positions stay as they are.
    out: list[str | int] = []
    for i, part in enumerate(loc):
        previous = loc[i - 1] if i else None
        at_tag = i == 0 or previous == "replacement" or (isinstance(previous, int) and i == 1)
        if at_tag and isinstance(part, str) and part in EventKind.__members__.values():
            continue
        out.append(part)
    return tuple(out)


_SLUG = "a lower-case slug: a-z, 0-9 and inner hyphens, at most 64 characters"
_CODE = "a CJS offence code: two letters and five digits, e.g. RT88584 (or TH68013A)"
_ID = "an event id: 1-64 characters of A-Z a-z 0-9 . _ : -"
_EXPECTED = {
    "op_id": _SLUG,
    "site_id": _SLUG,
    "force": _SLUG,
    "parent_op_id": _SLUG,
    "event_id": _ID,
    "target_id": _ID,
    "hit_id": _ID,
    "stop_id": _ID,
    "search_id": _ID,
    "enquiry_id": _ID,
    "sweep_id": _ID,
    "offences": _CODE,
    "wanted_for": _CODE,
    "code": _CODE,
    "vrm_country": "an ISO 3166-1 alpha-2 country code in capitals, e.g. FR",
}


def _expected(loc: tuple[str | int, ...]) -> str | None:
    """Plain words for what a field's pattern wants (pydantic would show the regex)."""
    field = next((p for p in reversed(loc) if isinstance(p, str)), None)
    if field in _EXPECTED:
        return _EXPECTED[field]
    if field is not None:
        return "a single line of text without control characters"
    return None


def _shown(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:  # an integer too long to convert to text
        return "a very long integer"
    return text if len(text) <= 40 else text[:37] + "..."


def problems_of(exc: ValidationError) -> list[FieldProblem]:
    """Our :class:`FieldProblem` list for a pydantic error, with personal values masked."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = _clean_loc(tuple(error["loc"]))
        kind = error["type"]
        message = error["msg"]
        for prefix in _PREFIXES:
            message = message.removeprefix(prefix)
        if kind == "union_tag_not_found":
            loc, message = ("kind",), f"missing; expected one of {_KINDS}"
        elif kind == "union_tag_invalid":
            tag = error.get("ctx", {}).get("tag", "")
            loc, message = (
                ("kind",),
                f"{_shown(tag)} is not an event kind; expected one of {_KINDS}",
            )
        elif kind == "extra_forbidden":
            message = "unknown field (not part of this kind of event)"
        elif kind == "string_pattern_mismatch" and _expected(loc):
            field = next(p for p in reversed(loc) if isinstance(p, str))
            value = error.get("input")
            got = "" if field in PERSONAL_FIELDS else f" (got {_shown(value)})"
            message = f"expected {_expected(loc)}{got}"
        elif kind == "missing":
            message = "required field is missing"
        else:
            field = next((p for p in reversed(loc) if isinstance(p, str)), "")
            value = error.get("input")
            if (
                field not in PERSONAL_FIELDS
                and isinstance(value, str | int | float | bool)
                and kind not in {"json_invalid"}
            ):
                message = f"{message} (got {_shown(value)})"
        problems.append(FieldProblem(loc=loc, kind=kind, message=message))
    return problems


def validation_error(
    exc: ValidationError, data: object, *, line: int | None = None
) -> EventValidationError:
    """Wrap a pydantic ``ValidationError`` about ``data`` as an :class:`EventValidationError`."""
    problems = problems_of(exc)
    event_id = None
    kind = None
    if isinstance(data, str | bytes | bytearray):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to read
            data = None
    if isinstance(data, Mapping):
        raw_id, raw_kind = data.get("event_id"), data.get("kind")
        if isinstance(raw_id, str) and re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", raw_id):
            event_id = raw_id
        if isinstance(raw_kind, str) and raw_kind in EventKind.__members__.values():
            kind = raw_kind
    if problems and problems[0].kind == "json_invalid":
        where = f"line {line}: " if line is not None else ""
        message = f"{where}malformed JSON: {problems[0].message}"
        return EventValidationError(message, problems=problems, line=line, code="malformed_json")
    subject = "event"
    if event_id:
        subject += f" {event_id!r}"
    if kind:
        subject += f" ({kind})"
    if line is not None:
        subject = f"line {line}: {subject}"
    details = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return EventValidationError(
        f"{subject} is invalid: {details}",
        problems=problems,
        event_id=event_id,
        line=line,
    )
