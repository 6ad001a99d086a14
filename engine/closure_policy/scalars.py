"""The values rules compare, read exactly: amounts, instants, time zones.

One home for their semantics, shared by the facts, rule literals and every
backend:

- an **amount** is a ``Decimal`` taken exactly as written (never through a
  28-digit context), non-negative, ``-0`` read as ``0``, and bounded
  (``limits.MAX_MONEY_*``) so that no amount expands into gigabytes;
- an **instant** is an :class:`Instant`: whole seconds plus the exact fraction
  as written, so ``.0000001`` and ``.0000009`` differ, whatever the number of
  digits, and instants in different offsets compare as moments;
- a **time zone** is an IANA name the time-zone database knows.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import limits


class ScalarError(ValueError):
    """A value that is not what its type says; the message says what it should be."""


# --- amounts -----------------------------------------------------------------------

MONEY_EXPECTED = (f"a non-negative decimal string such as \"12.50\" or a JSON number, with at most "
                  f"{limits.MAX_MONEY_INTEGER_DIGITS} digits before and {limits.MAX_MONEY_FRACTION_DIGITS} "
                  f"after the point")
_MONEY_TEXT = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?\Z")


def to_money(value: Any) -> Decimal:
    """An amount exactly as written, or :class:`ScalarError`."""
    if isinstance(value, bool):
        raise ScalarError(f"must be {MONEY_EXPECTED}")
    if isinstance(value, str):  # the common form: bounded from its text, no arithmetic
        match = _MONEY_TEXT.match(value)
        if not match:
            raise ScalarError(f"must be {MONEY_EXPECTED}")
        whole, fraction = match["whole"].lstrip("0"), match["fraction"] or ""
        if len(whole) <= limits.MAX_MONEY_INTEGER_DIGITS and len(fraction) <= limits.MAX_MONEY_FRACTION_DIGITS:
            return Decimal(value)
        result = Decimal(value)
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if value.bit_length() > 4 * limits.MAX_MONEY_INTEGER_DIGITS:
            raise ScalarError(f"is too large: amounts are below 10**{limits.MAX_MONEY_INTEGER_DIGITS}")
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))  # the shortest repr is what the writer meant
    else:
        raise ScalarError(f"must be {MONEY_EXPECTED}")
    return _bounded(result)


def _bounded(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ScalarError(f"must be a finite amount ({MONEY_EXPECTED})")
    if value.is_signed():
        if not value.is_zero():
            raise ScalarError("is negative; amounts must be >= 0")
        value = value.copy_abs()  # -0 is zero; copy_abs never rounds
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if value.is_zero() and exponent > 0:
        return Decimal(0)  # 0E+999999999 would print a billion zeros
    if -exponent > limits.MAX_MONEY_FRACTION_DIGITS:
        raise ScalarError(f"has more than {limits.MAX_MONEY_FRACTION_DIGITS} digits after the point")
    if not value.is_zero() and value.adjusted() >= limits.MAX_MONEY_INTEGER_DIGITS:
        raise ScalarError(f"is too large: amounts are below 10**{limits.MAX_MONEY_INTEGER_DIGITS}")
    return value


def money_key(value: Decimal) -> tuple[str, str]:
    """(whole, fraction) digit strings, trailing zeros dropped: equal amounts give equal keys.

    Computed from the digits, with no arithmetic, so nothing is rounded.
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    if exponent >= 0:
        whole, fraction = text + "0" * exponent, ""
    else:
        cut = len(text) + exponent
        whole, fraction = (text[:cut] if cut > 0 else ""), "0" * max(-cut, 0) + text[max(cut, 0):]
    return whole.lstrip("0") or "0", fraction.rstrip("0")


# --- instants -----------------------------------------------------------------------

INSTANT_EXPECTED = "an RFC 3339 timestamp with an offset, such as \"2026-11-26T15:30:00Z\" or \"…+08:00\""
_RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<h>[0-9]{2}):(?P<m>[0-9]{2}):(?P<s>[0-9]{2})"
    r"(?:\.(?P<frac>[0-9]+))?(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))\Z")
_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)


class Instant:
    """A moment, exactly: seconds since 0001-01-01T00:00:00Z and the fraction's digits.

    ``fraction`` has no trailing zeros, so comparing the digit strings
    compares the fractions ("1" < "12" < "2"); the offset only matters for
    showing the instant, not for ordering it. Immutable; a plain slotted class
    rather than a frozen dataclass because decisions make several per document.
    """

    __slots__ = ("seconds", "fraction", "offset", "_text")
    seconds: int
    fraction: str
    offset: int  # minutes east of UTC, as written

    def __init__(self, seconds: int, fraction: str, offset: int = 0):
        # The slots' own setters: object.__setattr__ by name costs a decision that reads instants too much.
        _SET_SECONDS(self, seconds)
        _SET_FRACTION(self, fraction)
        _SET_OFFSET(self, offset)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"an Instant is immutable; cannot set {name}")

    def __repr__(self) -> str:
        return f"Instant({self.seconds!r}, {self.fraction!r}, {self.offset!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not Instant:
            return NotImplemented
        return self.seconds == other.seconds and self.fraction == other.fraction

    def __hash__(self) -> int:
        return hash((self.seconds, self.fraction))

    def __lt__(self, other: Instant) -> bool:
        if type(other) is not Instant:
            return NotImplemented
        return self.seconds < other.seconds or (self.seconds == other.seconds and self.fraction < other.fraction)

    def __le__(self, other: Instant) -> bool:
        if type(other) is not Instant:
            return NotImplemented
        return self.seconds < other.seconds or (self.seconds == other.seconds and self.fraction <= other.fraction)

    def __gt__(self, other: Instant) -> bool:
        if type(other) is not Instant:
            return NotImplemented
        return other.__lt__(self)

    def __ge__(self, other: Instant) -> bool:
        if type(other) is not Instant:
            return NotImplemented
        return other.__le__(self)

    @property
    def utc(self) -> datetime:
        """The moment in UTC, to the microsecond (the range limit keeps it in ``datetime``'s)."""
        micros = int((self.fraction + "000000")[:6])
        return _EPOCH + timedelta(seconds=self.seconds, microseconds=micros)

    def day_in(self, zone: str | None) -> date:
        """The calendar day it falls on in ``zone`` (UTC when None); day boundaries are whole seconds."""
        return self.utc.astimezone(time_zone(zone or "UTC")).date()

    def isoformat(self) -> str:
        text: str | None = getattr(self, "_text", None)  # written once: to_instant keeps instants read again
        if text is None:
            local = (_EPOCH + timedelta(seconds=self.seconds + self.offset * 60)).replace(tzinfo=None)
            sign = "-" if self.offset < 0 else "+"
            hours, minutes = divmod(abs(self.offset), 60)
            fraction = f".{self.fraction}" if self.fraction else ""
            text = f"{local.isoformat()}{fraction}{sign}{hours:02d}:{minutes:02d}"
            _SET_TEXT(self, text)
        return text

    def __str__(self) -> str:
        return self.isoformat()


_SET_SECONDS, _SET_FRACTION, _SET_OFFSET, _SET_TEXT = (Instant.__dict__[name].__set__
                                                        for name in ("seconds", "fraction", "offset", "_text"))
_LOWEST = (datetime.fromisoformat(limits.MIN_INSTANT_UTC) - _EPOCH) // timedelta(seconds=1)
_HIGHEST = (datetime.fromisoformat(limits.MAX_INSTANT_UTC) - _EPOCH) // timedelta(seconds=1)




def _common(value: str) -> Instant | None:
    """The common forms (``...T10:00:00Z``, ``...T10:00:00.123456+08:00``) read by ``datetime``'s C parser.

    None for anything else, and for anything it would read differently from
    :func:`to_instant`'s own parser (which then reads it, or says what is wrong).
    """
    if len(value) < 20 or value[10] != "T" or not value.isascii():
        return None
    fraction, zone = "", value[19:]
    if zone[0] == ".":  # a fraction of a second: the decisions' own as_of has six digits
        cut = len(value) - (1 if value[-1] == "Z" else 6)
        digits, zone = value[20:cut], value[cut:]
        if not 0 < len(digits) <= limits.MAX_SECOND_FRACTION_DIGITS or not digits.isdigit():
            return None
        fraction = digits.rstrip("0")
    offset = _OFFSETS.get(zone)
    if offset is None:
        offset = _zone_minutes(zone)
        if offset is None:
            return None
        _OFFSETS[zone] = offset  # at most 2,881 texts: every offset a day has, each way
    try:
        local = datetime.fromisoformat(value[:19])  # the wall time; the offset is applied below
    except ValueError:
        return None
    seconds = (local.toordinal() - 1) * 86_400 + local.hour * 3_600 + local.minute * 60 + local.second - offset * 60
    return Instant(seconds, fraction, offset) if _LOWEST <= seconds <= _HIGHEST else None


_OFFSETS: dict[str, int] = {}  # offset texts read, in minutes


def _zone_minutes(zone: str) -> int | None:
    """``Z`` or ``+HH:MM`` as minutes east of UTC; None for any other text."""
    if zone == "Z":
        return 0
    if len(zone) != 6 or zone[0] not in "+-" or zone[3] != ":" or not (zone[1:3] + zone[4:]).isdigit() \
            or zone[1:3] > "23" or zone[4:] > "59":
        return None
    return (int(zone[1:3]) * 60 + int(zone[4:])) * (-1 if zone[0] == "-" else 1)


#: Texts read lately, and their instants (immutable, so shared): at most ``INSTANTS_KEPT``, then forgotten.
_READ: dict[str, Instant] = {}


def to_instant(value: Any) -> Instant:
    """An RFC 3339 timestamp with an offset, exactly, or :class:`ScalarError`."""
    if type(value) is Instant:
        return value
    if type(value) is str:
        common = _READ.get(value)
        if common is None:
            common = _common(value)
            if common is not None:
                if len(_READ) >= limits.INSTANTS_KEPT:
                    _READ.clear()
                _READ[value] = common
        if common is not None:
            return common
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        raise ScalarError(f"must be {INSTANT_EXPECTED}")
    day_text, h, m, s, frac, z, sign, oh, om = match.groups()
    hour, minute, second = int(h), int(m), int(s)
    if hour > 23 or minute > 59 or second > 59:
        raise ScalarError(f"has no such time of day ({h}:{m}:{s}); must be {INSTANT_EXPECTED}")
    offset = 0 if z else _offset(sign, oh, om)
    if frac is None:
        fraction = ""
    elif len(frac) > limits.MAX_SECOND_FRACTION_DIGITS:
        raise ScalarError(f"has more than {limits.MAX_SECOND_FRACTION_DIGITS} digits in its fraction of a second")
    else:
        fraction = frac.rstrip("0")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise ScalarError(f"has no such date ({day_text})") from None
    seconds = (day.toordinal() - 1) * 86_400 + hour * 3600 + minute * 60 + second - offset * 60
    if not _LOWEST <= seconds <= _HIGHEST:
        raise ScalarError(f"is out of range: instants lie between {limits.MIN_INSTANT_UTC} and "
                          f"{limits.MAX_INSTANT_UTC}")
    return Instant(seconds, fraction, offset)


def _offset(sign: str, oh: str, om: str) -> int:
    hours, minutes = int(oh), int(om)
    if hours > 23 or minutes > 59:
        raise ScalarError(f"has an impossible offset {sign}{oh}:{om} (hours 00-23, minutes 00-59)")
    return (hours * 60 + minutes) * (-1 if sign == "-" else 1)


def instant_of(moment: datetime) -> Instant:
    """An aware ``datetime`` as an instant (``as_of`` defaults to now)."""
    offset = moment.utcoffset()
    assert offset is not None, "instant_of needs an aware datetime"
    seconds = (moment - _EPOCH) // timedelta(seconds=1)
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return Instant(seconds, fraction, int(offset // timedelta(minutes=1)))


# --- time zones ---------------------------------------------------------------------

ZONE_EXPECTED = "an IANA time zone such as \"Asia/Shanghai\" or \"UTC\""
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*\Z")


@lru_cache(maxsize=1024)
def time_zone(name: str) -> ZoneInfo:
    """The zone named ``name``, or :class:`ScalarError` (never an ``OSError`` or a hang)."""
    if not isinstance(name, str) or len(name) > limits.MAX_TIMEZONE_LENGTH or not _ZONE_NAME.match(name):
        raise ScalarError(f"must be {ZONE_EXPECTED}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" is a folder of the database
        raise ScalarError(f"is not a time zone the database knows; must be {ZONE_EXPECTED}") from None


def is_zone(text: str) -> bool:
    """Whether a text names a zone of the time-zone database, as the engine reads zones."""
    try:
        time_zone(text)
    except ScalarError:
        return False
    return True
