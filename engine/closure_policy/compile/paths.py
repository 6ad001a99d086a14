"""Resolve a fact path at a place in a rule, reporting it when it names nothing."""
from __future__ import annotations

import difflib

from ..facts.types import FactType
from .context import Here
from .scope import Getter, Scope, getter


def resolve(path: str, here: Here, scope: Scope) -> tuple[Getter, FactType | None]:
    """A getter for ``path`` and its type; an unknown path is a problem."""
    t = scope.type_of(path)
    if t is None:
        close = difflib.get_close_matches(path, scope.known_paths(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        here.error(f"unknown fact path {path!r} (not in facts.schema.json){hint}", "unknown-fact")
    root = scope.root_fact(path)
    if root is not None:
        here.roots.add(root)
    return getter(path), t
