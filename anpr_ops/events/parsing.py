"""Reading events: :func:`parse_event`, :func:`parse_events`, the JSON Schema, and error
messages that name the event, the field and what was expected — never a personal value.

pydantic's own ``ValidationError`` quotes every input value, plates included, so it is
translated into an :class:`~anpr_ops.errors.EventValidationError` and deliberately not chained
(``from None``): a traceback must not print what the message masks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from anpr_ops._messages import shown
from anpr_ops.errors import EventValidationError, FieldProblem
from anpr_ops.events.kinds import KINDS, PERSONAL_FIELDS, personal_fields
from anpr_ops.events.models import BATCH_ADAPTER, EVENT_ADAPTER, Event, EventBase
from anpr_ops.vocab import EventKind

__all__ = [
    "INTERCHANGE_VERSION",
    "body_json_schema",
    "event_json_schema",
    "parse_event",
    "parse_events",
    "problems_of",
    "validation_error",
]

#: Version of the JSON Lines interchange format these models read and write.
INTERCHANGE_VERSION = 1


def parse_event(
    data: EventBase | Mapping[str, Any] | str | bytes, *, line: int | None = None
) -> Event:
    """Read one event from a mapping (interchange format) or a JSON text.

    Raises :class:`~anpr_ops.errors.EventValidationError` naming the event, each bad field and
    what was expected; number plates and other personal data are never echoed.
    """
    if isinstance(data, EventBase):
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
            return BATCH_ADAPTER.validate_python(items)
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
    # Runs for every item of a batch: a plain dict is recognised without the ABC check.
    if type(data) is not dict and not isinstance(data, Mapping):
        return None
    if "kind" in data and type(data["kind"]) is not str and not isinstance(data["kind"], str):
        return ("kind",)
    replacement = data.get("replacement")
    if replacement is None:
        return None
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


def body_json_schema() -> dict[str, Any]:
    """A JSON Schema of a stored body (the chained bytes of an event in a log): the event's
    public fields, its commitment to personal values (``personal``) and its subject number
    (``subject``), without the personal fields themselves.

    Each kind's definition lists its personal fields under ``x-personal``. The standalone
    verifier checks bodies against this schema with the standard library alone
    (:mod:`anpr_ops._bodycheck`); it is written to ``anpr_ops/data/body-schema.json``.
    """
    schema = EVENT_ADAPTER.json_schema(mode="validation")
    defs: dict[str, Any] = schema["$defs"]
    commitment = {
        "type": "object",
        "properties": {
            "commitment": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
        "required": ["commitment", "fields"],
        "additionalProperties": False,
    }
    for spec in KINDS:
        definition = defs[spec.model.__name__]
        personal = list(personal_fields(spec.model))
        properties = definition["properties"]
        for name in personal:
            properties.pop(name, None)
        definition["required"] = [r for r in definition.get("required", []) if r not in personal]
        if personal:
            properties["personal"] = commitment
        if "subject_ref" in personal:
            properties["subject"] = {"type": "integer", "minimum": 1}
        definition["x-personal"] = personal
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://anpr-ops.invalid/schema/body-v2.json",
        "title": "anpr_ops stored event body (storage format 2)",
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
                f"{shown(tag)} is not an event kind; expected one of {_KINDS}",
            )
        elif kind == "extra_forbidden":
            message = "unknown field (not part of this kind of event)"
        elif kind == "string_pattern_mismatch" and _expected(loc):
            field = next(p for p in reversed(loc) if isinstance(p, str))
            value = error.get("input")
            got = "" if field in PERSONAL_FIELDS else f" (got {shown(value)})"
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
                message = f"{message} (got {shown(value)})"
        problems.append(FieldProblem(loc=loc, kind=kind, message=message))
    return problems


_JSON_AT = re.compile(
    r"^(?:Invalid JSON: )?(?P<what>.*?) at line (?P<line>\d+) column (?P<column>\d+)$"
)


def _json_problem(text: str) -> str:
    """Where and what, for a JSON parser's message about one event's text: the column within
    the event (one line of a file), not a line and column of that one line."""
    found = _JSON_AT.match(text)
    if found is None:
        return f": {text.removeprefix('Invalid JSON: ')}"
    what, at_line, column = found["what"], found["line"], found["column"]
    if at_line == "1":
        return f" at column {column}: {what}"
    if column == "0":
        return f" at the end of the line: {what}"  # the parser ran past the line's newline
    return f" at line {at_line} of the text, column {column}: {what}"


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
        message = f"{where}malformed JSON{_json_problem(problems[0].message)}"
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
