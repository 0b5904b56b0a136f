"""Reports over many logs on a Dask cluster (anpr_ops.distributed): a local cluster of two
worker processes, started once for the module, no network beyond this machine's loopback.

The national view: 20 generated force logs reported on the cluster add up to the same report
as in one process, and to the report (and the reference fold) of one log holding every event.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from anpr_ops import report_logs
from anpr_ops.cli import main
from anpr_ops.distributed import report_logs as on_cluster
from anpr_ops.errors import LogNotFoundError, MissingExtraError, ReportError
from anpr_ops.events import Event
from tests.many_logs import NATIONAL, combined, force_logs, write_logs
from tests.reference import reference_report

distributed = pytest.importorskip("distributed")


def test_without_a_client_or_an_address_the_error_says_so(tmp_path: Path) -> None:
    """Outside any client: this test comes before the module's cluster is started."""
    if distributed.client._get_global_client() is not None:
        pytest.skip("a Dask client of another test is current")
    with pytest.raises(ReportError) as caught:
        on_cluster([tmp_path / "a.db"])
    assert caught.value.code == "no_dask_client"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One local cluster for the module: two worker processes, one thread each, its HTTP
    server on a free port (another cluster may hold the default one)."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=":0",
            host="127.0.0.1",
        ) as cluster,
        distributed.Client(cluster) as made,
    ):
        yield made


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three small logs of the demo day, for the error and command-line tests."""
    from anpr_ops.cli import main as run

    folder = tmp_path_factory.mktemp("small")
    paths = [folder / f"{name}.db" for name in ("a", "b", "c")]
    for path in paths:
        assert run(["demo", "--db", str(path)]) == 0
    return paths


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs=force_logs(20))
def test_twenty_logs_on_two_workers_add_up_to_one_log(
    client: Any, logs: tuple[list[Event], ...]
) -> None:
    """Twenty force logs (their subjects never repeat across logs) reported on the cluster:
    the same report as in one process, and as one log holding every event, and as the
    plain-Python reference fold over that log."""
    with tempfile.TemporaryDirectory() as folder, combined(logs) as whole:
        paths = write_logs(Path(folder), logs)
        remote = on_cluster(paths, NATIONAL, client=client, fan_in=3)
        local = report_logs(paths, NATIONAL)
        assert remote == local
        assert remote.to_dict() == whole.report(NATIONAL).to_dict()
        assert remote.to_dict() == reference_report(whole, NATIONAL)
        assert on_cluster(paths, client=client) == report_logs(paths)


@pytest.mark.slow
def test_the_current_client_or_a_scheduler_address_is_used(client: Any, small: list[Path]) -> None:
    expected = report_logs(small)
    assert on_cluster(small) == expected  # the module's client is the current one
    assert on_cluster(small, address=client.scheduler.address) == expected
    assert on_cluster([], client=client) == report_logs([])


@pytest.mark.slow
def test_errors_come_back_as_in_one_process(client: Any, small: list[Path]) -> None:
    missing = small[0].with_name("missing.db")
    with pytest.raises(LogNotFoundError) as caught:
        on_cluster([small[0], missing], client=client)
    assert str(missing) in caught.value.message
    with pytest.raises(ReportError) as refused:
        on_cluster([small[0], small[1], small[0]], client=client, fan_in=2)
    assert refused.value.code == "same_log_twice"
    with pytest.raises(ReportError) as bad:
        on_cluster(small, "op", force="kent", client=client)
    assert bad.value.code == "op_and_force"


@pytest.mark.slow
def test_the_command_line_reports_on_a_scheduler(
    client: Any, small: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """anpr-ops report --scheduler prints what the same command prints in one process."""
    args = ["report", *map(str, small), "--all", "--format", "json"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*args, "--scheduler", client.scheduler.address]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert remote == local
    one = report_logs(small[:1]).totals.arrests
    assert one > 0 and local["totals"]["arrests"] == 3 * one


def test_without_dask_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No traceback and no ImportError from deep inside: one line naming the extra."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingExtraError) as caught:
        on_cluster([tmp_path / "a.db"])
    assert caught.value.code == "missing_extra" and "distributed" in caught.value.message
    assert isinstance(caught.value, ImportError)
    code = main(["report", str(tmp_path / "a.db"), "--all", "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "distributed" in err


def test_a_fan_in_below_two_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError) as caught:
        on_cluster([tmp_path / "a.db"], fan_in=1)
    assert caught.value.code == "bad_fan_in"
