"""The type of every fact path, read off the policy's facts schema.

The schema is the one description of the facts: the semantic checks use these
types to catch unknown paths and mismatched comparisons, and the normaliser uses
them to turn money into ``Decimal`` and timestamps into exact instants (``scalars.Instant``).
A schema gives a value one of those meanings with the keyword ``x-kind``
(``money``, ``timestamp``, ``timezone``; see docs/facts-schema.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import limits
from ..pointers import escape
from .kinds import KINDS
from .refs import Refs

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


class UnsupportedSchema(ValueError):
    """A facts schema the engine cannot type: where (a JSON pointer into the schema) and why."""

    def __init__(self, pointer: str, reason: str):
        super().__init__(f"{pointer}: {reason}")
        self.pointer, self.reason = pointer, reason


def fact_types(schema: dict[str, Any]) -> FactType:
    return _Reader(schema).read(schema, "")


_TYPES = ("object", "array", "string", "boolean", "integer", "number", "null")


class _Reader:
    def __init__(self, root: dict[str, Any]):
        self.refs = Refs(root)
        self.following: list[str] = []  # the $refs being read: one that comes round again is a cycle
        self.lists = 0  # how many lists the node being read is inside

    def read(self, node: Any, at: str) -> FactType:
        if not isinstance(node, dict):
            raise UnsupportedSchema(at, "a boolean schema (true/false) gives a fact no type; write an object")
        if "$ref" in node:
            result = self._ref(node["$ref"], at)
            if "default" in node:
                result.default = node["default"]
        elif "anyOf" in node and "type" not in node:
            result = self._any_of(node["anyOf"], at)
        else:
            result = self._typed(node, at)
        kind = node.get("x-kind")
        if kind is not None:
            if kind not in KINDS:
                raise UnsupportedSchema(at + "/x-kind", f"x-kind is one of {', '.join(KINDS)}, not {kind!r}")
            result.kind = kind
        return result

    def _ref(self, ref: Any, at: str) -> FactType:
        try:
            target = self.refs.target(ref)
        except LookupError as exc:
            raise UnsupportedSchema(at + "/$ref", str(exc)) from None
        name = Refs.name(ref)
        if name in self.following:
            raise UnsupportedSchema(at + "/$ref", f"$defs/{name} refers to itself: a fact has a finite shape")
        self.following.append(str(name))
        try:
            return self.read(target, f"/$defs/{name}")
        finally:
            self.following.pop()

    def _any_of(self, options: list[dict[str, Any]], at: str) -> FactType:
        non_null = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
        nullable = len(non_null) < len(options)
        if len(non_null) == 1:
            result = self.read(non_null[0], f"{at}/anyOf/{options.index(non_null[0])}")
        else:
            result = FactType("any")
        result.nullable = result.nullable or nullable
        return result

    def _typed(self, node: dict[str, Any], at: str) -> FactType:
        kind = node.get("type", "string" if "enum" in node else "any")
        if kind not in _TYPES and kind != "any":
            raise UnsupportedSchema(at + "/type", "give each fact one type (use anyOf for alternatives)")
        result = FactType(kind=kind, enum=tuple(node["enum"]) if "enum" in node else None)
        result.free_text = kind == "string" and "enum" not in node and "pattern" not in node
        if "default" in node:
            result.default = node["default"]
        if kind == "object":
            result.properties = {k: self.read(v, f"{at}/properties/{escape(k)}")
                                 for k, v in node.get("properties", {}).items()}
            result.required = frozenset(node.get("required", ()))
            for name, prop in result.properties.items():
                prop.optional = name not in result.required and not prop.has_default
        elif kind == "array" and "items" in node:
            self.lists += 1
            if self.lists > limits.MAX_FACTS_LIST_DEPTH:
                raise UnsupportedSchema(at, f"lists nest more than {limits.MAX_FACTS_LIST_DEPTH} deep")
            try:
                result.item = self.read(node["items"], f"{at}/items")
            finally:
                self.lists -= 1
            result.unique_by = node.get("x-unique-by")
        return result

