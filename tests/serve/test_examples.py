"""What the playground offers to start from: the policy's example files as written, then its suites' cases."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from closure_policy import limits, load_policy
from closure_policy.serve.examples import example_files, examples
from tests.conftest import document


def _policy_with(rules: Path, files: dict[str, bytes]):
    folder = rules.parent / "examples"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return load_policy(rules)


def test_example_files_are_offered_as_written_in_name_order(rules):
    written = '{\n  "as_of": "2026-01-01T00:00:00Z",   "note": "spacing kept",\n  "amount": 1.10\n}\n'
    policy = _policy_with(rules, {"b.json": written.encode(), "a.json": json.dumps(document()).encode()})
    found = example_files(policy)
    assert [f["name"] for f in found] == ["a.json", "b.json"]
    assert found[1]["text"] == written  # not re-serialized: 1.10 stays 1.10, the spacing stays


def test_files_that_are_not_facts_documents_are_left_out(rules):
    policy = _policy_with(rules, {
        "array.json": b"[1, 2]", "broken.json": b'{"a": ', "latin1.json": '{"a": "é"}'.encode("latin-1"),
        "repeated.json": b'{"a": 1, "a": 2}', "nan.json": b'{"a": NaN}', "notes.txt": b"{}",
        "deep.json": b'{"a": ' + b"[" * (limits.MAX_JSON_DEPTH + 1) + b"]" * (limits.MAX_JSON_DEPTH + 1) + b"}",
        "large.json": b'{"a": "' + b"x" * limits.MAX_PLAYGROUND_EXAMPLE_BYTES + b'"}',
        "good.json": b'{"as_of": "2026-01-01T00:00:00Z"}'})
    assert [f["name"] for f in example_files(policy)] == ["good.json"]


def test_there_are_no_files_without_an_examples_folder_and_at_most_the_limit_with_one(rules):
    assert example_files(load_policy(rules)) == []
    many = {f"{i:03}.json": b"{}" for i in range(limits.MAX_PLAYGROUND_EXAMPLES + 3)}
    assert len(example_files(_policy_with(rules, many))) == limits.MAX_PLAYGROUND_EXAMPLES


def test_suite_cases_are_offered_with_their_question_and_a_broken_suite_offers_none(rules):
    suites = rules.parent / "tests" / "policy"
    suites.mkdir(parents=True)
    case = {"name": "clean", "query": "gate", "facts": document(), "expect": {"outcome": "allow"}}
    (suites / "a.yaml").write_text(yaml.safe_dump({"rules": "../../rules", "cases": [case]}), encoding="utf-8")
    assert [(c["query"], c["name"]) for c in examples(load_policy(rules))] == [("gate", "clean")]
    (suites / "b.yaml").write_text("cases: [", encoding="utf-8")
    assert examples(load_policy(rules)) == []
