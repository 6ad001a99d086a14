"""A facts schema's references are followed in one place (facts/refs.py), to its own $defs only."""
from __future__ import annotations

import pytest

from closure_policy.facts.refs import Refs
from closure_policy.facts.types import UnsupportedSchema, fact_types

SCHEMA = {"type": "object", "$defs": {"money": {"type": "string", "x-kind": "money"}, "a/b": {"type": "integer"},
                                      "box": {"inner": {"type": "boolean"}}},
          "properties": {"fee": {"$ref": "#/$defs/money"}, "odd": {"$ref": "#/$defs/a~1b"}}}


def test_a_reference_to_an_entry_of_defs_is_followed():
    refs = Refs(SCHEMA)
    assert refs.target("#/$defs/money") == SCHEMA["$defs"]["money"]
    assert refs.target("#/$defs/a~1b") == {"type": "integer"}  # a JSON Pointer: ~1 is "/"
    types = fact_types(SCHEMA)
    assert (types.properties["fee"].kind, types.properties["odd"].kind) == ("money", "integer")


@pytest.mark.parametrize("ref", ["#/$defs/missing", "#/properties/fee", "other.json#/$defs/money", "#/$defs/box/inner",
                                 "#/$defs/", 7])
def test_any_other_reference_is_refused_at_its_pointer(ref):
    with pytest.raises(LookupError):
        Refs(SCHEMA).target(ref)
    schema = {**SCHEMA, "properties": {"x": {"$ref": ref}}}
    with pytest.raises(UnsupportedSchema) as caught:
        fact_types(schema)
    assert caught.value.pointer == "/properties/x/$ref"
    assert "names an entry of this schema's $defs" in caught.value.reason
