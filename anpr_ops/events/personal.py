"""Personal values: which fields hold them, how an event's canonical object is split into
what is chained and what is kept apart, and how a read puts them back — or masks them.

The chained bytes of an event hold its public fields and a commitment to its personal values
(``docs/log.md``); the values themselves are kept in the log's ``personal`` table, where they
can be erased. A read that does not ask for personal values (or may not see them) gets the
event with each personal field that had a value replaced by a marker: :data:`WITHHELD` (not
asked for), :data:`RESTRICTED` (restricted, and not asked for explicitly) or :data:`ERASED`.
An event holding a marker cannot be appended again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from pydantic import BaseModel

from anpr_ops._commitment import merge, paths
from anpr_ops.events.kinds import KIND_SPECS, personal_fields
from anpr_ops.vocab import EventKind
from anpr_ops.vrm import plates_in_text

__all__ = [
    "ERASED",
    "FREE_TEXT",
    "MARKERS",
    "RESTRICTED",
    "STAND_INS",
    "WITHHELD",
    "merge",
    "paths",
    "plate_shaped",
    "plate_warnings",
    "split",
    "strip",
]

#: The value a read shows for a personal field it was not asked to return.
WITHHELD: Final = "[withheld]"
#: The value a read shows for a personal field of a restricted record (DPA 2018 s.47(2)).
RESTRICTED: Final = "[restricted]"
#: The value a read shows for a personal field whose value was erased.
ERASED: Final = "[erased]"
MARKERS: Final = frozenset({WITHHELD, RESTRICTED, ERASED})

#: A valid stand-in for each personal field, so that an event whose values are not at hand can
#: be validated as any other (then given its markers, or judged for its other fields).
STAND_INS: Final[Mapping[str, str]] = {
    "vrm": "AB12CDE",
    "raw_vrm": "AB12CDE",
    "subject_ref": "x",
    "officer_id": "x",
    "notes": "x",
    "grounds": "x",
    "description": "x",
    "reason": "x",
    "location": "x",
}


#: Public fields that hold free text: a plate typed into one of them would be published with
#: reports and exports, so appends warn about it and publications mask it.
FREE_TEXT: Final = frozenset(
    {
        "name",
        "location",
        "policing_operation",
        "quantity",
        "drug",
        "legislation_text",
        "object_of_search_text",
        "title",
        "statute",
        "camera_id",
    }
)


def plate_shaped(public: Mapping[str, Any]) -> list[str]:
    """The dotted names of the free-text fields of a public canonical object (its sites' and
    replacement's included) that hold a plate-shaped word (:func:`anpr_ops.vrm.plates_in_text`).
    """
    found = []
    for key, value in public.items():
        if key in FREE_TEXT and isinstance(value, str) and _has_plate(value):
            found.append(key)
        elif key == "sites" and isinstance(value, list | tuple):
            for i, site in enumerate(value):
                if isinstance(site, Mapping) and plates_in_text(str(site.get("name", ""))):
                    found.append(f"sites[{i}].name")
        elif key == "replacement" and isinstance(value, Mapping):
            found += [f"replacement.{inner}" for inner in plate_shaped(value)]
    return found


def _has_plate(text: str) -> bool:
    """Whether ``text`` holds a plate-shaped word; the answers for the last few thousand texts
    are kept (camera ids and quantities come back event after event)."""
    known = _PLATE_SHAPED.get(text)
    if known is None:
        if len(_PLATE_SHAPED) >= 4096:
            _PLATE_SHAPED.clear()
        known = _PLATE_SHAPED[text] = bool(plates_in_text(text))
    return known


_PLATE_SHAPED: dict[str, bool] = {}


def plate_warnings(events: Iterable[tuple[str, Mapping[str, Any]]]) -> tuple[str, ...]:
    """One warning for each plate-shaped free-text field of ``(event_id, public object)``
    pairs — naming the event and field, never the text."""
    return tuple(
        f"event {event_id!r}: {field} holds what looks like a number plate; it is stored as "
        "given, and masked in reports and publication exports"
        for event_id, public in events
        for field in plate_shaped(public)
    )


def _model(kind: object) -> type[BaseModel]:
    return KIND_SPECS[EventKind(str(kind))].model


def split(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(public, personal)``: an event's canonical object without its personal fields, and
    those fields (a correction's replacement's under ``"replacement"``). Neither is shared
    with ``data``.

    >>> split({"kind": "patrol", "op_id": "x", "notes": "seen A", "site_id": "brixton"})
    ({'kind': 'patrol', 'op_id': 'x', 'site_id': 'brixton'}, {'notes': 'seen A'})
    """
    names = personal_fields(_model(data["kind"]))
    public = {key: value for key, value in data.items() if key not in names}
    personal = {key: data[key] for key in names if key in data}
    replacement = data.get("replacement")
    if replacement is not None:
        inner_public, inner_personal = split(replacement)
        public["replacement"] = inner_public
        if inner_personal:
            personal["replacement"] = inner_personal
    return public, personal


def strip(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without its personal fields (the public part of :func:`split`)."""
    return split(data)[0]
