"""A mutation pass over the guards, the chain link, verification and the canonical form: each
hand-made mutant of tests/harness/mutants.py must make the tests aimed at it fail.

A mutant that survives is a bug the suite would let through (docs/reliability.md lists the
mutants and what kills each).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.harness.mutants import MUTANTS


def _run(mutant: str | None, tests: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ANPR_OPS_MUTANT"}
    if mutant is not None:
        env["ANPR_OPS_MUTANT"] = mutant
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
            "-p", "tests.harness.mutants", "-m", "not slow", *tests,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_each_mutant_is_killed(mutant: str) -> None:
    _, tests = MUTANTS[mutant]
    done = _run(mutant, tests)
    assert done.returncode == 1, f"mutant {mutant} survived:\n{done.stdout[-2000:]}"


@pytest.mark.slow
def test_the_aimed_tests_pass_without_a_mutant() -> None:
    """The control: what kills the mutants passes on the real code."""
    tests = tuple(sorted({t for _, aimed in MUTANTS.values() for t in aimed}))
    done = _run(None, tests)
    assert done.returncode == 0, done.stdout[-2000:]
