"""The ``anpr-ops`` command line: thin click commands over the library, no business logic.

Every error is one line on stderr and a non-zero exit status, never a traceback. The statuses
are one table for every command (:mod:`anpr_ops.cli._exits`, printed in the command line
reference): 0 done (``verify``: the chain holds), 1 refused or a problem found (``verify``:
the chain does not hold), 2 could not start (usage, a missing file, not a log). Commands live
in the ``_*.py`` modules of this package and register themselves on :data:`cli`; a group
given no arguments prints its help.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from anpr_ops._version import __version__
from anpr_ops.cli._exits import Exit, status_of
from anpr_ops.errors import AnprOpsError

__all__ = ["EXIT_CANNOT", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "Exit", "cli", "main"]

#: Exit statuses shared by every command (see :class:`~anpr_ops.cli._exits.Exit`).
EXIT_OK, EXIT_FAILED, EXIT_CANNOT = Exit.OK, Exit.FAILED, Exit.CANNOT
#: The status of a usage error: the same as every other "could not start".
EXIT_USAGE = Exit.CANNOT


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    no_args_is_help=True,
)
@click.version_option(__version__, prog_name="anpr-ops")
def cli() -> None:
    """Record police ANPR operations in an append-only, tamper-evident log, and report them.

    \b
    Example:
      anpr-ops demo
      anpr-ops init day.db
      anpr-ops append day.db events.jsonl
      anpr-ops report day.db --op kaiser-2020-04-18 --format html -o kaiser.html
      anpr-ops verify day.db

    Exit status: 0 done (verify: the chain holds), 1 refused or a problem found (verify: the
    chain does not hold), 2 could not start (usage, missing file, not a log); the table is in
    the command line reference.
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script exits with it)."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="anpr-ops",
            standalone_mode=False,
        )
    except click.exceptions.NoArgsIsHelpError as exc:
        # A group called with nothing: the help, as --help prints it.
        click.echo(exc.ctx.get_help())
        return Exit.OK
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "anpr-ops"
        message = _one_line(exc.format_message())
        click.echo(f"anpr-ops: error: {message} (see '{command} --help')", err=True)
        return status_of(exc)
    except click.ClickException as exc:
        click.echo(f"anpr-ops: error: {_one_line(exc.format_message())}", err=True)
        return status_of(exc)
    except click.exceptions.Abort:
        click.echo("anpr-ops: aborted", err=True)
        return Exit.FAILED
    except AnprOpsError as exc:
        click.echo(f"anpr-ops: error: {_one_line(exc.message)}", err=True)
        return status_of(exc)
    except OSError as exc:
        click.echo(f"anpr-ops: error: {_one_line(_os_message(exc))}", err=True)
        return status_of(exc)
    except KeyboardInterrupt as exc:
        click.echo("anpr-ops: interrupted", err=True)
        return status_of(exc)
    return int(result) if isinstance(result, int) else Exit.OK


def _os_message(exc: OSError) -> str:
    """An OSError as people read it: what, and which file (no errno in brackets)."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.strerror.lower()}: {exc.filename}"
    return str(exc)


def _one_line(text: str) -> str:
    return " ".join(text.split())


from anpr_ops.cli import (  # noqa: E402,F401 - registers the commands
    _datasette,
    _demo,
    _interop,
    _log,
    _proofs,
    _protection,
    _report,
    _scrutiny,
)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
