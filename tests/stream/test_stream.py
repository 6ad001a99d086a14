"""Streaming mode: every emitted decision is the one-shot decision at that moment."""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from benchmarks.synthetic import events

from closure_policy import load_policy
from closure_policy.evaluate.lifecycle import PlainLifecycle
from closure_policy.evaluate.rete.lifecycle import ChartLifecycle
from closure_policy.stream import StreamError, StreamProcessor
from closure_policy.stream.replay import replay
from tests.conftest import READY, ROOT, copy_policy

pytest.importorskip("durable_rules_engine", reason="the stream's lifecycle runs on durable_rules")


def _event(kind: str, payload: dict[str, Any], account: str = "P-1001") -> str:
    return json.dumps({"account_id": account, "type": kind, "payload": payload})


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_replayed_decisions_equal_one_shot_evaluation(backend):
    processor = StreamProcessor(load_policy(backend=backend))
    result = replay(processor, events(4000, 300, seed=11, malformed=0.01))
    assert result.mismatches == 0
    assert result.outputs > 2000 and 20 <= result.skipped <= 80
    states = set(processor.lifecycle.states.values())
    assert {"open", "closure_requested", "under_review", "closed"} <= states


def test_more_accounts_than_durable_rules_sessions():
    # durable_rules' session table holds about a thousand; sessions are evicted and restored
    policy = load_policy(backend="rete")
    processor = StreamProcessor(policy, lifecycle=ChartLifecycle(policy.stream, live_limit=50))
    accounts = 1500
    for n in range(accounts):
        facts = {**READY, "account": {**READY["account"], "id": f"P-{n}"},
                 "support_tickets": [{"id": "T", "type": "close_account", "status": "open", "account_ids": [f"P-{n}"]}],
                 "final_review": {"status": "not_started"}}
        processor.feed(_event("account.snapshot", {"facts": facts}, f"P-{n}"), n + 1)
    assert processor.lifecycle.live == 50
    for n in range(accounts):  # every account comes back in the state it left
        processor.feed(_event("review.updated", {"status": "in_progress"}, f"P-{n}"), n + 1)
        if n % 2:
            processor.feed(_event("account.closed", {"closed_at": "2026-11-26T15:30:00Z"}, f"P-{n}"), n + 1)
    states = processor.lifecycle.states
    assert [states[f"P-{n}"] for n in range(4)] == ["under_review", "closed", "under_review", "closed"]
    assert set(states.values()) == {"under_review", "closed"}
    assert processor.lifecycle.live <= 50


def _flags(spec, closing: bool, ticket: bool, review: str) -> list[bool]:
    """Which transitions of the bundled declaration hold, from what they test."""
    holds = []
    for t in spec.transitions:
        if t.target == "closed":
            holds.append(closing)
        elif t.target == "open":
            holds.append(not ticket)
        elif t.target == "under_review":
            holds.append(ticket and review in ("in_progress", "approved"))
        else:
            holds.append(ticket and (review == "rejected" if "under_review" in t.sources else True))
    return holds


@pytest.mark.parametrize("kind", ["plain", "chart"])
def test_an_evicted_session_is_restored_in_its_state_and_both_lifecycles_agree(kind):
    spec = load_policy().stream
    life = PlainLifecycle(spec) if kind == "plain" else ChartLifecycle(spec, live_limit=1)
    assert life.step("A", _flags(spec, False, True, "in_progress")) == "under_review"
    assert life.step("B", _flags(spec, False, False, "not_started")) == "open"  # evicts A
    assert life.step("A", _flags(spec, False, True, "rejected")) == "closure_requested"  # from under_review
    assert life.step("B", _flags(spec, False, True, "not_started")) == "closure_requested"


@pytest.mark.parametrize("kind", ["plain", "chart"])
def test_the_lifecycle_follows_the_checklist(kind):
    spec = load_policy().stream
    life = PlainLifecycle(spec) if kind == "plain" else ChartLifecycle(spec)
    steps = [((False, False, "not_started"), "open"), ((False, True, "not_started"), "closure_requested"),
             ((False, True, "in_progress"), "under_review"), ((False, True, "rejected"), "closure_requested"),
             ((False, False, "rejected"), "open"), ((False, True, "approved"), "under_review"),
             ((True, True, "approved"), "closed"), ((False, False, "approved"), "closed")]
    for args, state in steps:
        assert life.step("A", _flags(spec, *args)) == state
    assert life.step("B", _flags(spec, True, False, "not_started")) == "closed"


def test_a_rule_folder_changes_the_lifecycle_without_python(tmp_path):
    """Another lifecycle, declared in YAML only: closing needs an approved review first."""
    rules = tmp_path / "rules"
    copy_policy(ROOT / "rules", rules)
    policy_file = rules / "policy.yaml"
    text = policy_file.read_text(encoding="utf-8")
    start, end = text.index("  lifecycle:\n"), text.index("    final:\n")
    policy_file.write_text(text[:start] + LIFECYCLE + text[end:], encoding="utf-8")
    for backend in ("compiled", "rete"):
        processor = StreamProcessor(load_policy(rules, backend=backend))
        lines = [_event("account.snapshot", {"facts": {**READY, "final_review": {"status": "in_progress"}}}),
                 _event("review.updated", {"status": "approved"}),
                 _event("review.updated", {"status": "rejected"})]
        states = [o.state for i, line in enumerate(lines, 1) for o in processor.feed(line, i)]
        assert states == ["waiting", "approved", "waiting"], backend
        assert processor.lifecycle.state("P-1001") == "waiting"


LIFECYCLE = """  lifecycle:
    start: waiting
    states: [waiting, approved, closed]
    transitions:
      - {from: [approved], to: closed, when: {use: account-closed}}
      - {from: [waiting], to: approved, when: {fact: final_review.status, op: "==", value: approved}}
      - {from: [approved], to: waiting, when: {fact: final_review.status, op: "!=", value: approved}}
"""


def test_closed_is_final_and_reopening_is_rejected():
    processor = StreamProcessor(load_policy())
    lines = [_event("account.snapshot", {"facts": READY}),
             _event("account.closed", {"closed_at": "2026-11-26T15:30:00Z"}),
             _event("review.updated", {"status": "rejected"}),
             _event("account.snapshot", {"facts": READY})]
    outs = [o for i, text in enumerate(lines, 1) for o in processor.feed(text, i)]
    assert [(o.line, o.decision.query, o.decision.outcome) for o in outs] == [
        (1, "close_account", "allow"), (2, "closure_effects", "effects"), (4, "reactivate_account", "deny")]
    assert outs[-1].decision.rule_ids == ["closure.irreversible"] and outs[-1].state == "closed"
    assert outs[1].decision.effects[-1] == {"type": "close_account", "irreversible": True, "data_recoverable": False}


def test_close_account_is_emitted_only_when_the_answer_changes():
    processor = StreamProcessor(load_policy())
    lines = [_event("account.snapshot", {"facts": {**READY, "final_review": {"status": "not_started"}}}),
             _event("review.updated", {"status": "in_progress"}),
             _event("review.updated", {"status": "approved"})]
    outs = [o for i, text in enumerate(lines, 1) for o in processor.feed(text, i)]
    assert [(o.line, o.decision.outcome, o.state) for o in outs] == [(1, "deny", "closure_requested"),
                                                                    (3, "allow", "under_review")]


@pytest.mark.parametrize("text,message", [
    ("{broken", "line 2: invalid JSON"),
    ('{"account_id": "P-1001", "type": "nope", "payload": {}}', "line 2: /type:"),
    (_event("contract.expired", {"contract_id": "C-404"}),
     'line 2 (contract.expired for account "P-1001"): the account has no contracts item with id "C-404"'),
    (_event("balance.updated", {"balance": {"available": "-1"}}), "/balance/available"),
    (_event("review.updated", {"status": "done"}, "P-404"), "no facts for this account yet"),
])
def test_a_bad_line_is_an_error_naming_it_and_changes_nothing(text, message):
    processor = StreamProcessor(load_policy())
    processor.feed(_event("account.snapshot", {"facts": READY}), 1)
    before = processor.facts_of("P-1001")
    with pytest.raises(StreamError, match=message.replace("(", r"\(").replace(")", r"\)")):
        processor.feed(text, 2)
    assert processor.facts_of("P-1001") == before


def test_the_cli_skips_bad_lines_and_loses_nothing_else():
    good = list(events(600, 40, seed=3))
    noisy = []
    for i, line in enumerate(good):
        noisy.append(line)
        if i % 100 == 50:
            noisy.append("{not json")

    def run(lines: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "stream"], input="\n".join(lines),
                              capture_output=True, text=True, check=False)

    clean, dirty = run(good), run(noisy)
    assert (clean.returncode, dirty.returncode) == (0, 2)  # 2: some line was refused
    strip = [{k: v for k, v in json.loads(x).items() if k != "line"} for x in clean.stdout.splitlines()]
    assert [{k: v for k, v in json.loads(x).items() if k != "line"} for x in dirty.stdout.splitlines()] == strip
    assert dirty.stderr.count("invalid JSON") == 6 and "line 52: invalid JSON" in dirty.stderr


def test_replay_notices_a_wrong_decision(monkeypatch):
    processor = StreamProcessor(load_policy())
    lines = list(events(300, 20, seed=5))
    real = processor.policy.decide
    calls = {"n": 0}

    def sometimes_wrong(query, facts, **kwargs):
        decision = real(query, facts, **kwargs)
        calls["n"] += 1
        if query == "track_action" and calls["n"] % 2:
            import dataclasses
            return dataclasses.replace(decision, outcome="reject" if decision.outcome == "accept" else "accept")
        return decision
    monkeypatch.setattr(processor.policy, "decide", sometimes_wrong)
    assert replay(processor, lines).mismatches > 0
