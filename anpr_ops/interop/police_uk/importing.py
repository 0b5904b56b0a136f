"""Importing data.police.uk files into a log: the events of each record, their ids, corrected
releases of a month, and :func:`import_police_uk`.

A row's events are a ``search`` and, when the row has an outcome, an ``outcome`` naming it.
Their ids are derived from the operation, the record and how many identical records came
before it in the same file, so importing a file twice is a no-op and identical rows (several
people searched together) stay distinct.
"""

from __future__ import annotations

import hashlib
import json
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import attrs
from pydantic import ValidationError

from anpr_ops._canonical import canonical_bytes
from anpr_ops.errors import (
    EarlierRowsError,
    EventNotFoundError,
    ImportRefusedError,
    SourceFormatError,
)
from anpr_ops.events import Correction, Operation, Outcome, Search, problems_of
from anpr_ops.interop._source import Progress, RejectedRow, Source, read_source, source_name, where
from anpr_ops.interop.police_uk.reading import (
    detect_format,
    guess_from_file_name,
    parse_csv,
    parse_json,
)
from anpr_ops.interop.police_uk.record import (
    FIELD_COLUMN,
    GROUNDS_NOT_PUBLISHED,
    HEADER,
    JSON_FIELD,
    SHARED_WITH_SEARCH,
    PoliceUkRecord,
    PoliceUkRows,
)
from anpr_ops.interop.police_uk.vocabulary import DEFAULT_MAPPING, PoliceUkMapping
from anpr_ops.store import AppendResult, OpLog
from anpr_ops.vocab import EventKind

__all__ = [
    "Earlier",
    "PoliceUkImport",
    "event_error",
    "import_police_uk",
    "police_uk_events",
]

#: What to do with rows imported earlier, for the same months, that a new file lacks.
Earlier = Literal["error", "supersede", "keep"]

_SEARCH_PREFIX, _OUTCOME_PREFIX, _PERSON_PREFIX = "pu-search-", "pu-outcome-", "pu-person-"


# --------------------------------------------------------------------------- records -> events


def _digest(op_id: str, identity: dict[str, Any], occurrence: int) -> str:
    data = {"op_id": op_id, "record": identity, "occurrence": occurrence}
    return hashlib.sha256(canonical_bytes(data)).hexdigest()[:20]


def police_uk_events(records: Iterable[PoliceUkRecord], op_id: str) -> list[Search | Outcome]:
    """The events of some records for operation ``op_id``: a search per record, then its
    outcome when it has one.

    Ids are derived from the operation, the record and the number of identical records
    before it, so the same records always give the same events and identical rows stay
    distinct. A record whose event is refused raises :class:`SourceFormatError` naming the
    event (``event_id``) and the column, with no line: these records come from no file.
    """
    return _numbered_events([(None, record) for record in records], op_id, json_items=False)


def _numbered_events(
    records: Sequence[tuple[int | None, PoliceUkRecord]], op_id: str, *, json_items: bool
) -> list[Search | Outcome]:
    """The events of records numbered by their line (CSV) or item (JSON), for messages."""
    seen: Counter[str] = Counter()
    events: list[Search | Outcome] = []
    for number, record in records:
        identity = record.identity()
        key = json.dumps(identity, sort_keys=True)
        digest = _digest(op_id, identity, seen[key])
        seen[key] += 1
        place = {"item": number} if json_items else {"line": number}
        events.extend(_row_events(record, op_id, digest, **place))
    return events


def _row_events(
    record: PoliceUkRecord,
    op_id: str,
    digest: str,
    *,
    line: int | None = None,
    item: int | None = None,
) -> list[Search | Outcome]:
    subject_ref = _PERSON_PREFIX + digest
    search_id = _SEARCH_PREFIX + digest
    try:
        search = Search(
            event_id=search_id,
            op_id=op_id,
            grounds=GROUNDS_NOT_PUBLISHED,
            vrm_unknown=record.search_type.searches_vehicle,
            subject_ref=subject_ref if record.search_type.searches_person else None,
            **{name: getattr(record, name) for name in SHARED_WITH_SEARCH},
        )
    except ValidationError as exc:
        raise event_error(exc, line=line, item=item, event_id=search_id) from None
    if record.disposal is None:
        return [search]
    outcome_id = _OUTCOME_PREFIX + digest
    try:
        outcome = Outcome(
            event_id=outcome_id,
            op_id=op_id,
            occurred_at=record.occurred_at,
            subject_ref=subject_ref,
            search_id=search_id,
            disposal=record.disposal,
            offences_unknown=record.disposal.needs_offences,
        )
    except ValidationError as exc:
        raise event_error(exc, line=line, item=item, event_id=outcome_id) from None
    return [search, outcome]


# --------------------------------------------------------------------------- importing


@attrs.frozen
class PoliceUkImport:
    """What an import did.

    ``rows`` were read (rejected ones included); ``searches``/``outcomes`` new events were
    written;
    ``duplicates`` events were already in the log (a re-import); ``retracted`` earlier rows
    were withdrawn (``earlier="supersede"``); ``rejected`` rows were left out
    (``skip_invalid``); ``provisional`` counts the provisional strings met, as
    ``(column, string, count)``; ``op_created`` says whether the operation was opened.
    """

    op_id: str
    rows: int
    searches: int
    outcomes: int
    duplicates: int
    retracted: int
    op_created: bool
    rejected: tuple[RejectedRow, ...]
    provisional: tuple[tuple[str, str, int], ...]
    kept_earlier: int = 0
    warnings: tuple[str, ...] = ()
    header: tuple[str, ...] = HEADER
    append: AppendResult | None = None


def import_police_uk(
    log: OpLog,
    source: Source,
    op_id: str,
    *,
    source_format: Literal["auto", "csv", "json"] = "auto",
    force: str | None = None,
    name: str | None = None,
    mapping: PoliceUkMapping = DEFAULT_MAPPING,
    skip_invalid: bool = False,
    earlier: Earlier = "error",
    progress: Progress | None = None,
    write_progress: Progress | None = None,
    now: datetime | None = None,
) -> PoliceUkImport:
    """Import a data.police.uk CSV file or API JSON response into operation ``op_id``.

    The whole file is one atomic batch: a bad row stops the import before anything is
    written (its line and column named), unless ``skip_invalid``. When ``op_id`` is not in
    the log it is opened: ``force`` (or the one in a standard file name) is required, ``name``
    defaults to one made from the force and month, ``starts_at`` is the first row's time.

    ``earlier`` decides what happens to rows imported before, for the same months (in the
    operation's time zone), that this file lacks — a corrected release: ``"error"`` (the
    default) refuses the import naming how many, ``"supersede"`` retracts them in the same
    batch, ``"keep"`` leaves them.

    ``progress`` is told how many rows are read (done, total); ``write_progress`` how far the
    batch is written (as ``OpLog.extend``'s).
    """
    text = read_source(source)
    label = source_name(source)
    fmt = detect_format(text[:64]) if source_format == "auto" else source_format
    parse = parse_json if fmt == "json" else parse_csv
    rows = parse(text, label, mapping, skip_invalid, progress)
    guessed = guess_from_file_name(label)
    warnings: list[str] = []
    try:
        operation: Operation | None = log.operation(op_id)
    except EventNotFoundError:
        operation = None
    records = [record for _, record in rows.records]
    batch: list[Any] = []
    op_created = False
    if operation is None:
        if not records:
            return _nothing(op_id, rows)
        force = force or (guessed[0] if guessed else None)
        if force is None:
            message = (
                f"operation {op_id!r} is not in the log and {label} does not name its force "
                "(standard name: YYYY-MM-<force>-stop-and-search.csv); give the force to "
                "open the operation"
            )
            raise ImportRefusedError(message, code="force_required")
        operation = _new_operation(op_id, force, name, records, label, guessed)
        batch.append(operation)
        op_created = True
    else:
        if force is not None and force != operation.force:
            message = (
                f"operation {op_id!r} is of force {operation.force!r}, not {force!r}; "
                "import into another operation"
            )
            raise ImportRefusedError(message, code="force_mismatch")
        if guessed and guessed[0] != operation.force:
            warnings.append(
                f"{label} looks like a file of force {guessed[0]!r} but operation {op_id!r} "
                f"is of force {operation.force!r}"
            )
    events = _numbered_events(rows.records, op_id, json_items=fmt == "json")
    stale = _stale(log, operation, op_created, records, {e.event_id for e in events})
    kept = 0
    if stale:
        if earlier == "error":
            months = ", ".join(sorted({m for _, m in stale}))
            searches = sum(1 for e, _ in stale if e.startswith(_SEARCH_PREFIX))
            message = (
                f"{searches} search(es) of {months} imported into {op_id!r} earlier are not "
                f"in {label}; if it is a corrected release, import it with earlier "
                "'supersede' (--earlier supersede) to retract them, or 'keep' to keep them; "
                "nothing was written"
            )
            raise EarlierRowsError(message, stale=[e for e, _ in stale])
        if earlier == "supersede":
            moment = now or datetime.now(UTC)
            reason = f"not in the data.police.uk release imported from {label}"
            # Outcomes first: a search cannot be retracted while an outcome still names it.
            ordered = sorted(stale, key=lambda s: not s[0].startswith(_OUTCOME_PREFIX))
            batch += [
                Correction(
                    op_id=op_id, occurred_at=moment, target_id=event_id, reason=reason, retract=True
                )
                for event_id, _ in ordered
            ]
        else:
            kept = sum(1 for e, _ in stale if e.startswith(_SEARCH_PREFIX))
    batch += events
    result = log.extend(batch, progress=write_progress)
    written = set(result.appended)
    return PoliceUkImport(
        op_id=op_id,
        rows=len(records) + len(rows.rejected),
        searches=sum(1 for e in events if isinstance(e, Search) and e.event_id in written),
        outcomes=sum(1 for e in events if isinstance(e, Outcome) and e.event_id in written),
        duplicates=sum(1 for e in events if e.event_id not in written),
        retracted=len(stale) if earlier == "supersede" else 0,
        op_created=op_created,
        rejected=rows.rejected,
        provisional=rows.provisional,
        kept_earlier=kept,
        warnings=tuple(warnings),
        header=rows.header,
        append=result,
    )


def _nothing(op_id: str, rows: PoliceUkRows) -> PoliceUkImport:
    return PoliceUkImport(
        op_id=op_id,
        rows=len(rows.rejected),
        searches=0,
        outcomes=0,
        duplicates=0,
        retracted=0,
        op_created=False,
        rejected=rows.rejected,
        provisional=rows.provisional,
        warnings=("no rows to import: the operation was not opened",),
        header=rows.header,
    )


def _new_operation(
    op_id: str,
    force: str,
    name: str | None,
    records: Sequence[PoliceUkRecord],
    label: str,
    guessed: tuple[str, str] | None,
) -> Operation:
    starts_at = min(r.occurred_at for r in records)
    if name is None:
        london = zoneinfo.ZoneInfo("Europe/London")
        months = sorted({r.occurred_at.astimezone(london).strftime("%Y-%m") for r in records})
        span = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
        if guessed and guessed[0] == force:
            span = guessed[1]
        name = f"Stop and search, {force}, {span} (data.police.uk)"
    return Operation(
        op_id=op_id,
        occurred_at=starts_at,
        name=name,
        force=force,
        starts_at=starts_at,
        description=f"Stop and search published by data.police.uk, imported from {label}.",
    )


def _stale(
    log: OpLog,
    operation: Operation,
    op_created: bool,
    records: Sequence[PoliceUkRecord],
    new_ids: set[str],
) -> list[tuple[str, str]]:
    """``(event_id, month)`` of live imported events of the file's months not in this file."""
    if op_created or not records:
        return []
    zone = zoneinfo.ZoneInfo(operation.timezone)
    months = {r.occurred_at.astimezone(zone).strftime("%Y-%m") for r in records}
    stale = []
    for kind, prefix in ((EventKind.SEARCH, _SEARCH_PREFIX), (EventKind.OUTCOME, _OUTCOME_PREFIX)):
        for event in log.events(operation.op_id, kind):
            event_id = event.event_id
            if not event_id.startswith(prefix) or event_id in new_ids:
                continue
            month = event.occurred_at.astimezone(zone).strftime("%Y-%m")
            if month in months:
                stale.append((event_id, month))
    return stale


def event_error(
    exc: ValidationError,
    *,
    line: int | None = None,
    item: int | None = None,
    event_id: str | None = None,
) -> SourceFormatError:
    """A pydantic error about a row's event, as a :class:`SourceFormatError` for its row:
    its ``line`` (or JSON ``item``), the ``column`` the refused field comes from, and the
    ``event_id`` of the event that was refused."""
    problem = problems_of(exc)[0]
    field = next((p for p in problem.loc if isinstance(p, str)), "")
    column = FIELD_COLUMN.get(field)
    if item is not None and column is not None:
        column = JSON_FIELD[column]
    message = f"{where(line, item, column)}: {problem.message}"
    return SourceFormatError(
        message, line=line, item=item, column=column, event_id=event_id, code=problem.kind
    )
