"""The HTML report at scale and on the day of action: the ANPR funnel from ANPR work only, a
time axis chosen by the operation's length, nothing cut off or drawn over, no zero tiles.

The big reports are built from tallies directly (a 200,000-event, three-day operation would
take a minute to append): what is tested is the drawing of their figures.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from anpr_ops import OpLog, OpReport
from anpr_ops.cli._demo import DAY_OP, demo_events_text
from anpr_ops.render import render
from anpr_ops.report import OperationInfo, Period, Rollup, Tally
from anpr_ops.report.hours import hour_of
from tests import factory as f

LONDON = ZoneInfo("Europe/London")
HOUR = Tally(
    anpr_hits=2700,
    vehicle_stops=600,
    hit_led_stops=550,
    hits_with_stop=540,
    searches=120,
    stops_with_search=115,
    hit_led_stops_searched=110,
    hit_led_stops_positive=200,
    hit_led_stops_arrested=35,
    arrests=40,
    outcomes=300,
)


def big_report(hours: int, start: datetime = datetime(2020, 3, 27, tzinfo=UTC)) -> OpReport:
    """An operation of ``hours`` hours with 2,700 hits and more every hour (72 hours: about
    200,000 events)."""
    by_hour = {hour_of(start + timedelta(hours=h), LONDON): HOUR for h in range(hours)}
    total = sum(by_hour.values(), Tally())
    rollup = Rollup(
        totals=total,
        by_site=MappingProxyType({"a": total}),
        by_hour=MappingProxyType(by_hour),
    )
    info = OperationInfo(
        op_id="big",
        name="Big",
        timezone="Europe/London",
        parent_op_id=None,
        sites=(("a", "Site A"),),
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
    )
    return OpReport(
        roots=frozenset({"big"}),
        operations=MappingProxyType({"big": info}),
        zones=frozenset({"Europe/London"}),
        period=Period(start, start + timedelta(hours=hours)),
        sites=None,
        by_operation=MappingProxyType({"big": rollup}),
        rollup=rollup,
    )


def svg(page: str, chart: str) -> str:
    start = page.index(f'id="{chart}"')
    return page[start : page.index("</svg>", start)]


def texts(chart: str) -> list[tuple[float, str, str]]:
    """(x, anchor, text) of every text element of a chart."""
    found = re.findall(r'<text x="([\d.]+)" y="[\d.]+"([^>]*)>([^<]*)<', chart)
    return [(float(x), "end" if "end" in attrs else "", text) for x, attrs, text in found]


def test_a_three_day_operation_is_drawn_day_by_day() -> None:
    report = big_report(72)
    assert report.totals.anpr_hits + report.totals.vehicle_stops > 200_000
    page = render(report, "html")
    chart = svg(page, "chart-hours")
    assert "Activity by local day (Europe/London)" in page
    # 27 March 00:00 UTC to 30 March 00:00 UTC: local days Friday to Monday (BST from the 29th).
    ticks = [text for _, _, text in texts(chart) if re.fullmatch(r"\w{3} \d+ \w{3}", text)]
    assert ticks == ["Fri 27 Mar", "Sat 28 Mar", "Sun 29 Mar", "Mon 30 Mar"]
    assert "Saturday 28 March 2020: ANPR hits 64800" in chart  # 24 hours of 2,700


def test_an_operation_of_two_days_is_drawn_hour_by_hour_with_dates() -> None:
    page = render(big_report(40, datetime(2020, 10, 24, 6, tzinfo=UTC)), "html")
    chart = svg(page, "chart-hours")
    assert "Activity by local hour (Europe/London)" in page
    labels = texts(chart)
    assert [t for _, _, t in labels if t in {"Sat 24 Oct", "Sun 25 Oct"}] == [
        "Sat 24 Oct",
        "Sun 25 Oct",
    ]
    hours = [(x, t) for x, _, t in labels if re.fullmatch(r"\d\d", t)]
    # 40 columns do not each get a label: those drawn are far enough apart not to touch.
    assert 10 <= len(hours) < 40
    assert all(b - a >= 7.5 * 2 + 6 for (a, _), (b, _) in itertools.pairwise(hours))
    # Each hour's total is 2,700 + 600 + 120 + 40: too wide for a column, so it is written
    # once, on the axis, and not over every column (the tooltips have it).
    assert chart.count(">3460</text>") == 1


def test_the_funnels_figures_fit_in_the_chart() -> None:
    chart = svg(render(big_report(72), "html"), "chart-funnel")
    width = float(re.search(r'width="(\d+)"', chart).group(1))  # type: ignore[union-attr]
    figures = [(x, t) for x, anchor, t in texts(chart) if t.isdigit()]
    assert [t for _, t in figures] == ["194400", "39600", "14400", "2520"]
    assert all(anchor_x <= width for anchor_x, _ in figures)
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', chart)
    rightmost = max(float(x) + float(w) for x, w in bars)
    assert rightmost <= width - 6 - 9 * len("194400")  # the widest figure ends at width - 6


def test_the_site_bars_leave_room_for_their_totals() -> None:
    chart = svg(render(big_report(72), "html"), "chart-sites")
    total = max(int(t) for _, _, t in texts(chart) if t.isdigit())
    x = max(x for x, _, t in texts(chart) if t == str(total))
    assert x + 9 * len(str(total)) <= 720


@pytest.fixture(scope="module")
def day() -> tuple[str, list[dict[str, object]]]:
    events = [json.loads(line) for line in demo_events_text().splitlines()]
    with OpLog.memory() as log:
        log.extend(events)
        return render(log.report(DAY_OP), "html"), events


def _by_hand(events: list[dict[str, object]]) -> tuple[int, int, int, int]:
    """Hits, stops after a hit, and those of them with a positive outcome and an arrest,
    counted from the demo's events directly (no correction touches a stop or its outcomes'
    disposals but one, applied here)."""
    current = {str(e["event_id"]): e for e in events if e["kind"] != "correction"}
    for fix in (e for e in events if e["kind"] == "correction"):
        current[str(fix["target_id"])] = fix["replacement"]  # type: ignore[assignment]
    stops = {k for k, e in current.items() if e["kind"] == "vehicle_stop" and e.get("hit_id")}
    search_stop = {k: e.get("stop_id") for k, e in current.items() if e["kind"] == "search"}
    positive, arrest = set(), set()
    for e in current.values():
        if e["kind"] != "outcome":
            continue
        stop = e.get("stop_id") or search_stop.get(str(e.get("search_id")))
        if stop in stops and e["disposal"] != "no_further_action":
            positive.add(stop)
        if stop in stops and e["disposal"] == "arrest":
            arrest.add(stop)
    hits = sum(e["kind"] == "anpr_hit" for e in current.values())
    return hits, len(stops), len(positive), len(arrest)


def test_the_day_of_actions_funnel_is_from_anpr_work_and_never_widens(
    day: tuple[str, list[dict[str, object]]],
) -> None:
    page, events = day
    chart = svg(page, "chart-funnel")
    stages = [int(n) for n in re.findall(r"<title>[^<]*: (\d+)</title>", chart)]
    assert tuple(stages) == _by_hand(events)
    assert stages[:2] == [26, 18] and stages[3] == 8
    assert stages == sorted(stages, reverse=True)
    beside = page[page.index("Beside the ANPR work") : page.index("</aside>")]
    # The foot searches and the day's other work are beside the funnel, not in it.
    assert re.search(r"Searches, all</td><td class=\"n\">21<", beside)
    assert re.search(r"Weapon sweeps</td><td class=\"n\">15<", beside)


def test_notes_keep_the_capitals_of_anpr() -> None:
    with OpLog.memory() as log:
        log.extend([f.operation(), f.hit()])
        page = render(log.report(f.OP), "html")
    assert "Sums to the ANPR hits." in page and "anpr hits" not in page


def _tiles(page: str) -> Mapping[str, int]:
    start = page.index('<ul class="headline">')
    block = page[start : page.index("</ul>", start)]
    return {label: int(n) for n, label in re.findall(r'"n">(\d+)</span>([^<]+)</li>', block)}


def test_no_tile_for_what_the_operation_did_not_do(
    day: tuple[str, list[dict[str, object]]],
) -> None:
    with OpLog.memory() as log:
        log.extend([f.operation(), f.hit(), f.stop()])
        tiles = _tiles(render(log.report(f.OP), "html"))
    assert tiles == {"ANPR hits": 1, "Vehicles stopped": 1}
    assert _tiles(day[0])["Weapon sweeps"] == 15


def test_hour_labels_stay_on_one_line(day: tuple[str, list[dict[str, object]]]) -> None:
    page = day[0]
    table = page[page.index('id="table-by_hour"') :]
    table = table[: table.index("</table>")]
    assert '<td class="k">18 Apr 09:00 (+01:00)</td>' in table
    assert "td.k { white-space: nowrap; }" in page
