"""Stream cases (`events:`) in YAML suites: checked against the policy's stream, run through the stream the
CLI runs, on every backend, over the fixture policy's own stream (tests/fixture_rules/stream.yaml)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from closure_policy.cli.main import main
from tests.conftest import BASE, FIXTURE_RULES

RULES = ["--rules", str(FIXTURE_RULES)]
CLOSED = '{type: account.closed, payload: {closed_at: "2026-11-26T09:30:00Z"}}'
PENDING = '{type: balance.updated, payload: {balance: {pending: "5"}}}'
CLICK = '{type: link.clicked, payload: {click: {link_id: L-1, clicked_at: "2026-11-26T09:00:00Z"}}}'
GOOD = f"""
  - name: pending funds block, a click goes, closing is final
    base: ready
    events:
      - {PENDING}
      - {CLICK}
      - {CLOSED}
    expect:
      emitted:
        - {{event: 0, state: clear, query: gate, outcome: allow, violations: []}}
        - {{event: 1, state: blocked, query: gate, outcome: deny, violations: [gate.no-pending]}}
        - {{event: 2, state: blocked, query: route, outcome: go}}
        - {{event: 3, state: closed, query: route}}
      state: closed
      facts:
        account: {{status: closed, closed_at: "2026-11-26T09:30:00Z"}}
        balance: {{pending: "5"}}
        contracts: []
"""


def _suite(tmp_path: Path, cases: str) -> str:
    (tmp_path / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    path = tmp_path / "stream.yaml"
    path.write_text(f"fixtures:\n  ready: {{file: ready.json}}\ncases:\n{cases}", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_a_stream_case_passes_on_each_backend(tmp_path, capsys, backend):
    assert main(["test", _suite(tmp_path, GOOD), *RULES, "--backend", backend]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"


@pytest.mark.parametrize("change, field", [
    ("state: closed\n", "state: blocked\n"),
    ("event: 2, state: blocked, query: route, outcome: go", "event: 2, state: blocked, query: route, outcome: dead"),
    ("violations: [gate.no-pending]", "violations: []"),
    ("balance: {pending: \"5\"}", "balance: {pending: \"0\"}"),
    ("        - {event: 3, state: closed, query: route}\n", ""),
])
def test_each_expectation_can_fail_and_shows_its_diff(tmp_path, capsys, change, field):
    case = GOOD.replace(change, field, 1)
    assert case != GOOD
    assert main(["test", _suite(tmp_path, case), *RULES]) == 1
    out = capsys.readouterr().out
    assert "FAIL " in out and "expected" in out and out.splitlines()[-1] == "0 passed, 1 failed"


def test_a_refused_event_fails_a_case_unless_expected(tmp_path, capsys):
    other = '{type: account.snapshot, payload: {facts: {account: {id: P-9}}}}'
    refused = GOOD.replace(f"      - {CLICK}\n", f"      - {other}\n", 1)
    assert main(["test", _suite(tmp_path, refused), *RULES]) == 1
    assert "refused:" in capsys.readouterr().out
    expected = refused.replace("      state: closed\n", "      state: closed\n      refused: [2]\n").replace(
        "        - {event: 2, state: blocked, query: route, outcome: go}\n", "")
    assert main(["test", _suite(tmp_path, expected), *RULES]) == 0


@pytest.mark.parametrize("case, message, check", [
    (GOOD.replace("type: link.clicked", "type: link.clickd"), "the stream declares no event 'link.clickd'",
     "unknown-event"),
    (GOOD.replace("state: closed\n", "state: shut\n"), "'shut' is not a state of the stream", "unknown-state"),
    (GOOD.replace("query: route, outcome: go", "query: rout, outcome: go"), "unknown query 'rout'", "unknown-query"),
    (GOOD.replace("query: route, outcome: go", "query: route, outcome: went"), "'went' is not an outcome of route",
     "unknown-outcome"),
    (GOOD.replace("violations: [gate.no-pending]", "violations: [gate.no-pendng]"), "'gate.no-pendng' is not a rule",
     "unknown-rule"),
    (GOOD.replace("base: ready", "base: steady"), "unknown fixture 'steady'", "unknown-fixture"),
    (GOOD.replace("    base: ready\n", ""), "name the account (account:)", "unknown-event"),
])
def test_a_stream_case_naming_what_the_stream_lacks_is_refused_at_its_place(tmp_path, capsys, case, message, check):
    path = _suite(tmp_path, case)
    assert main(["test", path, *RULES]) == 2
    err = capsys.readouterr().err
    assert message in err and f"({check})" in err and f"{path}:" in err


def test_rules_without_a_stream_refuse_a_stream_case(tmp_path, capsys):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    (rules / "stream.yaml").unlink()
    assert main(["test", _suite(tmp_path, GOOD), "--rules", str(rules)]) == 2
    assert "declare no stream" in capsys.readouterr().err


def test_eval_case_refuses_a_stream_case_by_name(tmp_path, capsys):
    path = _suite(tmp_path, GOOD)
    assert main(["eval", "--case", f"{path}::pending funds block, a click goes, closing is final", *RULES]) == 2
    assert "is a stream case (events): run it with closure-policy test" in capsys.readouterr().err


def test_the_pytest_plugin_collects_stream_cases(pytester):
    policy = pytester.path / "tests" / "policy"
    policy.mkdir(parents=True)
    (policy / "ready.json").write_text(json.dumps(BASE), encoding="utf-8")
    (policy / "stream.yaml").write_text(f"fixtures:\n  ready: {{file: ready.json}}\ncases:\n{GOOD}", encoding="utf-8")
    shutil.copytree(FIXTURE_RULES, pytester.path / "rules")
    pytester.makeini("[pytest]\nclosure_policy_rules = rules\n")
    pytester.runpytest().assert_outcomes(passed=1)
    broken = GOOD.replace("outcome: go", "outcome: dead")
    (policy / "stream.yaml").write_text(f"fixtures:\n  ready: {{file: ready.json}}\ncases:\n{broken}", encoding="utf-8")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*FAIL tests/policy/stream.yaml:5: pending funds block*", "*emitted:*"])


def test_coverage_counts_the_parts_of_the_stream_a_case_reaches(tmp_path, capsys):
    assert main(["test", _suite(tmp_path, GOOD), *RULES, "--coverage", "--format", "json"]) == 0
    stream = {part["part"]: part["reached"] for part in json.loads(capsys.readouterr().out)["coverage"]["stream"]}
    reached = {part for part, seen in stream.items() if seen}
    assert {"event account.snapshot", "event balance.updated", "event link.clicked", "event account.closed",
            "transition 1: blocked, clear -> closed", "transition 2: blocked -> clear"} <= reached
    assert "event contract.expired" in stream and "event contract.expired" not in reached
    assert "reopen" in stream and "reopen" not in reached
    assert main(["test", _suite(tmp_path, GOOD), *RULES, "--coverage"]) == 0
    out = capsys.readouterr().out
    assert f"stream: {len(reached)}/{len(stream)} parts reached" in out
    assert "  event contract.expired at " in out and "stream.yaml:8: no case reaches it" in out
