"""YAML files (rules, test suites) against their JSON Schema, with file:line:col for each error.

A compiled validator (jsonschema-rs) decides whether a file is valid; only a
file that is not is explained by python-jsonschema, whose errors carry what a
message needs (``best_match`` over ``oneOf``). A rule file's rules are
explained one by one, and only those the compiled validator refused, so a
mistake in one rule of thousands costs one rule's explanation.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from ..errors import Problem
from ..load import SourceFile
from ..resources import schema
from .messages import locate

_SCHEMAS = ("rules", "tests", "properties")
#: A top-level list whose items are explained apart, by the $defs entry each item must match.
_ITEMS = {"rules": ("rules", "rule")}


def _id(name: str) -> str:
    return str(schema(name)["$id"])


@lru_cache(maxsize=None)
def _validator(name: str, definition: str | None = None) -> Draft202012Validator:
    # A schema may use another's definitions by its file name (properties.schema.json reads the
    # rules' conditions from rules.schema.json): every bundled schema is registered under its $id.
    registry: Registry[Any] = Registry().with_resources(
        (_id(other), Resource.from_contents(schema(other))) for other in _SCHEMAS)
    root = schema(name) if definition is None else {"$ref": f"{_id(name)}#/$defs/{definition}"}
    return Draft202012Validator(root, registry=registry)


@lru_cache(maxsize=None)
def _compiled(name: str, definition: str | None = None) -> Any:
    registry = jsonschema_rs.Registry([(_id(other), schema(other)) for other in _SCHEMAS])
    root = schema(name) if definition is None else {"$ref": f"{_id(name)}#/$defs/{definition}"}
    return jsonschema_rs.validator_for(root, registry=registry)


def validate_file(source: SourceFile, schema_name: str = "rules") -> tuple[list[Problem], set[tuple[Any, ...]]]:
    """Problems, and the top-level entries (``("rules", 3)``) they make unusable."""
    problems: list[Problem] = []
    broken: set[tuple[Any, ...]] = set()
    if _compiled(schema_name).is_valid(source.data):
        return problems, broken
    for error in _errors(source.data, schema_name):
        path, message, on_key = locate(error)
        problems.append(source.problem(tuple(path), message, "schema", key=on_key))
        broken.add(tuple(error.absolute_path)[:2])
    return problems, broken


def _errors(data: Any, schema_name: str) -> Iterator[ValidationError]:
    key, definition = _ITEMS.get(schema_name, (None, None))
    items = data.get(key) if key is not None and isinstance(data, dict) else None
    if not isinstance(items, list):
        yield from _validator(schema_name).iter_errors(data)
        return
    yield from _validator(schema_name).iter_errors({**data, key: []})  # all but the items
    fast, slow = _compiled(schema_name, definition), _validator(schema_name, definition)
    for i, item in enumerate(items):
        if fast.is_valid(item):
            continue
        for error in slow.iter_errors(item):
            error.relative_path.extendleft([i, key])  # as if found in the whole file
            yield error
