"""Which rules a run tests (``rules:`` in a suite, ``./rules``), and ``eval --case`` replaying a case."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from closure_policy import load_policy
from closure_policy.cli.main import main
from tests.conftest import BASE, FIXTURE_RULES

CASES = """cases:
  - {name: ready, query: gate, base: ready, expect: {outcome: allow}}
  - name: pending money
    query: gate
    base: ready
    lang: zh
    patch: {balance: {pending: "1"}}
    expect: {outcome: deny, violations: [gate.no-pending]}
  - name: a typo in the patch
    query: gate
    base: ready
    patch: {balance: {overdu: "1"}}
    expect: {error: [/balance/overdu]}
"""


def _suite(folder: Path, rules: str | None = None) -> Path:
    (folder / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    head = f"rules: {rules}\n" if rules else ""
    path = folder / "suite.yaml"
    path.write_text(f"{head}fixtures:\n  ready: {{file: ready.json}}\n{CASES}", encoding="utf-8")
    return path


def test_a_suite_names_the_rules_it_tests_relative_to_itself(tmp_path, monkeypatch, capsys):
    suite = _suite(tmp_path, os.path.relpath(FIXTURE_RULES, tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["test", str(suite)]) == 0
    captured = capsys.readouterr()
    revision = load_policy(FIXTURE_RULES).revision
    assert f"testing {FIXTURE_RULES}: fixture {revision}" in captured.err
    assert captured.out.splitlines()[-1] == "3 passed, 0 failed"


def test_a_folder_with_its_own_rules_tests_them_not_the_bundled_ones(tmp_path, monkeypatch, capsys):
    shutil.copytree(FIXTURE_RULES, tmp_path / "rules")
    suite = _suite(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["test", str(suite)]) == 0
    assert "testing rules: fixture sha256:" in capsys.readouterr().err


def test_suites_that_name_different_rules_are_refused(tmp_path, capsys):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    shutil.copytree(FIXTURE_RULES, tmp_path / "other")
    _suite(one, os.path.relpath(FIXTURE_RULES, one))
    _suite(two, "../other")
    assert main(["test", str(one), str(two)]) == 2
    assert "the suites name different rule folders" in capsys.readouterr().err


def test_eval_case_decides_exactly_the_facts_the_case_builds(tmp_path, capsys):
    suite = _suite(tmp_path, os.path.relpath(FIXTURE_RULES, tmp_path))
    assert main(["eval", "--case", f"{suite}::'pending money'"]) == 0
    decision = json.loads(capsys.readouterr().out)
    facts = {**BASE, "balance": {**BASE["balance"], "pending": "1"}}
    assert decision == load_policy(FIXTURE_RULES).decide("gate", facts, lang="zh").to_dict()


def test_eval_case_explains_in_text(tmp_path, capsys):
    suite = _suite(tmp_path, os.path.relpath(FIXTURE_RULES, tmp_path))
    assert main(["eval", "--case", f"{suite}::pending money", "--lang", "en", "--explain", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert '✓ balance.pending > 0   ["1" vs "0"]' in out


def test_a_patch_that_makes_the_facts_invalid_says_so_with_a_suggestion(tmp_path, capsys):
    suite = _suite(tmp_path, os.path.relpath(FIXTURE_RULES, tmp_path))
    assert main(["eval", "--case", f"{suite}::a typo in the patch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("the patch makes the facts invalid: /balance/overdu: unknown key")
    assert "overdue" in err and "null" not in err


@pytest.mark.parametrize("spec,message", [
    ("{suite}::pending mony", "has no case 'pending mony'; did you mean 'pending money'?"),
    ("{suite}", "write FILE::NAME"),
    ("{tmp}/missing.yaml::x", "no such test suite"),
])
def test_eval_case_mistakes_are_exit_2(tmp_path, capsys, spec, message):
    suite = _suite(tmp_path, os.path.relpath(FIXTURE_RULES, tmp_path))
    assert main(["eval", "--case", spec.format(suite=suite, tmp=tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_eval_case_refuses_a_different_query(tmp_path, capsys):
    suite = _suite(tmp_path, os.path.relpath(FIXTURE_RULES, tmp_path))
    assert main(["eval", "--case", f"{suite}::ready", "-q", "route"]) == 2
    assert "differs from the case's query gate" in capsys.readouterr().err
