from __future__ import annotations

import json
from pathlib import Path

import pytest

from closure_policy.tester import load_suite
from closure_policy.tester.merge_patch import merge_patch
from tests.conftest import BASE


@pytest.fixture(scope="module")
def policy(fixture_policy):
    return fixture_policy


def _suite(tmp_path: Path, policy, body: str):
    path = tmp_path / "suite.yaml"
    path.write_text(body, encoding="utf-8")
    return load_suite(path, policy, "suite.yaml")


def _problems(suite) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.check) for p in suite.problems]


def test_a_valid_suite_gives_cases_with_lines(tmp_path, policy):
    (tmp_path / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    suite = _suite(tmp_path, policy, """fixtures:
  ready: {file: ready.json}
cases:
  - name: one
    query: gate
    base: ready
    patch: {balance: {available: "3"}, users: null}
    expect: {outcome: deny}
""")
    assert suite.problems == []
    (case,) = suite.cases
    assert (case.node_id, case.line) == ("suite.yaml::one", 4)
    assert case.facts["balance"]["available"] == "3" and "users" not in case.facts


@pytest.mark.parametrize("body,expected", [
    # schema: an unknown key in expect
    ("cases:\n  - name: a\n    query: gate\n    facts: {}\n    expect: {outcom: deny}\n",
     [(5, 14, "schema")]),
    # unknown query
    ("cases:\n  - name: a\n    query: close_acount\n    facts: {}\n    expect: {outcome: deny}\n",
     [(3, 12, "unknown-query")]),
    # unknown rule id in violations
    ("cases:\n  - name: a\n    query: gate\n    facts: {}\n    expect:\n      violations: [gate.no-pendng]\n",
     [(6, 20, "unknown-rule")]),
    # unknown outcome
    ("cases:\n  - name: a\n    query: route\n    facts: {}\n    expect: {outcome: allow}\n",
     [(5, 23, "unknown-outcome")]),
    # unknown fixture
    ("cases:\n  - name: a\n    query: gate\n    base: nope\n    expect: {outcome: deny}\n",
     [(4, 11, "unknown-fixture")]),
    # duplicate case names
    ("cases:\n  - {name: a, query: gate, facts: {}, expect: {outcome: deny}}\n"
     "  - {name: a, query: gate, facts: {}, expect: {outcome: allow}}\n",
     [(3, 12, "duplicate-case")]),
    # a rule of another query
    ("cases:\n  - name: a\n    query: route\n    facts: {}\n    expect:\n"
     "      message_contains: {gate.no-pending: x}\n", [(6, 26, "unknown-rule")]),
    # a duplicate YAML key
    ("cases:\n  - name: a\n    query: gate\n    query: route\n    facts: {}\n    expect: {outcome: deny}\n",
     [(4, 5, "duplicate-key")]),
])
def test_broken_suites_are_reported_with_line_and_column(tmp_path, policy, body, expected):
    assert _problems(_suite(tmp_path, policy, body)) == expected


def test_missing_fixture_file(tmp_path, policy):
    suite = _suite(tmp_path, policy, "fixtures:\n  x: {file: nowhere.json}\ncases:\n"
                                     "  - {name: a, query: gate, base: x, expect: {outcome: deny}}\n")
    assert [p.check for p in suite.problems] == ["fixture", "unknown-fixture"]
    assert suite.problems[0].line == 2


@pytest.mark.parametrize("target,patch,result", [
    ({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}}, {"a": 1, "b": {"d": 3, "e": 4}}),
    ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
    ({"a": 1}, {"a": {"b": 2}}, {"a": {"b": 2}}),
    ({"a": {"b": 2}}, {"a": 1}, {"a": 1}),
    ({}, {"a": None}, {}),
])
def test_merge_patch_follows_rfc_7386(target, patch, result):
    before = repr(target)
    assert merge_patch(target, patch) == result
    assert repr(target) == before
