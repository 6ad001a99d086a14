"""What the policy's facts schema asks of a document, as z3 constraints over its symbolic form.

Read keyword by keyword. A keyword this reader does not know is refused with
its JSON pointer: a constraint left out would let the prover call a document
valid that the engine refuses (a counterexample that is none), so nothing is
skipped silently. Keywords that only describe (``description``, ``title``,
``examples``, ``x-expected``...) constrain nothing.
"""
from __future__ import annotations

from typing import Any, Callable

import z3

from ..facts.refs import Refs
from .errors import CannotEncode
from .model import Arr, Obj, Scalar, Strings, Sym
from .values import TEXT_KINDS, NotOfKind, accepts, to_model

_DESCRIBE = {"$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated",
             "readOnly", "writeOnly", "$defs", "definitions", "x-kind", "x-unique-by", "format"}
# Checked by the shape itself: the model writes only the keys the schema declares, of the declared kind; the
# kind's domain (amounts, instants, zones) is the model's (see model.py).
_SHAPE = {"additionalProperties", "type"}


class SchemaReader:
    def __init__(self, root: dict[str, Any], strings: Strings):
        self.root, self.strings = root, strings
        self.refs = Refs(root)

    def valid(self, sym: Sym) -> Any:
        return self.satisfies(self.root, sym, "")

    def satisfies(self, node: Any, sym: Sym, at: str) -> Any:
        if node is True or node == {}:
            return True
        if not isinstance(node, dict):
            raise CannotEncode(f"facts schema {at or '/'}", "a boolean schema")
        unknown = set(node) - _DESCRIBE - _SHAPE - set(_KEYWORDS) - {"then", "else"} \
            - {k for k in node if k.startswith("x-")}
        if unknown:
            raise CannotEncode(f"facts schema {at or '/'}", f"the keyword {sorted(unknown)[0]!r} is not encoded")
        if isinstance(node.get("examples"), list) and isinstance(sym, Scalar):
            sym.examples += node["examples"]  # constrain nothing; a counterexample prefers them (concrete.py)
        if "x-kind" in node and isinstance(sym, Scalar):
            return z3.Not(sym.null) if node.get("type") != "null" else sym.null  # the kind's domain is the model's
        parts = [self.type_of(node, sym, at)]
        checks = list(dict.fromkeys(_KEYWORDS[k] for k in _KEYWORDS if k in node))  # pattern and lengths: once
        parts += [check(self, node, sym, at) for check in checks]
        return z3.And(*parts)

    @staticmethod
    def type_of(node: dict[str, Any], sym: Sym, at: str) -> Any:
        kinds = node.get("type")
        if kinds is None:
            return True
        kinds = kinds if isinstance(kinds, list) else [kinds]
        return z3.Or(*[sym.null if k == "null" else z3.Not(sym.null) for k in kinds])

    def ref(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        ref = node["$ref"]
        try:
            target = self.refs.target(ref)
        except LookupError:
            raise CannotEncode(f"facts schema {at}/$ref", f"a $ref outside $defs ({ref!r})") from None
        return self.satisfies(target, sym, f"/$defs/{Refs.name(ref)}")

    def any_of(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        return z3.Or(*[self.satisfies(o, sym, f"{at}/anyOf/{i}") for i, o in enumerate(node["anyOf"])])

    def all_of(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        return z3.And(*[self.satisfies(o, sym, f"{at}/allOf/{i}") for i, o in enumerate(node["allOf"])])

    def not_(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        return z3.Not(self.satisfies(node["not"], sym, f"{at}/not"))

    def if_then(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        test = self.satisfies(node["if"], sym, f"{at}/if")
        then = self.satisfies(node.get("then", True), sym, f"{at}/then")
        other = self.satisfies(node.get("else", True), sym, f"{at}/else")
        return z3.If(test, then, other)

    def values(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        allowed = node["enum"] if "enum" in node else [node["const"]]
        if not isinstance(sym, Scalar):
            raise CannotEncode(f"facts schema {at}", "an enum or const of objects or lists")
        options = [sym.null if v is None else z3.And(z3.Not(sym.null), _equals(sym, v, self.strings, at))
                   for v in allowed]
        return z3.Or(*options)

    def properties(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        if not isinstance(sym, Obj):
            return True  # "properties" constrains objects only
        parts = []
        for key, sub in node["properties"].items():
            if key in sym.fields:
                value = sym.fields[key]
                parts.append(z3.Implies(z3.Not(value.absent), self.satisfies(sub, value, f"{at}/properties/{key}")))
        return z3.Implies(z3.Not(sym.null), z3.And(*parts))

    def required(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        if not isinstance(sym, Obj):
            return True
        missing = [k for k in node["required"] if k not in sym.fields]
        if missing:
            return sym.null  # a key the shape never writes: only a null object meets it
        return z3.Implies(z3.Not(sym.null), z3.And(*[z3.Not(sym.fields[k].absent) for k in node["required"]]))

    def items(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        if not isinstance(sym, Arr):
            return True
        return z3.And(*[z3.Implies(i < sym.length, self.satisfies(node["items"], item, f"{at}/items"))
                        for i, item in enumerate(sym.items)])

    def count(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        if not isinstance(sym, Arr):
            return True
        parts = [sym.length >= node["minItems"]] if "minItems" in node else []
        parts += [sym.length <= node["maxItems"]] if "maxItems" in node else []
        return z3.Or(sym.null, z3.And(*parts))

    def text(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        """A pattern or length: the strings named that fail it are excluded; a fresh string is written to fit."""
        if not isinstance(sym, Scalar) or sym.kind not in TEXT_KINDS:
            return True
        sym.schemas.append({k: node[k] for k in ("pattern", "minLength", "maxLength") if k in node})
        failing = [c for text, c in self.strings.codes.items() if not accepts(node, text)]
        return z3.Or(sym.null, z3.And(*[sym.value != c for c in failing]))

    def bounds(self, node: dict[str, Any], sym: Sym, at: str) -> Any:
        if not isinstance(sym, Scalar) or sym.kind != "integer":
            raise CannotEncode(f"facts schema {at}", "a minimum or maximum on a value that is not an integer")
        parts = [sym.value >= node["minimum"]] if "minimum" in node else []
        parts += [sym.value <= node["maximum"]] if "maximum" in node else []
        return z3.Or(sym.null, z3.And(*parts))


def _equals(sym: Scalar, value: Any, strings: Strings, at: str) -> Any:
    try:  # an amount or an instant is a string in the schema: not one of its kind, refused
        return sym.value == to_model(sym.kind, value, strings.code)
    except NotOfKind:
        raise CannotEncode(f"facts schema {at}", f"an enum or const value {value!r} of a {sym.kind} place") from None


Keyword = Callable[[SchemaReader, dict[str, Any], Sym, str], Any]
_KEYWORDS: dict[str, Keyword] = {
    "$ref": SchemaReader.ref, "anyOf": SchemaReader.any_of, "allOf": SchemaReader.all_of,
    "not": SchemaReader.not_, "if": SchemaReader.if_then, "enum": SchemaReader.values,
    "const": SchemaReader.values, "properties": SchemaReader.properties, "required": SchemaReader.required,
    "items": SchemaReader.items, "minItems": SchemaReader.count, "maxItems": SchemaReader.count,
    "pattern": SchemaReader.text, "minLength": SchemaReader.text, "maxLength": SchemaReader.text,
    "minimum": SchemaReader.bounds, "maximum": SchemaReader.bounds,
}
