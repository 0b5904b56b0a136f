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

from anpr_ops._time import format_utc
from anpr_ops.events.canonical import canonical_dict, canonical_dicts, derive_event_id, left_out
from anpr_ops.events.kinds import (
    EVENT_TYPES,
    KIND_SPECS,
    KINDS,
    PERSONAL_FIELDS,
    SITE_VIA,
    KindSpec,
    personal_fields,
    reference_fields,
    references,
    referrers,
)
from anpr_ops.events.models import (
    BATCH_ADAPTER,
    EVENT_ADAPTER,
    AnprHit,
    ArrestEnquiry,
    Correction,
    Event,
    EventBase,
    OffenceDefinition,
    Operation,
    Outcome,
    Patrol,
    Personal,
    RefersTo,
    ReplacementEvent,
    Search,
    Seizure,
    Site,
    VehicleStop,
    WeaponSweep,
)
from anpr_ops.events.parsing import (
    INTERCHANGE_VERSION,
    event_json_schema,
    parse_event,
    parse_events,
    problems_of,
    validation_error,
)

__all__ = [
    "BATCH_ADAPTER",
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "INTERCHANGE_VERSION",
    "KINDS",
    "KIND_SPECS",
    "PERSONAL_FIELDS",
    "SITE_VIA",
    "AnprHit",
    "ArrestEnquiry",
    "Correction",
    "Event",
    "EventBase",
    "KindSpec",
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
    "canonical_dict",
    "canonical_dicts",
    "derive_event_id",
    "event_json_schema",
    "format_utc",
    "left_out",
    "parse_event",
    "parse_events",
    "personal_fields",
    "problems_of",
    "reference_fields",
    "references",
    "referrers",
    "validation_error",
]
