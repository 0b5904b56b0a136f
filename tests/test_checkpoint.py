"""Checkpoints: C2SP tlog-checkpoint notes of a log's root, chain head and access record."""

from __future__ import annotations

import base64
import dataclasses
import doctest
import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anpr_ops import Checkpoint, OpLog
from anpr_ops import _commitment as commitment_module
from anpr_ops import checkpoint as checkpoint_module
from anpr_ops._schema import ACCESS_GUARDS, GUARDS
from anpr_ops.errors import CheckpointError, SignatureError
from anpr_ops.note import CheckpointBody, Signer, Verifier, generate_key
from tests import ed25519_ref, rfc9162
from tests import factory as f
from tests.support import raw

LOG_ID = "5f0c6b1f2d9e4c4e9c1a0b7d3e2f1a00"
ROOT = bytes(range(32))
EXAMPLE = Checkpoint(
    log_name="day",
    log_id=LOG_ID,
    size=120,
    root=ROOT,
    head_hash="ab" * 32,
    access_entries=7,
    access_hash="cd" * 32,
    op_id="kaiser-2020-04-18",
    op_events=40,
    created_at=datetime(2020, 4, 18, 22, 0, tzinfo=UTC),
)
EXAMPLE_TEXT = (
    f"anpr-ops/day/{LOG_ID}\n"
    "120\n"
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    f"head 120 {'ab' * 32}\n"
    f"access 7 {'cd' * 32}\n"
    "operation kaiser-2020-04-18 40\n"
    "time 2020-04-18T22:00:00Z\n"
)


def test_the_text_is_the_documented_note() -> None:
    assert base64.b64decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=") == ROOT
    assert EXAMPLE.to_text() == EXAMPLE_TEXT
    assert Checkpoint.from_text(EXAMPLE_TEXT) == EXAMPLE
    assert (EXAMPLE.seq, EXAMPLE.events, EXAMPLE.scope) == (120, 40, "op:kaiser-2020-04-18")


def test_any_tlog_reader_finds_the_origin_size_and_root() -> None:
    """The first three lines are the tlog-checkpoint's; the rest are extension lines."""
    body = CheckpointBody.from_text(EXAMPLE_TEXT)
    assert (body.origin, body.size, body.root) == (EXAMPLE.origin, 120, ROOT)
    assert body.extensions[0] == f"head 120 {'ab' * 32}"


def _replace(old: str, new: str) -> Callable[[str], str]:
    def mangle(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return mangle


MANGLED: list[tuple[str, Callable[[str], str], str]] = [
    ("empty", lambda t: "", "malformed_checkpoint"),
    ("no final newline", lambda t: t[:-1], "malformed_checkpoint"),
    ("CRLF lines", lambda t: t.replace("\n", "\r\n"), "malformed_checkpoint"),
    (
        "origin of another kind of log",
        _replace(f"anpr-ops/day/{LOG_ID}", "example.com/log"),
        "bad_origin",
    ),
    ("origin without a log id", _replace(f"/{LOG_ID}", ""), "bad_origin"),
    ("origin with a short id", _replace(LOG_ID, LOG_ID[:-1]), "bad_origin"),
    ("size with a sign", _replace("\n120\n", "\n+120\n"), "bad_size"),
    ("size with a leading zero", _replace("\n120\n", "\n0120\n"), "bad_size"),
    ("size with a separator", _replace("\n120\n", "\n1_20\n"), "bad_size"),
    ("size in fullwidth digits", _replace("\n120\n", "\n１２０\n"), "bad_size"),
    ("size in Arabic-Indic digits", _replace("\n120\n", "\n١٢٠\n"), "bad_size"),
    ("size with a space", _replace("\n120\n", "\n120 \n"), "bad_size"),
    ("root not base64", _replace("AAECAw", "AAECA!"), "bad_root"),
    ("head seq other than the size", _replace("head 120", "head 121"), "bad_extension"),
    ("head seq with a leading zero", _replace("head 120", "head 0120"), "bad_extension"),
    ("head hash in capitals", _replace("ab" * 32, "AB" * 32), "bad_extension"),
    ("head hash cut short", _replace("ab" * 32, "ab" * 31), "bad_extension"),
    ("access count with a sign", _replace("access 7", "access -7"), "bad_extension"),
    ("access count in Devanagari", _replace("access 7", "access ७"), "bad_extension"),
    ("access empty but hashed", _replace("access 7", "access 0"), "bad_extension"),
    ("operation in capitals", _replace("kaiser-2020", "Kaiser-2020"), "bad_extension"),
    ("operation count over the size", _replace("-18 40", "-18 121"), "bad_extension"),
    ("operation count in superscript", _replace("-18 40", "-18 ⁴⁰"), "bad_extension"),
    ("a time that never was", _replace("2020-04-18T22", "2020-02-30T22"), "bad_extension"),
    ("a time with an offset", _replace("22:00:00Z", "22:00:00+01:00"), "bad_extension"),
    ("no time line", _replace("time 2020-04-18T22:00:00Z\n", ""), "bad_extension"),
    ("an unknown line", lambda t: t + "witness x\n", "bad_extension"),
    (
        "lines out of order",
        _replace(
            f"head 120 {'ab' * 32}\naccess 7 {'cd' * 32}",
            f"access 7 {'cd' * 32}\nhead 120 {'ab' * 32}",
        ),
        "bad_extension",
    ),
    ("an empty line", _replace("\naccess", "\n\naccess"), "malformed_note"),
]


@pytest.mark.parametrize(
    ("mangle", "code"), [(m, c) for _, m, c in MANGLED], ids=[name for name, _, _ in MANGLED]
)
def test_checkpoint_text_is_read_strictly(mangle: Callable[[str], str], code: str) -> None:
    with pytest.raises((CheckpointError, SignatureError)) as caught:
        Checkpoint.from_text(mangle(EXAMPLE_TEXT))
    assert caught.value.code == code


hashes = st.binary(min_size=32, max_size=32).map(bytes.hex).filter(lambda h: h != "0" * 64)


@st.composite
def checkpoints(draw: st.DrawFn) -> Checkpoint:
    size = draw(st.integers(0, 2**64 - 1))
    entries = draw(st.integers(0, 2**64 - 1))
    op = draw(st.none() | st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True))
    return Checkpoint(
        log_name=draw(st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)),
        log_id=draw(st.binary(min_size=16, max_size=16)).hex(),
        size=size,
        root=draw(st.binary(min_size=32, max_size=32)),
        head_hash=draw(hashes) if size else "0" * 64,
        access_entries=entries,
        access_hash=draw(hashes) if entries else "0" * 64,
        op_id=op,
        op_events=draw(st.integers(0, size)) if op else None,
        created_at=draw(st.datetimes(timezones=st.just(UTC))).replace(microsecond=0),
    )


@given(checkpoints())
def test_every_checkpoint_reads_back_as_written(checkpoint: Checkpoint) -> None:
    assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint


# --------------------------------------------------------------------------- signatures

FORCE_KEY, FORCE_PUBLIC = generate_key("met-anpr")
PANEL_KEY, PANEL_PUBLIC = generate_key("scrutiny-panel")
FORCE, PANEL = Signer.from_text(FORCE_KEY), Signer.from_text(PANEL_KEY)
FORCE_VERIFIER, PANEL_VERIFIER = Verifier.from_text(FORCE_PUBLIC), Verifier.from_text(PANEL_PUBLIC)


def test_a_signed_checkpoint_reads_with_its_key_and_says_who_signed() -> None:
    signed = EXAMPLE.sign([FORCE])
    assert signed.startswith(EXAMPLE_TEXT + "\n— met-anpr ")
    read = Checkpoint.from_text(signed, [FORCE_VERIFIER])
    assert read == EXAMPLE and read.signed_by == ("met-anpr",)
    unchecked = Checkpoint.from_text(signed)
    assert unchecked == EXAMPLE and unchecked.signed_by == ()
    assert [s.name for s in unchecked.signatures] == ["met-anpr"]


def test_the_signature_and_key_id_check_with_an_independent_ed25519() -> None:
    """RFC 8032's own code (tests/ed25519_ref.py) accepts the signature; the key id is
    SHA-256(name, newline, 0x01, key)[:4], computed here from the spec."""
    assert ed25519_ref.secret_to_public(FORCE.seed) == FORCE.public_key
    line = EXAMPLE.sign([FORCE]).splitlines()[-1]
    name, encoded = line.removeprefix("— ").split(" ")
    blob = base64.b64decode(encoded)
    key_id = hashlib.sha256(b"met-anpr\n\x01" + FORCE.public_key).digest()[:4]
    assert (name, blob[:4]) == ("met-anpr", key_id)
    message = EXAMPLE_TEXT.encode()
    assert ed25519_ref.verify(FORCE.public_key, message, blob[4:])
    assert not ed25519_ref.verify(FORCE.public_key, message.replace(b"120", b"121"), blob[4:])


def test_the_rfc_8032_code_is_itself_right() -> None:
    """RFC 8032 section 7.1, TEST 1: the independent implementation gives the RFC's answer."""
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert ed25519_ref.secret_to_public(secret) == public
    assert ed25519_ref.sign(secret, b"") == signature
    assert ed25519_ref.verify(public, b"", signature)


SIGNATURE_REFUSALS: list[tuple[str, Callable[[str], str], str]] = [
    ("signed by another key", lambda s: EXAMPLE.sign([PANEL]), "unknown_key"),
    ("unsigned", lambda s: EXAMPLE_TEXT, "unknown_key"),
    ("body altered after signing", lambda s: s.replace("\n120\n", "\n121\n"), "bad_signature"),
    (
        "signature altered",
        lambda s: s[:-6] + ("A" if s[-6] != "A" else "B") + s[-5:],
        "bad_signature",
    ),
    ("signature line garbled", lambda s: s.replace("— met-anpr ", "- met-anpr "), "malformed_note"),
]


@pytest.mark.parametrize(
    ("change", "code"),
    [(c, code) for _, c, code in SIGNATURE_REFUSALS],
    ids=[name for name, _, _ in SIGNATURE_REFUSALS],
)
def test_a_checkpoint_not_signed_by_a_key_given_is_refused(
    change: Callable[[str], str], code: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        Checkpoint.from_text(change(EXAMPLE.sign([FORCE])), [FORCE_VERIFIER])
    assert caught.value.code == code


def test_a_second_key_countersigns_and_each_key_opens_it() -> None:
    signed = EXAMPLE.sign([FORCE])
    both = Checkpoint.from_text(signed).sign([PANEL])
    assert both.count("\n— ") == 2
    assert Checkpoint.from_text(both, [PANEL_VERIFIER]).signed_by == ("scrutiny-panel",)
    read = Checkpoint.from_text(both, [FORCE_VERIFIER, PANEL_VERIFIER])
    assert read.signed_by == ("met-anpr", "scrutiny-panel")


# --------------------------------------------------------------------------- against a log


def test_an_empty_logs_checkpoint_verifies_against_it_untouched(log: OpLog) -> None:
    checkpoint = log.checkpoint()
    assert (checkpoint.size, checkpoint.root) == (0, rfc9162.mth([]))
    again = Checkpoint.from_text(checkpoint.to_text())
    assert log.verify(again).checkpoint_checked
    log.extend(f.chain())
    assert log.verify(again).ok


def test_the_root_is_the_rfc_9162_hash_of_the_stored_bodies(log: OpLog) -> None:
    log.extend(f.chain())
    bodies = [bytes(r[0]) for r in raw(log).execute("SELECT CAST(body AS BLOB) FROM events")]
    checkpoint = log.checkpoint()
    assert checkpoint.root == rfc9162.mth(bodies)
    assert (checkpoint.size, checkpoint.head_hash) == log.head()


def test_the_origin_names_the_log_for_its_life(tmp_path: Path) -> None:
    """The name is the file's stem when the log was made: a copy under another name still
    matches the checkpoint, a different log does not."""
    with OpLog.open(tmp_path / "Op Kaiser day.db", create=True) as log:
        log.extend(f.chain())
        checkpoint = log.checkpoint()
    assert checkpoint.origin == f"anpr-ops/Op-Kaiser-day/{log.log_id}"
    shutil.copy(tmp_path / "Op Kaiser day.db", tmp_path / "evidence-copy.db")
    with OpLog.open(tmp_path / "evidence-copy.db") as copy:
        assert copy.verify(checkpoint).checkpoint_checked
    with OpLog.open(tmp_path / "other.db", create=True) as other:
        other.extend(f.chain())
        assert other.verify(checkpoint).problem == "checkpoint_other_log"


def test_a_checkpoint_whose_root_the_log_lacks_is_refused(log: OpLog) -> None:
    log.extend(f.chain())
    real = log.checkpoint()
    forged = dataclasses.replace(real, root=bytes(32))
    assert log.verify(forged).problem == "root_mismatch"
    assert log.verify(real).ok


def _without_access_guards(log: OpLog, sql: str) -> None:
    conn = raw(log)
    for name in ACCESS_GUARDS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(sql)
    for create in ACCESS_GUARDS.values():
        conn.execute(create)


def test_the_access_record_is_covered_by_checkpoints(tmp_path: Path) -> None:
    with OpLog.open(tmp_path / "day.db", create=True) as log:
        log.extend(f.chain())
        list(log.events(personal=True))
        list(log.events(personal=True))
        checkpoint = log.checkpoint()
        assert checkpoint.access_entries == 2
        list(log.events(personal=True))
        assert log.verify(checkpoint).ok
        forged = dataclasses.replace(checkpoint, access_hash="ee" * 32)
        assert log.verify(forged).problem == "access_rewritten"
        _without_access_guards(log, "DELETE FROM access_log WHERE seq > 1")
        assert log.verify(checkpoint, quick=True).problem == "access_truncated"


def test_a_checkpoint_larger_than_the_log_finds_the_cut(tmp_path: Path) -> None:
    db = tmp_path / "day.db"
    with OpLog.open(db, create=True) as log:
        log.extend(f.chain())
        checkpoint = log.checkpoint()
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq > 4")
    conn.execute("DELETE FROM personal WHERE seq > 4")  # else found without the checkpoint
    conn.execute(GUARDS["events_no_delete"])
    conn.commit()
    conn.close()
    with OpLog.open(db, readonly=True) as log:
        result = log.verify(checkpoint, quick=True)
    assert (result.ok, result.problem, result.first_bad_seq) == (False, "truncated", 5)


@pytest.mark.parametrize("module", [checkpoint_module, commitment_module])
def test_the_docstring_examples_run(module: object) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = doctest.DocTestFinder().find(module)
    assert sum(len(test.examples) for test in tests) >= 1
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
