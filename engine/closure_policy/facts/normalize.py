"""Turn validated facts into the values rules compare: exact amounts and instants.

Built once per schema into a tree of small converters; a part of the facts
with nothing to convert is passed through untouched, so the hot path only
walks what holds money, timestamps, time zones, defaults or unique ids. What
each scalar means is :mod:`closure_policy.scalars`.
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import FactProblem, json_pointer
from ..scalars import ScalarError, time_zone, to_instant, to_money
from ..text import excerpt
from .types import FactType

Problems = list[FactProblem]
Path = tuple[Any, ...]
Converter = Callable[[Any, Path, Problems], Any]


def _scalar(convert: Callable[[Any], Any]) -> Converter:
    def run(value: Any, path: Path, problems: Problems) -> Any:
        try:
            return convert(value)
        except ScalarError as exc:
            problems.append(FactProblem(json_pointer(path), f"{excerpt(value)} {exc}"))
            return value
    return run


def _zone(value: Any) -> Any:
    time_zone(value)
    return value


_SCALARS: dict[str, Converter] = {"money": _scalar(to_money), "timestamp": _scalar(to_instant),
                                  "timezone": _scalar(_zone)}


def build_normalizer(t: FactType) -> Converter | None:
    """A converter for values of type ``t``, or None when they need none."""
    if t.kind in _SCALARS:
        return _nullable(_SCALARS[t.kind]) if t.nullable else _SCALARS[t.kind]
    if t.kind == "array" and t.item is not None:
        return _array(t.item, t.unique_by)
    if t.kind == "object":
        return _object(t)
    return None


def _nullable(convert: Converter) -> Converter:
    def run(value: Any, path: Path, problems: Problems) -> Any:
        return None if value is None else convert(value, path, problems)
    return run


def _array(item: FactType, unique_by: str | None) -> Converter | None:
    convert = build_normalizer(item)
    if convert is None and unique_by is None:
        return None

    def run(value: Any, path: Path, problems: Problems) -> Any:
        if unique_by is not None:
            _unique(value, unique_by, path, problems)
        if convert is None:
            return value
        return [convert(v, path + (i,), problems) for i, v in enumerate(value)]
    return run


def _unique(items: list[Any], key: str, path: Path, problems: Problems) -> None:
    seen: dict[Any, int] = {}
    for i, item in enumerate(items):
        value = item.get(key)
        if value in seen:
            problems.append(FactProblem(json_pointer(path + (i, key)),
                                        f"{key} {excerpt(value)} is already used by item {seen[value]}; "
                                        f"{key}s must be unique in this list"))
        else:
            seen[value] = i


def _object(t: FactType) -> Converter | None:
    children = {k: c for k, c in ((k, build_normalizer(v)) for k, v in t.properties.items()) if c}
    defaults = {k: v.default for k, v in t.properties.items() if v.has_default}
    if not children and not defaults:
        return None

    def run(value: Any, path: Path, problems: Problems) -> Any:
        result = dict(value)
        for key, default in defaults.items():
            result.setdefault(key, default)
        for key, convert in children.items():
            if key in result:
                result[key] = convert(result[key], path + (key,), problems)
        return result
    return run
