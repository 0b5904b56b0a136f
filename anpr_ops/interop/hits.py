"""ANPR hit files: a CSV of the reads that matched a vehicle-of-interest list.

The layout (``docs/interop.md`` has it with examples). The first line names the columns, in
any order, case and surrounding spaces ignored:

=============  ========  ==================================================================
column         required  content
=============  ========  ==================================================================
``time``       yes       when the camera read the plate: RFC 3339 with a UTC offset
                         (``2020-04-18T10:15:00+01:00``); a time without one is refused
``site``       [1]_      the operation's site id (``vauxhall``)
``camera``     [1]_      the camera's id; a camera can stand for its site (``camera_sites``)
``plate``      yes       the plate as the camera read it
``hotlist``    yes       ``pnc``, ``dvla``, ``insurance``, ``force``, ``nas``, ``other``
                         (or their labels, e.g. ``Police National Computer``)
``reasons``    yes       one or more of the hit reasons, separated by ``;`` or ``|``
``confidence`` no        the read's confidence, 0-100 (a trailing ``%`` is allowed)
``country``    no        ISO 3166-1 code of a foreign plate (``FR``); blank for a UK plate
``event_id``   no        the hit's event id; derived from the row's content when blank [2]_
=============  ========  ==================================================================

.. [1] each row needs a site: from ``site``, or from ``camera`` through ``camera_sites``.
.. [2] from its public fields: hits that differ only in their plates (two vehicles read at
   one camera in the same instant) take ``-2``, ``-3`` after the id, in the file's order; a
   hit whose id the log already holds for another plate (from an earlier file) takes the next.

Plates: a read that is a valid UK plate as it stands is kept as read (normalised). One that
is not is corrected for ANPR's O/0 and I/1 confusion (:func:`anpr_ops.vrm.coerce`): with one
candidate, the candidate is recorded; the read itself is kept in ``raw_vrm`` whenever the
stored plate differs from it. A read that fits no format even then is an invalid row.

*Doubtful* reads — confidence below ``min_confidence``, or a correction with more than one
candidate — follow ``doubtful``: ``"skip"`` (the default) leaves them out and lists them
with the rejected rows, ``"record"`` records them (an ambiguous one as its best-ranked
candidate, with a note saying so), ``"reject"`` stops the import at the first one. Rows
without a confidence are not doubtful on that account.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

import attrs
from pydantic import ValidationError

from anpr_ops import vrm as plates
from anpr_ops._canonical import canonical_bytes
from anpr_ops._csv import read_cell
from anpr_ops._time import TimeFormatError, parse_aware
from anpr_ops.errors import EventConflictError, InvalidVrmError
from anpr_ops.events import AnprHit, canonical_dict, derive_event_id, problems_of
from anpr_ops.interop._source import (
    Progress,
    RejectedRow,
    Source,
    SourceFormatError,
    read_source,
    shown,
    source_name,
    where,
)
from anpr_ops.store import AppendResult, OpLog
from anpr_ops.vocab import LABELS, HitReason, Hotlist

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "HIT_COLUMNS",
    "Doubtful",
    "HitImport",
    "import_hits",
    "read_hits",
]

#: Every column a hit file may have, in the order the documentation lists them.
HIT_COLUMNS = (
    "time",
    "site",
    "camera",
    "plate",
    "hotlist",
    "reasons",
    "confidence",
    "country",
    "event_id",
)
_REQUIRED = ("time", "plate", "hotlist", "reasons")

#: Reads below this confidence (percent) are doubtful unless the caller says otherwise.
DEFAULT_MIN_CONFIDENCE = 80

#: What to do with a doubtful read (low confidence, or an ambiguous O/0 I/1 correction).
Doubtful = Literal["skip", "record", "reject"]

_SEPARATORS = re.compile(r"[;|]")
_FIELD_COLUMN = {
    "occurred_at": "time",
    "site_id": "site",
    "camera_id": "camera",
    "vrm": "plate",
    "raw_vrm": "plate",
    "hotlist": "hotlist",
    "reasons": "reasons",
    "confidence": "confidence",
    "vrm_country": "country",
    "event_id": "event_id",
}


_PLATE_LIKE = re.compile(r"(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{2,10}")


def _cell(text: str) -> str:
    """A cell's value as a message quotes it. Every row of a hit file holds a plate, and in a
    file whose columns are shifted it lands in another column: a value that could be a plate
    (letters and digits, both, once spaces and hyphens are gone) is masked as plates are."""
    if _PLATE_LIKE.fullmatch(plates.normalise(text)):
        return repr(plates.mask(plates.normalise(text)))
    return shown(text)


class _RowError(Exception):
    def __init__(self, column: str | None, code: str, message: str) -> None:
        super().__init__(message)
        self.column, self.code, self.message = column, code, message


@attrs.frozen
class HitImport:
    """What a hit-file import did.

    ``rows`` were read; ``hits`` new events written; ``duplicates`` were already in the log
    or repeated in the file; ``corrected`` plates were changed by the O/0 I/1 correction;
    ``low_confidence`` and ``ambiguous`` count the doubtful reads met, ``skipped`` those
    left out by the ``skip`` policy; ``rejected`` lists every row left out (skipped doubtful
    reads and, with ``skip_invalid``, invalid rows).
    """

    op_id: str
    rows: int
    hits: int
    duplicates: int
    corrected: int
    low_confidence: int
    ambiguous: int
    skipped: int
    rejected: tuple[RejectedRow, ...]
    header: tuple[str, ...]
    append: AppendResult | None = None


@attrs.frozen
class _Read:
    line: int
    hit: AnprHit
    corrected: bool
    low_confidence: bool
    ambiguous: bool


def _vocab(vocabulary: type[StrEnum], column: str, text: str) -> StrEnum:
    folded = text.strip().casefold()
    for member in vocabulary:
        if folded in {member.value, LABELS[vocabulary][member].casefold()}:
            return member
    allowed = ", ".join(member.value for member in vocabulary)
    raise _RowError(column, "bad_value", f"{_cell(text.strip())} is not one of {allowed}")


def _time(text: str) -> datetime:
    text = text.strip()
    try:
        return parse_aware(text)
    except TimeFormatError as exc:
        problem = "has no UTC offset" if exc.code == "naive_date" else "is not a date-time"
        message = f"{_cell(text)} {problem}; expected e.g. 2020-04-18T10:15:00+01:00"
        raise _RowError("time", exc.code, message) from exc


def _confidence(text: str) -> int | None:
    text = text.strip().removesuffix("%").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 100:
        message = f"{_cell(text)} is not a whole number from 0 to 100"
        raise _RowError("confidence", "bad_value", message)
    return int(text)


def _plate(raw: str, country: str | None) -> tuple[str, bool, tuple[str, ...]]:
    """``(plate, corrected, candidates)``; several candidates mean the read is ambiguous."""
    try:
        return plates.validate(raw, foreign=country is not None), False, ()
    except InvalidVrmError as exc:
        if country is not None or exc.code in {"empty", "not_a_string"}:
            raise _RowError("plate", exc.code, exc.message) from exc
    candidates = plates.coerce(raw)
    if not candidates:
        message = (
            f"the read {plates.mask(plates.normalise(raw))!r} fits no UK plate format, even "
            "after correcting O/0 and I/1 (give a country for a foreign plate)"
        )
        raise _RowError("plate", "unrecognised_format", message)
    return candidates[0], True, candidates


class _Reader:
    def __init__(
        self,
        op_id: str,
        sites: frozenset[str],
        camera_sites: Mapping[str, str],
        min_confidence: int,
    ) -> None:
        self.op_id = op_id
        self.sites = sites
        self.camera_sites = camera_sites
        self.min_confidence = min_confidence

    def site(self, cells: Mapping[str, str]) -> str:
        site = cells.get("site", "").strip()
        camera = cells.get("camera", "").strip()
        column = "site"
        if not site and camera:
            column = "camera"
            site = self.camera_sites.get(camera, "")
            if not site:
                message = (
                    f"the site is blank and camera {_cell(camera)} is not mapped to a site "
                    "(give a site, or map the camera to one)"
                )
                raise _RowError("camera", "unknown_site", message)
        if not site:
            raise _RowError("site", "bad_value", "is blank; each hit needs a site (or a camera)")
        if site not in self.sites:
            known = ", ".join(sorted(self.sites)) or "none"
            message = (
                f"{_cell(site)} is not a site of operation {self.op_id!r} (its sites: {known})"
            )
            raise _RowError(column, "unknown_site", message)
        return site

    def read(self, line: int, cells: Mapping[str, str]) -> _Read:
        occurred_at = _time(cells["time"])
        site = self.site(cells)
        country = cells.get("country", "").strip().upper() or None
        raw = cells["plate"]
        plate, corrected, candidates = _plate(raw, country)
        hotlist = _vocab(Hotlist, "hotlist", cells["hotlist"])
        reasons: list[StrEnum] = []
        for part in _SEPARATORS.split(cells["reasons"]):
            if part.strip():
                reason = _vocab(HitReason, "reasons", part)
                if reason not in reasons:
                    reasons.append(reason)
        if not reasons:
            raise _RowError("reasons", "bad_value", "is blank; a hit has at least one reason")
        confidence = _confidence(cells.get("confidence", ""))
        ambiguous = len(candidates) > 1
        low = confidence is not None and confidence < self.min_confidence
        raw_read = raw.strip()
        data: dict[str, Any] = {
            "op_id": self.op_id,
            "occurred_at": occurred_at,
            "site_id": site,
            "camera_id": cells.get("camera", "").strip() or None,
            "vrm": plate,
            "raw_vrm": raw_read if raw_read != plate else None,
            "vrm_country": country,
            "hotlist": hotlist,
            "reasons": tuple(reasons),
            "confidence": confidence,
        }
        event_id = cells.get("event_id", "").strip()
        if event_id:
            data["event_id"] = event_id
        if ambiguous:
            data["notes"] = (
                f"ambiguous ANPR read: {len(candidates)} candidate plates after O/0 and I/1 "
                "correction; the best-ranked one was recorded"
            )
        try:
            hit = AnprHit(**data)
        except ValidationError as exc:
            problem = problems_of(exc)[0]
            field = next((p for p in problem.loc if isinstance(p, str)), "")
            raise _RowError(_FIELD_COLUMN.get(field), problem.kind, problem.message) from None
        return _Read(line, hit, corrected, low, ambiguous)


def _distinct_ids(hits: list[AnprHit]) -> list[AnprHit]:
    """The hits with ids that tell apart hits differing only in their plates.

    A derived id leaves personal values out (so that it is no hash of a plate), so two
    vehicles read at one camera in the same instant, on the same hotlist, with the same
    confidence, would share it. The second such content takes ``<id>-2``, the third ``-3``,
    in the file's order, so that importing the same file again gives the same ids (and
    appends nothing); a row repeated whole keeps its id and is recorded once.
    """
    contents: dict[str, list[bytes]] = {}
    out = []
    for hit in hits:
        if hit.event_id != derive_event_id(hit):
            out.append(hit)  # the file's own event_id
            continue
        data = canonical_dict(hit)
        del data["event_id"]
        seen = contents.setdefault(hit.event_id, [])
        text = canonical_bytes(data)
        if text not in seen:
            seen.append(text)
        n = seen.index(text) + 1
        out.append(hit if n == 1 else hit.model_copy(update={"event_id": f"{hit.event_id}-{n}"}))
    return out


def _header(name: str, cells: Sequence[str]) -> tuple[str, ...]:
    columns = tuple(cell.strip().casefold() for cell in cells)
    unknown = [c for c in columns if c not in HIT_COLUMNS]
    missing = [c for c in _REQUIRED if c not in columns]
    if not ("site" in columns or "camera" in columns):
        missing.append("site (or camera)")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    problems = []
    if unknown:
        # A file without its header line has a plate among these.
        problems.append(f"unknown column(s) {', '.join(_cell(c) for c in unknown[:5])}")
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if repeated:
        problems.append(f"repeated {', '.join(repeated)}")
    if problems:
        message = (
            f"{name}: line 1: not an ANPR hit file header ({'; '.join(problems)}); expected "
            f"the columns {', '.join(HIT_COLUMNS)} (time, plate, hotlist, reasons and a site "
            "or camera are required)"
        )
        raise SourceFormatError(message, line=1, code="bad_header")
    return columns


def read_hits(
    log: OpLog,
    source: Source,
    op_id: str,
    *,
    camera_sites: Mapping[str, str] | None = None,
    min_confidence: int = DEFAULT_MIN_CONFIDENCE,
    doubtful: Doubtful = "skip",
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> tuple[list[AnprHit], HitImport]:
    """Read a hit file into ``anpr_hit`` events of ``op_id`` without writing anything.

    Returns the events to append and a summary (whose ``hits`` and ``duplicates`` are
    still 0). Raises :class:`~anpr_ops.interop.SourceFormatError` naming the line and column
    of the first bad row (or doubtful read, with ``doubtful="reject"``).
    """
    name = source_name(source)
    text = read_source(source)
    if not text.strip():
        message = f"{name}: the file is empty; expected a header ({', '.join(HIT_COLUMNS)})"
        raise SourceFormatError(message, code="empty_file")
    operation = log.operation(op_id)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if cells:
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        message = f"{name}: line {reader.line_num}: not valid CSV ({exc})"
        raise SourceFormatError(message, line=reader.line_num, code="bad_csv") from exc
    header_cells = rows[0][1]
    columns = _header(name, header_cells)
    hit_reader = _Reader(
        op_id, frozenset(operation.site_ids), dict(camera_sites or {}), min_confidence
    )
    reads: list[_Read] = []
    rejected: list[RejectedRow] = []
    body = rows[1:]
    low = ambiguous = skipped = 0
    for done, (line, cells) in enumerate(body, start=1):
        if progress is not None and (done % 200 == 0 or done == len(body)):
            progress(done, len(body))
        try:
            if len(cells) != len(columns):
                message = f"has {len(cells)} fields; expected {len(columns)}"
                raise _RowError(None, "field_count", message)
            read = hit_reader.read(
                line, dict(zip(columns, (read_cell(c) for c in cells), strict=True))
            )
        except _RowError as exc:
            message = f"{name}: {where(line, None, exc.column)}: {exc.message}"
            if not skip_invalid:
                raise SourceFormatError(
                    message, line=line, column=exc.column, code=exc.code
                ) from exc
            rejected.append(
                RejectedRow(tuple(cells), exc.message, exc.code, line=line, column=exc.column)
            )
            continue
        low += read.low_confidence
        ambiguous += read.ambiguous
        if read.low_confidence or read.ambiguous:
            column = "confidence" if read.low_confidence else "plate"
            reason = (
                f"confidence {read.hit.confidence} is below {min_confidence}"
                if read.low_confidence
                else "ambiguous read: more than one plate fits after O/0 and I/1 correction"
            )
            if doubtful == "reject":
                message = f"{name}: {where(line, None, column)}: doubtful read: {reason}"
                raise SourceFormatError(message, line=line, column=column, code="doubtful_read")
            if doubtful == "skip":
                skipped += 1
                rejected.append(
                    RejectedRow(tuple(cells), reason, "doubtful_read", line=line, column=column)
                )
                continue
        reads.append(read)
    summary = HitImport(
        op_id=op_id,
        rows=len(body),
        hits=0,
        duplicates=0,
        corrected=sum(r.corrected for r in reads),
        low_confidence=low,
        ambiguous=ambiguous,
        skipped=skipped,
        rejected=tuple(rejected),
        header=tuple(cell.strip() for cell in header_cells),
    )
    return _distinct_ids([r.hit for r in reads]), summary


def import_hits(
    log: OpLog,
    source: Source,
    op_id: str,
    *,
    camera_sites: Mapping[str, str] | None = None,
    min_confidence: int = DEFAULT_MIN_CONFIDENCE,
    doubtful: Doubtful = "skip",
    skip_invalid: bool = False,
    progress: Progress | None = None,
    write_progress: Progress | None = None,
) -> HitImport:
    """Import a hit file into operation ``op_id`` (which must exist) as one atomic batch.

    See the module documentation for the layout and the policy on doubtful reads. Hits are
    identified by their content (or the ``event_id`` column), so a re-import is a no-op and
    a row repeated in the file is recorded once. ``progress`` is told how many rows are read
    (done, total); ``write_progress`` how far the batch is written (as ``OpLog.extend``'s).
    """
    hits, summary = read_hits(
        log,
        source,
        op_id,
        camera_sites=camera_sites,
        min_confidence=min_confidence,
        doubtful=doubtful,
        skip_invalid=skip_invalid,
        progress=progress,
    )
    for _ in range(_RENUMBERINGS):
        try:
            result = log.extend(hits, progress=write_progress)
            break
        except EventConflictError as exc:
            # A hit of an earlier file has this derived id and another plate: take the next.
            renumbered = _next_id(hits, exc.event_id)
            if renumbered is None:
                raise
            hits = renumbered
    else:
        result = log.extend(hits, progress=write_progress)  # raises the conflict left
    return attrs.evolve(
        summary, hits=result.count, duplicates=len(result.duplicates), append=result
    )


#: How many times an import gives a hit the next id (``-2``, ``-3``…) because the log holds
#: another hit, differing only in its plate, under the one it would take.
_RENUMBERINGS = 20


def _next_id(hits: list[AnprHit], event_id: str | None) -> list[AnprHit] | None:
    """``hits`` with the hit whose derived id is ``event_id`` given the next free one, or
    ``None`` when no hit of the batch has that id as a derived one (the file named it)."""
    at = next((i for i, hit in enumerate(hits) if hit.event_id == event_id), None)
    if at is None:
        return None
    hit = hits[at]
    base = derive_event_id(hit)
    if hit.event_id == base:
        n = 1
    else:
        head, _, tail = hit.event_id.rpartition("-")
        if head != base or not tail.isdigit():
            return None
        n = int(tail)
    taken = {h.event_id for h in hits}
    n += 1
    while f"{base}-{n}" in taken:
        n += 1
    out = list(hits)
    out[at] = hit.model_copy(update={"event_id": f"{base}-{n}"})
    return out
