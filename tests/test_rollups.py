"""Hand-worked cases of the rollups kept at append time: each change a correction can make,
worked out by hand, answered from the rollups (``source="rollups"``), and equal to the scan.

The chain of tests/factory.py: a hit and a stop at Vauxhall, a search of that stop (its site is
the stop's), a seizure from the search and an arrest for it (theirs is the search's).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


# -- the ANPR funnel: what came of a stop after a hit, two references away -----------------


def funnel(report: OpReport, site: str | None = None) -> tuple[int, int, int, int]:
    """Stops after a hit and, of them, those searched, with a positive outcome, with an arrest
    (of the whole report, or of one site)."""
    found = report.totals if site is None else report.by_site[site]
    return (
        found.hit_led_stops,
        found.hit_led_stops_searched,
        found.hit_led_stops_positive,
        found.hit_led_stops_arrested,
    )


@pytest.fixture
def searched() -> Iterator[OpLog]:
    """The chain's hit, stop and search, each appended in a batch of its own (so each event
    refers to one the connection remembers, not one in its own batch)."""
    with OpLog.memory() as log:
        for event in (operation(), hit(), stop(), search()):
            log.append(event)
        yield log


def test_an_arrest_in_the_same_batch_counts_on_the_stop(log: OpLog) -> None:
    """The chain in one batch: the arrest after the search of the stop makes the stop after a
    hit searched, positive and arrested."""
    assert funnel(rolled(log)) == (1, 1, 1, 1)


def test_an_arrest_after_a_search_counts_on_the_stop_in_the_stops_hour(searched: OpLog) -> None:
    """Hit, stop, search and an arrest at 11:30 for it, each appended alone: the stop (09:05 at
    Vauxhall) counts as arrested in its own hour and site; the arrest counts in its hour."""
    assert funnel(rolled(searched)) == (1, 1, 0, 0)
    searched.append(outcome(occurred_at="2020-04-18T11:30:00+01:00"))
    report = rolled(searched)
    assert funnel(report) == (1, 1, 1, 1) == funnel(report, "vauxhall")
    nine, eleven = (
        report.by_hour["2020-04-18T09:00+01:00"],
        report.by_hour["2020-04-18T11:00+01:00"],
    )
    assert (nine.hit_led_stops_arrested, nine.arrests) == (1, 0)
    assert (eleven.hit_led_stops_arrested, eleven.arrests) == (0, 1)
    assert report.rates["hit_stop_arrest_rate"].to_dict() == {"numerator": 1, "denominator": 1}


def test_an_arrest_reaches_a_stop_known_only_from_the_log(tmp_path: Any) -> None:
    """The arrest is appended by a connection that never saw the stop or the search: the stop
    is read from the log and counted as arrested."""
    path = tmp_path / "funnel.db"
    with OpLog.open(path, create=True) as first:
        first.extend([operation(), hit(), stop(), search()])
    with OpLog.open(path) as second:
        second.append(outcome())
        assert funnel(rolled(second)) == (1, 1, 1, 1)


def test_a_second_arrest_leaves_the_stop_counted_once(searched: OpLog) -> None:
    """Two arrests after searches of one stop (one search each): the stop is one stop arrested."""
    searched.extend([search("search-2"), outcome()])
    searched.append(outcome("out-2", search_id="search-2", subject_ref="P-2"))
    report = rolled(searched)
    assert funnel(report) == (1, 1, 1, 1)
    assert (report.totals.arrests, report.rates["arrest_rate"].numerator) == (2, 2)


@pytest.mark.parametrize(
    ("first", "then", "before", "after"),
    [
        ("no_further_action", "arrest", (1, 1, 0, 0), (1, 1, 1, 1)),
        ("arrest", "no_further_action", (1, 1, 1, 1), (1, 1, 0, 0)),
        ("traffic_offence_report", "arrest", (1, 1, 1, 0), (1, 1, 1, 1)),
        ("arrest", "traffic_offence_report", (1, 1, 1, 1), (1, 1, 1, 0)),
    ],
)
def test_a_disposal_corrected_changes_what_the_stop_came_to(
    searched: OpLog,
    first: str,
    then: str,
    before: tuple[int, ...],
    after: tuple[int, ...],
) -> None:
    """No further action is no positive outcome; a traffic offence report is positive but no
    arrest; correcting the disposal of the search's outcome moves the stop with it."""
    codes = {"no_further_action": [], "arrest": ["MD71234"], "traffic_offence_report": ["RT88191"]}
    searched.append(outcome(disposal=first, offences=codes[first]))
    assert funnel(rolled(searched)) == before
    searched.append(correction("out-1", replacement=outcome(disposal=then, offences=codes[then])))
    assert funnel(rolled(searched)) == after


def test_retracting_the_arrest_takes_the_stop_out_of_the_arrested(searched: OpLog) -> None:
    """With an arrest and a traffic offence report after the search, retracting the arrest
    leaves the stop positive, not arrested; retracting the report too leaves it searched."""
    searched.append(outcome())
    searched.append(
        outcome("out-2", disposal="traffic_offence_report", offences=["RT88191"], subject_ref="P-2")
    )
    searched.append(correction("out-1", retract=True))
    assert funnel(rolled(searched)) == (1, 1, 1, 0)
    searched.append(correction("out-2", retract=True))
    report = rolled(searched)
    assert funnel(report) == (1, 1, 0, 0)
    assert (report.totals.arrests, report.totals.corrections) == (0, 2)


@pytest.fixture
def two_stops(searched: OpLog) -> OpLog:
    """A second hit, stop and search at Blackfriars; the arrest after the first search."""
    searched.extend([hit("hit-2", site="blackfriars"),
                     stop("stop-2", hit_id="hit-2", site="blackfriars")])  # fmt: skip
    searched.append(search("search-2", stop_id="stop-2"))
    searched.append(outcome())
    assert funnel(rolled(searched), "vauxhall") == (1, 1, 1, 1)
    assert funnel(rolled(searched), "blackfriars") == (1, 1, 0, 0)
    return searched


def test_an_arrest_pointed_at_a_search_of_another_stop_moves_to_that_stop(
    two_stops: OpLog,
) -> None:
    """The arrest re-pointed to the search of the Blackfriars stop: that stop is arrested, the
    Vauxhall stop no longer; the arrest itself now counts at Blackfriars (its site comes
    through the search)."""
    two_stops.append(correction("out-1", replacement=outcome(search_id="search-2")))
    report = rolled(two_stops)
    assert funnel(report) == (2, 2, 1, 1)
    assert funnel(report, "vauxhall") == (1, 1, 0, 0)
    assert funnel(report, "blackfriars") == (1, 1, 1, 1)
    assert report.by_site["blackfriars"].arrests == 1


def test_a_search_moved_to_another_stop_takes_its_arrest_with_it(two_stops: OpLog) -> None:
    """The arrested search moved from the Vauxhall stop to the Blackfriars one: the Vauxhall
    stop keeps no search and no arrest, the Blackfriars stop has both (and its own search)."""
    two_stops.append(correction("search-1", replacement=search(stop_id="stop-2")))
    report = rolled(two_stops)
    assert funnel(report, "vauxhall") == (1, 0, 0, 0)
    assert funnel(report, "blackfriars") == (1, 1, 1, 1)


def test_an_arrest_pointed_straight_at_a_stop_counts_on_it(two_stops: OpLog) -> None:
    """An arrest re-pointed from the search to the Blackfriars stop itself: that stop is
    arrested (and positive) through no search; the Vauxhall stop is only searched."""
    two_stops.append(correction("out-1", replacement=outcome(search_id=None, stop_id="stop-2")))
    report = rolled(two_stops)
    assert funnel(report, "vauxhall") == (1, 1, 0, 0)
    assert funnel(report, "blackfriars") == (1, 1, 1, 1)
    assert report.to_dict()["arrests_by_source"] == {"stop": 1}


def test_an_outcome_naming_a_stop_makes_it_positive_without_a_search() -> None:
    """Outcomes that name the stop directly, each appended alone: no further action changes
    nothing, a fixed penalty makes it positive, an arrest arrested; it was never searched."""
    with OpLog.memory() as log:
        for event in (operation(), hit(), stop()):
            log.append(event)
        log.append(outcome("out-n", search_id=None, stop_id="stop-1",
                           disposal="no_further_action", offences=[]))  # fmt: skip
        assert funnel(rolled(log)) == (1, 0, 0, 0)
        log.append(outcome("out-p", search_id=None, stop_id="stop-1",
                           disposal="fixed_penalty_notice", offences=["RT88191"]))  # fmt: skip
        assert funnel(rolled(log)) == (1, 0, 1, 0)
        log.append(outcome("out-a", search_id=None, stop_id="stop-1"))
        assert funnel(rolled(log)) == (1, 0, 1, 1)
        log.append(correction("out-a", retract=True))
        assert funnel(rolled(log)) == (1, 0, 1, 0)


def test_a_stop_given_no_hit_leaves_the_funnel_with_its_arrest(searched: OpLog) -> None:
    """The stop corrected to follow no hit: it is still a stop, searched and arrested, but no
    longer in the funnel, and the hit led to no stop."""
    searched.append(outcome())
    searched.append(correction("stop-1", replacement=stop(hit_id=None)))
    report = rolled(searched)
    assert funnel(report) == (0, 0, 0, 0)
    assert (report.totals.vehicle_stops, report.totals.arrests) == (1, 1)
    assert report.rates["hit_stop_rate"].numerator == 0
    searched.append(correction("stop-1", event_id="fix-back", replacement=stop()))
    assert funnel(rolled(searched)) == (1, 1, 1, 1)


def test_a_stop_retracted_after_its_search_and_arrest_leaves_the_hit_alone(
    searched: OpLog,
) -> None:
    """Retracting the arrest, the search and then the stop, each in a batch of its own, empties
    the funnel stage by stage down to the hit."""
    searched.append(outcome())
    stages = []
    for target in ("out-1", "search-1", "stop-1"):
        searched.append(correction(target, retract=True))
        stages.append(funnel(rolled(searched)))
    assert stages == [(1, 1, 0, 0), (1, 0, 0, 0), (0, 0, 0, 0)]
    assert rolled(searched).totals.anpr_hits == 1


def _people_of(stored: bytes) -> set[int]:
    """The person numbers of a stored set, read as docs/scale.md describes it: empty, or the
    count (4 bytes, big-endian), then runs, each the zero bytes skipped before it and its length
    (4 bytes each, big-endian) and its little-endian bytes, cut at 64 zero bytes or more."""
    if not stored:
        return set()
    found: set[int] = set()
    at, end = 4, 0
    while at < len(stored):
        skipped, length = (int.from_bytes(stored[i : i + 4], "big") for i in (at, at + 4))
        run = stored[at + 8 : at + 8 + length]
        assert len(run) == length and run[0] != 0 and run[-1] != 0, "not the shortest run"
        assert at == 4 or skipped >= 64, "runs apart by fewer than 64 zero bytes"
        assert b"\0" * 64 not in run, "a run holding 64 zero bytes"
        start = end + skipped
        found |= {8 * (start + i) + bit for i, byte in enumerate(run) for bit in range(8)
                  if byte >> bit & 1}  # fmt: skip
        at, end = at + 8 + length, start + length
    assert int.from_bytes(stored[:4], "big") == len(found), "the count disagrees"
    return found


def test_an_operations_people_are_stored_by_the_bytes_around_them() -> None:
    """Person numbers are the log's: after 3,000 people arrested in one operation, the one
    person of the next is stored in a few bytes, not a byte for every eight people before."""
    with OpLog.memory() as log:
        events: list[dict[str, Any]] = [operation()]
        for i in range(3000):
            events += [
                stop(f"stop-{i}", hit_id=None),
                search(f"search-{i}", stop_id=f"stop-{i}"),
                outcome(f"out-{i}", search_id=f"search-{i}", subject_ref=f"P-{i}"),
            ]
        log.extend(events)
        later = "later-op"
        log.extend([operation(later), stop("stop-late", op_id=later, hit_id=None),
                    search("search-late", op_id=later, stop_id="stop-late"),
                    outcome("out-late", op_id=later, search_id="search-late",
                            subject_ref="P-late")])  # fmt: skip
        conn = raw(log)
        numbers = dict(conn.execute("SELECT subject_ref, person FROM subjects").fetchall())
        rows = dict(conn.execute("SELECT scope, people FROM rollup_sites").fetchall())
        assert _people_of(rows[later]) == {numbers["P-late"]}
        assert len(rows[later]) <= 4 + 8 + 1
        assert _people_of(rows[OP]) == {numbers[f"P-{i}"] for i in range(3000)}
        assert rolled(log, later).totals.people_arrested == 1
        assert rolled(log).totals.people_arrested == 3000


#: Sets of person numbers in clusters far apart, as a parent's row holds them (one cluster per
#: child), and dense runs, so that stored sets have one run or many.
_clustered = st.lists(
    st.tuples(st.integers(0, 40_000), st.sets(st.integers(0, 700), max_size=30)), max_size=6
).map(lambda clusters: {base + n for base, numbers in clusters for n in numbers})


@given(_clustered)
def test_a_stored_set_reads_back_as_its_people(numbers: set[int]) -> None:
    from anpr_ops.store._bitsets import bitmap, count, decode, encode

    stored = encode(bitmap(numbers))
    assert _people_of(stored) == numbers
    assert decode(stored) == bitmap(numbers)
    assert count(stored) == len(numbers)


@given(st.lists(_clustered, max_size=6))
def test_stored_sets_unite_as_their_people(sets: list[set[int]]) -> None:
    from anpr_ops.store._bitsets import bitmap, encode, union

    assert union(encode(bitmap(numbers)) for numbers in sets) == bitmap(set().union(*sets))


@given(_clustered, _clustered)
def test_people_read_from_a_stored_set_are_the_people_it_holds(a: set[int], b: set[int]) -> None:
    """Counted without decoding, they equal, hash, unite and pickle as the bitmap would."""
    import pickle

    from anpr_ops.report.figures import People
    from anpr_ops.store._bitsets import bitmap, encode

    read, plain = People.from_stored("log", encode(bitmap(a))), People.of("log", a)
    assert len(read) == len(a) and bool(read) == bool(a)
    assert read == plain and hash(read) == hash(plain)
    assert read | People.of("log", b) == People.of("log", a | b)
    assert People.of("other", b) | read == People.of("other", b) | plain
    assert pickle.loads(pickle.dumps(read)) == plain  # noqa: S301 (our own bytes)
    with pytest.raises(AttributeError, match="immutable"):
        read._logs = ()


def test_a_damaged_stored_set_counted_but_not_read_is_refused_when_read() -> None:
    """A count its runs do not hold is found when the runs are read."""
    from anpr_ops.errors import StorageError
    from anpr_ops.report.figures import People

    read = People.from_stored("log", bytes.fromhex("0000000200000000 00000001 01"))
    assert len(read) == 2
    with pytest.raises(StorageError) as info:
        _ = read.logs
    assert info.value.code == "damaged_rollups"


@pytest.mark.parametrize(
    "stored",
    [
        "01",
        "0000000000",
        "ffffffff0000000000000001ff",  # more people than bits
        "0000000100000000 00000001 00",  # a run that ends in a zero byte
        "0000000200000000 00000001 0100000010 00000001 01",  # runs 16 zero bytes apart
        "0000000100000000 00000002 01",  # a run longer than its bytes
        "0000000200000000 00000001 01",  # a count its runs do not hold
        "0000000108000000 00000001 01",  # a person past a billion
    ],
)
def test_a_set_the_library_never_stores_is_refused(stored: str) -> None:
    from anpr_ops.store._bitsets import decode, union

    with pytest.raises(ValueError, match="set of people"):
        decode(bytes.fromhex(stored))
    with pytest.raises(ValueError, match="set of people"):
        union([bytes.fromhex(stored)])


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE rollup_totals SET keys = '{\"disposals|arr'",
        "UPDATE rollup_totals SET keys = '[1, 2]'",
        'UPDATE rollup_totals SET keys = \'{"disposals|arrest": "P-secret"}\'',
        "UPDATE rollup_sites SET arrests = 'P-secret'",
        "UPDATE rollup_sites SET people = x'ffffffff01'",  # a person past a billion
        "UPDATE rollup_hours SET people = x'01'",
        "UPDATE rollup_hours SET people = x'0000000000'",
        "UPDATE rollup_sites SET people = 0",
        "UPDATE rollup_hours SET people = ''",
        "UPDATE rollup_hours SET people = x'00000001' || x'00000000' || x'00000002' || x'01'",
        "UPDATE rollup_cells SET keys = 'P-secret'",
    ],
)
def test_damaged_rollups_are_a_storage_error_that_shows_nothing(log: OpLog, change: str) -> None:
    from anpr_ops.errors import StorageError

    kept = log.report(OP)
    raw(log).execute(change)
    with pytest.raises(StorageError) as info:
        log.report(OP, site="vauxhall" if "cells" in change else None)
    assert info.value.code == "damaged_rollups"
    assert "P-secret" not in str(info.value) and info.value.__cause__ is None
    assert log.verify().problem == "derived_mismatch"
    assert log.report(OP, source="scan") == kept
    log.rebuild()
    assert log.report(OP) == kept


def test_an_append_over_a_damaged_bitmap_is_refused_and_writes_nothing(log: OpLog) -> None:
    from anpr_ops.errors import StorageError
    from tests.support import stored_state

    raw(log).execute("UPDATE rollup_sites SET people = x'ffffffff01'")
    before = stored_state(log)
    with pytest.raises(StorageError) as info:
        log.append(outcome("out-2", subject_ref="P-2", occurred_at="2020-04-18T09:50:00+01:00"))
    assert info.value.code == "damaged_rollups"
    assert stored_state(log) == before


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE operations SET timezone = 'Not/AZone'",
        "UPDATE operations SET timezone = 5",
        "UPDATE operations SET starts_at = 'P-secret'",
    ],
)
@pytest.mark.parametrize("source", ["auto", "scan"])
def test_a_damaged_operations_row_is_a_storage_error(
    log: OpLog, change: str, source: Literal["auto", "scan"]
) -> None:
    from anpr_ops.errors import StorageError

    raw(log).execute(change)
    with pytest.raises(StorageError) as info:
        log.report(OP, source=source)
    assert info.value.code == "damaged_operations"
    assert "P-secret" not in str(info.value) and "AZone" not in str(info.value)
    log.rebuild()
    assert log.report(OP, source=source).totals.arrests == 1
