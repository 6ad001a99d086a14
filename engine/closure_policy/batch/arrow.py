"""Facts documents as Arrow rows (Parquet), typed from the facts schema.

One Arrow type per schema node, found by walking ``facts.schema.json`` (no
fact is named here): objects become structs, lists become lists, and every
string-or-number (money) becomes a string, so that amounts stay exact; a
Parquet file may also hold them as decimals, which are read as ``Decimal``.
On reading, a null field is an absent fact, as JSON Schema defaults expect.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

import pyarrow as pa

_SCALARS = {"string": pa.string(), "boolean": pa.bool_(), "integer": pa.int64(), "number": pa.string()}


def facts_type(schema: Mapping[str, Any]) -> pa.StructType:
    """The Arrow struct of a whole facts document."""
    result = _type(schema, schema)
    assert isinstance(result, pa.StructType)
    return result


def _type(node: Mapping[str, Any], root: Mapping[str, Any]) -> pa.DataType:
    node = _resolve(node, root)
    if "enum" in node or "const" in node:
        return pa.string()
    alternatives = [_resolve(a, root) for a in node.get("anyOf", node.get("oneOf", []))]
    kinds = [a.get("type") for a in alternatives if a.get("type") != "null"]
    if alternatives:
        # string-or-number is money: a string keeps it exact; otherwise the one non-null alternative
        return pa.string() if "string" in kinds else _type(next(a for a in alternatives if a.get("type") != "null"),
                                                           root)
    kind = node.get("type")
    if kind == "object":
        return pa.struct([pa.field(name, _type(sub, root)) for name, sub in node.get("properties", {}).items()])
    if kind == "array":
        return pa.list_(_type(node.get("items", {}), root))
    return _SCALARS.get(kind, pa.string()) if isinstance(kind, str) else pa.string()


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def to_row(value: Any, kind: pa.DataType) -> Any:
    """A document (or part) shaped for ``kind``: numbers written as text where the column is text."""
    if value is None:
        return None
    if pa.types.is_struct(kind):
        if not isinstance(value, dict):
            return value
        return {kind.field(i).name: to_row(value.get(kind.field(i).name), kind.field(i).type)
                for i in range(kind.num_fields)}
    if pa.types.is_list(kind):
        return [to_row(item, kind.value_type) for item in value] if isinstance(value, list) else value
    if pa.types.is_string(kind) and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return value


def from_row(value: Any) -> Any:
    """A row read back as a facts document: null fields dropped (an absent fact)."""
    if isinstance(value, dict):
        return {key: from_row(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [from_row(item) for item in value]
    return value
