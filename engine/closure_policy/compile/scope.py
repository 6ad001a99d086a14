"""Fact paths: what they name (a type from facts.schema.json) and how to read them.

A path starts at a root fact (``account.status``) or at a name a quantifier
bound (``contract.status``). Reading a path never raises: a missing key reads
as ``None``, and rules treat ``None`` as "not there".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..facts.types import FactType

Env = dict[str, Any]
Getter = Callable[[Env], Any]


@dataclass
class Scope:
    root: FactType
    bindings: dict[str, FactType] = field(default_factory=dict)

    def bind(self, name: str, item: FactType) -> "Scope":
        return Scope(self.root, {**self.bindings, name: item})

    def is_taken(self, name: str) -> bool:
        return name in self.bindings or name in self.root.properties

    def type_of(self, path: str) -> FactType | None:
        head, *rest = path.split(".")
        if head in self.bindings:
            return self.bindings[head].lookup(rest)
        return self.root.lookup([head, *rest])

    def known_paths(self) -> list[str]:
        """Every path this scope can read, for suggestions."""
        heads = {**self.root.properties, **self.bindings}
        return [p for name, t in heads.items() for p in _paths(name, t)]

    def root_fact(self, path: str) -> str | None:
        """The top-level fact key a path reads, or None for a bound name."""
        head = path.split(".", 1)[0]
        return None if head in self.bindings else head


def _paths(prefix: str, t: FactType) -> list[str]:
    found = [prefix]
    for key, sub in t.properties.items():
        found += _paths(f"{prefix}.{key}", sub)
    return found


def getter(path: str) -> Getter:
    head, *keys = path.split(".")
    if not keys:
        return lambda env: env.get(head)
    if len(keys) == 1:
        key = keys[0]

        def get_one(env: Env) -> Any:
            value = env.get(head)
            return value.get(key) if value is not None else None
        return get_one

    def get_many(env: Env) -> Any:
        value = env.get(head)
        for k in keys:
            if value is None:
                return None
            value = value.get(k)
        return value
    return get_many
