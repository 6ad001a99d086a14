"""The strings a policy names (its rules', its facts schema's, a question's): each gets a code before any variable."""
from __future__ import annotations

from typing import Any, Iterator

from ..compile import ir
from ..compile.rules import CompiledQuery


def cond_strings(node: ir.Cond) -> Iterator[str]:
    if isinstance(node, ir.Compare) and isinstance(node.right, ir.Const):
        value = node.right.value
        items = value if isinstance(value, (frozenset, tuple)) else (value,)
        yield from (v for v in items if isinstance(v, str))
    elif isinstance(node, (ir.All, ir.AnyOf)):
        for part in node.parts:
            yield from cond_strings(part)
    elif isinstance(node, ir.Not):
        yield from cond_strings(node.inner)
    elif isinstance(node, ir.Quantifier) and node.over.where is not None:
        yield from cond_strings(node.over.where)


def query_strings(query: CompiledQuery) -> Iterator[str]:
    for rule in query.rules:
        yield from cond_strings(rule.when.ir)
        for when, _ in rule.outcome:
            if when is not None:
                yield from cond_strings(when.ir)


def schema_strings(node: Any) -> set[str]:
    """Every string an enum, const or default of the schema names."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("enum", "const", "default"):
                values = value if isinstance(value, list) else [value]
                found |= {v for v in values if isinstance(v, str)}
            else:
                found |= schema_strings(value)
    elif isinstance(node, list):
        for item in node:
            found |= schema_strings(item)
    return found
