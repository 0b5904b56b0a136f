"""Renderings of the scrutiny figures: what they show, their layout, what they never hold."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from anpr_ops import OpLog
from anpr_ops.cli._demo import DAY_OP, demo_events_text
from anpr_ops.errors import ReportError
from anpr_ops.render import render, render_scrutiny, scrutiny_html_section
from anpr_ops.render._html import CHART_IDS
from anpr_ops.render._scrutiny import (
    SCRUTINY_CHART_IDS,
    SCRUTINY_CSV_COLUMNS,
    SCRUTINY_FORMATS,
)
from anpr_ops.render._scrutiny_tables import SCRUTINY_TABLE_NAMES, number, scrutiny_tables
from anpr_ops.scrutiny import ScrutinyReport, scrutiny_report


def _demo_events() -> list[dict[str, Any]]:
    return [json.loads(line) for line in demo_events_text().splitlines()]


def _plates() -> set[str]:
    plates = {e["vrm"] for e in _demo_events() if "vrm" in e}
    return plates | {f"{p[:4]} {p[4:]}" for p in plates}


def _people() -> set[str]:
    return {e["subject_ref"] for e in _demo_events() if "subject_ref" in e}


@pytest.fixture(scope="module")
def figures() -> ScrutinyReport:
    with OpLog.memory() as log:
        log.extend(_demo_events())
        return scrutiny_report(log, DAY_OP)


@pytest.mark.parametrize("fmt", SCRUTINY_FORMATS)
def test_no_rendering_shows_a_plate_or_a_person(figures: ScrutinyReport, fmt: str) -> None:
    text = render_scrutiny(figures, fmt)
    assert not any(plate in text for plate in _plates())
    assert not any(re.search(rf"\b{re.escape(ref)}\b", text) for ref in _people())


@pytest.mark.parametrize("fmt", SCRUTINY_FORMATS)
def test_every_format_renders_empty_figures(fmt: str) -> None:
    assert render_scrutiny(ScrutinyReport.empty(), fmt).endswith("\n")


def test_unknown_format_is_an_error(figures: ScrutinyReport) -> None:
    with pytest.raises(ReportError) as caught:
        render_scrutiny(figures, "pdf")
    assert caught.value.code == "unknown_format"


def test_json_is_to_dict_and_stable(figures: ScrutinyReport) -> None:
    text = render_scrutiny(figures, "json")
    assert json.loads(text) == figures.to_dict()
    assert render_scrutiny(figures, "json") == text


def test_text_gives_each_group_its_figures(figures: ScrutinyReport) -> None:
    text = render_scrutiny(figures, "text")
    data = figures.to_dict()
    black = data["groups"]["black"]
    line = next(line for line in text.splitlines() if line.startswith("Black "))
    assert f" {black['searches']} " in line
    assert f"{black['ratio_to_white']['value']:.2f} (" in line and "[few searches]" in line
    assert "Not stated" in text and "Notes:" in text
    assert "Residents are the people who live in the area" in text


def _long(figures: ScrutinyReport) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render_scrutiny(figures, "csv"))))


def test_csv_is_one_long_table_with_every_figure(figures: ScrutinyReport) -> None:
    rows = _long(figures)
    assert tuple(rows[0]) == SCRUTINY_CSV_COLUMNS
    assert {r["table"] for r in rows} <= set(SCRUTINY_TABLE_NAMES)
    data = figures.to_dict()
    for group, entry in data["groups"].items():
        mine = {r["measure"]: r for r in rows if r["table"] == "groups" and r["key"] == group}
        assert int(mine["searches"]["value"]) == entry["searches"]
        rate = entry["rate_per_1000"]
        assert mine["rate_per_1000"]["value"] == ("" if rate is None else repr(rate))
        assert mine["rate_per_1000"]["flag"] == entry["rate_status"]
        assert mine["ratio_to_white"]["flag"] == entry["ratio_to_white"]["status"]
    searches = [
        int(r["value"])
        for r in rows
        if r["table"] == "groups" and r["measure"] == "searches" and r["key"] != "total"
    ]
    assert sum(searches) == data["total"]["searches"]
    by_object = [
        int(r["value"]) for r in rows if r["table"] == "by_object" and r["measure"] == "searches"
    ]
    assert sum(by_object) == data["total"]["searches"]


def test_csv_cells_cannot_start_a_formula(figures: ScrutinyReport) -> None:
    for row in csv.reader(io.StringIO(render_scrutiny(figures, "csv"))):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or re.fullmatch(r"-[\d.e+-]+", cell), cell


def test_the_tables_are_the_named_ones() -> None:
    assert tuple(t.name for t in scrutiny_tables(ScrutinyReport.empty())) == SCRUTINY_TABLE_NAMES


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (0.0, "0"), (0.001654, "0.00165"), (30.4498, "30.4"), (185.34, "185"),
     (1234.5, "1,234")],
)  # fmt: skip
def test_rates_read_to_three_significant_figures(value: float | None, text: str) -> None:
    assert number(value) == text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_html_page_is_self_contained(figures: ScrutinyReport) -> None:
    page = render_scrutiny(figures, "html")
    tags = _tags(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not any(tag in {"script", "img", "link", "iframe", "object"} for tag, _ in tags)
    assert not any("src" in a or "href" in a for _, a in tags)
    assert "http://" not in page and "https://" not in page
    assert [a.get("id") for t, a in tags if t == "svg"] == list(SCRUTINY_CHART_IDS)
    assert "default-src 'none'" in page


def test_html_section_is_one_section_without_charts_unless_asked(
    figures: ScrutinyReport,
) -> None:
    section = scrutiny_html_section(figures)
    assert section.startswith('<section id="scrutiny">') and section.endswith("</section>")
    assert section.count("<section") == 1 and "<svg" not in section
    assert scrutiny_html_section(figures, charts=True).count("<svg") == 2


def test_the_report_page_takes_the_section(figures: ScrutinyReport) -> None:
    with OpLog.memory() as log:
        log.extend(_demo_events())
        report = log.report(DAY_OP)
    page = render(report, "html", sections=[scrutiny_html_section(figures)])
    assert page.count('<section id="scrutiny">') == 1
    assert page.index('id="tables"') < page.index('id="scrutiny"') < page.index("</main>")
    assert page.count("<svg") == len(CHART_IDS)
    assert 'id="scrutiny"' not in render(report, "html")
    with pytest.raises(ReportError) as caught:
        render(report, "markdown", sections=["<section></section>"])
    assert caught.value.code == "sections_not_html"


def test_names_are_escaped_everywhere() -> None:
    events = _demo_events()
    events[0] = {**events[0], "name": "Op <script>alert(1)</script> | *bold*"}
    with OpLog.memory() as log:
        log.extend(events)
        figures = scrutiny_report(log, DAY_OP)
    page = render_scrutiny(figures, "html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    markdown = render_scrutiny(figures, "markdown")
    assert markdown.splitlines()[0] == (
        f"# Scrutiny figures: Op \\<script\\>alert(1)\\</script\\> \\| \\*bold\\* ({DAY_OP})"
    )
