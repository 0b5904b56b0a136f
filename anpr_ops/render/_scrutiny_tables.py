"""Scrutiny figures as named tables: the layout the Markdown, CSV and HTML renderings share.

Built from ``ScrutinyReport.to_dict()``, so every rendering shows the figures of the JSON.
Rows hold text and numbers only (counts, populations, rates per 1,000, ratios); nothing here
can hold a plate or a person.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from anpr_ops.scrutiny import OBJECT_GROUP_LABELS, ObjectGroup, ScrutinyReport
from anpr_ops.scrutiny._groups import legislation_label, officer_label, self_defined_label

__all__ = [
    "COUNT_COLUMNS",
    "COUNT_HEADERS",
    "SCRUTINY_TABLE_NAMES",
    "STATUS_LABELS",
    "ScrutinyCell",
    "ScrutinyTable",
    "fraction",
    "number",
    "ratio_text",
    "scrutiny_tables",
]

ScrutinyCell = str | int | float | None

#: The counts every row of a breakdown has, and how they read.
COUNT_COLUMNS: Final = (
    "searches",
    "arrests",
    "positive_outcomes",
    "linked_outcomes",
    "linked_known",
)
COUNT_HEADERS: Final = (
    "Searches",
    "Ending in arrest",
    "Other than no further action",
    "Outcome linked to object",
    "Link recorded",
)
#: How a rate's or ratio's status reads.
STATUS_LABELS: Final[Mapping[str, str]] = {
    "ok": "",
    "low_count": "few searches",
    "reference": "reference",
    "undefined": "not defined",
}
_GROUP_COLUMNS: Final = (
    "population",
    "rate_per_1000",
    "rate_status",
    "ratio_to_white",
    "ratio_low",
    "ratio_high",
    "ratio_status",
)
_GROUP_HEADERS: Final = (
    "Residents",
    "Searches per 1,000",
    "Rate flag",
    "Ratio to White",
    "Low",
    "High",
    "Ratio flag",
)


@attrs.frozen
class ScrutinyTable:
    """One table: ``name``, a title, machine column names, human headers, rows."""

    name: str
    title: str
    columns: tuple[str, ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[ScrutinyCell, ...], ...]
    measures: tuple[str, ...]
    """The columns holding figures (the others say what the row is)."""
    note: str = ""


def number(value: float | None) -> str:
    """A rate per 1,000 to three significant figures, in plain digits (``0.133``, ``185``)."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    places = max(0, min(6, 2 - math.floor(math.log10(abs(value)))))
    return f"{value:,.{places}f}"


def ratio_text(ratio: Mapping[str, Any]) -> str:
    """``3.22 (2.90 to 3.57)``, ``1.00 (reference)``, ``—`` (not defined); flagged ratios say
    so."""
    if ratio["value"] is None:
        return "—"
    text = f"{ratio['value']:.2f}"
    if ratio["low"] is not None and ratio["high"] is not None:
        text += f" ({ratio['low']:.2f} to {ratio['high']:.2f})"
    if ratio["status"] == "reference":
        text += " (reference)"
    elif ratio["status"] == "low_count":
        text += " [few searches]"
    return text


def fraction(rate: Mapping[str, int]) -> str:
    """``98 of 351 (28%)``: a rate as its two counts, with the share for reading."""
    num, den = rate["numerator"], rate["denominator"]
    return f"{num} of {den} ({100 * num / den:.0f}%)" if den else f"{num} of {den}"


def _counts(entry: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(int(entry[c]) for c in COUNT_COLUMNS)


def _object_label(key: str) -> str:
    return OBJECT_GROUP_LABELS[ObjectGroup(key)]


def _breakdown(
    name: str,
    title: str,
    key_header: str,
    entries: Mapping[str, Mapping[str, Any]],
    label: Callable[[str], str],
    *,
    group: Callable[[str], str] | None = None,
    note: str = "",
) -> ScrutinyTable:
    lead: tuple[str, ...] = ("group", "key", "label") if group else ("key", "label")
    heads: tuple[str, ...] = ("Group", key_header, "Name") if group else (key_header, "Name")
    rows = []
    for key, entry in entries.items():
        first: tuple[ScrutinyCell, ...] = (group(key),) if group else ()
        rows.append((*first, key, label(key), *_counts(entry)))
    return ScrutinyTable(
        name,
        title,
        (*lead, *COUNT_COLUMNS),
        (*heads, *COUNT_HEADERS),
        tuple(rows),
        COUNT_COLUMNS,
        note,
    )


def _nested(
    name: str,
    title: str,
    key_header: str,
    outer: Mapping[str, Mapping[str, Any]],
    inner: str,
    outer_label: Callable[[str], str],
    label: Callable[[str], str],
) -> ScrutinyTable:
    rows = []
    for group, entry in outer.items():
        for key, cell in entry[inner].items():
            rows.append((group, outer_label(group), key, label(key), *_counts(cell)))
    return ScrutinyTable(
        name,
        title,
        ("group", "group_label", "key", "label", *COUNT_COLUMNS),
        ("Group", "Group name", key_header, "Name", *COUNT_HEADERS),
        tuple(rows),
        COUNT_COLUMNS,
        "Find rate: outcome linked to object out of searches; arrest rate: ending in arrest "
        "out of searches.",
    )


def scrutiny_tables(source: ScrutinyReport | Mapping[str, Any]) -> list[ScrutinyTable]:
    """Every table of the figures, in reading order (empty ones included, without rows)."""
    data = source.to_dict() if isinstance(source, ScrutinyReport) else source
    groups: Mapping[str, Mapping[str, Any]] = data["groups"]
    group_label = {key: entry["label"] for key, entry in groups.items()}.__getitem__
    total = data["total"]
    group_rows = []
    for key, entry in {**groups, "total": {**total, "label": "All searches"}}.items():
        ratio = entry.get("ratio_to_white") or {}
        group_rows.append(
            (
                key,
                entry["label"],
                *_counts(entry),
                entry["population"],
                entry["rate_per_1000"],
                entry["rate_status"],
                ratio.get("value"),
                ratio.get("low"),
                ratio.get("high"),
                ratio.get("status"),
            )
        )
    confidence = round(100 * data["method"]["confidence"])
    return [
        ScrutinyTable(
            "groups",
            "Searches by self-defined ethnic group (Census 2021 top-level groups)",
            ("key", "label", *COUNT_COLUMNS, *_GROUP_COLUMNS),
            ("Group", "Name", *COUNT_HEADERS, *_GROUP_HEADERS),
            tuple(group_rows),
            (
                *COUNT_COLUMNS,
                "population",
                "rate_per_1000",
                "ratio_to_white",
                "ratio_low",
                "ratio_high",
            ),
            f"Ratio to White: the group's searches per 1,000 residents over the White group's, "
            f"with a {confidence}% interval (low, high). Not stated has no population.",
        ),
        _nested(
            "groups_by_legislation",
            "By group and power",
            "Power",
            groups,
            "by_legislation",
            group_label,
            legislation_label,
        ),
        _nested(
            "groups_by_object",
            "By group and object of search",
            "Object",
            groups,
            "by_object",
            group_label,
            _object_label,
        ),
        _breakdown(
            "self_defined",
            "By self-defined ethnicity",
            "Code",
            data["self_defined"],
            self_defined_label,
            group=lambda code: str(data["self_defined"][code]["group"]),
        ),
        _breakdown(
            "officer_defined",
            "By officer-defined ethnicity",
            "Group",
            data["officer_defined"],
            officer_label,
            note="As the officer perceived it; there is no population by perceived ethnicity, "
            "so no rate per 1,000 or ratio.",
        ),
        _nested(
            "officer_by_legislation",
            "By officer-defined ethnicity and power",
            "Power",
            data["officer_defined"],
            "by_legislation",
            officer_label,
            legislation_label,
        ),
        _nested(
            "officer_by_object",
            "By officer-defined ethnicity and object of search",
            "Object",
            data["officer_defined"],
            "by_object",
            officer_label,
            _object_label,
        ),
        _breakdown(
            "by_legislation", "By power", "Power", data["by_legislation"], legislation_label
        ),
        _breakdown("by_object", "By object of search", "Object", data["by_object"], _object_label),
        ScrutinyTable(
            "drug_searches",
            "Searches for controlled drugs",
            ("key", "label", "numerator", "denominator"),
            ("Figure", "What it measures", "Numerator", "Denominator"),
            tuple(
                (key, _DRUG_LABELS[key], value["numerator"], value["denominator"])
                for key, value in data["drug_searches"].items()
                if isinstance(value, Mapping)
            ),
            ("numerator", "denominator"),
            "Possession only or supply, as the search record says (drug_grounds); searches "
            "that do not say count as grounds not stated.",
        ),
    ]


_DRUG_LABELS: Final = {
    "possession_only": "Drug searches on possession-only grounds",
    "possession_only_of_recorded": "Possession only, of the drug searches with grounds recorded",
    "grounds_recorded": "Drug searches whose grounds (possession or supply) are recorded",
    "share_of_all_searches": "Searches that were for controlled drugs",
}

#: The names of the tables, in order (the ``table`` column of the long CSV).
SCRUTINY_TABLE_NAMES: Final = (
    "groups",
    "groups_by_legislation",
    "groups_by_object",
    "self_defined",
    "officer_defined",
    "officer_by_legislation",
    "officer_by_object",
    "by_legislation",
    "by_object",
    "drug_searches",
)
