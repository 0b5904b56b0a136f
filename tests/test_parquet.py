"""The Parquet export (anpr-ops export parquet): one folder per table, one file per log, the
current view of the public fields, and never a personal value."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from anpr_ops import OpLog, report_logs
from anpr_ops.cli import main
from anpr_ops.errors import MissingExtraError
from anpr_ops.events import KINDS, Event, personal_fields
from anpr_ops.interop.parquet import TABLES, export_parquet
from anpr_ops.strategies import operation_batches
from tests.conftest import ROOT
from tests.factory import operation, outcome, search

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLURAL = {spec.kind.value: spec.plural for spec in KINDS}


def read(folder: Path, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` over every log exported into ``folder``."""
    rows: list[dict[str, Any]] = pq.read_table(folder / table).to_pylist()
    return rows


def cells(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from cells(item)
    else:
        yield value


@SETTINGS
@given(batch=operation_batches(op_id="op"))
def test_each_table_holds_the_current_view_and_no_personal_value(batch: list[Event]) -> None:
    """Row for row the events of the log's current view (corrections as appended), with the
    same public values; no personal field, commitment or person number, and no cell holding
    a personal value of the log."""
    with tempfile.TemporaryDirectory() as folder, OpLog.memory() as log:
        log.extend(batch)
        counts = export_parquet(log, folder)
        current = list(log.events())
        fixes = list(log.events(kind="correction", corrected=False))
        personal = {
            value
            for event in log.events(corrected=False, personal=True)
            for name in personal_fields(type(event))
            if isinstance(value := getattr(event, name), str)
        }
        exported: dict[str, dict[str, dict[str, Any]]] = {}
        for table, columns in TABLES.items():
            schema = pq.read_schema(Path(folder) / table / f"{log.log_id}.parquet")
            assert schema.names == [c.name for c in columns]
            assert not {"personal", "subject"} & set(schema.names)
            rows = read(Path(folder), table)
            assert len(rows) == counts[table]
            assert {row["log_id"] for row in rows} <= {log.log_id}
            for row in rows:
                assert not personal & set(cells(list(row.values())))
            if table != "sites":
                exported[table] = {row["event_id"]: row for row in rows}
        for event in [*current, *fixes]:
            row = exported[PLURAL[event.kind]].pop(event.event_id)
            assert not set(personal_fields(type(event))) & set(row)
            assert row["occurred_at"] == event.occurred_at
            assert row["op_id"] == event.op_id
        assert all(not rows for rows in exported.values())
        sites = read(Path(folder), "sites")
        assert sorted((s["op_id"], s["position"], s["site_id"]) for s in sites) == sorted(
            (op.op_id, n, site.site_id)
            for op in log.operations()
            for n, site in enumerate(op.sites)
        )


@SETTINGS
@given(batch=operation_batches(op_id="op"))
def test_figures_counted_from_the_export_agree_with_the_report(batch: list[Event]) -> None:
    """An analyst's GROUP BY over the Parquet files gives the report's breakdowns."""
    with tempfile.TemporaryDirectory() as folder, OpLog.memory() as log:
        log.extend(batch)
        export_parquet(log, folder)
        report = log.report("op")
        searches = read(Path(folder), "searches")
        hits = read(Path(folder), "anpr_hits")
        outcomes = read(Path(folder), "outcomes")
    assert Counter(s["legislation"] for s in searches) == Counter(
        report.rollup.searches_by_legislation
    )
    assert Counter(r for h in hits for r in h["reasons"]) == Counter(report.rollup.hits_by_reason)
    assert Counter(o["disposal"] for o in outcomes) == Counter(report.rollup.disposals)
    assert len(searches) == report.totals.searches


def _force_log(path: Path, force: str, legislations: list[str]) -> Path:
    op_id = f"{force}-day"
    events: list[dict[str, Any]] = [operation(op_id=op_id, force=force)]
    for n, legislation in enumerate(legislations):
        events.append(
            search(
                op_id=op_id,
                event_id=f"{op_id}-s{n}",
                stop_id=None,
                site_id="vauxhall",
                legislation=legislation,
                subject_ref=f"{force}-{n}",
            )
        )
        events.append(
            outcome(
                op_id=op_id,
                event_id=f"{op_id}-o{n}",
                search_id=f"{op_id}-s{n}",
                subject_ref=f"{force}-{n}",
                disposal="no_further_action",
                offences=[],
            )
        )
    with OpLog.open(path, create=True) as log:
        log.extend(events)
    return path


@pytest.fixture
def two_forces(tmp_path: Path) -> tuple[Path, list[Path]]:
    """Two forces' logs exported into one folder with the command line, as docs/scale.md."""
    kent = _force_log(
        tmp_path / "kent.db", "kent", ["mda_1971_s23", "mda_1971_s23", "pace_1984_s1"]
    )
    surrey = _force_log(tmp_path / "surrey.db", "surrey", ["pace_1984_s1"])
    folder = tmp_path / "national"
    for db in (kent, surrey):
        assert main(["export", "parquet", str(db), "-o", str(folder)]) == 0
    return folder, [kent, surrey]


def expected_by_force(paths: list[Path]) -> set[tuple[str, str, int]]:
    """Searches by force and legislation, from the reports of the logs themselves."""
    return {
        (force, legislation, n)
        for force in ("kent", "surrey")
        for legislation, n in report_logs(paths, force=force).rollup.searches_by_legislation.items()
    }


def test_many_logs_exports_read_as_one_table(two_forces: tuple[Path, list[Path]]) -> None:
    """Each table's folder reads as one table over both logs; joined on (log_id, op_id), the
    operations give each search its force."""
    folder, paths = two_forces
    assert len(list((folder / "searches").glob("*.parquet"))) == 2
    forces = {(o["log_id"], o["op_id"]): o["force"] for o in read(folder, "operations")}
    counted = Counter(
        (forces[(s["log_id"], s["op_id"])], s["legislation"]) for s in read(folder, "searches")
    )
    assert {(f, leg, n) for (f, leg), n in counted.items()} == expected_by_force(paths)


def test_exporting_a_log_again_replaces_its_own_files(two_forces: tuple[Path, list[Path]]) -> None:
    folder, paths = two_forces
    before = {p.name: len(read(folder, p.name)) for p in folder.iterdir()}
    assert main(["export", "parquet", str(paths[0]), "-o", str(folder)]) == 0
    assert {p.name: len(read(folder, p.name)) for p in folder.iterdir()} == before
    assert not list(folder.rglob(".*"))  # no temporary file left behind


def _docs_query() -> str:
    """The DuckDB query docs/scale.md shows over two logs' exports."""
    text = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- duckdb-query -->\s*```sql\n(.*?)```", text, re.DOTALL)
    assert match is not None, "docs/scale.md lost its marked DuckDB query"
    return match.group(1)


def test_the_documented_duckdb_query_runs(two_forces: tuple[Path, list[Path]]) -> None:
    """The query of docs/scale.md, run by DuckDB (when installed) in the folder above
    ``national``, gives the reports' searches by force and legislation."""
    duckdb = pytest.importorskip("duckdb")
    folder, paths = two_forces
    old = Path.cwd()
    os.chdir(folder.parent)
    try:
        rows = duckdb.sql(_docs_query()).fetchall()
    finally:
        os.chdir(old)
    assert {(f, leg, int(n)) for f, leg, n in rows} == expected_by_force(paths)


def test_an_empty_log_still_writes_every_table(tmp_path: Path) -> None:
    """So that a glob over many logs' folders always finds files of the same schema."""
    with OpLog.open(tmp_path / "empty.db", create=True) as log:
        counts = export_parquet(log, tmp_path / "out")
    assert counts == dict.fromkeys(TABLES, 0)
    for table, columns in TABLES.items():
        assert pq.read_table(tmp_path / "out" / table).schema.names == [c.name for c in columns]


def test_the_files_say_which_log_and_head_they_come_from(tmp_path: Path) -> None:
    path = _force_log(tmp_path / "kent.db", "kent", ["pace_1984_s1"])
    with OpLog.open(path, readonly=True) as log:
        export_parquet(log, tmp_path / "out")
        seq, head = log.head()
        log_id = log.log_id
    meta = pq.read_schema(tmp_path / "out" / "searches" / f"{log_id}.parquet").metadata
    assert meta[b"log_id"].decode() == log_id
    assert (int(meta[b"head_seq"]), meta[b"head_hash"].decode()) == (seq, head)


def test_the_command_line_names_a_missing_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["export", "parquet", str(tmp_path / "missing.db"), "-o", str(tmp_path / "out")])
    assert code == 2 and "missing.db" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_without_pyarrow_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with (
        OpLog.open(tmp_path / "a.db", create=True) as log,
        pytest.raises(MissingExtraError) as caught,
    ):
        export_parquet(log, tmp_path / "out")
    assert caught.value.code == "missing_extra" and "parquet" in caught.value.message
