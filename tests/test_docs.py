"""Code in the README and in docs/ runs as tests, so the documentation cannot drift.

Conventions for writers of docs:

- a fenced block tagged ``python`` is executed; all ``python`` blocks of one file run in
  order in one namespace, in a fresh temporary working directory;
- a fenced block tagged ``pycon`` is a doctest: ``>>>`` lines run and their printed output
  is compared; a pycon block sees the names the file's earlier ``python`` blocks made, but
  names it makes itself stay in it (doctest works on a copy);
- anything meant only to be read (shell sessions, output, SQL) uses another tag
  (``console``, ``text``, ``sql``, ``json``) and is not run.
"""

from __future__ import annotations

import doctest
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")],
    key=lambda p: str(p),
)
FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def blocks(path: Path) -> list[tuple[str, str, int]]:
    """(language, code, first line number) of each fenced block in a Markdown file."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start(2)) + 1
        found.append((match.group(1), match.group(2), line))
    return found


RUNNABLE = [p for p in DOC_FILES if any(lang in {"python", "pycon"} for lang, _, _ in blocks(p))]


@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_examples_run(path: Path, tmp_path: Path) -> None:
    """Every python and pycon block of the file runs without error and prints what it shows."""
    namespace: dict[str, object] = {"__name__": "__doc_example__"}
    old_cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for lang, code, line in blocks(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if lang == "python":
                exec(compile(code, where, "exec"), namespace)  # noqa: S102 - the docs' own code
            elif lang == "pycon":
                parser = doctest.DocTestParser()
                test = parser.get_doctest(code, namespace, where, str(path), line)
                runner = doctest.DocTestRunner(
                    optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
                )
                runner.run(test, clear_globs=False)
                result = runner.summarize(verbose=False)
                assert result.failed == 0, f"doctest failures in {where}"
    finally:
        os.chdir(old_cwd)


def test_doc_fences_are_recognised() -> None:
    """The fence parser finds blocks (so an empty RUNNABLE list cannot pass silently)."""
    sample = "text\n```python\nx = 1\n```\n\n```pycon\n>>> 1\n1\n```\n"
    path = ROOT / "tests" / "_fence_sample.md"
    path.write_text(sample, encoding="utf-8")
    try:
        found = blocks(path)
    finally:
        path.unlink()
    assert [(lang, line) for lang, _, line in found] == [("python", 3), ("pycon", 7)]
