"""The examples in the interop modules' docstrings run and show what they say."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from anpr_ops.interop import _source, hits, jsonl, police_uk
from anpr_ops.interop.police_uk import exporting, importing, reading, record, vocabulary

MODULES = [_source, hits, jsonl, police_uk, vocabulary, record, reading, importing, exporting]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_there_are_examples() -> None:
    """The doctest finder sees the examples (an empty run cannot pass silently)."""
    found = sum(len(t.examples) for m in MODULES for t in doctest.DocTestFinder().find(m))
    assert found >= 10
