"""The command-line sessions of docs/data-protection.md run as written.

Each ``console`` block of the page is a session: a line starting with ``$ `` is a command —
``anpr-ops …``, ``python -m anpr_ops.verify …``, or ``cat > FILE <<'EOF'`` with the file's
lines up to ``EOF`` — and the lines after it, up to the next command, are what it prints
(stdout and stderr), compared as doctest compares output: ``...`` matches anything, and
runs of white space are equal (so a long line may be wrapped in the page). A command whose
output starts with ``anpr-ops: error:`` must fail; every other command must succeed.
"""

from __future__ import annotations

import doctest
import io
import shlex
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from anpr_ops import verify as stdlib_verify
from anpr_ops.cli import main
from tests.test_docs import ROOT, blocks

PAGE = ROOT / "docs" / "data-protection.md"
CHECKER = doctest.OutputChecker()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _steps(code: str) -> Iterator[tuple[str, list[str], str]]:
    """(command, heredoc lines, expected output) of each command of a session."""
    lines = code.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        assert line.startswith("$ "), f"a session line outside a command: {line!r}"
        command = line[2:]
        index += 1
        heredoc: list[str] = []
        if "<<'EOF'" in command:
            while lines[index] != "EOF":
                heredoc.append(lines[index])
                index += 1
            index += 1
        expected: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            expected.append(lines[index])
            index += 1
        yield command, heredoc, "\n".join(expected) + "\n" if expected else ""


def _run(command: str, heredoc: list[str]) -> tuple[int, str]:
    words = shlex.split(command)
    if words[0] == "cat":
        assert words[1] == ">", "only 'cat > FILE <<'EOF'' is supported"
        Path(words[2]).write_text("\n".join(heredoc) + "\n", encoding="utf-8")
        return 0, ""
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        if words[0] == "anpr-ops":
            code = main(words[1:])
        elif words[:3] == ["python", "-m", "anpr_ops.verify"]:
            code = stdlib_verify.main(words[3:])
        else:
            raise AssertionError(f"the page runs a command the test does not know: {command}")
    return code, out.getvalue()


SESSIONS = [code for lang, code, _ in blocks(PAGE) if lang == "console"]


def test_the_page_has_sessions() -> None:
    assert len(SESSIONS) >= 3


def test_the_sessions_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All sessions, in order, in one folder: later sessions use the log earlier ones made.
    No actor or purpose comes from the environment: the page gives them."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANPR_OPS_ACTOR")
    monkeypatch.delenv("ANPR_OPS_PURPOSE")
    for session in SESSIONS:
        for command, heredoc, expected in _steps(session):
            code, got = _run(command, heredoc)
            fails = expected.startswith("anpr-ops: error:")
            assert (code != 0) == fails, f"{command}: exit {code}\n{got}"
            assert CHECKER.check_output(expected, got, FLAGS), (
                f"{command}\nexpected:\n{expected}\ngot:\n{got}"
            )
