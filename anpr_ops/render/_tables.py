"""A report as named tables: the one layout the Markdown, CSV and HTML renderings share.

Each table has machine column names (the CSV header) and human headers (Markdown, HTML);
rows hold strings and integers only. Keys are the vocabulary strings of ``to_dict()``; labels
are for display. Nothing here can hold a plate or a person: a report has neither.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

import attrs

from anpr_ops.offences import CATEGORY_LABELS, GROUP_PHRASES, builtin_catalogue
from anpr_ops.report import (
    NO_SITE,
    NOT_RECORDED,
    TOTALS_KEYS,
    UNKNOWN,
    OpReport,
)
from anpr_ops.vocab import (
    LABELS,
    Disposal,
    DrugClass,
    HitReason,
    Hotlist,
    Legislation,
    ObjectOfSearch,
    SearchType,
    SeizureItem,
    SelfDefinedEthnicity,
    WeaponType,
)

__all__ = [
    "RATE_LABELS",
    "TABLE_NAMES",
    "TOTAL_LABELS",
    "Cell",
    "Heading",
    "Table",
    "beside_funnel",
    "describe",
    "funnel",
    "key_label",
    "report_tables",
    "site_names",
]

Cell = str | int | None

#: How each key of ``totals`` reads.
TOTAL_LABELS: Final[Mapping[str, str]] = {
    "anpr_hits": "ANPR hits",
    "vehicle_stops": "Vehicles stopped",
    "hit_led_stops": "Stops after an ANPR hit",
    "searches": "Searches",
    "arrests": "Arrests",
    "people_arrested": "People arrested",
    "offences": "Offences named on outcomes",
    "seizures": "Seizures",
    "weapon_sweeps": "Weapon sweeps",
    "arrest_enquiries": "Arrest enquiries",
    "wanted_located": "Wanted people located",
    "wanted_arrested": "Wanted people arrested",
    "high_harm_arrested": "High-harm wanted people arrested",
    "corrections": "Corrections to the record",
    "outcomes": "Outcomes (every disposal)",
    "patrols": "High-visibility patrols",
}

# Short headers for the tables with a column per total (by site, hour, operation).
_SHORT: Final[Mapping[str, str]] = {
    "anpr_hits": "Hits",
    "vehicle_stops": "Stops",
    "hit_led_stops": "Stops after a hit",
    "searches": "Searches",
    "arrests": "Arrests",
    "people_arrested": "People arrested",
    "offences": "Offences",
    "seizures": "Seizures",
    "weapon_sweeps": "Sweeps",
    "arrest_enquiries": "Enquiries",
    "wanted_located": "Wanted located",
    "wanted_arrested": "Wanted arrested",
    "high_harm_arrested": "High-harm arrested",
    "corrections": "Corrections",
    "outcomes": "Outcomes",
    "patrols": "Patrols",
}

#: How each rate reads: "<numerator> of <denominator> <label>".
RATE_LABELS: Final[Mapping[str, str]] = {
    "arrest_rate": "Searches that ended in an arrest",
    "positive_outcome_rate": "Searches with an outcome other than no further action",
    "linked_outcome_rate": "Searches whose outcome was linked to the object searched for "
    "(of those where it was recorded)",
    "hit_stop_rate": "ANPR hits that led to a stop",
    "stop_search_rate": "Vehicle stops that led to a search",
    "hit_stop_search_rate": "Stops after an ANPR hit that led to a search",
    "hit_stop_positive_rate": "Stops after an ANPR hit with an outcome other than no further "
    "action (on the stop or a search of it)",
    "hit_stop_arrest_rate": "Stops after an ANPR hit with an arrest (on the stop or a search "
    "of it)",
}

_SOURCE_LABELS: Final = {
    "search": "After a search",
    "stop": "After a vehicle stop",
    "enquiry": "Arrest enquiry",
    "none": "Not recorded",
}
_MISSING_LABELS: Final = {
    NOT_RECORDED: "Not recorded",
    UNKNOWN: "Not recorded",
    NO_SITE: "No site",
}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(text: str) -> str:
    """A label inside a sentence: its first letter in lower case, unless it starts a word in
    capitals ("ANPR hits" stays as it is)."""
    if text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def _vocab(enum: type[StrEnum]) -> Callable[[str], str]:
    labels = LABELS[enum]

    def label(key: str) -> str:
        try:
            return labels[enum(key)]
        except ValueError:
            return _MISSING_LABELS.get(key, key)

    return label


def _phrases(phrases: Mapping[str, str]) -> Callable[[str], str]:
    def label(key: str) -> str:
        return _capital(phrases.get(key, _MISSING_LABELS.get(key, key)))

    return label


def _offence_title(code: str) -> str:
    offence = builtin_catalogue().get(code)
    # A code the log itself defines is not in the packaged catalogue: show the code alone.
    return offence.title if offence is not None else ""


_category = _phrases(CATEGORY_LABELS)  # the labels the Datasette views show

# breakdown key -> (title, what it sums to, label of a key)
_BREAKDOWNS: Final[dict[str, tuple[str, str, Callable[[str], str]]]] = {
    "arrests_by_category": ("Arrests by primary offence category", "arrests", _category),
    "arrests_by_group": (
        "Arrests by offence group",
        "arrests",
        _phrases({str(k): v for k, v in GROUP_PHRASES.items()}),
    ),
    "arrests_by_source": ("Arrests by what led to them", "arrests", _SOURCE_LABELS.__getitem__),
    "offences_by_code": ("Offences by code", "offences", _offence_title),
    "offences_by_category": ("Offences by category", "offences", _category),
    "disposals": ("Outcomes by disposal", "outcomes", _vocab(Disposal)),
    "hits_by_reason": (
        "ANPR hits by reason (a hit with two reasons counts under both)",
        "",
        _vocab(HitReason),
    ),
    "hits_by_hotlist": ("ANPR hits by list", "anpr_hits", _vocab(Hotlist)),
    "searches_by_legislation": ("Searches by power", "searches", _vocab(Legislation)),
    "searches_by_object": ("Searches by object of search", "searches", _vocab(ObjectOfSearch)),
    "searches_by_type": ("Searches by type", "searches", _vocab(SearchType)),
    "searches_by_ethnicity": (
        "Searches by self-defined ethnicity",
        "searches",
        _vocab(SelfDefinedEthnicity),
    ),
    "seizures_by_item": ("Seizures by item", "seizures", _vocab(SeizureItem)),
    "drug_seizures_by_class": ("Drug seizures by class", "", _vocab(DrugClass)),
    "weapons_by_type": ("Weapons seized by type", "", _vocab(WeaponType)),
    "wanted_arrested_by_category": (
        "Wanted people arrested, by what they were wanted for",
        "wanted_arrested",
        _category,
    ),
}

_ETHNICITY_COLUMNS: Final = ("searches", "arrests", "positive_outcomes", "linked", "linked_known")
_ETHNICITY_HEADERS: Final = (
    "Searches",
    "Ending in arrest",
    "Other than no further action",
    "Outcome linked to object",
    "Linked recorded",
)


def key_label(breakdown: str) -> Callable[[str], str]:
    """How the keys of breakdown ``breakdown`` (``arrests_by_category``, …) read."""
    entry = _BREAKDOWNS.get(breakdown)
    return entry[2] if entry is not None else str


@attrs.frozen
class Table:
    """One table of a report: ``name`` (as in ``to_dict()``), a title, columns and rows."""

    name: str
    title: str
    columns: tuple[str, ...]
    """Machine names: the CSV header."""
    headers: tuple[str, ...]
    """Human headers, one per column."""
    rows: tuple[tuple[Cell, ...], ...]
    measures: tuple[str, ...] = ("count",)
    """The columns holding figures (the rest describe the row)."""
    note: str = ""
    show_key: bool = False
    """Whether people need the ``key`` column too (offence codes, ethnicity codes), or the
    label says it all."""

    def shown(self) -> list[tuple[str, str, bool]]:
        """(column, header, is a figure) of the columns shown to people."""
        return [
            (column, header, column in self.measures)
            for column, header in zip(self.columns, self.headers, strict=True)
            if column != "key" or self.show_key
        ]

    def shown_rows(self) -> list[tuple[Cell, ...]]:
        """The rows, with the cells of :meth:`shown` only."""
        keep = [column != "key" or self.show_key for column in self.columns]
        return [tuple(c for c, k in zip(row, keep, strict=True) if k) for row in self.rows]


@attrs.frozen
class Heading:
    """What a report is about, for the top of a document."""

    title: str
    lines: tuple[str, ...]


def _data(source: OpReport | Mapping[str, Any]) -> Mapping[str, Any]:
    return source.to_dict() if isinstance(source, OpReport) else source


# Keys of to_dict() that are not breakdowns of one vocabulary.
_STRUCTURE: Final = frozenset(
    {"period", "totals", "by_site", "by_hour", "by_operation", "rates", "operations"}
)


def describe(source: OpReport | Mapping[str, Any]) -> Heading:
    """The title (the operation's name) and lines saying what the report covers, from a
    report or its ``to_dict()``."""
    data = _data(source)
    operations = data["operations"]
    roots = [op_id for op_id in operations if op_id not in data["children"]]
    title = data["name"] or " + ".join(operations[r]["name"] for r in roots) or "Empty report"
    lines = [
        "Operation: " + ", ".join(f"{operations[r]['name']} ({r})" for r in roots)
        if roots
        else "Operation: none"
    ]
    if data["children"]:
        lines.append(
            "Including: " + ", ".join(f"{operations[c]['name']} ({c})" for c in data["children"])
        )
    lines.append("Period: " + _period(data["period"]["start"], data["period"]["end"]))
    lines.append(f"Times: local time, {data['timezone'] or 'UTC'}")
    if data["site_filter"] is not None:
        names = site_names(data)
        lines.append("Only at: " + ", ".join(names.get(s, s) for s in data["site_filter"]))
    return Heading(title, tuple(lines))


def _day(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def _period(start: str | None, end: str | None) -> str:
    if start is None and end is None:
        return "all recorded events"
    first = datetime.fromisoformat(start) if start else None
    last = datetime.fromisoformat(end) if end else None
    if first and last and first.date() == last.date():
        return f"{_day(first)}, {first:%H:%M} to {last:%H:%M}"
    since = f"{_day(first)} {first:%H:%M}" if first else "the first event"
    until = f"{_day(last)} {last:%H:%M}" if last else "open"
    return f"{since} to {until}"


def site_names(data: Mapping[str, Any]) -> dict[str, str]:
    """site_id → the site's name, over every operation of a report's ``to_dict()``."""
    names = {NO_SITE: _MISSING_LABELS[NO_SITE]}
    for operation in data["operations"].values():
        for site_id, name in operation["sites"].items():
            names.setdefault(site_id, name)
    return names


def hour_label(key: str) -> str:
    """``2020-04-18T09:00+01:00`` → ``18 Apr 09:00 (+01:00)``."""
    moment = datetime.fromisoformat(key)
    return f"{moment.day} {moment:%b %H:%M} ({key[16:]})"


def funnel(data: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """The ANPR funnel, from ANPR work only: (key, label, count) for hits → stops after a hit
    → those with a positive outcome → those with an arrest. Each stage after the first counts
    stops, so none is larger than the one before (save two stops after one hit)."""
    totals, rates = data["totals"], data["rates"]
    return [
        ("anpr_hits", "ANPR hits", totals["anpr_hits"]),
        ("hit_led_stops", "Stops after a hit", totals["hit_led_stops"]),
        (
            "hit_led_stops_positive",
            "…with a positive outcome",
            rates["hit_stop_positive_rate"]["numerator"],
        ),
        ("hit_led_stops_arrested", "…with an arrest", rates["hit_stop_arrest_rate"]["numerator"]),
    ]


def beside_funnel(data: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """What the ANPR funnel leaves out, to show beside it: (key, label, count), zeros left
    out. The stops after a hit that were searched, then the operation's other work."""
    totals, rates = data["totals"], data["rates"]
    rows = [
        (
            "hit_led_stops_searched",
            "Stops after a hit that led to a search",
            rates["hit_stop_search_rate"]["numerator"],
        ),
        (
            "stops_without_hit",
            "Vehicle stops without a hit",
            totals["vehicle_stops"] - totals["hit_led_stops"],
        ),
        ("searches", "Searches, all", totals["searches"]),
        ("arrests", "Arrests, all", totals["arrests"]),
        *(
            (key, TOTAL_LABELS[key], totals[key])
            for key in ("wanted_arrested", "seizures", "weapon_sweeps", "patrols")
        ),
    ]
    return [row for row in rows if row[2]]


def _totals_table(
    name: str,
    title: str,
    key_header: str,
    items: Mapping[str, Mapping[str, int]],
    label: Callable[[str], str],
) -> Table:
    return Table(
        name,
        title,
        ("key", "label", *TOTALS_KEYS),
        (key_header, "Name", *(_SHORT.get(k, TOTAL_LABELS[k]) for k in TOTALS_KEYS)),
        tuple((key, label(key), *(row[k] for k in TOTALS_KEYS)) for key, row in items.items()),
        measures=TOTALS_KEYS,
    )


def report_tables(source: OpReport | Mapping[str, Any]) -> list[Table]:
    """Every table of the report, in reading order (empty breakdowns included, with no rows).

    Built from ``report.to_dict()``, the documented schema, so that every rendering shows
    the same figures as the JSON.
    """
    data = _data(source)
    totals = data["totals"]
    tables = [
        Table(
            "totals",
            "Totals",
            ("key", "label", "count"),
            ("Figure", "What it counts", "Count"),
            tuple((k, TOTAL_LABELS[k], totals[k]) for k in TOTALS_KEYS),
        ),
        Table(
            "funnel",
            "From ANPR hit to arrest",
            ("key", "label", "count"),
            ("Stage", "What it counts", "Count"),
            tuple(funnel(data)),
            note="From ANPR work only, stop by stop: a stop counts once however many people "
            "were arrested, and an outcome of a search of the stopped vehicle or its occupants "
            "counts for the stop. Every arrest, also those after stops without a hit, after "
            "searches without a stop and of wanted people, is in the totals.",
        ),
        Table(
            "rates",
            "Rates",
            ("key", "label", "numerator", "denominator"),
            ("Rate", "What it measures", "Numerator", "Denominator"),
            tuple(
                (name, RATE_LABELS.get(name, name), rate["numerator"], rate["denominator"])
                for name, rate in data["rates"].items()
            ),
            measures=("numerator", "denominator"),
        ),
    ]
    names = {op_id: op["name"] for op_id, op in data["operations"].items()}
    sites = site_names(data)
    tables += [
        _totals_table(
            "by_operation", "By operation", "Operation", data["by_operation"], names.__getitem__
        ),
        _totals_table("by_site", "By site", "Site", data["by_site"], sites.__getitem__),
        _totals_table(
            "by_hour",
            f"By local hour ({data['timezone'] or 'UTC'})",
            "Hour",
            data["by_hour"],
            hour_label,
        ),
    ]
    breakdowns = [k for k, v in data.items() if isinstance(v, dict) and k not in _STRUCTURE]
    for name in breakdowns:
        counts = data[name]
        title, sums_to, label = _BREAKDOWNS.get(
            name, (name.replace("_", " ").capitalize(), "", str)
        )
        note = f"Sums to the {_lower(TOTAL_LABELS[sums_to])}." if sums_to else ""
        if name == "searches_by_ethnicity":
            tables.append(
                Table(
                    name,
                    title,
                    ("key", "label", *_ETHNICITY_COLUMNS),
                    ("Code", "Self-defined ethnicity", *_ETHNICITY_HEADERS),
                    tuple(
                        (key, label(key), *(value[c] for c in _ETHNICITY_COLUMNS))
                        for key, value in counts.items()
                    ),
                    measures=_ETHNICITY_COLUMNS,
                    note=note,
                    show_key=True,
                )
            )
        else:
            tables.append(
                Table(
                    name,
                    title,
                    ("key", "label", "count"),
                    ("Code", "Meaning", "Count"),
                    tuple((key, label(key), n) for key, n in counts.items()),
                    note=note,
                    show_key=name == "offences_by_code",
                )
            )
    return tables


#: The names of the tables, in order (``anpr-ops report --format csv --table NAME``).
TABLE_NAMES: Final = tuple(t.name for t in report_tables(OpReport.empty()))
