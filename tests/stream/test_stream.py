"""Streaming mode: every emitted decision is the one-shot decision at that moment."""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from closure_policy import load_policy
from closure_policy.stream import StreamError, StreamProcessor
from closure_policy.stream.lifecycle import SESSIONS_PER_CHART, Lifecycle
from closure_policy.stream.synthetic import events
from tests.conftest import READY

pytest.importorskip("durable_rules_engine", reason="the stream's lifecycle runs on durable_rules")


def _event(kind: str, payload: dict[str, Any], account: str = "P-1001") -> str:
    return json.dumps({"account_id": account, "type": kind, "payload": payload})


def _replay(processor: StreamProcessor, lines: list[str]) -> tuple[int, int]:
    """Feed the lines, checking each output against a one-shot decision; (outputs, skipped)."""
    policy, outputs, skipped = processor.policy, 0, 0
    for number, text in enumerate(lines, start=1):
        event = json.loads(text) if text.startswith("{") and "broken" not in text else None
        account = event["account_id"] if isinstance(event, dict) else None
        before = processor.accounts[account].facts if account in processor.accounts else None
        try:
            produced = processor.feed(text, number)
        except StreamError:
            skipped += 1
            continue
        for out in produced:
            query = out.decision.query
            payload = event["payload"]
            facts = {"close_account": lambda: processor.facts_of(account),
                     "track_action": lambda: {**before, "action": payload.get("action")},
                     "resolve_link": lambda: {**before, "click": payload.get("click")}}.get(query, lambda: before)()
            assert out.decision == policy.decide(query, facts), (number, query)
            outputs += 1
    return outputs, skipped


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_replayed_decisions_equal_one_shot_evaluation(backend):
    processor = StreamProcessor(load_policy(backend=backend))
    outputs, skipped = _replay(processor, list(events(4000, 300, seed=11)))
    assert outputs > 2000 and skipped == 0
    states = set(processor.lifecycle.states.values())
    assert {"open", "closure_requested", "under_review", "closed"} <= states


def test_more_accounts_than_durable_rules_sessions():
    processor = StreamProcessor(load_policy())
    accounts = 3 * SESSIONS_PER_CHART
    for n in range(accounts):
        facts = {**READY, "account": {**READY["account"], "id": f"P-{n}"}}
        processor.feed(_event("account.snapshot", {"facts": facts}, f"P-{n}"), n + 1)
    assert len(processor.lifecycle._charts) == 3
    for n in range(0, accounts, 2):
        processor.feed(_event("account.closed", {"closed_at": "2026-11-26T15:30:00Z"}, f"P-{n}"), n + 1)
    assert sum(c.live for c in processor.lifecycle._charts) == accounts // 2


def test_the_lifecycle_follows_the_checklist():
    life = Lifecycle()
    steps = [((False, False, "not_started"), "open"), ((False, True, "not_started"), "closure_requested"),
             ((False, True, "in_progress"), "under_review"), ((False, True, "rejected"), "closure_requested"),
             ((False, False, "rejected"), "open"), ((False, True, "approved"), "under_review"),
             ((True, True, "approved"), "closed")]
    for args, state in steps:
        assert life.step("A", *args) == state
    assert life.step("B", True, False, "not_started") == "closed"


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
    (_event("contract.expired", {"contract_id": "C-404"}), "line 2 (contract.expired for P-1001): account has no"),
    (_event("balance.updated", {"balance": {"available": "-1"}}), "/balance/available"),
    (_event("review.updated", {"status": "done"}, "P-404"), "no account.snapshot for this account yet"),
])
def test_a_bad_line_is_an_error_naming_it_and_changes_nothing(text, message):
    processor = StreamProcessor(load_policy())
    processor.feed(_event("account.snapshot", {"facts": READY}), 1)
    before = processor.facts_of("P-1001")
    with pytest.raises(StreamError, match=message.replace("(", r"\(").replace(")", r"\)")):
        processor.feed(text, 2)
    assert processor.facts_of("P-1001") is before


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
    assert clean.returncode == dirty.returncode == 0
    strip = [{k: v for k, v in json.loads(x).items() if k != "line"} for x in clean.stdout.splitlines()]
    assert [{k: v for k, v in json.loads(x).items() if k != "line"} for x in dirty.stdout.splitlines()] == strip
    assert dirty.stderr.count("invalid JSON") == 6 and "line 52: invalid JSON" in dirty.stderr
