"""A policy's own facts schema (``policy.facts_schema``): read, checked at its place, and part of the policy."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from closure_policy import InvalidFacts, check_rules, load_policy
from tests.conftest import BASE, changed_rules

SCHEMA = "facts.schema.json"


def _problems(rules: Path) -> list[tuple[str, int, int, str, str]]:
    return [(Path(p.file).name, p.line, p.column, p.check, p.message) for p in check_rules(rules).problems]


def _schema(rules: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((rules / SCHEMA).read_text(encoding="utf-8"))
    return loaded


def _write(rules: Path, document: Any) -> None:
    (rules / SCHEMA).write_text(json.dumps(document, indent=1), encoding="utf-8")


def test_a_missing_schema_is_a_problem_at_the_policy_line_that_names_it(tmp_path):
    rules = changed_rules(tmp_path, "policy.yaml", "facts_schema: facts.schema.json", "facts_schema: nowhere.json")
    line = next(i for i, text in enumerate((rules / "policy.yaml").read_text().splitlines(), 1) if "nowhere" in text)
    [(file, at, column, check, message)] = _problems(rules)
    assert (file, at, column, check) == ("policy.yaml", line, 17, "facts-schema")
    assert "nowhere.json" in message and "No such file" in message


def test_a_schema_that_is_not_json_is_a_problem_at_its_line_and_column(tmp_path):
    rules = changed_rules(tmp_path)
    (rules / SCHEMA).write_text('{\n  "type": "object",\n  "properties": {,}\n}\n', encoding="utf-8")
    assert [p[:4] for p in _problems(rules)] == [(SCHEMA, 3, 18, "facts-schema")]


@pytest.mark.parametrize("change,words", [
    (lambda s: s.update(type="array"), "must be an object schema"),
    (lambda s: s["properties"]["balance"].update(type="money"), "not a valid JSON Schema (draft 2020-12) at "
                                                                "/properties/balance/type"),
    (lambda s: s["properties"]["as_of"].update({"$ref": "#/$defs/nothing"}), "at /properties/as_of/$ref: a $ref "
                                                                           "names an entry of this schema's $defs"),
    (lambda s: s["$defs"].update(id={"$ref": "#/$defs/id"}), "$defs/id refers to itself"),
    (lambda s: s["$defs"]["money"].update({"x-kind": "euro"}), "x-kind is one of money, timestamp, timezone"),
    (lambda s: s["properties"].update(flag=True), "at /properties/flag: a boolean schema"),
    (lambda s: s["properties"].update(pair={"type": ["string", "integer"]}), "give each fact one type"),
])
def test_a_schema_the_engine_cannot_use_is_one_problem_and_nothing_else(tmp_path, change, words):
    rules = changed_rules(tmp_path)
    schema = _schema(rules)
    change(schema)
    _write(rules, schema)
    [(file, line, column, check, message)] = _problems(rules)  # no cascade of unknown fact paths
    assert (file, check) == (SCHEMA, "facts-schema")
    assert words in message


def test_a_duplicate_key_and_a_bomb_of_nesting_are_refused(tmp_path):
    rules = changed_rules(tmp_path)
    (rules / SCHEMA).write_text('{"type": "object", "type": "object"}', encoding="utf-8")
    assert "the key 'type' twice" in _problems(rules)[0][4]
    (rules / SCHEMA).write_text('{"type": "object", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    assert [p[3] for p in _problems(rules)] == ["limit"]
    (rules / SCHEMA).write_text('{"type": "object", "x": ' + "[" * 70 + "]" * 70 + "}", encoding="utf-8")
    assert "nests deeper than 64 levels" in _problems(rules)[0][4]


def test_an_absolute_schema_path_is_refused_by_the_rules_schema(tmp_path):
    rules = changed_rules(tmp_path, "policy.yaml", "facts_schema: facts.schema.json",
                          f"facts_schema: {os.path.abspath(tmp_path / 'rules' / SCHEMA)}")
    assert [p[3] for p in _problems(rules)] == ["schema"]


def test_an_author_adds_a_fact_in_the_schema_alone_and_a_rule_reads_it(tmp_path):
    rules = changed_rules(tmp_path, "gate.yaml", "when: {fact: final_review.status, op: \"!=\", value: approved}",
                          "when: {fact: final_review.reviewer_count, op: \"<\", value: 2}")
    assert [p[3] for p in _problems(rules)] == ["unknown-fact"]
    schema = _schema(rules)
    schema["properties"]["final_review"]["properties"]["reviewer_count"] = {"type": "integer", "default": 0}
    _write(rules, schema)
    policy = load_policy(rules)
    assert policy.decide("gate", BASE).outcome == "deny"
    seen = {**BASE, "final_review": {"status": "approved", "reviewer_count": 2}}
    assert policy.decide("gate", seen).outcome == "allow"


def test_the_revision_covers_the_schema_and_the_policy_carries_it(tmp_path):
    rules = changed_rules(tmp_path)
    before = load_policy(rules)
    assert before.facts_schema_document() == _schema(rules)
    before.facts_schema_document()["properties"].clear()  # a copy: the policy's own is untouched
    assert before.facts_types.lookup(["balance", "available"]).kind == "money"
    schema = _schema(rules)
    schema["description"] = "changed"
    _write(rules, schema)
    assert load_policy(rules).revision != before.revision


def test_as_of_defaults_to_now_only_where_the_schema_declares_it(tmp_path):
    rules = changed_rules(tmp_path)
    facts = {k: v for k, v in BASE.items() if k != "as_of"}
    assert "as_of" in load_policy(rules).validate(facts)
    schema = _schema(rules)
    del schema["properties"]["as_of"]
    _write(rules, schema)
    policy = load_policy(rules)
    assert "as_of" not in policy.validate(facts)
    with pytest.raises(InvalidFacts):
        policy.decide("gate", BASE)  # as_of is no longer a fact of this policy


def test_a_schema_path_that_is_a_fifo_or_a_folder_is_refused_without_reading_it(tmp_path):
    rules = changed_rules(tmp_path)
    (rules / SCHEMA).unlink()
    os.mkfifo(rules / SCHEMA)  # opening it to read would wait for a writer for ever
    assert [(p[0], p[3]) for p in _problems(rules)] == [("policy.yaml", "facts-schema")]
    (rules / SCHEMA).unlink()
    (rules / SCHEMA).mkdir()
    assert "is not a file" in _problems(rules)[0][4]
