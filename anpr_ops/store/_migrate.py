"""Migrating a version-1 log into a new log of the current storage format (``anpr-ops
migrate OLD NEW``).

The old file is only read (read-only, and immutable unless a ``-wal`` file with content lies
beside it), and checked not to have changed by the end. In order:

1. refuse a new file that exists already or is the old one;
2. check that the old file is a version-1 log with its guards in place and verify its chain
   with the version-1 reader (:mod:`anpr_ops._v1`), against the old checkpoint when one is
   given; refuse a broken or tampered one;
3. create the new log in a temporary file beside the target and record, as the first entry of
   its access record (action ``migrate``), where it comes from: the old log's id, schema
   version, head seq and head hash, and how many events came over; ``anpr_ops_meta`` keeps the
   old log's id as ``migrated_from``;
4. replay every old event in ``seq`` order, corrections included, through the ordinary append
   path (every check runs, personal values go to the personal store, people get numbers) in
   batches, keeping event ids; each event must be one this version reads back to exactly its
   old bytes, so the new log's events hold the old chain;
5. check that the new log verifies in full and that its events recompute the old chain to the
   old head (:func:`anpr_ops._v1.descent`);
6. move the new log into place, never over a file that appeared there meanwhile.

Any failure removes the temporary file: a failed migration leaves no new file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from pathlib import Path

import attrs

from anpr_ops import _v1
from anpr_ops._canonical import canonical_text
from anpr_ops._schema import SCHEMA_VERSION
from anpr_ops.errors import AnprOpsError, LogNotFoundError, MigrationError, StorageError
from anpr_ops.events import Event, canonical_dict, parse_event
from anpr_ops.store._access import Access, Actor, record
from anpr_ops.store._connection import Database, translate
from anpr_ops.store.log import OpLog

__all__ = ["BATCH", "MigrationResult", "migrate"]

#: Old events replayed per transaction.
BATCH = 2000
_PURPOSE = "migrating the log to the current storage format"


@attrs.frozen
class MigrationResult:
    """What a migration did: the new file, how many events came over, the old log's id,
    version and head (``old_head_seq``, ``old_head_hash``: what the new log's first access
    record entry names), whether the old log was also verified against a checkpoint, and the
    new log's id and head."""

    path: Path
    events: int
    old_log_id: str
    old_schema_version: int
    old_head_seq: int
    old_head_hash: str
    checkpoint_checked: bool
    log_id: str
    head_seq: int
    head_hash: str

    def summary(self) -> str:
        """A few lines for people."""
        checked = "chain and checkpoint" if self.checkpoint_checked else "chain"
        return (
            f"migrated {self.events} events from version-{self.old_schema_version} log "
            f"{self.old_log_id} ({checked} verified) into {self.path}\n"
            f"old head: seq {self.old_head_seq}, hash {self.old_head_hash}\n"
            f"new log:  {self.log_id}, schema version {SCHEMA_VERSION}, head seq "
            f"{self.head_seq}, hash {self.head_hash}\n"
            "its first access record entry names the old log and its head"
        )


def migrate(
    old: str | os.PathLike[str],
    new: str | os.PathLike[str],
    *,
    checkpoint: str | None = None,
    actor: str | None = None,
    purpose: str | None = None,
    batch_size: int = BATCH,
) -> MigrationResult:
    """Make ``new``, a log of the current storage format, from the version-1 log ``old``,
    which is never changed.

    ``checkpoint`` is the text of a checkpoint of the old log (``anpr-ops checkpoint 1``) to
    verify it against first. ``actor`` (else ``ANPR_OPS_ACTOR``) is recorded as who migrated
    it, with ``purpose`` (else ``ANPR_OPS_PURPOSE``, else a sentence saying it was a
    migration). Raises :class:`~anpr_ops.errors.MigrationError` (``code`` says why), or the
    error of opening a file that is not a version-1 log; nothing is written then. See
    "Versions and migrations" in docs/log.md.
    """
    source, target = Path(old), Path(new)
    _refuse_target(source, target)
    who = Actor.resolve(actor, purpose)
    name, _ = who.require("migrating a log", purpose=False)
    expected = _v1.read_checkpoint(checkpoint) if checkpoint is not None else None
    before = _fingerprint(source)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.migrating")
    try:
        try:
            conn = _v1.connect(source)
        except sqlite3.Error as exc:
            raise translate(exc, "opening the old log") from exc
        with contextlib.closing(conn):
            head = _verified_head(conn, expected)
            who = Actor(name, who.purpose or _PURPOSE)
            result = _replay(conn, temp, head, who, max(1, batch_size))
        if _fingerprint(source) != before:
            message = "the old log changed while it was read; migrate it once nothing writes to it"
            raise MigrationError(message, code="old_log_changed")
        _publish(temp, target)
    except BaseException:
        _remove(temp)
        raise
    return attrs.evolve(result, path=target, checkpoint_checked=expected is not None)


def _refuse_target(source: Path, target: Path) -> None:
    if not source.is_file():
        raise LogNotFoundError(f"no log file at {source}")
    if target.resolve() == source.resolve() or (
        target.exists() and os.path.samefile(source, target)
    ):
        message = "the new log must be another file than the old one, which is never changed"
        raise MigrationError(message, code="same_file")
    if target.exists() or Path(f"{target}-wal").exists():
        message = f"{target} exists already: a migration makes a new file and never overwrites"
        raise MigrationError(message, code="target_exists")
    if not target.parent.is_dir():
        message = f"cannot create {target}: the folder {target.parent} does not exist"
        raise StorageError(message, code="missing_folder")


def _verified_head(conn: sqlite3.Connection, checkpoint: _v1.V1Checkpoint | None) -> _v1.Head:
    """The old log's head, once its format, guards and chain (and checkpoint) are checked."""
    try:
        log_id = _v1.check(conn)
        problems = _v1.guard_problems(conn)
    except sqlite3.Error as exc:
        raise translate(exc, "reading the old log") from exc
    if problems:
        message = (
            "the old log's append-only guards are not those version 1 made ("
            + "; ".join(problems)
            + "): it may have been tampered with, so it is not migrated"
        )
        raise MigrationError(message, code="old_log_broken")
    result = _v1.verify(conn, checkpoint)
    if not result.ok:
        message = f"the old log does not verify, so it is not migrated: {result.summary()}"
        raise MigrationError(message, code="old_log_broken", seq=result.first_bad_seq)
    return _v1.Head(log_id, result.head_seq, result.head_hash)


def _replay(
    conn: sqlite3.Connection, temp: Path, old: _v1.Head, who: Actor, size: int
) -> MigrationResult:
    """Write the new log into ``temp``: the migration record, then every old event."""
    db = Database.open(temp, create=True, readonly=False, busy_timeout=30.0, durability="full")
    with OpLog(db, who) as log:
        entry = Access(
            action="migrate",
            actor=str(who.name),
            purpose=who.purpose,
            reason=f"storage format {_v1.VERSION} to {SCHEMA_VERSION}",
            events=((1, old.seq),) if old.seq else (),
            counts={"events": old.seq},
            detail={
                "old_log_id": old.log_id,
                "old_schema_version": _v1.VERSION,
                "old_head_seq": old.seq,
                "old_head_hash": old.hash,
            },
        )
        with db.writing("recording where the log came from") as wconn:
            record(wconn, entry)
            wconn.execute(
                "INSERT INTO anpr_ops_meta (key, value) VALUES ('migrated_from', ?)", (old.log_id,)
            )
        for page in _v1.pages(conn, size):
            _append(log, page)
        with db.reading() as rconn:
            proof = _v1.descent(rconn, old)
        verified = log.verify()
        if not (proof.ok and proof.recomputed == old.seq and verified.ok):
            why = proof.summary() if not proof.ok else verified.summary()
            message = f"the new log does not reproduce the old one ({why}); nothing was written"
            raise MigrationError(message, code="descent_mismatch")
        head_seq, head_hash = log.head()
        with db.reading() as rconn:
            rconn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return MigrationResult(
            path=temp,
            events=old.seq,
            old_log_id=old.log_id,
            old_schema_version=_v1.VERSION,
            old_head_seq=old.seq,
            old_head_hash=old.hash,
            checkpoint_checked=False,
            log_id=log.log_id,
            head_seq=head_seq,
            head_hash=head_hash,
        )


def _append(log: OpLog, page: list[tuple[int, str, str]]) -> None:
    """Append one page of old events as one batch, at the seqs they had."""
    events = [_event(seq, event_id, body) for seq, event_id, body in page]
    try:
        result = log.extend(events)
    except AnprOpsError as exc:
        seqs = {event_id: seq for seq, event_id, _ in page}
        seq = seqs.get(exc.event_id) if exc.event_id is not None else None
        message = f"an old event is refused by this version: {exc.message}"
        raise MigrationError(message, code="event_refused", event_id=exc.event_id, seq=seq) from exc
    if result.first_seq != page[0][0] or result.count != len(page):
        message = "the old events did not land at the seqs they had; nothing was written"
        raise MigrationError(message, code="descent_mismatch", seq=page[0][0])


def _event(seq: int, event_id: str, body: str) -> Event:
    """The old event stored as ``body``, which this version must write as the same bytes."""
    try:
        event = parse_event(body)
    except AnprOpsError as exc:
        message = f"the old event at seq {seq} is refused by this version: {exc.message}"
        raise MigrationError(message, code="event_refused", event_id=event_id, seq=seq) from exc
    if canonical_text(canonical_dict(event)) != body:
        message = (
            f"the old event {event_id!r} at seq {seq} reads as other bytes in this version, so "
            "the new log could not prove it came from the old one"
        )
        raise MigrationError(message, code="not_canonical", event_id=event_id, seq=seq)
    return event


def _fingerprint(path: Path) -> list[tuple[int, int, int] | None]:
    """Size, modification time and inode of the file and its ``-wal``: what a write changes."""
    out: list[tuple[int, int, int] | None] = []
    for name in (path, Path(f"{path}-wal")):
        try:
            st = name.stat()
        except FileNotFoundError:
            out.append(None)
            continue
        out.append((st.st_size, st.st_mtime_ns, st.st_ino))
    return out


def _publish(temp: Path, target: Path) -> None:
    """Give the finished log its name, never over a file that appeared there meanwhile."""
    taken = f"{target} appeared while the log was migrated; it is left as it is"
    try:
        os.link(temp, target)
    except FileExistsError:
        raise MigrationError(taken, code="target_exists") from None
    except OSError:
        # A file system without hard links: the check and the rename are two steps there.
        if target.exists():
            raise MigrationError(taken, code="target_exists") from None
        os.replace(temp, target)
        return
    temp.unlink()


def _remove(temp: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{temp}{suffix}").unlink()
