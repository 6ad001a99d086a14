"""The data flows one way, and the imports follow it: no module imports from a layer above its own.

Like import-linter's layers contract, read off the source with ``ast`` (nothing is imported to check it).
"""
from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "engine/closure_policy"
# Lowest first. A module may import from its own layer and the layers below it.
LAYERS: list[set[str]] = [
    {"checks", "limits", "text", "errors", "scalars", "jsonvalues", "jsondoc", "decision", "trace", "clock",
     "paths", "progress", "resources", "semantics", "gcpause", "__version__"},
    {"load"}, {"validate"}, {"facts"}, {"compile"}, {"evaluate"}, {"policy", "reloader"},
    {"stream", "decisionlog"}, {"tester"}, {"prove"}, {"site"}, {"serve", "batch", "lsp"}, {"cli"}, {"__init__"},
]


def _layer(unit: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if unit in names)


def _imports(path: Path) -> set[str]:
    """The top-level units of the package that a module imports (relative imports: the package's own)."""
    module = path.relative_to(PACKAGE).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(module[:-1])[:len(module) - node.level]
            target = base + (node.module.split(".") if node.module else [node.names[0].name])
            found.add(target[0])
    return found


def test_every_unit_of_the_package_has_a_layer():
    units = {p.relative_to(PACKAGE).with_suffix("").parts[0] for p in PACKAGE.rglob("*.py")}
    assert units <= set().union(*LAYERS), units - set().union(*LAYERS)


def test_no_import_points_up():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = path.relative_to(PACKAGE).with_suffix("").parts[0]
        for target in _imports(path):
            if _layer(target) > _layer(unit):
                upward.append(f"{path.relative_to(PACKAGE)} ({unit}) imports {target}")
    assert not upward, "\n".join(upward)
