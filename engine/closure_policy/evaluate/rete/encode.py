"""Values as durable_rules compares them, with no comparison differing from Python's.

durable_rules keeps numbers as doubles, which cannot hold every amount
exactly (2**53 + 1, 0.1). It compares strings byte by byte, so amounts and
instants become strings whose byte order is their numeric and time order.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ...errors import ClosurePolicyError

INT_DIGITS = 5  # width of the length prefix: amounts below 10**99999


def money(value: Decimal) -> str:
    """A non-negative amount as ``LLLLLdigits.fraction``: byte order is numeric order.

    The length prefix orders integer parts by size; equal amounts written
    differently (50, 50.00) encode the same, since trailing zeros are dropped.
    """
    sign, digits, exponent = value.normalize().as_tuple()
    if sign or not isinstance(exponent, int):
        raise ClosurePolicyError(f"the rete backend compares only finite non-negative amounts, not {value}")
    text = "".join(map(str, digits))
    if exponent >= 0:
        whole, fraction = text + "0" * exponent, ""
    else:
        cut = len(text) + exponent
        whole, fraction = (text[:cut] if cut > 0 else ""), ("0" * max(-cut, 0) + text[max(cut, 0):])
    whole = whole.lstrip("0") or "0"
    if len(whole) >= 10 ** INT_DIGITS:
        raise ClosurePolicyError(f"amount too large for the rete backend (more than {10 ** INT_DIGITS - 1} digits)")
    return f"{len(whole):0{INT_DIGITS}d}{whole}.{fraction.rstrip('0')}"


_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)
_DAY = 86_400_000_000


def instant(value: datetime) -> str:
    """An aware timestamp as fixed-width text of microseconds: byte order is time order.

    Counting from a fixed instant avoids converting to UTC, which overflows at
    the ends of ``datetime``'s range (year 1 at +08:00 is year 0 in UTC).
    """
    micros = (value - _EPOCH) // timedelta(microseconds=1) + _DAY  # offsets reach a day before year 1
    return f"{micros:020d}"


def encode(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.toordinal()
    raise ClosurePolicyError(f"the rete backend cannot compare {value!r}")
