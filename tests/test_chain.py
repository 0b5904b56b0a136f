"""The hash chain, independent of SQLite (checkpoints: tests/test_checkpoint.py)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anpr_ops._canonical import GENESIS_HASH, canonical_bytes
from anpr_ops.chain import chain_hash, verify_rows


def build(bodies: list[bytes]) -> list[tuple[int, bytes, str]]:
    """Rows chained by an independent implementation of the rule."""
    rows, prev = [], GENESIS_HASH
    for seq, body in enumerate(bodies, start=1):
        digest = hashlib.sha256(bytes.fromhex(prev) + body).hexdigest()
        rows.append((seq, body, digest))
        prev = digest
    return rows


bodies = st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=12)


@given(bodies)
def test_an_intact_chain_verifies(items: list[bytes]) -> None:
    result = verify_rows(build(items))
    assert result.ok and result.checked == len(items) and result.head_seq == len(items)


@given(bodies, st.data())
def test_any_changed_body_is_found_at_its_seq(items: list[bytes], data: st.DataObject) -> None:
    rows = build(items)
    index = data.draw(st.integers(0, len(rows) - 1))
    seq, body, digest = rows[index]
    changed = data.draw(st.binary(min_size=1, max_size=40).filter(lambda b: b != body))
    rows[index] = (seq, changed, digest)
    result = verify_rows(rows)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq, "hash_mismatch")
    assert result.checked == seq


@given(bodies.filter(lambda b: len(b) >= 3), st.data())
def test_a_removed_row_is_found(items: list[bytes], data: st.DataObject) -> None:
    rows = build(items)
    index = data.draw(st.integers(0, len(rows) - 2))
    del rows[index]
    result = verify_rows(rows)
    assert not result.ok and result.first_bad_seq == index + 2


@given(bodies.filter(lambda b: len(b) >= 2), st.data())
def test_a_row_whose_hash_was_recomputed_alone_breaks_the_next_link(
    items: list[bytes], data: st.DataObject
) -> None:
    """Changing a body and its own hash (but not those after it) is found at the next row."""
    rows = build(items)
    index = data.draw(st.integers(0, len(rows) - 2))
    seq, body, _ = rows[index]
    prev = rows[index - 1][2] if index else GENESIS_HASH
    forged = body + b"!"
    rows[index] = (seq, forged, hashlib.sha256(bytes.fromhex(prev) + forged).hexdigest())
    result = verify_rows(rows)
    assert (result.ok, result.first_bad_seq, result.problem) == (False, seq + 1, "hash_mismatch")


def test_chain_hash_matches_the_documented_rule() -> None:
    body = canonical_bytes({"b": [1, True, None], "a": "é\n"})
    assert body == b'{"a":"\xc3\xa9\\n","b":[1,true,null]}'
    assert chain_hash(GENESIS_HASH, body) == hashlib.sha256(bytes(32) + body).hexdigest()


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_canonical_bytes_refuse_non_finite_numbers(value: float) -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_bytes({"x": value})


def test_canonical_bytes_refuse_lone_surrogates() -> None:
    with pytest.raises(UnicodeEncodeError):
        canonical_bytes({"x": "\ud800"})


def test_canonical_strings_escape_exactly_as_documented() -> None:
    text = '"\\\b\t\n\f\r\x01\x1f\x7f é€😀'
    expected = (
        b'{"s":"\\"\\\\\\b\\t\\n\\f\\r\\u0001\\u001f\x7f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}'
    )
    assert canonical_bytes({"s": text}) == expected
