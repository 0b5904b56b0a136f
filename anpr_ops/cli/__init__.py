"""The ``anpr-ops`` command line: thin click commands over the library, no business logic.

Every error is one line on stderr and a non-zero exit status, never a traceback:
0 success; 1 the command failed (bad input, a broken chain, a log error); 2 usage errors
(unknown option, missing file argument). Commands live in the ``_*.py`` modules of this
package and register themselves on :data:`cli`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from anpr_ops._version import __version__
from anpr_ops.errors import AnprOpsError

__all__ = ["cli", "main"]

#: Exit statuses shared by every command.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script exits with it)."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="anpr-ops",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "anpr-ops"
        message = _one_line(exc.format_message())
        click.echo(f"anpr-ops: error: {message} (see '{command} --help')", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"anpr-ops: error: {_one_line(exc.format_message())}", err=True)
        return EXIT_FAILED
    except click.exceptions.Abort:
        click.echo("anpr-ops: aborted", err=True)
        return EXIT_FAILED
    except AnprOpsError as exc:
        click.echo(f"anpr-ops: error: {_one_line(exc.message)}", err=True)
        return EXIT_FAILED
    except OSError as exc:
        click.echo(f"anpr-ops: error: {_one_line(str(exc))}", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        click.echo("anpr-ops: interrupted", err=True)
        return 130
    return result if isinstance(result, int) else EXIT_OK


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
