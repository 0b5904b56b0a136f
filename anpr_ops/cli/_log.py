"""Commands about the log itself: init, append, verify, checkpoint, migrate, schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

import click

from anpr_ops.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, cli
from anpr_ops.cli._common import (
    ACTOR,
    KEYS,
    PURPOSE,
    new_log_removed_on_failure,
    progress,
    read_checkpoint,
    signed_by,
)
from anpr_ops.cli._common import output as _output
from anpr_ops.errors import AnprOpsError
from anpr_ops.events import Event, event_json_schema
from anpr_ops.interop.jsonl import iter_jsonl
from anpr_ops.keys import load_signer
from anpr_ops.store import OpLog, migrate


def existing_log(path: Path) -> OpLog:
    """Open a log that must already exist (a missing file is an error, never created)."""
    return OpLog.open(path)


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
def init(db: Path) -> int:
    """Create an empty log file DB (readable by its owner only).

    \b
    Example:
      anpr-ops init day.db
    """
    if db.exists():
        raise click.UsageError(f"{db} already exists; anpr-ops init only creates new logs")
    with OpLog.open(db, create=True) as log:
        click.echo(f"created {db} (log id {log.log_id})")
    return EXIT_OK


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("source", type=click.File("rb"))
@click.option("--create", is_flag=True, help="Create DB if it does not exist yet.")
def append(db: Path, source: IO[bytes], create: bool) -> int:
    """Append the events of a JSON Lines file (or - for stdin) to DB, as one atomic batch.

    Every line is checked first; one bad line (named with its line number and field) leaves
    the log unchanged. Events already in the log with identical content are skipped.

    \b
    Example:
      anpr-ops append day.db events.jsonl
      cat events.jsonl | anpr-ops append day.db -
    """
    lines = source.readlines()
    numbered: list[tuple[int, Event]] = []
    with progress("reading events") as advance:
        for number, event in iter_jsonl(lines):
            numbered.append((number, event))
            if advance is not None and len(numbered) % 1000 == 0:
                advance(number, len(lines))
        if advance is not None:
            advance(len(lines), len(lines))
    with new_log_removed_on_failure(db, create) as log:
        try:
            result = log.extend(event for _, event in numbered)
        except AnprOpsError as exc:
            # The log names the event; a person editing the file needs its line.
            line = _line_of(exc, {event.event_id: number for number, event in numbered})
            if line is None:
                raise
            raise click.ClickException(f"line {line}: {exc.message}") from None
        click.echo(
            f"appended {result.count} event(s), {len(result.duplicates)} already present; "
            f"log now holds {len(log)} event(s)"
        )
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
    return EXIT_OK


def _line_of(exc: AnprOpsError, lines: dict[str, int]) -> int | None:
    """The line of the event an error from ``extend`` is about, if it names one."""
    return lines.get(exc.event_id) if exc.event_id is not None else None


@cli.command()
@click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint file to verify against (detects truncation and rewrites).",
)
@KEYS
def verify(db: Path, checkpoint_file: Path | None, keys: tuple[str, ...]) -> int:
    """Recompute DB's hash chain. Exit 0 when it holds, 1 when it does not, 2 on usage errors.

    With --checkpoint, also check that DB still holds what the checkpoint describes: its
    events (the same Merkle root and chain head), its access record, and for an operation's
    checkpoint its count of events. With --key, the checkpoint must be signed by that key.

    \b
    Example:
      anpr-ops verify day.db --checkpoint day.checkpoint
      anpr-ops verify day.db --checkpoint day.checkpoint --key "$(cat force.pub)"
    """
    if not db.is_file():
        click.echo(f"anpr-ops: error: no log file at {db}", err=True)
        return EXIT_USAGE
    if keys and checkpoint_file is None:
        raise click.UsageError("--key checks a checkpoint's signature: give --checkpoint too")
    checkpoint = None
    if checkpoint_file is not None:
        checkpoint = read_checkpoint(checkpoint_file, keys)
    with OpLog.open(db, readonly=True) as log:
        result = log.verify(checkpoint)
    click.echo(f"{db}: {result.summary()}")
    if checkpoint is not None:
        click.echo(f"checkpoint: {signed_by(checkpoint)}")
    return EXIT_OK if result.ok else EXIT_FAILED


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
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the checkpoint to this file instead of stdout.",
)
def checkpoint(
    db: Path, op_id: str | None, key_files: tuple[Path, ...], output: Path | None
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
    signers = [load_signer(path) for path in key_files]
    with existing_log(db) as log:
        taken = log.checkpoint(op_id)
    text = taken.sign(signers) if signers else taken.to_text()
    if output is None:
        click.echo(text, nl=False)
    else:
        with _output(output) as out:
            out.write(text)
        click.echo(f"checkpoint written to {output}", err=True)
    return EXIT_OK


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
    return EXIT_OK


@cli.command()
def schema() -> int:
    """Print the JSON Schema of one line of the JSON Lines interchange format.

    \b
    Example:
      anpr-ops schema > event.schema.json
    """
    json.dump(event_json_schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return EXIT_OK


__all__ = ["EXIT_FAILED", "existing_log"]
