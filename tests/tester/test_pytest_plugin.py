"""The pytest plugin, run in a scratch project with pytester."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import BASE, FIXTURE_RULES

CASES = """fixtures:
  ready: {file: fixtures/ready.json}
cases:
  - name: ready to close
    query: gate
    base: ready
    expect: {outcome: allow}
  - name: pending funds
    query: gate
    base: ready
    patch: {balance: {pending: "5"}}
    expect: {outcome: allow}
"""


@pytest.fixture
def project(pytester: pytest.Pytester):
    policy = pytester.path / "tests" / "policy"
    (policy / "fixtures").mkdir(parents=True)
    (policy / "fixtures" / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    (policy / "gate.yaml").write_text(CASES, encoding="utf-8")
    shutil.copytree(FIXTURE_RULES, pytester.path / "rules")
    pytester.makeini("[pytest]\nclosure_policy_rules = rules\n")
    return pytester


def test_each_case_is_an_item_with_a_stable_node_id(project):
    result = project.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["tests/policy/gate.yaml::ready to close",
                                 "tests/policy/gate.yaml::pending funds"])


def test_a_failing_case_shows_the_diff_and_trace(project):
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    assert "[compiled]" not in result.stdout.str()  # both backends failed alike: shown once, no backend named
    result.stdout.fnmatch_lines(["*FAIL tests/policy/gate.yaml:8: pending funds",
                                 '*expected: "allow"*', '*actual:   "deny"*',
                                 "*gate.no-pending (*): fired*", "*✓ balance.pending > 0*"])


def test_k_selects_cases(project):
    project.runpytest("-k", "ready").assert_outcomes(passed=1, deselected=1)


def test_a_broken_suite_is_a_collection_error_with_its_place(project):
    (project.path / "tests/policy/gate.yaml").write_text(
        CASES.replace("query: gate\n    base: ready\n    expect",
                      "query: gaet\n    base: ready\n    expect", 1), encoding="utf-8")
    result = project.runpytest()
    result.stdout.fnmatch_lines(["*tests/policy/gate.yaml:5:12: unknown query 'gaet'*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_the_file_pattern_is_configurable(project):
    project.makeini("[pytest]\nclosure_policy_rules = rules\nclosure_policy_files = none/*.yaml\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_other_yaml_files_are_left_alone(project):
    (project.path / "config.yaml").write_text("a: 1\n", encoding="utf-8")
    project.runpytest("-q").assert_outcomes(passed=1, failed=1)


def test_a_suite_that_names_its_rules_is_run_against_them(project):
    # no ini option: without the key, the suite would run against the bundled rules and fail to load (no "gate")
    (project.path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    path = project.path / "tests/policy/gate.yaml"
    path.write_text("rules: ../../rules\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    project.runpytest().assert_outcomes(passed=1, failed=1)
