from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET


from closure_policy.cli.main import main
from tests.conftest import ROOT

READY = ROOT / "tests/policy/fixtures/ready.json"


def _suite(tmp_path: Path, cases: str, name: str = "suite.yaml") -> str:
    path = tmp_path / name
    path.write_text(f"fixtures:\n  ready: {{file: {READY}}}\ncases:\n{cases}", encoding="utf-8")
    return str(path)


PASSING = "  - {name: ready, query: close_account, base: ready, expect: {outcome: allow}}\n"
FAILING = ("  - name: wrong\n    query: close_account\n    base: ready\n"
           "    patch: {balance: {pending: \"1\"}}\n    expect: {outcome: allow}\n")


def test_the_projects_suites_pass_with_full_coverage(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["test", "--coverage", "--fail-under", "100"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "coverage: 100.00%"
    passed = int(out[-1].split()[0])
    assert out[-1] == f"{passed} passed, 0 failed" and passed >= 60


def test_a_failing_case_shows_file_line_diff_and_trace(capsys, tmp_path):
    path = _suite(tmp_path, PASSING + FAILING)
    assert main(["test", path]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {path}:5: wrong [compiled]" in out
    assert 'expected: "allow"' in out and 'actual:   "deny"' in out
    assert re.search(r"funds\.no-pending \(\S*close_account\.yaml:\d+:\d+\): fired", out)
    assert "✓ balance.pending > 0" in out
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_no_case_run_is_a_failure(capsys, tmp_path):
    path = _suite(tmp_path, PASSING)
    assert main(["test", path, "-k", "nothing-matches"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "0 passed, 0 failed"


def test_k_selects_cases(capsys, tmp_path):
    path = _suite(tmp_path, PASSING + FAILING)
    assert main(["test", path, "-k", "ready"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"


def test_an_invalid_test_file_exits_2_with_its_place(capsys, tmp_path):
    path = _suite(tmp_path, "  - {name: x, query: close_account, base: ready, expect: {violations: [no.such-rule]}}\n")
    assert main(["test", path]) == 2
    assert f"{path}:4:" in capsys.readouterr().err


def test_fail_under(capsys, tmp_path):
    path = _suite(tmp_path, PASSING)
    assert main(["test", path, "--fail-under", "50"]) == 1
    captured = capsys.readouterr()
    assert "below --fail-under 50%" in captured.err
    assert "untested rules: actions.reject-after-closure" in captured.out


def test_json_format_includes_coverage(capsys, tmp_path):
    path = _suite(tmp_path, PASSING + FAILING)
    assert main(["test", path, "--format", "json", "--coverage"]) == 1
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert (out["passed"], out["failed"]) == (1, 1)
    wrong = next(c for c in out["cases"] if c["name"] == "wrong")
    assert wrong["backends"]["compiled"]["mismatches"] == [{"field": "outcome", "expected": "allow", "actual": "deny"}]
    assert 0 < out["coverage"]["percent"] < 100
    rows = {r["rule"]: r for r in out["coverage"]["rules"]}
    assert rows["funds.no-pending"]["fired"] and rows["funds.no-pending"]["not_fired"]
    assert not rows["closure.irreversible"]["fired"]
    assert captured.err.strip() == "1 passed, 1 failed"


def test_junit_format(capsys, tmp_path):
    path = _suite(tmp_path, PASSING + FAILING)
    report = tmp_path / "junit.xml"
    assert main(["test", path, "--format", "junit", "--output", str(report)]) == 1
    root = ET.parse(report).getroot()
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["wrong"]
    assert "outcome differs" in failed[0].find("failure").get("message")


def test_tests_run_against_another_rule_folder(capsys, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "close_account.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('balance.pending, op: ">"', 'balance.pending, op: "<"'),
                    encoding="utf-8")
    assert main(["test", str(ROOT / "tests/policy/close_account.yaml"), "--rules", str(rules)]) == 1
    assert "step 2 - pending funds block the closure" in capsys.readouterr().out
