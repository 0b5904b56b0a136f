"""The README's command-line example runs as written, as a new user would run it: in a fresh
folder holding a copy of the checkout's ``examples/``, every line in order, each succeeding.

Only the last line is changed: Datasette is asked for one page (``--get``) instead of serving
until stopped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

README = ROOT / "README.md"


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## On the command line") :]
    block = section[section.index("```console\n") + len("```console\n") :]
    block = block[: block.index("```")]
    return [line for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_readme_block_is_the_one_tested() -> None:
    commands = readme_commands()
    assert commands[0] == "anpr-ops init day.db"
    assert any("examples/events.jsonl" in c for c in commands)
    assert (ROOT / "examples" / "events.jsonl").is_file()


def test_the_readme_command_line_example_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    for command in readme_commands():
        if command.endswith("datasette day.db --metadata day.json"):
            command += " --get /day/searches_readable.json"
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        assert "Traceback" not in done.stderr, command
        if command.startswith("anpr-ops append"):
            assert "appended 16 event(s)" in done.stdout
    summary = subprocess.run(
        ["anpr-ops", "report", "day.db", "--op", "kaiser-2020-04-18"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # The example's two arrests, worked out from examples/events.jsonl: possession with intent
    # to supply (MD71526, after search-1) and theft of a motor vehicle (TH68013, stop-3).
    assert "1 arrest for drug-related offences and 1 for vehicle crime" in summary
    assert (tmp_path / "k.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "day.checkpoint").is_file() and (tmp_path / "day.json").is_file()
