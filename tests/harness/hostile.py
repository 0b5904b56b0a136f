"""Hypothesis strategies of hostile input: valid events bent out of shape, and broken JSON lines.

An input starts as a valid event of some kind (from :func:`tests.harness.rich.rich_events`,
with a fresh ``event_id`` so that an input that is still valid appends a new event) and has
one to three things done to it, anywhere in it (nested sites, reasons, replacements too):
a field removed, a field added, or a value replaced by junk. Junk is wrong types, huge and
tiny numbers, NaN and infinities, huge strings, control characters, Unicode look-alikes of
plates and offence codes, SQL metacharacters, lone surrogates and deeply nested lists and
objects. JSON lines are such events serialised, then sometimes cut, spliced with junk, nested
thousands deep or made of bytes that are not UTF-8.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

from tests.harness.rich import rich_events

#: Strings that break naive SQL built by concatenation (and LIKE patterns).
SQL_PAYLOADS = (
    "'",
    '"',
    "'; DROP TABLE events; --",
    '" OR "1"="1',
    "x' OR '1'='1",
    "1; DELETE FROM events",
    "%",
    "_",
    "\\",
    '\') UNION SELECT body, salt, "values" FROM personal --',
    "*/ SELECT 1 /*",
    "\x00",
    "`[]`",
    "?",
    ":name",
    "@x $1",
)

#: Plates and codes written with characters that look like the real ones but are not ASCII.
LOOK_ALIKES = (
    "АВ12СDЕ",  # Cyrillic А, В, С, Е
    "ＡＢ１２ＣＤＥ",  # fullwidth
    "AB12\u200bCDE",  # zero-width space
    "AB12CDE\u202e",  # right-to-left override
    "A\u0301B12CDE",  # combining accent
    "AB12 CDE\u00a0",  # no-break space
    "ΑΒ12CDΕ",  # Greek capitals
    "MD7l234",  # l for 1
    "MD71234\ufeff",  # byte-order mark
    "ВА76001",  # Cyrillic В, А
    "kaiser‐2020‐04‐18",  # Unicode hyphens
    "vauxhaII",  # capital I for l
)


def deep(depth: int, kind: str) -> Any:
    """A list or object nested ``depth`` levels deep."""
    value: Any = []
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def _huge_string(ch: str, n: int) -> str:
    return ch * n


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**20 + 10),
    # Integers too long for str() (Python limits int-to-text conversion to 4300 digits).
    st.builds(pow, st.sampled_from([10, -10]), st.integers(4300, 5000)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324]),
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=10),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.builds(
        lambda a, s, b: a + s + b,
        st.text(max_size=5),
        st.sampled_from(["\ud800", "\udfff", "\udbff\udbff"]),
        st.text(max_size=5),
    ),
    st.sampled_from(SQL_PAYLOADS),
    st.sampled_from(LOOK_ALIKES),
    st.builds(_huge_string, st.sampled_from("A9é\u0000"), st.integers(10_001, 300_000)),
    st.binary(max_size=20),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
) | st.builds(deep, st.integers(50, 3000), st.sampled_from(["list", "object"]))


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON-like value: object keys and list positions, recursively
    (down to eight levels, so as not to walk into junk nested thousands deep)."""
    found = [here] if here else []
    if len(here) >= 8:
        return found
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*here, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _paths(inner, (*here, i))
    return found


def _parent(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        value = value[step]
    return value


BASES = rich_events()


@st.composite
def malformed_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with a fresh id, then one to three fields removed, added or spoilt."""
    event = copy.deepcopy(draw(st.sampled_from(BASES)))
    event["event_id"] = "h-" + draw(st.uuids()).hex[:16]
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(event)
        path = draw(st.sampled_from(paths))
        parent = _parent(event, path)
        action = draw(st.sampled_from(["remove", "add", "spoil", "spoil"]))
        if action == "remove":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            name = draw(st.one_of(st.text(max_size=12), st.sampled_from(SQL_PAYLOADS)))
            parent[name] = draw(junk)
        else:
            parent[path[-1]] = draw(junk)
        if not event:
            break
    result: dict[str, Any] = event
    return result


def to_json(event: Any, ascii_only: bool) -> str:
    """The event as a JSON text (NaN and infinities as JavaScript writes them)."""
    try:
        return json.dumps(event, ensure_ascii=ascii_only, allow_nan=True, default=repr)
    except (ValueError, RecursionError):
        # Integers too long for str(), or nesting too deep for json: write what we can.
        return '{"kind": ' + "9" * 5000 + "}"


@st.composite
def json_lines(draw: st.DrawFn) -> list[str | bytes]:
    """A few lines of a JSON Lines file, valid and broken ones mixed."""
    lines: list[str | bytes] = []
    for _ in range(draw(st.integers(1, 4))):
        choice = draw(st.integers(0, 9))
        if choice <= 1:
            base = copy.deepcopy(draw(st.sampled_from(BASES)))
            base["event_id"] = "j-" + draw(st.uuids()).hex[:16]
            lines.append(json.dumps(base))
        elif choice <= 4:
            lines.append(to_json(draw(malformed_events()), draw(st.booleans())))
        elif choice == 5:
            text = to_json(draw(malformed_events()), True)
            cut = draw(st.integers(0, len(text)))
            lines.append(text[:cut] + draw(st.text(max_size=5)) + text[cut:])
        elif choice == 6:
            depth = draw(st.integers(100, 200_000))
            lines.append(draw(st.sampled_from(["[", '{"a":'])) * depth)
        elif choice == 7:
            lines.append(draw(st.binary(max_size=60)))
        elif choice == 8:
            text = to_json(draw(malformed_events()), True)
            lines.append(text.encode("utf-8") + draw(st.binary(min_size=1, max_size=4)))
        else:
            lines.append(draw(st.sampled_from(["", "  ", "\ufeff", "null", "[]", "1e999", "NaN"])))
    return lines
