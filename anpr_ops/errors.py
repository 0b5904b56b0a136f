"""The exception tree of anpr_ops.

Every error the library raises on purpose is an :class:`AnprOpsError`. Each leaf also
subclasses the builtin it semantically is, so ``except ValueError`` keeps working for
callers who do not know this library::

    AnprOpsError
    ├── InvalidVrmError            (ValueError)       a number plate that is not one
    ├── UnknownOffenceCodeError    (LookupError)      a CJS code neither catalogued nor defined
    ├── EventValidationError       (ValueError)       an event that does not fit the vocabulary
    │   └── SourceFormatError                         a CSV or JSON file that cannot be read
    ├── CheckpointError            (ValueError)       checkpoint text that cannot be read
    ├── ImportRefusedError         (ValueError)       a file that cannot be imported as asked
    │   └── EarlierRowsError                          earlier rows missing from a new release
    ├── MappingError               (ValueError)       a vocabulary mapping that makes no sense
    ├── ReportError                (ValueError)       a report asked for with bad arguments
    ├── MissingExtraError          (ImportError)      an optional extra a feature needs is absent
    └── LogError                                      anything about a log file
        ├── LogNotFoundError       (FileNotFoundError)
        ├── EventNotFoundError     (LookupError)      no such event_id or op_id
        ├── NotALogError           (ValueError)       not an anpr_ops log, or its header is damaged
        ├── SchemaVersionError     (RuntimeError)     written by a newer anpr_ops
        ├── GuardsMissingError     (RuntimeError)     append-only triggers removed or altered
        ├── EventConflictError     (ValueError)       same event_id, different content
        ├── BrokenReferenceError   (LookupError)      a reference to nothing (or the wrong thing)
        ├── CorrectionError        (ValueError)       a correction the log cannot apply
        ├── LogBusyError           (TimeoutError)     the write lock stayed taken past the timeout
        ├── AccessRefusedError     (PermissionError)  personal values asked for without actor,
        │                                             purpose, or a writable file to record it
        └── StorageError           (OSError)          read-only file, full disk, I/O failure

Every class has a stable snake_case :attr:`~AnprOpsError.code`; some instances carry a more
specific one (``InvalidVrmError.code`` is ``"unrecognised_format"``, ``"bad_characters"``, …).
Messages never contain a number plate, subject reference or officer id in clear.

This module uses only the standard library, so the standalone verifier can raise these too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AccessRefusedError",
    "AnprOpsError",
    "BrokenReferenceError",
    "CheckpointError",
    "CorrectionError",
    "EarlierRowsError",
    "EventConflictError",
    "EventNotFoundError",
    "EventValidationError",
    "FieldProblem",
    "GuardsMissingError",
    "ImportRefusedError",
    "InvalidVrmError",
    "LogBusyError",
    "LogError",
    "LogNotFoundError",
    "MappingError",
    "MissingExtraError",
    "NotALogError",
    "ReportError",
    "SchemaVersionError",
    "SourceFormatError",
    "StorageError",
    "UnknownOffenceCodeError",
]


class AnprOpsError(Exception):
    """Root of every error anpr_ops raises on purpose.

    :attr:`code` is a stable snake_case identifier: assert on it, not on the wording. The
    context of an error is carried as attributes, so no caller ever parses a message:
    :attr:`event_id` (the event at fault), :attr:`field` (its field), :attr:`seq` (a stored
    event's position) and :attr:`line` (a line of a file); each is ``None`` when it does not
    apply.
    """

    code: str = "anpr_ops_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        event_id: str | None = None,
        field: str | None = None,
        seq: int | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.event_id = event_id
        self.field = field
        self.seq = seq
        self.line = line

    @property
    def message(self) -> str:
        """The human-readable message (the same text as ``str(error)``)."""
        return str(self.args[0]) if self.args else ""


class InvalidVrmError(AnprOpsError, ValueError):
    """A number plate that is empty, has characters no plate has, or fits no known format.

    ``code`` is one of ``empty``, ``bad_characters``, ``too_long``, ``unrecognised_format``,
    ``not_a_string``.
    """

    code = "invalid_vrm"


class UnknownOffenceCodeError(AnprOpsError, LookupError):
    """An offence code that is neither in the catalogue nor defined by the log.

    ``suggestions`` holds close matches from the catalogue (possibly empty).
    """

    code = "unknown_offence_code"

    def __init__(
        self,
        message: str,
        *,
        offence_code: str,
        suggestions: Sequence[str] = (),
        code: str | None = None,
        event_id: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message, code=code, event_id=event_id, field=field, line=line)
        self.offence_code = offence_code
        self.suggestions: tuple[str, ...] = tuple(suggestions)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one field of an event.

    ``loc`` is the path to the field (``("replacement", "vrm")``), ``kind`` a stable
    snake_case error type (pydantic's, or ours), ``message`` says what was expected.
    """

    loc: tuple[str | int, ...]
    kind: str
    message: str

    @property
    def field(self) -> str:
        """The dotted path to the field, ``"(event)"`` for the whole event."""
        return ".".join(str(part) for part in self.loc) or "(event)"


class EventValidationError(AnprOpsError, ValueError):
    """An event that does not fit the event vocabulary.

    ``problems`` lists each field that is wrong; ``event_id`` names the event when it could be
    read; ``index`` is its position in a batch and ``line`` its line number in a file.
    """

    code = "invalid_event"

    def __init__(
        self,
        message: str,
        *,
        problems: Sequence[FieldProblem] = (),
        event_id: str | None = None,
        index: int | None = None,
        line: int | None = None,
        code: str | None = None,
    ) -> None:
        field = problems[0].field if problems else None
        super().__init__(message, code=code, event_id=event_id, field=field, line=line)
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        self.index = index


class SourceFormatError(EventValidationError):
    """A file of another format that cannot be imported: it names where and what.

    Its context is the root's — ``line``, the 1-based line of a text file (the header is line
    1), and ``event_id``, naming the event made from a row that was read but refused — and two
    of its own: ``item``, the 1-based position of an object in a JSON array, and ``column``,
    the column (or JSON field) at fault (also the root's ``field``). ``code`` is stable:
    ``empty_file``, ``not_utf8``, ``bad_header``, ``field_count``, ``bad_value``,
    ``bad_date``, ``naive_date``, ``not_json`` and a few more, each documented where it is
    raised.
    """

    code = "bad_source"

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        item: int | None = None,
        column: str | None = None,
        event_id: str | None = None,
        code: str | None = None,
    ) -> None:
        problems = []
        if column is not None:
            problems.append(FieldProblem(loc=(column,), kind=code or self.code, message=message))
        super().__init__(message, problems=problems, event_id=event_id, line=line, code=code)
        self.item = item
        self.column = column


class CheckpointError(AnprOpsError, ValueError):
    """Checkpoint text that is malformed or whose self-check does not match."""

    code = "bad_checkpoint"


class ImportRefusedError(AnprOpsError, ValueError):
    """A readable file that cannot be imported as asked.

    ``code`` is ``force_required`` (the operation must be opened and no force is known),
    ``force_mismatch`` (the operation is of another force) or ``earlier_rows``
    (:class:`EarlierRowsError`).
    """

    code = "import_refused"


class EarlierRowsError(ImportRefusedError):
    """Rows imported earlier for the same months are missing from the new file.

    That is what a corrected release of a month looks like; ``stale`` lists their event ids.
    """

    code = "earlier_rows"

    def __init__(self, message: str, *, stale: Sequence[str]) -> None:
        super().__init__(message)
        self.stale = tuple(stale)


class MappingError(AnprOpsError, ValueError):
    """A mapping override that names an unknown table or a value outside the vocabulary.

    ``loc``, its own context, is the path to the entry at fault (``("import", "outcome",
    "Released")``; empty for the whole override); the root's ``line`` is the 1-based line of a
    mapping file that is not JSON. ``code`` is ``bad_mapping``, or more precisely
    ``unknown_part``, ``unknown_table``, ``not_an_object``, ``bad_value`` or ``not_json``.
    """

    code = "bad_mapping"

    def __init__(
        self,
        message: str,
        *,
        loc: Sequence[str] = (),
        line: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code, line=line)
        self.loc: tuple[str, ...] = tuple(loc)


class ReportError(AnprOpsError, ValueError):
    """A report asked for with arguments that cannot be honoured.

    ``code`` is ``naive_datetime`` (a window bound without a UTC offset), ``end_before_start``
    or ``unknown_site`` (a site that no operation in the report's scope has).
    """

    code = "bad_report_request"


class MissingExtraError(AnprOpsError, ImportError):
    """A feature needs an optional extra that is not installed (``distributed`` for reports on
    a Dask cluster, ``parquet`` for the Parquet export); the message names the extra."""

    code = "missing_extra"


class LogError(AnprOpsError):
    """Something about a log file or an operation on it."""

    code = "log_error"


class EventNotFoundError(LogError, LookupError):
    """No event with that ``event_id`` (or no operation with that ``op_id``) in the log."""

    code = "event_not_found"


class LogNotFoundError(LogError, FileNotFoundError):
    """The log file does not exist (and ``create=True`` was not given)."""

    code = "log_not_found"


class NotALogError(LogError, ValueError):
    """The file is not an anpr_ops log, or its SQLite header is damaged."""

    code = "not_a_log"


class SchemaVersionError(LogError, RuntimeError):
    """The log was written by a newer anpr_ops whose schema this version does not know."""

    code = "schema_too_new"


class GuardsMissingError(LogError, RuntimeError):
    """The triggers that keep ``events`` append-only are missing, altered, or outnumbered."""

    code = "guards_missing"


class EventConflictError(LogError, ValueError):
    """An ``event_id`` that is already in the log (or batch) with different content."""

    code = "event_conflict"

    def __init__(self, message: str, *, event_id: str, code: str | None = None) -> None:
        super().__init__(message, code=code, event_id=event_id)


class BrokenReferenceError(LogError, LookupError):
    """An event refers to an operation, site, event or offence that is not there.

    ``event_id`` is the referring event, ``field`` the referring field and ``ref`` the value
    it holds.
    """

    code = "broken_reference"

    def __init__(
        self,
        message: str,
        *,
        event_id: str,
        field: str,
        ref: str,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code, event_id=event_id, field=field)
        self.ref = ref


class CorrectionError(LogError, ValueError):
    """A correction that cannot be applied (wrong kind, retracted target, live dependants)."""

    code = "bad_correction"

    def __init__(self, message: str, *, event_id: str, code: str | None = None) -> None:
        super().__init__(message, code=code, event_id=event_id)


class LogBusyError(LogError, TimeoutError):
    """Another connection held the write lock for longer than the busy timeout."""

    code = "log_busy"


class AccessRefusedError(LogError, PermissionError):
    """A read, disclosure, erasure or restriction of personal values that cannot be done as
    asked: no actor or purpose to record, a read-only file where the access cannot be
    recorded, or a restricted record asked for without saying so."""

    code = "access_refused"


class StorageError(LogError, OSError):
    """The file could not be written or read: read-only, disk full, I/O error, missing folder."""

    code = "storage_error"
