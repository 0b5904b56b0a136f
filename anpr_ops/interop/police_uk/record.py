"""One published row, as the event vocabulary sees it: the columns of the file, the record
that import reads and export writes, and what reading a file gives.

This is the bottom of :mod:`anpr_ops.interop.police_uk`: it knows the 15 columns and the event
fields they stand for, and nothing about reading, importing or exporting.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs

from anpr_ops.events import Search, format_utc
from anpr_ops.interop._source import RejectedRow
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
    "FIELD_COLUMN",
    "GROUNDS_NOT_PUBLISHED",
    "HEADER",
    "HEADER_LINE",
    "JSON_FIELD",
    "SHARED_WITH_SEARCH",
    "PoliceUkRecord",
    "PoliceUkRows",
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

#: The API's JSON field for each CSV column (for messages about JSON items).
JSON_FIELD = {
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
#: The column each Search/Outcome field comes from, to name it when an event is refused.
FIELD_COLUMN = {
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


@attrs.frozen
class PoliceUkRecord:
    """One data.police.uk row in the event vocabulary: what import reads and export writes.

    ``legislation``/``object_of_search`` are ``other`` for strings without a code of their
    own (the text is then kept in ``legislation_text``/``object_of_search_text``) and
    ``not_recorded`` for a blank cell. ``disposal`` is ``None`` for a blank outcome.
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
    legislation: Legislation = Legislation.NOT_RECORDED
    legislation_text: str | None = None
    object_of_search: ObjectOfSearch = ObjectOfSearch.NOT_RECORDED
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
        shared = {name: getattr(search, name) for name in SHARED_WITH_SEARCH}
        if shared["latitude"] is None and site is not None:
            shared["latitude"], shared["longitude"] = site
        return cls(disposal=disposal, **shared)


#: The fields a published row and a ``search`` event hold alike, in both directions (every
#: field of a record but ``disposal``, which is the search's outcome).
SHARED_WITH_SEARCH: tuple[str, ...] = tuple(
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
