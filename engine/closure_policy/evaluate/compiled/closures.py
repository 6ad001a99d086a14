"""The compiled backend's code generator: intermediate form to Python closures.

Details, effects and responses that iterate (``count``, ``collect``,
``for_each``) are evaluated in Python for every backend, so the compiler
uses ``matches`` from here for them too.

Built once per load. With ``trace``, every comparison also reports what it
read to the ``Trace`` it finds in the environment (explanations, coverage).
"""
from __future__ import annotations

from datetime import date
from functools import singledispatch
from typing import Any, Callable, Iterator

from ...compile import ir
from ...compile.scope import Env, Getter, getter
from ...scalars import Instant
from ...semantics import OPS, ORDERING
from ...trace import TRACE_KEY

Cond = Callable[[Env], bool]


def read(value: ir.Ref | ir.Const) -> Getter:
    if isinstance(value, ir.Const):
        constant = value.value
        return lambda env: constant
    return getter(value.path)


@singledispatch
def to_closure(node: Any, trace: bool = False) -> Cond:
    raise TypeError(f"no closure for {node!r}")


@to_closure.register
def _truth(node: ir.Truth, trace: bool = False) -> Cond:
    value = node.value
    return lambda env: value


@to_closure.register
def _all(node: ir.All, trace: bool = False) -> Cond:
    parts = tuple(to_closure(p, trace) for p in node.parts)
    return lambda env: all(p(env) for p in parts)


@to_closure.register
def _any(node: ir.AnyOf, trace: bool = False) -> Cond:
    parts = tuple(to_closure(p, trace) for p in node.parts)
    return lambda env: any(p(env) for p in parts)


@to_closure.register
def _not(node: ir.Not, trace: bool = False) -> Cond:
    inner = to_closure(node.inner, trace)
    return lambda env: not inner(env)


def matches(it: ir.Iteration, trace: bool = False) -> Callable[[Env], Iterator[Any]]:
    """Bind each matching item in ``env`` in turn (unbound afterwards)."""
    items, name = getter(it.items.path), it.name
    where = to_closure(it.where, trace) if it.where is not None else (lambda env: True)

    def run(env: Env) -> Iterator[Any]:
        try:
            for item in items(env) or ():
                env[name] = item
                if where(env):
                    yield item
        finally:
            env.pop(name, None)
    return run


@to_closure.register
def _quantifier(node: ir.Quantifier, trace: bool = False) -> Cond:
    items, name = getter(node.over.items.path), node.over.name
    where = to_closure(node.over.where, trace) if node.over.where is not None else (lambda env: True)

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

    if node.kind == "some":
        return lambda env: count(env, 1) == 1
    if node.kind == "none":
        return lambda env: count(env, 1) == 0
    if node.kind == "every":
        return lambda env: count(env, None) == len(items(env) or ())
    test, limit = OPS[node.op or "=="], node.value
    return lambda env: test(count(env, None), limit)


@to_closure.register
def _compare(node: ir.Compare, trace: bool = False) -> Cond:
    left, right = read(node.left), read(node.right)
    if node.day_in is not None:
        zone = getter(node.day_in.path)
        left, right = _day_of(left, zone), _day_of(right, zone)
    test = OPS[node.op]
    if node.op in ORDERING:
        def ordered(env: Env) -> bool:
            a, b = left(env), right(env)
            return a is not None and b is not None and test(a, b)
        cond: Cond = ordered
    elif node.op == "in":
        def member(env: Env) -> bool:
            b = right(env)
            return b is not None and left(env) in b
        cond = member
    else:
        cond = lambda env: test(left(env), right(env))  # noqa: E731
    return _traced(cond, left, right, node) if trace else cond


def _traced(cond: Cond, left: Getter, right: Getter, node: ir.Compare) -> Cond:
    leaf = node.leaf

    def run(env: Env) -> bool:
        result = cond(env)
        sink = env.get(TRACE_KEY)
        if sink is not None:
            sink.leaf(leaf, left(env), right(env), result)
        return result
    return run


def _day_of(ts: Getter, zone: Getter) -> Getter:
    def day(env: Env) -> date | None:
        value = ts(env)
        return value.day_in(zone(env)) if isinstance(value, Instant) else None
    return day
