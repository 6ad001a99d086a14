"""One concrete document as constraints on the symbolic one: what a model then says of it, it says of that document.

The prover's decisions are cross-checked against the engine this way, document
by document (:meth:`.prover.Prover.verdict`).
"""
from __future__ import annotations

from typing import Any

from ..facts.checker import CLOCK_FACT
from .model import Arr, Obj, Scalar, Strings, Sym
from .values import KINDS, to_model


class Pinner:
    """A string no one names gets a fresh code of its own (``fresh``: each, with its code)."""

    def __init__(self, strings: Strings):
        self.strings = strings
        self.fresh: dict[str, int] = {}

    def code(self, text: str) -> int:
        if text in self.strings.codes:
            return self.strings.code(text)
        return self.fresh.setdefault(text, len(self.strings.codes) + len(self.fresh))

    def pin(self, sym: Sym, value: Any) -> list[Any]:
        if value is None:
            return [sym.null == True]  # noqa: E712 - a z3 equation, not a comparison
        found = [sym.null == False]  # noqa: E712
        if isinstance(sym, Obj):
            return found + self._fields(sym, value)
        if isinstance(sym, Arr):
            if not isinstance(value, list) or len(value) > len(sym.items):
                raise ValueError(f"{sym.pointer}: not a list of at most {len(sym.items)} items")
            found.append(sym.length == len(value))
            return found + [c for item, v in zip(sym.items, value, strict=False) for c in self.pin(item, v)]
        if sym.kind not in KINDS:  # a kind no rule reads: pinned as it is written
            return found + [sym.value == value]
        return found + [sym.value == to_model(sym.kind, value, self.code, parse=True)]

    def _fields(self, sym: Obj, value: Any) -> list[Any]:
        if not isinstance(value, dict):
            raise ValueError(f"{sym.pointer or '/'}: not an object")
        found: list[Any] = []
        for key, sub in sym.fields.items():
            if key in value:
                found += [sub.absent == False, *self.pin(sub, value[key])]  # noqa: E712
            elif isinstance(sub, Scalar) and sub.default is not None:
                found += self.pin(sub, sub.default)
            elif sym.pointer == "" and key == CLOCK_FACT:
                continue  # the engine reads the moment it decides: any moment
            else:
                found.append(sub.absent == True)  # noqa: E712
        return found
