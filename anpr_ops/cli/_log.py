"""Commands about the log itself: init, append, verify, rebuild, checkpoint, migrate, schema."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import IO

import click

from anpr_ops import verify as standalone
from anpr_ops.chain import VerifyResult
from anpr_ops.checkpoint import Checkpoint
from anpr_ops.cli import cli
from anpr_ops.cli._common import (
    ACTOR,
    KEYS,
    OVERWRITE,
    PURPOSE,
    check_target,
    existing_log,
    missing_log,
    new_log_removed_on_failure,
    output,
    progress,
    read_checkpoint,
    signed_by,
)
from anpr_ops.cli._exits import CommandError, Exit
from anpr_ops.errors import AnprOpsError, GuardsMissingError
from anpr_ops.events import Event, event_json_schema
from anpr_ops.interop.jsonl import iter_jsonl
from anpr_ops.keys import load_signer
from anpr_ops.store import OpLog, migrate

__all__ = ["existing_log", "verdict"]


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
def init(db: Path) -> int:
    """Create an empty log file DB (readable by its owner only).

    \b
    Example:
      anpr-ops init day.db
    """
    if db.exists():
        raise CommandError(f"{db} already exists; anpr-ops init only creates new logs", Exit.CANNOT)
    with OpLog.open(db, create=True) as log:
        click.echo(f"created {db} (log id {log.log_id})")
    return Exit.OK


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("source", type=click.File("rb"))
@click.option("--create", is_flag=True, help="Create DB if it does not exist yet.")
def append(db: Path, source: IO[bytes], create: bool) -> int:
    """Append the events of a JSON Lines file (or - for stdin) to DB, as one atomic batch.

    Every line is checked first; one bad line (named with its line number and field) leaves
    the log unchanged. Events already in the log with identical content are skipped. On a
    terminal, a bar shows the reading of the file, then the checking and writing of the batch.

    \b
    Example:
      anpr-ops append day.db events.jsonl
      cat events.jsonl | anpr-ops append day.db -
    """
    if not create and not db.exists():
        raise missing_log(db, can_create=True)
    lines = source.readlines()
    numbered: list[tuple[int, Event]] = []
    with progress("reading events ") as advance:
        for number, event in iter_jsonl(lines):
            numbered.append((number, event))
            if advance is not None and len(numbered) % 1000 == 0:
                advance(number, len(lines))
        if advance is not None:
            advance(len(lines), len(lines))
    with (
        new_log_removed_on_failure(db, create) as log,
        progress("writing events ") as advance,
    ):
        try:
            result = log.extend((event for _, event in numbered), progress=advance)
        except AnprOpsError as exc:
            # The log names the event; a person editing the file needs its line.
            line = _line_of(exc, {event.event_id: number for number, event in numbered})
            if line is None:
                raise
            raise CommandError(f"line {line}: {exc.message}", Exit.FAILED) from None
        held = len(log)
    click.echo(
        f"appended {result.count} event(s), {len(result.duplicates)} already present; "
        f"log now holds {held} event(s)"
    )
    for warning in result.warnings:
        click.echo(f"anpr-ops: warning: {warning}", err=True)
    return Exit.OK


def _line_of(exc: AnprOpsError, lines: dict[str, int]) -> int | None:
    """The line of the event an error from ``extend`` is about, if it names one."""
    return lines.get(exc.event_id) if exc.event_id is not None else None


def verdict(result: VerifyResult) -> Exit:
    """The exit status of a verification: 0 it holds, 1 it does not, 2 it could not be made
    (a checkpoint of another log is not compared)."""
    if result.ok:
        return Exit.OK
    return Exit.CANNOT if result.problem == "checkpoint_other_log" else Exit.FAILED


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint file to verify against (detects truncation and rewrites).",
)
@KEYS
@click.option(
    "--quick",
    is_flag=True,
    help="Skip the slowest checks: every body against the event models, SQLite's integrity "
    "check and the derived tables against a rebuild (the chain, copied columns, personal "
    "values, access record and checkpoint are still checked).",
)
def verify(db: Path, checkpoint_file: Path | None, keys: tuple[str, ...], quick: bool) -> int:
    """Recompute DB's hash chain and check the file. Exit 0 when it holds, 1 when it does not
    (tampering or damage found), 2 when it could not be checked.

    Checks the chain, every event's body and its personal values' commitments, the access
    record, the append-only guards, SQLite's integrity and the derived tables. A file whose
    guards were removed or altered is still verified, read-only, as the standard-library
    verifier does (python -m anpr_ops.verify), naming the first bad seq and each guard that
    is missing.

    With --checkpoint, also check that DB still holds what the checkpoint describes: its
    events (the same Merkle root and chain head), its access record, and for an operation's
    checkpoint its count of events. With --key, the checkpoint must be signed by that key.

    \b
    Example:
      anpr-ops verify day.db --checkpoint day.checkpoint
      anpr-ops verify day.db --checkpoint day.checkpoint --key "$(cat force.pub)"
    """
    if not db.is_file():
        raise missing_log(db)
    if keys and checkpoint_file is None:
        raise click.UsageError("--key checks a checkpoint's signature: give --checkpoint too")
    checkpoint = None
    if checkpoint_file is not None:
        checkpoint = read_checkpoint(checkpoint_file, keys)
    try:
        with OpLog.open(db, readonly=True) as log:
            result = log.verify(checkpoint, quick=quick)
    except GuardsMissingError as refused:
        return _verify_refused(db, checkpoint, refused)
    click.echo(f"{db}: {result.summary()}")
    if checkpoint is not None:
        click.echo(f"checkpoint: {signed_by(checkpoint)}")
    if result.problem == "checkpoint_other_log":
        click.echo(
            "anpr-ops: error: the checkpoint is of another log: nothing to compare", err=True
        )
    return verdict(result)


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
def rebuild(db: Path) -> int:
    """Rebuild DB's derived tables (operations, sites, definitions, zone offsets, erasures,
    restrictions, the Merkle tiles and the rollups) from its events and access record.

    For a log whose full verification says derived_mismatch or whose reports say its rollups
    are damaged: find out first how they came to differ. The chain is checked first, and a
    log whose chain does not hold is not rebuilt (its derived tables would be derived from
    events that may have been changed); exit 1 then. The record tables are never written.

    \b
    Example:
      anpr-ops verify day.db        # derived_mismatch: table rollup_sites differs ...
      anpr-ops rebuild day.db
    """
    with existing_log(db) as log:
        held = log.verify(quick=True)
        if not held.ok:
            raise CommandError(
                f"{db}: {held.summary()}; the derived tables were not rebuilt", Exit.FAILED
            )
        log.rebuild()
        result = log.verify()
    click.echo(f"rebuilt the derived tables of {db}; {result.summary()}")
    return verdict(result)


def _verify_refused(db: Path, checkpoint: Checkpoint | None, refused: GuardsMissingError) -> int:
    """Verify a log the library refuses to open (its guards or schema were changed): the chain
    as the standalone verifier checks it, and what is wrong with the schema."""
    try:
        result, problems = standalone.check_file(db, checkpoint)
    except (AnprOpsError, sqlite3.Error):
        raise refused from None
    click.echo(f"{db}: {result.summary()}")
    click.echo("guards: " + ("; ".join(problems) if problems else "intact"))
    if refused.code == "views_outdated":
        # Views hold no data: the record is sound, only its readable views are another's.
        click.echo(f"anpr-ops: warning: {db}: {refused.message}", err=True)
        return standalone.status(result, problems)
    click.echo(
        f"anpr-ops: error: {db}: {'; '.join(refused.problems)}: the append-only guards or the "
        "schema are not as anpr_ops made them; the file may have been tampered with",
        err=True,
    )
    return Exit.FAILED


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--op", "op_id", help="Checkpoint one operation instead of the whole log.")
@click.option(
    "--sign",
    "key_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="KEYFILE",
    help="Sign the checkpoint with the private key in KEYFILE (from 'anpr-ops keygen'; "
    "readable by its owner only). Repeatable.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the checkpoint to this file instead of stdout (never over a log; over "
    "another existing file only with --force).",
)
@OVERWRITE
def checkpoint(
    db: Path, op_id: str | None, key_files: tuple[Path, ...], output: Path | None, overwrite: bool
) -> int:
    """Print a checkpoint of DB: its size, Merkle root, chain head and access record head.

    The checkpoint is a C2SP tlog-checkpoint note; with --sign it is signed (Ed25519, the
    'signing' extra), so that whoever holds it can tell it came from the key's holder. Keep
    it somewhere else, or give it to someone outside the force.

    \b
    Example:
      anpr-ops checkpoint day.db -o day.checkpoint
      anpr-ops checkpoint day.db --sign force.key -o day.checkpoint
      anpr-ops verify day.db --checkpoint day.checkpoint
    """
    check_target(output, force=overwrite, reading=db)
    signers = [load_signer(path) for path in key_files]
    with existing_log(db) as log:
        taken = log.checkpoint(op_id)
    text = taken.sign(signers) if signers else taken.to_text()
    with _output(output, force=overwrite, reading=db) as out:
        out.write(text)
    if output is not None:
        click.echo(f"checkpoint written to {output}", err=True)
    return Exit.OK


_output = output  # the option named --output shadows the helper inside checkpoint()


@cli.command("migrate")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint of OLD to verify it against before migrating it.",
)
@ACTOR
@PURPOSE
def migrate_command(
    old: Path, new: Path, checkpoint_file: Path | None, actor: str | None, purpose: str | None
) -> int:
    """Make NEW, a log of the current storage format, from the version-1 log OLD.

    OLD is verified first (against --checkpoint when given) and never changed. Every event is
    replayed into NEW in its order, keeping its id; NEW's first access record entry names
    OLD's log id and head hash, recorded with who did it (--as). NEW must not exist; a failed
    migration leaves no NEW.

    \b
    Example:
      anpr-ops migrate day-v1.db day.db --checkpoint day-v1.checkpoint --as "PC 1234"
      python -m anpr_ops.verify day.db --migrated-from day-v1.checkpoint
    """
    checkpoint = checkpoint_file.read_text(encoding="utf-8") if checkpoint_file else None
    result = migrate(old, new, checkpoint=checkpoint, actor=actor, purpose=purpose)
    click.echo(result.summary())
    return Exit.OK


@cli.command()
def schema() -> int:
    """Print the JSON Schema of one line of the JSON Lines interchange format.

    \b
    Example:
      anpr-ops schema > event.schema.json
    """
    json.dump(event_json_schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return Exit.OK
