"""Streaming mode: every emitted decision is the one-shot decision at that moment; both lifecycles agree.

Over the fixture policy's own stream (``tests/fixture_rules/stream.yaml``: assess ``gate``; a lifecycle
blocked/clear/closed by ``balance.pending``; closing final, a reopening snapshot asks ``gate``), so that a
change to the bundled rules, with its YAML stream cases (``tests/policy/stream.yaml``), never breaks these.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from typing import Any, Iterator

import pytest

from closure_policy import load_policy
from closure_policy.evaluate.lifecycle import PlainLifecycle
from closure_policy.evaluate.rete.lifecycle import ChartLifecycle
from closure_policy.stream import StreamError, StreamProcessor
from closure_policy.stream.replay import replay
from tests.conftest import FIXTURE_RULES, changed_rules, document


def _event(kind: str, payload: dict[str, Any], account: str = "P-1") -> str:
    return json.dumps({"account_id": account, "type": kind, "payload": payload})


def _snapshot(account: str = "P-1", pending: str = "0", **sections: Any) -> str:
    facts = document(account={"id": account}, balance={"pending": pending}, **sections)
    return _event("account.snapshot", {"facts": facts}, account)


def events(count: int, accounts: int, seed: int, malformed: float = 0.0) -> Iterator[str]:
    """A random stream of the fixture's events over ``accounts`` accounts (each starts with a snapshot)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    for _ in range(count):
        account = f"P-{rng.randrange(accounts)}"
        if rng.random() < malformed:
            yield "{not json"
        elif account not in seen:
            seen.add(account)
            yield _snapshot(account, rng.choice(["0", "5"]))
        else:
            yield rng.choices([
                _event("balance.updated", {"balance": {"pending": rng.choice(["0", "0.01", "5"])}}, account),
                _event("contract.expired", {"contract_id": "C-1"}, account),
                _event("link.clicked", {"click": {"link_id": "L-1", "clicked_at": "2026-11-26T09:00:00Z"}}, account),
                _event("account.closed", {"closed_at": "2026-11-26T09:30:00Z"}, account),
                _snapshot(account, rng.choice(["0", "5"]), account_status="x"),  # refused: not a fact
            ], weights=[8, 2, 3, 1, 1])[0]


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_replayed_decisions_equal_one_shot_evaluation(backend, new_stream):
    processor = new_stream(load_policy(FIXTURE_RULES, backend=backend))
    lines = list(events(3000, 200, seed=11, malformed=0.01))
    result = replay(processor, lines)
    assert result.mismatches == 0
    assert result.outputs > 1000 and result.skipped > 20
    assert {processor.state_of(f"P-{n}") for n in range(1, 201)} - {None} == {"blocked", "clear", "closed"}


def test_more_accounts_than_durable_rules_sessions():
    # durable_rules' session table holds about a thousand; sessions are evicted and restored
    policy = load_policy(FIXTURE_RULES, backend="rete")
    assert policy.stream is not None
    processor = StreamProcessor(policy, lifecycle=ChartLifecycle(policy.stream, live_limit=50))
    accounts = 1500
    for n in range(accounts):
        processor.feed(_snapshot(f"P-{n}", "5"), n + 1)
    assert processor.lifecycle.live == 50
    for n in range(accounts):  # every account comes back in the state it left
        processor.feed(_event("balance.updated", {"balance": {"pending": "0"}}, f"P-{n}"), n + 1)
        if n % 2:
            processor.feed(_event("account.closed", {"closed_at": "2026-11-26T09:30:00Z"}, f"P-{n}"), n + 1)
    states = processor.lifecycle.states
    assert [states[f"P-{n}"] for n in range(4)] == ["clear", "closed", "clear", "closed"]
    assert set(states.values()) == {"clear", "closed"}
    assert processor.lifecycle.live <= 50


def _flags(spec: Any, closing: bool, pending: bool) -> list[bool]:
    """Which transitions of the fixture's declaration hold, from what they test."""
    return [closing if t.target == "closed" else (not pending if t.target == "clear" else pending)
            for t in spec.transitions]


@pytest.mark.parametrize("kind", ["plain", "chart"])
def test_an_evicted_session_is_restored_in_its_state_and_both_lifecycles_agree(kind):
    spec = load_policy(FIXTURE_RULES).stream
    life = PlainLifecycle(spec) if kind == "plain" else ChartLifecycle(spec, live_limit=1)
    assert life.step("A", _flags(spec, False, False)) == "clear"
    assert life.step("B", _flags(spec, False, True)) == "blocked"  # evicts A
    assert life.step("A", _flags(spec, False, True)) == "blocked"  # from clear
    assert life.step("B", _flags(spec, False, False)) == "clear"


@pytest.mark.parametrize("kind", ["plain", "chart"])
def test_the_lifecycle_follows_its_declaration_and_closing_is_final(kind):
    spec = load_policy(FIXTURE_RULES).stream
    life = PlainLifecycle(spec) if kind == "plain" else ChartLifecycle(spec)
    steps = [((False, True), "blocked"), ((False, False), "clear"), ((False, True), "blocked"),
             ((True, True), "closed"), ((False, False), "closed")]
    for args, state in steps:
        assert life.step("A", _flags(spec, *args)) == state
    assert life.step("B", _flags(spec, True, False)) == "closed"  # closed from the start


LIFECYCLE = """  lifecycle:
    start: waiting
    states: [waiting, approved, closed]
    transitions:
      - {from: [approved], to: closed, when: {use: account-closed}}
      - {from: [waiting], to: approved, when: {fact: final_review.status, op: "==", value: approved}}
      - {from: [approved], to: waiting, when: {fact: final_review.status, op: "!=", value: approved}}
    final:
      states: [closed]
"""


def test_a_rule_folder_changes_the_lifecycle_without_python(tmp_path, new_stream):
    """Another lifecycle, declared in YAML only: closing needs an approved review first."""
    rules = changed_rules(tmp_path)
    stream = rules / "stream.yaml"
    text = stream.read_text(encoding="utf-8")
    stream.write_text(text[:text.index("  lifecycle:\n")] + LIFECYCLE.replace(
        "      states: [closed]\n", "      states: [closed]\n" + text[text.index("      keep:"):]), encoding="utf-8")
    for backend in ("compiled", "rete"):
        processor = new_stream(load_policy(rules, backend=backend))
        lines = [_snapshot(final_review={"status": "in_progress"}),
                 _snapshot(final_review={"status": "approved"}),
                 _snapshot(final_review={"status": "rejected"})]
        states = [o.state for i, line in enumerate(lines, 1) for o in processor.feed(line, i)]
        assert states == ["waiting", "approved", "waiting"], backend
        assert processor.state_of("P-1") == "waiting"


def test_closed_is_final_and_a_reopening_snapshot_asks_the_declared_query(new_stream):
    processor = new_stream(load_policy(FIXTURE_RULES))
    lines = [_snapshot(),
             _event("account.closed", {"closed_at": "2026-11-26T09:30:00Z"}),
             _event("balance.updated", {"balance": {"pending": "5"}}),
             _snapshot()]
    outs = [o for i, text in enumerate(lines, 1) for o in processor.feed(text, i)]
    assert [(o.line, o.decision.query, o.decision.outcome, o.state) for o in outs] == [
        (1, "gate", "allow", "clear"), (2, "route", "go", "closed"), (4, "gate", "deny", "closed")]
    assert outs[-1].decision.rule_ids[0] == "gate.open"  # decided over the closed account's kept facts
    assert processor.facts_of("P-1")["balance"]["pending"] == "0"  # nothing changes a final account


def test_the_assessed_query_is_emitted_only_when_its_answer_changes(new_stream):
    processor = new_stream(load_policy(FIXTURE_RULES))
    lines = [_snapshot(pending="5"),
             _event("balance.updated", {"balance": {"pending": "6"}}),  # still denied, for the same rule
             _event("balance.updated", {"balance": {"pending": "0"}})]
    outs = [o for i, text in enumerate(lines, 1) for o in processor.feed(text, i)]
    assert [(o.line, o.decision.outcome, o.state) for o in outs] == [(1, "deny", "blocked"), (3, "allow", "clear")]


@pytest.mark.parametrize("text,message", [
    ("{broken", "line 2: invalid JSON"),
    ('{"account_id": "P-1", "type": "nope", "payload": {}}', "line 2: /type:"),
    (_event("contract.expired", {"contract_id": "C-404"}),
     'line 2 (contract.expired for account "P-1"): the account has no contracts item with id "C-404"'),
    (_event("balance.updated", {"balance": {"available": "-1"}}), "/balance/available"),
    (_event("balance.updated", {"balance": {"pending": "1"}}, "P-404"), "no facts for this account yet"),
])
def test_a_bad_line_is_an_error_naming_it_and_changes_nothing(text, message, new_stream):
    processor = new_stream(load_policy(FIXTURE_RULES))
    processor.feed(_snapshot(), 1)
    before = processor.facts_of("P-1")
    with pytest.raises(StreamError, match=message.replace("(", r"\(").replace(")", r"\)")):
        processor.feed(text, 2)
    assert processor.facts_of("P-1") == before


def test_the_cli_skips_bad_lines_and_loses_nothing_else():
    good = list(events(600, 40, seed=3))
    good = [line for line in good if '"account_status"' not in line]  # only lines the stream takes
    noisy = []
    for i, line in enumerate(good):
        noisy.append(line)
        if i % 100 == 50:
            noisy.append("{not json")

    def run(lines: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "stream", "--rules",
                               str(FIXTURE_RULES)], input="\n".join(lines), capture_output=True, text=True,
                              check=False)

    clean, dirty = run(good), run(noisy)
    assert clean.returncode == 0, clean.stderr
    assert dirty.returncode == 2  # 2: some line was refused
    strip = [{k: v for k, v in json.loads(x).items() if k != "line"} for x in clean.stdout.splitlines()]
    assert [{k: v for k, v in json.loads(x).items() if k != "line"} for x in dirty.stdout.splitlines()] == strip
    assert dirty.stderr.count("invalid JSON") == len(noisy) - len(good) and "line 52: invalid JSON" in dirty.stderr


def test_replay_notices_a_wrong_decision(new_stream, monkeypatch):
    processor = new_stream(load_policy(FIXTURE_RULES))
    lines = list(events(300, 20, seed=5))
    real = processor.policy.decide
    calls = {"n": 0}

    def sometimes_wrong(query, facts, **kwargs):
        decision = real(query, facts, **kwargs)
        calls["n"] += 1
        if query == "route" and calls["n"] % 2:
            import dataclasses
            return dataclasses.replace(decision, outcome="dead" if decision.outcome == "go" else "go")
        return decision
    monkeypatch.setattr(processor.policy, "decide", sometimes_wrong)
    assert replay(processor, lines).mismatches > 0
