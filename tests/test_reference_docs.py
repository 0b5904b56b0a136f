"""The generated reference pages are current, and the documentation site builds cleanly."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from anpr_ops._docgen import PAGES, generate

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(PAGES))
def test_committed_reference_page_is_current(name: str) -> None:
    committed = (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")
    assert committed == PAGES[name]().rstrip("\n") + "\n", (
        f"docs/reference/{name} is out of date: run `make reference` and commit it"
    )


def test_generate_writes_only_what_changed(tmp_path: Path) -> None:
    assert sorted(p.name for p in generate(tmp_path)) == sorted(PAGES)
    assert generate(tmp_path) == []
    page = tmp_path / "reference" / "cli.md"
    page.write_text("stale\n", encoding="utf-8")
    assert generate(tmp_path) == [page]


def test_reference_pages_cover_the_code() -> None:
    from anpr_ops.cli import cli
    from anpr_ops.vocab import LABELS

    cli_page = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"## `anpr-ops {name}`" in cli_page
    vocabularies = (ROOT / "docs" / "reference" / "vocabularies.md").read_text(encoding="utf-8")
    for vocabulary in LABELS:
        assert f"## {vocabulary.__name__}\n" in vocabularies
    events = (ROOT / "docs" / "reference" / "events.md").read_text(encoding="utf-8")
    assert "## `search`" in events and "| `legislation` |" in events
    catalogue = (ROOT / "docs" / "reference" / "offence-catalogue.md").read_text(encoding="utf-8")
    assert "| `RT88584` |" in catalogue and "| `BA76001` |" in catalogue


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs not installed")
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict`: a broken link, anchor or page left out of the nav fails."""
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (site / "reference" / "cli" / "index.html").exists()
    shutil.rmtree(site)


def test_the_body_schema_the_standalone_verifier_reads_is_current() -> None:
    """anpr_ops/data/body-schema.json is what the event models say (make reference)."""
    from anpr_ops._docgen import BODY_SCHEMA, body_schema_text

    assert BODY_SCHEMA.read_text(encoding="utf-8") == body_schema_text(), (
        "run `make reference` to regenerate anpr_ops/data/body-schema.json"
    )
