"""The type of every fact path, read off ``facts.schema.json``.

The schema is the one description of the facts: the semantic checks use these
types to catch unknown paths and mismatched comparisons, and the normaliser uses
them to turn money into ``Decimal`` and timestamps into exact instants (``scalars.Instant``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# $defs whose name gives a value a meaning beyond its JSON type.
_NAMED_KINDS = {"money": "money", "timestamp": "timestamp", "timezone": "timezone"}
_NO_DEFAULT = object()


@dataclass
class FactType:
    kind: str  # object, array, string, money, timestamp, timezone, boolean, integer, number, null, any
    enum: tuple[Any, ...] | None = None
    nullable: bool = False
    properties: dict[str, "FactType"] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    item: "FactType | None" = None
    default: Any = _NO_DEFAULT
    optional: bool = False  # a property its object may leave out (with no default)
    unique_by: str | None = None  # a list whose items' values of this key are unique (x-unique-by)
    free_text: bool = False  # a string of any characters (no enum, no pattern): checked for lone surrogates

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    def lookup(self, keys: list[str]) -> "FactType | None":
        current: FactType | None = self
        for key in keys:
            if current is None or current.kind != "object":
                return None
            current = current.properties.get(key)
        return current

    def describe(self) -> str:
        if self.kind == "array" and self.item is not None:
            return f"list of {self.item.describe()}"
        base = self.kind if self.enum is None else "one of " + ", ".join(map(str, self.enum))
        return base + (" or null" if self.nullable else "")


def fact_types(schema: dict[str, Any]) -> FactType:
    return _Reader(schema).read(schema)


class _Reader:
    def __init__(self, root: dict[str, Any]):
        self.defs = root.get("$defs", {})

    def read(self, node: dict[str, Any]) -> FactType:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            target = self.read(self.defs[name])
            if name in _NAMED_KINDS:
                target.kind = _NAMED_KINDS[name]
            if "default" in node:
                target.default = node["default"]
            return target
        if "anyOf" in node and "type" not in node:
            return self._any_of(node["anyOf"])
        return self._typed(node)

    def _any_of(self, options: list[dict[str, Any]]) -> FactType:
        non_null = [o for o in options if o.get("type") != "null"]
        nullable = len(non_null) < len(options)
        if len(non_null) == 1:
            result = self.read(non_null[0])
        else:
            result = FactType("any")
        result.nullable = result.nullable or nullable
        return result

    def _typed(self, node: dict[str, Any]) -> FactType:
        kind = node.get("type", "string" if "enum" in node else "any")
        result = FactType(kind=kind, enum=tuple(node["enum"]) if "enum" in node else None)
        result.free_text = kind == "string" and "enum" not in node and "pattern" not in node
        if "default" in node:
            result.default = node["default"]
        if kind == "object":
            result.properties = {k: self.read(v) for k, v in node.get("properties", {}).items()}
            result.required = frozenset(node.get("required", ()))
            for name, prop in result.properties.items():
                prop.optional = name not in result.required and not prop.has_default
        elif kind == "array" and "items" in node:
            result.item = self.read(node["items"])
            result.unique_by = node.get("x-unique-by")
        return result
