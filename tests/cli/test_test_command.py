from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

from closure_policy import load_policy
from closure_policy.cli.main import main
from tests.conftest import BASE, FIXTURE_RULES, ROOT

RULES = ["--rules", str(FIXTURE_RULES)]


def _suite(tmp_path: Path, cases: str, name: str = "suite.yaml") -> str:
    (tmp_path / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    path = tmp_path / name
    path.write_text(f"fixtures:\n  ready: {{file: ready.json}}\ncases:\n{cases}", encoding="utf-8")
    return str(path)


PASSING = "  - {name: ready, query: gate, base: ready, expect: {outcome: allow}}\n"
FAILING = ("  - name: wrong\n    query: gate\n    base: ready\n"
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
    assert main(["test", path, *RULES]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {path}:5: wrong\n" in out and out.count("FAIL") == 1  # both backends failed alike: once, unnamed
    assert 'expected: "allow"' in out and 'actual:   "deny"' in out
    assert re.search(r"gate\.no-pending \(\S*gate\.yaml:\d+:\d+\): fired", out)
    assert "✓ balance.pending > 0" in out
    assert "did not fire" not in out  # the outcome differs: only the rules that fired are traced
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_backends_that_fail_differently_are_each_named(tmp_path):
    from closure_policy.tester.report import format_failures
    from closure_policy.tester.runner import CaseResult, Mismatch
    from closure_policy.tester.suite import Case

    case = Case("c", "s.yaml", 3, "gate", {}, {"outcome": "allow"})
    alike = [CaseResult(case, b, [Mismatch("outcome", "allow", "deny")]) for b in ("compiled", "rete")]
    assert format_failures(alike).count("FAIL") == 1 and "[" not in format_failures(alike).splitlines()[0]
    apart = [CaseResult(case, "compiled", [Mismatch("outcome", "allow", "deny")]), CaseResult(case, "rete")]
    assert format_failures(apart).splitlines()[0] == "FAIL s.yaml:3: c [compiled]"
    assert "rete" not in format_failures(apart)  # the backend that passed is not shown


def test_no_case_run_is_a_failure(capsys, tmp_path):
    path = _suite(tmp_path, PASSING)
    assert main(["test", path, "-k", "nothing-matches", *RULES]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "0 passed, 0 failed"


def test_k_selects_cases(capsys, tmp_path):
    path = _suite(tmp_path, PASSING + FAILING)
    assert main(["test", path, "-k", "ready", *RULES]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"


def test_an_invalid_test_file_exits_2_with_its_place(capsys, tmp_path):
    path = _suite(tmp_path, "  - {name: x, query: gate, base: ready, expect: {violations: [no.such-rule]}}\n")
    assert main(["test", path, *RULES]) == 2
    assert f"{path}:4:" in capsys.readouterr().err


def test_fail_under(capsys, tmp_path):
    path = _suite(tmp_path, PASSING)
    assert main(["test", path, "--fail-under", "50", *RULES]) == 1
    captured = capsys.readouterr()
    assert "below --fail-under 50%" in captured.err
    assert "untested rules: route.day, route.dead" in captured.out


def test_json_format_includes_coverage(capsys, tmp_path):
    path = _suite(tmp_path, PASSING + FAILING)
    assert main(["test", path, "--format", "json", "--coverage", *RULES]) == 1
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert (out["passed"], out["failed"]) == (1, 1)
    wrong = next(c for c in out["cases"] if c["name"] == "wrong")
    assert wrong["backends"]["compiled"]["mismatches"] == [{"field": "outcome", "expected": "allow", "actual": "deny"}]
    assert 0 < out["coverage"]["percent"] < 100
    rows = {r["rule"]: r for r in out["coverage"]["rules"]}
    assert rows["gate.no-pending"]["fired"] and rows["gate.no-pending"]["not_fired"]
    assert not rows["route.dead"]["fired"]
    assert captured.err.splitlines() == [f"testing {FIXTURE_RULES}: fixture {load_policy(FIXTURE_RULES).revision}",
                                         "1 passed, 1 failed"]


def test_junit_format(capsys, tmp_path):
    path = _suite(tmp_path, PASSING + FAILING)
    report = tmp_path / "junit.xml"
    assert main(["test", path, "--format", "junit", "--output", str(report), *RULES]) == 1
    root = ET.parse(report).getroot()
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["wrong"]
    assert "outcome differs" in failed[0].find("failure").get("message")


def test_tests_run_against_another_rule_folder(capsys, tmp_path):
    suite = _suite(tmp_path, PASSING + FAILING.replace("outcome: allow", "outcome: deny"))
    assert main(["test", suite, *RULES]) == 0
    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    path = rules / "gate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('balance.pending, op: ">"', 'balance.pending, op: "<"'),
                    encoding="utf-8")
    assert main(["test", suite, "--rules", str(rules)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_an_unavailable_backend_is_named_not_skipped_silently(capsys, tmp_path, monkeypatch):
    from closure_policy import evaluate

    broken = evaluate.BackendSpec("rete", lambda: "durable-rules is broken here", evaluate.BACKENDS["rete"].build)
    monkeypatch.setitem(evaluate.BACKENDS, "rete", broken)
    assert main(["test", _suite(tmp_path, PASSING), *RULES]) == 0
    captured = capsys.readouterr()
    assert "rete: unavailable (durable-rules is broken here), skipped" in captured.err
    assert captured.out.splitlines()[-1] == "1 passed, 0 failed"
