"""The pytest plugin, run in a scratch project with pytester."""
from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT

CASES = """fixtures:
  ready: {file: fixtures/ready.json}
cases:
  - name: ready to close
    query: close_account
    base: ready
    expect: {outcome: allow}
  - name: pending funds
    query: close_account
    base: ready
    patch: {balance: {pending: "5"}}
    expect: {outcome: allow}
"""


@pytest.fixture
def project(pytester: pytest.Pytester):
    policy = pytester.path / "tests" / "policy"
    (policy / "fixtures").mkdir(parents=True)
    shutil.copy(ROOT / "tests/policy/fixtures/ready.json", policy / "fixtures")
    (policy / "close_account.yaml").write_text(CASES, encoding="utf-8")
    return pytester


def test_each_case_is_an_item_with_a_stable_node_id(project):
    result = project.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["tests/policy/close_account.yaml::ready to close",
                                 "tests/policy/close_account.yaml::pending funds"])


def test_a_failing_case_shows_the_diff_and_trace(project):
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAIL tests/policy/close_account.yaml:8: pending funds [[]compiled[]]*",
                                 '*expected: "allow"*', '*actual:   "deny"*',
                                 "*funds.no-pending (*): fired*", "*✓ balance.pending > 0*"])


def test_k_selects_cases(project):
    project.runpytest("-k", "ready").assert_outcomes(passed=1, deselected=1)


def test_a_broken_suite_is_a_collection_error_with_its_place(project):
    (project.path / "tests/policy/close_account.yaml").write_text(
        CASES.replace("query: close_account\n    base: ready\n    expect",
                      "query: close_acount\n    base: ready\n    expect", 1), encoding="utf-8")
    result = project.runpytest()
    result.stdout.fnmatch_lines(["*tests/policy/close_account.yaml:5:12: unknown query 'close_acount'*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_the_file_pattern_is_configurable(project):
    (project.path / "pyproject.toml").write_text('[tool.pytest.ini_options]\nclosure_policy_files = ["none/*.yaml"]\n',
                                                 encoding="utf-8")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_other_yaml_files_are_left_alone(project):
    (project.path / "config.yaml").write_text("a: 1\n", encoding="utf-8")
    project.runpytest("-q").assert_outcomes(passed=1, failed=1)
