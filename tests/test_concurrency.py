"""Several processes creating one new log at once: one creates it, all of them use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from anpr_ops import OpLog
from tests import factory as f
from tests.conftest import ROOT

CREATOR = """
import sys, time
from anpr_ops import OpLog
from tests import factory as f
path, at = sys.argv[1], float(sys.argv[2])
while time.time() < at:
    pass
with OpLog.open(path, create=True) as log:
    log.append(f.operation())
    print(log.log_id)
"""


@pytest.mark.parametrize("attempt", range(2))
def test_processes_creating_one_new_log_at_once_all_succeed(tmp_path: Path, attempt: int) -> None:
    """Six processes open the same new path with create=True at the same instant: one creates
    the log, the others open it; all of them can append (the operation lands once)."""
    import time

    path = tmp_path / f"new-{attempt}.db"
    at = f"{time.time() + 1.0:.6f}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CREATOR, str(path), at],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    failures = [
        err.strip().splitlines()[-1]
        for p, (_, err) in zip(procs, results, strict=True)
        if p.returncode != 0
    ]
    assert not failures, failures
    assert len({out.strip() for out, _ in results}) == 1  # one log id: one log was created
    with OpLog.open(path) as log:
        assert len(log) == 1 and log.verify().ok


def test_a_failed_creator_does_not_delete_a_log_another_process_has_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If opening a file this process created fails after another process made it a log and
    appended to it, the file stays (deleting it would lose the other process's events)."""
    import sqlite3

    import anpr_ops.log as log_module
    from anpr_ops import LogBusyError

    path = tmp_path / "new.db"
    real_check = log_module._check
    real_prepare = log_module._prepare
    first: list[sqlite3.Connection] = []

    def prepare(conn: sqlite3.Connection, **options: Any) -> None:
        first.append(conn)
        real_prepare(conn, **options)

    def busy_after_another_writer(conn: sqlite3.Connection, tables: set[str]) -> None:
        real_check(conn, tables)
        if conn is not first[0]:
            return  # the other writer's own open
        with OpLog.open(path) as other:  # "another process" opens the new log and appends
            other.append(f.operation())
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = 5  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(log_module, "_check", busy_after_another_writer)
    monkeypatch.setattr(log_module, "_prepare", prepare)
    with pytest.raises(LogBusyError):
        OpLog.open(path, create=True)
    monkeypatch.undo()
    with OpLog.open(path) as log:
        assert [e.event_id for e in log.events()] == [f"{f.OP}-open"]
