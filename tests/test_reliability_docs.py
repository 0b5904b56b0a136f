"""docs/reliability.md states the campaigns' fixed figures as the tests define them.

Figures that vary from run to run (how many kills land inside an append, how many events the
writers manage, what a flipped bit hits) are given in the docs as those of one recorded run;
the ones fixed by the tests' own settings and claims are checked here, so that the page cannot
drift from the tests.
"""

from __future__ import annotations

from collections import Counter

from tests.conftest import ROOT
from tests.harness.mutants import MUTANTS
from tests.harness.tamper import FILE, cases
from tests.test_crash import SLOW_KILLS
from tests.test_hostile_input import BUDGETS
from tests.test_privacy_and_injection import ERROR_PATHS, INJECTIONS, QUERIES
from tests.test_resource_faults import BIT_FLIPS, HEADER_DAMAGE
from tests.test_tamper_matrix import expected

DOC = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
#: The page with its lines joined, so that a figure may wrap.
FLAT = " ".join(DOC.split())

#: How the page names each outcome of the tamper matrix in its summary.
OUTCOMES = {
    "verify": "Found by every `verify()`",
    "full_verify": "Found only by the full `verify()`",
    "checkpoint": "Found only against a checkpoint",
    "refused_on_open": "Refused on open",
    "nobody": "Found by nobody",
    "impossible": "Refused by SQLite",
    "not_applicable": "Not applicable",
}


def _cells(n: int) -> str:
    return f"{n} cell" + ("" if n == 1 else "s")


def test_the_fixed_figures_are_the_tests_own() -> None:
    cells = len(cases())
    for figure in (
        f"**{2 * SLOW_KILLS} writers killed**",
        f"**{cells} cells**",
        f"all {cells} cells",
        f"**{BIT_FLIPS} random bit flips**",
        f"{BIT_FLIPS} times, one random bit",
        f"**{sum(BUDGETS.values()):,} hostile inputs**",
        f"{len(ERROR_PATHS)} error paths",
        f"{len(QUERIES)} query entry points × {len(INJECTIONS)} injection strings",
        f"{len(HEADER_DAMAGE)} header damages",
        f"**{len(MUTANTS)} mutants**",
        f"All {len(MUTANTS)} mutants are killed",
    ):
        assert figure in FLAT, figure


def test_the_tamper_summary_counts_the_claims() -> None:
    """The size of the matrix and the count of each outcome are those of its cells and claims
    (tests/test_tamper_matrix.py), not of a run."""
    found = cases()
    columns = [c for c in found if c.column]
    places = {(c.table, c.column, c.row) for c in columns}
    files = [c for c in found if c.table == FILE]
    size = (
        f"{len(columns)} cells change one column ({len(places)} columns",
        f"{len(found) - len(columns) - len(files)} change rows or are attacks on one table",
        f"and {len(files)} change the file",
    )
    for figure in size:
        assert figure in FLAT, figure
    counts = Counter(expected(case).outcome for case in found)
    assert set(counts) <= set(OUTCOMES)
    for outcome, n in counts.items():
        assert f"**{OUTCOMES[outcome]}** ({_cells(n)})" in FLAT, outcome


def test_every_mutant_is_listed_with_what_kills_it() -> None:
    for name, (breaks, tests) in MUTANTS.items():
        killers = ", ".join(f"`{test}`" for test in tests)
        assert f"| `{name}` | {breaks} | {killers} |" in DOC, name
