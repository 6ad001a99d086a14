"""Values as durable_rules compares them, with no comparison differing from Python's.

durable_rules keeps numbers as doubles, which cannot hold every amount
exactly (2**53 + 1, 0.1). It compares strings byte by byte, so amounts and
instants become strings whose byte order is their numeric and time order.
And it compares only the first 65,535 bytes of a string (and C strings stop
at a NUL byte), so a string that is not short and plain is compared by its
length and SHA-256 digest instead: equality stays exact, and no string
ordering is ever asked of it (the compiler allows orderings on amounts,
instants and numbers only).
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from typing import Any

from ...errors import EngineLimit
from ...scalars import Instant, money_key

INT_DIGITS = 2  # width of the length prefix: amounts are below 10**38 (limits.MAX_MONEY_INTEGER_DIGITS)
_PLAIN = re.compile(r"[A-Za-z0-9 _.:@/+\-]{0,128}\Z")  # no "~": digests cannot collide with plain text


def money(value: Decimal) -> str:
    """A non-negative amount as ``LLdigits.fraction``: byte order is numeric order.

    The length prefix orders integer parts by size; equal amounts written
    differently (50, 50.00) encode the same. No arithmetic, so no rounding.
    """
    if value.is_signed() and not value.is_zero():
        raise EngineLimit(f"the rete backend compares only non-negative amounts, not {value}")
    whole, fraction = money_key(value)
    return f"{len(whole):0{INT_DIGITS}d}{whole}.{fraction}"


def instant(value: Instant) -> str:
    """Seconds since year 1 (fixed width), then the fraction's digits: byte order is time order."""
    return f"{value.seconds:013d}.{value.fraction}"


def text(value: str) -> str:
    if _PLAIN.match(value):
        return value
    data = value.encode("utf-8", "surrogatepass")
    return f"~{len(data)}:{hashlib.sha256(data).hexdigest()}"


def encode(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, str):
        return text(value)
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, Instant):
        return instant(value)
    if isinstance(value, date):
        return value.toordinal()
    raise EngineLimit(f"the rete backend cannot compare {type(value).__name__} values")
