"""Reading data.police.uk files: the monthly CSV files (either vocabulary) and the API's JSON,
cell by cell, into :class:`~anpr_ops.interop.police_uk.record.PoliceUkRecord` values.

Nothing here touches a log. A bad cell is a :class:`~anpr_ops.errors.SourceFormatError` that
carries its ``line`` (CSV) or ``item`` (JSON), its ``column`` (or JSON field) and a stable
``code``; with ``skip_invalid`` the row is kept aside as a
:class:`~anpr_ops.interop.RejectedRow` with the same context instead.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal, TypeVar

from anpr_ops._csv import read_cell
from anpr_ops._time import TimeFormatError, parse_aware
from anpr_ops.errors import SourceFormatError
from anpr_ops.interop._source import (
    Progress,
    RejectedRow,
    Source,
    read_source,
    shown,
    source_name,
    where,
)
from anpr_ops.interop.police_uk.record import HEADER, JSON_FIELD, PoliceUkRecord, PoliceUkRows
from anpr_ops.interop.police_uk.vocabulary import DEFAULT_MAPPING, PoliceUkMapping
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
    "detect_format",
    "guess_from_file_name",
    "parse_csv",
    "parse_json",
    "read_police_uk_csv",
    "read_police_uk_json",
]

_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Standard monthly file names: 2020-01-city-of-london-stop-and-search.csv (as in the archive)
# and city-of-london-2020-01-stop-and-search.csv (as some mirrors save them).
_FILE_NAMES = (
    re.compile(r"(?P<month>[0-9]{4}-[0-9]{2})-(?P<force>[a-z0-9-]+?)-stop-and-search(?:\..*)?"),
    re.compile(r"(?P<force>[a-z0-9-]+?)-(?P<month>[0-9]{4}-[0-9]{2})-stop-and-search(?:\..*)?"),
)


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


def detect_format(text_start: str) -> Literal["csv", "json"]:
    """``"json"`` when a file's first characters open a JSON array, else ``"csv"``."""
    return "json" if text_start.lstrip("\ufeff \t\r\n").startswith("[") else "csv"


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
            return parse_aware(text), False
        except TimeFormatError as exc:
            if exc.code == "naive_date":
                message = (
                    f"{shown(text)} has no UTC offset; expected e.g. 2020-01-31T23:05:00+00:00 "
                    "(a time without an offset is ambiguous)"
                )
            else:
                message = (
                    f"{shown(text)} is not a date-time; expected e.g. 2020-01-31T23:05:00+00:00 "
                    "or a date alone (2020-01-31)"
                )
            raise _CellError(column, exc.code, message) from exc

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
        # A blank cell is a power or object the force did not record: not "other", which is
        # a power or object without a code of its own.
        legislation = self.vocab("Legislation", legislation_cell) or Legislation.NOT_RECORDED
        object_cell = cells["Object of search"]
        object_of_search = (
            self.vocab("Object of search", object_cell) or ObjectOfSearch.NOT_RECORDED
        )
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
    return parse_csv(read_source(source), source_name(source), mapping, skip_invalid, progress)


def parse_csv(
    text: str,
    name: str,
    mapping: PoliceUkMapping,
    skip_invalid: bool,
    progress: Progress | None,
) -> PoliceUkRows:
    """:func:`read_police_uk_csv` of text already read; ``name`` names the file in messages."""
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
            read = [read_cell(cell) for cell in cells]  # a file this project wrote reads back
            records.append((line, reader_.record(dict(zip(HEADER, read, strict=True)))))
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
    return parse_json(read_source(source), source_name(source), mapping, skip_invalid, progress)


def parse_json(
    text: str,
    name: str,
    mapping: PoliceUkMapping,
    skip_invalid: bool,
    progress: Progress | None,
) -> PoliceUkRows:
    """:func:`read_police_uk_json` of text already read; ``name`` names the file in messages."""
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
            field = JSON_FIELD.get(exc.column, exc.column) or None
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
