"""The command-line sessions of docs/proofs.md run, in order, and print what the page shows.

Each ``console`` block is a shell session: ``$ `` lines are commands, the lines up to the next
command are what it prints (standard output, then standard error). A ``...`` inside a line
stands for any text on that line; a line that is only ``...`` for any number of lines. The
commands a page may use: ``anpr-ops`` and ``python -m anpr_ops.verify`` (run in this process),
``cat``, ``cp``, ``chmod`` and ``echo $?``; ``> FILE`` sends standard output to a file.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from anpr_ops import verify as stdlib_verify
from anpr_ops.cli import main
from tests.conftest import ROOT
from tests.test_docs import blocks

PAGE = ROOT / "docs" / "proofs.md"


def sessions(path: Path) -> list[list[tuple[str, list[str]]]]:
    """Each console block as ``[(command, expected lines), …]``."""
    out = []
    for lang, code, _ in blocks(path):
        if lang != "console":
            continue
        steps: list[tuple[str, list[str]]] = []
        for line in code.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        out.append(steps)
    return out


def pattern(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*".join(re.escape(piece) for piece in line.split("...")) + r"\n")
    return re.compile("".join(parts))


def run(command: str, capsys: pytest.CaptureFixture[str], last: int) -> tuple[int, str]:
    """Run one command; its exit status and what it printed."""
    words = shlex.split(command)
    target = None
    if len(words) > 2 and words[-2] == ">":
        target, words = Path(words[-1]), words[:-2]
    if words[0] == "anpr-ops":
        code = main(words[1:])
    elif words[:3] == ["python", "-m", "anpr_ops.verify"]:
        code = stdlib_verify.main(words[3:])
    elif words[0] == "cat":
        print(Path(words[1]).read_text(encoding="utf-8"), end="")
        code = 0
    elif words[0] == "cp":
        shutil.copy(words[1], words[2])
        code = 0
    elif words[0] == "chmod":
        os.chmod(words[2], int(words[1], 8))
        code = 0
    elif words == ["echo", "$?"]:
        print(last)
        code = 0
    else:
        raise AssertionError(f"the page runs a command the test does not know: {command}")
    out, err = capsys.readouterr()
    if target is not None:
        target.write_text(out, encoding="utf-8")
        out = ""
    return code, out + err


def test_the_page_has_the_worked_example() -> None:
    commands = [command for steps in sessions(PAGE) for command, _ in steps]
    for needed in (
        "keygen",
        "checkpoint day.db --sign",
        "prove day.db",
        "check-proof",
        "prove-consistency",
        "check-consistency",
        "anpr_ops.verify --proof",
    ):
        assert any(needed in command for command in commands), needed


def test_every_session_prints_what_the_page_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    last = 0
    for steps in sessions(PAGE):
        for command, expected in steps:
            last, printed = run(command, capsys, last)
            assert pattern(expected).fullmatch(printed), (command, printed)
            failing = any(line.startswith("anpr-ops: error:") for line in expected)
            assert (last != 0) == failing, (command, last)
