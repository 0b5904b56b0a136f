"""The shortcuts the append path takes are the definitions they stand for.

An event's stored form is made in one pass (its personal values split off and committed to as
it is encoded), and a rollup's breakdown counts are merged by rewriting only the members that
change: each is checked here against the plain definition it replaces — ``split`` and the
canonical text of the whole object, ``json.dumps`` of the merged counts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anpr_ops._canonical import canonical_text
from anpr_ops._commitment import SALT_BYTES, commitment, event_object, paths
from anpr_ops.errors import EventValidationError
from anpr_ops.events import EventBase, canonical_dict
from anpr_ops.events.personal import split
from anpr_ops.interop.jsonl import read_jsonl
from anpr_ops.store._record import Salts, encode, full_text, seal
from anpr_ops.store._rollups import _merged
from anpr_ops.strategies import events
from tests import factory as f

# Keys as the rollups write them, and some that need quoting or are not ASCII.
_KEYS = st.sampled_from(
    ["disposals|arrest", "offences|MD71234|drugs_possession", "hits_by_reason|drugs",
     "wanted|1|fail_to_surrender|violence", "a", "é|x", 'q"uote', "back\\slash"]
)  # fmt: skip
_COUNTS = st.dictionaries(_KEYS, st.integers(-5, 5).filter(bool), max_size=8)


def _plain(text: str, changes: dict[str, int]) -> str:
    counts: dict[str, int] = json.loads(text)
    for key, n in changes.items():
        total = counts.get(key, 0) + n
        if total:
            counts[key] = total
        else:
            counts.pop(key, None)
    return json.dumps(counts, sort_keys=True, separators=(",", ":"))


@given(_COUNTS, st.lists(st.dictionaries(_KEYS, st.integers(-3, 3), max_size=5), max_size=4),
       st.booleans())  # fmt: skip
def test_merging_counts_gives_the_text_of_the_merged_counts(
    base: dict[str, int], changes: list[dict[str, int]], sort: bool
) -> None:
    """Merged step by step (each result parsed once and remembered), the text is always
    ``json.dumps`` of the counts, sorted, without zeros — whatever order the first text had."""
    text = json.dumps(base, sort_keys=sort, separators=(",", ":"))
    for change in changes:
        expected = _plain(text, change) if change else text
        text = _merged(text, change)
        assert text == expected


@given(events())
def test_an_event_is_stored_as_its_public_part_and_a_commitment_to_the_rest(
    event: EventBase,
) -> None:
    """The one-pass encoding equals the definition: the chained object is ``split``'s public
    part with the commitment (and the person's number), the values kept apart are ``split``'s
    personal part, and the two give the whole canonical object back."""
    whole = canonical_dict(event)
    public, personal = split(whole)
    encoded = encode(event, canonical_dict(event), 0, Salts(1))
    text, raw, kept = seal(encoded, lambda subject_ref: 7)
    body = json.loads(text)
    assert raw == text.encode("utf-8") and text == canonical_text(body)
    assert encoded.personal == personal
    if personal:
        assert kept is not None
        salt, values = kept
        assert len(salt) == SALT_BYTES and values == canonical_text(personal)
        meta = body["personal"]
        assert meta == {"commitment": commitment(salt, values), "fields": paths(personal)}
    else:
        assert kept is None and "personal" not in body
    stripped = {key: value for key, value in body.items() if key not in {"personal", "subject"}}
    if isinstance(stripped.get("replacement"), dict):
        stripped["replacement"] = {
            key: value for key, value in stripped["replacement"].items() if key != "subject"
        }
    assert stripped == json.loads(canonical_text(public))
    assert event_object(body, personal) == json.loads(canonical_text(whole))
    assert full_text(event) == canonical_text(whole)


def test_salts_are_never_drawn_twice() -> None:
    """A batch's pool of salts gives each event its own, and more when it runs out."""
    salts = Salts(3)
    drawn = [salts.draw() for _ in range(300)]
    assert all(len(salt) == SALT_BYTES for salt in drawn)
    assert len(set(drawn)) == len(drawn)


def _line(event: dict[str, Any]) -> str:
    return json.dumps(event, default=str)


def test_a_bad_line_past_the_first_thousand_is_named() -> None:
    """JSON Lines are validated a thousand at a time; an error is still the first bad line's."""
    good = [_line(f.operation())] + ["", "  "] * 600
    lines = [*good, _line({**f.hit("hit-1"), "hotlist": "nope"}), _line({"kind": "x"})]
    with pytest.raises(EventValidationError) as caught:
        read_jsonl(lines)
    assert caught.value.line == len(good) + 1


def test_lines_across_chunks_come_back_in_order_with_their_numbers() -> None:
    lines = ["\ufeff" + _line(f.operation())] + [_line(f.hit(f"hit-{n}")) for n in range(1, 2500)]
    read = read_jsonl(lines)
    assert [e.event_id for e in read] == [json.loads(line.lstrip("\ufeff"))["event_id"]
                                          for line in lines]  # fmt: skip
