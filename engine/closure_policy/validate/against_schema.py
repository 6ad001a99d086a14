"""YAML files (rules, test suites) against their JSON Schema, with file:line:col for each error."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from ..errors import Problem
from ..load import SourceFile
from ..resources import schema
from .messages import locate


@lru_cache(maxsize=None)
def _validator(name: str) -> Draft202012Validator:
    # A schema may use another's definitions by its file name (properties.schema.json reads the
    # rules' conditions from rules.schema.json): every bundled schema is registered under its $id.
    registry: Registry[Any] = Registry().with_resources(
        (schema(other)["$id"], Resource.from_contents(schema(other))) for other in ("rules", "tests", "properties"))
    return Draft202012Validator(schema(name), registry=registry)


def validate_file(source: SourceFile, schema_name: str = "rules") -> tuple[list[Problem], set[tuple[Any, ...]]]:
    """Problems, and the top-level entries (``("rules", 3)``) they make unusable."""
    problems: list[Problem] = []
    broken: set[tuple[Any, ...]] = set()
    for error in _validator(schema_name).iter_errors(source.data):
        path, message, on_key = locate(error)
        problems.append(source.problem(tuple(path), message, "schema", key=on_key))
        broken.add(tuple(error.absolute_path)[:2])
    return problems, broken
