"""The scalar types of the event format: ids, slugs, text, coordinates, times, plates.

Each is an ``Annotated`` pydantic type whose constraints run in pydantic-core where they can
(patterns, lengths, ranges); Python validators only where a rule needs code (times with an
offset, plates, time zones). Messages never echo a plate.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from anpr_ops import vrm as plates
from anpr_ops._time import TimeFormatError, format_utc, parse_aware
from anpr_ops.errors import InvalidVrmError
from anpr_ops.vocab import EventKind

__all__ = [
    "PERSONAL",
    "CountryCode",
    "EventId",
    "Latitude",
    "Line",
    "Longitude",
    "Personal",
    "PlateText",
    "Ref",
    "RefersTo",
    "Slug",
    "Text",
    "TimeZoneName",
    "UtcDatetime",
    "check_country",
    "check_plate",
    "pair",
    "rule",
]

SINGLE_LINE = r"^[^\x00-\x1f\x7f]+$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$"

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
Line = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=SINGLE_LINE)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SINGLE_LINE)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=MULTI_LINE)]
Latitude = Annotated[float, Field(ge=-90, le=90, strict=True)]
Longitude = Annotated[float, Field(ge=-180, le=180, strict=True)]
CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 country of a foreign plate, e.g. FR"),
]


def _utc(value: object) -> datetime:
    # One Python call per time: text or a datetime only (lax parsing would read 1587200000
    # as a Unix time), never naive, converted to UTC.
    if isinstance(value, str):
        try:
            return parse_aware(value)
        except TimeFormatError as exc:
            if exc.code == "naive_date":
                raise PydanticCustomError("timezone_naive", _NAIVE) from None
            raise PydanticCustomError(
                "datetime_parsing",
                "not an RFC 3339 date-time (e.g. 2020-04-18T10:15:00+01:00)",
            ) from None
    if not isinstance(value, datetime):
        raise PydanticCustomError(
            "datetime_type", "expected an RFC 3339 date-time string with a UTC offset"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_naive", _NAIVE)
    return value.astimezone(UTC)


_NAIVE = (
    "a date-time needs a UTC offset (e.g. 2020-04-18T10:15:00+01:00 or ...Z); "
    "naive times are refused"
)


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


_EVENT_FOREIGN_HINT = (
    'a foreign plate is recorded with its country in vrm_country (e.g. "vrm_country": "FR")'
)


def check_plate(value: str | None, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    foreign = info.data.get("vrm_country") is not None
    try:
        return plates.validate(value, foreign=foreign)
    except InvalidVrmError as exc:
        # The message names the problem, never the plate; an event marks a foreign plate with
        # its country, not with the keyword argument the plate functions take.
        message = exc.message
        if message.endswith(plates.FOREIGN_HINT):
            message = message.removesuffix(plates.FOREIGN_HINT) + _EVENT_FOREIGN_HINT
        raise PydanticCustomError(exc.code, message) from None


def check_country(value: str) -> str:
    if value in {"GB", "UK"}:
        raise PydanticCustomError(
            "vrm_country_domestic",
            "vrm_country marks a foreign plate; leave it out for a UK plate",
        )
    return value


def pair(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise PydanticCustomError(
            "coordinates_pair", "latitude and longitude go together: give both or neither"
        )


def rule(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


@dataclass(frozen=True, slots=True)
class Personal:
    """Field metadata: the field holds personal data. Its value is kept apart from the event's
    chained bytes (which hold only a commitment to it), masked unless asked for, and erasable;
    it is hidden from ``repr`` and never echoed in messages."""


PERSONAL = Personal()


@dataclass(frozen=True, slots=True)
class RefersTo:
    """Field metadata: the field holds the ``event_id`` of an event of ``kind``, in the same
    operation, that must exist (and be live) when the event is appended."""

    kind: EventKind
