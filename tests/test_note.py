"""Signed notes and checkpoints: Go's example, the C2SP rules, and strict checkpoint text."""

from __future__ import annotations

import base64
import doctest
import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anpr_ops import note
from anpr_ops.errors import CheckpointError, SignatureError
from anpr_ops.note import (
    MAX_SIGNATURES,
    CheckpointBody,
    Signature,
    Signer,
    Verifier,
    generate_key,
    open_note,
    sign,
)

ROOT = Path(__file__).resolve().parent.parent
GO_EXAMPLE: dict[str, str] = json.loads(
    (Path(__file__).parent / "vectors" / "go-sumdb-note" / "peter-neumann.json").read_text(
        encoding="utf-8"
    )
)
PRIVATE, PUBLIC = GO_EXAMPLE["private_key"], GO_EXAMPLE["verifier_key"]
TEXT, SIGNED = GO_EXAMPLE["text"], GO_EXAMPLE["signed_note"]


needs_cryptography = pytest.mark.skipif(
    importlib.util.find_spec("cryptography") is None,
    reason="Ed25519 needs the cryptography package: pip install 'anpr_ops[signing]'",
)


def tamper(line: str, change: bytes) -> str:
    """A signature line whose bytes (key id first) are XORed with ``change``."""
    prefix, encoded = line.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    for i, byte in enumerate(change):
        raw[i] ^= byte
    return f"{prefix} {base64.b64encode(bytes(raw)).decode()}\n"


def resign(signed: str, change: bytes) -> str:
    """``signed``, a note with one signature, with that signature tampered with."""
    text, line = signed.rsplit("\n\n", 1)
    return f"{text}\n\n{tamper(line, change)}"


# ------------------------------------------------------------------------ Go's sumdb example


def test_the_go_verifier_key_reads_with_its_name_and_key_id() -> None:
    verifier = Verifier.from_text(PUBLIC)
    assert verifier.name == GO_EXAMPLE["key_name"] == "PeterNeumann"
    assert f"{verifier.key_id:08x}" == GO_EXAMPLE["key_id"]
    assert verifier.to_text() == PUBLIC


@needs_cryptography
def test_the_go_private_key_reads_and_matches_the_verifier_key() -> None:
    signer = Signer.from_text(PRIVATE)
    assert (signer.name, f"{signer.key_id:08x}") == ("PeterNeumann", "c74f20a3")
    assert signer.verifier() == Verifier.from_text(PUBLIC)
    assert signer.to_text() == PRIVATE


@needs_cryptography
def test_signing_the_go_text_gives_exactly_the_go_signed_note() -> None:
    """Ed25519 is deterministic, so the note is byte for byte Go's."""
    assert sign(TEXT, [Signer.from_text(PRIVATE)]) == SIGNED


@needs_cryptography
def test_the_go_signed_note_opens_with_the_verifier_key() -> None:
    opened = open_note(SIGNED, [Verifier.from_text(PUBLIC)])
    assert opened.text == TEXT
    assert [(s.name, s.key_id) for s in opened.signatures] == [("PeterNeumann", 0xC74F20A3)]
    assert opened.unverified == ()
    assert opened.signatures[0].line() == SIGNED.split("\n\n")[1]
    assert open_note(SIGNED.encode("utf-8"), [Verifier.from_text(PUBLIC)]) == opened


@needs_cryptography
def test_the_signed_note_spec_example_opens() -> None:
    """The example of c2sp.org/signed-note, section 'Verifier keys'."""
    vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    signed = (
        "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfX"
        "ppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_note(signed, [Verifier.from_text(vkey)]).text == "This is an example message.\n"


TAMPERED = [
    ("text changed", SIGNED.replace("problem,", "problem;"), "bad_signature"),
    ("text line added", "Really.\n" + SIGNED, "bad_signature"),
    ("signature bit flipped", resign(SIGNED, b"\x00\x00\x00\x00\x01"), "bad_signature"),
    ("last signature bit flipped", resign(SIGNED, bytes(67) + b"\x80"), "bad_signature"),
    ("key id changed", resign(SIGNED, b"\x01"), "unknown_key"),
    ("name changed", SIGNED.replace("— PeterNeumann", "— PeterNeuman"), "unknown_key"),
]


@needs_cryptography
@pytest.mark.parametrize(
    ("signed", "code"), [t[1:] for t in TAMPERED], ids=[t[0] for t in TAMPERED]
)
def test_a_tampered_note_is_refused_with_the_right_code(signed: str, code: str) -> None:
    with pytest.raises(SignatureError) as caught:
        open_note(signed, [Verifier.from_text(PUBLIC)])
    assert caught.value.code == code


@needs_cryptography
def test_a_note_signed_by_another_key_of_the_same_name_is_refused() -> None:
    _, other = generate_key("PeterNeumann")
    with pytest.raises(SignatureError) as caught:
        open_note(SIGNED, [Verifier.from_text(other)])
    assert caught.value.code == "unknown_key"
    with pytest.raises(SignatureError) as caught:
        open_note(SIGNED, [])
    assert caught.value.code == "unknown_key"


# ------------------------------------------------------------------------------ more signers


@needs_cryptography
def test_signatures_by_unknown_keys_are_kept_aside_unchecked() -> None:
    witness_private, witness_public = generate_key("witness.example/w1")
    peter, witness = Signer.from_text(PRIVATE), Signer.from_text(witness_private)
    signed = sign(TEXT, [peter, witness])
    assert signed.startswith(SIGNED)
    opened = open_note(signed, [Verifier.from_text(PUBLIC)])
    assert [s.name for s in opened.signatures] == ["PeterNeumann"]
    assert [s.name for s in opened.unverified] == ["witness.example/w1"]
    both = open_note(signed, [Verifier.from_text(PUBLIC), Verifier.from_text(witness_public)])
    assert [s.name for s in both.signatures] == ["PeterNeumann", "witness.example/w1"]
    # An unknown key's signature is not checked: it is not the reader's to judge.
    witness_line = signed.splitlines(keepends=True)[-1]
    forged = signed.replace(witness_line, tamper(witness_line, bytes(10) + b"\x01"))
    assert open_note(forged, [Verifier.from_text(PUBLIC)]).unverified != ()
    with pytest.raises(SignatureError) as caught:
        open_note(forged, [Verifier.from_text(PUBLIC), Verifier.from_text(witness_public)])
    assert caught.value.code == "bad_signature"


@needs_cryptography
def test_a_signer_given_twice_signs_once_and_repeated_lines_count_once() -> None:
    peter = Signer.from_text(PRIVATE)
    assert sign(TEXT, [peter, peter]) == SIGNED
    twice = SIGNED + SIGNED.split("\n\n")[1]
    assert len(open_note(twice, [peter.verifier()]).signatures) == 1


@needs_cryptography
def test_a_generated_key_signs_notes_its_verifier_opens() -> None:
    private, public = generate_key("anpr-ops.example/log")
    signer, verifier = Signer.from_text(private), Verifier.from_text(public)
    assert signer.verifier() == verifier
    assert open_note(sign("hello\n", [signer]), [verifier]).text == "hello\n"
    assert generate_key("anpr-ops.example/log")[0] != private


@needs_cryptography
def test_a_signers_repr_never_shows_its_seed() -> None:
    signer = Signer.from_text(PRIVATE)
    seed_text = PRIVATE.rsplit("+", 1)[1]
    assert "seed" not in repr(signer) and seed_text not in repr(signer)
    assert repr(signer.seed) not in repr(signer)


# The text a note can carry: anything but control characters (and lone surrogates), with
# empty lines, em dashes and lines that look like signatures.
CONTROLS = "".join(map(chr, range(32)))
note_text = (
    st.lists(
        st.characters(codec="utf-8", exclude_characters=CONTROLS)
        | st.sampled_from(["\n", "— ", "\n\n", "— x y\n"]),
        max_size=30,
    )
    .map("".join)
    .map(lambda s: s + "\n")
)


@needs_cryptography
@given(text=note_text)
def test_any_valid_text_survives_signing_and_opening(text: str) -> None:
    signer = Signer.from_text(PRIVATE)
    opened = open_note(sign(text, [signer]), [signer.verifier()])
    assert opened.text == text


# --------------------------------------------------------------------------- malformed notes

_SIG_LINE = SIGNED.split("\n\n")[1]
_B64 = _SIG_LINE.split(" ")[-1].rstrip("\n")
MALFORMED_NOTES: list[tuple[str, str | bytes, str]] = [
    ("no final newline", SIGNED[:-1], "malformed_note"),
    ("no empty line", SIGNED.replace("\n\n", "\n"), "malformed_note"),
    ("nothing after the empty line", TEXT + "\n", "malformed_note"),
    ("empty line after the signatures", SIGNED + "\n", "malformed_note"),
    ("a tab in the text", "\t" + SIGNED, "malformed_note"),
    ("a carriage return", SIGNED.replace("\n", "\r\n"), "malformed_note"),
    ("a NUL", "\x00" + SIGNED, "malformed_note"),
    ("not UTF-8", b"\xff" + SIGNED.encode(), "malformed_note"),
    ("a lone surrogate", "\ud800" + SIGNED, "malformed_note"),
    ("hyphens for the em dash", SIGNED.replace("— ", "-- "), "malformed_note"),
    ("no space after the dash", SIGNED.replace("— ", "—"), "malformed_note"),
    ("no signature", SIGNED.replace(" " + _B64, ""), "malformed_note"),
    ("a space in the name", SIGNED.replace("PeterNeumann", "Peter Neumann"), "malformed_note"),
    ("a plus in the name", SIGNED.replace("PeterNeumann", "Peter+Neumann"), "malformed_note"),
    ("unpadded base64", SIGNED.replace(_B64, _B64.rstrip("=")), "malformed_note"),
    ("base64 with stray bits", SIGNED.replace("M=\n", "N=\n"), "malformed_note"),
    ("url-safe base64", SIGNED.replace("/", "_"), "malformed_note"),
    ("a key id alone", SIGNED.replace(_B64, base64.b64encode(bytes(4)).decode()), "malformed_note"),
    ("too many signatures", SIGNED + _SIG_LINE * MAX_SIGNATURES, "too_many_signatures"),
]


@pytest.mark.parametrize(
    ("signed", "code"), [m[1:] for m in MALFORMED_NOTES], ids=[m[0] for m in MALFORMED_NOTES]
)
def test_a_malformed_note_is_refused_before_any_signature_is_checked(
    signed: str | bytes, code: str
) -> None:
    with pytest.raises(SignatureError) as caught:
        open_note(signed, [Verifier.from_text(PUBLIC)])
    assert caught.value.code == code


def test_the_malformed_base64_cases_really_differ_from_the_good_one() -> None:
    """Guard the table above: each base64 change did change the note."""
    for name, signed, _ in MALFORMED_NOTES:
        assert signed != SIGNED, name


@needs_cryptography
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("no newline", "malformed_note"),
        ("tab\there\n", "malformed_note"),
        ("\ud800\n", "malformed_note"),
    ],
)
def test_text_that_cannot_be_a_note_is_not_signed(text: str, code: str) -> None:
    with pytest.raises(SignatureError) as caught:
        sign(text, [Signer.from_text(PRIVATE)])
    assert caught.value.code == code


def test_a_note_needs_a_signer() -> None:
    with pytest.raises(SignatureError) as caught:
        sign("text\n", [])
    assert caught.value.code == "no_signers"


def test_two_different_keys_under_one_name_and_id_are_refused() -> None:
    """A key id is short enough to collide on purpose; which key to trust is then unclear."""
    real = Verifier.from_text(PUBLIC)
    impostor = object.__new__(Verifier)  # a collision is too costly to compute in a test
    for name, value in (("name", real.name), ("key_id", real.key_id), ("public_key", bytes(32))):
        object.__setattr__(impostor, name, value)
    with pytest.raises(SignatureError) as caught:
        open_note(SIGNED, [real, impostor])
    assert caught.value.code == "ambiguous_key"


# ------------------------------------------------------------------------------- bad keys

_NAME, _ID, _KEY = PUBLIC.split("+", 2)
_TYPED = base64.b64decode(_KEY)
_TYPE_2 = base64.b64encode(b"\x02" + _TYPED[1:]).decode()
BAD_VERIFIER_KEYS = [
    ("two parts", f"{_NAME}+{_ID}", "malformed_key"),
    ("upper-case hex", f"{_NAME}+{_ID.upper()}+{_KEY}", "malformed_key"),
    ("short key id", f"{_NAME}+{_ID[:7]}+{_KEY}", "malformed_key"),
    ("bad base64", f"{_NAME}+{_ID}+{_KEY[:-1]}", "malformed_key"),
    ("empty key", f"{_NAME}+{_ID}+", "malformed_key"),
    ("short key", f"{_NAME}+{_ID}+{base64.b64encode(_TYPED[:-1]).decode()}", "malformed_key"),
    ("key type 2", f"{_NAME}+{_ID}+{_TYPE_2}", "unknown_key_type"),
    ("other key id", f"{_NAME}+c74f20a4+{_KEY}", "key_id_mismatch"),
    ("other name", f"PeterNeuman+{_ID}+{_KEY}", "key_id_mismatch"),
    ("empty name", f"+{_ID}+{_KEY}", "bad_key_name"),
    ("space in the name", f"Peter Neumann+{_ID}+{_KEY}", "bad_key_name"),
    ("no-break space in the name", f"Peter\u00a0Neumann+{_ID}+{_KEY}", "bad_key_name"),
    ("a private key", PRIVATE, "malformed_key"),
]


@pytest.mark.parametrize(
    ("text", "code"), [k[1:] for k in BAD_VERIFIER_KEYS], ids=[k[0] for k in BAD_VERIFIER_KEYS]
)
def test_a_bad_verifier_key_is_refused_with_the_right_code(text: str, code: str) -> None:
    with pytest.raises(SignatureError) as caught:
        Verifier.from_text(text)
    assert caught.value.code == code


_P_NAME, _P_ID, _P_KEY = PRIVATE.removeprefix("PRIVATE+KEY+").split("+", 2)
BAD_PRIVATE_KEYS = [
    ("a verifier key", PUBLIC, "malformed_key"),
    ("PRIVATE+KEYS", PRIVATE.replace("PRIVATE+KEY", "PRIVATE+KEYS"), "malformed_key"),
    ("lower-case prefix", PRIVATE.replace("PRIVATE", "private"), "malformed_key"),
    ("missing parts", f"PRIVATE+KEY+{_P_NAME}+{_P_ID}", "malformed_key"),
    ("other key id", f"PRIVATE+KEY+{_P_NAME}+c74f20a4+{_P_KEY}", "key_id_mismatch"),
    ("other name", f"PRIVATE+KEY+Peter+{_P_ID}+{_P_KEY}", "key_id_mismatch"),
    (
        "key type 2",
        f"PRIVATE+KEY+{_P_NAME}+{_P_ID}+"
        + base64.b64encode(b"\x02" + base64.b64decode(_P_KEY)[1:]).decode(),
        "unknown_key_type",
    ),
]


@needs_cryptography
@pytest.mark.parametrize(
    ("text", "code"), [k[1:] for k in BAD_PRIVATE_KEYS], ids=[k[0] for k in BAD_PRIVATE_KEYS]
)
def test_a_bad_private_key_is_refused_with_the_right_code(text: str, code: str) -> None:
    with pytest.raises(SignatureError) as caught:
        Signer.from_text(text)
    assert caught.value.code == code


def test_a_key_name_must_be_a_name() -> None:
    for name in ("", "a b", "a+b", "a\nb", "tab\t"):
        with pytest.raises(SignatureError) as caught:
            generate_key(name)
        assert caught.value.code == "bad_key_name"


def test_a_signature_line_is_em_dash_name_and_base64() -> None:
    line = Signature("example.com/log", 0x01020304, b"\xff" * 4).line()
    assert line == "— example.com/log AQIDBP////8=\n"


# ------------------------------------------------------------------------------ checkpoints

CHECKPOINT_EXAMPLE = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
ROOT_B64 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="


def test_the_tlog_checkpoint_spec_example_reads() -> None:
    body = CheckpointBody.from_text(CHECKPOINT_EXAMPLE)
    assert (body.origin, body.size, body.extensions) == (
        "example.com/behind-the-sofa",
        20852163,
        (),
    )
    assert body.root == base64.b64decode(ROOT_B64)
    assert body.to_text() == CHECKPOINT_EXAMPLE


origins = st.text(st.characters(codec="utf-8", exclude_characters=CONTROLS), min_size=1)


@given(
    origin=origins,
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(origins, max_size=3).map(tuple),
)
def test_a_checkpoint_body_reads_back_as_written(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    body = CheckpointBody(origin, size, root, extensions)
    assert CheckpointBody.from_text(body.to_text()) == body


def checkpoint(size: str = "145", root: str = ROOT_B64, tail: str = "") -> str:
    return f"example.com/log\n{size}\n{root}\n{tail}"


BAD_CHECKPOINTS = [
    ("Arabic-Indic digits", checkpoint(size="١٤٥"), "bad_size"),
    ("fullwidth digits", checkpoint(size="１４５"), "bad_size"),
    ("plus sign", checkpoint(size="+145"), "bad_size"),
    ("minus sign", checkpoint(size="-145"), "bad_size"),
    ("underscores", checkpoint(size="1_4_5"), "bad_size"),
    ("comma", checkpoint(size="1,45"), "bad_size"),
    ("leading zero", checkpoint(size="0145"), "bad_size"),
    ("two zeros", checkpoint(size="00"), "bad_size"),
    ("leading space", checkpoint(size=" 145"), "bad_size"),
    ("trailing space", checkpoint(size="145 "), "bad_size"),
    ("exponent", checkpoint(size="1e3"), "bad_size"),
    ("hex", checkpoint(size="0x91"), "bad_size"),
    ("empty size", checkpoint(size=""), "bad_size"),
    ("2^64", checkpoint(size="18446744073709551616"), "bad_size"),
    ("5000 digits", checkpoint(size="9" * 5000), "bad_size"),
    ("not base64", checkpoint(root="not base64!"), "bad_root"),
    ("unpadded", checkpoint(root=ROOT_B64.rstrip("=")), "bad_root"),
    ("stray bits", checkpoint(root=ROOT_B64.replace("I=", "J=")), "bad_root"),
    ("url-safe", checkpoint(root=ROOT_B64.replace("/", "_")), "bad_root"),
    ("31 bytes", checkpoint(root=base64.b64encode(bytes(31)).decode()), "bad_root"),
    ("33 bytes", checkpoint(root=base64.b64encode(bytes(33)).decode()), "bad_root"),
    ("empty root", checkpoint(root=""), "bad_root"),
    ("empty extension", checkpoint(tail="\n"), "bad_extension"),
    ("empty origin", "\n145\n" + ROOT_B64 + "\n", "bad_origin"),
    ("root missing", "example.com/log\n145\n", "missing_lines"),
    ("origin only", "example.com/log\n", "missing_lines"),
    ("no final newline", checkpoint()[:-1], "malformed_checkpoint"),
    ("empty text", "", "malformed_checkpoint"),
    ("CRLF", checkpoint().replace("\n", "\r\n"), "malformed_checkpoint"),
]


@pytest.mark.parametrize(
    ("text", "code"), [b[1:] for b in BAD_CHECKPOINTS], ids=[b[0] for b in BAD_CHECKPOINTS]
)
def test_checkpoint_text_is_read_strictly(text: str, code: str) -> None:
    with pytest.raises(CheckpointError) as caught:
        CheckpointBody.from_text(text)
    assert caught.value.code == code


def test_the_largest_size_and_extensions_are_read() -> None:
    body = CheckpointBody.from_text(checkpoint(size="18446744073709551615", tail="ext one\n"))
    assert (body.size, body.extensions) == (2**64 - 1, ("ext one",))
    assert CheckpointBody.from_text(checkpoint(size="0")).size == 0


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("empty origin", {"origin": ""}, "bad_origin"),
    ("two-line origin", {"origin": "a\nb"}, "bad_origin"),
    ("negative size", {"size": -1}, "bad_size"),
    ("size 2^64", {"size": 2**64}, "bad_size"),
    ("boolean size", {"size": True}, "bad_size"),
    ("short root", {"root": bytes(31)}, "bad_root"),
    ("text root", {"root": "0" * 32}, "bad_root"),
    ("empty extension", {"extensions": ("",)}, "bad_extension"),
    ("two-line extension", {"extensions": ("a\nb",)}, "bad_extension"),
]


@pytest.mark.parametrize(
    ("change", "code"), [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES]
)
def test_a_checkpoint_body_cannot_be_made_wrong(change: dict[str, Any], code: str) -> None:
    fields: dict[str, Any] = {"origin": "example.com/log", "size": 1, "root": bytes(32)}
    with pytest.raises(CheckpointError) as caught:
        CheckpointBody(**{**fields, **change})
    assert caught.value.code == code


@needs_cryptography
def test_a_signed_checkpoint_opens_to_the_same_body() -> None:
    private, public = generate_key("anpr-ops.example/log")
    body = CheckpointBody("anpr-ops.example/log", 70000, bytes(range(32)), ("extra",))
    signed = sign(body.to_text(), [Signer.from_text(private)])
    opened = open_note(signed, [Verifier.from_text(public)])
    assert CheckpointBody.from_text(opened.text) == body


# ------------------------------------------------------------- standard library, cryptography

PROBE = textwrap.dedent(
    """
    import importlib.abc, sys
    BLOCKED = ("cryptography", "pydantic", "pydantic_core", "attrs", "attr", "sqlite_utils",
               "click", "hypothesis")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is not available here")
            return None

    sys.meta_path.insert(0, Block())
    sys.path.insert(0, sys.argv[1])
    from anpr_ops import merkle, note
    outside = sorted(
        m for m in sys.modules
        if m.split(".")[0] not in sys.stdlib_module_names
        and m.split(".")[0] not in ("anpr_ops", "__main__")
    )
    print("non-stdlib modules:", outside)
    verifier = note.Verifier.from_text(sys.argv[2])
    print("verifier:", verifier.name)
    for attempt in (lambda: note.sign("x\\n", []), lambda: note.open_note(sys.argv[3], [verifier]),
                    lambda: note.generate_key("a")):
        try:
            attempt()
        except ImportError as exc:
            print("ImportError:", exc)
        except Exception as exc:
            print(type(exc).__name__, exc)
    """
)


def test_both_modules_import_with_the_standard_library_alone() -> None:
    """The standalone verifier imports them where nothing else is installed; signing then
    says, in one line, what to install."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(ROOT), PUBLIC, SIGNED],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["non-stdlib modules: []", "verifier: PeterNeumann"]
    install = "ImportError: " + note._NO_CRYPTOGRAPHY
    assert lines[2:] == ["SignatureError a note needs at least one signature", install, install]
    assert "anpr_ops[signing]" in note._NO_CRYPTOGRAPHY and "\n" not in note._NO_CRYPTOGRAPHY


def test_the_docstring_examples_run() -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = doctest.DocTestFinder().find(note)
    assert sum(len(test.examples) for test in tests) >= 5
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
