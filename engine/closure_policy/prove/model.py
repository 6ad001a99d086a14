"""Every facts document of a policy, up to a bound, as SMT variables (z3), and a z3 model back as a document.

The shape comes from the policy's fact types; what makes a document valid comes
from its facts schema, read keyword by keyword (:mod:`.schema`). Values are
exact
(:mod:`.values`: amounts, instants and strings as integers; a string no one
names is a fresh code, written back as a string its place's pattern accepts);
- a list holds at most ``max_items`` items: its length is a variable, its
  items variables for each place.

A value may be absent (an optional key left out) or null; reading it then gives
None, as the engine's reads do. A key with a schema default is always written:
the engine reads a missing one as its default, so the two documents decide alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterator, Union

import z3

from .. import limits
from ..facts.checker import CLOCK_FACT
from ..facts.types import FactType
from ..pointers import escape
from ..scalars import is_zone
from .errors import CannotEncode
from .values import EPOCH, MONEY_LIMIT, SECOND, TEXT_KINDS

LOWEST = (datetime.fromisoformat(limits.MIN_INSTANT_UTC[:-1]) - EPOCH) // timedelta(seconds=1)
HIGHEST = (datetime.fromisoformat(limits.MAX_INSTANT_UTC[:-1]) - EPOCH) // timedelta(seconds=1)


class _Place:
    """A value that may be missing: ``absent`` (its key left out) or ``null``; either reads as None."""

    absent: Any
    null: Any

    @property
    def none(self) -> Any:
        return z3.Or(self.absent, self.null)


@dataclass
class Scalar(_Place):
    """One value: ``value`` is z3's (Int or Bool); ``absent`` and ``null`` are when there is none."""

    kind: str  # money, timestamp, string, timezone, boolean, integer
    pointer: str  # where it is, items as {i}
    value: Any
    absent: Any = False
    null: Any = False
    schemas: list[dict[str, Any]] = field(default_factory=list)  # what its place's schema says (patterns...)
    default: Any = None  # what the engine reads when the key is left out (None: no default)
    free: bool = False  # a string of no fixed set: it may hold a fresh code
    examples: list[Any] = field(default_factory=list)  # its schema's examples: what a reader expects there


@dataclass
class Obj(_Place):
    pointer: str
    fields: dict[str, "Sym"]
    absent: Any = False
    null: Any = False


@dataclass
class Arr(_Place):
    pointer: str
    length: Any  # z3 Int
    items: list["Sym"]
    absent: Any = False
    null: Any = False
    unique_by: str | None = None

    @property
    def size(self) -> Any:
        """How many items a quantifier sees (a missing list is an empty one, as the engine reads it)."""
        return z3.If(self.none, 0, self.length)


Sym = Union[Scalar, Obj, Arr]


class Strings:
    """The code of each string named anywhere, and a place for the strings no one names."""

    def __init__(self, named: set[str]) -> None:
        self.codes: dict[str, int] = {text: i for i, text in enumerate(sorted(named))}

    def code(self, text: str) -> int:
        """The code of a string named before any variable was made (the schema's, the rules' and the assumptions'
        strings: :class:`.prover.Prover` gathers them first)."""
        return self.codes[text]

    def fresh(self, value: Any) -> Any:
        """That a code is of no string anyone names."""
        return value >= len(self.codes)

    def text(self, code: int) -> str | None:
        for text, c in self.codes.items():
            if c == code:
                return text
        return None


@dataclass
class Document:
    """The symbolic facts document, the constraints every valid one meets, and its places."""

    root: Obj
    strings: Strings
    max_items: int
    constraints: list[Any] = field(default_factory=list)
    scalars: list[Scalar] = field(default_factory=list)
    prefix: str = ""

    def all_scalars(self) -> Iterator[Scalar]:
        yield from self.scalars

    def places(self) -> Iterator[tuple[Sym, Any]]:
        """Every object, list and value with when it is in the document (an item: when its list is that long)."""
        def walk(sym: Sym, present: Any) -> Iterator[tuple[Sym, Any]]:
            yield sym, present
            inside = z3.And(present, z3.Not(sym.none))
            if isinstance(sym, Obj):
                for child in sym.fields.values():
                    yield from walk(child, z3.And(inside, z3.Not(child.absent)))
            elif isinstance(sym, Arr):
                for i, item in enumerate(sym.items):
                    yield from walk(item, z3.And(inside, i < sym.length))
        return walk(self.root, z3.BoolVal(True))


class Builder:
    """Makes the variables of a document of type ``facts`` (each name prefixed, so two can share a solver)."""

    def __init__(self, facts: FactType, strings: Strings, max_items: int, prefix: str = ""):
        self.facts, self.strings, self.max_items, self.prefix = facts, strings, max_items, prefix
        self.doc = Document(Obj("", {}), strings, max_items, prefix=prefix)

    def build(self) -> Document:
        root = self.node(self.facts, "", required=True)
        assert isinstance(root, Obj)
        self.doc.root = root
        return self.doc

    def var(self, pointer: str, what: str, sort: str = "int") -> Any:
        name = f"{self.prefix}{pointer or '/'}#{what}"
        return z3.Bool(name) if sort == "bool" else z3.Int(name)

    def flags(self, t: FactType, pointer: str, required: bool) -> tuple[Any, Any]:
        absent = False if required or t.has_default or not t.optional else self.var(pointer, "absent", "bool")
        null = self.var(pointer, "null", "bool") if t.nullable else False
        return absent, null

    def node(self, t: FactType, pointer: str, required: bool) -> Sym:
        absent, null = self.flags(t, pointer, required)
        if t.kind == "object":
            fields = {k: self.node(sub, f"{pointer}/{escape(k)}",
                                   required=k in t.required or (pointer == "" and k == CLOCK_FACT))
                      for k, sub in t.properties.items()}
            return Obj(pointer, fields, absent, null)
        if t.kind == "array":
            return self.array(t, pointer, absent, null)
        return self.scalar(t, pointer, absent, null)

    def array(self, t: FactType, pointer: str, absent: Any, null: Any) -> Arr:
        if t.item is None:
            raise CannotEncode(pointer, "a list whose items have no type")
        length = self.var(pointer, "length")
        self.doc.constraints += [length >= 0, length <= self.max_items]
        items = [self.node(t.item, f"{pointer}/{i}", required=True) for i in range(self.max_items)]
        if t.unique_by is not None:
            keys = [item.fields.get(t.unique_by) if isinstance(item, Obj) else None for item in items]
            if any(not isinstance(k, Scalar) for k in keys):
                raise CannotEncode(pointer, f"x-unique-by {t.unique_by!r} names no value of the items")
            self.doc.constraints += [z3.Implies(z3.And(i < length, j < length), _distinct(keys[i], keys[j]))
                                     for j in range(len(keys)) for i in range(j)]
        return Arr(pointer, length, items, absent, null, t.unique_by)

    def scalar(self, t: FactType, pointer: str, absent: Any, null: Any) -> Scalar:
        kind = t.kind
        if kind not in ("money", "timestamp", "string", "timezone", "boolean", "integer"):
            kind = "unencodable:" + t.kind
        value = self.var(pointer, "value", "bool" if kind == "boolean" else "int")
        scalar = Scalar(kind, pointer, value, absent, null, default=t.default if t.has_default else None)
        self.doc.scalars.append(scalar)
        self.doc.constraints.append(self.domain(scalar, t))
        return scalar

    def domain(self, s: Scalar, t: FactType) -> Any:
        v = s.value
        if s.kind == "money":
            return z3.And(v >= 0, v < MONEY_LIMIT)
        if s.kind == "timestamp":
            return z3.And(v >= LOWEST * SECOND, v < (HIGHEST + 1) * SECOND)
        if s.kind == "integer":
            bound = 10 ** limits.MAX_INTEGER_DIGITS
            return z3.And(v > -bound, v < bound)
        if s.kind in TEXT_KINDS:
            if t.enum is not None:
                return z3.Or(*[v == self.strings.code(e) for e in t.enum if isinstance(e, str)])
            named = [c for text, c in self.strings.codes.items() if s.kind != "timezone" or is_zone(text)]
            s.free = True
            return z3.Or(self.strings.fresh(v), *[v == c for c in named])
        return True


def _distinct(a: Any, b: Any) -> Any:
    """Two items' keys differ as the engine's set of them sees it: two missing keys are one None."""
    return z3.Or(a.none != b.none, z3.And(z3.Not(a.none), a.value != b.value))

