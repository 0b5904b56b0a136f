"""Inclusion and consistency proofs, as JSON files, and their checks. Standard library only.

Made by a log (``OpLog.prove``, ``OpLog.prove_consistency``; ``anpr-ops prove``,
``anpr-ops prove-consistency``) and checked here with no database at hand — by
``anpr-ops check-proof``/``check-consistency``, or ``python -m anpr_ops.verify --proof`` and
``--consistency`` on a machine with nothing but Python. Only checking a checkpoint's
signature needs the ``signing`` extra.

**An inclusion proof** shows that one event is in the log a checkpoint describes: the event's
stored chained bytes (the leaf), its index (``seq - 1``), the tree size and the RFC 9162
audit path. It reveals no personal value — the leaf holds only a commitment to them — unless
the log's keeper chose to disclose the event's values with it (a disclosure recorded in the
log's access record); the checker then checks them against the commitment in the leaf::

    {"proof": "inclusion", "origin": "anpr-ops/day/5f0c…", "event_id": "search-7",
     "leaf_index": 41, "tree_size": 120, "leaf": "<base64>", "inclusion_path": ["<base64>", …],
     "personal": {"salt": "<base64>", "values": {"subject_ref": "…", "grounds": "…"}}}

**A consistency proof** shows that a later checkpoint's log extends an earlier one's: every
event the first covered is still there, unchanged, in the same order::

    {"proof": "consistency", "origin": "anpr-ops/day/5f0c…", "old_size": 120,
     "new_size": 300, "consistency_path": ["<base64>", …]}

Every hash is standard padded base64 and the paths are in RFC 9162 order (sections 2.1.3 and
2.1.4), so any RFC 9162 verifier can check them against the checkpoints' roots.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from anpr_ops._canonical import canonical_text
from anpr_ops._commitment import commitment, event_object, paths
from anpr_ops.checkpoint import Checkpoint
from anpr_ops.errors import ProofError, SignatureError
from anpr_ops.merkle import leaf_hash, verify_consistency, verify_inclusion
from anpr_ops.note import Verifier

__all__ = [
    "ConsistencyProof",
    "Disclosure",
    "InclusionProof",
    "check_consistency",
    "check_inclusion",
    "trusted_checkpoint",
]

_INCLUSION_KEYS = {"proof", "origin", "event_id", "leaf_index", "tree_size", "leaf"}
_CONSISTENCY_KEYS = {"proof", "origin", "old_size", "new_size", "consistency_path"}


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Personal values disclosed with a proof: the values object and its commitment's salt."""

    values: Mapping[str, Any]
    salt: bytes = field(repr=False)

    def __repr__(self) -> str:  # never print a personal value
        return f"Disclosure(fields={paths(self.values)!r})"


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """That the event ``event_id`` is leaf ``leaf_index`` of the log of ``tree_size`` events.

    ``leaf`` is the event's stored chained bytes; ``inclusion_path`` the RFC 9162 audit path
    from the leaf's sibling up; ``personal`` the disclosed values, if any.
    """

    origin: str
    event_id: str
    leaf_index: int
    tree_size: int
    leaf: bytes = field(repr=False)
    inclusion_path: tuple[bytes, ...] = field(repr=False)
    personal: Disclosure | None = None

    @property
    def seq(self) -> int:
        """The event's ``seq`` in the log (``leaf_index + 1``)."""
        return self.leaf_index + 1

    def event(self) -> dict[str, Any]:
        """The event's canonical object as the leaf holds it: its public fields, and its
        personal values when they were disclosed (trust it once :func:`check_inclusion`
        has passed)."""
        values = self.personal.values if self.personal is not None else None
        return event_object(_leaf_object(self.leaf), values)

    def to_json(self) -> str:
        """The proof as one JSON object (keys sorted, two-space indent, final newline)."""
        data: dict[str, Any] = {
            "proof": "inclusion",
            "origin": self.origin,
            "event_id": self.event_id,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf": _b64(self.leaf),
            "inclusion_path": [_b64(h) for h in self.inclusion_path],
        }
        if self.personal is not None:
            data["personal"] = {
                "salt": _b64(self.personal.salt),
                "values": dict(self.personal.values),
            }
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> InclusionProof:
        """Read a proof written by :meth:`to_json`, strictly: :class:`ProofError`
        ``malformed_proof`` for anything else."""
        data = _object(text, "inclusion", {*_INCLUSION_KEYS, "inclusion_path"}, {"personal"})
        personal = data.get("personal")
        disclosure = None
        if personal is not None:
            if (
                not isinstance(personal, dict)
                or set(personal) != {"salt", "values"}
                or not isinstance(personal["values"], dict)
            ):
                raise _malformed("'personal' is an object of 'salt' and 'values'")
            disclosure = Disclosure(personal["values"], _unb64(personal["salt"], "personal.salt"))
        return cls(
            origin=_text(data, "origin"),
            event_id=_text(data, "event_id"),
            leaf_index=_count(data, "leaf_index"),
            tree_size=_count(data, "tree_size"),
            leaf=_unb64(data["leaf"], "leaf"),
            inclusion_path=_hashes(data, "inclusion_path"),
            personal=disclosure,
        )


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """That the log of ``new_size`` events extends the log of ``old_size`` (RFC 9162 path)."""

    origin: str
    old_size: int
    new_size: int
    consistency_path: tuple[bytes, ...] = field(repr=False)

    def to_json(self) -> str:
        """The proof as one JSON object (keys sorted, two-space indent, final newline)."""
        data = {
            "proof": "consistency",
            "origin": self.origin,
            "old_size": self.old_size,
            "new_size": self.new_size,
            "consistency_path": [_b64(h) for h in self.consistency_path],
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> ConsistencyProof:
        """Read a proof written by :meth:`to_json`, strictly: :class:`ProofError`
        ``malformed_proof`` for anything else."""
        data = _object(text, "consistency", _CONSISTENCY_KEYS, set())
        return cls(
            origin=_text(data, "origin"),
            old_size=_count(data, "old_size"),
            new_size=_count(data, "new_size"),
            consistency_path=_hashes(data, "consistency_path"),
        )


# ------------------------------------------------------------------------------- checking


def trusted_checkpoint(checkpoint: Checkpoint | str, verifiers: Iterable[Verifier]) -> Checkpoint:
    """The checkpoint, read from its text if need be, with its signatures checked against
    ``verifiers`` when any are given (:meth:`Checkpoint.from_text`): a checkpoint given as a
    value is checked through the signature lines it carries.

    Raises :class:`~anpr_ops.errors.CheckpointError` or
    :class:`~anpr_ops.errors.SignatureError` (``unknown_key`` for an unsigned checkpoint when
    keys were given).
    """
    keys = list(verifiers)
    if isinstance(checkpoint, str):
        return Checkpoint.from_text(checkpoint, keys)
    if not keys:
        return checkpoint
    if not checkpoint.signatures:
        raise SignatureError("the checkpoint is not signed", code="unknown_key")
    lines = "".join(signature.line() for signature in checkpoint.signatures)
    return Checkpoint.from_text(checkpoint.to_text() + "\n" + lines, keys)


def check_inclusion(
    proof: InclusionProof,
    checkpoint: Checkpoint | str,
    verifiers: Iterable[Verifier] = (),
) -> dict[str, Any]:
    """Check that ``proof``'s event is in the log ``checkpoint`` describes; return the event.

    The event comes back as its canonical object (:meth:`InclusionProof.event`): public
    fields, and personal values when the proof discloses them — checked against the
    commitment in the leaf. With ``verifiers``, the checkpoint must be signed by one of them.
    Nothing but the standard library is used, unless a signature is checked.

    Raises :class:`~anpr_ops.errors.ProofError`: ``other_log`` (the proof is for another log),
    ``size_mismatch`` (for another checkpoint of the log), ``wrong_leaf`` (the leaf is not
    the event named, or not its canonical bytes), the codes of
    :func:`anpr_ops.merkle.verify_inclusion` (``root_mismatch``: the leaf is not in that
    tree), ``personal_mismatch`` (disclosed values the leaf does not commit to); and the
    errors of :func:`trusted_checkpoint`.
    """
    cp = trusted_checkpoint(checkpoint, verifiers)
    _same_log(proof.origin, cp)
    if proof.tree_size != cp.size:
        message = (
            f"the proof is for the log at {proof.tree_size} events, the checkpoint at "
            f"{cp.size}: check it against the checkpoint it was made for"
        )
        raise ProofError(message, code="size_mismatch")
    data = _leaf_object(proof.leaf)
    if data.get("event_id") != proof.event_id:
        raise ProofError("the leaf is not the event the proof names", code="wrong_leaf")
    verify_inclusion(
        leaf_hash(proof.leaf), proof.leaf_index, proof.tree_size, proof.inclusion_path, cp.root
    )
    if proof.personal is not None:
        _check_values(data, proof.personal)
    return proof.event()


def check_consistency(
    proof: ConsistencyProof,
    old: Checkpoint | str,
    new: Checkpoint | str,
    verifiers: Iterable[Verifier] = (),
) -> None:
    """Check that the log ``new`` describes extends the log ``old`` describes.

    Returns ``None`` when it does. With ``verifiers``, both checkpoints must be signed by one
    of them. Raises :class:`~anpr_ops.errors.ProofError`: ``other_log``, ``size_mismatch``,
    ``access_shrank`` (the later checkpoint's access record is shorter: entries were removed),
    the codes of :func:`anpr_ops.merkle.verify_consistency` (``old_size_zero``,
    ``old_size_greater``, ``old_root_mismatch``, ``root_mismatch``, …); and the errors of
    :func:`trusted_checkpoint`.
    """
    keys = list(verifiers)
    before = trusted_checkpoint(old, keys)
    after = trusted_checkpoint(new, keys)
    _same_log(proof.origin, before)
    _same_log(proof.origin, after)
    if (proof.old_size, proof.new_size) != (before.size, after.size):
        message = (
            f"the proof is from {proof.old_size} to {proof.new_size} events, the checkpoints "
            f"are at {before.size} and {after.size}"
        )
        raise ProofError(message, code="size_mismatch")
    verify_consistency(before.size, after.size, before.root, after.root, proof.consistency_path)
    if after.access_entries < before.access_entries:
        message = (
            f"the later checkpoint's access record has {after.access_entries} entries, the "
            f"earlier one's {before.access_entries}: entries were removed"
        )
        raise ProofError(message, code="access_shrank")


def _same_log(proof_origin: str, cp: Checkpoint) -> None:
    if proof_origin != cp.origin:
        message = f"the proof is for the log {proof_origin!r}, the checkpoint is of {cp.origin!r}"
        raise ProofError(message, code="other_log")


def _check_values(data: Mapping[str, Any], disclosed: Disclosure) -> None:
    meta = data.get("personal")
    if not isinstance(meta, dict):
        message = "the proof discloses personal values, but its leaf commits to none"
        raise ProofError(message, code="personal_mismatch")
    try:
        text = canonical_text(dict(disclosed.values))
    except (TypeError, ValueError):
        raise ProofError("the disclosed values are not JSON", code="personal_mismatch") from None
    if commitment(disclosed.salt, text) != meta.get("commitment") or paths(
        disclosed.values
    ) != meta.get("fields"):
        message = "the disclosed personal values are not those the leaf commits to"
        raise ProofError(message, code="personal_mismatch")


# ---------------------------------------------------------------------------------- JSON


def _malformed(why: str) -> ProofError:
    return ProofError(f"not a proof file: {why}", code="malformed_proof")


def _leaf_object(leaf: bytes) -> dict[str, Any]:
    try:
        text = leaf.decode("utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProofError("the leaf is not an event's bytes", code="wrong_leaf") from None
    if not isinstance(data, dict) or canonical_text(data) != text:
        raise ProofError("the leaf is not an event's canonical bytes", code="wrong_leaf")
    return data


def _object(text: str | bytes, kind: str, keys: set[str], optional: set[str]) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _malformed("it is not JSON") from None
    if not isinstance(data, dict):
        raise _malformed("it is not a JSON object")
    if data.get("proof") != kind:
        raise _malformed(f'it is not an {kind} proof ("proof": "{kind}")')
    missing, extra = keys - set(data), set(data) - keys - optional
    if missing or extra:
        raise _malformed(f"missing {sorted(missing)}, unexpected {sorted(extra)}")
    return data


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise _malformed(f"{key!r} is a non-empty string")
    return value


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data[key]
    if type(value) is not int or not 0 <= value < 2**64:
        raise _malformed(f"{key!r} is a whole number from 0 to 2^64 - 1")
    return value


def _hashes(data: Mapping[str, Any], key: str) -> tuple[bytes, ...]:
    value = data[key]
    if not isinstance(value, list) or len(value) > 128:
        raise _malformed(f"{key!r} is a list of at most 128 base64 hashes")
    return tuple(_unb64(item, key) for item in value)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(value: object, key: str) -> bytes:
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
        else:
            if _b64(raw) == value:
                return raw
    raise _malformed(f"{key!r} holds something other than canonical padded base64")
