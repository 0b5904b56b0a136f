"""The hash chain and checkpoints, independent of SQLite."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anpr_ops import Checkpoint
from anpr_ops._canonical import GENESIS_HASH, canonical_bytes
from anpr_ops.chain import chain_hash, verify_rows
from anpr_ops.errors import CheckpointError


def build(bodies: list[bytes]) -> list[tuple[int, bytes, str, str, int]]:
    """Rows chained by an independent implementation of the rule (copied columns all fine)."""
    rows, prev = [], GENESIS_HASH
    for seq, body in enumerate(bodies, start=1):
        digest = hashlib.sha256(bytes.fromhex(prev) + body).hexdigest()
        rows.append((seq, body, prev, digest, 1))
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
    seq, body, prev, digest, copies = rows[index]
    changed = data.draw(st.binary(min_size=1, max_size=40).filter(lambda b: b != body))
    rows[index] = (seq, changed, prev, digest, copies)
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


@given(bodies, st.data())
def test_a_copied_column_that_left_its_body_is_found(
    items: list[bytes], data: st.DataObject
) -> None:
    rows = build(items)
    index = data.draw(st.integers(0, len(rows) - 1))
    rows[index] = (*rows[index][:4], 0)
    result = verify_rows(rows)
    assert (result.ok, result.first_bad_seq, result.problem) == (
        False,
        index + 1,
        "column_mismatch",
    )


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


CHECKPOINT = Checkpoint(
    log_id="5f0c6b1f2d9e4c4e9c1a0b7d3e2f1a00",
    log_name="day.db",
    scope="op:kaiser-2020-04-18",
    seq=120,
    events=40,
    head_hash="ab" * 32,
    created_at=datetime(2020, 4, 18, 22, 0, tzinfo=UTC),
)


def test_checkpoint_text_is_stable_and_round_trips() -> None:
    text = CHECKPOINT.to_text()
    lines = text.splitlines()
    assert lines[:8] == [
        "anpr-ops checkpoint 1",
        "log-id: 5f0c6b1f2d9e4c4e9c1a0b7d3e2f1a00",
        "log-name: day.db",
        "scope: op:kaiser-2020-04-18",
        "seq: 120",
        "events: 40",
        f"head-hash: {'ab' * 32}",
        "created-at: 2020-04-18T22:00:00Z",
    ]
    check = hashlib.sha256("\n".join(lines[:8]).encode()).hexdigest()[:16]
    assert lines[8] == f"check: {check}"
    assert Checkpoint.from_text(text) == CHECKPOINT
    assert CHECKPOINT.op_id == "kaiser-2020-04-18"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: "",
        lambda t: t.replace("anpr-ops checkpoint 1", "anpr-ops checkpoint 2"),
        lambda t: t.replace("seq: 120", "seq: 121"),  # self-check no longer matches
        lambda t: t.replace("seq: 120", "seq: many"),
        lambda t: t.replace("head-hash: ab", "head-hash: AB"),
        lambda t: t.replace("scope: op:", "scope: operation:"),
        lambda t: t + "extra: 1\n",
        lambda t: t + "seq: 120\n",
        lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("check")),
        lambda t: t.replace("events: 40", "events: 400"),
    ],
)
def test_malformed_checkpoints_are_refused(mangle: object) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.from_text(mangle(CHECKPOINT.to_text()))  # type: ignore[operator]
