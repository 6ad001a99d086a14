"""What makes a model one that can be written out as a document (the concretizer's constraints), and one
that reads well (its preferences).

A proof holds for every zone and every string; a counterexample must be shown
with real ones: each zone it takes a day in has one offset at every moment
(UTC, ``Etc/GMT±h``), and places no one string could fill together hold
different fresh strings, so each fresh code is written back as a string its
places accept.

Among the documents that break a property, z3 picks any: an account id
``"UTC"``, year 0001, an amount of 10**-38. :func:`readable` says what a
person would rather read, most wanted first, each as alternatives best first
(the solver keeps the first that still breaks the property, :func:`.solve.solve`):
short lists, values left out, then each value as its schema's ``examples``
give it, or whole amounts, whole seconds near the examples' clock, strings
nobody names (written back from the examples, :mod:`.decode`).
"""
from __future__ import annotations

from typing import Any

import z3

from ..facts.checker import CLOCK_FACT
from .encode import Offset
from .model import Arr, Document, Scalar, Strings, Sym
from .values import DAY, FIXED_OFFSETS, MONEY_SCALE, SECOND, NotOfKind, fresh_text, to_model, zone_offset

Preference = list[Any]  #: alternatives, best first: the first that still holds is kept


def real_zones(offsets: list[Offset], strings: Strings, offset_of_zone: Any) -> list[Any]:
    """Each zone a day is taken in has one offset at every moment (``offset_of_zone``: code -> offset)."""
    fixed = {code: zone_offset(text) for text, code in strings.codes.items() if zone_offset(text) is not None}
    found = []
    for o in offsets:
        is_fresh = strings.fresh(o.zone)
        found.append(z3.Implies(z3.Not(o.zone_none), o.term == offset_of_zone(o.zone)))
        found.append(z3.Or(is_fresh, *[o.zone == c for c in fixed]))
        found += [z3.Implies(o.zone == c, offset_of_zone(o.zone) == off) for c, off in fixed.items()]
        found.append(z3.Implies(is_fresh, z3.Or(*[offset_of_zone(o.zone) == h for h in FIXED_OFFSETS])))
    for i, a in enumerate(offsets):
        for b in offsets[:i]:
            found.append(z3.Implies(z3.And(strings.fresh(a.zone), strings.fresh(b.zone), a.zone != b.zone),
                                    offset_of_zone(a.zone) != offset_of_zone(b.zone)))
    return found


def writable_strings(doc: Document, strings: Strings) -> list[Any]:
    """Places whose strings no one string could fill together (a zone and a currency code, say) hold
    different fresh strings."""
    places = [s for s in doc.scalars if s.free]
    kinds: dict[int, tuple[str, str]] = {id(s): (s.kind, repr(s.schemas)) for s in places}
    apart: dict[tuple[tuple[str, str], tuple[str, str]], bool] = {}
    found = []
    for i, a in enumerate(places):
        for b in places[:i]:
            pair = (kinds[id(a)], kinds[id(b)])
            if pair[0] == pair[1]:
                continue
            if pair not in apart:
                apart[pair] = "timezone" in (a.kind, b.kind) or fresh_text(a.schemas + b.schemas, set()) is None
            if apart[pair]:
                found.append(z3.Implies(z3.And(strings.fresh(a.value), strings.fresh(b.value)), a.value != b.value))
    return found


def readable(doc: Document, strings: Strings) -> list[Preference]:
    """What makes a counterexample easy to read, most wanted first: lists as short as they can be, values left
    out where they can be, then each value near what its schema's ``examples`` show."""
    places = list(doc.places())
    shapes = [[z3.Implies(present, sym.none)] * _can_be_none(sym) +
              [z3.Implies(present, sym.length <= n) for n in range(doc.max_items)]
              for sym, present in places if isinstance(sym, Arr)]
    left_out = [[z3.Implies(present, sym.absent), z3.Implies(present, sym.none)] for sym, present in places
                if not isinstance(sym, Arr) and _can_be_none(sym)]
    anchor = _anchor(doc, strings)
    values = [[z3.Implies(z3.And(present, z3.Not(sym.none)), wanted) for wanted in _near(sym, strings, anchor)]
              for sym, present in places if isinstance(sym, Scalar)]
    return shapes + left_out + [v for v in values if v] + _apart(places, strings)


def _apart(places: list[tuple[Sym, Any]], strings: Strings) -> list[Preference]:
    """Each free string apart from those of other places (an account id is not a currency code because
    both happen to fit "EUR"), unless the property needs them equal (a click's link id, a link's id)."""
    free = [(sym, z3.And(present, z3.Not(sym.none))) for sym, present in places
            if isinstance(sym, Scalar) and sym.free]
    found = []
    for i, (a, here) in enumerate(free):
        others = [z3.Implies(z3.And(here, there), a.value != b.value) for j, (b, there) in enumerate(free)
                  if j != i and _group(a.pointer) != _group(b.pointer)]
        if others:
            found.append([z3.Implies(strings.fresh(a.value), z3.And(*others))])
    return found


def _group(pointer: str) -> str:
    """A place's pointer with its list indices left out: the items of one list are one kind of place."""
    return "/".join("-" if part.isdigit() else part for part in pointer.split("/"))


def _can_be_none(sym: Sym) -> bool:
    """Whether a place may be left out or null (a value with a default is always written: model.py)."""
    if isinstance(sym, Scalar) and sym.default is not None:
        return False
    return not z3.is_false(z3.simplify(z3.Or(sym.absent, sym.null)))


def _anchor(doc: Document, strings: Strings) -> int | None:
    """The instant the other instants are shown near: the clock's example, else the first example instant."""
    stamps = sorted((s.pointer != "/" + CLOCK_FACT, i, s) for i, s in enumerate(doc.scalars)
                    if s.kind == "timestamp" and s.examples)
    for _, _, s in stamps:
        for example in s.examples:
            unit = _units(s, example, strings)
            if unit is not None:
                return int(unit.as_long())
    return None


def _near(s: Scalar, strings: Strings, anchor: int | None) -> list[Any]:
    """What ``s`` would best hold, best first: an example, then its kind's round values."""
    wanted = [s.value == u for u in (_units(s, e, strings) for e in s.examples) if u is not None]
    v = s.value
    if s.kind == "money":
        wanted += [z3.And(v % MONEY_SCALE == 0, v <= 1000 * MONEY_SCALE), v % MONEY_SCALE == 0,
                   v % (MONEY_SCALE // 100) == 0]
    elif s.kind == "timestamp":
        near = [z3.And(v >= (anchor - 366 * DAY * SECOND), v <= (anchor + 366 * DAY * SECOND))] if anchor else []
        wanted += [z3.And(v % SECOND == 0, *near), v % SECOND == 0]
    elif s.kind == "integer":
        wanted.append(z3.And(v >= -1000, v <= 1000))
    elif s.free:
        wanted.append(strings.fresh(v))  # not a word the rules use: an id of its own, written from the examples
    return wanted


def _units(s: Scalar, example: Any, strings: Strings) -> Any:
    """An example as the model holds the place's value; None for one it cannot hold (a string no one names is
    a fresh code, whichever: the decoder writes it from the examples)."""
    try:
        return to_model(s.kind, example, strings.code, parse=True)
    except (NotOfKind, KeyError, ValueError, TypeError):
        return None
