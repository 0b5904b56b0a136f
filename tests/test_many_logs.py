"""Reports over many log files (anpr_ops.report_logs): the sum of the files' reports is the
report of one log holding all their events, and every file that cannot be reported is named."""

from __future__ import annotations

import json
import pickle
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpr_ops import OpLog, OpReport, report_logs
from anpr_ops.cli import main
from anpr_ops.errors import EventNotFoundError, LogNotFoundError, NotALogError, ReportError
from anpr_ops.events import Event, Operation
from anpr_ops.strategies import operation_batches
from tests.factory import operation, outcome, search
from tests.many_logs import NATIONAL, combined, force_logs, write_logs
from tests.reference import reference_report

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def in_files(logs: tuple[list[Event], ...]) -> tuple[tempfile.TemporaryDirectory[str], list[Path]]:
    folder = tempfile.TemporaryDirectory()
    return folder, write_logs(Path(folder.name), logs)


@SETTINGS
@given(logs=st.integers(1, 4).flatmap(force_logs))
def test_the_sum_over_files_is_the_report_of_one_log_holding_every_event(
    logs: tuple[list[Event], ...],
) -> None:
    """One operation kept in several files: report_logs equals the report of the union, and
    the plain-Python reference fold over it."""
    folder, paths = in_files(logs)
    with folder, combined(logs) as whole:
        summed = report_logs(paths, NATIONAL)
        assert summed.to_dict() == whole.report(NATIONAL).to_dict()
        assert summed.to_dict() == reference_report(whole, NATIONAL)


@SETTINGS
@given(logs=st.integers(1, 4).flatmap(force_logs), include_children=st.booleans())
def test_every_root_operation_of_every_file_adds_up_as_one_log(
    logs: tuple[list[Event], ...], include_children: bool
) -> None:
    """Without an operation: every root operation of every file, summed, whichever way the
    events are split into files."""
    folder, paths = in_files(logs)
    with folder, tempfile.TemporaryDirectory() as other:
        (single,) = write_logs(Path(other), [[e for events in logs for e in events]])
        summed = report_logs(paths, include_children=include_children)
        whole = report_logs([single], include_children=include_children)
        assert summed.to_dict() == whole.to_dict()
        assert summed.totals.people_arrested == whole.totals.people_arrested


@SETTINGS
@given(logs=st.integers(2, 4).flatmap(force_logs))
def test_the_forces_reports_add_up_to_the_whole(logs: tuple[list[Event], ...]) -> None:
    """A force selects its operations (each with its own events), so the forces' reports
    partition the whole: their sum has every figure of the report of everything (bar the
    local hours, which each operation buckets in its own zone)."""
    folder, paths = in_files(logs)
    with folder:
        everything = report_logs(paths).rollup
        forces = {op.force for events in logs for op in events if isinstance(op, Operation)}
        parts = sum((report_logs(paths, force=f) for f in forces), OpReport.empty()).rollup
        assert parts.totals == everything.totals
        assert parts.breakdowns() == everything.breakdowns()
        assert dict(parts.by_site) == dict(everything.by_site)
        kent = report_logs(paths, force="kent")
        with combined(logs) as whole:
            ops = {op.op_id for op in whole.operations() if op.force == "kent"}
        assert kent.roots == ops and set(kent.operations) == ops


@SETTINGS
@given(batch=operation_batches(op_id="op"))
def test_a_report_survives_pickling(batch: list[Event]) -> None:
    """Reports cross processes (a cluster sends them between workers) unchanged, and arrive
    read-only."""
    with OpLog.memory() as log:
        log.extend(batch)
        report = log.report("op")
    back: OpReport = pickle.loads(pickle.dumps(report))  # noqa: S301 - our own bytes
    assert back == report and back.to_dict() == report.to_dict()
    assert back.rollup == report.rollup
    with pytest.raises(TypeError):
        back.by_operation["x"] = back.rollup  # type: ignore[index]
    with pytest.raises(TypeError):
        back.rollup.disposals["arrest"] = 1  # type: ignore[index]


# --------------------------------------------------------------------------- examples


def _write(path: Path, events: list[dict[str, Any]]) -> Path:
    with OpLog.open(path, create=True) as log:
        log.extend(events)
    return path


def _day(path: Path, op_id: str, subject: str, *, force: str = "metropolitan") -> Path:
    """A log with one operation and one arrest of ``subject``."""
    return _write(
        path,
        [
            operation(op_id=op_id, force=force),
            search(
                op_id=op_id,
                event_id=f"{op_id}-s1",
                stop_id=None,
                site_id="vauxhall",
                subject_ref=subject,
            ),
            outcome(
                op_id=op_id,
                event_id=f"{op_id}-o1",
                search_id=f"{op_id}-s1",
                subject_ref=subject,
                disposal="arrest",
                offences=["MD71234"],
            ),
        ],
    )


def test_people_add_up_across_logs(tmp_path: Path) -> None:
    """The same subject reference in two logs is two people: each log numbers its own."""
    a = _day(tmp_path / "a.db", "op", "P-1")
    b = _day(tmp_path / "b.db", "op", "P-1")
    alone = report_logs([a], "op")
    both = report_logs([a, b], "op")
    assert alone.totals.people_arrested == 1
    assert both.totals.arrests == 2 and both.totals.people_arrested == 2


def test_a_log_without_the_operation_is_named(tmp_path: Path) -> None:
    a = _day(tmp_path / "a.db", "op", "P-1")
    b = _day(tmp_path / "b.db", "other", "P-2")
    with pytest.raises(EventNotFoundError) as caught:
        report_logs([a, b], "op")
    assert str(b) in caught.value.message and caught.value.code == "event_not_found"


def test_every_operation_skips_a_log_without_any(tmp_path: Path) -> None:
    a = _day(tmp_path / "a.db", "op", "P-1")
    with OpLog.open(tmp_path / "empty.db", create=True):
        pass
    assert report_logs([a, tmp_path / "empty.db"]) == report_logs([a])
    assert report_logs([tmp_path / "empty.db"]) == OpReport.empty()


def test_a_force_without_operations_reports_nothing(tmp_path: Path) -> None:
    a = _day(tmp_path / "a.db", "op", "P-1", force="kent")
    assert report_logs([a], force="kent").totals.arrests == 1
    assert report_logs([a], force="surrey") == OpReport.empty()


def test_a_missing_file_is_named_and_not_created(tmp_path: Path) -> None:
    a = _day(tmp_path / "a.db", "op", "P-1")
    missing = tmp_path / "missing.db"
    with pytest.raises(LogNotFoundError) as caught:
        report_logs([a, missing], "op")
    assert str(missing) in caught.value.message
    assert not missing.exists()


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, None])
def test_a_file_that_is_not_a_log_is_named(tmp_path: Path, content: bytes | None) -> None:
    other = tmp_path / "other.db"
    if content is None:
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE t (x)")
        conn.close()
    else:
        other.write_bytes(content)
    with pytest.raises(NotALogError) as caught:
        report_logs([other])
    assert str(other) in caught.value.message


def test_one_log_given_twice_is_refused(tmp_path: Path) -> None:
    """The same file twice, or a copy of it (the same log id), would count its events twice."""
    a = _day(tmp_path / "a.db", "op", "P-1")
    copy = tmp_path / "copy.db"
    shutil.copyfile(a, copy)
    for paths in ([a, a], [a, copy]):
        with pytest.raises(ReportError) as caught:
            report_logs(paths, "op")
        assert caught.value.code == "same_log_twice"
        assert str(paths[1]) in caught.value.message


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"op_id": "op", "force": "kent"}, "op_and_force"),
        ({"site": "north"}, "site_needs_op"),
        ({"op_id": "op", "start": datetime(2020, 1, 2)}, "naive_datetime"),
        (
            {
                "op_id": "op",
                "start": datetime(2020, 1, 2, tzinfo=UTC),
                "end": datetime(2020, 1, 1, tzinfo=UTC),
            },
            "end_before_start",
        ),
    ],
)
def test_a_request_no_file_could_honour_is_refused_first(
    tmp_path: Path, kwargs: dict[str, Any], code: str
) -> None:
    """Refused before any file is opened: the missing file is never reached."""
    with pytest.raises(ReportError) as caught:
        report_logs([tmp_path / "missing.db"], **kwargs)
    assert caught.value.code == code


def test_an_unknown_site_names_the_file(tmp_path: Path) -> None:
    a = _day(tmp_path / "a.db", "op", "P-1")
    with pytest.raises(ReportError) as caught:
        report_logs([a], "op", site="nowhere")
    assert caught.value.code == "unknown_site" and str(a) in caught.value.message


def test_the_filters_reach_every_file(tmp_path: Path) -> None:
    """site, start and end are applied in each file as OpLog.report applies them."""
    a = _day(tmp_path / "a.db", "op", "P-1")
    b = _day(tmp_path / "b.db", "op", "P-2")
    late = datetime(2030, 1, 1, tzinfo=UTC)
    assert report_logs([a, b], "op", start=late).totals.arrests == 0
    assert report_logs([a, b], "op", site="vauxhall").totals.arrests == 2
    assert report_logs([a, b], "op", site="blackfriars").totals.arrests == 0


# --------------------------------------------------------------------------- command line


def test_the_command_line_adds_the_files_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """anpr-ops report A.db B.db prints, in JSON, the to_dict() of report_logs."""
    a = _day(tmp_path / "a.db", "op", "P-1")
    b = _day(tmp_path / "b.db", "op", "P-2", force="kent")
    for flags, expected in [
        (["--op", "op"], report_logs([a, b], "op")),
        (["--all"], report_logs([a, b])),
        (["--police-force", "kent"], report_logs([b])),
        (
            ["--all", "--no-children", "--start", "2020-04-18T09:20"],  # local to London
            report_logs(
                [a, b], include_children=False, start=datetime(2020, 4, 18, 8, 20, tzinfo=UTC)
            ),
        ),
    ]:
        assert main(["report", str(a), str(b), *flags, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == expected.to_dict()


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--op", "op", "--all"],
        ["--all", "--police-force", "kent"],
        ["--all", "--site", "vauxhall"],
    ],
)
def test_the_command_line_wants_one_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    a = _day(tmp_path / "a.db", "op", "P-1")
    assert main(["report", str(a), *flags]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_the_command_line_names_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _day(tmp_path / "a.db", "op", "P-1")
    assert main(["report", str(a), str(tmp_path / "gone.db"), "--op", "op"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "gone.db" in err
