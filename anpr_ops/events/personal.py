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

from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel

from anpr_ops._commitment import merge, paths
from anpr_ops.events.kinds import KIND_SPECS, personal_fields
from anpr_ops.vocab import EventKind

__all__ = [
    "ERASED",
    "MARKERS",
    "RESTRICTED",
    "STAND_INS",
    "WITHHELD",
    "merge",
    "paths",
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
}


def _model(kind: object) -> type[BaseModel]:
    return KIND_SPECS[EventKind(str(kind))].model


def split(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(public, personal)``: an event's canonical object without its personal fields, and
    those fields (a correction's replacement's under ``"replacement"``). Neither is shared
    with ``data``.

    >>> split({"kind": "patrol", "op_id": "x", "notes": "seen A", "location": "Brixton"})
    ({'kind': 'patrol', 'op_id': 'x', 'location': 'Brixton'}, {'notes': 'seen A'})
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
