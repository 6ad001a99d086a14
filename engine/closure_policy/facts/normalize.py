"""Turn validated facts into the values rules compare: exact and aware.

Built once per schema into a tree of small converters; a part of the facts
with nothing to convert is passed through untouched, so the hot path only
walks what holds money, timestamps, time zones or defaults.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import FactProblem, json_pointer
from .types import FactType

Problems = list[FactProblem]
Converter = Callable[[Any, tuple, Problems], Any]


def to_decimal(value: Any) -> Decimal:
    """Money as an exact Decimal; a float is read back from its shortest repr."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        result = Decimal(value)
    if not result.is_finite():
        raise InvalidOperation("not a finite amount")
    return result


def to_datetime(value: str) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    text = value.upper()
    if "." in text:  # datetime keeps microseconds: trim longer fractions
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + rest[:min(digits, 6)] + rest[digits:]
    result = datetime.fromisoformat(text)
    if result.tzinfo is None:
        raise ValueError("timestamp has no offset")
    return result


def _money(value: Any, path: tuple, problems: Problems) -> Any:
    try:
        result = to_decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        problems.append(FactProblem(json_pointer(path), f"{value!r} is not an exact amount"))
        return value
    if result < 0:
        problems.append(FactProblem(json_pointer(path), f"{value!r} is negative; amounts must be >= 0"))
    return result


def _timestamp(value: Any, path: tuple, problems: Problems) -> Any:
    try:
        return to_datetime(value)
    except (ValueError, TypeError, AttributeError) as exc:
        problems.append(FactProblem(json_pointer(path), f"{value!r} is not an RFC 3339 timestamp with an offset: {exc}"))
        return value


def _timezone(value: Any, path: tuple, problems: Problems) -> Any:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        problems.append(FactProblem(json_pointer(path), f"{value!r} is not an IANA time zone"))
    return value


_SCALARS: dict[str, Converter] = {"money": _money, "timestamp": _timestamp, "timezone": _timezone}


def build_normalizer(t: FactType) -> Converter | None:
    """A converter for values of type ``t``, or None when they need none."""
    if t.kind in _SCALARS:
        return _nullable(_SCALARS[t.kind]) if t.nullable else _SCALARS[t.kind]
    if t.kind == "array" and t.item is not None:
        return _array(t.item)
    if t.kind == "object":
        return _object(t)
    return None


def _nullable(convert: Converter) -> Converter:
    def run(value: Any, path: tuple, problems: Problems) -> Any:
        return None if value is None else convert(value, path, problems)
    return run


def _array(item: FactType) -> Converter | None:
    convert = build_normalizer(item)
    if convert is None:
        return None

    def run(value: Any, path: tuple, problems: Problems) -> Any:
        return [convert(v, path + (i,), problems) for i, v in enumerate(value)]
    return run


def _object(t: FactType) -> Converter | None:
    children = {k: c for k, c in ((k, build_normalizer(v)) for k, v in t.properties.items()) if c}
    defaults = {k: v.default for k, v in t.properties.items() if v.has_default}
    if not children and not defaults:
        return None

    def run(value: Any, path: tuple, problems: Problems) -> Any:
        result = dict(value)
        for key, default in defaults.items():
            result.setdefault(key, default)
        for key, convert in children.items():
            if key in result:
                result[key] = convert(result[key], path + (key,), problems)
        return result
    return run
