"""Commands about personal data under the Data Protection Act 2018: erase, restrict,
retention, audit, purge (docs/data-protection.md)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from anpr_ops._time import TimeFormatError, parse_aware
from anpr_ops.cli import EXIT_FAILED, EXIT_OK, cli
from anpr_ops.cli._common import ACTOR, OVERWRITE, check_target, output, read_log
from anpr_ops.render._audit import audit_csv, audit_json, audit_text
from anpr_ops.store import OpLog, RetentionPolicy

_DB = click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
_EVENT = click.option(
    "--event",
    "event_ids",
    multiple=True,
    metavar="ID",
    help="An event to act on (repeat for several); a correction stands for what it corrects.",
)
_SUBJECT = click.option(
    "--subject",
    "subject_ref",
    metavar="REF",
    help="Act on every record holding this subject reference (not recorded: only 'by subject').",
)
_VRM = click.option(
    "--vrm",
    metavar="PLATE",
    help="Act on every record holding this number plate (not recorded: only 'by plate').",
)
_REASON = click.option(
    "--reason",
    help="Why (required; recorded for good). Never write the plate, reference or text in it.",
)


class _Aware(click.ParamType[datetime, "str | datetime"]):
    """An RFC 3339 time with a UTC offset; one without is refused, never guessed."""

    name = "TIME"

    def convert(
        self, value: str | datetime, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_aware(str(value).strip())
        except TimeFormatError as exc:
            self.fail(f"{exc} (e.g. 2021-06-01T00:00:00Z or …+01:00)", param, ctx)


def _writable(db: Path, actor: str | None) -> OpLog:
    if not db.exists():
        raise click.ClickException(f"no log file at {db}")
    return OpLog.open(db, actor=actor)


@cli.command()
@_DB
@_EVENT
@_SUBJECT
@_VRM
@ACTOR
@_REASON
def erase(
    db: Path,
    event_ids: tuple[str, ...],
    subject_ref: str | None,
    vrm: str | None,
    actor: str | None,
    reason: str | None,
) -> int:
    """Erase personal values (s.47(1) DPA 2018): of the events given, or of every record
    holding a subject reference or a plate.

    Each record is erased whole (the event and its corrections); the chain still verifies and
    every report is unchanged. The erasure is recorded with --as and --reason, never with the
    value. Copies made earlier (backups, exports, published reports) are not touched.

    \b
    Example:
      anpr-ops erase day.db --subject P-0042 --as "DPO 17" --reason "erasure request 2021/113"
      anpr-ops erase day.db --event hit-12 --event hit-13 --as "DPO 17" --reason "held in error"
    """
    with _writable(db, actor) as log:
        result = log.erase(
            event_ids=event_ids, subject_ref=subject_ref, vrm=vrm, actor=actor, reason=reason
        )
    click.echo(result.summary())
    return EXIT_OK


@cli.command()
@_DB
@_EVENT
@_SUBJECT
@_VRM
@click.option("--lift", is_flag=True, help="Lift the restriction instead (recorded too).")
@ACTOR
@_REASON
def restrict(
    db: Path,
    event_ids: tuple[str, ...],
    subject_ref: str | None,
    vrm: str | None,
    lift: bool,
    actor: str | None,
    reason: str | None,
) -> int:
    """Restrict records kept as evidence (s.47(2) DPA 2018), or lift a restriction.

    A restricted record's personal values are read only when asked for explicitly
    (export jsonl --restricted), and retention runs keep it. Recorded with --as and --reason.

    \b
    Example:
      anpr-ops restrict day.db --event hit-12 --as "DPO 17" --reason "evidence, case 4410"
      anpr-ops restrict day.db --event hit-12 --lift --as "DPO 17" --reason "case closed"
    """
    with _writable(db, actor) as log:
        act = log.unrestrict if lift else log.restrict
        result = act(
            event_ids=event_ids, subject_ref=subject_ref, vrm=vrm, actor=actor, reason=reason
        )
    click.echo(result.summary())
    return EXIT_OK


@cli.command()
@_DB
@click.option(
    "--now",
    type=_Aware(),
    help="Apply the policy as at this time (with a UTC offset; default: now).",
)
@click.option(
    "--dry-run", is_flag=True, help="Say what would be erased; change and record nothing."
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Set this policy (JSON) as the log's; with --dry-run, only preview it.",
)
@click.option("--show-policy", is_flag=True, help="Print the policy in force (JSON) and stop.")
@ACTOR
@click.option("--reason", help="Why (recorded; default: the retention policy).")
def retention(
    db: Path,
    now: datetime | None,
    dry_run: bool,
    policy_file: Path | None,
    show_policy: bool,
    actor: str | None,
    reason: str | None,
) -> int:
    """Apply DB's retention policy (s.39 DPA 2018): erase the personal values it makes due,
    keep restricted records, and count the records due for review.

    By default ANPR hits' values are erased 365 days after they happened and every other kind
    is due for review after six years. The run is recorded with --as: the policy, the events
    and fields erased, the counts, never a value. --policy FILE sets the policy (recorded
    too) and stops; with --dry-run it previews FILE without setting it.

    \b
    Example:
      anpr-ops retention day.db --dry-run
      anpr-ops retention day.db --as "DPO 17"
      anpr-ops retention day.db --policy retention.json --as "DPO 17"
    """
    policy = None
    if policy_file is not None:
        policy = RetentionPolicy.from_json(policy_file.read_text(encoding="utf-8"))
    if show_policy:
        with read_log(db) as log:
            shown = log.retention_policy()
        click.echo(json.dumps(shown.to_dict(), indent=2))
        return EXIT_OK
    if dry_run:
        with read_log(db) as log:
            result = log.apply_retention(now, reason=reason, dry_run=True, policy=policy)
        click.echo(result.summary())
        return EXIT_OK
    with _writable(db, actor) as log:
        if policy is not None:
            seq = log.set_retention_policy(policy, actor=actor, reason=reason)
            click.echo(f"retention policy set (access entry {seq}): {policy.describe()}")
            return EXIT_OK
        result = log.apply_retention(now, actor=actor, reason=reason)
    click.echo(result.summary())
    return EXIT_OK


@cli.command()
@_DB
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="How to write the access record.",
)
@click.option(
    "-o",
    "--output",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout (never over a log; over another existing "
    "file only with --force).",
)
@OVERWRITE
def audit(db: Path, fmt: str, target: Path | None, overwrite: bool) -> int:
    """List DB's access record (s.62 DPA 2018): every read that returned personal values,
    every disclosure, erasure, restriction, retention run and policy set — who, when, why,
    for whom, and which events or query. It holds no personal value.

    \b
    Example:
      anpr-ops audit day.db
      anpr-ops audit day.db --format csv -o day-access.csv
    """
    check_target(target, force=overwrite, reading=db)
    with read_log(db) as log:
        entries = log.access_log()
    with output(target, newline="" if fmt == "csv" else None, force=overwrite, reading=db) as out:
        if fmt == "csv":
            audit_csv(entries, out)
        else:
            out.write(audit_json(entries) if fmt == "json" else audit_text(entries))
    return EXIT_OK


@cli.command()
@_DB
def purge(db: Path) -> int:
    """Empty DB's write-ahead log into the file, so that no erased value stays in it.

    An erasure does this itself, but cannot while another connection is reading the log; it
    then says so. Run this once they have closed. Exit 1 when it still cannot.

    \b
    Example:
      anpr-ops purge day.db
    """
    with _writable(db, None) as log:
        done = log.purge()
    if not done:
        click.echo(
            "anpr-ops: error: another connection is reading the log, so its write-ahead log "
            "cannot be emptied yet; try again once it has closed",
            err=True,
        )
        return EXIT_FAILED
    click.echo(f"{db}: the write-ahead log is empty; no erased value remains in the log's files")
    return EXIT_OK
