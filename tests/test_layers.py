"""The house: imports point one way, modules stay small, the standard-library core stays so.

Layers, from the bottom: plates, offence codes, vocabularies, errors and the standard-library
core (canonical bytes, the chain, the log file); events; the store; reports; renderings and
other formats; the faces (command line, strategies, the package's own ``__init__``). A module
may import from its own layer or below, never above. Two convenience methods defer an upward
import to call time on purpose (``OpLog.report`` builds a report; ``OpReport.to_text`` renders
one), and a type-only import names the report type in the store: those are listed below, and
no other may appear.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import anpr_ops

PACKAGE = Path(anpr_ops.__file__).parent

LAYERS: tuple[frozenset[str], ...] = (
    frozenset(
        {
            "errors",
            "_messages",
            "_time",
            "_zones",
            "_canonical",
            "_csv",
            "vocab",
            "forces",
            "vrm",
            "offences",
            "chain",
            "merkle",
            "note",
            "keys",
            "checkpoint",
            "proofs",
            "_commitment",
            "_schema",
            "_logfile",
            "_v1",
            "_verifier",
            "_bodycheck",
            "_version",
        }
    ),
    frozenset({"events"}),
    frozenset({"store"}),
    frozenset({"report", "scrutiny"}),
    frozenset({"render", "interop"}),
    frozenset({"cli", "strategies", "distributed", "verify", "_docgen", "__init__", "__main__"}),
)

#: (importing module, imported module): upward imports deferred to call time, or type-only.
ALLOWED_UPWARD = frozenset(
    {
        ("anpr_ops.store.log", "anpr_ops.report._rollup_report"),
        ("anpr_ops.store.log", "anpr_ops.report"),
        ("anpr_ops.report.opreport", "anpr_ops.render.sentences"),
    }
)

#: Modules the standalone verifier runs: they may import only the standard library and each
#: other.
STDLIB_ONLY = frozenset(
    {
        "errors",
        "_messages",
        "_time",
        "_zones",
        "_canonical",
        "chain",
        "merkle",
        "note",
        "keys",
        "checkpoint",
        "proofs",
        "_commitment",
        "_schema",
        "_logfile",
        "_v1",
        "_verifier",
        "_bodycheck",
        "verify",
    }
)

#: Optional packages a standard-library module may import inside a function, and only there:
#: ``note`` signs and checks Ed25519 signatures with ``cryptography`` (the ``signing`` extra)
#: when asked to, so a verifier given no key never imports it.
LAZY_OPTIONAL = frozenset({("anpr_ops.note", "cryptography")})

MAX_LINES = 600


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append(("anpr_ops." + ".".join(parts), path))
    return out


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"  # the package itself: the face
    for rank, names in enumerate(LAYERS):
        if top in names:
            return rank
    raise AssertionError(f"{module} is in no layer: place it in LAYERS")


def _imports(module: str, path: Path) -> list[str]:
    """Every anpr_ops module ``path`` imports (``from anpr_ops import x`` counts as x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.startswith("anpr_ops")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            if not base.startswith("anpr_ops"):
                continue
            if base == "anpr_ops":
                # ``from anpr_ops import x``: the submodule x, or else the package's face.
                names += [
                    f"anpr_ops.{alias.name}"
                    if (PACKAGE / alias.name).is_dir() or (PACKAGE / f"{alias.name}.py").exists()
                    else "anpr_ops"
                    for alias in node.names
                ]
            else:
                names.append(base)
    return names


MODULES = _modules()


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down(module: str, path: Path) -> None:
    """A module imports only from its own layer or below (bar the listed deferred imports)."""
    mine = _layer(module)
    upward = [
        target
        for target in _imports(module, path)
        if _layer(target) > mine and (module, target) not in ALLOWED_UPWARD and module != "anpr_ops"
    ]
    assert upward == []


@pytest.mark.parametrize(
    ("module", "path"),
    [(m, p) for m, p in MODULES if m.split(".")[1] in STDLIB_ONLY],
    ids=[m for m, p in MODULES if m.split(".")[1] in STDLIB_ONLY],
)
def test_the_verifier_core_needs_only_the_standard_library(module: str, path: Path) -> None:
    """The modules the standalone verifier runs import the standard library and each other."""
    import sys

    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy = {
        id(inner)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(function)
    }
    foreign = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            roots = [(node.module or "").split(".")[0]]
        else:
            continue
        for root in roots:
            if root == "anpr_ops":
                continue
            if root not in sys.stdlib_module_names and root != "__future__":
                if id(node) in lazy and (module, root) in LAZY_OPTIONAL:
                    continue  # imported when a signature is made or checked, never before
                foreign.append(root)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("anpr_ops."):
            inner = (node.module or "").split(".")[1]
            if inner not in STDLIB_ONLY:
                foreign.append(node.module or "")
    assert foreign == []


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_no_module_is_too_long_to_hold_in_mind(module: str, path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


def test_a_layer_violation_is_caught(tmp_path: Path) -> None:
    """The check itself can fail: an events module importing the store is refused."""
    bad = tmp_path / "bad.py"
    bad.write_text("from anpr_ops.store import OpLog\n", encoding="utf-8")
    targets = _imports("anpr_ops.events.bad", bad)
    assert targets == ["anpr_ops.store"]
    assert _layer("anpr_ops.store") > _layer("anpr_ops.events.bad")
