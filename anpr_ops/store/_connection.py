"""The log's SQLite connection: opening and creating files, transactions, and the one place
where ``sqlite3`` errors become library errors (by their error code, never their wording).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sqlite3
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from anpr_ops import _schema
from anpr_ops._logfile import check_format, check_schema, connect_readonly
from anpr_ops._time import format_utc
from anpr_ops.checkpoint import log_name
from anpr_ops.errors import (
    GuardsMissingError,
    LogBusyError,
    LogError,
    LogNotFoundError,
    NotALogError,
    StorageError,
)
from anpr_ops.store._views import VIEWS

__all__ = ["Database", "Durability", "translate"]

Durability = Literal["full", "normal"]

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT = 5, 6, 8, 10, 11
_FULL, _CANTOPEN, _CONSTRAINT, _NOTADB = 13, 14, 19, 26
_CONSTRAINT_TRIGGER = 1811  # SQLITE_CONSTRAINT_TRIGGER: RAISE(ABORT) in one of our guards


def translate(exc: sqlite3.Error, doing: str) -> LogError:
    """The library error for a sqlite3 error raised while ``doing`` something.

    Sorted by SQLite's result code, not by the words of its message; callers chain it with
    ``raise translate(exc, ...) from exc`` so the cause stays visible.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if primary in {_BUSY, _LOCKED}:
        return LogBusyError(
            f"{doing}: the log is locked by another writer beyond the busy timeout ({text})"
        )
    if primary == _READONLY:
        return StorageError(f"{doing}: the log file is read-only ({text})", code="read_only")
    if primary == _FULL:
        return StorageError(
            f"{doing}: the disk (or the file's size limit) is full", code="disk_full"
        )
    if primary in {_CORRUPT, _NOTADB}:
        return NotALogError(
            f"{doing}: the file is damaged or not a database ({text})", code="corrupt"
        )
    if primary == _CANTOPEN:
        return StorageError(f"{doing}: the file cannot be opened ({text})", code="cannot_open")
    if primary == _IOERR:
        return StorageError(f"{doing}: disk I/O error ({text})", code="io_error")
    if code == _CONSTRAINT_TRIGGER:
        return GuardsMissingError(f"{doing}: the database refused the write ({text})")
    return LogError(f"{doing}: {text}", code="sqlite_error")


class Database:
    """One open connection to a log, shared by threads under a lock.

    :meth:`reading` and :meth:`writing` are the only ways to use it: a read (optionally in one
    snapshot) or a ``BEGIN IMMEDIATE`` … ``COMMIT`` write transaction, rolled back on any
    error, with SQLite errors translated on the way out.
    """

    __slots__ = ("closed", "conn", "lock", "path", "readonly")

    def __init__(self, conn: sqlite3.Connection, path: Path | None, *, readonly: bool) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self.lock = threading.RLock()
        self.closed = False

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool,
        readonly: bool,
        busy_timeout: float,
        durability: Durability,
    ) -> Database:
        """Open (or, with ``create``, make) the log file at ``path``; see ``OpLog.open``."""
        target = Path(path)
        created = False
        if target.is_dir():
            raise StorageError(f"{target} is a folder, not a log file", code="is_a_folder")
        if not target.exists():
            if not create or readonly:
                raise LogNotFoundError(
                    f"no log file at {target} (open it with create=True to make a new one)"
                )
            if not target.parent.is_dir():
                raise StorageError(
                    f"cannot create {target}: the folder {target.parent} does not exist",
                    code="missing_folder",
                )
            created = _create_private_file(target)
        options: dict[str, Any] = {
            "isolation_level": None,
            "check_same_thread": False,
            "timeout": busy_timeout,
        }
        try:
            if readonly:
                conn = connect_readonly(target, **options)  # also from a read-only folder
            else:
                uri = f"file:{urllib.parse.quote(str(target.resolve()))}?mode=rw"
                conn = sqlite3.connect(uri, uri=True, **options)
        except sqlite3.Error as exc:
            raise translate(exc, f"opening {target}") from exc
        try:
            _prepare(
                conn,
                create=create,
                readonly=readonly,
                durability=durability,
                wal=True,
                busy_timeout=busy_timeout,
                name=target.stem,
            )
        except BaseException:
            conn.close()
            # Remove the file we created only while it is still empty: once another process
            # has made it a log, it may already hold that process's events.
            if created and target.exists() and target.stat().st_size == 0:
                with contextlib.suppress(OSError):
                    target.unlink()
            raise
        return cls(conn, target, readonly=readonly)

    @classmethod
    def memory(cls) -> Database:
        """A new, empty log held in memory."""
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        _prepare(
            conn,
            create=True,
            readonly=False,
            durability="normal",
            wal=False,
            busy_timeout=0,
            name="memory",
        )
        return cls(conn, None, readonly=False)

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                self.conn.close()

    @contextlib.contextmanager
    def reading(self, *, snapshot: bool = False) -> Iterator[sqlite3.Connection]:
        """The connection for reads; with ``snapshot``, every read inside sees one moment."""
        with self.lock:
            if self.closed:
                raise LogError("the log is closed", code="closed")
            conn = self.conn
            try:
                if snapshot:
                    conn.execute("BEGIN")
                    try:
                        yield conn
                    finally:
                        conn.execute("COMMIT")
                else:
                    yield conn
            except sqlite3.Error as exc:
                raise translate(exc, "reading the log") from exc

    def writing(self, doing: str) -> Transaction:
        """A write transaction; ``doing`` says what for, in error messages."""
        return Transaction(self, doing)


class Transaction:
    """One write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``) under the database's lock.

    Leaving the block commits; an error inside rolls back and is raised (translated, for a
    SQLite error). A commit that fails is rolled back and raised too, so code after the block
    runs only once the transaction is durable. A class rather than a generator: appends one
    event at a time pay for this on each.
    """

    __slots__ = ("db", "doing")

    def __init__(self, db: Database, doing: str) -> None:
        self.db = db
        self.doing = doing

    def __enter__(self) -> sqlite3.Connection:
        db = self.db
        db.lock.acquire()
        try:
            if db.closed:
                raise LogError("the log is closed", code="closed")
            if db.readonly:
                raise StorageError(f"{self.doing}: the log was opened read-only", code="read_only")
            try:
                db.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise translate(exc, self.doing) from exc
        except BaseException:
            db.lock.release()
            raise
        return db.conn

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        db = self.db
        try:
            conn = db.conn
            if exc is None:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as error:
                    rollback(conn)
                    raise translate(error, self.doing) from error
                return
            rollback(conn)
            if isinstance(exc, sqlite3.Error):
                raise translate(exc, self.doing) from exc
        finally:
            db.lock.release()


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if any (ignoring a connection already broken)."""
    with contextlib.suppress(sqlite3.Error):
        if conn.in_transaction:
            conn.execute("ROLLBACK")


class CollectorPaused:
    """Pause Python's cyclic garbage collector for one batch.

    A batch allocates tens of thousands of short-lived, acyclic objects (models, dicts,
    rows); each allocation burst makes the collector walk the caller's live data too, which
    cost a large share of an append. Nothing here creates cycles; reference counting frees
    it all, and the collector resumes afterwards (unless the caller had turned it off).
    """

    __slots__ = ("was_enabled",)

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc_info: object) -> None:
        if self.was_enabled:
            gc.enable()


def _create_private_file(target: Path) -> bool:
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False  # someone else created it first; open it as it is
    except OSError as exc:
        raise StorageError(f"cannot create {target}: {exc.strerror}", code="cannot_create") from exc
    os.close(fd)
    return True


def _prepare(
    conn: sqlite3.Connection,
    *,
    create: bool,
    readonly: bool,
    durability: Durability,
    wal: bool,
    busy_timeout: float,
    name: str,
) -> None:
    """Configure the connection, create the schema of a new log (called ``name``), and check
    an existing one."""
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone():
            if not create:
                raise NotALogError("the file is empty: not an anpr_ops log", code="empty_file")
            _initialise(conn, name)
        # Checked before anything is changed: a foreign file stays untouched.
        check_format(conn)
        check_schema(conn, VIEWS.values())
        if not readonly:
            conn.execute(f"PRAGMA synchronous = {durability.upper()}")
            # What this connection deletes is overwritten with zeros, never left in free
            # space: erased personal values must be gone from the file's bytes.
            conn.execute("PRAGMA secure_delete = ON")
            if wal:
                (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
                if mode != "wal":
                    _use_wal(conn, busy_timeout)
    except sqlite3.Error as exc:
        raise translate(exc, "opening the log") from exc
    except UnicodeDecodeError as exc:
        # SQLite quotes a damaged schema in its message; damaged into bytes that are not
        # UTF-8, the quote cannot even be read as text.
        raise NotALogError(
            "opening the log: the file is damaged (its schema is not readable text)",
            code="corrupt",
        ) from exc


def _use_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch the file to WAL, waiting up to ``busy_timeout`` for other connections.

    The switch needs an exclusive lock, and SQLite reports SQLITE_BUSY at once instead of
    calling the busy handler, so several processes opening a new log together would fail here
    without this retry.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", 0)
            if code & 0xFF != _BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(0.001)


def _initialise(conn: sqlite3.Connection, name: str) -> None:
    # The file becomes WAL afterwards, in _prepare, like any existing log that is not yet.
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone():
            # Another process created the log between our first look and taking the lock.
            conn.execute("ROLLBACK")
            return
        create_schema(conn, name)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def create_schema(conn: sqlite3.Connection, name: str = "log") -> None:
    """Write the schema of a new log and its meta rows (inside the caller's transaction).

    ``name`` (made safe for a checkpoint's origin line by :func:`anpr_ops.checkpoint.log_name`)
    is the log's name for its life: its checkpoints carry it, whatever the file is later
    called.
    """
    conn.execute(f"PRAGMA application_id = {_schema.APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {_schema.SCHEMA_VERSION}")
    for sql in _schema.statements(VIEWS.values()):
        conn.execute(sql)
    meta = {
        "log_id": uuid.uuid4().hex,
        "name": log_name(name),
        "created_at": format_utc(datetime.now(UTC)),
        "schema_version": str(_schema.SCHEMA_VERSION),
        "next_person": "1",
    }
    conn.executemany("INSERT INTO anpr_ops_meta (key, value) VALUES (?, ?)", meta.items())
