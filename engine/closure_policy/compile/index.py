"""Rule indexing: which rules of a query can fire for a document, known before any is evaluated.

As OPA indexes the equality comparisons of rule bodies, a rule here is filed
under one *discriminating* comparison: an equality (``==``) or membership
(``in`` a literal list) of a string, integer or boolean fact with literals,
that must hold for the rule to fire. It must hold when it stands in the rule's
``when`` through ``all`` only (never under ``not`` or ``any``), or in the
``where`` of a ``some`` over a list of the root of the facts, where it may
name the item's field (``items[].category``: some item must have that value)
or a root fact. A decision then evaluates only the rules filed under the
document's values, and the rules filed under nothing. The index is data built
from the intermediate form; each backend's code reads it the same way.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from ..trace import Leaf
from . import ir
from .rules import CompiledQuery, CompiledRule

#: Kinds of fact whose values index exactly: compared by Python equality, which agrees with hashing.
_INDEXED_KINDS = frozenset({"string", "integer", "boolean"})
_SCALARS = (str, int, bool, type(None))


@dataclass(frozen=True)
class Key:
    """What a document is looked up by: a root fact, or one field of every item of a root list."""

    path: str  # the root fact, or the root list
    item_keys: tuple[str, ...] | None = None  # the item's field below the list; None for a root fact
    item_path: str = ""  # the field as the rule wrote it (``item.category``)

    @property
    def text(self) -> str:
        return self.path if self.item_keys is None else f"{self.path}[].{'.'.join(self.item_keys)}"


@dataclass(frozen=True)
class Entry:
    """Where one rule is filed: the key and the values it needs, from the comparison ``leaf``."""

    key: Key
    values: frozenset[Any]
    leaf: Leaf
    shown: Any  # the comparison's right side as written (a value, or an 'in' list)

    @property
    def text(self) -> str:
        return f"{self.key.text} {'in' if isinstance(self.shown, list) else '=='} {_shown(self.shown)}"


@dataclass
class RuleIndex:
    """A query's index: each key's buckets (value -> rule numbers), and the rules filed under nothing."""

    entries: list[Entry | None]  # by rule number (the rule's place in the query)
    buckets: dict[Key, dict[Any, tuple[int, ...]]]
    always: tuple[int, ...]
    shared: frozenset[Key]  # keys under which one rule lies in several buckets (so a lookup deduplicates)

    @property
    def indexed(self) -> int:
        return sum(entry is not None for entry in self.entries)


def build_index(query: CompiledQuery) -> RuleIndex:
    found = [_found(rule) for rule in query.rules]
    spread = _spread(found)
    entries = [max(options, key=lambda e: _score(e, spread)) if options else None for options in found]
    buckets: dict[Key, dict[Any, list[int]]] = {}
    for number, entry in enumerate(entries):
        if entry is not None:
            for value in entry.values:
                buckets.setdefault(entry.key, {}).setdefault(value, []).append(number)
    shared = frozenset(e.key for e in entries if e is not None and len(e.values) > 1 and e.key.item_keys)
    return RuleIndex(entries=entries,
                     buckets={k: {v: tuple(n) for v, n in b.items()} for k, b in buckets.items()},
                     always=tuple(n for n, e in enumerate(entries) if e is None), shared=shared)


def _found(rule: CompiledRule) -> list[Entry]:
    if "index" not in rule.memo:
        rule.memo["index"] = list(discriminators(rule.when.ir))
    found: list[Entry] = rule.memo["index"]
    return found


def _spread(found: list[list[Entry]]) -> dict[Key, int]:
    """How many distinct values the rules compare each key with: the more, the fewer rules a lookup finds."""
    values: dict[Key, set[Any]] = {}
    for options in found:
        for entry in options:
            values.setdefault(entry.key, set()).update(entry.values)
    return {key: len(v) for key, v in values.items()}


def _score(entry: Entry, spread: dict[Key, int]) -> tuple[int, int, int, str]:
    # A root fact has one value per document; a list's field has many, so it selects less.
    return (entry.key.item_keys is None, spread[entry.key], -len(entry.values), entry.key.text)


def discriminators(node: ir.Cond, item: tuple[str, ir.Ref] | None = None) -> Iterator[Entry]:
    """Every comparison that must hold for ``node`` to hold and that can be looked up by value."""
    if isinstance(node, ir.Compare):
        entry = _entry(node, item)
        if entry is not None:
            yield entry
    elif isinstance(node, ir.All):
        for part in node.parts:
            yield from discriminators(part, item)
    elif isinstance(node, ir.AnyOf) and len(node.parts) == 1:
        yield from discriminators(node.parts[0], item)
    elif isinstance(node, ir.Quantifier) and node.kind == "some" and node.over.where is not None:
        items = node.over.items
        inner = (node.over.name, items) if items.binding is None else None
        # An item of a list that is not a root fact cannot be looked up; its root facts still can.
        yield from discriminators(node.over.where, inner)


def partitioned(node: ir.Cond, entry: Entry) -> ir.Quantifier | None:
    """The ``some`` of a rule's ``when`` (through ``all`` only) whose items ``entry`` (a list's field) filters.

    Only the items with one of the entry's values can match its ``where``, so a decision may go through
    those alone: the document's items grouped by the field once, each such rule reads its group.
    """
    if entry.key.item_keys is None or len(entry.values) != 1:
        return None
    if isinstance(node, (ir.All, ir.AnyOf)) and (isinstance(node, ir.All) or len(node.parts) == 1):
        return next((q for q in (partitioned(p, entry) for p in node.parts) if q is not None), None)
    if isinstance(node, ir.Quantifier) and node.kind == "some" and node.over.where is not None \
            and node.over.items.binding is None and node.over.items.path == entry.key.path:
        mine = (node.over.name, node.over.items)
        if any(e == entry for e in _direct(node.over.where, mine)):
            return node
    return None


def _direct(node: ir.Cond, item: tuple[str, ir.Ref]) -> Iterator[Entry]:
    """The discriminators of a ``where`` that name its own item (not those of a quantifier inside it)."""
    if isinstance(node, ir.Compare):
        entry = _entry(node, item)
        if entry is not None:
            yield entry
    elif isinstance(node, ir.All) or (isinstance(node, ir.AnyOf) and len(node.parts) == 1):
        for part in node.parts:
            yield from _direct(part, item)


def _entry(node: ir.Compare, item: tuple[str, ir.Ref] | None) -> Entry | None:
    left, right = node.left, node.right
    if node.day_in is not None or not isinstance(right, ir.Const) or left.type is None \
            or left.type.kind not in _INDEXED_KINDS:
        return None
    shown: Any
    if node.op == "==" and isinstance(right.value, _SCALARS):
        values, shown = frozenset([right.value]), right.value
    elif node.op == "in" and isinstance(right.value, frozenset) and all(isinstance(v, _SCALARS) for v in right.value):
        values, shown = right.value, list(right.shown) if right.shown is not None else sorted(right.value, key=repr)
    else:
        return None
    if left.binding is None:
        key = Key(left.path)
    elif item is not None and left.binding == item[0] and left.keys:
        key = Key(item[1].path, tuple(left.keys), left.path)
    else:
        return None
    return Entry(key, values, node.leaf, shown)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def rule_order(rules: list[CompiledRule]) -> list[int]:
    """Each rule's rank among its query's violations (by step, then id)."""
    ranked = sorted(range(len(rules)), key=lambda n: rules[n].sort_key)
    rank = [0] * len(rules)
    for position, number in enumerate(ranked):
        rank[number] = position
    return rank
