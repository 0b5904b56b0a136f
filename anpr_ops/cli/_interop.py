"""``anpr-ops import …`` and ``anpr-ops export …``: data.police.uk, ANPR hit files, JSON Lines.

Summaries go to stdout for imports and to stderr for exports (whose data may be on stdout);
warnings go to stderr. A progress bar is drawn on stderr only when it is a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from anpr_ops.cli import cli
from anpr_ops.cli._common import (
    ACTOR,
    FORCE,
    OUTPUT,
    OVERWRITE,
    PURPOSE,
    check_target,
    existing_log,
    personal_log,
    read_log,
)
from anpr_ops.cli._common import new_log_removed_on_failure as _new_log_removed_on_failure
from anpr_ops.cli._common import output as _output
from anpr_ops.cli._common import progress as _progress
from anpr_ops.cli._exits import CommandError, Exit
from anpr_ops.errors import ImportRefusedError
from anpr_ops.interop._source import RejectedRow, rejects_path, write_rejects
from anpr_ops.interop.hits import DEFAULT_MIN_CONFIDENCE, import_hits
from anpr_ops.interop.jsonl import export_jsonl
from anpr_ops.interop.police_uk import (
    import_police_uk,
    police_uk_records,
    write_police_uk_csv,
)
from anpr_ops.interop.police_uk.vocabulary import DEFAULT_MAPPING, PoliceUkMapping

_DB = click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
_NO_CHILDREN = click.option(
    "--no-children", is_flag=True, help="Leave out the operation's child operations."
)
_MAPPING = click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON file of data.police.uk mapping overrides (see docs/interop.md).",
)


@cli.group(name="import")
def import_group() -> None:
    """Import a file of another format into a log."""


@cli.group(name="export")
def export_group() -> None:
    """Export a log, or one operation of it, in another format."""


def _warn(message: str) -> None:
    click.echo(f"anpr-ops: warning: {' '.join(message.split())}", err=True)


def _save_rejects(
    source: Path | None, header: Sequence[str], rejected: Sequence[RejectedRow], what: str
) -> None:
    if not rejected:
        return
    target = rejects_path(source) if source is not None else None
    if target is None:
        _warn(f"{len(rejected)} {what} left out (reading stdin: they were not saved)")
        return
    write_rejects(target, header, rejected)
    click.echo(f"{len(rejected)} {what} left out, written to {target}")


def _source(path: str) -> tuple[Path | None, Any]:
    if path == "-":
        return None, sys.stdin.buffer
    return Path(path), Path(path)


@import_group.command(name="police-uk")
@_DB
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True, exists=True))
@click.option("--op", "op_id", required=True, help="The operation to import into.")
@click.option(
    "--force",
    type=FORCE,
    help="The force (data.police.uk id or name), to open the operation (default: from a "
    "standard file name, YYYY-MM-<force>-stop-and-search.csv).",
)
@click.option("--name", help="The name of the operation, when it is opened by the import.")
@click.option(
    "--format",
    "source_format",
    type=click.Choice(["auto", "csv", "json"]),
    default="auto",
    show_default=True,
    help="The file's format: a monthly CSV file or an API JSON response.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Leave bad rows out (written to <file>.rejected.csv beside it) instead of stopping.",
)
@click.option(
    "--earlier",
    type=click.Choice(["error", "supersede", "keep"]),
    default="error",
    show_default=True,
    help="Rows imported earlier for the same months but missing from this file (a corrected "
    "release): refuse the import, retract them, or keep them.",
)
@_MAPPING
@click.option("--create", is_flag=True, help="Create DB if it does not exist yet.")
def import_police_uk_command(
    db: Path,
    source: str,
    op_id: str,
    force: str | None,
    name: str | None,
    source_format: str,
    skip_invalid: bool,
    earlier: str,
    mapping_file: Path | None,
    create: bool,
) -> int:
    """Import a data.police.uk stop-and-search CSV file (or API JSON) into operation OP.

    Each row becomes a search, and an outcome when it has one. The whole file is one atomic
    batch: a bad row stops the import, naming its line and column, and nothing is written
    (unless --skip-invalid). Importing the same file again adds nothing. When OP is not in
    the log it is opened, for the force given or guessed from the file name.

    \b
    Example:
      anpr-ops import police-uk day.db 2020-01-city-of-london-stop-and-search.csv \\
          --op city-2020-01 --create
    """
    path, opened = _source(source)
    if skip_invalid and path is None:
        raise click.UsageError("--skip-invalid needs a file (rejected rows are written beside it)")
    mapping = PoliceUkMapping.from_file(mapping_file) if mapping_file else DEFAULT_MAPPING
    with (
        _new_log_removed_on_failure(db, create) as log,
        _progress("reading rows  ") as progress,
        _progress("writing events") as write_progress,
    ):
        try:
            result = import_police_uk(
                log,
                opened,
                op_id,
                source_format=source_format,  # type: ignore[arg-type]  # click.Choice
                force=force,
                name=name,
                mapping=mapping,
                skip_invalid=skip_invalid,
                earlier=earlier,  # type: ignore[arg-type]  # click.Choice
                progress=progress,
                write_progress=write_progress,
            )
        except ImportRefusedError as exc:
            if exc.code != "force_required":
                raise
            # The library says "give the force"; here that is an option.
            raise CommandError(f"{exc.message} with --force (e.g. --force metropolitan)") from None
    if result.op_created:
        click.echo(f"opened operation {op_id}")
    click.echo(
        f"read {result.rows} row(s): wrote {result.searches} search(es) and "
        f"{result.outcomes} outcome(s) to {op_id}; {result.duplicates} event(s) already present"
    )
    if result.retracted:
        click.echo(f"retracted {result.retracted} earlier event(s) missing from this release")
    if result.kept_earlier:
        _warn(f"kept {result.kept_earlier} earlier search(es) missing from this file")
    for column, text, count in result.provisional:
        _warn(f"{count} row(s): {column} {text!r} was read through a provisional mapping")
    for warning in result.warnings:
        _warn(warning)
    _save_rejects(path, result.header, result.rejected, "row(s)")
    return Exit.OK


def _camera_sites(values: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        camera, sep, site = value.partition("=")
        if not sep or not camera.strip() or not site.strip():
            raise click.BadParameter(f"{value!r} is not CAMERA=SITE", param_hint="--camera")
        pairs[camera.strip()] = site.strip()
    return pairs


@import_group.command(name="hits")
@_DB
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True, exists=True))
@click.option("--op", "op_id", required=True, help="The operation (it must exist, with sites).")
@click.option(
    "--camera",
    "cameras",
    multiple=True,
    metavar="CAMERA=SITE",
    help="A camera standing for a site, for rows whose site is blank (repeatable).",
)
@click.option(
    "--min-confidence",
    type=click.IntRange(0, 100),
    default=DEFAULT_MIN_CONFIDENCE,
    show_default=True,
    help="Reads below this confidence (0-100) are doubtful; 0 trusts every read.",
)
@click.option(
    "--doubtful",
    type=click.Choice(["skip", "record", "reject"]),
    default="skip",
    show_default=True,
    help="Doubtful reads (low confidence, ambiguous O/0 I/1 correction): leave out and list "
    "with the rejected rows, record, or stop the import.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Leave bad rows out (written to <file>.rejected.csv beside it) instead of stopping.",
)
def import_hits_command(
    db: Path,
    source: str,
    op_id: str,
    cameras: Sequence[str],
    min_confidence: int,
    doubtful: str,
    skip_invalid: bool,
) -> int:
    """Import a CSV file of ANPR hits into operation OP (layout: docs/interop.md).

    Plates are normalised and, when a read fits no format, corrected for O/0 and I/1; the
    read is kept in raw_vrm. The whole file is one atomic batch; a bad row stops it, named
    by line and column. Plates never appear in messages.

    \b
    Example:
      anpr-ops import hits day.db hits.csv --op kaiser-2020-04-18 --min-confidence 85
    """
    path, opened = _source(source)
    if skip_invalid and path is None:
        raise click.UsageError("--skip-invalid needs a file (rejected rows are written beside it)")
    with (
        existing_log(db) as log,
        _progress("reading hits  ") as progress,
        _progress("writing events") as write_progress,
    ):
        result = import_hits(
            log,
            opened,
            op_id,
            camera_sites=_camera_sites(cameras),
            min_confidence=min_confidence,
            doubtful=doubtful,  # type: ignore[arg-type]  # click.Choice
            skip_invalid=skip_invalid,
            progress=progress,
            write_progress=write_progress,
        )
    click.echo(
        f"read {result.rows} row(s): wrote {result.hits} hit(s) to {op_id}; "
        f"{result.duplicates} already present; {result.corrected} plate(s) corrected for O/0 "
        f"and I/1"
    )
    if result.low_confidence or result.ambiguous:
        action = {"skip": "left out", "record": "recorded", "reject": "refused"}[doubtful]
        click.echo(
            f"doubtful reads: {result.low_confidence} below confidence {min_confidence}, "
            f"{result.ambiguous} ambiguous; {action}"
        )
    _save_rejects(path, result.header, result.rejected, "row(s)")
    return Exit.OK


@export_group.command(name="police-uk")
@_DB
@click.option("--op", "op_id", required=True, help="The operation whose searches to export.")
@OUTPUT
@OVERWRITE
@_NO_CHILDREN
@click.option("--lf", is_flag=True, help="End lines with LF instead of CRLF.")
@_MAPPING
def export_police_uk_command(
    db: Path,
    op_id: str,
    target: Path | None,
    overwrite: bool,
    no_children: bool,
    lf: bool,
    mapping_file: Path | None,
) -> int:
    """Write OP's searches as a data.police.uk stop-and-search CSV file.

    The 15 columns, the current vocabulary, Date in UTC, coordinates from the search or its
    site; never a number plate or a subject reference.

    \b
    Example:
      anpr-ops export police-uk day.db --op kaiser-2020-04-18 -o kaiser.csv
    """
    check_target(target, force=overwrite, reading=db)
    mapping = PoliceUkMapping.from_file(mapping_file) if mapping_file else DEFAULT_MAPPING
    with read_log(db) as log:
        records = police_uk_records(log, op_id, include_children=not no_children)
    with _output(target, newline="", force=overwrite, reading=db) as out:
        result = write_police_uk_csv(records, out, mapping=mapping, newline="\n" if lf else "\r\n")
    for warning in result.warnings:
        _warn(warning)
    where = f" to {target}" if target else ""
    click.echo(f"wrote {result.rows} row(s){where}", err=True)
    return Exit.OK


@export_group.command(name="jsonl")
@_DB
@click.option("--op", "op_id", help="Export one operation (default: the whole log).")
@OUTPUT
@OVERWRITE
@_NO_CHILDREN
@ACTOR
@PURPOSE
@click.option(
    "--recipient", help="Who the export is for: it is then recorded as a disclosure to them."
)
@click.option(
    "--restricted",
    is_flag=True,
    help="Include the personal values of restricted records (recorded as such).",
)
def export_jsonl_command(
    db: Path,
    op_id: str | None,
    target: Path | None,
    overwrite: bool,
    no_children: bool,
    actor: str | None,
    purpose: str | None,
    recipient: str | None,
    restricted: bool,
) -> int:
    """Write DB's events (or one operation's) as JSON Lines, corrections included.

    The file appends into an empty log as the same events. An operation's export also holds
    its ancestors' operation events and the offence definitions it uses, so that it appends
    on its own. It holds personal data (plates, subject references): it is a copy of the
    log, not a publication; -o creates the file readable by its owner only. Reading those
    values is recorded in the log's access record, with --as and --purpose (and --recipient,
    for a disclosure).

    \b
    Example:
      anpr-ops export jsonl day.db --op kaiser-2020-04-18 -o kaiser.jsonl \\
          --as "PC 1234" --purpose "copy for the evidence store"
      anpr-ops append copy.db kaiser.jsonl --create
    """
    check_target(target, force=overwrite, reading=db)
    with personal_log(db, actor, purpose) as log:
        if op_id is not None:
            log.op_ids(op_id)  # an unknown operation is an error before any output
        with _output(target, newline="\n", force=overwrite, reading=db) as out:
            count = export_jsonl(
                log,
                out,
                op_id,
                include_children=not no_children,
                restricted=restricted,
                recipient=recipient,
            )
    where = f" to {target}" if target else ""
    click.echo(f"wrote {count} event(s){where}", err=True)
    return Exit.OK


@export_group.command(name="parquet")
@_DB
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write into: one sub-folder per table, one file per log in each.",
)
def export_parquet_command(db: Path, folder: Path) -> int:
    """Write DB's events as Parquet files under DIR, without personal values.

    One table per kind of event (DIR/searches/<log id>.parquet, …) plus operations, sites and
    corrections, each row starting with the log's id: export many logs into one DIR and
    query every DIR/searches/*.parquet together in DuckDB or Spark SQL. The current view,
    corrections applied; no plates, subject references, officer ids or free text. Exporting
    a log again replaces its own files. Needs the parquet extra (pyarrow).

    \b
    Example:
      anpr-ops export parquet met.db -o national
      anpr-ops export parquet kent.db -o national
      duckdb -c "SELECT log_id, count(*) FROM 'national/searches/*.parquet' GROUP BY 1"
    """
    from anpr_ops.interop.parquet import export_parquet

    with read_log(db) as log, _progress("exporting") as advance:
        counts = export_parquet(
            log, folder, progress=(lambda n: advance(n, len(log))) if advance else None
        )
    rows = sum(counts.values())
    click.echo(f"wrote {rows} row(s) in {len(counts)} tables under {folder}", err=True)
    return Exit.OK
