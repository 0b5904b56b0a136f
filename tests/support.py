"""Test support: the few places tests look inside a log, kept in one module.

Tests that need to see the stored tables (to check a projection, or to damage a file on
purpose) go through :func:`raw` rather than reaching into ``OpLog`` themselves.
"""

from __future__ import annotations

import sqlite3

from anpr_ops import OpLog
from anpr_ops.store._memory import State


def raw(log: OpLog) -> sqlite3.Connection:
    """The log's own SQLite connection (for reading its tables in a test)."""
    return log._db.conn


def remembered(log: OpLog) -> State | None:
    """What the log's connection remembers between appends (``None`` when nothing)."""
    return log._memory
