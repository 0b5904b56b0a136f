"""``anpr-ops scrutiny``: the fairness figures of an operation's searches."""

from __future__ import annotations

from pathlib import Path

import click

from anpr_ops.cli import cli
from anpr_ops.cli._common import OUTPUT, OVERWRITE, check_target, output, read_log
from anpr_ops.cli._exits import Exit
from anpr_ops.render._scrutiny import SCRUTINY_FORMATS, render_scrutiny
from anpr_ops.scrutiny import DEFAULT_MIN_SEARCHES, PopulationTable, scrutiny_report


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--op", "op_id", required=True, help="The operation whose searches to examine.")
@click.option("--no-children", is_flag=True, help="Leave out the operation's child operations.")
@click.option(
    "--population",
    "population_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A CSV of residents by group (group,population, optionally force) to divide by, "
    "instead of the packaged Census 2021 population of the operation's force area.",
)
@click.option(
    "--min-searches",
    type=click.IntRange(min=0),
    default=DEFAULT_MIN_SEARCHES,
    show_default=True,
    help="Flag a rate or ratio resting on fewer searches than this (in either group).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SCRUTINY_FORMATS),
    default="text",
    show_default=True,
    help="text: a summary; markdown; json: the documented schema; csv: every figure in one "
    "long table; html: one self-contained page with charts.",
)
@OUTPUT
@OVERWRITE
def scrutiny(
    db: Path,
    op_id: str,
    no_children: bool,
    population_file: Path | None,
    min_searches: int,
    fmt: str,
    target: Path | None,
    overwrite: bool,
) -> int:
    """Scrutiny figures of OP's searches in DB: by ethnicity, power and object.

    Searches, arrests, positive outcomes and outcomes linked to the object of the search by
    self-defined ethnicity (the five Census 2021 groups and each code) and officer-defined
    ethnicity; find and arrest rates by group, power and object (drug possession and supply
    apart); searches per 1,000 residents and ratios to the White group with 95% intervals.
    Not-stated searches are always counted and shown. Residents come from the Census 2021
    population of the operation's force area unless --population gives a table; British
    Transport Police has none. The log is only read; no rendering shows a plate or a person.

    \b
    Example:
      anpr-ops scrutiny day.db --op kaiser-2020-04-18
      anpr-ops scrutiny day.db --op kaiser-2020-04-18 --format json -o kaiser.json
      anpr-ops scrutiny city.db --op city-2020-01 --population residents.csv --format html
    """
    check_target(target, force=overwrite, reading=db)
    population = PopulationTable.from_csv(population_file) if population_file else None
    with read_log(db) as log:
        figures = scrutiny_report(
            log,
            op_id,
            include_children=not no_children,
            population=population,
            min_searches=min_searches,
        )
    _, missing = figures.areas()
    if missing:
        click.echo(
            f"anpr-ops: warning: no population for {', '.join(missing)}: no rates per 1,000 or "
            "ratios (give one with --population)",
            err=True,
        )
    text = render_scrutiny(figures, fmt)
    with output(target, newline="", force=overwrite, reading=db) as out:
        out.write(text)
    if target is not None:
        click.echo(f"wrote the {fmt} scrutiny figures of {op_id} to {target}", err=True)
    return Exit.OK
