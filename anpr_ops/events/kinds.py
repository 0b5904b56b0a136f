"""The one table of event kinds, and what is derived from it.

:data:`KINDS` lists every kind with its model and the plural name of its table and readable
view. The references the store checks, the dependants it protects from retraction
(:func:`referrers`), the way an event finds its site (:data:`SITE_VIA`) and the personal
fields are all read off the models here, so a new kind or a new reference is declared once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from anpr_ops.events.models import (
    AnprHit,
    ArrestEnquiry,
    Correction,
    EventBase,
    OffenceDefinition,
    Operation,
    Outcome,
    Patrol,
    Personal,
    RefersTo,
    Search,
    Seizure,
    VehicleStop,
    WeaponSweep,
)
from anpr_ops.vocab import EventKind

__all__ = [
    "EVENT_TYPES",
    "KINDS",
    "KIND_SPECS",
    "PERSONAL_FIELDS",
    "SITE_VIA",
    "KindSpec",
    "personal_fields",
    "reference_fields",
    "references",
    "referrers",
]


@dataclass(frozen=True, slots=True)
class KindSpec:
    """One kind of event: its model and the plural name of its table and readable view."""

    kind: EventKind
    model: type[EventBase]
    plural: str
    replaceable: bool = True
    """Whether a correction may replace it (a correction itself is corrected by another)."""


#: Every kind of event, in the order of the vocabulary. The unions, the references and
#: dependants, and the store's per-kind tables are derived from this table.
KINDS: tuple[KindSpec, ...] = (
    KindSpec(EventKind.OPERATION, Operation, "operations"),
    KindSpec(EventKind.ANPR_HIT, AnprHit, "anpr_hits"),
    KindSpec(EventKind.VEHICLE_STOP, VehicleStop, "vehicle_stops"),
    KindSpec(EventKind.SEARCH, Search, "searches"),
    KindSpec(EventKind.OUTCOME, Outcome, "outcomes"),
    KindSpec(EventKind.SEIZURE, Seizure, "seizures"),
    KindSpec(EventKind.WEAPON_SWEEP, WeaponSweep, "weapon_sweeps"),
    KindSpec(EventKind.ARREST_ENQUIRY, ArrestEnquiry, "arrest_enquiries"),
    KindSpec(EventKind.PATROL, Patrol, "patrols"),
    KindSpec(EventKind.CORRECTION, Correction, "corrections", replaceable=False),
    KindSpec(EventKind.OFFENCE_DEFINITION, OffenceDefinition, "offence_definitions"),
)
KIND_SPECS: Mapping[EventKind, KindSpec] = {spec.kind: spec for spec in KINDS}
EVENT_TYPES: Mapping[EventKind, type[EventBase]] = {spec.kind: spec.model for spec in KINDS}


def references(model: type[EventBase]) -> dict[str, EventKind]:
    """The fields of ``model`` that name another event, and the kind each must name, in the
    order the model declares them."""
    return _REFERENCES[model]


def reference_fields(model: type[EventBase]) -> tuple[str, ...]:
    """The names of :func:`references` (read for every event appended, so kept as a tuple)."""
    return _REFERENCE_FIELDS[model]


def _declared_references(model: type[BaseModel]) -> dict[str, EventKind]:
    return {
        name: marker.kind
        for name, field in model.model_fields.items()
        for marker in field.metadata
        if isinstance(marker, RefersTo)
    }


_REFERENCES: dict[type[EventBase], dict[str, EventKind]] = {
    spec.model: _declared_references(spec.model) for spec in KINDS
}
_REFERENCE_FIELDS = {model: tuple(fields) for model, fields in _REFERENCES.items()}


def referrers(kind: EventKind) -> tuple[tuple[EventKind, str], ...]:
    """``(kind, field)`` of every field that may name an event of ``kind`` (its dependants)."""
    return tuple(
        (spec.kind, field)
        for spec in KINDS
        for field, target in _REFERENCES[spec.model].items()
        if target == kind
    )


def _site_required(model: type[EventBase]) -> bool:
    field = model.model_fields.get("site_id")
    return field is not None and field.is_required()


#: How an event without a ``site_id`` of its own finds its site: through the events its
#: reference fields name, in this order (a search through its stop; an outcome through its
#: search or stop; a seizure through its search, stop or sweep). An event with a ``site_id``
#: field uses it when set. Derived from the models; the report's SQL and the Python that
#: resolves sites are both generated from it.
SITE_VIA: Mapping[EventKind, tuple[str, ...]] = {
    spec.kind: tuple(
        field
        for field, target in _REFERENCES[spec.model].items()
        if "site_id" in EVENT_TYPES[target].model_fields or references(EVENT_TYPES[target])
    )
    for spec in KINDS
    if spec.kind not in {EventKind.OPERATION, EventKind.CORRECTION}
    and not _site_required(spec.model)
}


def personal_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` declared :class:`~anpr_ops.events.models.Personal`, in the
    order the model declares them."""
    return _PERSONAL[model]


def _declared_personal(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(
        name
        for name, field in model.model_fields.items()
        if any(isinstance(marker, Personal) for marker in field.metadata)
    )


_PERSONAL: dict[type[BaseModel], tuple[str, ...]] = {
    spec.model: _declared_personal(spec.model) for spec in KINDS
}

#: Every field name that holds personal data in some kind: never echoed in error messages,
#: hidden from ``repr``, kept apart from the chained bytes and erasable.
PERSONAL_FIELDS: frozenset[str] = frozenset(name for names in _PERSONAL.values() for name in names)
