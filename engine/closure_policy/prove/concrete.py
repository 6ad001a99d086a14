"""What makes a model one that can be written out as a document (the concretizer's constraints).

A proof holds for every zone and every string; a counterexample must be shown
with real ones: each zone it takes a day in has one offset at every moment
(UTC, ``Etc/GMT±h``), and places no one string could fill together hold
different fresh strings, so each fresh code is written back as a string its
places accept.
"""
from __future__ import annotations

from typing import Any

import z3

from .encode import Offset
from .model import Document, Strings
from .values import FIXED_OFFSETS, fresh_text, zone_offset


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
