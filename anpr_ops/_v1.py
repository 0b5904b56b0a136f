"""A version-1 log file, read with the standard library: what migrating one and verifying one
need, and nothing more.

Version 1 (anpr_ops 0.1) kept ``events(seq, event_id, body, prev_hash, hash)``: each ``body``
the canonical JSON of the whole event, personal values included, and each ``hash`` the link
``SHA-256(prev ‖ body)`` (:func:`anpr_ops.chain.link`, unchanged since), with per-kind
projection tables beside; its checkpoints are the text ``anpr-ops checkpoint 1``. This version
does not open such files (``OpLog.open`` refuses them with ``schema_too_old``): ``anpr-ops
migrate`` replays one into a new log (:mod:`anpr_ops.store._migrate`) and ``python -m
anpr_ops.verify`` checks one. Nothing else reads them, and nothing here writes to them: a file
is opened read-only, and immutable (so that no ``-wal`` or ``-shm`` file appears beside it)
unless a ``-wal`` file with content lies next to it.

The other side of a migration is checked here too (:func:`descent`): the new log's first
access record entry names the old log, its head and how many events came over, and the new
log's events, their personal values put back, are byte for byte the old bodies; so the old
chain can be recomputed from the new file and compared with the old file or its checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from anpr_ops._canonical import GENESIS_HASH, canonical_text
from anpr_ops._schema import APPLICATION_ID, SCHEMA_VERSION, schema_objects
from anpr_ops.chain import VerifyResult, link
from anpr_ops.errors import CheckpointError, MigrationError, NotALogError, SchemaVersionError

__all__ = [
    "CHECKPOINT_MAGIC",
    "VERSION",
    "Descent",
    "Head",
    "Origin",
    "V1Checkpoint",
    "check",
    "connect",
    "descent",
    "guard_problems",
    "is_v1_file",
    "old_body",
    "origin",
    "pages",
    "read_checkpoint",
    "verify",
]

#: The schema version this module reads.
VERSION = 1
#: The first line of a version-1 checkpoint.
CHECKPOINT_MAGIC = "anpr-ops checkpoint 1"
_CHECKPOINT_KEYS = ("log-id", "log-name", "scope", "seq", "events", "head-hash", "created-at")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

# Version 1's events table and its guards, as version 1 wrote them: frozen with that format.
_EVENTS = """CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)"""
_COLUMNS = ["seq", "event_id", "body", "prev_hash", "hash"]
_GUARDS = (
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: UPDATE refused'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: DELETE refused'); END",
    "CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
    "WHEN NEW.seq <= (SELECT max(seq) FROM events) "
    "OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id) "
    "BEGIN SELECT RAISE(ABORT, 'anpr_ops: events is append-only: "
    "an insert may not replace or precede an existing event'); END",
)
# Each row, and whether its event_id column still appears in its body (an id never needs
# JSON escaping), as version 1 checked it.
_ROWS = (
    "SELECT seq, CAST(body AS BLOB), prev_hash, hash, "
    "instr(body, '\"event_id\":\"' || event_id || '\"') > 0 FROM events ORDER BY seq"
)
_HEADER = b"SQLite format 3\x00"


# --------------------------------------------------------------------------- the file


def is_v1_file(path: str | Path) -> bool:
    """Whether the file's SQLite header marks it as an anpr_ops log of version 1 (read from
    the first 100 bytes, without opening it as a database)."""
    try:
        with open(path, "rb") as file:
            header = file.read(100)
    except OSError:
        return False
    return (
        len(header) == 100
        and header.startswith(_HEADER)
        and int.from_bytes(header[60:64], "big") == VERSION
        and int.from_bytes(header[68:72], "big") == APPLICATION_ID
    )


def connect(path: str | Path) -> sqlite3.Connection:
    """Open an existing file for reading only, and as immutable unless a ``-wal`` file with
    content lies beside it (whose commits only a WAL reader sees)."""
    target = Path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no log file at {target}")
    uri = "file:" + urllib.parse.quote(str(target.resolve())) + "?mode=ro"
    wal = Path(f"{target}-wal")
    if not (wal.exists() and wal.stat().st_size > 0):
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True)


@dataclass(frozen=True, slots=True)
class Head:
    """A point of a log's chain: the log, a ``seq`` and the hash there."""

    log_id: str
    seq: int
    hash: str


def check(conn: sqlite3.Connection) -> str:
    """Refuse a file that is not a version-1 anpr_ops log; its ``log_id``.

    A log of the current format is a :class:`~anpr_ops.errors.MigrationError`
    (``already_current``), a newer one a :class:`~anpr_ops.errors.SchemaVersionError`, anything
    else a :class:`~anpr_ops.errors.NotALogError`.
    """
    (app_id,) = conn.execute("PRAGMA application_id").fetchone()
    columns = [row[1] for row in conn.execute("PRAGMA table_info(events)")]
    if app_id != APPLICATION_ID or not columns:
        message = "the file is not an anpr_ops log (no anpr_ops application id or events table)"
        raise NotALogError(message, code="not_a_log")
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version == SCHEMA_VERSION:
        message = f"the log is already of the current storage format ({version}): nothing to do"
        raise MigrationError(message, code="already_current")
    if version > SCHEMA_VERSION:
        message = (
            f"the log has schema version {version}, newer than this anpr_ops understands "
            f"({SCHEMA_VERSION}); upgrade anpr_ops"
        )
        raise SchemaVersionError(message)
    if version != VERSION or columns != _COLUMNS:
        message = f"the file is not a version-1 log (schema version {version})"
        raise NotALogError(message, code="not_version_1")
    row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'log_id'").fetchone()
    return str(row[0]) if row else ""


def guard_problems(conn: sqlite3.Connection) -> list[str]:
    """The ways the file's triggers differ from the three guards version 1 made, in words."""
    with sqlite3.connect(":memory:") as reference:
        reference.execute(_EVENTS)
        for sql in _GUARDS:
            reference.execute(sql)
        expected = {o[1]: o for o in schema_objects(reference) if o[0] == "trigger"}
    reference.close()
    found = {o[1]: o for o in schema_objects(conn) if o[0] == "trigger"}
    problems = [
        f"trigger {name} is missing" if name not in found else f"trigger {name} was altered"
        for name in sorted(expected)
        if found.get(name) != expected[name]
    ]
    problems += [
        f"unexpected trigger {n} on {found[n][2]}" for n in sorted(set(found) - set(expected))
    ]
    return problems


def pages(conn: sqlite3.Connection, size: int) -> Iterator[list[tuple[int, str, str]]]:
    """The stored events as ``(seq, event_id, body)``, ``size`` at a time, in ``seq`` order."""
    last = 0
    while rows := conn.execute(
        "SELECT seq, event_id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (last, size)
    ).fetchall():
        last = rows[-1][0]
        yield [(int(seq), str(event_id), str(body)) for seq, event_id, body in rows]


# --------------------------------------------------------------------------- verifying


def _walk(conn: sqlite3.Connection) -> VerifyResult:
    """Version 1's chain: ``seq`` 1, 2, 3…, each ``prev_hash`` the hash before, each ``hash``
    the link of the one before and the body, each ``event_id`` column found in its body."""
    prev_raw, prev, expected = bytes(32), GENESIS_HASH, 1
    for seq, body, prev_hash, stored, copies_ok in conn.execute(_ROWS):
        digest = link(prev_raw, bytes(body))
        if seq != expected:
            problem = "seq_gap", f"expected seq {expected} but found {seq} (a row was removed)"
        elif prev_hash != prev:
            problem = "prev_hash_mismatch", "prev_hash is not the previous event's hash"
        elif digest.hex() != stored:
            problem = "hash_mismatch", "the stored hash does not match the event's bytes"
        elif not copies_ok:
            problem = "column_mismatch", "the event_id column does not match the event's bytes"
        else:
            prev_raw, prev, expected = digest, stored, expected + 1
            continue
        return VerifyResult(
            ok=False,
            checked=expected,
            first_bad_seq=seq,
            problem=problem[0],
            reason=problem[1],
            head_seq=expected - 1,
            head_hash=prev,
        )
    return VerifyResult(ok=True, checked=expected - 1, head_seq=expected - 1, head_hash=prev)


def verify(conn: sqlite3.Connection, checkpoint: V1Checkpoint | None = None) -> VerifyResult:
    """Verify a version-1 log's chain as version 1 did, and against its ``checkpoint``; never
    raises for a damaged log."""
    try:
        result = _walk(conn)
        if checkpoint is None or not result.ok:
            return result
        return _against(conn, result, checkpoint)
    except (sqlite3.Error, ValueError, TypeError) as exc:
        return VerifyResult(
            ok=False,
            checked=0,
            problem="storage_damaged",
            reason=f"the file could not be read to the end ({type(exc).__name__})",
        )


def _against(conn: sqlite3.Connection, result: VerifyResult, cp: V1Checkpoint) -> VerifyResult:
    def failed(problem: str, reason: str, seq: int | None) -> VerifyResult:
        return replace(result, ok=False, first_bad_seq=seq, problem=problem, reason=reason)

    row = conn.execute("SELECT value FROM anpr_ops_meta WHERE key = 'log_id'").fetchone()
    log_id = str(row[0]) if row else ""
    if cp.log_id != log_id:
        return failed(
            "checkpoint_other_log",
            f"the checkpoint belongs to log {cp.log_id!r}, this file is log {log_id!r}",
            None,
        )
    if result.head_seq < cp.seq:
        return failed(
            "truncated",
            f"the log ends at seq {result.head_seq} but the checkpoint was taken at seq {cp.seq}: "
            "events were removed from the end",
            result.head_seq + 1,
        )
    found = conn.execute("SELECT hash FROM events WHERE seq = ?", (cp.seq,)).fetchone()
    at = found[0] if found else GENESIS_HASH if cp.seq == 0 else None
    if at != cp.head_hash:
        return failed(
            "rewritten",
            f"the event at seq {cp.seq} does not have the checkpoint's hash: the log was "
            "rewritten up to there",
            cp.seq,
        )
    if cp.op_id is not None:
        (count,) = conn.execute(
            "SELECT count(*) FROM events WHERE json_extract(body, '$.op_id') = ? AND seq <= ?",
            (cp.op_id, cp.seq),
        ).fetchone()
    else:
        count = cp.seq
    if count != cp.events:
        return failed(
            "checkpoint_count",
            f"the log has {count} events in the checkpoint's scope up to seq {cp.seq}, the "
            f"checkpoint says {cp.events}",
            cp.seq,
        )
    return replace(result, checkpoint_checked=True)


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True, slots=True)
class V1Checkpoint:
    """A checkpoint written by version 1 (``anpr-ops checkpoint 1``): the head of a log's chain
    (``scope`` ``log``) or of one operation's events (``op:<op_id>``) at one moment."""

    log_id: str
    log_name: str
    scope: str
    seq: int
    events: int
    head_hash: str
    created_at: str

    @property
    def op_id(self) -> str | None:
        """The operation the checkpoint covers, or ``None`` for the whole log."""
        return self.scope[3:] if self.scope.startswith("op:") else None

    @property
    def head(self) -> Head:
        """The point of the chain the checkpoint names."""
        return Head(self.log_id, self.seq, self.head_hash)


def read_checkpoint(text: str) -> V1Checkpoint:
    """Read a version-1 checkpoint; a :class:`~anpr_ops.errors.CheckpointError` when the text
    is not one, or its self-check line does not match the rest."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines or lines[0] != CHECKPOINT_MAGIC:
        raise CheckpointError(
            f"not a version-1 checkpoint: the first line must be {CHECKPOINT_MAGIC!r}"
        )
    values: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in (*_CHECKPOINT_KEYS, "check") or key in values:
            raise CheckpointError(
                f"checkpoint line {number}: expected one 'key: value' of a known key"
            )
        values[key] = value.strip()
    missing = [key for key in (*_CHECKPOINT_KEYS, "check") if key not in values]
    if missing:
        raise CheckpointError(f"checkpoint lacks {', '.join(missing)}")
    try:
        seq, events = int(values["seq"]), int(values["events"])
        datetime.strptime(values["created-at"], "%Y-%m-%dT%H:%M:%SZ")
    except ValueError as exc:
        raise CheckpointError(f"checkpoint has a malformed number or time: {exc}") from exc
    scope = values["scope"]
    if (
        not _HEX64.match(values["head-hash"])
        or not 0 <= events <= seq
        or (scope != "log" and not scope.startswith("op:"))
    ):
        raise CheckpointError("checkpoint head-hash, seq, events or scope is malformed")
    body = "\n".join([CHECKPOINT_MAGIC, *(f"{key}: {values[key]}" for key in _CHECKPOINT_KEYS)])
    if values["check"] != hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]:
        raise CheckpointError(
            "checkpoint self-check does not match: the text was altered or mistyped"
        )
    return V1Checkpoint(
        values["log-id"],
        values["log-name"],
        scope,
        seq,
        events,
        values["head-hash"],
        values["created-at"],
    )


# --------------------------------------------------------------------------- descent


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a migrated log came from, as its first access record entry says."""

    log_id: str
    schema_version: int
    head_seq: int
    head_hash: str
    events: int


def origin(conn: sqlite3.Connection) -> Origin | None:
    """The migration named by the first entry of a current log's access record, or ``None``
    when the log was not made by a migration."""
    row = conn.execute("SELECT body FROM access_log WHERE seq = 1").fetchone()
    if row is None:
        return None
    try:
        entry = json.loads(row[0])
        if entry.get("action") != "migrate":
            return None
        detail = entry["detail"]
        return Origin(
            log_id=str(detail["old_log_id"]),
            schema_version=int(detail["old_schema_version"]),
            head_seq=int(detail["old_head_seq"]),
            head_hash=str(detail["old_head_hash"]),
            events=int(entry["counts"]["events"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def old_body(body: str, values: str | None) -> str | None:
    """The version-1 body of a current log's event: its stored body without the commitment
    and the person number, its personal ``values`` put back, in canonical form (``None`` when
    it commits to values that are gone)."""
    data: dict[str, Any] = json.loads(body)
    committed = data.pop("personal", None) is not None
    data.pop("subject", None)
    replacement = data.get("replacement")
    if isinstance(replacement, dict):
        replacement.pop("subject", None)
    if committed:
        if values is None:
            return None
        for key, value in json.loads(values).items():
            if key == "replacement" and isinstance(value, dict):
                data["replacement"].update(value)
            else:
                data[key] = value
    return canonical_text(data)


@dataclass(frozen=True, slots=True)
class Descent:
    """Whether a log descends from a point of a version-1 chain (see :func:`descent`)."""

    ok: bool
    old: Head
    problem: str | None = None
    reason: str | None = None
    recomputed: int = 0
    """How many old bodies were recomputed from the log's events."""

    def summary(self) -> str:
        """One line for people."""
        if not self.ok:
            return f"does not descend from version-1 log {self.old.log_id}: {self.reason}"
        text = (
            f"descends from version-1 log {self.old.log_id} at its seq {self.old.seq}, hash "
            f"{self.old.hash}: the old chain recomputed from this log's first "
            f"{self.recomputed} events"
        )
        if self.recomputed >= self.old.seq:
            return text + " reaches the old hash there"
        return (
            text + f" (personal values of seq {self.recomputed + 1} were erased) agrees so far, "
            "and the migration record names the old hash"
        )


def descent(conn: sqlite3.Connection, old: Head) -> Descent:
    """Whether the current log open on ``conn`` descends from the version-1 chain point
    ``old`` (the head of the old file, or of its checkpoint).

    The log's first access record entry must name a migration from ``old.log_id`` at or after
    ``old.seq``; the old chain is then recomputed from the log's events (each old body is the
    event's stored body with its personal values put back) and must reach ``old.hash`` at
    ``old.seq`` and the recorded head hash at the recorded head. Where personal values were
    erased the old bodies cannot be rebuilt: the chain is recomputed up to there, and beyond
    it only the recorded head itself can be compared.
    """
    came = origin(conn)

    def refused(problem: str, reason: str, done: int = 0) -> Descent:
        return Descent(False, old, problem, reason, done)

    if came is None:
        return refused("not_migrated", "its access record does not begin with a migration")
    if came.log_id != old.log_id:
        return refused("other_log", f"it was migrated from log {came.log_id}")
    if old.seq > came.head_seq:
        return refused(
            "after_migration",
            f"it was migrated at seq {came.head_seq}, before the old log's seq {old.seq}: "
            "what the old log holds after that is not in it",
        )
    prev, done, at_old = bytes(32), 0, GENESIS_HASH if old.seq == 0 else None
    rows = conn.execute(
        'SELECT e.seq, e.body, p."values" FROM events e LEFT JOIN personal p ON p.seq = e.seq '
        "WHERE e.seq <= ? ORDER BY e.seq",
        (came.head_seq,),
    )
    erased = False
    for seq, body, values in rows:
        text = old_body(str(body), values) if seq == done + 1 else None
        if text is None:
            erased = seq == done + 1
            break
        prev, done = link(prev, text.encode("utf-8")), seq
        if seq == old.seq:
            at_old = prev.hex()
    if done < came.head_seq and not erased:
        return refused(
            "missing_events",
            f"it holds {done} of the {came.head_seq} events its migration record says came over",
            done,
        )
    if done == came.head_seq and (prev.hex() if done else GENESIS_HASH) != came.head_hash:
        return refused(
            "recorded_head_differs",
            "the old chain recomputed from its events ends at another hash than the one its "
            "migration record names",
            done,
        )
    if at_old is not None and at_old != old.hash:
        return refused(
            "other_head",
            "the old chain recomputed from its events does not reach the old hash at seq "
            f"{old.seq}",
            done,
        )
    if at_old is None and (old.seq != came.head_seq or old.hash != came.head_hash):
        return refused(
            "cannot_recompute",
            f"personal values of seq {done + 1} were erased, so the old chain cannot be "
            f"recomputed to seq {old.seq}, and its migration record names another point",
            done,
        )
    return Descent(True, old, recomputed=done)
