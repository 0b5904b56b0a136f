"""The hash chain. Knows nothing of SQLite; standard library only.

Each event stores ``hash = SHA-256(prev_hash ‖ canonical bytes)`` (see ``_canonical``), with
``seq`` counting 1, 2, 3, … without gaps. :func:`verify_rows` walks stored rows in ``seq``
order and names the first one that breaks the chain. A checkpoint
(:class:`anpr_ops.checkpoint.Checkpoint`) records the chain's head and the Merkle root at a
moment; kept somewhere else, it lets a later check notice what the chain alone cannot: a
truncated tail or a chain rewritten from the start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from anpr_ops._canonical import GENESIS_HASH

__all__ = [
    "GENESIS_HASH",
    "VerifyResult",
    "chain_hash",
    "link",
    "verify_rows",
]


def link(prev: bytes, body: bytes) -> bytes:
    """The chain link: ``SHA-256(prev ‖ body)``, the 32 bytes an event's ``hash`` stands for.

    ``prev`` is the previous event's link (32 zero bytes before the first event) and
    ``body`` the event's canonical bytes. The one place the link is computed.
    """
    return _sha256(prev + body).digest()


def chain_hash(prev_hash: str, body: bytes) -> str:
    """:func:`link` in the stored form: hex of the previous hash in, hex of the link out.

    ``prev_hash`` is the previous event's hash in hex (``GENESIS_HASH`` for the first event);
    the 32 bytes it stands for, not its hex text, are hashed.
    """
    return link(bytes.fromhex(prev_hash), body).hex()


#: The problems of the links themselves (:func:`verify_rows`).
CHAIN_PROBLEMS = frozenset({"hash_mismatch", "seq_gap"})

_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What a verification found.

    ``ok`` is true when every checked event links and hashes correctly (and the checkpoint,
    if one was given, matches). ``checked`` counts the events examined, the failing one
    included.
    ``first_bad_seq`` is the first event that fails, ``problem`` a stable snake_case code and
    ``reason`` a sentence for people. ``head_seq``/``head_hash`` describe the last event read.
    """

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    reason: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    checkpoint_checked: bool = False
    personal_checked: int = 0
    """Commitments checked against the personal values still held."""
    erased: int = 0
    """Events whose personal values were erased (by a recorded erasure)."""
    erasures: int = 0
    """Entries of the access record that erased personal values (on request or by retention)."""
    access_checked: int = 0
    """Entries of the access record whose chain was checked."""
    not_checked: tuple[str, ...] = ()
    """What this verification did not look at (said in :meth:`summary`)."""

    def __bool__(self) -> bool:
        return self.ok

    def summary(self) -> str:
        """One line for people: what was checked and whether the chain holds."""
        if self.ok:
            against = ", and matches the checkpoint" if self.checkpoint_checked else ""
            parts = [f"chain holds: {self.checked} events checked, head seq {self.head_seq}"]
            if self.personal_checked or self.erased:
                erasures = f" by {self.erasures} recorded erasure(s)" if self.erasures else ""
                parts.append(
                    f"{self.personal_checked} commitments to personal values checked, "
                    f"{self.erased} erased{erasures}"
                )
            if self.access_checked:
                parts.append(f"{self.access_checked} access records checked")
            text = "; ".join(parts) + against
            if self.not_checked:
                text += f" (not checked: {', '.join(self.not_checked)})"
            return text
        if self.problem == "checkpoint_other_log":
            # Nothing is broken: the checkpoint is compared only once the chain has held.
            return (
                f"chain holds: {self.checked} events checked, head seq {self.head_seq}; not "
                f"compared with the checkpoint: {self.reason}"
            )
        at = f" at seq {self.first_bad_seq}" if self.first_bad_seq is not None else ""
        # "chain broken" only when the links themselves do not hold; any other problem (a
        # commitment, the access record, a derived table, a checkpoint) is said as itself.
        what = "chain broken" if self.problem in CHAIN_PROBLEMS else "does not verify"
        return f"{what}{at}: {self.reason} ({self.checked} events checked)"


def verify_rows(rows: Iterable[tuple[int, bytes, str]]) -> VerifyResult:
    """Walk ``(seq, body, hash)`` rows in ``seq`` order and check each link.

    ``body`` is the stored chained bytes. The first row must have ``seq == 1``; each next
    row ``seq`` one more; every ``hash`` must equal :func:`link` of the previous link (32 zero
    bytes before the first event) and the body.
    """
    prev_raw = bytes(32)
    expected_seq = 1
    expected_prev = GENESIS_HASH
    for seq, body, stored_hash in rows:
        # The common case first, with as little work as possible: this loop is verify().
        if seq == expected_seq:
            digest = link(prev_raw, body)
            if digest.hex() == stored_hash:
                expected_seq += 1
                expected_prev = stored_hash
                prev_raw = digest
                continue
            problem = (
                "hash_mismatch",
                "stored hash does not match the event's bytes and the hash before it "
                "(its content or hash was altered, or rows were removed, reordered or replaced)",
            )
        else:
            problem = (
                "seq_gap",
                f"expected seq {expected_seq} but found {seq} (a row was removed or renumbered)",
            )
        return VerifyResult(
            ok=False,
            checked=expected_seq,
            first_bad_seq=seq,
            problem=problem[0],
            reason=problem[1],
            head_seq=expected_seq - 1,
            head_hash=expected_prev,
        )
    return VerifyResult(
        ok=True, checked=expected_seq - 1, head_seq=expected_seq - 1, head_hash=expected_prev
    )
