"""HTML: one self-contained page with the summary, inline SVG charts and every table.

The page loads nothing: styles are inline, charts are inline SVG, there is no script, no font,
no image file, and a Content-Security-Policy (``default-src 'none'``) makes the browser refuse
anything that would reach the network even if a later change let a reference in. It prints
on A4 with each chart and table kept whole. It holds no number plate and no personal
reference: a report has none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any, Final, Literal, NamedTuple
from zoneinfo import ZoneInfo

from anpr_ops._version import __version__
from anpr_ops.render import _svg
from anpr_ops.render._tables import (
    TOTAL_LABELS,
    Table,
    beside_funnel,
    describe,
    funnel,
    hour_label,
    key_label,
    report_tables,
    site_names,
)
from anpr_ops.report import REPORT_VERSION, OpReport
from anpr_ops.report.hours import hour_of

__all__ = ["CHART_IDS", "to_html"]

#: The ids of the charts, in page order (tests and stylesheets may rely on them).
CHART_IDS: Final = ("chart-funnel", "chart-arrests", "chart-hours", "chart-sites")

# (totals key, legend) of the activity charts, by hour and by site.
_ACTIVITY: Final = (
    ("anpr_hits", "ANPR hits"),
    ("vehicle_stops", "Vehicles stopped"),
    ("searches", "Searches"),
    ("arrests", "Arrests"),
    ("weapon_sweeps", "Weapon sweeps"),
    ("patrols", "Patrols"),
)
# The figures shown large at the top.
_HEADLINE: Final = (
    "arrests",
    "people_arrested",
    "wanted_arrested",
    "searches",
    "anpr_hits",
    "vehicle_stops",
    "seizures",
    "weapon_sweeps",
)
# An operation up to this many hours long is drawn hour by hour; a longer one day by day.
_MAX_HOURS: Final = 48

_CSS: Final = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111;
  margin: 0 auto; padding: 1.5rem; max-width: 60rem; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 .4rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; border-bottom: 2px solid #0072B2;
  padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.meta { list-style: none; padding: 0; margin: 0; color: #333; }
.summary { font-size: 1.08rem; background: #f3f7fb; border-left: 4px solid #0072B2;
  padding: .8rem 1rem; }
.headline { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr));
  gap: .6rem; padding: 0; list-style: none; }
.headline li { border: 1px solid #ccd; border-radius: 6px; padding: .5rem .7rem; }
.headline .n { display: block; font-size: 1.8rem; font-weight: 700; }
figure { margin: 1rem 0 1.6rem; }
.beside { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: flex-start; }
.beside aside { font-size: .95rem; }
.beside aside h3 { margin: 0 0 .3rem; font-size: 1rem; }
.beside aside table { min-width: 0; }
td.k { white-space: nowrap; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.chart { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .3rem 0 .4rem; min-width: 50%; }
th, td { border: 1px solid #ccd; padding: .25rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #eef2f7; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.wide { overflow-x: auto; }
.note { color: #444; font-size: .9rem; margin: 0 0 1rem; }
footer { margin-top: 2.5rem; color: #555; font-size: .85rem; border-top: 1px solid #ccd;
  padding-top: .6rem; }
@page { size: A4; margin: 14mm; }
@media print {
  body { font-size: 10pt; padding: 0; max-width: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2, h3 { break-after: avoid; }
  figure, table, .headline, .summary { break-inside: avoid; }
  .wide { overflow: visible; }
  table { font-size: 8.5pt; }
  th, td { padding: .1rem .3rem; }
  table.many { width: 100%; font-size: 7.5pt; }
  table.many th + th { writing-mode: vertical-rl; transform: rotate(180deg);
    white-space: nowrap; text-align: left; vertical-align: bottom; padding: .3rem .1rem; }
}
"""

_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'"


def to_html(
    report: OpReport,
    *,
    numbers: Literal["figures", "words"] = "figures",
    activity: bool = False,
    sections: Sequence[str] = (),
) -> str:
    """The report as one self-contained HTML page (UTF-8), charts inline.

    ``sections`` are further ``<section>`` fragments (the scrutiny figures), placed after the
    report's own figures; they must be as self-contained as the page.
    """
    data = report.to_dict()
    heading = describe(data)
    tables = report_tables(data)
    body = [
        "<header>",
        f"<h1>{escape(heading.title)}</h1>",
        '<ul class="meta">',
        *(f"<li>{escape(line)}</li>" for line in heading.lines),
        "</ul>",
        "</header>",
        "<main>",
        '<section id="summary">',
        "<h2>Summary</h2>",
        f'<p class="summary">{escape(report.to_text(numbers=numbers, activity=activity))}</p>',
        '<ul class="headline">',
        *(
            f'<li><span class="n">{data["totals"][key]}</span>{escape(TOTAL_LABELS[key])}</li>'
            for key in _HEADLINE
            if data["totals"][key]  # no "0 Weapon sweeps" on an operation that had none
        ),
        "</ul>",
        "</section>",
        '<section id="charts">',
        "<h2>Charts</h2>",
        *_charts(data),
        "</section>",
        '<section id="tables">',
        "<h2>Figures</h2>",
        *(_table(table) for table in tables if table.rows),
        "</section>",
        *sections,
        "</main>",
        "<footer>",
        f"<p>Produced by anpr_ops {escape(__version__)} from the operation's log (report "
        f"schema version {REPORT_VERSION}). Every figure follows the counting rules of the "
        "anpr_ops documentation (Reports). This page holds no number plates and no personal "
        "references.</p>",
        "</footer>",
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en-GB">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="anpr_ops {escape(__version__)}">',
            f"<title>{escape(heading.title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _figure(svg: str, caption: str, note: str = "", aside: str = "") -> str:
    extra = f'<p class="note">{escape(note)}</p>' if note else ""
    if aside:
        svg = f'<div class="beside">{svg}\n{aside}</div>'
    return f"<figure>\n<figcaption>{escape(caption)}</figcaption>\n{svg}\n{extra}</figure>"


def _aside(data: Mapping[str, Any]) -> str:
    """The operation's figures the ANPR funnel leaves out, as a small table beside it."""
    rows = beside_funnel(data)
    if not rows:
        return ""
    cells = "".join(
        f'<tr><td>{escape(label)}</td><td class="n">{n}</td></tr>' for _, label, n in rows
    )
    return f"<aside><h3>Beside the ANPR work</h3><table><tbody>{cells}</tbody></table></aside>"


def _charts(data: Mapping[str, Any]) -> list[str]:
    stages = [(label, n) for _, label, n in funnel(data)]
    category = key_label("arrests_by_category")
    arrests = [(category(k), n) for k, n in data["arrests_by_category"].items()]
    axis = _time_axis(data)
    names = site_names(data)
    sites = list(data["by_site"])
    site_series = [(legend, [data["by_site"][s][key] for s in sites]) for key, legend in _ACTIVITY]
    zone = data["timezone"] or "UTC"
    return [
        _figure(
            _svg.funnel(CHART_IDS[0], "From ANPR hit to arrest", stages, width=480),
            "From ANPR hit to arrest",
            "ANPR work only, stop by stop: the hits, the stops that followed a hit, and those "
            "stops that ended in an outcome other than no further action, and in an arrest "
            "(on the stop itself or after a search of it). Beside it, what the funnel leaves "
            "out.",
            _aside(data),
        ),
        _figure(
            _svg.bars(CHART_IDS[1], "Arrests by primary offence category", arrests),
            "Arrests by primary offence category",
        ),
        _figure(
            _svg.stacked_columns(
                CHART_IDS[2],
                f"Activity by local {axis.unit} ({zone})",
                axis.categories,
                axis.ticks,
                axis.series,
                marks=axis.marks,
            ),
            f"Activity by local {axis.unit} ({zone})",
            f"Each event counts in the local {axis.unit} it happened in; a patrol in the "
            f"{axis.unit} it began."
            + (" The table by local hour below has every hour." if axis.unit == "day" else ""),
        ),
        _figure(
            _svg.stacked_bars(
                CHART_IDS[3], "Activity by site", [names.get(s, s) for s in sites], site_series
            ),
            "Activity by site",
            "Searches, outcomes and seizures count at the site of the stop or search they "
            "follow; events with no site are under 'No site'.",
        ),
    ]


class _Axis(NamedTuple):
    unit: Literal["hour", "day"]
    categories: list[str]
    """Full names, for tooltips."""
    ticks: list[str]
    """Short labels under the columns."""
    marks: list[str]
    """A second line under the ticks: the date at each day's first hour."""
    series: list[_svg.Series]


def _time_axis(data: Mapping[str, Any]) -> _Axis:
    """Hour by hour for an operation of up to :data:`_MAX_HOURS` hours (every hour from the
    first to the last with activity, the date under the first hour of each day); day by day
    for a longer one (every local day from the first to the last)."""
    by_hour: Mapping[str, Mapping[str, int]] = data["by_hour"]
    keys = list(by_hour)
    zero: Mapping[str, int] = {}
    if keys:
        zone = ZoneInfo(data["timezone"] or "UTC")
        first = datetime.fromisoformat(keys[0]).astimezone(UTC)
        last = datetime.fromisoformat(keys[-1]).astimezone(UTC)
        count = int((last - first) / timedelta(hours=1)) + 1
        if count > _MAX_HOURS:
            return _days(by_hour)
        hours = [hour_of(first + timedelta(hours=i), zone) for i in range(count)]
        # A zone whose offset is not whole hours can leave a gap; keep every real key.
        if set(by_hour) <= set(hours):
            keys = hours
    series: list[_svg.Series] = [
        (legend, [by_hour.get(k, zero).get(key, 0) for k in keys]) for key, legend in _ACTIVITY
    ]
    marks = []
    for i, key in enumerate(keys):
        day = datetime.fromisoformat(key)
        new_day = i == 0 or keys[i - 1][:10] != key[:10]
        marks.append(f"{day:%a} {day.day} {day:%b}" if new_day else "")
    return _Axis("hour", [hour_label(k) for k in keys], [k[11:13] for k in keys], marks, series)


def _days(by_hour: Mapping[str, Mapping[str, int]]) -> _Axis:
    """The hours summed into local days, every day from the first to the last."""
    totals: dict[str, dict[str, int]] = {}
    for key, counts in by_hour.items():
        into = totals.setdefault(key[:10], {})  # the local date the hour label starts with
        for name, n in counts.items():
            into[name] = into.get(name, 0) + n
    first, last = date.fromisoformat(min(totals)), date.fromisoformat(max(totals))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    zero: Mapping[str, int] = {}
    series: list[_svg.Series] = [
        (legend, [totals.get(d.isoformat(), zero).get(key, 0) for d in days])
        for key, legend in _ACTIVITY
    ]
    return _Axis(
        "day",
        [f"{d:%A} {d.day} {d:%B %Y}" for d in days],
        [f"{d:%a} {d.day} {d:%b}" for d in days],
        [],
        series,
    )


def _table(table: Table) -> str:
    shown = table.shown()
    head = "".join(
        f'<th scope="col"{" class=n" if figure else ""}>{escape(header)}</th>'
        for _, header, figure in shown
    )
    rows = []
    for row in table.shown_rows():
        cells = []
        for (_, _, figure), value in zip(shown, row, strict=True):
            text = "" if value is None else escape(str(value))
            if figure:
                cells.append(f'<td class="n">{text}</td>')
            elif table.name == "by_hour":
                # An hour's "18 Apr 09:00 (+01:00)" stays on one line in its narrow column.
                cells.append(f'<td class="k">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return "\n".join(
        [
            f'<h3 id="table-{escape(table.name)}">{escape(table.title)}</h3>',
            f'<div class="wide"><table{" class=many" if len(shown) > 6 else ""}>',
            f"<thead><tr>{head}</tr></thead>",
            "<tbody>",
            *rows,
            "</tbody></table></div>",
            note,
        ]
    )
