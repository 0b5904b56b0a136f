"""Resource faults: a read-only file, a missing folder, a full disk, a lock held too long and a
damaged file give clear ``AnprOpsError``s, lose nothing, and leave a log that verifies.

Read-only files are made read-only for real. Tests run as root in CI, and root ignores
permission bits, so there the reading or writing happens in a forked child that has dropped to
the unprivileged ``nobody`` user; run as anyone else, the permission bits are enough.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import AnprOpsError, OpLog
from anpr_ops import verify as stdlib_verify
from anpr_ops.errors import LogBusyError, LogNotFoundError, StorageError
from tests import factory as f
from tests.conftest import ROOT
from tests.harness.rich import rich_events
from tests.harness.state import file_state
from tests.support import raw

NOBODY = 65534
ROOTED = os.geteuid() == 0


def _warm_up() -> None:
    """Import and cache, as the current user, everything the scenarios touch: once the child
    has dropped privileges it may no longer read the interpreter's own files."""
    with OpLog.memory() as log:
        log.extend(rich_events())
        log.verify(projections=True)
        list(log.events())
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        stdlib_verify.main(["--help"])


def unprivileged(scenario: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``scenario`` as a user the file's permissions apply to; returns what it returned.

    As root: in a forked child that has become ``nobody``. Otherwise: right here.
    """
    if not ROOTED:
        return scenario()
    _warm_up()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = scenario()
        except BaseException as exc:
            result = {"unexpected": f"{type(exc).__name__}: {exc}"}
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return dict(json.loads(data))


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder the unprivileged user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="anpr-ops-faults-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.iterdir()]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.rmtree(folder)


def _log(folder: Path) -> Path:
    path = folder / "day.db"
    with OpLog.open(path, create=True) as log:
        log.extend(rich_events())
    return path


EVENTS = len(rich_events())
#: What events() lists: corrections are not listed, and one event of the log is retracted.
CURRENT = sum(e["kind"] != "correction" for e in rich_events()) - sum(
    bool(e.get("retract")) for e in rich_events()
)


def _snapshot(path: Path) -> dict[str, Any]:
    """file_state of a closed log, without leaving the -wal and -shm files a read-only
    SQLite connection cannot remove behind (they would belong to this user, not the next)."""
    state = file_state(path)
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if not wal.exists() or wal.stat().st_size == 0:  # nothing in them: the file is complete
        wal.unlink(missing_ok=True)
        shm.unlink(missing_ok=True)
    return state


def _outcome(action: Callable[[], Any]) -> dict[str, Any]:
    try:
        return {"result": action()}
    except AnprOpsError as exc:
        return {"error": type(exc).__name__, "code": exc.code}


def _read_only_scenario(path: Path) -> Callable[[], dict[str, Any]]:
    def scenario() -> dict[str, Any]:
        def append() -> int:
            with OpLog.open(path) as log:
                return log.append(f.patrol("patrol-ro")).count

        def read() -> list[Any]:
            with OpLog.open(path, readonly=True) as log:
                return [len(log), log.verify().ok, len(list(log.events()))]

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            status = stdlib_verify.main([str(path)])
        return {
            "append": _outcome(append),
            "read": _outcome(read),
            "verifier": [status, out.getvalue()],
        }

    return scenario


@pytest.mark.parametrize("folder_writable", [True, False], ids=["file", "file-and-folder"])
def test_a_read_only_log_refuses_writes_clearly_and_still_reads(
    shared_folder: Path, folder_writable: bool
) -> None:
    """Writing to a log the user may not write is a StorageError (code read_only); reading
    and verifying still work, also from a read-only folder (read-only media), where SQLite
    cannot make the -shm file a WAL reader normally needs."""
    path = _log(shared_folder)
    before = _snapshot(path)
    content = path.read_bytes()
    path.chmod(0o444)
    if folder_writable:
        shared_folder.chmod(0o777)
    else:
        shared_folder.chmod(0o555)
    seen = unprivileged(_read_only_scenario(path))
    shared_folder.chmod(0o755)
    assert "unexpected" not in seen, seen
    assert seen["append"] == {"error": "StorageError", "code": "read_only"}
    assert seen["read"] == {"result": [EVENTS, True, CURRENT]}
    assert seen["verifier"][0] == 0, seen["verifier"]
    assert f"chain holds: {EVENTS} events checked" in seen["verifier"][1]
    assert path.read_bytes() == content
    path.chmod(0o600)
    assert file_state(path) == before
    with OpLog.open(path) as log:
        assert log.verify(projections=True).ok


def test_a_missing_folder_is_a_clear_error_everywhere(tmp_path: Path) -> None:
    target = tmp_path / "gone" / "day.db"
    with pytest.raises(StorageError) as caught:
        OpLog.open(target, create=True)
    assert caught.value.code == "missing_folder"
    for options in ({}, {"readonly": True}, {"create": True, "readonly": True}):
        with pytest.raises(LogNotFoundError):
            OpLog.open(target, **options)  # type: ignore[arg-type]
    assert stdlib_verify.main([str(target)]) == 2
    assert not (tmp_path / "gone").exists()


def test_a_full_disk_refuses_the_batch_whole_and_the_log_carries_on(tmp_path: Path) -> None:
    """The file's size limit (PRAGMA max_page_count on the library's own connection) stands in
    for a full disk: the batch is refused whole with StorageError disk_full, nothing changes,
    and once there is room again the same batch lands."""
    path = tmp_path / "full.db"
    with OpLog.open(path, create=True) as log:
        log.extend(rich_events())
        before = file_state(path)
        (pages,) = raw(log).execute("PRAGMA page_count").fetchone()
        raw(log).execute(f"PRAGMA max_page_count = {pages}")
        batch = [f.hit(f"hit-full-{n}", notes="n" * 2000) for n in range(100)]
        attempts: list[Callable[[], object]] = [
            lambda: log.extend(batch),
            lambda: log.append(batch[0]),
        ]
        for attempt in attempts:
            with pytest.raises(StorageError) as caught:
                attempt()
            assert caught.value.code == "disk_full"
            assert file_state(path) == before
            assert log.verify().ok
        raw(log).execute("PRAGMA max_page_count = 1073741823")
        assert log.extend(batch).count == 100
        assert log.verify(projections=True).ok


FILE_SIZE_WRITER = """
import json, os, resource, signal, sys
from anpr_ops import AnprOpsError, OpLog
from tests import factory as f
path = sys.argv[1]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
log = OpLog.open(path)
room = os.path.getsize(path) + 40_000
resource.setrlimit(resource.RLIMIT_FSIZE, (room, resource.RLIM_INFINITY))
done, error = [], None
try:
    for b in range(1000):
        log.extend([f.hit(f"fs-{b}-{i}", notes="x" * 1500) for i in range(5)])
        done.append(b)
except AnprOpsError as exc:
    error = [type(exc).__name__, exc.code]
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
after = log.extend([f.hit(f"fs-after-{i}") for i in range(5)]).count
print(json.dumps({"done": done, "error": error, "after": after, "ok": log.verify().ok}))
"""


def test_a_file_size_limit_mid_campaign_loses_nothing(tmp_path: Path) -> None:
    """A writer under RLIMIT_FSIZE (a full disk, without privileges) fills the file: the
    append that does not fit fails with a StorageError, every batch that returned is there,
    and once the limit is lifted the same connection appends again."""
    path = tmp_path / "limit.db"
    with OpLog.open(path, create=True) as log:
        log.append(f.operation())
    done = subprocess.run(
        [sys.executable, "-c", FILE_SIZE_WRITER, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["error"] is not None and report["error"][0] == "StorageError"
    assert report["done"], "the limit left no room for even one batch"
    assert report["after"] == 5 and report["ok"]
    with OpLog.open(path) as log:
        assert log.verify(projections=True).ok
        ids = {e.event_id for e in log.events()}
    for b in report["done"]:
        assert {f"fs-{b}-{i}" for i in range(5)} <= ids
    assert len(ids) == 1 + 5 * len(report["done"]) + 5  # and no part of the failed batch


HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "exclusive":
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
else:
    conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.read(1)
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def lock_held(path: Path, how: str) -> Iterator[None]:
    """Another process holds the log's write lock (or, ``exclusive``, every lock) until the
    block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    try:
        yield
    finally:
        holder.communicate("x", timeout=60)


def test_a_write_lock_held_by_another_process_is_log_busy_and_reads_go_on(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    with OpLog.open(path, create=True) as log:
        log.extend(rich_events())
    before = file_state(path)
    with lock_held(path, "immediate"), OpLog.open(path, busy_timeout=0.1) as log:
        with pytest.raises(LogBusyError):
            log.append(f.patrol("patrol-busy"))
        with pytest.raises(LogBusyError):
            log.rebuild()
        assert log.verify(projections=True).ok  # WAL readers are not blocked by a writer
        assert len(list(log.events())) == CURRENT
        assert file_state(path) == before
    with OpLog.open(path) as log:
        assert log.append(f.patrol("patrol-busy")).count == 1
        assert log.verify().ok


def test_an_exclusive_lock_held_by_another_process_is_log_busy_even_to_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "exclusive.db"
    with OpLog.open(path, create=True) as log:
        log.extend(rich_events())
    with lock_held(path, "exclusive"):
        with pytest.raises(LogBusyError):
            OpLog.open(path, busy_timeout=0.1)
        with pytest.raises(LogBusyError):
            OpLog.open(path, readonly=True, busy_timeout=0.1)
    with OpLog.open(path) as log:
        assert log.verify(projections=True).ok and len(log) == EVENTS


# --------------------------------------------------------------------------- damaged files

# (offset, bytes) written over the 100-byte SQLite header of a log, and what opening and
# verifying the damaged file must give: (error class, code), or None where SQLite still reads
# it. See https://www.sqlite.org/fileformat2.html#the_database_header
HEADER_DAMAGE: dict[str, tuple[int, bytes, tuple[str, str] | None]] = {
    "magic string": (0, b"SQLite format 4\x00", ("NotALogError", "corrupt")),
    "page size": (16, b"\x00\x03", ("NotALogError", "corrupt")),
    # A write version SQLite does not know makes the file read-only to it: it still reads.
    "write version": (18, b"\x07", None),
    "read version": (19, b"\x07", ("NotALogError", "corrupt")),
    "payload fractions": (21, b"\x00\x00\x00", ("NotALogError", "corrupt")),
    "schema format": (44, b"\x00\x00\x00\x09", ("LogError", "sqlite_error")),
    "text encoding": (56, b"\x00\x00\x00\x02", ("NotALogError", "corrupt")),
    "user version": (60, b"\x00\x00\x00\x63", ("SchemaVersionError", "schema_too_new")),
    "application id": (68, b"ANPS", ("NotALogError", "not_a_log")),
    "every byte": (0, b"\xff" * 100, ("NotALogError", "corrupt")),
}


@pytest.mark.parametrize("damage", list(HEADER_DAMAGE))
def test_a_damaged_header_is_refused_clearly_and_the_file_is_left_alone(
    tmp_path: Path, damage: str
) -> None:
    """A damaged header is an AnprOpsError (never a raw sqlite3 error) and the standalone
    verifier refuses it too (exit 2); or, where SQLite can still read it, it verifies and an
    append is refused as read-only. The library writes nothing to the file, so once the
    header is repaired every event is still there."""
    path = _log(tmp_path)
    original = path.read_bytes()
    offset, data, expected = HEADER_DAMAGE[damage]
    damaged = original[:offset] + data + original[offset + len(data) :]
    path.write_bytes(damaged)
    if expected is None:
        with OpLog.open(path) as log:
            assert log.verify().ok
            with pytest.raises(StorageError) as refused:
                log.append(f.patrol("patrol-late"))
        assert refused.value.code == "read_only"
        assert stdlib_verify.main([str(path)]) == 0
    else:
        with pytest.raises(AnprOpsError) as caught:
            OpLog.open(path).close()
        assert (type(caught.value).__name__, caught.value.code) == expected
        assert stdlib_verify.main([str(path)]) == 2
    assert path.read_bytes() == damaged
    path.write_bytes(original)
    with OpLog.open(path) as log:
        assert log.verify(projections=True).ok and len(log) == EVENTS


def test_a_truncated_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = _log(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    def read_it_all() -> None:
        with OpLog.open(path) as log:
            log.verify(projections=True)
            list(log.events())

    with pytest.raises(AnprOpsError):
        read_it_all()
    assert stdlib_verify.main([str(path)]) in (1, 2)


# --------------------------------------------------------------------------- bit rot


def _flip_in_index(path: Path, event_id: str) -> None:
    """Flip one bit of ``event_id``'s key in the events_event_id index, as bit rot would."""
    conn = sqlite3.connect(path)
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    (root,) = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'events_event_id'"
    ).fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    page = slice((root - 1) * page_size, root * page_size)
    at = data[page].index(event_id.encode()) + (root - 1) * page_size
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_damaged_index_is_found_by_the_deep_verify(tmp_path: Path) -> None:
    """One flipped bit in the event_id index hides an event from lookups by id: the chain
    still holds, but re-appending that event would store it twice and reports would count it
    twice. verify(projections=True) runs SQLite's integrity check and says the file is
    damaged, before and after such an append."""
    path = _log(tmp_path)
    _flip_in_index(path, "seize-2")
    seizure = next(e for e in rich_events() if e["event_id"] == "seize-2")
    with OpLog.open(path) as log:
        assert log.verify().ok  # the chain is intact: the damage is beside it
        deep = log.verify(projections=True)
        assert (deep.ok, deep.problem) == (False, "storage_damaged")
        log.append(seizure)  # what an unsuspecting re-import does
        deep = log.verify(projections=True)
        assert (deep.ok, deep.problem) == (False, "storage_damaged")


BIT_FLIPS = 600


@pytest.mark.parametrize(
    "flips",
    [pytest.param(40, id="quick"), pytest.param(BIT_FLIPS, id="campaign", marks=pytest.mark.slow)],
)
def test_bit_rot_anywhere_in_the_file_is_refused_found_or_harmless(
    tmp_path: Path, flips: int
) -> None:
    """One bit flipped at a random place in a log (past the 100-byte header): opening and
    reading give only AnprOpsErrors, and whenever verify(projections=True) passes, every event
    reads back as it was, in order and by id, and every report is unchanged."""
    base = _log(tmp_path)
    data = base.read_bytes()
    with OpLog.open(base) as log:
        stored = [e.model_dump() for e in log.events(corrected=False)]
        current = [e.model_dump() for e in log.events()]
        reports = {op.op_id: log.report(op.op_id).to_dict() for op in log.operations()}
    rng = random.Random(6)
    outcomes: Counter[str] = Counter()
    copy = tmp_path / "rot.db"
    for _ in range(flips):
        damaged = bytearray(data)
        damaged[rng.randrange(100, len(data))] ^= 1 << rng.randrange(8)
        for leftover in (Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)
        copy.write_bytes(bytes(damaged))
        try:
            with OpLog.open(copy) as log:
                deep = log.verify(projections=True)
                if not deep.ok:
                    outcomes[f"found: {deep.problem}"] += 1
                    continue
                assert [e.model_dump() for e in log.events(corrected=False)] == stored
                assert [
                    log.get(e["event_id"], corrected=False).model_dump() for e in stored
                ] == stored
                assert [e.model_dump() for e in log.events()] == current
                assert {op: log.report(op).to_dict() for op in reports} == reports
                outcomes["harmless: reads as before"] += 1
        except AnprOpsError as exc:
            outcomes[f"refused: {type(exc).__name__} {exc.code}"] += 1
    assert sum(outcomes.values()) == flips
    print(f"\nbit rot, {flips} flips: {dict(outcomes)}")


def test_a_schema_damaged_into_bytes_that_are_not_text_is_refused_clearly(
    tmp_path: Path,
) -> None:
    """Found by the bit-rot campaign: when SQLite reports a damaged schema it quotes it, and
    a quote that is not UTF-8 made Python's sqlite3 raise UnicodeDecodeError from opening and
    from the standalone verifier, instead of a clear error."""
    path = _log(tmp_path)
    data = bytearray(path.read_bytes())
    data[data.index(b"CREATE TABLE events") + 6] = 0xA0  # not UTF-8
    path.write_bytes(bytes(data))
    for readonly in (False, True):
        with pytest.raises(AnprOpsError) as caught:
            OpLog.open(path, readonly=readonly)
        assert caught.value.code == "corrupt"
    out = io.StringIO()
    with contextlib.redirect_stderr(out):
        assert stdlib_verify.main([str(path)]) == 2
    assert "damaged" in out.getvalue()
