"""``{in: PATH, as: NAME, where: CONDITION}``: going through a list of facts.

Quantifiers, ``collect`` and ``count`` details, and ``for_each`` effects all
share this, so a bound name means the same thing everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..facts.types import FactType
from .context import Here
from .paths import resolve
from .scope import Env, Getter, Scope

Cond = Callable[[Env], bool]


def _always(env: Env) -> bool:
    return True


@dataclass
class Iteration:
    items: Getter
    name: str
    where: Cond
    scope: Scope  # the scope inside, with ``name`` bound

    def matches(self, env: Env) -> Iterator[Any]:
        """Bind each matching item in ``env`` in turn (unbound afterwards)."""
        name, where = self.name, self.where
        try:
            for item in self.items(env) or ():
                env[name] = item
                if where(env):
                    yield item
        finally:
            env.pop(name, None)


def compile_iteration(data: dict[str, Any], here: Here, scope: Scope) -> Iteration:
    from .conditions import compile_condition  # conditions use iterations too

    items, t = resolve(data["in"], here.at("in"), scope)
    item_type = FactType("any")
    if t is not None and t.kind != "array":
        here.at("in").error(f"{data['in']!r} is {t.describe()}, not a list", "not-a-list")
    elif t is not None and t.item is not None:
        item_type = t.item
    name = data["as"]
    if scope.is_taken(name):
        here.at("as").error(f"{name!r} is already a fact or a bound name here; choose another", "shadowed-name")
    inner = scope.bind(name, item_type)
    where = compile_condition(data["where"], here.at("where"), inner) if "where" in data else _always
    return Iteration(items, name, where, inner)
