"""Exit statuses: one table for every command, which the command line reference prints.

Every command ends with one of the statuses of :data:`EXIT_TABLE`, and an error ends it with
the status :func:`status_of` finds for it in :data:`ERROR_STATUS`, so the same failure gives
the same status whichever command met it (a missing log file is 2 for ``verify``, ``report``
and ``append`` alike). ``anpr-ops verify`` and ``python -m anpr_ops.verify`` give the statuses
one meaning each: 0 the chain holds, 1 it does not (tampering or damage found), 2 it could not
be checked.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

import attrs
import click

from anpr_ops.errors import (
    AnprOpsError,
    LogNotFoundError,
    MissingExtraError,
    NotALogError,
    SchemaVersionError,
    StorageError,
)

__all__ = [
    "ERROR_STATUS",
    "EXIT_TABLE",
    "CommandError",
    "Exit",
    "ExitRow",
    "exit_table_markdown",
    "status_of",
]


class Exit(IntEnum):
    """The statuses ``anpr-ops`` exits with."""

    OK = 0
    """Done as asked; for ``verify``, the chain holds."""
    FAILED = 1
    """The work was refused or found a problem: bad input (nothing written), a chain that does
    not hold, a log whose guards were tampered with."""
    CANNOT = 2
    """The work could not start: a usage error, a missing file, a file that is not a log or
    is of another format version, an output that would overwrite something."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C (nothing half-written: batches are atomic)."""


class CommandError(click.ClickException):
    """An error of the command line itself (not of the library), with its exit status."""

    def __init__(self, message: str, status: Exit = Exit.FAILED) -> None:
        super().__init__(message)
        self.exit_status = status


@attrs.frozen
class ExitRow:
    """One line of the table: a status, what it means, and examples of when it is given."""

    status: Exit
    meaning: str
    examples: tuple[str, ...]


#: What each status means, for every command (the CLI reference prints this table).
EXIT_TABLE: Final = (
    ExitRow(
        Exit.OK,
        "done as asked; `verify`: the chain holds",
        (
            "events appended, or all already there",
            "a report or export written",
            "a command or group given no arguments prints its help",
        ),
    ),
    ExitRow(
        Exit.FAILED,
        "refused, or a problem found; the log is as it was",
        (
            "a bad event, line or row, named by line and field (nothing is written)",
            "`verify`, `report`: the chain does not hold (tampering or damage found)",
            "a log whose append-only guards were removed or altered",
            "a reference to nothing, a conflicting event id, an unknown operation or site",
        ),
    ),
    ExitRow(
        Exit.CANNOT,
        "could not start: nothing was read or checked",
        (
            "a usage error: unknown option, missing argument, a value that is not one",
            "a missing file (the log, or the file to import)",
            "a file that is not an anpr_ops log, is damaged, or is of another format version",
            "`-o` naming a log, or an existing file without `--force`",
            "`verify --checkpoint` with a checkpoint of another log",
            "an optional extra the command needs is not installed (it names the extra)",
        ),
    ),
    ExitRow(Exit.INTERRUPTED, "interrupted (Ctrl-C)", ("a batch in progress is not written",)),
)

# StorageError codes that mean the file could not be opened at all.
_CANNOT_OPEN: Final = frozenset({"cannot_open", "is_a_folder", "missing_folder"})

#: Error types and the status they end a command with, the first that matches.
ERROR_STATUS: Final[tuple[tuple[type[BaseException], Exit], ...]] = (
    (click.UsageError, Exit.CANNOT),
    (LogNotFoundError, Exit.CANNOT),
    (NotALogError, Exit.CANNOT),
    (SchemaVersionError, Exit.CANNOT),
    (MissingExtraError, Exit.CANNOT),
    (AnprOpsError, Exit.FAILED),
    (click.FileError, Exit.CANNOT),
    (click.ClickException, Exit.FAILED),
    (FileNotFoundError, Exit.CANNOT),
    (IsADirectoryError, Exit.CANNOT),
    (NotADirectoryError, Exit.CANNOT),
    (OSError, Exit.FAILED),
    (KeyboardInterrupt, Exit.INTERRUPTED),
)


def status_of(exc: BaseException) -> Exit:
    """The exit status an error ends a command with (:data:`ERROR_STATUS`)."""
    if isinstance(exc, StorageError) and exc.code in _CANNOT_OPEN:
        return Exit.CANNOT
    status = getattr(exc, "exit_status", None)
    if isinstance(status, Exit):
        return status
    for kind, found in ERROR_STATUS:
        if isinstance(exc, kind):
            return found
    return Exit.FAILED


def exit_table_markdown() -> str:
    """The table of exit statuses, then the errors each status is given for, as Markdown."""
    lines = ["| status | meaning | for example |", "|---|---|---|"]
    for row in EXIT_TABLE:
        examples = "; ".join(row.examples)
        lines.append(f"| {int(row.status)} | {row.meaning} | {examples} |")
    lines += ["", "Errors and their status, the first that matches:", ""]
    for kind, status in ERROR_STATUS:
        module = "click" if kind.__module__.startswith("click") else kind.__module__
        lines.append(f"- `{module}.{kind.__name__}`: {int(status)}")
    lines.append(
        "- `anpr_ops.errors.StorageError` with code `cannot_open`, `is_a_folder` or "
        "`missing_folder`: 2 (listed before the rest)"
    )
    return "\n".join(lines)
