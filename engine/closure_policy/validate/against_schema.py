"""YAML files (rules, test suites) against their JSON Schema, with file:line:col for each error."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..errors import Problem
from ..load import SourceFile
from ..resources import schema

@lru_cache(maxsize=None)
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def validate_file(source: SourceFile, schema_name: str = "rules") -> tuple[list[Problem], set[tuple[Any, ...]]]:
    """Problems, and the top-level entries (``("rules", 3)``) they make unusable."""
    problems: list[Problem] = []
    broken: set[tuple[Any, ...]] = set()
    for error in _validator(schema_name).iter_errors(source.data):
        path, message, on_key = _locate(error)
        problems.append(source.problem(path, message, "schema", key=on_key))
        broken.add(tuple(path[:2]))
    return problems, broken


def _locate(error: ValidationError) -> tuple[list[Any], str, bool]:
    shown = best_match([error]) if error.context else error
    path = list(shown.absolute_path)
    instance = shown.instance
    if shown.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, Mapping):
        allowed = set(shown.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        if extra:
            return path + [extra[0]], f"unknown key {extra[0]!r} here", True
    if shown.validator == "required" and isinstance(instance, Mapping):
        missing = [k for k in shown.validator_value if k not in instance]
        if missing:
            return path, f"missing required key {missing[0]!r}", False
    where = "/".join(str(p) for p in path) or "the file"
    return path, f"{where}: {shown.message}", False
