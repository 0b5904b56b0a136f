"""Renderings of a report: the figures they show, their layout, and what they never contain."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest

from anpr_ops import OpLog, OpReport
from anpr_ops.errors import ReportError
from anpr_ops.render import FORMATS, TABLE_NAMES, render, report_tables
from anpr_ops.render._html import CHART_IDS
from tests import factory as f

# A small operation whose figures are worked out by hand:
# 2 hits at Vauxhall (09:00), 1 stop after the first, 1 search of it, an arrest for possession
# with intent to supply (MD71234) and a drug seizure; a stop at Blackfriars without a hit,
# a Traffic Offence Report for no insurance (RT88191).
EVENTS = [
    f.operation(name="Op <Kaiser> & Co"),
    f.hit("hit-1", vrm="LB15XRT"),
    f.hit("hit-2", vrm="LC62KPW"),
    f.stop("stop-1", vrm="LB15XRT"),
    f.search("search-1", vrm="LB15XRT"),
    f.outcome("out-1", search_id="search-1", disposal="arrest", offences=["MD71234"]),
    {
        "kind": "seizure",
        "event_id": "seize-1",
        "op_id": f.OP,
        "occurred_at": "2020-04-18T09:20:00+01:00",
        "search_id": "search-1",
        "item": "controlled_drug",
        "drug_class": "A",
    },
    f.stop("stop-2", hit_id=None, site="blackfriars", vrm="WR09OPL"),
    f.outcome(
        "out-2",
        search_id=None,
        stop_id="stop-2",
        subject_ref="S-2",
        disposal="traffic_offence_report",
        offences=["RT88191"],
    ),
]
PLATES = ("LB15XRT", "LB15 XRT", "LC62KPW", "LC62 KPW", "WR09OPL", "WR09 OPL")


@pytest.fixture(scope="module")
def report() -> OpReport:
    with OpLog.memory() as log:
        log.extend(EVENTS)
        return log.report(f.OP)


def test_the_example_has_the_figures_worked_out_by_hand(report: OpReport) -> None:
    totals = report.totals
    assert (totals.anpr_hits, totals.vehicle_stops, totals.hit_led_stops) == (2, 2, 1)
    assert (totals.searches, totals.arrests, totals.outcomes, totals.seizures) == (1, 1, 2, 1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_rendering_shows_a_plate_or_a_person(report: OpReport, fmt: str) -> None:
    text = render(report, fmt)
    for plate in PLATES:
        assert plate not in text
    assert "S-2" not in text and "P-1" not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_an_empty_report(fmt: str) -> None:
    assert render(OpReport.empty(), fmt).endswith("\n")


def test_text_is_the_reports_own_summary(report: OpReport) -> None:
    assert render(report, "text") == report.to_text() + "\n"
    words = render(report, "text", numbers="words", activity=True)
    assert words == report.to_text(numbers="words", activity=True) + "\n"


def test_json_is_to_dict_and_stable(report: OpReport) -> None:
    text = render(report, "json")
    assert json.loads(text) == report.to_dict()
    assert render(report, "json") == text


def _long(report: OpReport) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render(report, "csv"))))


def test_csv_long_form_has_one_row_per_figure(report: OpReport) -> None:
    rows = _long(report)
    assert list(rows[0]) == ["table", "key", "label", "measure", "value"]
    assert {r["table"] for r in rows} <= set(TABLE_NAMES)
    totals = {r["key"]: int(r["value"]) for r in rows if r["table"] == "totals"}
    assert totals["anpr_hits"] == 2 and totals["arrests"] == 1 and totals["outcomes"] == 2
    site = {
        r["measure"]: int(r["value"])
        for r in rows
        if r["table"] == "by_site" and r["key"] == "vauxhall"
    }
    assert site["anpr_hits"] == 2 and site["searches"] == 1 and site["arrests"] == 1
    disposals = {r["key"]: int(r["value"]) for r in rows if r["table"] == "disposals"}
    assert disposals == {"arrest": 1, "traffic_offence_report": 1}
    rate = {r["measure"]: int(r["value"]) for r in rows if r["key"] == "hit_stop_rate"}
    assert rate == {"numerator": 1, "denominator": 2}


def test_csv_table_gives_one_table_with_a_column_per_figure(report: OpReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv", table="by_site"))))
    assert [r["key"] for r in rows] == ["vauxhall", "blackfriars"]
    assert rows[1]["label"] == "Blackfriars" and rows[1]["vehicle_stops"] == "1"
    categories = render(report, "csv", table="arrests_by_category").splitlines()
    assert categories == ["key,label,count", "drugs_supply,Possession with intent to supply,1"]


def test_unknown_table_and_table_outside_csv_are_errors(report: OpReport) -> None:
    with pytest.raises(ReportError) as caught:
        render(report, "csv", table="no_such_table")
    assert caught.value.code == "unknown_table"
    with pytest.raises(ReportError) as caught:
        render(report, "markdown", table="by_site")
    assert caught.value.code == "table_not_csv"
    with pytest.raises(ReportError):
        render(report, "pdf")


def test_every_table_is_in_the_long_csv_and_sums_hold(report: OpReport) -> None:
    rows = _long(report)
    for table in report_tables(report):
        if table.rows:
            assert any(r["table"] == table.name for r in rows), table.name
    by_category = sum(int(r["value"]) for r in rows if r["table"] == "arrests_by_category")
    assert by_category == report.totals.arrests


def test_markdown_has_the_summary_and_escaped_tables(report: OpReport) -> None:
    text = render(report, "markdown")
    assert text.startswith("# Op \\<Kaiser\\> & Co\n")
    assert report.to_text() in text
    assert "| Possession with intent to supply | 1 |" in text
    assert "| ANPR hits that led to a stop | 1 | 2 | 50% |" in text
    # every table row has as many cells as its header
    for block in re.findall(r"(?:^\|.*\|\n)+", text, flags=re.MULTILINE):
        lines = block.strip().splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in lines}
        assert len(widths) == 1, lines[0]


class _Tags(HTMLParser):
    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "rect", "line"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[tuple[str, dict[str, str | None]]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def test_html_is_one_well_formed_self_contained_page(report: OpReport) -> None:
    page = render(report, "html")
    parser = _Tags()
    parser.feed(page)
    assert parser.problems == [] and parser.stack == []
    tags = {tag for tag, _ in parser.seen}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "use", "image"}
    # nothing that could reach a network or another file
    for marker in ("http:", "https:", "//", "url(", "@import", "src=", "href="):
        assert marker not in page.replace("<!DOCTYPE html>", ""), marker
    assert [a.get("id") for tag, a in parser.seen if tag == "svg"] == list(CHART_IDS)
    assert "Op &lt;Kaiser&gt; &amp; Co" in page and "<Kaiser>" not in page
    assert "@media print" in page and "break-inside: avoid" in page


def test_html_charts_show_the_figures(report: OpReport) -> None:
    page = render(report, "html")
    funnel = page[page.index('id="chart-funnel"') : page.index("</svg>")]
    # 2 hits; stop-1 followed hit-1, its search led to the arrest: 1 stop at each stage after.
    assert (
        "<title>ANPR hits: 2</title>" in funnel and "<title>Stops after a hit: 1</title>" in funnel
    )
    assert "<title>…with an arrest: 1</title>" in funnel
    assert "<title>Possession with intent to supply: 1</title>" in page
    assert "Vauxhall: ANPR hits 2" in page and "Blackfriars: Vehicles stopped 1" in page
