"""Turn validated facts into the values rules compare: exact amounts and instants.

Built once per schema into a tree of small converters; a part of the facts
with nothing to convert is passed through untouched, so the hot path only
walks what holds money, timestamps, time zones, defaults or unique ids. What
each scalar means is :mod:`closure_policy.scalars`.
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import FactProblem
from ..jsondoc import text_problem
from ..pointers import json_pointer
from ..scalars import ScalarError
from ..text import excerpt
from .kinds import KINDS
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


def _checks_only(convert: Converter) -> Converter:
    """Mark a converter that only reports problems and returns its value as it is."""
    convert.changes = False  # type: ignore[attr-defined]
    return convert


def _changes(convert: Converter | None) -> bool:
    return convert is not None and getattr(convert, "changes", True)


_SCALARS: dict[str, Converter] = {name: _scalar(kind.convert) if kind.converts else _checks_only(_scalar(kind.convert))
                                  for name, kind in KINDS.items()}


@_checks_only
def _free_text(value: Any, path: Path, problems: Problems) -> Any:
    if type(value) is str and not value.isascii():
        _check_text(value, path, problems)
    return value


def build_normalizer(t: FactType) -> Converter | None:
    """A converter for values of type ``t``, or None when they need none.

    A converter that only checks (time zones, unique ids, free text) returns
    the value it was given, so a part of the facts with nothing to convert is
    never copied: the hot path copies only objects that hold money, instants
    or defaults.
    """
    if t.free_text:  # a list's items (objects check their own texts inline)
        return _free_text
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
    return run if _changes(convert) else _checks_only(run)


def _array(item: FactType, unique_by: str | None) -> Converter | None:
    convert = build_normalizer(item)
    if convert is None and unique_by is None:
        return None
    changes = _changes(convert)

    texts = getattr(convert, "texts", None)  # items that only hold free text: checked in one loop

    def run(value: Any, path: Path, problems: Problems) -> Any:
        if unique_by is not None:
            _unique(value, unique_by, path, problems)
        if convert is None:
            return value
        if texts is not None:
            for i, item in enumerate(value):
                for key in texts:
                    text = item.get(key)
                    if type(text) is str and not text.isascii():
                        _check_text(text, path + (i, key), problems)
            return value
        converted = [convert(v, path + (i,), problems) for i, v in enumerate(value)]
        return converted if changes else value
    return run if changes else _checks_only(run)


def _check_text(text: str, path: Path, problems: Problems) -> None:
    problem = text_problem(text, path)
    if problem is not None:
        problems.append(problem)


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
    texts = [k for k, v in t.properties.items() if v.free_text]
    children = {k: c for k, c in ((k, build_normalizer(v)) for k, v in t.properties.items() if not v.free_text) if c}
    converting = {k: c for k, c in children.items() if _changes(c)}
    checking = {k: c for k, c in children.items() if not _changes(c)}
    defaults = {k: v.default for k, v in t.properties.items() if v.has_default}
    if not (texts or children or defaults):
        return None

    def run(value: Any, path: Path, problems: Problems) -> Any:
        for key in texts:  # free text: only a non-ASCII string can hold a lone surrogate
            text = value.get(key)
            if type(text) is str and not text.isascii():
                _check_text(text, path + (key,), problems)
        for key, check in checking.items():
            if key in value:
                check(value[key], path + (key,), problems)
        if not converting and not defaults:
            return value
        result = dict(value)
        for key, default in defaults.items():
            result.setdefault(key, default)
        for key, convert in converting.items():
            if key in result:
                result[key] = convert(result[key], path + (key,), problems)
        return result
    if converting or defaults:
        return run
    if not checking:
        run.texts = texts  # type: ignore[attr-defined]
    return _checks_only(run)
