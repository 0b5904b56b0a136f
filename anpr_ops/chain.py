"""The hash chain and checkpoints. Knows nothing of SQLite; standard library only.

Each event stores ``hash = SHA-256(prev_hash ‖ canonical bytes)`` (see ``_canonical``), with
``seq`` counting 1, 2, 3, … without gaps. :func:`verify_rows` walks stored rows in ``seq``
order and names the first one that breaks the chain. A :class:`Checkpoint` records the head of
the chain at a moment; kept somewhere else, it lets a later check notice what the chain alone
cannot: a truncated tail or a chain rewritten from the start.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from anpr_ops._canonical import GENESIS_HASH
from anpr_ops.errors import CheckpointError

__all__ = [
    "CHECKPOINT_MAGIC",
    "GENESIS_HASH",
    "Checkpoint",
    "VerifyResult",
    "chain_hash",
    "link",
    "verify_rows",
]

CHECKPOINT_MAGIC = "anpr-ops checkpoint 1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = ("log-id", "log-name", "scope", "seq", "events", "head-hash", "created-at")


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
                parts.append(
                    f"{self.personal_checked} commitments to personal values checked, "
                    f"{self.erased} erased"
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
        return f"chain broken{at}: {self.reason} ({self.checked} events checked)"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head of a log's chain at one moment, small enough to print or mail.

    ``scope`` is ``"log"`` or ``"op:<op_id>"``: for an operation, ``seq``/``head_hash`` are the
    operation's latest event and ``events`` counts the operation's events up to it; for the log,
    ``events == seq``. Verifying against it detects truncation and rewrites that the chain
    alone cannot.
    """

    log_id: str
    log_name: str
    scope: str
    seq: int
    events: int
    head_hash: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    @property
    def op_id(self) -> str | None:
        """The operation this checkpoint covers, or ``None`` for the whole log."""
        return self.scope[3:] if self.scope.startswith("op:") else None

    def _lines(self) -> list[str]:
        stamp = self.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [
            CHECKPOINT_MAGIC,
            f"log-id: {self.log_id}",
            f"log-name: {self.log_name}",
            f"scope: {self.scope}",
            f"seq: {self.seq}",
            f"events: {self.events}",
            f"head-hash: {self.head_hash}",
            f"created-at: {stamp}",
        ]

    def to_text(self) -> str:
        """The checkpoint as a few ``key: value`` lines, ending with a self-check line."""
        lines = self._lines()
        check = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]
        return "\n".join([*lines, f"check: {check}"]) + "\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Read text written by :meth:`to_text`; raises ``CheckpointError`` if malformed."""
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        if not lines or lines[0] != CHECKPOINT_MAGIC:
            raise CheckpointError(f"not a checkpoint: the first line must be {CHECKPOINT_MAGIC!r}")
        values: dict[str, str] = {}
        for number, line in enumerate(lines[1:], start=2):
            key, sep, value = line.partition(":")
            if not sep:
                raise CheckpointError(f"checkpoint line {number}: expected 'key: value'")
            key, value = key.strip(), value.strip()
            if key not in (*_FIELDS, "check"):
                raise CheckpointError(f"checkpoint line {number}: unknown key {key!r}")
            if key in values:
                raise CheckpointError(f"checkpoint line {number}: {key!r} given twice")
            values[key] = value
        missing = [key for key in (*_FIELDS, "check") if key not in values]
        if missing:
            raise CheckpointError(f"checkpoint lacks {', '.join(missing)}")
        try:
            seq, events = int(values["seq"]), int(values["events"])
            created = datetime.strptime(values["created-at"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
        except ValueError as exc:
            raise CheckpointError(f"checkpoint has a malformed number or time: {exc}") from exc
        if not _HEX64.match(values["head-hash"]):
            raise CheckpointError("checkpoint head-hash must be 64 lower-case hex digits")
        if seq < 0 or events < 0 or events > seq:
            raise CheckpointError("checkpoint seq and events must satisfy 0 <= events <= seq")
        scope = values["scope"]
        if scope != "log" and not scope.startswith("op:"):
            raise CheckpointError("checkpoint scope must be 'log' or 'op:<op_id>'")
        checkpoint = cls(
            log_id=values["log-id"],
            log_name=values["log-name"],
            scope=scope,
            seq=seq,
            events=events,
            head_hash=values["head-hash"],
            created_at=created,
        )
        expected = checkpoint.to_text().rstrip("\n").rsplit("check: ", 1)[1]
        if values["check"] != expected:
            raise CheckpointError(
                "checkpoint self-check does not match: the text was altered or mistyped"
            )
        return checkpoint


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
