"""Values in the model and back: one table by kind, read both ways.

- an amount is an integer count of 10**-38 (the schema's 38 digits after the
  point);
- an instant is an integer count of 10**-18 seconds since
  0001-01-01T00:00:00Z;
- a string (an id, an enum, a zone) is an integer code (:class:`.model.Strings`);
- a boolean is z3's Bool, an integer z3's Int.

:func:`to_model` takes a value as the engine holds it (``Decimal``, ``Instant``,
``str``...) or, with ``parse``, as a facts document writes it; :func:`from_model`
gives back what a facts document writes. A string's code and text come from the
caller (``code``, ``texts``): which strings exist is the model's business.
Fixed-offset zones (UTC, ``Etc/GMT±h``) are here both ways too: a counterexample
takes its days in one of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, Mapping

import z3

from .. import limits
from ..scalars import Instant, to_instant, to_money

MONEY_SCALE = 10 ** limits.MAX_MONEY_FRACTION_DIGITS
MONEY_LIMIT = 10 ** limits.MAX_MONEY_INTEGER_DIGITS * MONEY_SCALE
SECOND: int = 10 ** limits.MAX_SECOND_FRACTION_DIGITS
DAY = 86_400
EPOCH = datetime(1, 1, 1)
TEXT_KINDS = ("string", "timezone")


class NotOfKind(ValueError):
    """A value that no place of that kind can hold (``why`` says more when there is more to say)."""

    def __init__(self, why: str = ""):
        super().__init__(why)
        self.why = why


def money_units(amount: Decimal) -> int:
    """An amount as a count of the model's unit (10**-38), in integers: ``Decimal.scaleb`` would round to the
    context's 28 digits, and an amount has up to 76."""
    sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):
        raise NotOfKind(f"the amount {amount} is not a number")
    units, shift = int("".join(map(str, digits)) or "0"), exponent + limits.MAX_MONEY_FRACTION_DIGITS
    if shift < 0:
        units, rest = divmod(units, 10 ** -shift)
        if rest:
            raise NotOfKind(f"the amount {amount} has more digits after the point than any fact")
    else:
        units *= 10 ** shift
    return int(-units if sign else units)


def instant_units(moment: Instant) -> int:
    """An instant as a count of the model's unit (10**-18 s since 0001-01-01T00:00:00Z)."""
    fraction = moment.fraction.ljust(limits.MAX_SECOND_FRACTION_DIGITS, "0") if moment.fraction else "0"
    return int(moment.seconds) * SECOND + int(fraction)


def money_text(units: int) -> str:
    """A count of the model's unit as an amount, exactly (no decimal context rounds it)."""
    whole, fraction = divmod(abs(units), MONEY_SCALE)
    digits = f"{fraction:0{limits.MAX_MONEY_FRACTION_DIGITS}d}".rstrip("0")
    return ("-" if units < 0 else "") + str(whole) + (f".{digits}" if digits else "")


def instant_text(units: int) -> str:
    seconds, fraction = divmod(units, SECOND)
    moment = EPOCH + timedelta(seconds=seconds)
    digits = f"{fraction:0{limits.MAX_SECOND_FRACTION_DIGITS}d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + (f".{digits}" if digits else "") + "Z"


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Kind:
    """How one kind of value goes into the model (``units``) and back (``text``)."""

    held: Callable[[Any], bool]  #: a value as the engine holds it, of this kind
    parse: Callable[[Any], Any]  #: a document's value as the engine holds it
    units: Callable[[Any, Callable[[str], int]], Any]  #: the engine's value -> z3's (a string: its code)
    text: Callable[[Any, Mapping[int, str]], Any]  #: z3's value -> a document's


_STRING = Kind(lambda v: isinstance(v, str), lambda v: v, lambda v, code: z3.IntVal(code(v)),
               lambda v, texts: texts[v.as_long()])
KINDS: dict[str, Kind] = {
    "money": Kind(lambda v: isinstance(v, Decimal), to_money, lambda v, code: z3.IntVal(money_units(v)),
                  lambda v, texts: money_text(v.as_long())),
    "timestamp": Kind(lambda v: isinstance(v, Instant), to_instant, lambda v, code: z3.IntVal(instant_units(v)),
                      lambda v, texts: instant_text(v.as_long())),
    "string": _STRING,
    "timezone": _STRING,
    "boolean": Kind(lambda v: isinstance(v, bool), lambda v: v, lambda v, code: z3.BoolVal(v),
                    lambda v, texts: z3.is_true(v)),
    "integer": Kind(_is_integer, lambda v: v, lambda v, code: z3.IntVal(v), lambda v, texts: v.as_long()),
}


def to_model(kind: str, value: Any, code: Callable[[str], int], *, parse: bool = False) -> Any:
    """``value`` as z3 holds a place of ``kind``, or :class:`NotOfKind`; ``parse``: as a document writes it."""
    known = KINDS.get(kind)
    if known is None:
        raise NotOfKind()
    held = known.parse(value) if parse else value
    if not known.held(held):
        raise NotOfKind()
    return known.units(held, code)


def from_model(kind: str, value: Any, texts: Mapping[int, str]) -> Any:
    """A place's value in a z3 model as a facts document writes it (a string: its text in ``texts``)."""
    return KINDS.get(kind, KINDS["integer"]).text(value, texts)  # a kind no rule reads: an Int, as it was made


# --- zones with one offset at every moment ----------------------------------------------------------------------

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


FIXED_OFFSETS = [h * 3600 for h in range(-12, 15) if h]  #: the offsets of Etc/GMT±h, UTC's aside


# --- strings no one names, written back ---------------------------------------------------------------------

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
