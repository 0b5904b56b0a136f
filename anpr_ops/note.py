"""Signed notes and transparency-log checkpoints: C2SP signed-note and tlog-checkpoint.

Standard library only at import time, so the standalone verifier can read checkpoints and keys
anywhere. Ed25519 itself comes from the ``cryptography`` package, imported by the functions
that sign or check a signature; without it they raise ``ImportError`` saying to install
``anpr_ops[signing]``.

**A note** is text signed by one or more keys (c2sp.org/signed-note, and Go's
``golang.org/x/mod/sumdb/note``). The text is UTF-8, ends in a newline and holds no character
below U+0020 but newline; it may hold empty lines. The signed note is the text, one empty line,
then one line per signature: ``— <key name> <base64(key id ‖ signature)>`` (U+2014 EM DASH,
a space, the name, a space, standard padded base64; every line ends in a newline). The text
ends at the note's last empty line. Key names are non-empty, without Unicode spaces or ``+``.

**Ed25519 keys** (signature type ``0x01``): the key id is the first 4 bytes, big-endian, of
``SHA-256(name ‖ "\\n" ‖ 0x01 ‖ 32-byte public key)``; a signature signs the text, final newline
included. A verifier key is written ``<name>+<8 hex digits of key id>+<base64(0x01 ‖ public
key)>``, a private key ``PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ 32-byte seed)>``, as Go
writes them.

Opening a note ignores (but keeps aside) signatures by keys it was not given, refuses the note
when a given key's signature does not verify, and refuses it when no given key signed it.
Base64 must be canonical (the one encoding of its bytes) and hex lower-case, so that one key or
signature has one spelling.

**A checkpoint** (c2sp.org/tlog-checkpoint) is a note whose text is the log's origin line, the
tree size in decimal, the base64 root hash, then optional extension lines: see
:class:`CheckpointBody`.

>>> body = CheckpointBody("example.com/log", 2, bytes(32))
>>> print(body.to_text(), end="")
example.com/log
2
AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
>>> CheckpointBody.from_text(body.to_text()) == body
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from anpr_ops.errors import CheckpointError, SignatureError

__all__ = [
    "MAX_SIGNATURES",
    "CheckpointBody",
    "OpenedNote",
    "Signature",
    "Signer",
    "Verifier",
    "generate_key",
    "open_note",
    "sign",
    "split_note",
]

#: Signature lines a note may have; more and it is refused (the spec asks for at least 16).
MAX_SIGNATURES = 100

_ED25519 = 0x01
_SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, then a space
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_NO_CRYPTOGRAPHY = (
    "Ed25519 signatures need the 'cryptography' package: pip install 'anpr_ops[signing]'"
)
# Controls other than newline; DEL (U+007F) is not one the spec forbids.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_HEX8 = re.compile(r"[0-9a-f]{8}")
_SIZE = re.compile(r"0|[1-9][0-9]*")


# ---------------------------------------------------------------------------- Ed25519, lazily


def _ed25519_public_key(seed: bytes) -> bytes:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    except ImportError:
        raise ImportError(_NO_CRYPTOGRAPHY) from None
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def _ed25519_sign(seed: bytes, message: bytes) -> bytes:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    except ImportError:
        raise ImportError(_NO_CRYPTOGRAPHY) from None
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def _ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise ImportError(_NO_CRYPTOGRAPHY) from None
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --------------------------------------------------------------------------------- text rules


def _b64decode(text: str) -> bytes | None:
    """The bytes of canonical standard base64 (padded, no stray bits), else ``None``."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _name_problem(name: str) -> str | None:
    if not name:
        return "a key name cannot be empty"
    if "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        return f"key name {name!r} has a space, a plus sign or a control character"
    return None


def _check_name(name: str) -> None:
    problem = _name_problem(name)
    if problem is not None:
        raise SignatureError(problem, code="bad_key_name")


def _key_id(name: str, typed_key: bytes) -> int:
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + typed_key).digest()
    return int.from_bytes(digest[:4], "big")


def _text_problem(text: str) -> str | None:
    if not text.endswith("\n"):
        return "note text must end with a newline"
    if _CONTROL.search(text):
        return "note text holds a control character other than newline"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "note text is not valid Unicode (a lone surrogate)"
    return None


# --------------------------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class Verifier:
    """The public half of an Ed25519 note key: checks signatures by ``name`` and ``key_id``.

    >>> v = Verifier.from_text("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    >>> v.name, f"{v.key_id:08x}"
    ('PeterNeumann', 'c74f20a3')
    """

    name: str
    key_id: int
    public_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            message = f"an Ed25519 public key is 32 bytes, not {len(self.public_key)}"
            raise SignatureError(message, code="malformed_key")
        if self.key_id != _key_id(self.name, bytes([_ED25519]) + self.public_key):
            message = f"key id {self.key_id:08x} is not the one of {self.name!r} and its key"
            raise SignatureError(message, code="key_id_mismatch")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> Verifier:
        """The verifier of ``name`` and a raw 32-byte Ed25519 public key (its id computed)."""
        _check_name(name)
        return cls(name, _key_id(name, bytes([_ED25519]) + public_key), public_key)

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        """Read a verifier key, ``<name>+<key id>+<base64(0x01 ‖ public key)>``.

        Raises :class:`SignatureError`: ``malformed_key`` (not three parts, bad hex or base64,
        a private key), ``bad_key_name``, ``unknown_key_type`` (not Ed25519) or
        ``key_id_mismatch`` (the id is not the hash of the name and key).
        """
        if text.startswith(_PRIVATE_PREFIX):
            message = "this is a private key; a verifier needs the public verifier key"
            raise SignatureError(message, code="malformed_key")
        parts = text.split("+", 2)
        if len(parts) != 3:
            message = "a verifier key is <name>+<key id>+<base64 key>: it has too few parts"
            raise SignatureError(message, code="malformed_key")
        name, hex_id, encoded = parts
        _check_name(name)
        return cls(name, _parse_key_id(hex_id), _parse_key(encoded, 32))

    def to_text(self) -> str:
        """The verifier key as text, as :meth:`from_text` reads it."""
        encoded = _b64encode(bytes([_ED25519]) + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        return _ed25519_verify(self.public_key, message, signature)


@dataclass(frozen=True, slots=True)
class Signer:
    """The private half of an Ed25519 note key. Its seed is never shown in ``repr``.

    Made by :meth:`from_text` (or :func:`generate_key`), which checks that the key id belongs
    to the name and the key.
    """

    name: str
    key_id: int
    seed: bytes = field(repr=False)
    public_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32 or len(self.public_key) != 32:
            message = "an Ed25519 seed and public key are 32 bytes each"
            raise SignatureError(message, code="malformed_key")
        if self.key_id != _key_id(self.name, bytes([_ED25519]) + self.public_key):
            message = f"key id {self.key_id:08x} is not the one of {self.name!r} and its key"
            raise SignatureError(message, code="key_id_mismatch")

    @classmethod
    def from_text(cls, text: str) -> Signer:
        """Read a private key, ``PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ seed)>``.

        Raises :class:`SignatureError` like :meth:`Verifier.from_text`, and ``ImportError``
        without the ``cryptography`` package (the public key is derived to check the id).
        """
        if not text.startswith(_PRIVATE_PREFIX):
            message = "a private key starts with 'PRIVATE+KEY+'"
            raise SignatureError(message, code="malformed_key")
        parts = text[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            message = "a private key is PRIVATE+KEY+<name>+<key id>+<base64 key>: too few parts"
            raise SignatureError(message, code="malformed_key")
        name, hex_id, encoded = parts
        _check_name(name)
        key_id = _parse_key_id(hex_id)
        seed = _parse_key(encoded, 32)
        public_key = _ed25519_public_key(seed)
        if key_id != _key_id(name, bytes([_ED25519]) + public_key):
            message = f"key id {key_id:08x} is not the one of {name!r} and its key"
            raise SignatureError(message, code="key_id_mismatch")
        return cls(name, key_id, seed, public_key)

    def to_text(self) -> str:
        """The private key as text, as :meth:`from_text` reads it. Keep it secret."""
        encoded = _b64encode(bytes([_ED25519]) + self.seed)
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id:08x}+{encoded}"

    def verifier(self) -> Verifier:
        """The matching public key."""
        return Verifier(self.name, self.key_id, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (deterministic, RFC 8032)."""
        return _ed25519_sign(self.seed, message)


def _parse_key_id(hex_id: str) -> int:
    if not _HEX8.fullmatch(hex_id):
        message = f"a key id is 8 lower-case hex digits, not {hex_id!r}"
        raise SignatureError(message, code="malformed_key")
    return int(hex_id, 16)


def _parse_key(encoded: str, size: int) -> bytes:
    raw = _b64decode(encoded)
    if not raw:
        raise SignatureError("the key is not canonical base64", code="malformed_key")
    if raw[0] != _ED25519:
        message = f"key type 0x{raw[0]:02x} is not Ed25519 (0x01), the only one known here"
        raise SignatureError(message, code="unknown_key_type")
    if len(raw) != 1 + size:
        message = f"an Ed25519 key is {size} bytes after its type, not {len(raw) - 1}"
        raise SignatureError(message, code="malformed_key")
    return raw[1:]


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 key for ``name``: ``(private key text, verifier key text)``.

    The private text is for :meth:`Signer.from_text` and must be kept secret; the verifier text
    is for whoever checks the notes. Needs the ``cryptography`` package.
    """
    _check_name(name)
    seed = secrets.token_bytes(32)
    public_key = _ed25519_public_key(seed)
    signer = Signer(name, _key_id(name, bytes([_ED25519]) + public_key), seed, public_key)
    return signer.to_text(), signer.verifier().to_text()


# -------------------------------------------------------------------------------------- notes


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line of a note: the key's name and id and the signature bytes."""

    name: str
    key_id: int
    signature: bytes = field(repr=False)

    def line(self) -> str:
        """The signature line, newline included."""
        encoded = _b64encode(self.key_id.to_bytes(4, "big") + self.signature)
        return f"{_SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose signatures were checked.

    ``signatures`` are those by the keys given, all verified, one per key, in the note's
    order; ``unverified`` are those by other keys, kept aside unchecked (a witness's cosignature
    read by someone who does not know the witness, say).
    """

    text: str
    signatures: tuple[Signature, ...]
    unverified: tuple[Signature, ...] = ()


def sign(text: str, signers: Iterable[Signer]) -> str:
    """The signed note of ``text`` by each of ``signers``, in order.

    Raises :class:`SignatureError` ``malformed_note`` when the text breaks the note rules (no
    final newline, a control character) and ``no_signers`` when no signer is given; a signer
    given twice signs once. Needs the ``cryptography`` package.
    """
    problem = _text_problem(text)
    if problem is not None:
        raise SignatureError(problem, code="malformed_note")
    signed = text.encode("utf-8")
    lines = []
    seen: set[tuple[str, int]] = set()
    for signer in signers:
        if (signer.name, signer.key_id) not in seen:
            seen.add((signer.name, signer.key_id))
            lines.append(Signature(signer.name, signer.key_id, signer.sign(signed)).line())
    if not lines:
        raise SignatureError("a note needs at least one signature", code="no_signers")
    return text + "\n" + "".join(lines)


def _malformed(why: str) -> SignatureError:
    return SignatureError(f"malformed note: {why}", code="malformed_note")


def split_note(note: str | bytes) -> tuple[str, tuple[Signature, ...]]:
    """The text of a signed note and its signature lines, read but not checked.

    Raises :class:`SignatureError` like :func:`open_note` for a note that is not one
    (``malformed_note``, ``too_many_signatures``). A signature read this way vouches for
    nothing until :func:`open_note` checks it.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed("it is not UTF-8") from exc
    else:
        try:
            note.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _malformed("it holds a lone surrogate, which UTF-8 cannot encode") from exc
    if _CONTROL.search(note):
        raise _malformed("it holds a control character other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise _malformed("no empty line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise _malformed("the signatures must be lines, each ending in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        message = f"a note may have {MAX_SIGNATURES} signatures, this one has {len(lines)}"
        raise SignatureError(message, code="too_many_signatures")
    signatures = []
    for line in lines:
        if not line.startswith(_SIGNATURE_PREFIX):
            raise _malformed("a signature line must start with an em dash and a space")
        name, _, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
        raw = _b64decode(encoded)
        if _name_problem(name) is not None or raw is None or len(raw) < 5:
            raise _malformed("a signature line must be '— <key name> <base64 signature>'")
        signatures.append(Signature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return text, tuple(signatures)


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Check a signed note against the keys one trusts; return its text and signatures.

    Raises :class:`SignatureError`: ``malformed_note`` (not UTF-8, a control character, no
    empty line before the signatures, a signature line that is not one),
    ``too_many_signatures`` (over :data:`MAX_SIGNATURES`), ``ambiguous_key`` (two different
    verifiers with one name and id), ``bad_signature`` (a given key's signature does not
    verify: the note was altered or forged) or ``unknown_key`` (no signature by a given key).
    Needs the ``cryptography`` package once a signature by a given key is checked.
    """
    text, signatures = split_note(note)
    known: dict[tuple[str, int], Verifier] = {}
    for verifier in verifiers:
        key = (verifier.name, verifier.key_id)
        if known.setdefault(key, verifier) != verifier:
            message = f"two different keys are named {verifier.name}+{verifier.key_id:08x}"
            raise SignatureError(message, code="ambiguous_key")

    signed = text.encode("utf-8")
    verified: dict[tuple[str, int], Signature] = {}
    unverified: dict[str, Signature] = {}
    for signature in signatures:
        name = signature.name
        key = (name, signature.key_id)
        trusted = known.get(key)
        if trusted is None:
            unverified.setdefault(signature.line(), signature)
        elif not trusted.verify(signed, signature.signature):
            message = f"the signature by {name}+{signature.key_id:08x} does not verify"
            raise SignatureError(message, code="bad_signature")
        else:
            verified.setdefault(key, signature)
    if not verified:
        names = ", ".join(sorted({s.name for s in unverified.values()}))
        message = f"the note is signed by none of the keys given (signed by: {names})"
        raise SignatureError(message, code="unknown_key")
    return OpenedNote(text, tuple(verified.values()), tuple(unverified.values()))


# -------------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True, slots=True)
class CheckpointBody:
    """The text of a tlog checkpoint: origin, tree size, root hash, extension lines.

    Written ``<origin>\\n<size>\\n<base64 root>\\n`` and one line per extension. The origin
    is any non-empty line (the spec recommends a schema-less URL, but readers must not rely on
    it); the size is ASCII decimal with no sign, separator or leading zero (``0`` alone for
    the empty tree) and below 2^64; the root is 32 bytes in canonical padded base64;
    extension lines are non-empty. Anything else raises :class:`CheckpointError`, whose
    ``code`` names the line: ``bad_origin``, ``bad_size``, ``bad_root``, ``bad_extension``;
    ``missing_lines`` and ``malformed_checkpoint`` are about the text as a whole.
    """

    origin: str
    size: int
    root: bytes = field(repr=False)
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or _CONTROL.search(self.origin):
            message = f"a checkpoint origin is one non-empty line, not {self.origin!r}"
            raise CheckpointError(message, code="bad_origin")
        if type(self.size) is not int or not 0 <= self.size < 2**64:
            message = f"a tree size is a whole number from 0 to 2^64 - 1, not {self.size!r}"
            raise CheckpointError(message, code="bad_size")
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            message = "a checkpoint root hash is 32 bytes"
            raise CheckpointError(message, code="bad_root")
        # A list given for extensions is kept as a tuple, so that the body stays a value.
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for extension in self.extensions:
            if not extension or "\n" in extension or _CONTROL.search(extension):
                message = f"a checkpoint extension is one non-empty line, not {extension!r}"
                raise CheckpointError(message, code="bad_extension")

    def to_text(self) -> str:
        """The note text of the checkpoint, final newline included."""
        lines = [self.origin, str(self.size), _b64encode(self.root), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text: str) -> CheckpointBody:
        """Read checkpoint text strictly (see the class); the inverse of :meth:`to_text`."""
        if not text.endswith("\n"):
            raise CheckpointError(
                "checkpoint text must end with a newline", code="malformed_checkpoint"
            )
        if _CONTROL.search(text):
            raise CheckpointError(
                "checkpoint text holds a control character other than newline",
                code="malformed_checkpoint",
            )
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            message = f"a checkpoint has an origin, a size and a root: {len(lines)} line(s) given"
            raise CheckpointError(message, code="missing_lines")
        origin, size, root, *extensions = lines
        # 20 digits hold any size below 2^64; longer text is refused before int() reads it.
        if len(size) > 20 or not _SIZE.fullmatch(size):
            message = (
                f"the tree size must be ASCII decimal digits without sign, separator or "
                f"leading zero, not {size!r}"
            )
            raise CheckpointError(message, code="bad_size")
        raw = _b64decode(root)
        if raw is None:
            message = f"the root hash must be canonical padded base64, not {root!r}"
            raise CheckpointError(message, code="bad_root")
        return cls(origin, int(size), raw, tuple(extensions))
