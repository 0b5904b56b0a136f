"""Commands for browsing a log in Datasette: views, datasette-metadata."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click

from anpr_ops._logfile import check_format, check_schema, connect_readonly
from anpr_ops.cli import cli
from anpr_ops.cli._common import OUTPUT, OVERWRITE, check_target, missing_log, output, read_log
from anpr_ops.cli._exits import Exit
from anpr_ops.store._connection import translate
from anpr_ops.store._datasette import metadata
from anpr_ops.store._views import install

_DB = click.argument("db", type=click.Path(dir_okay=False, path_type=Path))


@cli.command()
@_DB
def views(db: Path) -> int:
    """Write this version's readable views (searches_readable, …) into DB.

    For a log made by another version of anpr_ops, whose views it refuses: views are schema
    objects, checked when a log is opened, and their labels are those of the version that
    wrote them. Writing them changes no event and no table, so the hash chain and every
    checkpoint still verify; the file's schema does change (docs/howto/datasette.md). The
    tables and the append-only guards must be intact.

    \b
    Example:
      anpr-ops views day.db
      anpr-ops datasette-metadata day.db -o day.metadata.json
      datasette day.db --metadata day.metadata.json
    """
    if not db.exists():
        raise missing_log(db)
    conn = connect_readonly(db)
    try:
        check_format(conn)
        check_schema(conn, None)  # the tables and guards; not the views
    except sqlite3.Error as exc:
        raise translate(exc, f"reading {db}") from exc
    finally:
        conn.close()
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

    The log is only read. The readable views come first on the database's page; the raw
    tables are hidden, those holding personal values and the access record are closed to
    everyone, and so is arbitrary SQL (docs/howto/datasette.md). A log whose views another
    version wrote is refused until anpr-ops views has written this version's.

    \b
    Example:
      anpr-ops datasette-metadata day.db -o day.metadata.json
      datasette day.db --metadata day.metadata.json
    """
    check_target(target, force=overwrite, reading=db)
    with read_log(db):
        pass  # the same checks as every reading command (views outdated: run anpr-ops views)
    with output(target, force=overwrite, reading=db) as out:
        json.dump(metadata(db, title=title), out, indent=2, ensure_ascii=False)
        out.write("\n")
    return Exit.OK
