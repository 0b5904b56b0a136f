"""The access record (Data Protection Act 2018 s.62): who read, disclosed, erased or restricted
personal values, when, why and for whom — an append-only chain of its own in the log file.

Each entry is the canonical JSON of an :class:`Access` and is chained like the events
(``hash = SHA-256(prev ‖ body)``, the first after 32 zero bytes); triggers refuse UPDATE and
DELETE. An entry never holds a personal value: it names events by ``seq`` (as ``[first, last]``
spans) and queries by the kind of thing asked for, not by the plate or reference asked about.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from anpr_ops._canonical import canonical_text
from anpr_ops._time import format_utc, parse_utc
from anpr_ops.chain import GENESIS_HASH, link
from anpr_ops.errors import AccessRefusedError

__all__ = [
    "ACTIONS",
    "ERASING",
    "Access",
    "AccessEntry",
    "Actor",
    "entries",
    "read_entries",
    "record",
    "spans",
]

#: What an entry records.
ACTIONS = (
    "consult",  # a read that returned personal values
    "disclose",  # an export of personal values to a recipient
    "erase",  # personal values erased at someone's request (s.47(1))
    "restrict",  # records restricted (s.47(2))
    "unrestrict",  # a restriction lifted
    "retention",  # a retention run (s.39): the policy, and the erasure of what it made due
    "policy",  # the retention policy set
    "migrate",  # the log made from an older log
)
#: The actions whose ``events`` had their personal values erased (the ``erased`` table lists
#: them; both verifiers check it against these entries).
ERASING = ("erase", "retention")

_ENV_ACTOR = "ANPR_OPS_ACTOR"
_ENV_PURPOSE = "ANPR_OPS_PURPOSE"


@attrs.frozen
class Actor:
    """Who is working with the log, and why: given to ``OpLog.open`` or read from the
    environment (``ANPR_OPS_ACTOR``, ``ANPR_OPS_PURPOSE``)."""

    name: str | None = None
    purpose: str | None = None

    @classmethod
    def resolve(cls, name: str | None, purpose: str | None) -> Actor:
        """The actor given, else the one the environment names."""
        return cls(
            name=_clean(name) or _clean(os.environ.get(_ENV_ACTOR)),
            purpose=_clean(purpose) or _clean(os.environ.get(_ENV_PURPOSE)),
        )

    def require(self, doing: str, *, purpose: bool = True) -> tuple[str, str | None]:
        """``(name, purpose)``, or an :class:`AccessRefusedError` saying what is missing."""
        if not self.name:
            message = (
                f"{doing} needs an actor: who is doing it is recorded (s.62 DPA 2018); give "
                f"actor= to OpLog.open, --as on the command line, or set {_ENV_ACTOR}"
            )
            raise AccessRefusedError(message, code="actor_required")
        if purpose and not self.purpose:
            message = (
                f"{doing} needs a purpose: the justification is recorded (s.62 DPA 2018); give "
                f"purpose= to OpLog.open, --purpose on the command line, or set {_ENV_PURPOSE}"
            )
            raise AccessRefusedError(message, code="purpose_required")
        return self.name, self.purpose


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text[:200] or None


@attrs.frozen
class Access:
    """One entry of the access record."""

    action: str
    actor: str
    purpose: str | None = None
    recipient: str | None = None
    reason: str | None = None
    query: Mapping[str, Any] | None = None
    """What was asked for: filters, or how events were chosen (never the value asked about)."""
    events: tuple[tuple[int, int], ...] = ()
    """The events concerned, as ``(first, last)`` seq spans."""
    fields: tuple[str, ...] = ()
    counts: Mapping[str, int] | None = None
    detail: Mapping[str, Any] | None = None
    at: datetime = attrs.field(factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        """The entry as stored (keys with no value left out)."""
        data: dict[str, Any] = {
            "action": self.action,
            "actor": self.actor,
            "at": format_utc(self.at),
        }
        for key in ("purpose", "recipient", "reason"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.query is not None:
            data["query"] = dict(self.query)
        if self.events:
            data["events"] = [list(span) for span in self.events]
        if self.fields:
            data["fields"] = list(self.fields)
        if self.counts is not None:
            data["counts"] = dict(self.counts)
        if self.detail is not None:
            data["detail"] = dict(self.detail)
        return data


@attrs.frozen
class AccessEntry:
    """One entry of the access record, as :meth:`OpLog.access_log` lists it: what the entry
    says (see :class:`Access`), its place in the record (``seq``) and its link (``hash``).

    ``events`` are the events concerned as ``(first, last)`` seq spans; ``query`` says how they
    were chosen (filters of a read, or ``{"by": "subject_ref"}`` for an erasure by subject —
    never the value asked about); ``counts`` and ``detail`` hold what an erasure, restriction or
    retention run did.
    """

    seq: int
    action: str
    actor: str
    at: datetime
    purpose: str | None
    recipient: str | None
    reason: str | None
    query: Mapping[str, Any] | None
    events: tuple[tuple[int, int], ...]
    fields: tuple[str, ...]
    counts: Mapping[str, int] | None
    detail: Mapping[str, Any] | None
    hash: str

    @property
    def event_count(self) -> int:
        """How many events the entry names."""
        return sum(last - first + 1 for first, last in self.events)

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready values: its stored object with ``seq`` and ``hash``."""
        data: dict[str, Any] = {"seq": self.seq, "action": self.action, "actor": self.actor}
        data["at"] = format_utc(self.at)
        for key in ("purpose", "recipient", "reason"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.query is not None:
            data["query"] = dict(self.query)
        if self.events:
            data["events"] = [list(span) for span in self.events]
        if self.fields:
            data["fields"] = list(self.fields)
        if self.counts is not None:
            data["counts"] = dict(self.counts)
        if self.detail is not None:
            data["detail"] = dict(self.detail)
        data["hash"] = self.hash
        return data


def read_entries(conn: sqlite3.Connection) -> list[AccessEntry]:
    """Every entry of the access record, in order."""
    out = []
    for seq, body, digest in entries(conn):
        data = json.loads(body)
        out.append(
            AccessEntry(
                seq=seq,
                action=str(data["action"]),
                actor=str(data["actor"]),
                at=parse_utc(str(data["at"])),
                purpose=data.get("purpose"),
                recipient=data.get("recipient"),
                reason=data.get("reason"),
                query=data.get("query"),
                events=tuple((int(a), int(b)) for a, b in data.get("events", ())),
                fields=tuple(data.get("fields", ())),
                counts=data.get("counts"),
                detail=data.get("detail"),
                hash=digest,
            )
        )
    return out


def spans(seqs: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Sorted seqs as ``(first, last)`` runs: ``[1, 2, 3, 7]`` → ``((1, 3), (7, 7))``."""
    out: list[list[int]] = []
    for seq in sorted(set(seqs)):
        if out and out[-1][1] == seq - 1:
            out[-1][1] = seq
        else:
            out.append([seq, seq])
    return tuple((first, last) for first, last in out)


def record(conn: sqlite3.Connection, entry: Access) -> int:
    """Append ``entry`` to the access record (inside the caller's write transaction); its seq."""
    row = conn.execute("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)
    body = canonical_text(entry.to_dict())
    digest = link(bytes.fromhex(prev), body.encode("utf-8")).hex()
    conn.execute(
        "INSERT INTO access_log (seq, body, hash) VALUES (?, ?, ?)", (seq + 1, body, digest)
    )
    return seq + 1


def entries(conn: sqlite3.Connection) -> Sequence[tuple[int, str, str]]:
    """Every entry as stored: ``(seq, body, hash)``."""
    return [
        (int(seq), str(body), str(digest))
        for seq, body, digest in conn.execute("SELECT seq, body, hash FROM access_log ORDER BY seq")
    ]
