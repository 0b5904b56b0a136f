"""The data.police.uk package keeps its house: imports inside it point one way, and its face
re-exports every public name it lists.

tests/test_layers.py checks the package as a whole (it imports nothing above the interop
layer, and no module passes 600 lines); these tests check the layers inside it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import anpr_ops.interop.police_uk as package

PACKAGE = "anpr_ops.interop.police_uk"
FOLDER = Path(package.__file__).parent

# Each module and the package modules it may import: only those of the layers beneath it.
# Importing and exporting sit side by side on top and do not know each other.
ALLOWED: dict[str, set[str]] = {
    "vocabulary": set(),
    "record": {"vocabulary"},
    "reading": {"vocabulary", "record"},
    "importing": {"vocabulary", "record", "reading"},
    "exporting": {"vocabulary", "record"},
}


def package_imports(path: Path) -> set[str]:
    """The modules of the package that a file imports (by their short names)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith(PACKAGE + "."):
                found.add(name.removeprefix(PACKAGE + ".").split(".")[0])
    return found & set(ALLOWED)


def test_every_module_of_the_package_is_placed_in_a_layer() -> None:
    modules = {p.stem for p in FOLDER.glob("*.py") if p.stem != "__init__"}
    assert modules == set(ALLOWED)


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_imports_point_down_only(module: str) -> None:
    imported = package_imports(FOLDER / f"{module}.py")
    assert imported <= ALLOWED[module], imported - ALLOWED[module]


def test_the_face_lists_what_it_holds() -> None:
    """Every name in ``__all__`` is there, and is the object its home module defines."""
    for name in package.__all__:
        value = getattr(package, name)
        home = getattr(value, "__module__", None)
        if isinstance(home, str) and home.startswith(PACKAGE + "."):
            assert getattr(importlib.import_module(home), name) is value
    assert len(set(package.__all__)) == len(package.__all__)
