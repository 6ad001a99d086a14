"""Every facts document of a policy, up to a bound, as SMT variables (z3), and a z3 model back as a document.

The shape comes from the policy's fact types; what makes a document valid comes
from its facts schema, read keyword by keyword (:mod:`.schema`). Values are
exact:

- an amount is an integer count of 10**-38 (the schema's 38 digits after the
  point), at least 0 and below 10**38: every amount a document may hold, and
  only those;
- an instant is an integer count of 10**-18 seconds (the 18 digits of a
  second a timestamp may carry) since 0001-01-01T00:00:00Z, within the
  documented range;
- a string (an id, an enum, a zone) is an integer code: each string the rules,
  the properties and the schema name has its own code, and any other code is a
  string none of them names. Strings are only ever compared for equality, so
  codes lose nothing; a fresh code is written back as a string its place's
  pattern and lengths accept;
- a list holds at most ``max_items`` items: its length is a variable, its
  items variables for each place.

A value may be absent (an optional key left out) or null; reading it then gives
None, as the engine's reads do. A key with a schema default is always written:
the engine reads a missing one as its default, so the two documents decide alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Iterator, Union

import z3

from .. import limits
from ..facts.checker import CLOCK_FACT
from ..facts.types import FactType
from ..pointers import escape
from ..scalars import Instant, ScalarError, time_zone, to_instant, to_money
from .errors import CannotEncode

MONEY_SCALE = 10 ** limits.MAX_MONEY_FRACTION_DIGITS
MONEY_LIMIT = 10 ** limits.MAX_MONEY_INTEGER_DIGITS * MONEY_SCALE
SECOND: int = 10 ** limits.MAX_SECOND_FRACTION_DIGITS
DAY = 86_400
_EPOCH = datetime(1, 1, 1)
LOWEST = (datetime.fromisoformat(limits.MIN_INSTANT_UTC[:-1]) - _EPOCH) // timedelta(seconds=1)
HIGHEST = (datetime.fromisoformat(limits.MAX_INSTANT_UTC[:-1]) - _EPOCH) // timedelta(seconds=1)
TEXT_KINDS = ("string", "timezone")


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
            named = [c for text, c in self.strings.codes.items() if s.kind != "timezone" or _is_zone(text)]
            s.free = True
            return z3.Or(self.strings.fresh(v), *[v == c for c in named])
        return True


def _distinct(a: Any, b: Any) -> Any:
    """Two items' keys differ as the engine's set of them sees it: two missing keys are one None."""
    return z3.Or(a.none != b.none, z3.And(z3.Not(a.none), a.value != b.value))


def _is_zone(text: str) -> bool:
    try:
        time_zone(text)
    except ScalarError:
        return False
    return True


def money_units(amount: Decimal) -> int | None:
    """An amount as a count of the model's unit (10**-38); None when it has more digits after the point."""
    units = amount.scaleb(limits.MAX_MONEY_FRACTION_DIGITS)
    return int(units) if units == units.to_integral_value() else None


def instant_units(moment: Instant) -> int:
    """An instant as a count of the model's unit (10**-18 s since 0001-01-01T00:00:00Z)."""
    fraction = moment.fraction.ljust(limits.MAX_SECOND_FRACTION_DIGITS, "0") if moment.fraction else "0"
    return int(moment.seconds) * SECOND + int(fraction)


# --- from a z3 model back to a document -------------------------------------------------------------------------

def money_text(units: int) -> str:
    return format(Decimal(units).scaleb(-limits.MAX_MONEY_FRACTION_DIGITS).normalize(), "f") \
        if units else "0"


def instant_text(units: int) -> str:
    seconds, fraction = divmod(units, SECOND)
    moment = _EPOCH + timedelta(seconds=seconds)
    digits = f"{fraction:0{limits.MAX_SECOND_FRACTION_DIGITS}d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + (f".{digits}" if digits else "") + "Z"


_FIXED_ZONE = re.compile(r"^Etc/GMT([+-](?:[0-9]|1[0-4]))?$")


def zone_offset(name: str) -> int | None:
    """The offset of a zone that has one at every moment (UTC, Etc/GMT±h), in seconds; None for another zone.
    The inverse of :func:`zone_name`."""
    if name == "UTC":
        return 0
    match = _FIXED_ZONE.match(name)
    if match is None:
        return None
    hours = int(match.group(1) or 0)
    return -hours * 3600  # Etc/GMT+5 is five hours behind UTC


def zone_name(offset_seconds: int) -> str | None:
    """A zone of the database whose offset is ``offset_seconds`` at every moment (Etc/GMT±h), or None."""
    hours, rest = divmod(offset_seconds, 3600)
    if rest or not -12 <= hours <= 14:
        return None
    return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


_CANDIDATES = ("{n}", "X{n}", "x{n}", "{letters}", "ZZ{letters}")


def fresh_text(schemas: list[dict[str, Any]], taken: set[str]) -> str | None:
    """A string no one names nor is taken yet, accepted by every pattern and length its places' schemas ask for.
    (A code's number says nothing: z3 may pick any; the strings are tried in order, short ones first.)"""
    for n in range(2000):
        for shape in _CANDIDATES:
            text = shape.format(n=n, letters=_letters(n))
            if text not in taken and all(accepts(s, text) for s in schemas):
                return text
    return None


def _letters(n: int) -> str:
    out = ""
    n += 26 * 27  # three letters at least
    while n:
        n, r = divmod(n, 26)
        out = chr(ord("A") + r) + out
    return out


def accepts(schema: dict[str, Any], text: str) -> bool:
    """Whether a string meets a schema's pattern and lengths."""
    if "pattern" in schema and re.search(schema["pattern"], text) is None:
        return False
    return bool(schema.get("minLength", 0) <= len(text) <= schema.get("maxLength", len(text)))


class Pinner:
    """The constraints that make the symbolic document one concrete document: what a model says of it is then
    what it says of that document (the model is cross-checked against the engine this way, document by document).
    A string no one names gets a fresh code of its own; each zone a document names is returned with its code."""

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
            if not isinstance(value, dict):
                raise ValueError(f"{sym.pointer or '/'}: not an object")
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
        if isinstance(sym, Arr):
            if not isinstance(value, list) or len(value) > len(sym.items):
                raise ValueError(f"{sym.pointer}: not a list of at most {len(sym.items)} items")
            found.append(sym.length == len(value))
            return found + [c for item, v in zip(sym.items, value, strict=False) for c in self.pin(item, v)]
        return found + [sym.value == self.scalar(sym, value)]

    def scalar(self, s: Scalar, value: Any) -> Any:
        if s.kind == "money":
            return money_units(to_money(value))
        if s.kind == "timestamp":
            return instant_units(to_instant(value))
        if s.kind in TEXT_KINDS:
            return self.code(value)
        return value
