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
     "paths", "progress", "resources", "semantics", "gcpause", "pointers", "sqlitefile", "__version__"},
    {"load"}, {"validate"}, {"facts"}, {"compile"}, {"evaluate"}, {"policy", "reloader"},
    {"stream", "decisionlog", "bundle"}, {"tester"}, {"prove"}, {"site"}, {"serve", "batch", "lsp"}, {"review"},
    {"cli"},
    {"__init__"},
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


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str) -> bool:
    base = PACKAGE.joinpath(*module.split(".")) if module else PACKAGE
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _module_imports(path: Path) -> set[str]:
    """The package's modules one module imports, at its top or inside a function (a package: its __init__)."""
    here = _module(path).split(".") if _module(path) else []
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and node.level):
            continue
        base = package[:len(package) - node.level + 1]
        target = ".".join(base + (node.module.split(".") if node.module else []))
        for alias in node.names:
            sub = f"{target}.{alias.name}" if target else alias.name
            found.add(sub if _exists(sub) else target)
    return found - {_module(path)}


def test_no_import_goes_round_in_a_circle():
    """Like import-linter's acyclic contract, over modules: each circle found is listed."""
    graph = {_module(p): _module_imports(p) for p in PACKAGE.rglob("*.py")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert not circles, "\n".join(" <-> ".join(c) for c in circles)
