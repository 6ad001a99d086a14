"""The schemas themselves: valid 2020-12, documented, and referenced by every rule file."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import ROOT

SCHEMAS = sorted((ROOT / "schemas").glob("*.schema.json"))


def _properties(node: Any, path: str = "#") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}/properties/{name}", sub
        for key, value in node.items():
            yield from _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _properties(value, f"{path}/{i}")


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_schema_is_valid_and_identified(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(path.name) and schema["title"]


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_every_property_is_described(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    undocumented = [where for where, sub in _properties(schema)
                    if isinstance(sub, dict) and "description" not in sub and "$ref" not in sub]
    refs_without = [where for where, sub in _properties(schema)
                    if isinstance(sub, dict) and "$ref" in sub and "description" not in sub
                    and "description" not in _resolve(schema, sub["$ref"])]
    assert undocumented + refs_without == []


def _resolve(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = schema
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_rule_files_name_their_schema_for_editors(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/rules.schema.json"


@pytest.mark.parametrize("path", sorted((ROOT / "tests/policy").glob("*.yaml")), ids=lambda p: p.name)
def test_suites_name_their_schema_for_editors(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/tests.schema.json"


def test_each_caller_gets_a_schema_of_its_own():
    from closure_policy.resources import schema

    first = schema("decision")
    first["properties"]["changed"] = {}
    assert "changed" not in schema("decision")["properties"]


def test_the_rules_schema_lists_the_operators_of_the_one_operator_table():
    from closure_policy.resources import schema
    from closure_policy.semantics import OPERATORS

    assert schema("rules")["$defs"]["operator"]["enum"] == list(OPERATORS)
    for op in OPERATORS.values():  # negation and flipping are involutions, where they exist
        assert op.negation is None or OPERATORS[op.negation].negation == op.symbol
        assert op.flipped is None or OPERATORS[op.flipped].flipped == op.symbol
