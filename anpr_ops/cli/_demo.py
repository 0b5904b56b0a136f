"""``anpr-ops demo``: record the day of action of 18 April 2020, report it, verify the chain.

The events are ``anpr_ops/data/demo.jsonl``, the example of the JSON Lines interchange format:
the Metropolitan Special Constabulary day of action (``msc-day-of-action-2020-04-18``) and
Op Kaiser (``kaiser-2020-04-18``), its ANPR operation at Vauxhall, Blackfriars and Tower
Bridge. Plates and subject references in it are made up.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from importlib import resources
from pathlib import Path

import click

from anpr_ops.cli import cli
from anpr_ops.cli._exits import Exit
from anpr_ops.interop.jsonl import read_jsonl
from anpr_ops.store import OpLog

__all__ = ["DAY_OP", "DEMO_FILE", "KAISER_OP", "demo_events_path", "demo_events_text"]

DEMO_FILE = "data/demo.jsonl"
#: The day of action, with its own events.
DAY_OP = "msc-day-of-action-2020-04-18"
#: Op Kaiser, the day's ANPR operation (a child of the day).
KAISER_OP = "kaiser-2020-04-18"


def demo_events_path() -> Path:
    """Where the packaged events are (a real file: the package is installed unzipped)."""
    return Path(str(resources.files("anpr_ops").joinpath(DEMO_FILE)))


def demo_events_text() -> str:
    """The packaged example events, as JSON Lines text."""
    return resources.files("anpr_ops").joinpath(DEMO_FILE).read_text(encoding="utf-8")


@cli.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("anpr-ops-demo.db"),
    show_default=True,
    help="Where to keep the demo log (re-running the demo adds nothing twice).",
)
def demo(db: Path) -> int:
    """Record the day of action of Saturday 18 April 2020 and print its end-of-day summary.

    The Metropolitan Special Constabulary's day (arrest enquiries, stop and search, weapon
    sweeps and patrols in violence hot spots) and Op Kaiser, its ANPR operation at Vauxhall,
    Blackfriars and Tower Bridge, are appended from the packaged JSON Lines file; the report
    is computed from the log; then the hash chain is verified.

    \b
    Example:
      anpr-ops demo --db /tmp/demo.db
      anpr-ops report /tmp/demo.db --op msc-day-of-action-2020-04-18 --format html -o day.html
    """
    events = read_jsonl(demo_events_text().splitlines())
    with OpLog.open(db, create=True) as log:
        result = log.extend(events)
        report = log.report(DAY_OP)
        verdict = log.verify()
    start = datetime.fromisoformat(report.to_dict()["period"]["start"])  # local to the day
    click.echo(f"{report.name}, {start:%A} {start.day} {start:%B %Y}")
    click.echo("")
    click.echo(textwrap.fill(report.to_text(), width=88))
    click.echo("")
    click.echo(
        f"recorded {result.count} new event(s) from {demo_events_path()} "
        f"({len(result.duplicates)} already there)"
    )
    click.echo(verdict.summary())
    click.echo(f"the log is at {db.resolve()}")
    click.echo(f"next: anpr-ops report {db} --op {DAY_OP} --format html -o day-of-action.html")
    return Exit.OK if verdict.ok else Exit.FAILED
