"""Resolve a fact path at a place in a rule, reporting it when it names nothing."""
from __future__ import annotations

from ..text import did_you_mean
from .context import Here
from .ir import Ref
from .scope import Scope


def resolve(path: str, here: Here, scope: Scope) -> Ref:
    """The path as a typed reference; an unknown path is a problem."""
    t = scope.type_of(path)
    if t is None:
        here.error(f"unknown fact path {path!r} (not in the facts schema){did_you_mean(path, scope.known_paths())}",
                   "unknown-fact")
    root = scope.root_fact(path)
    if root is not None:
        here.roots.add(root)
    nullable = t is None or t.nullable or t.optional
    return Ref(path, None if root is not None else path.split(".", 1)[0], t, nullable)
