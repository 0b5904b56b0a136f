"""Whether a stored body is a valid event: the check the full verification runs on each body.

A body holds an event's public fields, a commitment naming its personal fields, and the log's
number for its subject; it is valid when, with a stand-in in each personal field it names, it
validates as the event model of its kind does on append, and its commitment and subject are
where they belong. The answer never quotes a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from anpr_ops.events import EVENT_ADAPTER, KIND_SPECS, personal_fields
from anpr_ops.events.personal import STAND_INS
from anpr_ops.vocab import EventKind

__all__ = ["body_problem"]

_KINDS = frozenset(kind.value for kind in EventKind)


def body_problem(body: Mapping[str, Any]) -> str | None:
    """``None`` when ``body`` is a valid stored event, else what is wrong with it."""
    data = dict(body)
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _KINDS:
        return "it has no known kind"
    meta = data.pop("personal", None)
    fields: list[str] = []
    if meta is not None:
        if (
            not isinstance(meta, dict)
            or set(meta) != {"commitment", "fields"}
            or not isinstance(meta["fields"], list)
            or not meta["fields"]
            or not all(isinstance(f, str) for f in meta["fields"])
            or meta["fields"] != sorted(set(meta["fields"]))
        ):
            return "its commitment to personal values is malformed"
        fields = meta["fields"]
    replacement = data.get("replacement")
    subjects: list[tuple[str, Any]] = [("", data)]
    if isinstance(replacement, dict):
        data["replacement"] = replacement = dict(replacement)
        subjects.append(("replacement.", replacement))
    for prefix, part in subjects:
        named = f"{prefix}subject_ref" in fields
        subject = part.pop("subject", None)
        if named != (subject is not None) or (
            subject is not None and (type(subject) is not int or subject < 1)
        ):
            return "its subject number does not match its personal fields"
    for _, part in subjects:
        part_kind = part.get("kind")
        if isinstance(part_kind, str) and part_kind in _KINDS:
            model = KIND_SPECS[EventKind(part_kind)].model
            if any(name in part for name in personal_fields(model)):
                return "it holds a personal value in the chained bytes"
    for path in fields:
        outer, _, name = path.rpartition(".")
        part = replacement if outer == "replacement" else data
        if outer not in {"", "replacement"} or not isinstance(part, dict) or name in part:
            return "its commitment names a field that is not personal"
        part_kind = part.get("kind")
        if not isinstance(part_kind, str) or part_kind not in _KINDS:
            return "it has no known kind"
        if name not in personal_fields(KIND_SPECS[EventKind(part_kind)].model):
            return "its commitment names a field that is not personal"
        part[name] = STAND_INS[name]
    try:
        EVENT_ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "the event"
        return f"{where}: {first['type']}"
    except (RecursionError, TypeError, ValueError):
        return "it cannot be read as an event"
    return None
