"""``anpr-ops demo``: record the packaged example operation, show its counts, verify it."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

import click

from anpr_ops.cli import EXIT_FAILED, EXIT_OK, cli
from anpr_ops.interop.jsonl import read_jsonl
from anpr_ops.log import OpLog

DEMO_FILE = "data/demo.jsonl"


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
    """Record the example operation, print its event counts, and verify the chain.

    \b
    Example:
      anpr-ops demo --db /tmp/demo.db
    """
    events = read_jsonl(demo_events_text().splitlines())
    with OpLog.open(db, create=True) as log:
        result = log.extend(events)
        counts = Counter(str(getattr(e, "kind", "")) for e in log.events())
        verdict = log.verify()
    click.echo(f"recorded {result.count} new event(s) ({len(result.duplicates)} already there)")
    for kind, count in sorted(counts.items()):
        click.echo(f"  {kind:<20} {count:>4}")
    click.echo(verdict.summary())
    click.echo(f"the log is at {db.resolve()}")
    return EXIT_OK if verdict.ok else EXIT_FAILED
