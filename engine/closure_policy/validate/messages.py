"""One schema error, as a person should read it: where, and what was expected.

jsonschema's own messages quote the whole offending value and raw regular
expressions (``'-1' does not match '^[0-9]+…$'``). Here a message quotes at
most an excerpt, and a ``$defs`` entry that carries ``x-expected`` (money,
timestamps, time zones, ids) is named by what it expects.
"""
from __future__ import annotations

from typing import Any, Mapping

from jsonschema.exceptions import ValidationError, best_match

from ..text import did_you_mean, excerpt

_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
               int: "an integer", float: "a number"}


def locate(error: ValidationError) -> tuple[list[Any], str, bool]:
    """(path to the offending node, message, whether the path names a key)."""
    shown = error if _expected(error) else (best_match([error]) if error.context else error)
    path = list(shown.absolute_path)
    instance, value = shown.instance, shown.validator_value
    schema: Mapping[str, Any] = shown.schema if isinstance(shown.schema, Mapping) else {}
    expected = _expected(shown)
    if expected:
        return path, f"must be {expected}; got {excerpt(instance)}", False
    if shown.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, Mapping):
        allowed = list(schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        if extra:
            return path + [extra[0]], f"unknown key {excerpt(extra[0])}{did_you_mean(str(extra[0]), allowed)}", True
    if shown.validator == "required" and isinstance(instance, Mapping):
        missing = [k for k in (value if isinstance(value, list) else []) if k not in instance]
        if missing:
            return path + [missing[0]], f"{missing[0]!r} is required", False
    return path, _message(str(shown.validator), value, instance), False


def _expected(error: ValidationError) -> str | None:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    found = schema.get("x-expected")
    return found if isinstance(found, str) else None


def _message(validator: str, value: Any, instance: Any) -> str:
    got = excerpt(instance)
    if validator == "type":
        wanted = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in (value if isinstance(value, list) else [value]))
        return f"must be {wanted}, not {_kind(instance)}"
    if validator in ("enum", "const"):
        options = value if validator == "enum" else [value]
        hint = did_you_mean(instance, map(str, options)) if isinstance(instance, str) else ""
        return f"must be one of {', '.join(excerpt(o) for o in options[:12])}; got {got}{hint}"
    if validator == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters long"
    if validator == "maxLength":
        return f"is {len(instance):,} characters long; the limit is {value}"
    if validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[validator]
        return f"must be {sign} {value}; got {got}"
    if validator in ("minItems", "maxItems"):
        return f"must have {'at least' if validator == 'minItems' else 'at most'} {value} items"
    if validator == "pattern":
        return f"{got} is not in the expected form"
    if validator in ("anyOf", "oneOf"):
        return f"{got} matches none of the allowed forms"
    if validator == "uniqueItems":
        return "must not repeat an item"
    return f"{got} fails the schema's {validator!r} check"


_TYPE_NAMES = {"object": "an object", "array": "a list", "string": "a string", "boolean": "a boolean",
               "null": "null", "integer": "an integer", "number": "a number"}


def _kind(instance: Any) -> str:
    for python_type, name in _JSON_TYPES.items():
        if type(instance) is python_type:
            return name
    return "a number" if hasattr(instance, "is_finite") else type(instance).__name__
