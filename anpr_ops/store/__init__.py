"""The store: the log file, appending and reading events, verification and checkpoints.

:class:`OpLog` is the public face, with :func:`migrate`, which makes a current log from a
version-1 one; the rest of the package is private: the connection and its transactions, the
stored record and its one mapper, the checks of a batch, what an appending connection
remembers, the projections and their rebuild, the migration, and the readable views.
"""

from __future__ import annotations

from anpr_ops.store._migrate import MigrationResult, migrate
from anpr_ops.store.log import AppendResult, Durability, OpLog

__all__ = ["AppendResult", "Durability", "MigrationResult", "OpLog", "migrate"]
