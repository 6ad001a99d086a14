"""A z3 model read back: the decision it says a query makes, and the facts document it describes."""
from __future__ import annotations

import re
from typing import Any, Iterator

import z3

from ..scalars import is_zone
from .encode import Offset
from .model import Arr, Document, Obj, Scalar, Strings, Sym
from .questions import Outcomes, SymbolicDecision
from .values import FIXED_OFFSETS, TEXT_KINDS, accepts, fresh_text, from_model, zone_name

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def decided(model: Any, decision: SymbolicDecision, outcomes: Outcomes) -> tuple[str, set[str]]:
    """The outcome and the violated rules the model gives the query."""
    outcome = model.eval(decision.outcome, model_completion=True).as_long()
    fired = {r for r in decision.violations if z3.is_true(model.eval(decision.fired[r], model_completion=True))}
    return outcomes.name(outcome), fired


def zone_offsets(model: Any, offsets: list[Offset], offset_of_zone: Any) -> dict[int, int]:
    """The offset of each zone a day was taken in, by the zone's code."""
    found = {}
    for o in offsets:
        if z3.is_false(model.eval(o.zone_none, model_completion=True)):
            code = model.eval(o.zone, model_completion=True).as_long()
            found[code] = model.eval(offset_of_zone(o.zone), model_completion=True).as_long()
    return found


class Decoder:
    """A z3 model as a facts document: codes as strings, units as amounts and instants."""

    def __init__(self, doc: Document, strings: Strings, model: Any, zones: dict[int, int]):
        self.doc, self.strings, self.model, self.zones = doc, strings, model, zones
        self.texts: dict[int, str] = {}

    def eval(self, expr: Any) -> Any:
        return self.model.eval(expr, model_completion=True)

    def true(self, expr: Any) -> bool:
        return z3.is_true(self.eval(expr)) if not isinstance(expr, bool) else expr

    def document(self) -> dict[str, Any] | None:
        """The document, or None when no string fits some place's pattern."""
        if not self._name_fresh_strings():
            return None
        found = self.value(self.doc.root)
        assert isinstance(found, dict)
        return found

    def _name_fresh_strings(self) -> bool:
        places: dict[int, list[Scalar]] = {}
        for s in self.doc.scalars:
            if s.kind in TEXT_KINDS:
                places.setdefault(self.eval(s.value).as_long(), []).append(s)
        taken = set(self.strings.codes)
        # Zones whose offsets the model fixed are named first: the others take any name left. Then in the
        # document's order (places is), so that the first item of a list takes the first name (C-9, C-10).
        for code, where in sorted(places.items(), key=lambda item: item[0] not in self.zones):
            named = self.strings.text(code)
            if named is not None:
                self.texts[code] = named
                continue
            text = self._fresh(code, where, taken)
            if text is None:
                return False
            self.texts[code] = text
            taken.add(text)
        return True

    def _fresh(self, code: int, where: list[Scalar], taken: set[str]) -> str | None:
        """A string for a code no one names: one its places' examples suggest, else one made up."""
        schemas = [schema for s in where for schema in s.schemas]
        examples = [e for s in where for e in s.examples if isinstance(e, str) and e not in self.strings.codes]
        if any(s.kind == "timezone" for s in where):
            # a zone a day was taken in has the fixed offset the model gave it; another may be any zone
            options = [zone_name(self.zones[code])] if code in self.zones else \
                [*(e for e in examples if is_zone(e)), *(zone_name(h) for h in FIXED_OFFSETS)]
            return next((z for z in options if z is not None and z not in taken
                         and all(accepts(schema, z) for schema in schemas)), None)
        suggested = (t for e in examples for t in _variants(e))
        return next((t for t in suggested if t not in taken and t not in self.strings.codes
                     and all(accepts(schema, t) for schema in schemas)), None) or fresh_text(schemas, taken)

    def value(self, sym: Sym) -> Any:
        if self.true(sym.null):
            return None
        if isinstance(sym, Obj):
            return {k: self.value(v) for k, v in sym.fields.items() if not self.true(v.absent)}
        if isinstance(sym, Arr):
            return [self.value(item) for item in sym.items[:self.eval(sym.length).as_long()]]
        return from_model(sym.kind, self.eval(sym.value), self.texts)


def _variants(example: str) -> Iterator[str]:
    """An example, then strings like it for the places beside it: ``C-9``, ``C-10``...; ``Acme``, ``Acme-2``..."""
    yield example
    numbered = _NUMBERED.match(example)
    for n in range(1, 100):
        yield f"{numbered.group(1)}{int(numbered.group(2)) + n}" if numbered else f"{example}-{n + 1}"

