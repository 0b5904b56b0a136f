"""Commands about operations and their reports: open, operations, report."""

from __future__ import annotations

import functools
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from anpr_ops.chain import VerifyResult
from anpr_ops.cli import cli
from anpr_ops.cli._common import (
    FORCE,
    OUTPUT,
    OVERWRITE,
    check_target,
    existing_log,
    output,
    read_log,
)
from anpr_ops.cli._exits import Exit
from anpr_ops.events import format_utc
from anpr_ops.render import FORMATS, TABLE_NAMES, render, scrutiny_html_section
from anpr_ops.report import OpReport, report_logs
from anpr_ops.scrutiny import scrutiny_report
from anpr_ops.store import OpLog

_DB = click.argument("db", type=click.Path(dir_okay=False, path_type=Path))


class _Time(click.ParamType[datetime, "str | datetime"]):
    """An RFC 3339 time (``2020-04-18T12:00:00+01:00``, ``…Z``), or a local time or date
    without an offset (``2020-04-18T12:00``, ``2020-04-18``), read in the operation's zone."""

    name = "TIME"

    def convert(
        self, value: str | datetime, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not a time: use 2020-04-18T12:00:00+01:00, 2020-04-18T12:00 "
                "(local to the operation) or 2020-04-18",
                param,
                ctx,
            )


_TIME = _Time()


def _aware(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` as given when it has an offset, else as a wall-clock time in ``zone``."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"{name!r} is not an IANA time zone"
        raise click.BadParameter(message, param_hint="--timezone") from None


@cli.command()
@click.argument(
    "dbs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="DB..."
)
@click.option("--op", "op_id", help="The operation to report (in every DB given).")
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Report every root operation of every DB (with their children), added up.",
)
@click.option(
    "--police-force",
    "force",
    type=FORCE,
    help="Report every operation of this police force (data.police.uk id or name, e.g. "
    "metropolitan), each with its own events only. (--force lets -o replace a file.)",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Report each DB on this Dask scheduler (tcp://host:8786) and add the reports there; "
    "needs the distributed extra, and the DB paths must be readable by the workers.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: the summary; markdown; json: the documented schema; csv: every table in "
    "one long file (or --table); html: one self-contained page with charts.",
)
@click.option("--no-children", is_flag=True, help="Leave out the operations' child operations.")
@click.option(
    "--site", help="Only events at this site id (_no_site: events with none); needs --op."
)
@click.option(
    "--start",
    type=_TIME,
    help="Only events at or after this time (RFC 3339; without an offset, local to the "
    "operation's time zone, or to Europe/London for several DBs, --all or --force).",
)
@click.option("--end", type=_TIME, help="Only events before this time (as --start).")
@click.option(
    "--table",
    type=click.Choice(TABLE_NAMES),
    help="csv only: write this one table with a column per figure.",
)
@click.option("--words", is_flag=True, help="Write one to nine in words in the summary.")
@click.option(
    "--activity", is_flag=True, help="Also tell the ANPR hits, stops and searches in the summary."
)
@OUTPUT
@OVERWRITE
@click.option(
    "--no-verify",
    is_flag=True,
    help="Skip the verification made before every report (so that no figures rest "
    "unnoticed on a record that fails it).",
)
@click.option(
    "--quick-verify",
    is_flag=True,
    help="Verify only the chain, copies, personal values and access record before reporting, "
    "not the derived tables the figures are read from (as anpr-ops verify --quick).",
)
def report(
    dbs: tuple[Path, ...],
    op_id: str | None,
    every: bool,
    force: str | None,
    scheduler: str | None,
    fmt: str,
    no_children: bool,
    site: str | None,
    start: datetime | None,
    end: datetime | None,
    table: str | None,
    words: bool,
    activity: bool,
    target: Path | None,
    overwrite: bool,
    no_verify: bool,
    quick_verify: bool,
) -> int:
    """Report operation OP of DB: the end-of-operation summary and figures.

    Children of OP (operations whose parent it is) are included unless --no-children. The
    log is only read; a DB that does not exist is an error and is not created. No rendering
    shows a number plate or a personal reference. The html page of a report of one DB
    without --site, --start or --end ends with the scrutiny figures of its searches (see
    anpr-ops scrutiny).

    Several DBs are reported one by one and their reports added: --op OP from every DB
    (each must hold it), --all every root operation of every DB, --police-force F every operation
    of force F (each with its own events: the forces' reports add up to the whole).
    People arrested are counted once per log and add up across logs (each log numbers its
    own people). --scheduler does the same on a Dask cluster.

    Each log is verified first, as anpr-ops verify does it — the chain, every body, and the
    derived tables the figures are read from, against a rebuild from the events — so that no
    figure rests unnoticed on an edited table. When it does not hold, the report is still
    written, a warning says so, and the exit status is 1. The check reads every event (a
    second or two for an operation's day; for a force-year log, verify it on a schedule and
    give --no-verify, or --quick-verify to check only the chain). With --scheduler the
    workers read the files, so nothing is verified here: verify the logs where they are.

    \b
    Example:
      anpr-ops report day.db --op msc-day-of-action-2020-04-18
      anpr-ops report day.db --op kaiser-2020-04-18 --format html -o kaiser.html
      anpr-ops report day.db --op kaiser-2020-04-18 --site vauxhall --start 2020-04-18T12:00
      anpr-ops report day.db --op kaiser-2020-04-18 --format csv --table by_site
      anpr-ops report vauxhall.db blackfriars.db --op kaiser-2020-04-18
      anpr-ops report forces/*.db --all --format json
      anpr-ops report forces/*.db --police-force kent --scheduler tcp://scheduler:8786
    """
    if table is not None and fmt != "csv":
        raise click.UsageError("--table goes with --format csv")
    for db in dbs:
        check_target(target, force=overwrite, reading=db)
    if (op_id is not None) + every + (force is not None) != 1:
        raise click.UsageError("give one of --op OP, --all or --police-force F")
    if site is not None and op_id is None:
        raise click.UsageError("--site goes with --op (site ids belong to an operation)")
    # On a cluster the workers read the files (they need not be readable here): verify them
    # where they are.
    local = not no_verify and scheduler is None
    verdicts = [(db, _verdict(db, quick=quick_verify)) for db in dbs] if local else []
    sections: list[str] = []
    if len(dbs) == 1 and op_id is not None and scheduler is None:
        result = _one_log(dbs[0], op_id, not no_children, site, start, end, fmt, sections)
        about = op_id
    else:
        zone = ZoneInfo(_SEVERAL_LOGS_ZONE)
        add_up = report_logs
        if scheduler is not None:
            from anpr_ops.distributed import report_logs as on_cluster

            add_up = functools.partial(on_cluster, address=scheduler)
        result = add_up(
            dbs,
            op_id,
            force=force,
            include_children=not no_children,
            site=site,
            start=_aware(start, zone) if start else None,
            end=_aware(end, zone) if end else None,
        )
        about = f"{len(dbs)} log{'s' if len(dbs) != 1 else ''}"
    text = render(
        result,
        fmt,
        numbers="words" if words else "figures",
        activity=activity,
        table=table,
        sections=sections,
    )
    with output(target, newline="", force=overwrite) as out:
        out.write(text)
    if target is not None:
        click.echo(f"wrote the {fmt} report of {about} to {target}", err=True)
    failed = [(db, verdict) for db, verdict in verdicts if not verdict.ok]
    for db, verdict in failed:
        click.echo(
            f"anpr-ops: warning: {db}: {verdict.summary()}; these figures rest on a record that "
            f"fails verification (see anpr-ops verify {db})",
            err=True,
        )
    return Exit.FAILED if failed else Exit.OK


def _verdict(db: Path, *, quick: bool) -> VerifyResult:
    """The verification of a log about to be reported: the full one (the derived tables the
    figures are read from included), or the quick one."""
    with read_log(db) as log:
        return log.verify(quick=quick)


#: Where times without an offset are read when several logs (or every operation) are reported:
#: the zone of operations in England and Wales.
_SEVERAL_LOGS_ZONE = "Europe/London"


def _one_log(
    db: Path,
    op_id: str,
    include_children: bool,
    site: str | None,
    start: datetime | None,
    end: datetime | None,
    fmt: str,
    sections: list[str],
) -> OpReport:
    """The report of one operation of one log (times without an offset in its zone); the html
    page's scrutiny section is added to ``sections``."""
    with read_log(db) as log:
        zone = _zone(log.operation(op_id).timezone)
        result = log.report(
            op_id,
            include_children=include_children,
            site=site,
            start=_aware(start, zone) if start else None,
            end=_aware(end, zone) if end else None,
        )
        if fmt == "html" and site is None and start is None and end is None:
            # The scrutiny figures count every search of the operation: they are shown only
            # when the report counts every event too.
            figures = scrutiny_report(log, op_id, include_children=include_children)
            if figures.counts.total().searches:
                sections.append(scrutiny_html_section(figures))
    return result


def _site(value: str) -> dict[str, Any]:
    """``ID=NAME`` or ``ID=NAME@LAT,LON`` as a site of the interchange format."""
    site_id, sep, rest = value.partition("=")
    name, at, where = rest.partition("@")
    if not sep or not site_id.strip() or not name.strip():
        raise click.BadParameter(f"{value!r} is not ID=NAME[@LAT,LON]", param_hint="--site")
    site: dict[str, Any] = {"site_id": site_id.strip(), "name": name.strip()}
    if at:
        lat, comma, lon = where.partition(",")
        try:
            site["latitude"], site["longitude"] = float(lat), float(lon)
        except ValueError:
            comma = ""
        if not comma:
            raise click.BadParameter(f"{value!r}: write the place as @LAT,LON", param_hint="--site")
    return site


@cli.command(name="open")
@_DB
@click.argument("op_id")
@click.option("--name", required=True, help="The operation's name, e.g. 'Op Kaiser'.")
@click.option(
    "--force",
    required=True,
    type=FORCE,
    help="The force: its data.police.uk id or name, e.g. metropolitan or 'Metropolitan Police "
    "Service' (stored as the id).",
)
@click.option("--starts-at", required=True, type=_TIME, help="When it starts.")
@click.option("--ends-at", type=_TIME, help="When it ends.")
@click.option(
    "--timezone",
    default="Europe/London",
    show_default=True,
    help="IANA zone of its reports' hours; times without an offset are read in it.",
)
@click.option(
    "--site",
    "sites",
    multiple=True,
    metavar="ID=NAME[@LAT,LON]",
    help="A site (repeatable), e.g. vauxhall=Vauxhall@51.4861,-0.1236.",
)
@click.option("--parent", help="The operation this one is part of.")
@click.option("--description", help="What the operation is for.")
@click.option("--at", "opened_at", type=_TIME, help="When it was opened (default: --starts-at).")
@click.option("--create", is_flag=True, help="Create DB if it does not exist yet.")
def open_command(
    db: Path,
    op_id: str,
    name: str,
    force: str,
    starts_at: datetime,
    ends_at: datetime | None,
    timezone: str,
    sites: tuple[str, ...],
    parent: str | None,
    description: str | None,
    opened_at: datetime | None,
    create: bool,
) -> int:
    """Open operation OP_ID in DB: append its operation event.

    Running the same command again adds nothing (the event is the same). To change an
    operation later, append a correction of its event.

    \b
    Example:
      anpr-ops open day.db kaiser-2020-04-18 --name "Op Kaiser" --force metropolitan \\
          --starts-at 2020-04-18T08:00 --ends-at 2020-04-18T20:00 \\
          --site vauxhall=Vauxhall --site blackfriars=Blackfriars \\
          --parent msc-day-of-action-2020-04-18 --create
    """
    zone = _zone(timezone)
    start = _aware(starts_at, zone)
    event: dict[str, Any] = {
        "kind": "operation",
        "op_id": op_id,
        "occurred_at": format_utc(_aware(opened_at, zone) if opened_at else start),
        "name": name,
        "force": force,
        "timezone": timezone,
        "starts_at": format_utc(start),
        "sites": [_site(s) for s in sites],
    }
    if ends_at is not None:
        event["ends_at"] = format_utc(_aware(ends_at, zone))
    if parent is not None:
        event["parent_op_id"] = parent
    if description is not None:
        event["description"] = description
    with OpLog.open(db, create=True) if create else existing_log(db, can_create=True) as log:
        result = log.append(event)
    if result.noop:
        click.echo(f"operation {op_id} was already open, as given")
    else:
        click.echo(f"opened operation {op_id} in {db}")
    return Exit.OK


@cli.command()
@_DB
def operations(db: Path) -> int:
    """List the operations of DB: id, name, start, parent and sites.

    \b
    Example:
      anpr-ops operations day.db
    """
    with read_log(db) as log:
        found = log.operations()
    if not found:
        click.echo("no operations in the log")
    for op in found:
        start = op.starts_at.astimezone(ZoneInfo(op.timezone)).isoformat(timespec="minutes")
        line = f"{op.op_id}  {op.name!r}  starts {start} ({op.timezone})"
        if op.parent_op_id:
            line += f"  part of {op.parent_op_id}"
        if op.sites:
            line += "  sites: " + ", ".join(op.site_ids)
        click.echo(line)
    return Exit.OK
