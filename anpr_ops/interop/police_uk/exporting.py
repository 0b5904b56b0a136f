"""Exporting to data.police.uk: the record of each search (with the most serious of its
outcomes), the CSV file in the current vocabulary, and :func:`export_police_uk`.

Export writes the 15 columns in their order, ``Date`` in UTC with ``+00:00`` and coordinates
to six decimals; never a plate, a subject reference, an officer, grounds or notes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC
from enum import StrEnum
from typing import IO

import attrs

from anpr_ops import _csv
from anpr_ops.events import Outcome, Search
from anpr_ops.interop.police_uk.record import HEADER, PoliceUkRecord
from anpr_ops.interop.police_uk.vocabulary import DEFAULT_MAPPING, PoliceUkMapping
from anpr_ops.store import OpLog
from anpr_ops.vocab import Disposal, Legislation, ObjectOfSearch
from anpr_ops.vrm import mask_plates_in_text

__all__ = [
    "PoliceUkExport",
    "export_police_uk",
    "police_uk_records",
    "row_of",
    "write_police_uk_csv",
]

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
    Disposal.ARTICLE_FOUND,
    Disposal.NO_FURTHER_ACTION,
)


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
    article found, no further action). Coordinates are the search's own, else its site's.
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
        legislation = mask_plates_in_text(record.legislation_text or "")
    object_of_search = mapping.published("object_of_search", record.object_of_search)
    if record.object_of_search is ObjectOfSearch.OTHER:
        object_of_search = mask_plates_in_text(record.object_of_search_text or "")

    def vocab(table: str, value: StrEnum | None) -> str:
        return "" if value is None else mapping.published(table, value)

    return [
        mapping.published("type", record.search_type),
        _date_text(record),
        _bool_text(record.part_of_policing_operation),
        mask_plates_in_text(record.policing_operation or ""),
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

    ``newline`` ends each line: CRLF like the current data.police.uk files, or ``"\\n"``. The
    file is meant for publication and opened in spreadsheets: a cell that would start a formula
    (a policing operation's name such as ``=HYPERLINK(…)``, a power kept as the source wrote
    it) starts with ``'`` (:func:`anpr_ops._csv.safe_cell`); numbers are written as they are.
    """
    writer = _csv.writer(out, lineterminator=newline)
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
