"""data.police.uk stop and search: import the monthly CSV files and the API's JSON, export CSV.

A row of a data.police.uk file is one search of one person or vehicle. Importing it gives a
``search`` event and, when the row has an outcome (no further action included), an
``outcome`` event naming the search. The files hold no names, plates, grounds or offence
codes, so:

- a vehicle search says ``vrm_unknown: true``;
- every row gets a synthetic ``subject_ref`` (``pu-person-`` and a digest of the row), on
  the search when a person was searched and on the outcome: it tells rows apart and carries
  nothing about the person;
- ``grounds`` says they were not published (:data:`GROUNDS_NOT_PUBLISHED`);
- an outcome whose disposal needs offences (arrest, summons) says ``offences_unknown: true``,
  so reports count it under the ``unknown`` category.

Event ids come from the row's content, the operation and how many identical rows came
before it in the same file (real files hold identical rows: several people searched
together), so importing a file twice is a no-op and no row is lost. A later, corrected
release of the same month is noticed: rows imported earlier for those months that are not in
the new file are reported, and retracted only when asked (``earlier="supersede"``).

Export writes the current vocabulary with the 15 columns in their order, ``Date`` in UTC
with ``+00:00`` and coordinates to six decimals; never a plate or a subject reference.
``docs/interop.md`` has the tables both ways and what each direction loses.

>>> import io
>>> from anpr_ops import OpLog
>>> csv_text = HEADER_LINE + (
...     "Person search,2020-01-01T05:08:30+00:00,,,51.512598,-0.084967,Male,10-17,"
...     "Other ethnic group - Not stated,Black,Misuse of Drugs Act 1971 (section 23),"
...     "Controlled drugs,Arrest,True,False\\r\\n")
>>> with OpLog.memory() as log:
...     result = import_police_uk(log, io.StringIO(csv_text), "city-2020-01",
...                               force="city-of-london")
...     out = io.StringIO()
...     _ = export_police_uk(log, "city-2020-01", out)
>>> (result.searches, result.outcomes, out.getvalue() == csv_text)
(1, 1, True)
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import IO, Any, Literal, TypeVar

import attrs
from pydantic import ValidationError

from anpr_ops._canonical import canonical_bytes
from anpr_ops.errors import (
    EarlierRowsError,
    EventNotFoundError,
    ImportRefusedError,
    SourceFormatError,
)
from anpr_ops.events import (
    Correction,
    Operation,
    Outcome,
    Search,
    format_utc,
    problems_of,
)
from anpr_ops.interop._source import (
    Progress,
    RejectedRow,
    Source,
    read_source,
    shown,
    source_name,
    where,
)
from anpr_ops.interop.police_uk_vocab import DEFAULT_MAPPING, PoliceUkMapping
from anpr_ops.store import AppendResult, OpLog
from anpr_ops.vocab import (
    AgeRange,
    Disposal,
    Gender,
    Legislation,
    ObjectOfSearch,
    OfficerDefinedEthnicity,
    SearchType,
    SelfDefinedEthnicity,
)

__all__ = [
    "GROUNDS_NOT_PUBLISHED",
    "HEADER",
    "HEADER_LINE",
    "Earlier",
    "EarlierRowsError",
    "ImportRefusedError",
    "PoliceUkExport",
    "PoliceUkImport",
    "PoliceUkRecord",
    "PoliceUkRows",
    "export_police_uk",
    "guess_from_file_name",
    "import_police_uk",
    "police_uk_events",
    "police_uk_records",
    "read_police_uk_csv",
    "read_police_uk_json",
    "write_police_uk_csv",
]

#: The 15 columns of a data.police.uk stop-and-search CSV file, in their order.
HEADER: tuple[str, ...] = (
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)
#: The header line as written on export (CRLF, like the current data.police.uk files).
HEADER_LINE = ",".join(HEADER) + "\r\n"

#: The ``grounds`` of an imported search: data.police.uk does not publish them.
GROUNDS_NOT_PUBLISHED = "Not published (imported from data.police.uk)"

#: What to do with rows imported earlier, for the same months, that a new file lacks.
Earlier = Literal["error", "supersede", "keep"]

# The API's JSON field for each CSV column (for messages about JSON items).
_JSON_FIELD = {
    "Type": "type",
    "Date": "datetime",
    "Part of a policing operation": "operation",
    "Policing operation": "operation_name",
    "Latitude": "location.latitude",
    "Longitude": "location.longitude",
    "Gender": "gender",
    "Age range": "age_range",
    "Self-defined ethnicity": "self_defined_ethnicity",
    "Officer-defined ethnicity": "officer_defined_ethnicity",
    "Legislation": "legislation",
    "Object of search": "object_of_search",
    "Outcome": "outcome",
    "Outcome linked to object of search": "outcome_linked_to_object_of_search",
    "Removal of more than just outer clothing": "removal_of_more_than_outer_clothing",
}
# The column each Search/Outcome field comes from, to name it when an event is refused.
_FIELD_COLUMN = {
    "search_type": "Type",
    "occurred_at": "Date",
    "date_only": "Date",
    "part_of_policing_operation": "Part of a policing operation",
    "policing_operation": "Policing operation",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "gender": "Gender",
    "age_range": "Age range",
    "self_defined_ethnicity": "Self-defined ethnicity",
    "officer_defined_ethnicity": "Officer-defined ethnicity",
    "legislation": "Legislation",
    "legislation_text": "Legislation",
    "object_of_search": "Object of search",
    "object_of_search_text": "Object of search",
    "disposal": "Outcome",
    "outcome_linked_to_object": "Outcome linked to object of search",
    "removal_of_more_than_outer_clothing": "Removal of more than just outer clothing",
}
# Most serious first: the one disposal a search's row can show when it has several outcomes.
_SEVERITY = (
    Disposal.ARREST,
    Disposal.SUMMONS,
    Disposal.CAUTION,
    Disposal.PENALTY_NOTICE_FOR_DISORDER,
    Disposal.FIXED_PENALTY_NOTICE,
    Disposal.TRAFFIC_OFFENCE_REPORT,
    Disposal.CANNABIS_KHAT_WARNING,
    Disposal.COMMUNITY_RESOLUTION,
    Disposal.WORDS_OF_ADVICE,
    Disposal.NO_FURTHER_ACTION,
)
_SEARCH_PREFIX, _OUTCOME_PREFIX, _PERSON_PREFIX = "pu-search-", "pu-outcome-", "pu-person-"
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Standard monthly file names: 2020-01-city-of-london-stop-and-search.csv (as in the archive)
# and city-of-london-2020-01-stop-and-search.csv (as some mirrors save them).
_FILE_NAMES = (
    re.compile(r"(?P<month>[0-9]{4}-[0-9]{2})-(?P<force>[a-z0-9-]+?)-stop-and-search(?:\..*)?"),
    re.compile(r"(?P<force>[a-z0-9-]+?)-(?P<month>[0-9]{4}-[0-9]{2})-stop-and-search(?:\..*)?"),
)


# --------------------------------------------------------------------------- the record


@attrs.frozen
class PoliceUkRecord:
    """One data.police.uk row in the event vocabulary: what import reads and export writes.

    ``legislation``/``object_of_search`` are ``other`` both for strings without a code of
    their own (the text is then kept in ``legislation_text``/``object_of_search_text``) and
    for a blank cell (no text). ``disposal`` is ``None`` for a blank outcome.
    """

    search_type: SearchType
    occurred_at: datetime
    date_only: bool = False
    part_of_policing_operation: bool | None = None
    policing_operation: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    gender: Gender | None = None
    age_range: AgeRange | None = None
    self_defined_ethnicity: SelfDefinedEthnicity | None = None
    officer_defined_ethnicity: OfficerDefinedEthnicity | None = None
    legislation: Legislation = Legislation.OTHER
    legislation_text: str | None = None
    object_of_search: ObjectOfSearch = ObjectOfSearch.OTHER
    object_of_search_text: str | None = None
    disposal: Disposal | None = None
    outcome_linked_to_object: bool | None = None
    removal_of_more_than_outer_clothing: bool | None = None

    def identity(self) -> dict[str, Any]:
        """The record as plain JSON values: what a row's event ids are derived from."""
        out: dict[str, Any] = {}
        for field in attrs.fields(PoliceUkRecord):
            value = getattr(self, field.name)
            if isinstance(value, datetime):
                value = format_utc(value)
            elif isinstance(value, StrEnum):
                value = value.value
            out[field.name] = value
        return out

    @classmethod
    def from_search(
        cls,
        search: Search,
        disposal: Disposal | None = None,
        site: tuple[float, float] | None = None,
    ) -> PoliceUkRecord:
        """The row of ``search`` (its outcome's ``disposal``; ``site`` coordinates when the
        search has none of its own)."""
        shared = {name: getattr(search, name) for name in _SHARED_WITH_SEARCH}
        if shared["latitude"] is None and site is not None:
            shared["latitude"], shared["longitude"] = site
        return cls(disposal=disposal, **shared)


#: The fields a published row and a ``search`` event hold alike, in both directions (every
#: field of a record but ``disposal``, which is the search's outcome).
_SHARED_WITH_SEARCH: tuple[str, ...] = tuple(
    field.name for field in attrs.fields(PoliceUkRecord) if field.name != "disposal"
)


@attrs.frozen
class PoliceUkRows:
    """What reading a file gave: the records with their line (CSV) or item (JSON) numbers,
    the rows left out by ``skip_invalid``, and how often each provisional string was met."""

    records: tuple[tuple[int, PoliceUkRecord], ...]
    rejected: tuple[RejectedRow, ...] = ()
    provisional: tuple[tuple[str, str, int], ...] = ()
    header: tuple[str, ...] = HEADER


# --------------------------------------------------------------------------- reading cells


class _CellError(Exception):
    def __init__(self, column: str, code: str, message: str) -> None:
        super().__init__(message)
        self.column, self.code, self.message = column, code, message


_TABLE_OF = {
    "Type": "type",
    "Gender": "gender",
    "Age range": "age_range",
    "Self-defined ethnicity": "self_defined_ethnicity",
    "Officer-defined ethnicity": "officer_defined_ethnicity",
    "Legislation": "legislation",
    "Object of search": "object_of_search",
    "Outcome": "outcome",
}


class _RowReader:
    """Turns one row's cells (text, keyed by CSV column) into a :class:`PoliceUkRecord`."""

    def __init__(self, mapping: PoliceUkMapping) -> None:
        self.mapping = mapping
        self.provisional: Counter[tuple[str, str]] = Counter()

    def vocab(self, column: str, text: str) -> StrEnum | None:
        if not text.strip():
            return None
        table = _TABLE_OF[column]
        value = self.mapping.lookup(table, text)
        if value is None:
            accepted = self.mapping.accepted(table)
            hint = "; ".join(shown(s) for s in accepted[:8])
            more = f" (and {len(accepted) - 8} more)" if len(accepted) > 8 else ""
            message = (
                f"{shown(text)} is not a data.police.uk {column.lower()} this mapping knows; "
                f"expected one of {hint}{more}, or blank (add it with a mapping file)"
            )
            raise _CellError(column, "bad_value", message)
        if self.mapping.is_provisional(table, text):
            self.provisional[(column, self.mapping.canonical(table, text))] += 1
        return value

    def search_type(self, text: str) -> SearchType:
        value = _as(SearchType, self.vocab("Type", text))
        if value is None:
            raise _CellError("Type", "bad_value", "is blank; a type of search is required")
        return value

    @staticmethod
    def date(text: str) -> tuple[datetime, bool]:
        column = "Date"
        text = text.strip()
        if not text:
            raise _CellError(column, "bad_date", "is blank; a date is required")
        if _DATE_ONLY.fullmatch(text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise _CellError(column, "bad_date", f"{shown(text)} is not a date") from None
            return datetime(day.year, day.month, day.day, tzinfo=UTC), True
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            message = (
                f"{shown(text)} is not a date-time; expected e.g. 2020-01-31T23:05:00+00:00 "
                "or a date alone (2020-01-31)"
            )
            raise _CellError(column, "bad_date", message) from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            message = (
                f"{shown(text)} has no UTC offset; expected e.g. 2020-01-31T23:05:00+00:00 "
                "(a time without an offset is ambiguous)"
            )
            raise _CellError(column, "naive_date", message)
        return moment.astimezone(UTC), False

    @staticmethod
    def boolean(column: str, text: str) -> bool | None:
        folded = text.strip().casefold()
        if not folded:
            return None
        if folded == "true":
            return True
        if folded == "false":
            return False
        raise _CellError(column, "bad_value", f"{shown(text)} is not True, False or blank")

    @staticmethod
    def coordinates(lat_text: str, lon_text: str) -> tuple[float | None, float | None]:
        if not lat_text.strip() and not lon_text.strip():
            return None, None
        values = []
        for column, text, limit in (("Latitude", lat_text, 90), ("Longitude", lon_text, 180)):
            if not text.strip():
                other = "Longitude" if column == "Latitude" else "Latitude"
                message = f"is blank but {other} is not; give both or neither"
                raise _CellError(column, "bad_value", message)
            try:
                value = float(text)
            except ValueError:
                message = f"{shown(text)} is not a number"
                raise _CellError(column, "bad_value", message) from None
            if not math.isfinite(value) or not -limit <= value <= limit:
                message = f"{shown(text)} is outside -{limit}..{limit}"
                raise _CellError(column, "bad_value", message)
            values.append(value)
        return values[0], values[1]

    @staticmethod
    def operation_name(text: str) -> str | None:
        if not text:
            return None
        if _CONTROL.search(text) or len(text) > 300:
            message = "holds a control character or is over 300 characters"
            raise _CellError("Policing operation", "bad_value", message)
        return text

    def record(
        self, cells: Mapping[str, str], outcome: Disposal | Literal[False] | None = False
    ) -> PoliceUkRecord:
        """The record of one row; ``outcome`` (not False) overrides the Outcome cell."""
        occurred_at, date_only = self.date(cells["Date"])
        latitude, longitude = self.coordinates(cells["Latitude"], cells["Longitude"])
        legislation_cell = cells["Legislation"]
        legislation = self.vocab("Legislation", legislation_cell) or Legislation.OTHER
        object_cell = cells["Object of search"]
        object_of_search = self.vocab("Object of search", object_cell) or ObjectOfSearch.OTHER
        disposal = self.vocab("Outcome", cells["Outcome"]) if outcome is False else outcome
        return PoliceUkRecord(
            search_type=self.search_type(cells["Type"]),
            occurred_at=occurred_at,
            date_only=date_only,
            part_of_policing_operation=self.boolean(
                "Part of a policing operation", cells["Part of a policing operation"]
            ),
            policing_operation=self.operation_name(cells["Policing operation"]),
            latitude=latitude,
            longitude=longitude,
            gender=_as(Gender, self.vocab("Gender", cells["Gender"])),
            age_range=_as(AgeRange, self.vocab("Age range", cells["Age range"])),
            self_defined_ethnicity=_as(
                SelfDefinedEthnicity,
                self.vocab("Self-defined ethnicity", cells["Self-defined ethnicity"]),
            ),
            officer_defined_ethnicity=_as(
                OfficerDefinedEthnicity,
                self.vocab("Officer-defined ethnicity", cells["Officer-defined ethnicity"]),
            ),
            legislation=Legislation(legislation),
            legislation_text=self.kept_text("legislation", legislation, legislation_cell),
            object_of_search=ObjectOfSearch(object_of_search),
            object_of_search_text=self.kept_text("object_of_search", object_of_search, object_cell),
            disposal=_as(Disposal, disposal),
            outcome_linked_to_object=self.boolean(
                "Outcome linked to object of search", cells["Outcome linked to object of search"]
            ),
            removal_of_more_than_outer_clothing=self.boolean(
                "Removal of more than just outer clothing",
                cells["Removal of more than just outer clothing"],
            ),
        )

    def kept_text(self, table: str, value: StrEnum | None, cell: str) -> str | None:
        """The published text, kept for a non-blank string that maps to ``other``: as
        written, or as the mapping spells it if it holds a tab or the like."""
        if value is None or value.value != "other" or not cell.strip():
            return None
        if _CONTROL.search(cell) or len(cell) > 300:
            return self.mapping.canonical(table, cell)
        return cell

    def provisional_counts(self) -> tuple[tuple[str, str, int], ...]:
        return tuple((column, text, n) for (column, text), n in sorted(self.provisional.items()))


_E = TypeVar("_E", bound=StrEnum)


def _as(vocabulary: type[_E], value: StrEnum | None) -> _E | None:
    return None if value is None else vocabulary(value)


# --------------------------------------------------------------------------- reading files


def read_police_uk_csv(
    source: Source,
    *,
    mapping: PoliceUkMapping = DEFAULT_MAPPING,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> PoliceUkRows:
    """Read a data.police.uk stop-and-search CSV file (either vocabulary) into records.

    The header must be the 15 columns of :data:`HEADER` in order; a byte-order mark and CRLF
    line endings are fine; blank lines are skipped. A bad row raises
    :class:`~anpr_ops.interop.SourceFormatError` naming its line and column — unless
    ``skip_invalid``, which leaves the row out and lists it in ``rejected``.
    """
    return _parse_csv(read_source(source), source_name(source), mapping, skip_invalid, progress)


def _parse_csv(
    text: str,
    name: str,
    mapping: PoliceUkMapping,
    skip_invalid: bool,
    progress: Progress | None,
) -> PoliceUkRows:
    if not text.strip():
        raise SourceFormatError(
            f"{name}: the file is empty; expected the data.police.uk header "
            f"({', '.join(HEADER[:3])}, ...)",
            code="empty_file",
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = _numbered(reader)
    except csv.Error as exc:
        line = reader.line_num
        message = f"{name}: line {line}: not valid CSV ({exc})"
        raise SourceFormatError(message, line=line, code="bad_csv") from None
    _, header = rows[0]
    _check_header(name, header)
    reader_ = _RowReader(mapping)
    records: list[tuple[int, PoliceUkRecord]] = []
    rejected: list[RejectedRow] = []
    body = rows[1:]
    for done, (line, cells) in enumerate(body, start=1):
        if progress is not None and (done % 200 == 0 or done == len(body)):
            progress(done, len(body))
        try:
            if len(cells) != len(HEADER):
                message = f"has {len(cells)} fields; expected {len(HEADER)}"
                raise _CellError("", "field_count", message)
            records.append((line, reader_.record(dict(zip(HEADER, cells, strict=True)))))
        except _CellError as exc:
            column = exc.column or None
            message = f"{name}: {where(line, None, column)}: {exc.message}"
            if not skip_invalid:
                raise SourceFormatError(message, line=line, column=column, code=exc.code) from None
            rejected.append(
                RejectedRow(tuple(cells), exc.message, exc.code, line=line, column=column)
            )
    return PoliceUkRows(tuple(records), tuple(rejected), reader_.provisional_counts())


def _numbered(reader: Any) -> list[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on (a quoted cell may span lines)."""
    rows = []
    start = 1
    for cells in reader:
        if cells:  # an empty line gives no cells; a line of commas is a (bad) row
            rows.append((start, cells))
        start = reader.line_num + 1
    return rows


def _check_header(name: str, header: Sequence[str]) -> None:
    cells = tuple(cell.strip() for cell in header)
    if cells == HEADER:
        return
    missing = [c for c in HEADER if c not in cells]
    unexpected = [c for c in cells if c not in HEADER]
    details = []
    if missing:
        details.append(f"missing {', '.join(repr(c) for c in missing)}")
    if unexpected:
        details.append(f"unexpected {', '.join(shown(c) for c in unexpected[:5])}")
    if not details:
        details.append("the columns are out of order")
    message = (
        f"{name}: line 1: not a data.police.uk stop-and-search header ({'; '.join(details)}); "
        f"expected the 15 columns {', '.join(HEADER)}"
    )
    raise SourceFormatError(message, line=1, code="bad_header")


def read_police_uk_json(
    source: Source,
    *,
    mapping: PoliceUkMapping = DEFAULT_MAPPING,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> PoliceUkRows:
    """Read a data.police.uk API response (``stops-street``, ``stops-force``,
    ``stops-at-location``, ``stops-no-location``): a JSON array of stop-and-search objects.

    Fields are mapped as their CSV columns are. ``outcome: false`` (older responses: nothing
    found) is no further action; an empty ``outcome`` falls back to ``outcome_object.id``.
    ``involved_person`` (derived from ``type``), ``location.street`` and unknown fields are
    not kept. Errors name the item (1-based) and field.
    """
    return _parse_json(read_source(source), source_name(source), mapping, skip_invalid, progress)


def _parse_json(
    text: str,
    name: str,
    mapping: PoliceUkMapping,
    skip_invalid: bool,
    progress: Progress | None,
) -> PoliceUkRows:
    if not text.strip():
        raise SourceFormatError(
            f"{name}: the file is empty; expected a JSON array", code="empty_file"
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"{name}: line {exc.lineno}: not JSON ({exc.msg})"
        raise SourceFormatError(message, line=exc.lineno, code="not_json") from None
    if not isinstance(data, list):
        message = f"{name}: expected a JSON array of stop and search objects, not a {_kind(data)}"
        raise SourceFormatError(message, code="not_json")
    reader = _RowReader(mapping)
    records: list[tuple[int, PoliceUkRecord]] = []
    rejected: list[RejectedRow] = []
    for number, item in enumerate(data, start=1):
        if progress is not None and (number % 200 == 0 or number == len(data)):
            progress(number, len(data))
        try:
            cells, outcome = _json_cells(item, reader)
            records.append((number, reader.record(cells, outcome)))
        except _CellError as exc:
            field = _JSON_FIELD.get(exc.column, exc.column) or None
            message = f"{name}: {where(None, number, field)}: {exc.message}"
            if not skip_invalid:
                raise SourceFormatError(message, item=number, column=field, code=exc.code) from None
            fields = (json.dumps(item, ensure_ascii=False),)
            rejected.append(RejectedRow(fields, exc.message, exc.code, item=number, column=field))
    return PoliceUkRows(
        tuple(records), tuple(rejected), reader.provisional_counts(), header=("Item (JSON)",)
    )


def _kind(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else "null"
    )


def _json_text(item: Mapping[str, Any], key: str, column: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise _CellError(column, "bad_value", f"expected a string or null, not a {_kind(value)}")


def _json_bool(item: Mapping[str, Any], key: str, column: str) -> str:
    value = item.get(key)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    raise _CellError(column, "bad_value", f"expected true, false or null, not a {_kind(value)}")


def _json_cells(
    item: object, reader: _RowReader
) -> tuple[dict[str, str], Disposal | Literal[False] | None]:
    if not isinstance(item, Mapping):
        raise _CellError("", "bad_value", f"expected an object, not a {_kind(item)}")
    location = item.get("location")
    lat = lon = ""
    if location is not None:
        if not isinstance(location, Mapping):
            raise _CellError("Latitude", "bad_value", "location: expected an object or null")
        for column, key in (("Latitude", "latitude"), ("Longitude", "longitude")):
            value = location.get(key)
            if isinstance(value, bool) or not isinstance(value, str | int | float | None):
                raise _CellError(column, "bad_value", "expected a number as a string")
            text = "" if value is None else str(value)
            if column == "Latitude":
                lat = text
            else:
                lon = text
    cells = {
        "Type": _json_text(item, "type", "Type"),
        "Date": _json_text(item, "datetime", "Date"),
        "Part of a policing operation": _json_bool(
            item, "operation", "Part of a policing operation"
        ),
        "Policing operation": _json_text(item, "operation_name", "Policing operation"),
        "Latitude": lat,
        "Longitude": lon,
        "Gender": _json_text(item, "gender", "Gender"),
        "Age range": _json_text(item, "age_range", "Age range"),
        "Self-defined ethnicity": _json_text(
            item, "self_defined_ethnicity", "Self-defined ethnicity"
        ),
        "Officer-defined ethnicity": _json_text(
            item, "officer_defined_ethnicity", "Officer-defined ethnicity"
        ),
        "Legislation": _json_text(item, "legislation", "Legislation"),
        "Object of search": _json_text(item, "object_of_search", "Object of search"),
        "Outcome": "",
        "Outcome linked to object of search": _json_bool(
            item, "outcome_linked_to_object_of_search", "Outcome linked to object of search"
        ),
        "Removal of more than just outer clothing": _json_bool(
            item, "removal_of_more_than_outer_clothing", "Removal of more than just outer clothing"
        ),
    }
    return cells, _json_outcome(item, reader)


def _json_outcome(item: Mapping[str, Any], reader: _RowReader) -> Disposal | None:
    outcome = item.get("outcome")
    if outcome is False:
        return Disposal.NO_FURTHER_ACTION  # older responses: "false if nothing was found"
    if isinstance(outcome, str) and outcome.strip():
        return _as(Disposal, reader.vocab("Outcome", outcome))
    if outcome not in (None, "", True) and not isinstance(outcome, str):
        raise _CellError("Outcome", "bad_value", "expected a string, false or null")
    outcome_object = item.get("outcome_object")
    if isinstance(outcome_object, Mapping):
        outcome_id = outcome_object.get("id")
        if isinstance(outcome_id, str) and outcome_id.strip():
            value = reader.mapping.lookup("outcome_id", outcome_id)
            if value is None:
                message = (
                    f"outcome_object.id {shown(outcome_id)} is not an outcome id this mapping "
                    "knows (add it with a mapping file)"
                )
                raise _CellError("Outcome", "bad_value", message)
            if reader.mapping.is_provisional("outcome_id", outcome_id):
                reader.provisional[("outcome_object.id", outcome_id)] += 1
            return Disposal(value)
    return None


# --------------------------------------------------------------------------- records -> events


def _digest(op_id: str, identity: dict[str, Any], occurrence: int) -> str:
    data = {"op_id": op_id, "record": identity, "occurrence": occurrence}
    return hashlib.sha256(canonical_bytes(data)).hexdigest()[:20]


def police_uk_events(records: Iterable[PoliceUkRecord], op_id: str) -> list[Search | Outcome]:
    """The events of some records for operation ``op_id``: a search per record, then its
    outcome when it has one.

    Ids are derived from the operation, the record and the number of identical records
    before it, so the same records always give the same events and identical rows stay
    distinct.
    """
    return _numbered_events([(0, record) for record in records], op_id, json_items=False)


def _numbered_events(
    records: Sequence[tuple[int, PoliceUkRecord]], op_id: str, *, json_items: bool
) -> list[Search | Outcome]:
    seen: Counter[str] = Counter()
    events: list[Search | Outcome] = []
    for number, record in records:
        identity = record.identity()
        key = json.dumps(identity, sort_keys=True)
        digest = _digest(op_id, identity, seen[key])
        seen[key] += 1
        try:
            events.extend(_row_events(record, op_id, digest))
        except ValidationError as exc:
            if json_items:
                raise event_error(exc, item=number) from None
            raise event_error(exc, line=number) from None
    return events


def _row_events(record: PoliceUkRecord, op_id: str, digest: str) -> list[Search | Outcome]:
    subject_ref = _PERSON_PREFIX + digest
    search_id = _SEARCH_PREFIX + digest
    search = Search(
        event_id=search_id,
        op_id=op_id,
        grounds=GROUNDS_NOT_PUBLISHED,
        vrm_unknown=record.search_type.searches_vehicle,
        subject_ref=subject_ref if record.search_type.searches_person else None,
        **{name: getattr(record, name) for name in _SHARED_WITH_SEARCH},
    )
    if record.disposal is None:
        return [search]
    outcome = Outcome(
        event_id=_OUTCOME_PREFIX + digest,
        op_id=op_id,
        occurred_at=record.occurred_at,
        subject_ref=subject_ref,
        search_id=search_id,
        disposal=record.disposal,
        offences_unknown=record.disposal.needs_offences,
    )
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


def guess_from_file_name(name: str) -> tuple[str, str] | None:
    """``(force, "YYYY-MM")`` from a standard monthly file name, or ``None``.

    >>> guess_from_file_name("2020-01-city-of-london-stop-and-search.csv")
    ('city-of-london', '2020-01')
    >>> guess_from_file_name("metropolitan-2016-06-stop-and-search.csv")
    ('metropolitan', '2016-06')
    """
    for pattern in _FILE_NAMES:
        match = pattern.fullmatch(name)
        if match:
            return match.group("force"), match.group("month")
    return None


def _detect(text_start: str) -> Literal["csv", "json"]:
    return "json" if text_start.lstrip("\ufeff \t\r\n").startswith("[") else "csv"


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
    """
    text = read_source(source)
    label = source_name(source)
    fmt = _detect(text[:64]) if source_format == "auto" else source_format
    parse = _parse_json if fmt == "json" else _parse_csv
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
    result = log.extend(batch)
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
    for kind, prefix in (("search", _SEARCH_PREFIX), ("outcome", _OUTCOME_PREFIX)):
        for event in log.events(operation.op_id, kind):
            event_id = event.event_id
            if not event_id.startswith(prefix) or event_id in new_ids:
                continue
            month = event.occurred_at.astimezone(zone).strftime("%Y-%m")
            if month in months:
                stale.append((event_id, month))
    return stale


def event_error(
    exc: ValidationError, *, line: int | None = None, item: int | None = None
) -> SourceFormatError:
    """A pydantic error about a row's event, as a :class:`SourceFormatError` for its row."""
    problem = problems_of(exc)[0]
    field = next((p for p in problem.loc if isinstance(p, str)), "")
    column = _FIELD_COLUMN.get(field)
    if item is not None and column is not None:
        column = _JSON_FIELD[column]
    message = f"{where(line, item, column)}: {problem.message}"
    return SourceFormatError(message, line=line, item=item, column=column, code=problem.kind)


# --------------------------------------------------------------------------- exporting


@attrs.frozen
class PoliceUkExport:
    """What an export wrote: ``rows``, and the disposals written blank because the
    current vocabulary has no string for them (``blank_outcomes``: disposal -> rows)."""

    rows: int
    blank_outcomes: Mapping[str, int] = attrs.field(factory=dict)

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line per kind of disposal that could not be written."""
        return tuple(
            f"{n} outcome(s) {disposal} have no data.police.uk equivalent: Outcome left blank"
            for disposal, n in sorted(self.blank_outcomes.items())
        )


def police_uk_records(
    log: OpLog, op_id: str, *, include_children: bool = True
) -> list[PoliceUkRecord]:
    """The records of the searches of ``op_id`` (current view), in time order.

    A search's row shows the most serious of the outcomes naming it (arrest, summons,
    caution, PND, FPN, TOR, cannabis/khat warning, community resolution, words of advice,
    no further action). Coordinates are the search's own, else its site's.
    """
    op_ids = log.op_ids(op_id, include_children=include_children)
    sites: dict[tuple[str, str], tuple[float, float]] = {}
    for current in op_ids:
        for site in log.operation(current).sites:
            if site.latitude is not None and site.longitude is not None:
                sites[(current, site.site_id)] = (site.latitude, site.longitude)
    disposals: dict[str, Disposal] = {}
    rank = {d: i for i, d in enumerate(_SEVERITY)}
    for outcome in log.events(op_id, "outcome", include_children=include_children):
        assert isinstance(outcome, Outcome)
        if outcome.search_id is None:
            continue
        held = disposals.get(outcome.search_id)
        if held is None or rank[outcome.disposal] < rank[held]:
            disposals[outcome.search_id] = outcome.disposal
    records = []
    for search in log.events(op_id, "search", include_children=include_children):
        assert isinstance(search, Search)
        place = sites.get((search.op_id, search.site_id)) if search.site_id else None
        records.append(PoliceUkRecord.from_search(search, disposals.get(search.event_id), place))
    records.sort(key=lambda r: r.occurred_at)
    return records


def _date_text(record: PoliceUkRecord) -> str:
    moment = record.occurred_at.astimezone(UTC)
    if record.date_only:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _bool_text(value: bool | None) -> str:
    return "" if value is None else str(value)


def _coordinate_text(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def row_of(
    record: PoliceUkRecord,
    mapping: PoliceUkMapping = DEFAULT_MAPPING,
    blank: Counter[str] | None = None,
) -> list[str]:
    """The 15 cells of a record in the current vocabulary."""
    outcome = ""
    if record.disposal is not None:
        outcome = mapping.published("disposal", record.disposal)
        if not outcome and blank is not None:
            blank[record.disposal.value] += 1
    legislation = mapping.published("legislation", record.legislation)
    if record.legislation is Legislation.OTHER:
        legislation = record.legislation_text or ""
    object_of_search = mapping.published("object_of_search", record.object_of_search)
    if record.object_of_search is ObjectOfSearch.OTHER:
        object_of_search = record.object_of_search_text or ""

    def vocab(table: str, value: StrEnum | None) -> str:
        return "" if value is None else mapping.published(table, value)

    return [
        mapping.published("type", record.search_type),
        _date_text(record),
        _bool_text(record.part_of_policing_operation),
        record.policing_operation or "",
        _coordinate_text(record.latitude),
        _coordinate_text(record.longitude),
        vocab("gender", record.gender),
        vocab("age_range", record.age_range),
        vocab("self_defined_ethnicity", record.self_defined_ethnicity),
        vocab("officer_defined_ethnicity", record.officer_defined_ethnicity),
        legislation,
        object_of_search,
        outcome,
        _bool_text(record.outcome_linked_to_object),
        _bool_text(record.removal_of_more_than_outer_clothing),
    ]


def write_police_uk_csv(
    records: Iterable[PoliceUkRecord],
    out: IO[str],
    *,
    mapping: PoliceUkMapping = DEFAULT_MAPPING,
    newline: str = "\r\n",
) -> PoliceUkExport:
    """Write records as a data.police.uk CSV file (header included) to a text stream.

    ``newline`` ends each line: CRLF like the current data.police.uk files, or ``"\\n"``.
    """
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(HEADER)
    blank: Counter[str] = Counter()
    count = 0
    for record in records:
        writer.writerow(row_of(record, mapping, blank))
        count += 1
    return PoliceUkExport(rows=count, blank_outcomes=dict(blank))


def export_police_uk(
    log: OpLog,
    op_id: str,
    out: IO[str],
    *,
    include_children: bool = True,
    mapping: PoliceUkMapping = DEFAULT_MAPPING,
    newline: str = "\r\n",
) -> PoliceUkExport:
    """Write the searches of ``op_id`` (and, by default, its child operations) as a
    data.police.uk CSV file: current vocabulary, UTC dates, no plates or subject references.

    Open ``out`` with ``newline=""`` so that line endings are written as given.
    """
    records = police_uk_records(log, op_id, include_children=include_children)
    return write_police_uk_csv(records, out, mapping=mapping, newline=newline)
