"""Hand-worked cases of the rollups kept at append time: each change a correction can make,
worked out by hand, answered from the rollups (``source="rollups"``), and equal to the scan.

The chain of tests/factory.py: a hit and a stop at Vauxhall, a search of that stop (its site is
the stop's), a seizure from the search and an arrest for it (theirs is the search's).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from anpr_ops import OpLog, OpReport
from tests.factory import (
    OP,
    chain,
    correction,
    definition,
    enquiry,
    hit,
    operation,
    outcome,
    search,
    stop,
)
from tests.support import raw, rollup_rows

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def log() -> Iterator[OpLog]:
    with OpLog.memory() as log:
        log.extend(chain())
        yield log


def rolled(log: OpLog, op_id: str = OP, **kwargs: Any) -> OpReport:
    """The report from the rollups, checked against the scan and a rebuild of the rollups."""
    report = log.report(op_id, **kwargs, source="rollups")
    assert report == log.report(op_id, **kwargs, source="scan")
    kept = rollup_rows(log)
    assert log.verify().ok
    log.rebuild()
    assert rollup_rows(log) == kept
    return report


def site_totals(report: OpReport, site: str) -> dict[str, int]:
    found: dict[str, int] = report.to_dict()["by_site"].get(site, {})
    return found


def test_a_stop_moved_to_another_site_takes_its_search_and_outcome_with_it(log: OpLog) -> None:
    """Correcting the stop from Vauxhall to Blackfriars moves the search, the seizure and the
    arrest (sites through the stop) with it; the hit stays at Vauxhall."""
    log.append(correction("stop-1", replacement=stop(site="blackfriars")))
    report = rolled(log)
    vauxhall, blackfriars = site_totals(report, "vauxhall"), site_totals(report, "blackfriars")
    assert (vauxhall["anpr_hits"], vauxhall["vehicle_stops"], vauxhall["searches"]) == (1, 0, 0)
    assert vauxhall["corrections"] == 0
    assert blackfriars["vehicle_stops"] == blackfriars["searches"] == 1
    assert blackfriars["seizures"] == blackfriars["arrests"] == blackfriars["people_arrested"] == 1
    assert blackfriars["corrections"] == 1  # at the site of the corrected stop, as it now is
    only = rolled(log, site="blackfriars")
    assert only.totals.arrests == 1 and only.totals.anpr_hits == 0


def test_moving_the_stop_back_moves_every_correction_of_it(log: OpLog) -> None:
    """Both corrections of the stop count at its last site: back at Vauxhall, both are there."""
    log.append(correction("stop-1", replacement=stop(site="blackfriars")))
    log.append(correction("stop-1", event_id="fix-again", replacement=stop()))
    report = rolled(log)
    assert site_totals(report, "vauxhall")["corrections"] == 2
    assert "blackfriars" not in report.to_dict()["by_site"]


def test_retracting_a_dependant_drops_the_flag_it_set(log: OpLog) -> None:
    """Retract the arrest, the seizure, the search, then the stop: the search loses its arrest,
    the stop its search, the hit its stop; rates fall with them."""
    before = rolled(log).rates
    assert before["arrest_rate"].numerator == before["hit_stop_rate"].numerator == 1
    log.append(correction("out-1", retract=True))
    after = rolled(log)
    assert after.rates["arrest_rate"].numerator == 0
    assert after.rates["positive_outcome_rate"].numerator == 0
    assert after.totals.people_arrested == 0
    log.extend([correction("seize-1", retract=True), correction("search-1", retract=True)])
    assert rolled(log).rates["stop_search_rate"].numerator == 0
    log.append(correction("stop-1", retract=True))
    last = rolled(log)
    assert last.rates["hit_stop_rate"].to_dict() == {"numerator": 0, "denominator": 1}
    assert last.totals.corrections == 4
    assert last.totals.hit_led_stops == last.totals.vehicle_stops == 0


def test_an_outcome_pointed_at_another_search_moves_the_flag(log: OpLog) -> None:
    """An arrest re-pointed from one search to another flags the second and not the first."""
    log.append(search("search-2", occurred_at="2020-04-18T11:10:00+01:00"))
    log.append(correction("out-1", replacement=outcome(search_id="search-2")))
    report = rolled(log)
    assert report.rates["arrest_rate"].to_dict() == {"numerator": 1, "denominator": 2}
    assert report.to_dict()["searches_by_ethnicity"]["W1"]["arrests"] == 1


def test_a_definition_recategorised_moves_its_arrests(log: OpLog) -> None:
    """An offence defined by the log, then corrected to another category: its arrests move."""
    log.extend([definition("XX12345"), outcome("out-2", offences=["XX12345"])])
    assert rolled(log).arrests_by_category == {"drugs_supply": 1, "other": 1}
    log.append(correction("def-XX12345", replacement=definition("XX12345", category="weapons")))
    report = rolled(log)
    assert report.arrests_by_category == {"drugs_supply": 1, "weapons": 1}
    assert report.arrests_by_group == {"drugs": 1, "weapons": 1}


def test_a_catalogue_code_given_a_definition_of_the_log_is_recounted(log: OpLog) -> None:
    """A log's definition of a catalogue code overrides its category, also for arrests already
    counted."""
    log.append(definition("MD71234", title="Possession", category="weapons"))
    assert rolled(log).arrests_by_category == {"weapons": 1}


def test_an_operation_moved_to_another_zone_is_recounted_in_its_hours(log: OpLog) -> None:
    """Correcting the operation's zone relabels every hour (cells are local hours)."""
    assert "2020-04-18T09:00+01:00" in rolled(log).by_hour
    log.append(correction("kaiser-2020-04-18-open", replacement=operation(timezone="UTC")))
    report = rolled(log)
    assert "2020-04-18T08:00+00:00" in report.by_hour
    assert report.totals.corrections == 1


def test_a_child_moved_under_another_parent_moves_its_figures(log: OpLog) -> None:
    """The parent's report with children follows the tree as it now is."""
    log.extend([operation("doa"), operation("other"),
                operation("child", parent="doa", sites=("brixton",)),
                hit("h-c", op_id="child", site="brixton")])  # fmt: skip
    assert rolled(log, "doa").totals.anpr_hits == 1
    moved = operation("child", parent="other", sites=("brixton",))
    log.append(correction("child-open", op_id="child", replacement=moved))
    assert rolled(log, "doa").totals.anpr_hits == 0
    assert rolled(log, "other").totals.anpr_hits == 1


def test_people_arrested_at_two_sites_are_counted_once_in_the_sum(log: OpLog) -> None:
    """P-1 is arrested at Vauxhall (out-1) and at Blackfriars: each site counts one person;
    their sum, like the whole report, one."""
    log.extend([stop("stop-2", hit_id=None, site="blackfriars"),
                search("search-2", stop_id="stop-2"),
                outcome("out-2", search_id="search-2")])  # fmt: skip
    parts = [rolled(log, site=site) for site in ("vauxhall", "blackfriars", "_no_site")]
    assert [p.totals.people_arrested for p in parts] == [1, 1, 0]
    summed = sum(parts, OpReport.empty())
    assert summed.totals.people_arrested == 1 == rolled(log).totals.people_arrested
    assert summed.totals.arrests == 2


def test_a_person_stays_counted_while_another_arrest_of_theirs_remains(log: OpLog) -> None:
    """Two arrests of one person in one hour and site; retracting one leaves the person."""
    log.append(outcome("out-2", occurred_at="2020-04-18T09:40:00+01:00"))
    log.append(correction("out-2", retract=True))
    report = rolled(log)
    assert (report.totals.arrests, report.totals.people_arrested) == (1, 1)
    assert report.by_hour["2020-04-18T09:00+01:00"].people_arrested == 1


def test_wanted_arrested_follows_the_arrest_of_an_enquiry(log: OpLog) -> None:
    """An enquiry is arrested once an arrest names it, and no longer once that is retracted."""
    log.extend([enquiry(), outcome("out-w", search_id=None, enquiry_id="enq-1",
                                   subject_ref="W-1", offences=["BA76001"])])  # fmt: skip
    assert rolled(log).totals.high_harm_arrested == 1
    log.append(correction("out-w", retract=True))
    assert rolled(log).totals.wanted_arrested == 0


def test_hour_windows_are_answered_from_rollups(log: OpLog) -> None:
    """A window on local hours (09:00-10:00 BST) holds exactly that hour's events."""
    nine = datetime(2020, 4, 18, 9, tzinfo=LONDON)
    report = rolled(log, start=nine, end=datetime(2020, 4, 18, 10, tzinfo=LONDON))
    assert list(report.by_hour) == ["2020-04-18T09:00+01:00"]
    assert report.totals.anpr_hits == 1
    assert rolled(log, end=nine).totals.anpr_hits == 0


def test_an_edited_rollup_is_found_by_verify_and_repaired_by_rebuild(log: OpLog) -> None:
    """Rollups are derived state: an edit makes the full verification fail, naming the table;
    a rebuild puts back what the events say."""
    good = log.report(OP, source="rollups")
    conn = raw(log)
    conn.execute("UPDATE rollup_cells SET arrests = arrests + 5")
    result = log.verify()
    assert not result.ok and result.problem == "derived_mismatch"
    assert "rollup_cells" in (result.reason or "")
    log.rebuild()
    assert log.verify().ok
    assert log.report(OP, source="rollups") == good


@pytest.mark.parametrize("table", ["rollup_sites", "rollup_hours", "rollup_people"])
def test_every_rollup_table_is_checked(log: OpLog, table: str) -> None:
    """Deleting the rows of any rollup table (all of them) is found by the full verification."""
    raw(log).execute(f"DELETE FROM {table}")
    assert log.verify().problem == "derived_mismatch"


def test_appends_from_two_connections_keep_the_rollups(tmp_path: Any) -> None:
    """Two connections append in turn, each from its own memory, which the other makes stale:
    the rollups stay those of a rebuild."""
    path = tmp_path / "two.db"
    with OpLog.open(path, create=True) as first, OpLog.open(path) as second:
        first.extend([operation(), hit()])
        second.append(stop())
        first.append(search())  # its memory is stale: the insert collides and is planned again
        second.append(outcome())
        first.append(correction("stop-1", replacement=stop(site="tower-bridge")))
        second.append(hit("hit-2"))
        kept = rollup_rows(first)
        report = first.report(OP, source="rollups")
        assert report == second.report(OP, source="scan")
        assert site_totals(report, "tower-bridge")["arrests"] == 1
        first.rebuild()
        assert rollup_rows(first) == kept
