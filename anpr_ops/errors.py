"""The exception tree of anpr_ops.

Every error the library raises on purpose is an :class:`AnprOpsError`. Each leaf also
subclasses the builtin it semantically is, so ``except ValueError`` keeps working for
callers who do not know this library::

    AnprOpsError
    ├── InvalidVrmError            (ValueError)       a number plate that is not one
    ├── UnknownOffenceCodeError    (LookupError)      a CJS code neither catalogued nor defined
    ├── UnknownForceError          (LookupError)      a police force data.police.uk does not know
    ├── EventValidationError       (ValueError)       an event that does not fit the vocabulary
    │   └── SourceFormatError                         a CSV or JSON file that cannot be read
    ├── CheckpointError            (ValueError)       checkpoint text that cannot be read
    ├── ProofError                 (ValueError)       a Merkle proof that does not check
    ├── SignatureError             (ValueError)       a signed note or key refused
    ├── ImportRefusedError         (ValueError)       a file that cannot be imported as asked
    │   └── EarlierRowsError                          earlier rows missing from a new release
    ├── MappingError               (ValueError)       a vocabulary mapping that makes no sense
    ├── ReportError                (ValueError)       a report asked for with bad arguments
    ├── PolicyError                (ValueError)       a retention policy or run that makes no sense
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
        ├── MigrationError         (ValueError)       an older log that cannot be migrated as asked
        ├── ErasureError           (ValueError)       an erasure or restriction asked for badly
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
    "ErasureError",
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
    "MigrationError",
    "MissingExtraError",
    "NotALogError",
    "PolicyError",
    "ProofError",
    "ReportError",
    "SchemaVersionError",
    "SignatureError",
    "SourceFormatError",
    "StorageError",
    "UnknownForceError",
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


class UnknownForceError(AnprOpsError, LookupError):
    """A police force that is neither a data.police.uk force id nor a force's name.

    ``suggestions`` holds the ids of close matches (possibly empty).
    """

    code = "unknown_force"

    def __init__(
        self, message: str, *, suggestions: Sequence[str] = (), code: str | None = None
    ) -> None:
        super().__init__(message, code=code, field="force")
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
    """Checkpoint text that is malformed or whose self-check does not match.

    A tlog checkpoint body (``anpr_ops.note.CheckpointBody``) says what is wrong in ``code``:
    ``missing_lines``, ``bad_origin``, ``bad_size``, ``bad_root``, ``bad_extension`` or
    ``malformed_checkpoint``.
    """

    code = "bad_checkpoint"


class ProofError(AnprOpsError, ValueError):
    """A Merkle inclusion or consistency proof that does not check, or that cannot be made.

    ``code`` is ``index_out_of_range``, ``bad_size``, ``old_size_zero``, ``old_size_greater``,
    ``bad_hash_length``, ``wrong_proof_length``, ``root_mismatch`` or ``old_root_mismatch``;
    reading the tree's tiles adds ``node_out_of_range`` and ``bad_tile`` (see
    ``anpr_ops.merkle``). Proof files and their checks (``anpr_ops.proofs``) add
    ``malformed_proof``, ``other_log`` (a proof or checkpoint of another log),
    ``size_mismatch``, ``wrong_leaf``, ``personal_mismatch`` and ``access_shrank``; making a
    proof from a log adds ``checkpoint_ahead`` (a checkpoint larger than the log) and
    ``not_in_checkpoint``.
    """

    code = "proof_error"


class SignatureError(AnprOpsError, ValueError):
    """A signed note or key that is malformed, signed by no known key, or whose signature fails.

    ``code`` is ``malformed_note``, ``too_many_signatures``, ``unknown_key`` (no signature by a
    known key), ``bad_signature`` (a known key's signature does not verify), ``malformed_key``,
    ``bad_key_name``, ``unknown_key_type``, ``key_id_mismatch``, ``ambiguous_key`` or
    ``no_signers`` (see ``anpr_ops.note``); for key files (``anpr_ops.keys``)
    ``key_file_permissions`` (a private key others may read), ``key_file_exists``; and
    ``signing_unavailable`` when the ``cryptography`` package (the ``signing`` extra) is
    missing.
    """

    code = "signature_error"


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


class PolicyError(AnprOpsError, ValueError):
    """A retention policy that cannot be read, or a retention run asked for with bad input.

    ``code`` is ``not_json`` (the file is not JSON; ``line`` says where), ``not_an_object``,
    ``unknown_key`` (a key the format does not have), ``unknown_kind`` (not an event kind),
    ``correction_kind`` (corrections follow the record they correct), ``bad_value`` (a number
    of days that is not a whole number from 1 to 36,500, or a flag that is not true or false),
    ``rule_conflict`` (a kind given both or neither of ``erase_after_days`` and
    ``review_after_days``) or ``naive_datetime`` (a run's ``now`` without a UTC offset).
    ``field`` is the dotted path to the entry at fault (``kinds.anpr_hit.erase_after_days``).
    """

    code = "bad_policy"


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
    """The triggers that keep ``events`` append-only are missing, altered, or outnumbered, or
    the schema is otherwise not the one anpr_ops made; ``problems`` says what differs, one
    item each (``"trigger events_no_update is missing"``)."""

    code = "guards_missing"

    def __init__(
        self, message: str, *, problems: Sequence[str] = (), code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.problems: tuple[str, ...] = tuple(problems)


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


class MigrationError(LogError, ValueError):
    """An older log that cannot be migrated as asked; nothing was written.

    ``code`` says why: ``target_exists`` (the new file is there already), ``same_file``,
    ``already_current`` (the old file is of the current format), ``old_log_broken`` (its chain,
    guards or checkpoint do not hold: :attr:`seq` names the first bad event), ``not_canonical``
    (an old event this version would store differently), ``event_refused`` (an old event this
    version refuses: :attr:`event_id`, :attr:`seq`, the refusal chained), ``old_log_changed``
    (the old file changed while it was read) or ``descent_mismatch`` (the new log does not
    reproduce the old chain).
    """

    code = "migration_refused"


class ErasureError(LogError, ValueError):
    """An erasure or restriction that cannot be done as asked; nothing was changed.

    ``code`` is ``nothing_chosen`` (no event ids, subject reference or plate given),
    ``several_choices`` (more than one of them), ``reason_required`` (no reason given; it is
    recorded), ``reason_holds_value`` (the reason quotes a value being erased, and the access
    record that keeps the reason cannot be erased), ``bad_plate`` (a plate that is empty once
    normalised) or ``restricted`` (an event chosen by id is restricted: lift the restriction
    first; ``event_id`` names it).
    """

    code = "bad_erasure"


class StorageError(LogError, OSError):
    """The file could not be written or read: read-only, disk full, I/O error, missing folder."""

    code = "storage_error"
