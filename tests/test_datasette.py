"""The readable views, in SQLite and in Datasette (its Python API, no server).

Row counts are those of the demo file, worked out from the day it describes: 26 ANPR hits,
20 stops, 16 searches on the day and 5 in Op Kaiser, 19 outcomes on the day (3 arrests of
wanted people, 16 after searches) and 20 in Op Kaiser (8 arrests, 7 Traffic Offence Reports,
5 no further action), 4 seizures on the day (3 drugs, a knife) and 9 in Op Kaiser
(6 vehicles, 2 drugs, cash), 15 sweeps, 4 enquiries, 4 patrols, 1 correction, no offence
definitions.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from anpr_ops import OpLog
from anpr_ops.cli import main
from anpr_ops.events import personal_fields
from anpr_ops.store._datasette import PRIVATE_TABLES, metadata
from anpr_ops.store._views import VIEWS
from anpr_ops.vocab import LABELS, Disposal, Legislation, ObjectOfSearch

ROWS = {
    "operations_readable": 2,
    "anpr_hits_readable": 26,
    "vehicle_stops_readable": 20,
    "searches_readable": 16 + 5,
    "outcomes_readable": 19 + 20,
    "seizures_readable": 4 + 9,
    "weapon_sweeps_readable": 15,
    "arrest_enquiries_readable": 4,
    "patrols_readable": 4,
    "offence_definitions_readable": 0,
    "corrections_readable": 1,
}
#: Views the readable ones are made from, or that list every stored event.
HELPERS = {"offence_catalogue", "event_log", "current_events"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("datasette") / "day.db"
    assert main(["demo", "--db", str(db)]) == 0
    return db


def query(db: Path, sql: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def test_every_view_is_in_a_new_log_and_the_list_is_complete(demo_db: Path) -> None:
    assert set(ROWS) | HELPERS == set(VIEWS)
    for view, count in ROWS.items():
        assert len(query(demo_db, f"SELECT * FROM {view}")) == count, view
    assert len(query(demo_db, "SELECT * FROM event_log")) == 145


def test_codes_have_labels(demo_db: Path) -> None:
    searches = query(demo_db, "SELECT * FROM searches_readable")
    assert {s["legislation_label"] for s in searches} <= set(LABELS[Legislation].values())
    assert {s["object_of_search_label"] for s in searches} <= set(LABELS[ObjectOfSearch].values())
    assert {s["site"] for s in searches} == {
        "Brixton", "Peckham", "Tottenham", "West Croydon", "Vauxhall", "Blackfriars",
        "Tower Bridge",
    }  # fmt: skip
    outcomes = query(demo_db, "SELECT * FROM outcomes_readable")
    assert {o["disposal_label"] for o in outcomes} <= set(LABELS[Disposal].values())
    assert sum(o["disposal"] == "arrest" for o in outcomes) == 3 + 12 + 8
    drug_driving = [o for o in outcomes if o["primary_category"] == "drug_driving"]
    assert drug_driving and all(o["primary_category_label"] == "Drug driving" for o in drug_driving)
    assert all(o["primary_offence_title"] for o in outcomes if o["primary_offence"])
    enquiries = query(demo_db, "SELECT * FROM arrest_enquiries_readable")
    assert sorted(e["arrested"] for e in enquiries) == ["no", "yes", "yes", "yes"]
    assert {e["underlying_offence_category_label"] for e in enquiries} == {"Violence"}
    knife = query(demo_db, "SELECT * FROM seizures_readable WHERE found_in = 'weapon sweep'")
    assert [k["weapon_type_label"] for k in knife] == ["Knife"]
    stops = query(demo_db, "SELECT * FROM vehicle_stops_readable")
    # A default left out of the stored form reads as the default.
    assert {s["power"] for s in stops} == {"rta_1988_s163"}


def test_what_refers_to_an_event_is_counted_from_the_current_record(demo_db: Path) -> None:
    """The counts of dependants agree with the report's figures of the same day."""
    with OpLog.open(demo_db, readonly=True) as log:
        totals = log.report("msc-day-of-action-2020-04-18").to_dict()["totals"]
    hits = query(demo_db, "SELECT vehicle_stops FROM anpr_hits_readable")
    assert sum(h["vehicle_stops"] for h in hits) == totals["hit_led_stops"]
    stops = query(demo_db, "SELECT searches, outcomes FROM vehicle_stops_readable")
    searches = query(demo_db, "SELECT outcomes, seizures, disposals FROM searches_readable")
    sweeps = query(demo_db, "SELECT seizures FROM weapon_sweeps_readable")
    outcomes = query(demo_db, "SELECT after FROM outcomes_readable")
    assert sum(s["outcomes"] for s in searches) == sum(o["after"] == "search" for o in outcomes)
    assert sum(s["outcomes"] for s in stops) == sum(o["after"] == "vehicle stop" for o in outcomes)
    assert sum(s["seizures"] for s in sweeps) == 1
    assert all(s["disposals"].count(";") + 1 == s["outcomes"] for s in searches if s["outcomes"])


def test_a_corrected_dependant_counts_where_its_replacement_points(tmp_path: Path) -> None:
    from tests import factory as f

    db = tmp_path / "c.db"
    with OpLog.open(db, create=True) as log:
        log.extend([f.operation(), f.hit(), f.hit("hit-2"), f.stop()])
        log.correct("stop-1", reason="wrong hit", replacement={**f.stop(), "hit_id": "hit-2"})
    hits = {
        h["event_id"]: h["vehicle_stops"] for h in query(db, "SELECT * FROM anpr_hits_readable")
    }
    assert hits == {"hit-1": 0, "hit-2": 1}
    with OpLog.open(db) as log:
        log.correct("stop-1", reason="no such stop", retract=True)
    hits = {
        h["event_id"]: h["vehicle_stops"] for h in query(db, "SELECT * FROM anpr_hits_readable")
    }
    assert hits == {"hit-1": 0, "hit-2": 0}


def test_the_offence_catalogue_puts_the_logs_definitions_on_top(tmp_path: Path) -> None:
    db = tmp_path / "defs.db"
    with OpLog.open(db, create=True) as log:
        log.extend(
            [
                {"kind": "operation", "event_id": "op", "op_id": "op-1", "name": "One",
                 "force": "metropolitan", "occurred_at": "2020-04-18T07:00:00Z",
                 "starts_at": "2020-04-18T07:00:00Z"},
                {"kind": "offence_definition", "event_id": "def", "op_id": "op-1",
                 "occurred_at": "2020-04-18T07:00:00Z", "code": "RT88584",
                 "title": "Drug driving (local wording)", "category": "other"},
            ]
        )  # fmt: skip
    rows = query(db, "SELECT * FROM offence_catalogue WHERE code = 'RT88584'")
    assert len(rows) == 1 and rows[0]["title"] == "Drug driving (local wording)"
    assert rows[0]["defined_by"] == "this log (def)" and rows[0]["offence_group"] == "other"
    assert len(query(db, "SELECT * FROM offence_definitions_readable")) == 1


def test_the_views_show_no_personal_value(demo_db: Path) -> None:
    """Every personal value of the demo (plates, subjects, officers, notes, grounds) is
    absent from every cell of every view."""
    secrets: set[str] = set()
    with OpLog.open(demo_db) as log:
        for event in log.events(corrected=False, personal=True):
            for field in personal_fields(type(event)):
                value = getattr(event, field)
                if isinstance(value, str) and len(value) >= 4:
                    secrets.add(value)
    assert len(secrets) > 40
    for view in VIEWS:
        for row in query(demo_db, f"SELECT * FROM {view}"):
            cells = " | ".join(str(v) for v in row.values())
            assert not [s for s in secrets if s in cells], view


def _drop_views(db: Path) -> None:
    conn = sqlite3.connect(db)
    for view in VIEWS:
        conn.execute(f"DROP VIEW {view}")
    conn.commit()
    conn.close()


def test_a_file_with_other_views_gets_this_versions_and_its_chain_is_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "old.db"
    assert main(["demo", "--db", str(db)]) == 0
    with OpLog.open(db) as log:
        checkpoint = log.checkpoint()
    _drop_views(db)  # as a file written by a version with other views would be
    conn = sqlite3.connect(db)
    conn.execute("CREATE VIEW searches_readable AS SELECT 1 AS seq")  # one of another shape
    conn.commit()
    events_before = conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    conn.close()
    capsys.readouterr()
    for command in (["datasette-metadata", str(db)], ["report", str(db), "--op", "x"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert "anpr-ops views" in err and "tampered" not in err
    code = main(["verify", str(db)])
    out, err = capsys.readouterr()
    assert code == 0 and "chain holds" in out and "anpr-ops views" in err
    assert main(["views", str(db)]) == 0
    assert f"added {len(VIEWS) - 1} view(s)" in capsys.readouterr().out
    assert main(["views", str(db)]) == 0
    assert "had every view" in capsys.readouterr().out
    assert len(query(db, "SELECT * FROM searches_readable")) == ROWS["searches_readable"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM events ORDER BY seq").fetchall() == events_before
    conn.close()
    with OpLog.open(db) as log:
        assert log.verify(checkpoint).ok and log.verify().ok
    assert main(["datasette-metadata", str(db)]) == 0


def test_views_refuses_what_is_not_a_log_or_has_lost_a_guard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.db"
    assert main(["views", str(missing)]) == 2 and not missing.exists()
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert main(["views", str(other)]) == 2
    assert query(other, "SELECT name FROM sqlite_master") == [{"name": "t"}]
    tampered = tmp_path / "tampered.db"
    assert main(["demo", "--db", str(tampered)]) == 0
    _drop_views(tampered)
    conn = sqlite3.connect(tampered)
    conn.execute("DROP TRIGGER events_no_update")
    conn.commit()
    conn.close()
    capsys.readouterr()
    assert main(["views", str(tampered)]) == 1
    assert query(tampered, "SELECT name FROM sqlite_master WHERE type = 'view'") == []
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "events_no_update" in err and "Traceback" not in err


async def _browse(db: Path, meta: dict[str, Any]) -> dict[str, Any]:
    ds = Datasette([str(db)], metadata=meta)
    await ds.invoke_startup()
    name = db.stem
    seen: dict[str, Any] = {}
    for view in VIEWS:
        rows = await ds.client.get(f"/{name}/{view}.json?_shape=array&_size=max")
        page = await ds.client.get(f"/{name}/{view}")
        seen[view] = (rows.status_code, rows.json(), page.status_code, page.text)
    for path in (
        f"/{name}/sites",
        f"/{name}",
        "/",
        f"/{name}/operations/msc-day-of-action-2020-04-18",
        f"/{name}/operations/msc-day-of-action-2020-04-18.json?_extras=foreign_key_tables",
        f"/{name}?sql=select+*+from+personal",
        *(f"/{name}/{table}" for table in PRIVATE_TABLES),
    ):
        response = await ds.client.get(path)
        seen[path] = (response.status_code, response.text)
    links = sorted(
        set(re.findall(rf'href="(/{name}/operations/[^"]+)"', seen[f"/{name}/sites"][1]))
    )
    seen["links"] = [(link, (await ds.client.get(link)).status_code) for link in links]
    served = await ds.client.get("/-/metadata.json")
    seen["metadata"] = served.json()
    return seen


@pytest.fixture(scope="module")
def browsed(demo_db: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = metadata(demo_db)
    return meta, asyncio.run(_browse(demo_db, meta))


def test_datasette_serves_every_view_with_its_metadata(
    browsed: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    meta, seen = browsed
    tables = meta["databases"]["day"]["tables"]
    for view in VIEWS:
        status, rows, page_status, page = seen[view]
        assert status == 200 and page_status == 200, view
        if view in ROWS:
            assert len(rows) == ROWS[view], view
        assert tables[view]["title"] in page, view
        # Every column of a readable view has a note.
        if view in ROWS and rows:
            assert set(rows[0]) <= set(tables[view]["columns"]), view
    assert seen["metadata"] == meta


def test_operation_links_lead_to_the_operation_and_its_children(
    browsed: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, seen = browsed
    assert [status for _, status in seen["links"]] == [200, 200]
    assert {link.rsplit("/", 1)[1] for link, _ in seen["links"]} == {
        "kaiser-2020-04-18",
        "msc-day-of-action-2020-04-18",
    }
    status, page = seen["/day/operations/msc-day-of-action-2020-04-18"]
    assert status == 200 and "Metropolitan Special Constabulary day of action" in page
    status, text = seen[
        "/day/operations/msc-day-of-action-2020-04-18.json?_extras=foreign_key_tables"
    ]
    children = {
        (t["other_table"], t["other_column"]): t["count"]
        for t in json.loads(text)["foreign_key_tables"]
    }
    assert children == {("operations", "parent_op_id"): 1, ("sites", "op_id"): 4}


def test_the_readable_views_come_first(
    browsed: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, seen = browsed
    status, page = seen["/day"]
    assert status == 200
    start = page.index("Start with the readable views")
    first_table = page.find('<h2 id="tables">')
    assert start < first_table or first_table == -1
    linked = re.findall(r'href="/day/(\w+_readable)"', page[start:])
    assert linked[: len(ROWS)] == list(ROWS)
    assert 'href="/day/events"' not in page  # raw tables are hidden
    status, index = seen["/"]
    assert status == 200
    first = re.findall(r'href="/day/(\w+)"', index)[0]
    assert first == "operations_readable"


def test_personal_tables_and_free_sql_are_closed(
    browsed: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, seen = browsed
    for table in PRIVATE_TABLES:
        assert seen[f"/day/{table}"][0] == 403, table
    assert seen["/day?sql=select+*+from+personal"][0] == 403
