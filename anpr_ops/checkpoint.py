"""Checkpoints: the state of a log at one moment, as a C2SP tlog-checkpoint signed note.

Standard library only at import time (signatures need the ``signing`` extra, see
:mod:`anpr_ops.note`), so the standalone verifier reads and checks checkpoints too.

A checkpoint is the text of a note (c2sp.org/tlog-checkpoint), every line ending in a
newline::

    anpr-ops/day/5f0c6b1f2d9e4c4e9c1a0b7d3e2f1a00     origin: anpr-ops/<log name>/<log id>
    120                                                tree size: the number of events
    q2Xk…=                                             the Merkle root (RFC 9162), base64
    head 120 abab…ab                                   the chain head: seq and hash (hex)
    access 7 cdcd…cd                                   the access record: entries, head hash
    operation kaiser-2020-04-18 40                     an operation's checkpoint only
    time 2020-04-18T22:00:00Z                          when it was taken (UTC)

The first three lines are what any tlog tool reads; the extension lines, in that order and no
other, are what this library adds (a tool that does not know them ignores them). The origin
names the log for its life: its name (the file's stem when it was created) and its random id.
The tree is RFC 9162's over every event in ``seq`` order, each leaf the event's stored
chained bytes, so the size is also the head's ``seq``. For an operation's checkpoint the
``operation`` line says how many of its events the log held at that size.

Signed, the text is followed by an empty line and one line per signature (Ed25519,
c2sp.org/signed-note): :meth:`Checkpoint.sign`. :meth:`Checkpoint.from_text` reads either form
strictly; given verifier keys, it refuses a checkpoint that none of them signed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from anpr_ops.errors import CheckpointError, SignatureError
from anpr_ops.keys import signing_available
from anpr_ops.note import (
    CheckpointBody,
    Signature,
    Signer,
    Verifier,
    open_note,
    sign,
    split_note,
)

__all__ = ["ORIGIN_PREFIX", "Checkpoint", "log_name", "origin"]

#: Every origin this library writes starts with this.
ORIGIN_PREFIX = "anpr-ops/"
_GENESIS = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")
_COUNT = r"(0|[1-9][0-9]{0,19})"  # ASCII digits, no sign, separator or leading zero
_HEAD = re.compile(rf"head {_COUNT} ([0-9a-f]{{64}})")
_ACCESS = re.compile(rf"access {_COUNT} ([0-9a-f]{{64}})")
_OPERATION = re.compile(rf"operation ([a-z0-9](?:[a-z0-9-]{{0,62}}[a-z0-9])?) {_COUNT}")
_TIME = re.compile(r"time ([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)")
_NAME = re.compile(r"[^/\s]{1,200}")
_UNSAFE = re.compile(r"[^\w.-]+")
_LOG_ID = re.compile(r"[0-9a-f]{32}")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def origin(name: str, log_id: str) -> str:
    """The origin line of a log's checkpoints: ``anpr-ops/<log name>/<log id>``."""
    return f"{ORIGIN_PREFIX}{name}/{log_id}"


def log_name(text: str) -> str:
    """``text`` made a log name an origin line can hold: letters, digits, ``.``, ``_`` and
    ``-`` kept, runs of anything else made one ``-``, at most 200 characters (``"log"`` if
    nothing is left).

    >>> log_name("Op Kaiser / day 1")
    'Op-Kaiser-day-1'
    """
    cleaned = _UNSAFE.sub("-", text).strip("-")[:200]
    return cleaned or "log"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The state of a log at one moment: its Merkle root and size, chain head, access record.

    Kept where the log's writers cannot reach it, or signed and handed to someone outside the
    force, it lets a later check find what the chain alone cannot (a cut tail, a chain
    rewritten from the start) and lets :mod:`anpr_ops.proofs` prove that an event is in the
    log, or that a later checkpoint extends this one.

    ``size`` is the number of events (the head's ``seq``), ``root`` the RFC 9162 root of their
    stored bytes, ``head_hash`` the hex chain hash at ``seq == size``; ``access_entries`` and
    ``access_hash`` the access record's length and head; ``op_id``/``op_events`` the
    operation an operation's checkpoint is about and its events up to ``size``.

    ``signatures`` are the note's signature lines (not compared: the same checkpoint, signed
    or not, is the same checkpoint) and ``signed_by`` the names of the keys whose signatures
    were checked when it was read.
    """

    log_name: str
    log_id: str
    size: int
    root: bytes = field(repr=False)
    head_hash: str
    access_entries: int = 0
    access_hash: str = _GENESIS
    op_id: str | None = None
    op_events: int | None = None
    created_at: datetime = field(default_factory=_now)
    signatures: tuple[Signature, ...] = field(default=(), compare=False, repr=False)
    signed_by: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        problem = None
        if not _NAME.fullmatch(self.log_name):
            problem = "the log name is 1 to 200 characters, no slash or space"
        elif not _LOG_ID.fullmatch(self.log_id):
            problem = "the log id is 32 lower-case hex digits"
        elif not _HEX64.fullmatch(self.head_hash) or not _HEX64.fullmatch(self.access_hash):
            problem = "a hash is 64 lower-case hex digits"
        elif (self.op_id is None) != (self.op_events is None):
            problem = "an operation's checkpoint has both the operation and its event count"
        elif self.op_id is not None and not _OPERATION.fullmatch(
            f"operation {self.op_id} {self.op_events}"
        ):
            problem = "the operation is a lower-case slug, its count a whole number"
        elif type(self.access_entries) is not int or not 0 <= self.access_entries < 2**64:
            problem = "the access record's length is a whole number"
        elif (self.access_entries == 0) != (self.access_hash == _GENESIS):
            problem = "an empty access record has the zero hash, and only an empty one"
        elif self.created_at.tzinfo is None:
            problem = "the time needs a time zone"
        if problem is not None:
            raise CheckpointError(f"not a checkpoint: {problem}", code="malformed_checkpoint")
        # The note holds whole seconds in UTC: so does the value, so that it reads back equal.
        object.__setattr__(
            self, "created_at", self.created_at.astimezone(UTC).replace(microsecond=0)
        )
        # The origin, size and root are CheckpointBody's to judge.
        self._body()
        problem = None
        if (self.size == 0) != (self.head_hash == _GENESIS):
            problem = "an empty log has the zero head hash, and only an empty one"
        elif self.op_events is not None and self.op_events > self.size:
            problem = "an operation cannot have more events than the log"
        if problem is not None:
            raise CheckpointError(f"not a checkpoint: {problem}", code="malformed_checkpoint")

    # -- what it says -----------------------------------------------------------------

    @property
    def origin(self) -> str:
        """``anpr-ops/<log name>/<log id>``: the log this checkpoint is of."""
        return origin(self.log_name, self.log_id)

    @property
    def seq(self) -> int:
        """The ``seq`` of the chain head: the same as :attr:`size`."""
        return self.size

    @property
    def events(self) -> int:
        """Events in scope: the operation's for an operation's checkpoint, else the log's."""
        return self.size if self.op_events is None else self.op_events

    @property
    def scope(self) -> str:
        """``"log"`` or ``"op:<op_id>"``."""
        return "log" if self.op_id is None else f"op:{self.op_id}"

    # -- text -------------------------------------------------------------------------

    def _body(self) -> CheckpointBody:
        t = self.created_at.astimezone(UTC)
        stamp = (
            f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"
        )
        lines = [
            f"head {self.size} {self.head_hash}",
            f"access {self.access_entries} {self.access_hash}",
        ]
        if self.op_id is not None:
            lines.append(f"operation {self.op_id} {self.op_events}")
        lines.append(f"time {stamp}")
        return CheckpointBody(self.origin, self.size, self.root, tuple(lines))

    def to_text(self) -> str:
        """The unsigned note text: origin, size, root and the extension lines."""
        return self._body().to_text()

    def sign(self, signers: Iterable[Signer]) -> str:
        """The signed note: the text, an empty line, then a signature line for each signer.

        Signatures the checkpoint already carries (read with it) are kept, before the new
        ones, so a second party can countersign. Needs the ``signing`` extra.
        """
        text = self.to_text()
        new = signing_available(lambda: sign(text, signers))
        kept = [line.line() for line in self.signatures]
        lines = [*kept, *(line + "\n" for line in new[len(text) + 1 :].splitlines())]
        return text + "\n" + "".join(dict.fromkeys(lines))

    @classmethod
    def from_text(cls, text: str, verifiers: Iterable[Verifier] = ()) -> Checkpoint:
        """Read a checkpoint, signed or not, strictly.

        With ``verifiers``, the text must be a note signed by at least one of them, and every
        signature by one of them must verify (:func:`anpr_ops.note.open_note`); their names
        are in :attr:`signed_by`. Without, signature lines are kept but not checked.

        Raises :class:`~anpr_ops.errors.CheckpointError` (``code`` naming the line: see
        :class:`~anpr_ops.note.CheckpointBody`; ``bad_extension`` for the extension lines,
        ``bad_origin`` for an origin that is not this library's) and
        :class:`~anpr_ops.errors.SignatureError` (``malformed_note``, ``unknown_key``,
        ``bad_signature``, ``signing_unavailable``, …).
        """
        keys = list(verifiers)
        signatures: tuple[Signature, ...] = ()
        signed_by: tuple[str, ...] = ()
        if keys:
            if "\n\n" not in text:
                message = "the checkpoint is not signed, and a signature by a key given is needed"
                raise SignatureError(message, code="unknown_key")
            opened = signing_available(lambda: open_note(text, keys))
            body_text = opened.text
            signatures = opened.signatures + opened.unverified
            signed_by = tuple(dict.fromkeys(s.name for s in opened.signatures))
        elif "\n\n" in text:
            body_text, signatures = split_note(text)  # signature lines read, not checked
        else:
            body_text = text
        body = CheckpointBody.from_text(body_text)
        return cls._from_body(body, signatures, signed_by)

    @classmethod
    def _from_body(
        cls,
        body: CheckpointBody,
        signatures: tuple[Signature, ...],
        signed_by: tuple[str, ...],
    ) -> Checkpoint:
        prefix, _, rest = body.origin.partition(ORIGIN_PREFIX)
        name, slash, log_id = rest.rpartition("/")
        if prefix or not slash or not _NAME.fullmatch(name) or not _LOG_ID.fullmatch(log_id):
            message = (
                "the origin line is not an anpr_ops log's (anpr-ops/<log name>/<32 hex "
                "digits>): a checkpoint of another kind of log"
            )
            raise CheckpointError(message, code="bad_origin")
        lines = list(body.extensions)
        head = _match(_HEAD, lines, "head <seq> <hash>")
        access = _match(_ACCESS, lines, "access <entries> <hash>")
        operation = _OPERATION.fullmatch(lines[0]) if lines else None
        if operation is not None:
            lines.pop(0)
        time = _match(_TIME, lines, "time <YYYY-MM-DDTHH:MM:SSZ>")
        if lines:
            message = (
                f"the checkpoint has {len(lines)} extension line(s) this version does not know"
            )
            raise CheckpointError(message, code="bad_extension")
        if int(head.group(1)) != body.size:
            message = f"the head's seq {head.group(1)} is not the tree size {body.size}"
            raise CheckpointError(message, code="bad_extension")
        try:
            created = datetime.strptime(time.group(1), _TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            message = f"the time {time.group(1)!r} is not a real UTC time"
            raise CheckpointError(message, code="bad_extension") from None
        try:
            return cls(
                log_name=name,
                log_id=log_id,
                size=body.size,
                root=body.root,
                head_hash=head.group(2),
                access_entries=int(access.group(1)),
                access_hash=access.group(2),
                op_id=operation.group(1) if operation else None,
                op_events=int(operation.group(2)) if operation else None,
                created_at=created,
                signatures=signatures,
                signed_by=signed_by,
            )
        except CheckpointError as exc:
            raise CheckpointError(exc.message, code="bad_extension") from None


def _match(pattern: re.Pattern[str], lines: list[str], form: str) -> re.Match[str]:
    found = pattern.fullmatch(lines[0]) if lines else None
    if found is None:
        message = f"the checkpoint lacks its extension line '{form}' where it is expected"
        raise CheckpointError(message, code="bad_extension")
    lines.pop(0)
    return found
