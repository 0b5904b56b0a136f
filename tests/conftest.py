"""Shared fixtures: the log contract runs against an in-memory and an on-disk log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from anpr_ops import OpLog

ROOT = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    """The shared reference folder: beside the checkout (a clone, as CI has it), or beside the
    folder that holds it (a git worktree one level down, ``wt/<branch>``)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "reference").is_dir():
            return base / "shared"
    return ROOT.parent / "shared"


SHARED = _shared()

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs as a named actor with a purpose, as a force's tools would (reads of
    personal values are recorded with both); tests of the refusal unset them."""
    monkeypatch.setenv("ANPR_OPS_ACTOR", "pytest")
    monkeypatch.setenv("ANPR_OPS_PURPOSE", "automated tests of anpr_ops")


@pytest.fixture(params=["memory", "disk"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpLog]:
    """An empty log, in memory and on disk: the contract must hold for both."""
    if request.param == "memory":
        opened = OpLog.memory()
    else:
        opened = OpLog.open(tmp_path / "log.db", create=True, durability="normal")
    with opened:
        yield opened


@pytest.fixture
def disk_log(tmp_path: Path) -> Iterator[OpLog]:
    """An empty on-disk log (for tests that reach the file with plain sqlite3)."""
    with OpLog.open(tmp_path / "log.db", create=True, durability="normal") as opened:
        yield opened
