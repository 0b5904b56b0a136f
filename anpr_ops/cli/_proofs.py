"""Commands for proofs a third party can check: keygen, prove, check-proof, prove-consistency,
check-consistency (docs/proofs.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from anpr_ops.cli import cli
from anpr_ops.cli._common import (
    ACTOR,
    KEYS,
    OVERWRITE,
    PURPOSE,
    check_target,
    personal_log,
    read_checkpoint,
    read_log,
    signed_by,
)
from anpr_ops.cli._common import output as whole_file
from anpr_ops.cli._exits import Exit
from anpr_ops.keys import keygen
from anpr_ops.proofs import (
    ConsistencyProof,
    InclusionProof,
    check_consistency,
    check_inclusion,
)

__all__: list[str] = []

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_DB = click.argument("db", type=click.Path(dir_okay=False, path_type=Path))
_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the proof to this file (readable by its owner only) instead of stdout; never "
    "over a log, over another existing file only with --force.",
)


@cli.command(name="keygen")
@click.argument("name")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The private key file to create (mode 0600; an existing file is never overwritten).",
)
def keygen_command(name: str, output: Path) -> int:
    """Make an Ed25519 key NAME for signing checkpoints; print its verifier key.

    The private key goes to the file (keep it secret; 'anpr-ops checkpoint --sign' refuses it
    once others may read it). The line printed is the public verifier key, to give to whoever
    checks the checkpoints: NAME+ID+KEY, as Go's sumdb/note writes it. Needs the 'signing'
    extra (pip install 'anpr_ops[signing]').

    \b
    Example:
      anpr-ops keygen met-anpr-2020 -o force.key > force.pub
    """
    verifier = keygen(name, output)
    click.echo(verifier.to_text())
    click.echo(f"private key written to {output}; keep it secret", err=True)
    return Exit.OK


@cli.command()
@_DB
@click.argument("event_id")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    required=True,
    type=_FILE,
    help="The checkpoint to prove the event against (from 'anpr-ops checkpoint').",
)
@_OUTPUT
@OVERWRITE
@click.option(
    "--personal",
    is_flag=True,
    help="Disclose the event's personal values with the proof (recorded in the access record "
    "as a disclosure to --recipient, with --as and --purpose).",
)
@click.option("--recipient", help="Who the proof with personal values is for.")
@click.option(
    "--restricted", is_flag=True, help="Disclose a restricted record's values (recorded)."
)
@ACTOR
@PURPOSE
def prove(
    db: Path,
    event_id: str,
    checkpoint_file: Path,
    output: Path | None,
    overwrite: bool,
    personal: bool,
    recipient: str | None,
    restricted: bool,
    actor: str | None,
    purpose: str | None,
) -> int:
    """Write the proof that event EVENT_ID of DB is in the log the checkpoint describes.

    The proof is a JSON file: the event's stored bytes (which hold only a commitment to its
    personal values), its place in the log and the RFC 9162 inclusion path. Anyone holding
    the checkpoint checks it with 'anpr-ops check-proof', or with the standard library alone
    ('python -m anpr_ops.verify --proof'). With --personal the event's values go with it, and
    the checker checks them against the commitment.

    \b
    Example:
      anpr-ops prove day.db search-7 --checkpoint day.checkpoint -o search-7.proof.json
    """
    check_target(output, force=overwrite, reading=db)
    checkpoint = read_checkpoint(checkpoint_file)
    opened = personal_log(db, actor, purpose) if personal else read_log(db)
    with opened as log:
        proof = log.prove(
            event_id, checkpoint, personal=personal, restricted=restricted, recipient=recipient
        )
    with whole_file(output, force=overwrite, reading=db) as out:
        out.write(proof.to_json())
    where = f" to {output}" if output else ""
    with_values = " with its personal values" if proof.personal is not None else ""
    click.echo(
        f"wrote the proof of {event_id} (leaf {proof.leaf_index} of {proof.tree_size})"
        f"{with_values}{where}",
        err=True,
    )
    return Exit.OK


@cli.command(name="check-proof")
@click.argument("proof_file", metavar="PROOF", type=_FILE)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    required=True,
    type=_FILE,
    help="The checkpoint the proof was made against.",
)
@KEYS
@click.option("--show", is_flag=True, help="Print the event (as JSON) once the proof holds.")
def check_proof(proof_file: Path, checkpoint_file: Path, keys: tuple[str, ...], show: bool) -> int:
    """Check an inclusion proof against a checkpoint, with no database at hand.

    Exit 0 when the event is in the log the checkpoint describes (and any personal values in
    the proof are those its record commits to), 1 when not. With --key, the checkpoint must
    also be signed by that key.

    \b
    Example:
      anpr-ops check-proof search-7.proof.json --checkpoint day.checkpoint --key force.pub
    """
    proof = InclusionProof.from_json(proof_file.read_bytes())
    checkpoint = read_checkpoint(checkpoint_file, keys)
    event = check_inclusion(proof, checkpoint)  # its signature was checked as it was read
    values = ", with its personal values" if proof.personal is not None else ""
    click.echo(
        f"proof holds: event {proof.event_id} is in {proof.origin} at {proof.tree_size} events "
        f"(seq {proof.seq}){values}; checkpoint {signed_by(checkpoint)}"
    )
    if show:
        click.echo(json.dumps(event, indent=2, sort_keys=True, ensure_ascii=False))
    return Exit.OK


@cli.command(name="prove-consistency")
@_DB
@click.option("--old", "old_file", required=True, type=_FILE, help="The earlier checkpoint.")
@click.option("--new", "new_file", required=True, type=_FILE, help="The later checkpoint.")
@_OUTPUT
@OVERWRITE
def prove_consistency(
    db: Path, old_file: Path, new_file: Path, output: Path | None, overwrite: bool
) -> int:
    """Write the proof that DB at the --new checkpoint extends DB at the --old one.

    Every event the old checkpoint covers is still in the log, unchanged and in order: the
    proof (RFC 9162 consistency path, JSON) lets anyone holding both checkpoints check it
    with 'anpr-ops check-consistency', without the log.

    \b
    Example:
      anpr-ops prove-consistency day.db --old april.checkpoint --new may.checkpoint -o c.json
    """
    check_target(output, force=overwrite, reading=db)
    old, new = read_checkpoint(old_file), read_checkpoint(new_file)
    with read_log(db) as log:
        proof = log.prove_consistency(old, new)
    with whole_file(output, force=overwrite, reading=db) as out:
        out.write(proof.to_json())
    where = f" to {output}" if output else ""
    click.echo(
        f"wrote the proof that {proof.new_size} events extend {proof.old_size}{where}", err=True
    )
    return Exit.OK


@cli.command(name="check-consistency")
@click.argument("proof_file", metavar="PROOF", type=_FILE)
@click.option("--old", "old_file", required=True, type=_FILE, help="The earlier checkpoint.")
@click.option("--new", "new_file", required=True, type=_FILE, help="The later checkpoint.")
@KEYS
def check_consistency_command(
    proof_file: Path, old_file: Path, new_file: Path, keys: tuple[str, ...]
) -> int:
    """Check that the log at the --new checkpoint extends the log at the --old one.

    Exit 0 when the proof holds, 1 when not; no database is needed. With --key, both
    checkpoints must be signed by that key.

    \b
    Example:
      anpr-ops check-consistency c.json --old april.checkpoint --new may.checkpoint --key force.pub
    """
    proof = ConsistencyProof.from_json(proof_file.read_bytes())
    old, new = read_checkpoint(old_file, keys), read_checkpoint(new_file, keys)
    check_consistency(proof, old, new)  # their signatures were checked as they were read
    click.echo(
        f"consistent: {proof.origin} at {proof.new_size} events extends itself at "
        f"{proof.old_size}; new checkpoint {signed_by(new)}"
    )
    return Exit.OK
