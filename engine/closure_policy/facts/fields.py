"""The facts document, field by field, from the policy's own facts schema (whatever the policy names)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

from .refs import Refs


@dataclass(frozen=True)
class Field:
    path: str  #: dotted, ``[]`` for the items of a list
    type: str
    required: bool
    description: str
    example: str  #: JSON, or "" when the schema gives none


def fields(schema: dict[str, Any]) -> list[Field]:
    """Every field the schema describes, depth first in its own order."""
    return list(_walk(schema, Refs(schema), "", True, 0))


def _local(node: Any, refs: Refs, depth: int = 0) -> Any:
    """``node`` with its ``$ref`` followed (the facts stage refused a schema whose references do not resolve)."""
    while isinstance(node, dict) and "$ref" in node and depth < 32:
        try:
            target = refs.target(node["$ref"])
        except LookupError:
            target = {}
        node = {**(target if isinstance(target, dict) else {}), **{k: v for k, v in node.items() if k != "$ref"}}
        depth += 1
    return node


def _type(node: dict[str, Any], refs: Refs) -> str:
    if "enum" in node:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in node["enum"])
    kind = node.get("x-kind")
    if isinstance(kind, str):
        return kind
    if "anyOf" in node or "oneOf" in node:
        options = node.get("anyOf") or node.get("oneOf") or []
        return " | ".join(_type(_local(o, refs), refs) if isinstance(o, dict) else "?" for o in options)
    named = node.get("type", "any")
    return " | ".join(named) if isinstance(named, list) else str(named)


def _walk(node: Any, refs: Refs, path: str, required: bool, depth: int) -> Iterator[Field]:
    node = _local(node, refs)
    if not isinstance(node, dict) or depth > 24:
        return
    if path:
        examples = node.get("examples")
        example = json.dumps(examples[0], ensure_ascii=False) if isinstance(examples, list) and examples else ""
        yield Field(path, _type(node, refs), required, str(node.get("description", "")), example)
    wanted = set(node.get("required", []))
    for name, child in (node.get("properties") or {}).items():
        yield from _walk(child, refs, f"{path}.{name}" if path else name, name in wanted, depth + 1)
    items = node.get("items")
    if isinstance(items, dict):
        yield from _walk(items, refs, f"{path}[]", True, depth + 1)
    for option in node.get("anyOf", []) + node.get("oneOf", []):
        option = _local(option, refs)
        if isinstance(option, dict) and option.get("type") == "object":
            yield from ((f for f in _walk({**option, "description": ""}, refs, path, required, depth + 1)
                         if f.path != path))
