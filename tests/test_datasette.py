"""The readable views, in SQLite and in Datasette (its Python API, no server).

Row counts are those of the demo file, worked out from the day it describes: 26 ANPR hits,
20 stops, 16 searches on the day and 5 in Op Kaiser, 19 outcomes on the day (3 arrests of
wanted people, 16 after searches) and 20 in Op Kaiser (8 arrests, 7 Traffic Offence Reports,
5 no further action), 4 seizures on the day (3 drugs, a knife) and 9 in Op Kaiser
(6 vehicles, 2 drugs, cash), 15 sweeps, 4 enquiries, 4 patrols, 1 correction.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from anpr_ops import OpLog
from anpr_ops.cli import main
from anpr_ops.store._datasette import metadata
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
    "corrections_readable": 1,
}


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
    assert set(ROWS) | {"offence_catalogue"} == set(VIEWS)
    for view, count in ROWS.items():
        assert len(query(demo_db, f"SELECT * FROM {view}")) == count, view


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


def test_an_older_file_gets_the_views_and_its_chain_is_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "old.db"
    assert main(["demo", "--db", str(db)]) == 0
    with OpLog.open(db) as log:
        checkpoint = log.checkpoint()
    conn = sqlite3.connect(db)
    for view in reversed(VIEWS):  # a file from before the views
        conn.execute(f"DROP VIEW {view}")
    conn.commit()
    events_before = conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    conn.close()
    capsys.readouterr()
    assert main(["datasette-metadata", str(db)]) == 0
    out, err = capsys.readouterr()
    assert f"anpr-ops views {db}" in err and json.loads(out)["databases"]["old"]
    assert main(["views", str(db)]) == 0
    assert f"added {len(VIEWS)} view(s)" in capsys.readouterr().out
    assert main(["views", str(db)]) == 0
    assert "had every view" in capsys.readouterr().out
    assert len(query(db, "SELECT * FROM searches_readable")) == ROWS["searches_readable"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM events ORDER BY seq").fetchall() == events_before
    conn.close()
    with OpLog.open(db) as log:
        assert log.verify(checkpoint).ok and log.verify(projections=True).ok


def test_views_refuses_what_is_not_a_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.db"
    assert main(["views", str(missing)]) == 1 and not missing.exists()
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert main(["views", str(other)]) == 1
    assert query(other, "SELECT name FROM sqlite_master") == [{"name": "t"}]
    _, err = capsys.readouterr()
    assert err.count("\n") == 2 and "Traceback" not in err


async def _browse(db: Path, meta: dict[str, Any]) -> dict[str, Any]:
    ds = Datasette([str(db)], metadata=meta)
    await ds.invoke_startup()
    name = db.stem
    seen: dict[str, Any] = {}
    for view in VIEWS:
        rows = await ds.client.get(f"/{name}/{view}.json?_shape=array&_size=max")
        page = await ds.client.get(f"/{name}/{view}")
        seen[view] = (rows.status_code, rows.json(), page.status_code, page.text)
    table = await ds.client.get(f"/{name}/searches")
    seen["searches"] = (table.status_code, None, table.status_code, table.text)
    served = await ds.client.get("/-/metadata.json")
    seen["metadata"] = served.json()
    return seen


def test_datasette_serves_every_view_with_its_metadata(demo_db: Path) -> None:
    meta = metadata(demo_db)
    seen = asyncio.run(_browse(demo_db, meta))
    for view in VIEWS:
        status, rows, page_status, page = seen[view]
        assert status == 200 and page_status == 200, view
        if view in ROWS:
            assert len(rows) == ROWS[view], view
        title = meta["databases"]["day"]["tables"][view]["title"]
        assert title in page, view
    assert seen["metadata"] == meta
    # the derived tables' foreign keys show the operation's name beside its id
    status, _, _, page = seen["searches"]
    assert status == 200 and "Op Kaiser" in page
