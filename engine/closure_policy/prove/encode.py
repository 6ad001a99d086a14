"""The checked intermediate form of conditions (``compile/ir.py``) as z3 formulas over a symbolic document.

Each construct means here what the generated Python makes it mean
(``evaluate/compiled/codegen.py``, ``semantics.py``): a missing value is None;
``==`` and ``!=`` are Python's (None equals only None); an ordering is false
when either side is None; ``in`` a missing list is false; a quantifier over a
missing list sees no items. A construct with no exact encoding is refused at
its file:line:col.

Calendar days: the day of an instant ``t`` in zone ``z`` is
``floor((t + off(z, t)) / 86400 s)``, ``off`` a function z3 may choose freely
within the bound every zone of the database meets (|offset| < 24 h, Python's own
invariant), and 0 for UTC or a missing zone. A proof therefore holds for every
zone, past and future versions of the database included. A counterexample must
then be shown with a real zone: :mod:`.prover` asks again with each zone's
offset fixed (UTC, ``Etc/GMT±h``), which the database defines exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import z3

from ..compile import ir
from ..compile.rules import CompiledQuery, CompiledRule
from .errors import CannotEncode
from .model import Arr, Document, Obj, Scalar, Strings, Sym
from .values import DAY, SECOND, TEXT_KINDS, NotOfKind, to_model

Env = dict[str, Sym]
_ORDER = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_COUNT = {**_ORDER, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}
OFFSET = z3.Function("offset", z3.IntSort(), z3.IntSort(), z3.IntSort())


@dataclass
class Offset:
    """One place a calendar day is taken: the zone read there, and the offset term z3 chose."""

    zone: Any
    zone_none: Any
    term: Any


@dataclass
class Encoder:
    doc: Document
    strings: Strings
    where: str = ""  # file:line:col of what is being encoded, for a refusal
    offsets: list[Offset] = field(default_factory=list)
    constraints: list[Any] = field(default_factory=list)

    def cond(self, node: ir.Cond, env: Env) -> Any:
        if isinstance(node, ir.Truth):
            return z3.BoolVal(node.value)
        if isinstance(node, ir.All):
            return z3.And(*[self.cond(p, env) for p in node.parts])
        if isinstance(node, ir.AnyOf):
            return z3.Or(*[self.cond(p, env) for p in node.parts])
        if isinstance(node, ir.Not):
            return z3.Not(self.cond(node.inner, env))
        if isinstance(node, ir.Quantifier):
            return self.quantifier(node, env)
        if isinstance(node, ir.Compare):
            return self.compare(node, env)
        raise CannotEncode(self.where, f"no encoding of {type(node).__name__}")

    # --- reading --------------------------------------------------------------------------------------------

    def read(self, ref: ir.Ref, env: Env, where: str) -> tuple[Any, Sym]:
        """Whether the path reads None, and what it reads otherwise."""
        current: Sym = env[ref.binding] if ref.binding else self.doc.root
        none: Any = current.none
        for key in ref.keys:
            if not isinstance(current, Obj) or key not in current.fields:
                raise CannotEncode(where, f"{ref.path} is not a place of the facts schema")
            current = current.fields[key]
            none = z3.Or(none, current.none)
        return z3.simplify(none), current

    def scalar(self, ref: ir.Ref, env: Env, where: str) -> tuple[Any, Scalar]:
        none, sym = self.read(ref, env, where)
        if not isinstance(sym, Scalar):
            raise CannotEncode(where, f"{ref.path} is an object or a list, compared as a value")
        if sym.kind.startswith("unencodable:"):
            raise CannotEncode(where, f"{ref.path} is a {sym.kind.split(':')[1]}, which has no exact encoding")
        return none, sym

    def constant(self, value: Any, kind: str, where: str) -> Any:
        if value is None:
            return None
        try:
            return to_model(kind, value, self.strings.code)
        except NotOfKind as exc:
            raise CannotEncode(where, exc.why or f"the value {value!r} compared with a {kind}") from None

    # --- comparisons ----------------------------------------------------------------------------------------

    def compare(self, node: ir.Compare, env: Env) -> Any:
        where = node.leaf.at
        left_none, left = self.scalar(node.left, env, where)
        if node.op == "in":
            return self.member(node, left_none, left, env, where)
        if isinstance(node.right, ir.Const):
            value = self.constant(node.right.value, left.kind, where)
            right_none, right_value = (z3.BoolVal(True), None) if value is None else (z3.BoolVal(False), value)
        else:
            right_none, right = self.scalar(node.right, env, where)
            _same_kind(left, right, where)
            right_value = right.value
        left_value = left.value
        if node.day_in is not None:
            zone_none, zone = self.scalar(node.day_in, env, where)
            left_value, right_value = self.day(left_value, zone, zone_none), self.day(right_value, zone, zone_none)
        return _test(node.op, left_none, left_value, right_none, right_value)

    def member(self, node: ir.Compare, left_none: Any, left: Scalar, env: Env, where: str) -> Any:
        if isinstance(node.right, ir.Const):
            items = node.right.shown if node.right.shown is not None else tuple(node.right.value)  # as converted
            values = [self.constant(v, left.kind, where) for v in items]
            return z3.Or(*[left_none if v is None else z3.And(z3.Not(left_none), left.value == v) for v in values])
        list_none, listed = self.read(node.right, env, where)
        if not isinstance(listed, Arr):
            raise CannotEncode(where, f"{node.right.path} is not a list")
        found = []
        for i, item in enumerate(listed.items):
            if not isinstance(item, Scalar):
                raise CannotEncode(where, f"{node.right.path} is a list of objects; 'in' looks for a value")
            _same_kind(left, item, where)
            found.append(z3.And(i < listed.size, _equal(left_none, left.value, item.none, item.value)))
        return z3.And(z3.Not(list_none), z3.Or(*found))

    def day(self, moment: Any, zone: Scalar, zone_none: Any) -> Any:
        term = OFFSET(zone.value, moment)
        self.constraints += [term > -DAY, term < DAY]
        if "UTC" in self.strings.codes:
            self.constraints.append(z3.Implies(zone.value == self.strings.code("UTC"), term == 0))
        self.offsets.append(Offset(zone.value, zone_none, term))
        offset = z3.If(zone_none, 0, term)
        return (moment + offset * SECOND) / (DAY * SECOND)  # z3's division of integers floors for a positive divisor

    # --- quantifiers ----------------------------------------------------------------------------------------

    def quantifier(self, node: ir.Quantifier, env: Env) -> Any:
        _, listed = self.read(node.over.items, env, self.where)
        if not isinstance(listed, Arr):
            raise CannotEncode(self.where, f"{node.over.items.path} is not a list")
        matches = [z3.And(i < listed.size, self.cond(node.over.where, {**env, node.over.name: item})
                          if node.over.where is not None else True)
                   for i, item in enumerate(listed.items)]
        if node.kind == "some":
            return z3.Or(*matches)
        if node.kind == "none":
            return z3.Not(z3.Or(*matches))
        if node.kind == "every":
            if node.over.where is None:
                return z3.BoolVal(True)
            return z3.And(*[z3.Implies(i < listed.size, self.cond(node.over.where, {**env, node.over.name: item}))
                            for i, item in enumerate(listed.items)])
        count = z3.Sum(*[z3.If(m, 1, 0) for m in matches]) if matches else z3.IntVal(0)
        return _COUNT[node.op or "=="](count, node.value)

    # --- a query's decision ---------------------------------------------------------------------------------

    def fired(self, rule: CompiledRule) -> Any:
        self.where = rule.location
        return self.cond(rule.when.ir, {})

    def outcome(self, query: CompiledQuery, fired: dict[str, Any], codes: dict[str, int]) -> Any:
        """The outcome's code: the first violated rule (by step, then id) chooses it; none, the default."""
        result: Any = z3.IntVal(codes[query.default])
        for rule in sorted((r for r in query.rules if r.emit is None), key=lambda r: r.sort_key, reverse=True):
            self.where = rule.location
            result = z3.If(fired[rule.id], self.choice(rule, codes), result)
        return result

    def choice(self, rule: CompiledRule, codes: dict[str, int]) -> Any:
        result: Any = z3.IntVal(codes[""])  # no choice at all: the engine's empty outcome
        for when, name in reversed(rule.outcome):  # the first choice whose condition holds; one without, always
            result = z3.IntVal(codes[name]) if when is None else z3.If(self.cond(when.ir, {}), codes[name], result)
        return result


def _same_kind(left: Scalar, right: Scalar, where: str) -> None:
    text = left.kind in TEXT_KINDS and right.kind in TEXT_KINDS
    if left.kind != right.kind and not text:
        raise CannotEncode(where, f"a {left.kind} compared with a {right.kind}")


def _equal(a_none: Any, a: Any, b_none: Any, b: Any) -> Any:
    return z3.Or(z3.And(a_none, b_none), z3.And(z3.Not(a_none), z3.Not(b_none), a == b))


def _test(op: str, left_none: Any, left: Any, right_none: Any, right: Any) -> Any:
    if op in ("==", "!="):
        if right is None:  # compared with null
            return left_none if op == "==" else z3.Not(left_none)
        equal = _equal(left_none, left, right_none, right)
        return equal if op == "==" else z3.Not(equal)
    if right is None:
        return z3.BoolVal(False)
    return z3.And(z3.Not(left_none), z3.Not(right_none), _ORDER[op](left, right))
