"""Whether a stored body is a valid event, with nothing but the standard library.

The standalone verifier checks each body against the JSON Schema of stored bodies
(``anpr_ops/data/body-schema.json``, generated from the event models by
:func:`anpr_ops.events.parsing.body_json_schema`; a test keeps it current): the kind is known,
every field is one of its kind with a value of the right type, vocabulary, pattern and range,
every required field is there, and the commitment to personal values names only personal
fields of the kind, with a subject number exactly when it names a subject. Rules across fields
(a vehicle search has a plate, an arrest an offence) are checked by the library's own
verification, not here. The answer never quotes a value.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime
from importlib import resources
from typing import Any

__all__ = ["check_body"]

_MISSING = object()


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files("anpr_ops").joinpath("data", "body-schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = _schema()["$defs"][name]
    return node


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "null":
        return value is None
    return False


def _problem(value: Any, node: dict[str, Any], where: str) -> str | None:
    """What is wrong with ``value`` against schema ``node`` (``None`` when nothing)."""
    node = _resolve(node)
    if "anyOf" in node or "oneOf" in node:
        options = node.get("anyOf") or node.get("oneOf") or []
        discriminator = node.get("discriminator")
        if discriminator is not None:
            if not isinstance(value, dict):
                return f"{where}: expected an object"
            name = discriminator["propertyName"]
            tag = value.get(name)
            target = discriminator["mapping"].get(tag) if isinstance(tag, str) else None
            if target is None:
                return f"{where}.{name}: not a known kind" if where else f"{name}: not a known kind"
            return _problem(value, {"$ref": target}, where)
        tried = [_problem(value, option, where) for option in options]
        if all(p is not None for p in tried):
            return next(p for p in tried if p is not None)
        return None
    if "const" in node and value != node["const"]:
        return f"{where}: not the value this field must hold"
    if "enum" in node and value not in node["enum"]:
        return f"{where}: not a value of its vocabulary"
    kind = node.get("type")
    if kind is not None and not _type_ok(value, kind):
        return f"{where}: expected {kind}"
    if isinstance(value, str):
        return _string_problem(value, node, where)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in node and value < node["minimum"]:
            return f"{where}: below its minimum"
        if "maximum" in node and value > node["maximum"]:
            return f"{where}: above its maximum"
        return None
    if isinstance(value, list):
        if len(value) < node.get("minItems", 0) or len(value) > node.get("maxItems", len(value)):
            return f"{where}: a list of the wrong length"
        items = node.get("items")
        if items is not None:
            for index, item in enumerate(value):
                wrong = _problem(item, items, f"{where}[{index}]")
                if wrong is not None:
                    return wrong
        return None
    if isinstance(value, dict):
        return _object_problem(value, node, where)
    return None


def _string_problem(value: str, node: dict[str, Any], where: str) -> str | None:
    if len(value) < node.get("minLength", 0) or len(value) > node.get("maxLength", len(value)):
        return f"{where}: text of the wrong length"
    pattern = node.get("pattern")
    if pattern is not None and _pattern(pattern).search(value) is None:
        return f"{where}: text of the wrong form"
    if node.get("format") == "date-time":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return f"{where}: not a date-time"
        if moment.tzinfo is None:
            return f"{where}: a date-time without a UTC offset"
    return None


def _object_problem(value: dict[str, Any], node: dict[str, Any], where: str) -> str | None:
    properties: dict[str, Any] = node.get("properties", {})
    for name in node.get("required", ()):
        if name not in value:
            return f"{where}.{name}: missing" if where else f"{name}: missing"
    for name, item in value.items():
        schema = properties.get(name, _MISSING)
        label = f"{where}.{name}" if where else name
        if schema is _MISSING:
            if node.get("additionalProperties", True) is False:
                return f"{label}: not a field of this kind"
            continue
        found = _problem(item, schema, label)
        if found is not None:
            return found
    return None


def _personal_problem(body: dict[str, Any]) -> str | None:
    """The commitment names personal fields of the body's kinds, and the subject numbers
    stand exactly beside a named subject reference."""
    defs = _schema()["$defs"]
    mapping = _schema()["discriminator"]["mapping"]
    meta = body.get("personal")
    fields = list(meta["fields"]) if isinstance(meta, dict) else []
    if fields != sorted(set(fields)):
        return "personal.fields: not sorted, or repeated"
    replacement = body.get("replacement")
    parts: list[tuple[str, Any]] = [("", body)]
    if isinstance(replacement, dict):
        if "personal" in replacement:
            return "replacement.personal: a replacement holds no commitment of its own"
        parts.append(("replacement.", replacement))
    named = set()
    for prefix, part in parts:
        kind = part.get("kind")
        definition = defs[mapping[kind].rsplit("/", 1)[-1]] if kind in mapping else {}
        personal = set(definition.get("x-personal", ()))
        for field in fields:
            if field.startswith(prefix) and "." not in field[len(prefix) :]:
                name = field[len(prefix) :]
                if name not in personal:
                    return f"personal.fields: names {prefix}{name}, which is not personal"
                named.add(field)
        if (f"{prefix}subject_ref" in fields) != ("subject" in part):
            return f"{prefix}subject: a subject number without its reference, or the reverse"
    if named != set(fields):
        return "personal.fields: names a field of no part of the event"
    return None


def check_body(body: dict[str, Any]) -> str | None:
    """``None`` when ``body`` (a parsed stored body) is a valid stored event, else what is
    wrong with it (naming the field, never quoting a value)."""
    found = _problem(body, _schema(), "")
    if found is not None:
        return found
    return _personal_problem(body)
