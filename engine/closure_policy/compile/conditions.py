"""Check a condition and turn it into the intermediate form (``ir.py``).

Conditions are data; nothing from a rule file is ever executed as code. Type
checks happen here, once, so every backend gets a condition that makes sense.
"""
from __future__ import annotations

import json
from decimal import InvalidOperation
from json.encoder import encode_basestring
from typing import Any, Callable

from .. import limits
from ..facts.types import FactType
from ..scalars import to_instant, to_money
from ..semantics import ORDERED_KINDS, ORDERING
from ..trace import Leaf
from . import ir
from .context import Here
from .paths import resolve
from .scope import Scope

_NEVER = ir.Truth(False)


def build_condition(data: Any, here: Here, scope: Scope) -> ir.Cond:
    if not isinstance(data, dict):
        return _NEVER  # the schema stage has reported it
    here = here.deeper()
    if here.level > limits.MAX_CONDITION_DEPTH:
        here.error(f"the condition nests more than {limits.MAX_CONDITION_DEPTH} deep (named conditions expanded)",
                   "limit")
        return _NEVER
    for key, build in _FORMS.items():
        if key in data:
            return build(data, here, scope)
    if "fact" in data:
        return _comparison(data, here, scope)
    return _NEVER


def build_iteration(data: dict[str, Any], here: Here, scope: Scope) -> tuple[ir.Iteration, Scope]:
    """``{in, as, where}``, and the scope inside it (with ``as`` bound)."""
    items = resolve(data["in"], here.at("in"), scope)
    item_type = FactType("any")
    if items.type is not None and items.type.kind != "array":
        here.at("in").error(f"{data['in']!r} is {items.type.describe()}, not a list", "not-a-list")
    elif items.type is not None and items.type.item is not None:
        item_type = items.type.item
    name = data["as"]
    if scope.is_taken(name):
        here.at("as").error(f"{name!r} is already a fact or a bound name here; choose another", "shadowed-name")
    inner = scope.bind(name, item_type)
    if len(inner.bindings) > limits.MAX_QUANTIFIER_DEPTH:
        here.error(f"quantifiers nest more than {limits.MAX_QUANTIFIER_DEPTH} deep here (named conditions "
                   "expanded)", "limit")
        return ir.Iteration(items, name, None), inner
    where = build_condition(data["where"], here.at("where"), inner) if "where" in data else None
    return ir.Iteration(items, name, where), inner


def _parts(key: str) -> Callable[[dict[str, Any], Here, Scope], tuple[ir.Cond, ...]]:
    return lambda data, here, scope: tuple(build_condition(c, here.at(key, i), scope)
                                           for i, c in enumerate(data[key]))


def _quantifier(kind: str) -> Callable[[dict[str, Any], Here, Scope], ir.Cond]:
    def build(data: dict[str, Any], here: Here, scope: Scope) -> ir.Cond:
        over, _ = build_iteration(data[kind], here.at(kind), scope)
        if kind == "count":
            return ir.Quantifier(kind, over, data[kind]["op"], data[kind]["value"])
        return ir.Quantifier(kind, over)
    return build


def _use(data: dict[str, Any], here: Here, scope: Scope) -> ir.Cond:
    name = data["use"]
    named = here.ctx.conditions.get(name)
    if named is None:
        known = ", ".join(sorted(here.ctx.conditions)) or "none"
        here.at("use").error(f"unknown condition {name!r} (defined: {known})", "unknown-condition")
        return _NEVER
    here.ctx.used.add(name)
    if name in here.expanding:
        here.at("use").error(f"condition {name!r} uses itself", "condition-cycle")
        return _NEVER
    # A named condition is expanded where it is used, so it may read the names
    # bound around the use; its problems are reported at its definition. It is
    # built once per rule and set of bound names, and the node shared: twenty
    # conditions each using the one before twice stay twenty nodes.
    key = (here.owner, name, tuple(sorted((k, id(t)) for k, t in scope.bindings.items())))
    shared = here.ctx.expansions.get(key)
    if shared is None:
        roots: set[str] = set()
        inner = Here(here.ctx, named.source, named.path, roots, here.expanding + (name,), here.owner, here.level)
        shared = here.ctx.expansions[key] = (build_condition(named.data, inner, scope), frozenset(roots))
    here.roots.update(shared[1])
    node: ir.Cond = shared[0]
    return node


def measure(node: ir.Cond, seen: dict[int, int] | None = None) -> int:
    """How many comparisons ``node`` evaluates, shared nodes counted at each use."""
    seen = {} if seen is None else seen
    if id(node) in seen:
        return seen[id(node)]
    if isinstance(node, ir.Compare):
        size = 1
    elif isinstance(node, (ir.All, ir.AnyOf)):
        size = sum(measure(p, seen) for p in node.parts)
    elif isinstance(node, ir.Not):
        size = measure(node.inner, seen)
    elif isinstance(node, ir.Quantifier):
        size = 1 + (measure(node.over.where, seen) if node.over.where is not None else 0)
    else:
        size = 0
    seen[id(node)] = size
    return size


_FORMS: dict[str, Callable[[dict[str, Any], Here, Scope], ir.Cond]] = {
    "all": lambda d, h, s: ir.All(_parts("all")(d, h, s)),
    "any": lambda d, h, s: ir.AnyOf(_parts("any")(d, h, s)),
    "not": lambda d, h, s: ir.Not(build_condition(d["not"], h.at("not"), s)),
    "use": _use,
    "some": _quantifier("some"), "every": _quantifier("every"),
    "none": _quantifier("none"), "count": _quantifier("count"),
}


# --- comparisons ----------------------------------------------------------

def _comparison(data: dict[str, Any], here: Here, scope: Scope) -> ir.Cond:
    op = data["op"]
    left = resolve(data["fact"], here.at("fact"), scope)
    right: ir.Ref | ir.Const
    if "value_of" in data:
        right = resolve(data["value_of"], here.at("value_of"), scope)
        _check_paths(op, left.type, right.type, data, here)
    else:
        right = _constant(data["value"], op, left.type, here.at("value"))
    day_in = _day_in(left, right, data, here, scope) if "as_day_in" in data else None
    return ir.Compare(left, op, right, day_in, _leaf(data, here))


def _json(value: Any) -> str:
    """A literal as JSON text: the common scalars without the encoder's set-up (a leaf each comparison)."""
    if value.__class__ is str:
        return encode_basestring(value)
    if value.__class__ is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _leaf(data: dict[str, Any], here: Here) -> Leaf:
    other = data["value_of"] if "value_of" in data else _json(data.get("value"))
    text = f"{data['fact']} {data['op']} {other}"
    if "as_day_in" in data:
        text += f" (calendar days in {data['as_day_in']})"
    leaf = Leaf(here.owner, here.location(), text)
    here.ctx.leaves.setdefault(here.owner, {})[leaf.at] = leaf
    return leaf


def _constant(value: Any, op: str, left_t: FactType | None, here: Here) -> ir.Const:
    if op == "in":
        if not isinstance(value, list):
            here.error(f"'in' needs a list on the right, not {value!r}", "type-mismatch")
            return ir.Const(())
        items = [_literal(v, left_t, here.at(i)) for i, v in enumerate(value)]
        return ir.Const(frozenset(items) if all(v is not None for v in items) else tuple(items), tuple(items))
    if isinstance(value, list):
        here.error(f"a list can only be compared with 'in', not {op!r}", "type-mismatch")
    elif left_t is not None and op in ORDERING and left_t.kind not in ORDERED_KINDS:
        here.error(f"{op!r} orders numbers, amounts and timestamps; this fact is {left_t.describe()}",
                   "type-mismatch")
    return ir.Const(_literal(value, left_t, here))


def _literal(value: Any, t: FactType | None, here: Here) -> Any:
    """The literal as the engine compares it against a fact of type ``t``."""
    if t is None or t.kind == "any":
        return value
    if value is None:
        if not t.nullable:
            here.error(f"this fact ({t.describe()}) is never null", "type-mismatch")
        return None
    try:
        converted = _convert(value, t)
    except (ValueError, TypeError, InvalidOperation):
        here.error(f"cannot compare {t.describe()} with {value!r}", "type-mismatch")
        return value
    if t.enum is not None and converted not in t.enum:
        here.error(f"{value!r} is not a possible value (one of {', '.join(map(str, t.enum))})", "unknown-value")
    return converted


def _convert(value: Any, t: FactType) -> Any:
    if isinstance(value, bool) != (t.kind == "boolean"):
        raise TypeError
    if t.kind == "money":
        return to_money(value)
    if t.kind == "timestamp":
        return to_instant(value)
    if t.kind in ("string", "timezone") and not isinstance(value, str):
        raise TypeError
    if t.kind in ("integer", "number") and not isinstance(value, (int, float)):
        raise TypeError
    return value


def _comparable(a: FactType, b: FactType) -> bool:
    text = {"string", "timezone"}
    return a.kind == b.kind or (a.kind in text and b.kind in text) or "any" in (a.kind, b.kind)


def _check_paths(op: str, left: FactType | None, right: FactType | None, data: dict[str, Any], here: Here) -> None:
    if left is None or right is None:
        return
    if op == "in":
        if right.kind != "array":
            here.at("value_of").error(f"'in' needs a list on the right; {data['value_of']!r} is {right.describe()}",
                                      "type-mismatch")
        elif right.item is not None and not _comparable(left, right.item):
            here.error(f"cannot look for {left.describe()} in a {right.describe()}", "type-mismatch")
        return
    if not _comparable(left, right):
        here.error(f"cannot compare {data['fact']} ({left.describe()}) with {data['value_of']} ({right.describe()})",
                   "type-mismatch")
    elif op in ORDERING and left.kind not in ORDERED_KINDS:
        here.error(f"{op!r} orders numbers, amounts and timestamps; {data['fact']} is {left.describe()}",
                   "type-mismatch")


def _day_in(left: ir.Ref, right: ir.Ref | ir.Const, data: dict[str, Any], here: Here, scope: Scope) -> ir.Ref:
    zone = resolve(data["as_day_in"], here.at("as_day_in"), scope)
    if zone.type is not None and zone.type.kind not in ("timezone", "string"):
        here.at("as_day_in").error(f"{data['as_day_in']!r} is {zone.type.describe()}, not a time zone",
                                   "type-mismatch")
    right_t = right.type if isinstance(right, ir.Ref) else None
    if data["op"] == "in" or (left.type is not None and left.type.kind != "timestamp") or \
            (right_t is not None and right_t.kind != "timestamp") or isinstance(right, ir.Const):
        here.at("as_day_in").error("as_day_in compares two timestamp facts", "type-mismatch")
    return zone
