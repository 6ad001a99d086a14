"""Resolve a fact path at a place in a rule, reporting it when it names nothing."""
from __future__ import annotations

from ..facts.types import FactType
from .context import Here
from .scope import Getter, Scope, getter


def resolve(path: str, here: Here, scope: Scope) -> tuple[Getter, FactType | None]:
    """A getter for ``path`` and its type; an unknown path is a problem."""
    t = scope.type_of(path)
    if t is None:
        known = sorted(scope.bindings) + sorted(scope.root.properties)
        here.error(f"unknown fact path {path!r} (not in facts.schema.json; names here: {', '.join(known)})",
                   "unknown-fact")
    root = scope.root_fact(path)
    if root is not None:
        here.roots.add(root)
    return getter(path), t
