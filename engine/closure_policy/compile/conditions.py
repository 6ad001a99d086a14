"""Compile a condition into a Python callable ``env -> bool``, checking it as we go.

Conditions are data; this module turns each node into a closure once, at
load time. Nothing from a rule file is ever executed as code.
"""
from __future__ import annotations

import json
import operator
from datetime import date, datetime
from decimal import InvalidOperation
from typing import Any, Callable
from zoneinfo import ZoneInfo

from ..trace import TRACE_KEY, Leaf
from ..facts.normalize import to_datetime, to_decimal
from ..facts.types import FactType
from .context import Here
from .iteration import Cond, compile_iteration
from .paths import resolve
from .scope import Env, Getter, Scope

ORDERING = {"<", "<=", ">", ">="}
ORDERED_KINDS = {"money", "timestamp", "integer", "number"}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "in": lambda a, b: a in b,
}


def _never(env: Env) -> bool:
    return False


def compile_condition(data: Any, here: Here, scope: Scope) -> Cond:
    if not isinstance(data, dict):
        return _never  # the schema stage has reported it
    for key, build in _FORMS.items():
        if key in data:
            return build(data, here, scope)
    if "fact" in data:
        return _comparison(data, here, scope)
    return _never


def _all(data: dict, here: Here, scope: Scope) -> Cond:
    parts = tuple(compile_condition(c, here.at("all", i), scope) for i, c in enumerate(data["all"]))
    return lambda env: all(p(env) for p in parts)


def _any(data: dict, here: Here, scope: Scope) -> Cond:
    parts = tuple(compile_condition(c, here.at("any", i), scope) for i, c in enumerate(data["any"]))
    return lambda env: any(p(env) for p in parts)


def _not(data: dict, here: Here, scope: Scope) -> Cond:
    inner = compile_condition(data["not"], here.at("not"), scope)
    return lambda env: not inner(env)


def _quantifier(kind: str) -> Callable[[dict, Here, Scope], Cond]:
    def build(data: dict, here: Here, scope: Scope) -> Cond:
        it = compile_iteration(data[kind], here.at(kind), scope)
        items, name, where = it.items, it.name, it.where

        def count(env: Env, stop_at: int | None) -> int:
            found = 0
            try:
                for item in items(env) or ():
                    env[name] = item
                    if where(env):
                        found += 1
                        if found == stop_at:
                            break
            finally:
                env.pop(name, None)
            return found

        if kind == "some":
            return lambda env: count(env, 1) == 1
        if kind == "none":
            return lambda env: count(env, 1) == 0
        if kind == "every":
            return lambda env: count(env, None) == len(items(env) or ())
        op, limit = _OPS[data[kind]["op"]], data[kind]["value"]
        return lambda env: op(count(env, None), limit)
    return build


def _use(data: dict, here: Here, scope: Scope) -> Cond:
    name = data["use"]
    named = here.ctx.conditions.get(name)
    if named is None:
        known = ", ".join(sorted(here.ctx.conditions)) or "none"
        here.at("use").error(f"unknown condition {name!r} (defined: {known})", "unknown-condition")
        return _never
    here.ctx.used.add(name)
    if name in here.expanding:
        here.at("use").error(f"condition {name!r} uses itself", "condition-cycle")
        return _never
    # A named condition is expanded where it is used, so it may read the names
    # bound around the use; its problems are reported at its definition.
    inner = Here(here.ctx, named.source, named.path, here.roots, here.expanding + (name,), here.owner)
    return compile_condition(named.data, inner, scope)


_FORMS: dict[str, Callable[[dict, Here, Scope], Cond]] = {
    "all": _all, "any": _any, "not": _not, "use": _use,
    "some": _quantifier("some"), "every": _quantifier("every"),
    "none": _quantifier("none"), "count": _quantifier("count"),
}


# --- comparisons ----------------------------------------------------------

def _comparison(data: dict, here: Here, scope: Scope) -> Cond:
    op = data["op"]
    left, left_t = resolve(data["fact"], here.at("fact"), scope)
    if "value_of" in data:
        right, right_t = resolve(data["value_of"], here.at("value_of"), scope)
        _check_paths(op, left_t, right_t, data, here)
    else:
        right = _constant(data["value"], op, left_t, here.at("value"))
        right_t = None
    if "as_day_in" in data:
        left, right = _as_days(left, right, left_t, right_t, data, here, scope)
    test = _OPS[op]
    if op in ORDERING:
        def ordered(env: Env) -> bool:
            a, b = left(env), right(env)
            return a is not None and b is not None and test(a, b)
        cond: Cond = ordered
    elif op == "in":
        def member(env: Env) -> bool:
            b = right(env)
            return b is not None and left(env) in b
        cond = member
    else:
        cond = lambda env: test(left(env), right(env))  # noqa: E731
    return _traced(cond, left, right, data, here) if here.ctx.trace else cond


def _traced(cond: Cond, left: Getter, right: Getter, data: dict, here: Here) -> Cond:
    where = here.location()
    other = data.get("value_of", data.get("value"))
    shown = other if "value_of" in data else json.dumps(other, ensure_ascii=False)
    text = f"{data['fact']} {data['op']} {shown}"
    if "as_day_in" in data:
        text += f" (calendar days in {data['as_day_in']})"
    leaf = Leaf(here.owner, where, text)
    here.ctx.leaves.setdefault(here.owner, {})[where] = leaf

    def run(env: Env) -> bool:
        result = cond(env)
        sink = env.get(TRACE_KEY)
        if sink is not None:
            sink.leaf(leaf, left(env), right(env), result)
        return result
    return run


def _constant(value: Any, op: str, left_t: FactType | None, here: Here) -> Getter:
    if op == "in":
        if not isinstance(value, list):
            here.error(f"'in' needs a list on the right, not {value!r}", "type-mismatch")
            return lambda env: ()
        items = [_literal(v, left_t, here.at(i)) for i, v in enumerate(value)]
        frozen = frozenset(items) if all(v is not None for v in items) else tuple(items)
        return lambda env: frozen
    if isinstance(value, list):
        here.error(f"a list can only be compared with 'in', not {op!r}", "type-mismatch")
    elif left_t is not None and op in ORDERING and left_t.kind not in ORDERED_KINDS:
        here.error(f"{op!r} orders numbers, amounts and timestamps; this fact is {left_t.describe()}",
                   "type-mismatch")
    constant = _literal(value, left_t, here)
    return lambda env: constant


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
        if isinstance(value, str) and not value.replace(".", "", 1).isdigit():
            raise ValueError
        return to_decimal(value)
    if t.kind == "timestamp":
        return to_datetime(value)
    if t.kind in ("string", "timezone") and not isinstance(value, str):
        raise TypeError
    if t.kind in ("integer", "number") and not isinstance(value, (int, float)):
        raise TypeError
    return value


def _comparable(a: FactType, b: FactType) -> bool:
    text = {"string", "timezone"}
    return a.kind == b.kind or (a.kind in text and b.kind in text) or "any" in (a.kind, b.kind)


def _check_paths(op: str, left: FactType | None, right: FactType | None, data: dict, here: Here) -> None:
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


def _as_days(left: Getter, right: Getter, left_t: FactType | None, right_t: FactType | None,
             data: dict, here: Here, scope: Scope) -> tuple[Getter, Getter]:
    """Both sides become calendar days in the zone a fact names."""
    zone, zone_t = resolve(data["as_day_in"], here.at("as_day_in"), scope)
    if zone_t is not None and zone_t.kind not in ("timezone", "string"):
        here.at("as_day_in").error(f"{data['as_day_in']!r} is {zone_t.describe()}, not a time zone", "type-mismatch")
    if data["op"] == "in" or (left_t is not None and left_t.kind != "timestamp") or \
            (right_t is not None and right_t.kind != "timestamp") or "value" in data:
        here.at("as_day_in").error("as_day_in compares two timestamp facts", "type-mismatch")
    return _day_of(left, zone), _day_of(right, zone)


def _day_of(ts: Getter, zone: Getter) -> Getter:
    def day(env: Env) -> date | None:
        value, name = ts(env), zone(env)
        if not isinstance(value, datetime):
            return None
        return value.astimezone(ZoneInfo(name or "UTC")).date()
    return day


__all__ = ["compile_condition"]
