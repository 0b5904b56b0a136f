"""The commitment an event's chained bytes make to its personal values. Standard library only.

An event with personal values (plates, subject references, officer ids, free text) chains
``"personal": {"commitment": c, "fields": [...]}`` instead of them: ``c`` is the hex SHA-256 of
a random 16-byte salt followed by the canonical bytes of the values object (``{"vrm": …,
"replacement": {"subject_ref": …}}``), and ``fields`` their dotted names, sorted. The store
writes it, both verifiers check it against the values the log keeps, and an inclusion proof
that discloses the values lets anyone check them against the leaf: one definition for all, and
one way back from chained bytes and values to the event (:func:`event_object`).

>>> values = {"vrm": "AB12CDE", "replacement": {"notes": "seen"}}
>>> paths(values)
['replacement.notes', 'vrm']
>>> merge({"kind": "x", "replacement": {"kind": "y"}}, values)
{'kind': 'x', 'replacement': {'kind': 'y', 'notes': 'seen'}, 'vrm': 'AB12CDE'}
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

__all__ = ["SALT_BYTES", "commitment", "event_object", "merge", "paths"]

#: Bytes of the random salt drawn for each event's personal values.
SALT_BYTES = 16


def commitment(salt: bytes, values_text: str) -> str:
    """The commitment to personal values: hex SHA-256 of the salt, then the values' bytes.

    ``values_text`` is the canonical JSON text of the values object (``_canonical``).
    """
    return hashlib.sha256(salt + values_text.encode("utf-8")).hexdigest()


def paths(personal: Mapping[str, Any]) -> list[str]:
    """The dotted names of the fields a personal object holds (``replacement.vrm``), sorted."""
    out: list[str] = []
    for key, value in personal.items():
        if key == "replacement" and isinstance(value, Mapping):
            out += [f"replacement.{inner}" for inner in paths(value)]
        else:
            out.append(key)
    return sorted(out)


def merge(public: dict[str, Any], personal: Mapping[str, Any]) -> dict[str, Any]:
    """Put personal values back into a public object (in place; also returned)."""
    for key, value in personal.items():
        if key == "replacement" and isinstance(value, Mapping):
            merge(public["replacement"], value)
        else:
            public[key] = value
    return public


def event_object(data: dict[str, Any], values: Mapping[str, Any] | None) -> dict[str, Any]:
    """An event's canonical object from the object of its chained bytes and its personal
    values: the commitment and the log's person numbers taken out, the values put back (its
    public part alone when ``values`` is ``None``: not disclosed, or erased).

    ``data`` (freshly read from the bytes) is changed in place and returned.
    """
    data.pop("personal", None)
    data.pop("subject", None)
    replacement = data.get("replacement")
    if isinstance(replacement, dict):
        replacement.pop("subject", None)
    if values is not None:
        merge(data, values)
    return data
