"""The rete backend's code generator: intermediate form to durable_rules rules.

durable_rules 2.0.28 matches patterns well but has gaps, seen here and worked
around by construction:

- no ``not``; and ``$or`` inside a list item (``$iany``/``$iall``) never
  matches. So a condition is split into **atoms**: patterns that are
  conjunctions, each a durable_rules rule. The Rete network matches them; the
  condition's ``and``/``or``/``not`` over its atoms is a small formula
  evaluated on the set of atoms that fired. Quantifier bodies are put in
  disjunctive normal form, and ``some x: (A or B)`` becomes two atoms.
- ``$iall`` is false on an empty list, so ``every`` is generated as
  ``not some (not ...)``.
- a rule that reads a property the fact lacks compares against whatever
  memory holds (false matches, and crashes depending on the heap's layout).
  So every property a rule may read that can be null is always projected, as a
  sentinel no real value equals ("" or 0), with ``NAME__set`` saying whether it
  holds a value: equality then reads as Python's ``None == None``, and
  orderings, false on a null side in Python, test the flags.

Derived values the engine cannot compute (calendar days in a time zone, list
lengths) are named here and filled in by ``project.py``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import product
from typing import Any, Callable

from ... import limits
from ...compile import ir
from ...errors import EngineLimit
from .encode import encode

OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
COUNT_SOME = {(">=", 1), (">", 0), ("!=", 0)}
COUNT_NONE = {("==", 0), ("<", 1), ("<=", 0)}
Pattern = dict[str, Any]
Formula = Callable[[set[str]], bool]
Dnf = list[list[Pattern]]  # or of ands


class NotExpressible(EngineLimit):
    """A condition durable_rules cannot state; the rete backend refuses to load."""


def root_name(path: str) -> str:
    return path.replace(".", "__")


def day_name(ts: str, zone: str) -> str:
    return f"__day__{root_name(ts)}__{root_name(zone)}"


def count_name(list_name: str) -> str:
    return f"{list_name}__n"


def set_flag(name: str) -> str:
    return f"{name}__set"


def _test(key: str, op: str, value: Any) -> Pattern:
    return {key: value} if op == "==" else {OPS[op]: {key: value}}


def _conj(patterns: list[Pattern]) -> Pattern:
    return patterns[0] if len(patterns) == 1 else {"$and": patterns}


@dataclass
class Atoms:
    """The patterns of one query's ruleset, each a rule, shared by equal text."""

    rules: dict[str, Pattern] = field(default_factory=dict)
    by_text: dict[str, str] = field(default_factory=dict)
    days: set[tuple[str, str]] = field(default_factory=set)  # (timestamp path, zone path)
    sentinels: dict[str, Any] = field(default_factory=dict)  # property -> its value when null

    def atom(self, pattern: Pattern) -> Formula:
        text = json.dumps(pattern, sort_keys=True)
        name = self.by_text.get(text)
        if name is None:
            name = self.by_text[text] = f"a{len(self.by_text)}"
            self.rules[name] = pattern
        return lambda fired: name in fired


def _any(parts: list[Formula]) -> Formula:
    return lambda fired: any(p(fired) for p in parts)


def _all(parts: list[Formula]) -> Formula:
    return lambda fired: all(p(fired) for p in parts)


def _const(value: bool) -> Formula:
    return lambda fired: value


@dataclass
class Gen:
    atoms: Atoms
    where: str  # the rule being generated, for messages

    def fail(self, why: str) -> NotExpressible:
        return NotExpressible(f"{self.where}: {why} cannot be stated for durable_rules (rete backend)")

    # --- the formula over atoms --------------------------------------------

    def formula(self, node: ir.Cond) -> Formula:
        if isinstance(node, ir.Truth):
            return _const(node.value)
        if isinstance(node, ir.Not):
            inner = self.formula(node.inner)
            return lambda fired: not inner(fired)
        if isinstance(node, (ir.All, ir.AnyOf)):
            parts = [self.formula(p) for p in node.parts]
            return _all(parts) if isinstance(node, ir.All) else _any(parts)
        if isinstance(node, ir.Quantifier):
            return self.quantifier(node)
        assert isinstance(node, ir.Compare)
        return self.root_compare(node)

    def quantifier(self, node: ir.Quantifier) -> Formula:
        kind, over = _kind(node, self.fail), node.over
        if over.items.binding is not None:
            raise self.fail(f"a quantifier over {over.items.path!r} (inside another quantifier's condition)")
        lst = self.name(over.items)
        if kind == "count":  # no condition: compare the length
            return self.atoms.atom(_test(count_name(lst), node.op or "==", node.value))
        body = over.where if over.where is not None else ir.Truth(True)
        if kind == "every":  # every P == not some (not P): $iall is false on empty lists
            some = self.some(lst, self.item(body, True, over.name))
            return lambda fired: not some(fired)
        some = self.some(lst, self.item(body, False, over.name))
        return some if kind == "some" else (lambda fired: not some(fired))

    def some(self, lst: str, dnf: Dnf) -> Formula:
        parts = [self.atoms.atom({"$iany": {lst: _conj(conj)}} if conj else {"$gt": {count_name(lst): 0}})
                 for conj in dnf]
        return _any(parts) if parts else _const(False)

    # --- root comparisons: one atom each, true exactly when Python's is -----

    def name(self, ref: ir.Ref) -> str:
        name = root_name(ref.path)
        if ref.nullable:
            self.atoms.sentinels[name] = ""
        return name

    def root_compare(self, node: ir.Compare) -> Formula:
        left, op, right = node.left, node.op, node.right
        if left.binding is not None or (isinstance(right, ir.Ref) and right.binding is not None):
            raise self.fail(f"comparing {left.path!r} outside the quantifier that binds it")
        if node.day_in is not None:
            return self.days(node)
        if op == "in":
            if isinstance(right, ir.Const):
                key = self.name(left)
                return _any([self.atoms.atom({key: encode(v)}) for v in sorted(right.value, key=repr)])
            return self.atoms.atom({"$iany": {self.name(right): {"$i": {"$m": self.name(left)}}}})
        key = self.name(left)
        if isinstance(right, ir.Const) and right.value is None:
            return self.atoms.atom({set_flag(key): int(op == "!=")})
        value = encode(right.value) if isinstance(right, ir.Const) else {"$m": self.name(right)}
        test = _test(key, op, value)
        if op in ("==", "!="):  # null is the sentinel, so this reads as Python's
            return self.atoms.atom(test)
        flags = [set_flag(n) for n in (key, value.get("$m") if isinstance(value, dict) else None)
                 if n is not None and n in self.atoms.sentinels]
        return self.atoms.atom(_conj([{f: 1} for f in flags] + [test]))

    def days(self, node: ir.Compare) -> Formula:
        right = node.right
        if not isinstance(right, ir.Ref) or node.op == "in":
            raise self.fail("as_day_in with a literal")
        zone = node.day_in.path  # type: ignore[union-attr]
        self.atoms.days |= {(node.left.path, zone), (right.path, zone)}
        left_name, right_name = day_name(node.left.path, zone), day_name(right.path, zone)
        self.atoms.sentinels.update({left_name: 0, right_name: 0})
        test = _test(left_name, node.op, {"$m": right_name})
        if node.op in ("==", "!="):
            return self.atoms.atom(test)
        return self.atoms.atom({"$and": [{set_flag(left_name): 1}, {set_flag(right_name): 1}, test]})

    # --- item conditions: disjunctive normal form, no $or inside items -----

    def item(self, node: ir.Cond, neg: bool, bound: str) -> Dnf:
        if isinstance(node, ir.Truth):
            return [[]] if node.value != neg else []
        if isinstance(node, ir.Not):
            return self.item(node.inner, not neg, bound)
        if isinstance(node, (ir.All, ir.AnyOf)):
            parts = [self.item(p, neg, bound) for p in node.parts]
            count = 1
            for part in parts:
                count = count * len(part) if isinstance(node, ir.All) != neg else count + len(part)
            if count > limits.MAX_RETE_ALTERNATIVES:
                raise self.fail(f"a quantifier's condition with {count:,} alternatives (more than "
                                f"{limits.MAX_RETE_ALTERNATIVES})")
            if isinstance(node, ir.All) != neg:
                return [sum(combo, []) for combo in product(*parts)]
            return [conj for part in parts for conj in part]
        if isinstance(node, ir.Quantifier):
            return self.nested(node, neg, bound)
        assert isinstance(node, ir.Compare)
        return self.item_compare(node, neg, bound)

    def field(self, ref: ir.Ref, bound: str) -> str:
        if ref.binding != bound:
            raise self.fail(f"{ref.path!r} inside a quantifier over {bound!r}")
        if ref.nullable:
            raise self.fail(f"the optional item field {ref.path!r}")
        return ".".join(["$i", *ref.keys]) if ref.keys else "$i"

    def item_compare(self, node: ir.Compare, neg: bool, bound: str) -> Dnf:
        left, op, right = node.left, node.op, node.right
        if node.day_in is not None:
            raise self.fail("as_day_in inside a quantifier")
        if isinstance(right, ir.Ref) and left.binding is None and right.binding == bound and op != "in":
            left, right, op = right, left, FLIPPED[op]  # durable_rules reads items on the left only
        if op == "in":
            return self.item_member(node, neg, bound)
        key = self.field(left, bound)
        if isinstance(right, ir.Ref) and right.binding is not None:
            raise self.fail(f"comparing two items ({left.path!r}, {right.path!r})")
        value = encode(right.value) if isinstance(right, ir.Const) else {"$m": self.name(right)}
        if isinstance(right, ir.Ref) and right.nullable and op not in ("==", "!="):
            raise self.fail(f"ordering against the optional fact {right.path!r}")
        return [[_test(key, NEGATED[op] if neg else op, value)]]

    def item_member(self, node: ir.Compare, neg: bool, bound: str) -> Dnf:
        left, right = node.left, node.right
        if isinstance(right, ir.Const):
            key = self.field(left, bound)
            values = [encode(v) for v in sorted(right.value, key=repr)]
            if neg:
                return [[{"$neq": {key: v}} for v in values]]
            return [[{key: v}] for v in values]
        if left.binding is not None or right.binding != bound:
            raise self.fail(f"'{left.path} in {right.path}'")
        lst, element = self.field(right, bound), {"$i": {"$m": self.name(left)}}
        if not neg:
            return [[{"$iany": {lst: element}}]]
        return [[{count_name(lst): 0}], [{"$iall": {lst: {"$neq": element}}}]]

    def nested(self, node: ir.Quantifier, neg: bool, bound: str) -> Dnf:
        """A quantifier over a list inside the item: its condition must be one test."""
        kind, over = _kind(node, self.fail), node.over
        lst = self.field(over.items, bound)
        if kind == "count":
            op = node.op or "=="
            return [[_test(count_name(lst), NEGATED[op] if neg else op, node.value)]]
        exists, body_neg = _NESTED[(kind, neg)]
        body = over.where if over.where is not None else ir.Truth(True)
        inner = self.item(body, body_neg, over.name)
        if len(inner) > 1 or (inner and len(inner[0]) > 1):
            raise self.fail(f"a condition of more than one test in a quantifier over {over.items.path!r}")
        if not inner:  # the body never holds
            return [] if exists else [[{count_name(lst): 0}]]
        test = inner[0][0] if inner[0] else None
        if exists:
            return [[{"$iany": {lst: test}} if test else {"$gt": {count_name(lst): 0}}]]
        return [[{count_name(lst): 0}]] + ([[{"$iall": {lst: test}}]] if test else [[]])


# (kind, negated) -> (some item is tested, the test is negated); otherwise every item is.
_NESTED = {("some", False): (True, False), ("some", True): (False, True),
           ("none", False): (False, True), ("none", True): (True, False),
           ("every", False): (False, False), ("every", True): (True, True)}


def _kind(node: ir.Quantifier, fail: Callable[[str], Exception]) -> str:
    if node.kind != "count" or node.over.where is None:
        return node.kind
    pair = (node.op, node.value)
    if pair in COUNT_SOME:
        return "some"
    if pair in COUNT_NONE:
        return "none"
    raise fail(f"count {node.op} {node.value} with a condition")


def generate(node: ir.Cond, atoms: Atoms, where: str) -> Formula:
    return Gen(atoms, where).formula(node)
