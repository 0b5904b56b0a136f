"""docs/reliability.md states the campaigns' fixed figures as the tests define them.

Figures that vary from run to run (how many kills land inside an append, how many events the
writers manage) are given in the docs as those of one recorded run; the ones fixed by the
tests' own settings are checked here, so that the page cannot drift from the tests.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT
from tests.harness.tamper import cases, make_base
from tests.test_crash import SLOW_KILLS
from tests.test_hostile_input import BUDGETS
from tests.test_privacy_and_injection import ERROR_PATHS, INJECTIONS, QUERIES
from tests.test_resource_faults import BIT_FLIPS, HEADER_DAMAGE

DOC = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")


def test_the_fixed_figures_are_the_tests_own(tmp_path: Path) -> None:
    cells = len(cases(make_base(tmp_path).path))
    for figure in (
        f"**{2 * SLOW_KILLS} writers killed**",
        f"**{cells} cells**",
        f"all {cells} cells",
        f"**{BIT_FLIPS} random bit flips**",
        f"**{sum(BUDGETS.values()):,} hostile inputs**",
        f"{len(ERROR_PATHS)} error paths",
        f"{len(QUERIES)} query entry points × {len(INJECTIONS)} injection strings",
        f"{len(HEADER_DAMAGE)} header damages",
    ):
        assert figure in DOC, figure
