"""The intermediate form of conditions: checked, typed, and free of YAML.

Rule files compile into these nodes once; every backend generates its own
evaluator from them (Python source in ``evaluate/compiled/codegen.py``,
durable_rules rulesets in ``evaluate/rete``), so no rule is ever written twice.
Conditions are ``Cond``; what a rule computes when it fires (details, texts,
effect and response templates) is ``Value``, ``Text`` and ``Template``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from ..facts.types import FactType
from ..trace import Leaf


@dataclass(frozen=True)
class Ref:
    """A fact path: from the root of the facts, or from a name a quantifier bound."""

    path: str
    binding: str | None  # the bound name it starts at; None for a root fact
    type: FactType | None
    nullable: bool  # may read as null (optional or nullable in facts.schema.json)

    @property
    def keys(self) -> list[str]:
        return self.path.split(".")[1:] if self.binding else self.path.split(".")


@dataclass(frozen=True)
class Const:
    value: Any  # already in the engine's type: Decimal, datetime, frozenset for 'in'...
    shown: Any = None  # for an 'in' list: its items as written, in order (a trace shows these)


@dataclass(frozen=True)
class Compare:
    left: Ref
    op: str
    right: Ref | Const
    day_in: Ref | None  # compare calendar days in the zone this fact names
    leaf: Leaf


@dataclass(frozen=True)
class All:
    parts: tuple["Cond", ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Cond", ...]


@dataclass(frozen=True)
class Not:
    inner: "Cond"


@dataclass(frozen=True)
class Truth:
    """A constant: what a malformed node compiles to once its problem is reported."""

    value: bool


@dataclass(frozen=True)
class Iteration:
    items: Ref
    name: str
    where: "Cond | None"


@dataclass(frozen=True)
class Quantifier:
    kind: str  # some, every, none, count
    over: Iteration
    op: str | None = None  # count only
    value: int | None = None


Cond = Union[Compare, All, AnyOf, Not, Truth, Quantifier]


@dataclass(frozen=True)
class Count:
    """How many items match."""

    over: Iteration


@dataclass(frozen=True)
class Collect:
    """One value of each matching item, in order."""

    over: Iteration
    select: Ref


Value = Union[Ref, Const, Count, Collect]


@dataclass(frozen=True)
class Detail:
    """A placeholder of a text that names one of its rule's details."""

    name: str


@dataclass(frozen=True)
class Text:
    """A message or remediation: literal pieces, facts and details, joined."""

    parts: tuple[Union[str, Ref, Const, Detail], ...]


@dataclass(frozen=True)
class Template:
    """An effect or response object: each key a JSON literal (``Const``) or a fact."""

    fields: tuple[tuple[str, Union[Ref, Const]], ...]
