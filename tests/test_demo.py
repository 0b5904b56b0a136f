"""The demo: the day of action of 18 April 2020, against figures stated by hand from the brief.

DESIGN §1 and issue 4 say what the day's record must give; every number below is written
from that text, not from the demo's output:

- the day's own events: 3 high-harm wanted offenders located and arrested for failing to
  surrender (violence the underlying category); 12 arrests for drug-related offences;
  15 weapon sweeps, one recovering a knife; 3 drug seizures; high-visibility patrols;
- Op Kaiser (Vauxhall, Blackfriars, Tower Bridge): ANPR hits, stops and searches, and a
  further 8 arrests, for drug driving, possession with intent to supply, theft of a motor
  vehicle and driving with no licence or insurance; Traffic Offence Reports, s.165A vehicle
  seizures and no-further-action outcomes besides.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from anpr_ops import OpLog, OpReport
from anpr_ops.cli import main
from anpr_ops.cli._demo import DAY_OP, KAISER_OP, demo_events_path, demo_events_text
from anpr_ops.vrm import VrmFormat, classify


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    assert main(["demo", "--db", str(db)]) == 0
    return db


@pytest.fixture(scope="module")
def day(demo_log: Path) -> OpReport:
    with OpLog.open(demo_log, readonly=True) as log:
        return log.report(DAY_OP, include_children=False)


@pytest.fixture(scope="module")
def kaiser(demo_log: Path) -> OpReport:
    with OpLog.open(demo_log, readonly=True) as log:
        return log.report(KAISER_OP)


def test_the_days_own_results(day: OpReport) -> None:
    totals = day.totals
    assert totals.wanted_located >= 3
    assert totals.wanted_arrested == 3 and totals.high_harm_arrested == 3
    assert day.rollup.wanted_arrested_by_category == {"fail_to_surrender": 3}
    assert all(underlying == "violence" for _, _, underlying in day.rollup.wanted)
    assert day.arrests_by_group == {"drugs": 12, "bail": 3}
    assert totals.weapon_sweeps == 15
    assert day.breakdowns()["weapons_by_type"] == {"knife": 1}
    assert day.breakdowns()["seizures_by_item"]["controlled_drug"] == 3
    assert totals.patrols >= 1
    assert totals.anpr_hits == 0  # the ANPR work is Op Kaiser's


def test_op_kaiser(kaiser: OpReport) -> None:
    assert kaiser.name == "Op Kaiser" and kaiser.children == ()
    assert [name for _, name in kaiser.operations[KAISER_OP].sites] == [
        "Vauxhall",
        "Blackfriars",
        "Tower Bridge",
    ]
    assert kaiser.operations[KAISER_OP].parent_op_id == DAY_OP
    totals = kaiser.totals
    assert totals.arrests == 8
    assert set(kaiser.arrests_by_category) == {
        "drug_driving",
        "drugs_supply",
        "vehicle_theft",
        "no_licence",
        "no_insurance",
    }
    assert totals.anpr_hits > totals.hit_led_stops > 0 and totals.searches > 0
    disposals = kaiser.breakdowns()["disposals"]
    assert disposals["arrest"] == 8
    assert disposals["traffic_offence_report"] > 0 and disposals["no_further_action"] > 0
    assert kaiser.breakdowns()["seizures_by_item"]["vehicle"] > 0
    assert set(kaiser.by_site) <= {"vauxhall", "blackfriars", "tower-bridge"}


def test_vehicle_seizures_are_under_s165a() -> None:
    events = [json.loads(line) for line in demo_events_text().splitlines()]
    vehicles = [e for e in events if e["kind"] == "seizure" and e["item"] == "vehicle"]
    assert vehicles and {e["power"] for e in vehicles} == {"rta_1988_s165a"}


def test_the_whole_day_is_the_day_plus_kaiser(
    demo_log: Path, day: OpReport, kaiser: OpReport
) -> None:
    with OpLog.open(demo_log, readonly=True) as log:
        whole = log.report(DAY_OP)
    assert whole.children == (KAISER_OP,)
    assert whole.rollup == (day + kaiser).rollup
    assert whole.totals.arrests == 3 + 12 + 8


def _words(text: str) -> str:
    return " ".join(text.split())


def test_demo_prints_the_end_of_day_summary_verifies_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "day.db"
    code, out, err = run(capsys, "demo", "--db", str(db))
    assert code == 0 and err == ""
    text = _words(out)
    assert "Saturday 18 April 2020" in text
    for phrase in (
        "3 high-harm wanted offenders located and arrested for failing to appear at court "
        "for violence-related offences",
        "12 arrests for drug-related offences",
        "15 weapon sweeps",
        "1 knife recovered",
        "3 drug seizures",
        "high-visibility patrols",
        "Op Kaiser (Vauxhall, Blackfriars, Tower Bridge): a further 8 arrests, for drug "
        "driving, possession with intent to supply, theft of a motor vehicle and driving "
        "with no licence or insurance",
    ):
        assert phrase in text, phrase
    assert "chain holds" in text
    assert str(db.resolve()) in out and str(demo_events_path()) in out


def test_running_the_demo_again_adds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "day.db"
    run(capsys, "demo", "--db", str(db))
    with OpLog.open(db) as log:
        head = log.head()
    code, out, _ = run(capsys, "demo", "--db", str(db))
    assert code == 0 and "recorded 0 new event(s)" in out
    with OpLog.open(db) as log:
        assert log.head() == head


def test_the_file_is_the_interchange_format_with_made_up_identities() -> None:
    events = [json.loads(line) for line in demo_events_text().splitlines()]
    plates = {e["vrm"] for e in events if "vrm" in e}
    assert len(plates) > 10
    assert all(classify(p) is VrmFormat.CURRENT for p in plates)
    subjects = {e["subject_ref"] for e in events if "subject_ref" in e}
    assert all(re.fullmatch(r"P-[0-9A-Z]{6}", s) for s in subjects)
    assert {e["op_id"] for e in events} == {DAY_OP, KAISER_OP}
    # the log keeps exactly what the file says
    with OpLog.memory() as log:
        log.extend(events)
        assert len(log) == len(events)
