"""Renderings of scrutiny figures: text, Markdown, JSON, CSV and HTML (fragment and page).

Every rendering is built from ``ScrutinyReport.to_dict()``: counts, populations, rates and
ratios, never a plate or a person. The CSV is one long table
(``table,group,key,label,measure,value,flag``) whose cells pass through
:func:`anpr_ops._csv.safe_cell`. The HTML fragment is one ``<section id="scrutiny">`` with
tables (and, on request, inline SVG charts), no script and no external reference; the page
wraps it with the report page's style and Content-Security-Policy.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from html import escape
from typing import Any, Final

from anpr_ops import _csv
from anpr_ops._version import __version__
from anpr_ops.errors import ReportError
from anpr_ops.render import _svg
from anpr_ops.render._html import _CSP, _CSS
from anpr_ops.render._scrutiny_tables import (
    STATUS_LABELS,
    ScrutinyTable,
    fraction,
    number,
    ratio_text,
    scrutiny_tables,
)
from anpr_ops.scrutiny import SCRUTINY_VERSION, ScrutinyReport

__all__ = [
    "SCRUTINY_CHART_IDS",
    "SCRUTINY_CSV_COLUMNS",
    "SCRUTINY_FORMATS",
    "render_scrutiny",
    "scrutiny_csv",
    "scrutiny_html",
    "scrutiny_html_section",
    "scrutiny_json",
    "scrutiny_markdown",
    "scrutiny_text",
]

#: The formats :func:`render_scrutiny` knows.
SCRUTINY_FORMATS: Final = ("text", "markdown", "json", "csv", "html")
#: The header of the long CSV.
SCRUTINY_CSV_COLUMNS: Final = ("table", "group", "key", "label", "measure", "value", "flag")

_SHORT: Final = {
    "asian": "Asian",
    "black": "Black",
    "mixed": "Mixed",
    "white": "White",
    "other": "Other",
    "not_stated": "Not stated",
    "total": "All searches",
}
_OFFICER: Final = {
    "white": "White",
    "black": "Black",
    "asian": "Asian",
    "mixed": "Mixed",
    "other": "Other",
    "not_recorded": "Not recorded",
}


def render_scrutiny(report: ScrutinyReport, fmt: str) -> str:
    """``report`` in format ``fmt`` (one of :data:`SCRUTINY_FORMATS`), ending in a newline."""
    if fmt == "text":
        return scrutiny_text(report)
    if fmt == "markdown":
        return scrutiny_markdown(report)
    if fmt == "json":
        return scrutiny_json(report)
    if fmt == "csv":
        return scrutiny_csv(report)
    if fmt == "html":
        return scrutiny_html(report)
    message = f"unknown format {fmt!r}; expected one of {', '.join(SCRUTINY_FORMATS)}"
    raise ReportError(message, code="unknown_format")


# --------------------------------------------------------------------------- words


def _title(data: Mapping[str, Any]) -> str:
    if data["name"] and data["op_id"]:
        return f"Scrutiny figures: {data['name']} ({data['op_id']})"
    return "Scrutiny figures"


def _about(data: Mapping[str, Any]) -> list[str]:
    """Lines saying whose searches these are and what they are divided by."""
    forces = ", ".join(data["forces"]) or "none"
    population = data["population"]
    lines = [f"Force: {forces}."]
    if population["total"] is not None:
        areas = "; ".join(f"{a['name']}, {a['total']:,}" for a in population["areas"])
        lines.append(f"Residents: {population['source']} ({areas}).")
        lines.append(
            "Residents are the people who live in the area, not those present: where many "
            "people come to work, visit or go out (the City of London above all), searches "
            "per 1,000 residents read high."
        )
    else:
        lines.append("Residents: none for this area, so no rates per 1,000 or ratios.")
    method = data["method"]
    lines.append(
        f"Ratio to White: a group's searches per 1,000 residents over the White group's, with a "
        f"{round(100 * method['confidence'])}% interval exp(ln R ± z·√(1/a + 1/b)); flagged "
        f"'few searches' below {method['min_searches']} searches in either group."
    )
    return lines


def _columns(rows: list[list[str]], numeric: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
    return out


def scrutiny_text(report: ScrutinyReport) -> str:
    """A plain-text summary: the groups with their rates and ratios, officer-defined
    ethnicity, objects of search, and the notes that qualify them."""
    data = report.to_dict()
    lines = [_title(data), *_about(data), ""]
    rows = [
        ["Self-defined group", "Searches", "Arrests", "Find rate", "Per 1,000", "Ratio to White"]
    ]
    for key, entry in {**data["groups"], "total": data["total"]}.items():
        rate = number(entry["rate_per_1000"])
        if entry["rate_status"] == "low_count":
            rate += " [few searches]"
        ratio = ratio_text(entry["ratio_to_white"]) if key != "total" else ""
        rows.append(
            [
                _SHORT[key],
                str(entry["searches"]),
                str(entry["arrests"]),
                fraction(entry["rates"]["find_rate"]),
                rate,
                ratio,
            ]
        )
    lines += [*_columns(rows, {1, 2}), ""]
    rows = [["Officer-defined", "Searches", "Arrests", "Find rate"]]
    for key, entry in data["officer_defined"].items():
        rows.append(
            [
                _OFFICER.get(key, key),
                str(entry["searches"]),
                str(entry["arrests"]),
                fraction(entry["rates"]["find_rate"]),
            ]
        )
    if len(rows) > 1:
        lines += [*_columns(rows, {1, 2}), ""]
    rows = [["Object of search", "Searches", "Arrests", "Find rate"]]
    tables = {t.name: t for t in scrutiny_tables(data)}
    for key, label, *counts in tables["by_object"].rows:
        entry = data["by_object"][str(key)]
        rows.append(
            [str(label), str(counts[0]), str(counts[1]), fraction(entry["rates"]["find_rate"])]
        )
    lines += [*_columns(rows, {1, 2}), ""]
    if data["notes"]:
        lines += ["Notes:", *(f"- {note}" for note in data["notes"])]
    return "\n".join(lines).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- markdown


def _inline(text: str) -> str:
    text = " ".join(text.split())
    for char in "\\|*_`[]<>":
        text = text.replace(char, "\\" + char)
    return text


def _shown(value: Any, column: str) -> str:
    if value is None:
        return "—" if column in {"population", "rate_per_1000", "ratio_to_white"} else ""
    if column == "rate_per_1000":
        return number(float(value))
    if column in {"ratio_to_white", "ratio_low", "ratio_high"}:
        return f"{float(value):.2f}"
    if column in {"rate_status", "ratio_status"}:
        return STATUS_LABELS.get(str(value), str(value))
    if column == "population":
        return f"{int(value):,}"
    return str(value)


def scrutiny_markdown(report: ScrutinyReport) -> str:
    """A Markdown document: what the figures cover, notes, then every non-empty table."""
    data = report.to_dict()
    parts = [f"# {_inline(_title(data))}", ""]
    parts += [f"- {_inline(line)}" for line in _about(data)]
    parts.append("")
    if data["notes"]:
        parts += ["## Notes", "", *(f"- {_inline(note)}" for note in data["notes"]), ""]
    for table in scrutiny_tables(data):
        if not table.rows:
            continue
        parts += [f"## {_inline(table.title)}", ""]
        measures = set(table.measures) | {"rate_status", "ratio_status"}
        parts.append("| " + " | ".join(_inline(h) for h in table.headers) + " |")
        parts.append("|" + "|".join("--:" if c in measures else "---" for c in table.columns) + "|")
        for row in table.rows:
            cells = [_inline(_shown(v, c)) for c, v in zip(table.columns, row, strict=True)]
            parts.append("| " + " | ".join(cells) + " |")
        parts.append("")
        if table.note:
            parts += [_inline(table.note), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- json, csv


def scrutiny_json(report: ScrutinyReport) -> str:
    """``report.to_dict()`` as indented JSON; the same figures always give the same bytes."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


_FLAGS: Final = {"rate_per_1000": "rate_status", "ratio_to_white": "ratio_status"}
_TEXT_COLUMNS: Final = frozenset({"rate_status", "ratio_status"})


def _long_rows(table: ScrutinyTable) -> list[tuple[object, ...]]:
    at = {column: i for i, column in enumerate(table.columns)}
    rows: list[tuple[object, ...]] = []
    for row in table.rows:
        group = (
            row[at["group"]]
            if "group" in at
            else (row[at["key"]] if table.name == "groups" else "")
        )
        for measure in table.measures:
            flag = row[at[_FLAGS[measure]]] if measure in _FLAGS else ""
            rows.append(
                (
                    table.name,
                    group,
                    row[at["key"]],
                    row[at["label"]],
                    measure,
                    row[at[measure]],
                    flag,
                )
            )
    return rows


def scrutiny_csv(report: ScrutinyReport) -> str:
    """Every table in one long CSV, one row per figure: ``table,group,key,label,measure,value,
    flag``. ``flag`` is the status of a rate or ratio (``low_count``, ``reference``,
    ``undefined``); an undefined figure's value is empty. Spreadsheet formulas are
    neutralised."""
    out = io.StringIO()
    writer = _csv.writer(out)
    writer.writerow(SCRUTINY_CSV_COLUMNS)
    for table in scrutiny_tables(report.to_dict()):
        writer.writerows(_long_rows(table))
    return out.getvalue()


# --------------------------------------------------------------------------- html

#: The ids of the charts the page draws (the report's section draws none).
SCRUTINY_CHART_IDS: Final = ("chart-scrutiny-searches", "chart-scrutiny-ratios")


def _table(table: ScrutinyTable) -> str:
    numeric = set(table.measures)
    head = "".join(
        f'<th scope="col"{" class=n" if c in numeric else ""}>{escape(h)}</th>'
        for c, h in zip(table.columns, table.headers, strict=True)
    )
    body = []
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            text = escape(_shown(value, column))
            cells.append(f'<td class="n">{text}</td>' if column in numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return "\n".join(
        [
            f'<h3 id="scrutiny-{escape(table.name)}">{escape(table.title)}</h3>',
            f'<div class="wide"><table{" class=many" if len(table.columns) > 7 else ""}>',
            f"<thead><tr>{head}</tr></thead>",
            "<tbody>",
            *body,
            "</tbody></table></div>",
            note,
        ]
    )


def _ratio_chart(data: Mapping[str, Any]) -> str:
    """Each group's ratio to White as a dot with its interval, on a log scale around 1."""
    title = "Ratio to the White group's rate, with intervals"
    shown = [
        (_SHORT[key], entry["ratio_to_white"])
        for key, entry in data["groups"].items()
        if key not in {"white", "not_stated"} and entry["ratio_to_white"]["value"] is not None
    ]
    values = [v for _, r in shown for v in (r["value"], r["low"], r["high"]) if v]
    if not shown or not values:
        return _svg._empty(SCRUTINY_CHART_IDS[1], title)
    low, high = min([*values, 0.5]), max([*values, 2.0])
    row, gap, left, right, top = 26, 8, 120, 190, 24
    span = _svg.WIDTH - left - right
    height = top + len(shown) * (row + gap) + gap

    def x(value: float) -> float:
        return left + span * (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))

    described = "; ".join(f"{label}: {ratio_text(r)}" for label, r in shown)
    parts = _svg._open(SCRUTINY_CHART_IDS[1], height, title, described)
    one = x(1.0)
    parts += [
        f'<line x1="{one:.1f}" y1="{top - 6}" x2="{one:.1f}" y2="{height - gap}" '
        'stroke="#333" stroke-dasharray="4 3"/>',
        f'<text x="{one:.1f}" y="{top - 10}" text-anchor="middle" fill="#555">1 (White)</text>',
    ]
    for i, (label, ratio) in enumerate(shown):
        y = top + gap + i * (row + gap)
        mid = y + row / 2
        colour = _svg.PALETTE[3] if ratio["status"] == "low_count" else _svg.PALETTE[0]
        if ratio["low"] is not None and ratio["high"] is not None:
            a, b = x(ratio["low"]), x(ratio["high"])
            parts.append(
                f'<rect x="{a:.1f}" y="{mid - 3:.1f}" width="{max(b - a, 1.0):.1f}" height="6" '
                f'fill="{colour}" opacity="0.45"><title>{escape(label)}: '
                f"{escape(ratio_text(ratio))}</title></rect>"
            )
        parts += [
            f'<text x="{left - 10}" y="{mid + 5:.1f}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{x(ratio["value"]) - 5:.1f}" y="{mid - 7:.1f}" width="10" height="14" '
            f'fill="{colour}"><title>{escape(label)}: {escape(ratio_text(ratio))}</title></rect>',
            f'<text x="{left + span + 10}" y="{mid + 5:.1f}">{escape(_interval(ratio))}</text>',
        ]
    return "\n".join([*parts, "</svg>"])


def _interval(ratio: Mapping[str, Any]) -> str:
    text = f"{ratio['value']:.2f}"
    if ratio["low"] is not None and ratio["high"] is not None:
        text += f" ({ratio['low']:.2f} to {ratio['high']:.2f})"
    return text


def _charts(data: Mapping[str, Any]) -> list[str]:
    searches = [(_SHORT[k], int(e["searches"])) for k, e in data["groups"].items()]
    return [
        "<figure>",
        "<figcaption>Searches by self-defined ethnic group</figcaption>",
        _svg.bars(SCRUTINY_CHART_IDS[0], "Searches by self-defined ethnic group", searches),
        "</figure>",
        "<figure>",
        "<figcaption>Ratio to the White group's rate per 1,000 residents</figcaption>",
        _ratio_chart(data),
        '<p class="note">The square is the ratio, the bar its interval; orange marks a ratio from '
        "few searches. The scale is logarithmic: half and double sit the same distance from 1."
        "</p>",
        "</figure>",
    ]


def scrutiny_html_section(report: ScrutinyReport, *, charts: bool = False) -> str:
    """The figures as one ``<section id="scrutiny">`` for an HTML page: what they cover, the
    notes, every non-empty table, and with ``charts`` two inline SVG charts. No script, no
    external reference."""
    data = report.to_dict()
    notes = [f"<li>{escape(note)}</li>" for note in data["notes"]]
    return "\n".join(
        [
            '<section id="scrutiny">',
            "<h2>Scrutiny figures</h2>",
            '<ul class="meta">',
            *(f"<li>{escape(line)}</li>" for line in _about(data)),
            "</ul>",
            *(["<h3>Notes</h3>", "<ul>", *notes, "</ul>"] if notes else []),
            *(_charts(data) if charts else []),
            *(_table(t) for t in scrutiny_tables(data) if t.rows),
            "</section>",
        ]
    )


def scrutiny_html(report: ScrutinyReport) -> str:
    """The figures as one self-contained HTML page (UTF-8), charts inline."""
    data = report.to_dict()
    title = _title(data)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en-GB">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="anpr_ops {escape(__version__)}">',
            f"<title>{escape(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            f"<header><h1>{escape(title)}</h1></header>",
            "<main>",
            scrutiny_html_section(report, charts=True),
            "</main>",
            "<footer>",
            f"<p>Produced by anpr_ops {escape(__version__)} from the operation's log (scrutiny "
            f"schema version {SCRUTINY_VERSION}). Definitions, method and sources: the anpr_ops "
            "documentation (Scrutiny figures). Census 2021 populations: Office for National "
            "Statistics, Open Government Licence v3.0. This page holds no number plates and no "
            "personal references.</p>",
            "</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )
