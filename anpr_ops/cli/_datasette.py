"""Commands for browsing a log in Datasette: views, datasette-metadata."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import urllib.parse
from pathlib import Path

import click

from anpr_ops.cli import cli
from anpr_ops.cli._common import OUTPUT, OVERWRITE, check_target, existing_log, output, read_log
from anpr_ops.cli._exits import Exit
from anpr_ops.store._datasette import metadata
from anpr_ops.store._views import install, missing_views

_DB = click.argument("db", type=click.Path(dir_okay=False, path_type=Path))


@cli.command()
@_DB
def views(db: Path) -> int:
    """Add the readable views (searches_readable, …) to DB, or bring them up to this version.

    Logs created by this version have them already. Views are schema objects: writing them
    changes no event and no derived table, so the hash chain and every checkpoint still
    verify; the file's schema does change (docs/howto/datasette.md).

    \b
    Example:
      anpr-ops views day.db
      anpr-ops datasette-metadata day.db -o day.metadata.json
      datasette day.db --metadata day.metadata.json
    """
    with existing_log(db):
        pass  # refuses a missing file, a file that is not a log, or one with broken guards
    added = install(db)
    if added:
        click.echo(f"added {len(added)} view(s) to {db}: {', '.join(added)}")
    else:
        click.echo(f"{db} had every view; they are now as this version writes them")
    return Exit.OK


@cli.command(name="datasette-metadata")
@_DB
@click.option("--title", help="The title Datasette shows (default: from the file name).")
@OUTPUT
@OVERWRITE
def datasette_metadata(db: Path, title: str | None, target: Path | None, overwrite: bool) -> int:
    """Print Datasette metadata (JSON) for DB: titles, descriptions, column notes, facets.

    The log is only read. If DB lacks the readable views (a file from an older version), a
    warning says to run anpr-ops views first.

    \b
    Example:
      anpr-ops datasette-metadata day.db -o day.metadata.json
      datasette day.db --metadata day.metadata.json
    """
    check_target(target, force=overwrite, reading=db)
    with read_log(db):
        pass  # the same checks as every reading command
    uri = f"file:{urllib.parse.quote(str(db.resolve()))}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        missing = missing_views(conn)
    if missing:
        click.echo(
            f"anpr-ops: warning: {db} lacks {len(missing)} readable view(s); "
            f"run 'anpr-ops views {db}' to add them",
            err=True,
        )
    with output(target, force=overwrite, reading=db) as out:
        json.dump(metadata(db, title=title), out, indent=2, ensure_ascii=False)
        out.write("\n")
    return Exit.OK
