"""The stream engine over the fixture policy's own ``stream:`` declaration (tests/fixture_rules/stream.yaml)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from closure_policy import load_policy
from closure_policy.stream import StreamError, StreamProcessor, stream_processor
from tests.conftest import FIXTURE_RULES, document

pytest.importorskip("durable_rules_engine", reason="the rete backend's lifecycle runs on durable_rules")


def _event(kind: str, payload: dict[str, Any], account: str = "P-1") -> str:
    return json.dumps({"account_id": account, "type": kind, "payload": payload})


def _run(backend: str, lines: list[str], interpret: bool = False) -> tuple[StreamProcessor, list[Any]]:
    processor = stream_processor(load_policy(FIXTURE_RULES, backend=backend), interpret=interpret)
    return processor, [o for i, line in enumerate(lines, 1) for o in processor.feed(line, i)]


@pytest.mark.parametrize("backend,interpret", [("compiled", False), ("compiled", True), ("rete", True)])
def test_changes_move_the_declared_lifecycle_and_emit_when_the_answer_changes(backend, interpret):
    lines = [_event("account.snapshot", {"facts": document(balance={"pending": "5"})}),
             _event("balance.updated", {"balance": {"pending": "0"}}),
             _event("balance.updated", {"balance": {"available": "20"}}),  # same answer: nothing emitted
             _event("balance.updated", {"balance": {"pending": "1"}})]
    processor, outs = _run(backend, lines, interpret)
    assert [(o.line, o.decision.query, o.decision.outcome, o.state) for o in outs] == [
        (1, "gate", "deny", "blocked"), (2, "gate", "allow", "clear"), (4, "gate", "deny", "blocked")]
    assert processor.facts_of("P-1")["balance"]["available"] == "20"


@pytest.mark.parametrize("backend,interpret", [("compiled", False), ("compiled", True), ("rete", True)])
def test_asking_changes_nothing_and_a_final_state_keeps_what_it_declares(backend, interpret):
    closed_at = "2026-11-26T08:00:00Z"
    lines = [_event("account.snapshot", {"facts": document()}),
             _event("link.clicked", {"click": {"link_id": "L-1", "clicked_at": "2026-11-26T09:00:00Z"}}),
             _event("account.closed", {"closed_at": closed_at}),
             _event("link.clicked", {"click": {"link_id": "L-1", "clicked_at": "2026-11-26T09:00:00Z"}}),
             _event("balance.updated", {"balance": {"pending": "9"}}),  # ignored: closed is final
             _event("account.snapshot", {"facts": document()})]  # would reopen: asks gate over the kept facts
    processor, outs = _run(backend, lines, interpret)
    assert [(o.line, o.decision.query, o.decision.outcome, o.state) for o in outs] == [
        (1, "gate", "allow", "clear"), (2, "route", "go", "clear"), (3, "route", "go", "closed"),
        (4, "route", "dead", "closed"), (6, "gate", "deny", "closed")]
    kept = processor.facts_of("P-1")
    assert kept["contracts"] == [] and kept["users"] == [] and kept["balance"]["pending"] == "0"
    assert kept["account"]["closed_at"] == closed_at and "click" not in kept and "action" in kept


def test_an_update_of_a_missing_item_and_an_undeclared_event_are_refused():
    processor, _ = _run("compiled", [_event("account.snapshot", {"facts": document()})])
    with pytest.raises(StreamError, match="has no contracts item with id \"C-404\""):
        processor.feed(_event("contract.expired", {"contract_id": "C-404"}), 2)
    # the events schema is the fixture policy's own: an event the bundled policy has is not one of its events
    with pytest.raises(StreamError, match="line 3: /type: must be one of \"account.snapshot\", .*; got \"review"):
        processor.feed(_event("review.updated", {"status": "approved"}), 3)
    with pytest.raises(StreamError, match="line 3: /payload/extra: unknown key \"extra\""):
        processor.feed(_event("contract.expired", {"contract_id": "C-1", "extra": 1}), 3)
    with pytest.raises(StreamError, match="line 3: /payload/contract_id: .contract_id. is required"):
        processor.feed(_event("contract.expired", {}), 3)
    with pytest.raises(StreamError, match="the facts are of account \"P-2\""):
        processor.feed(_event("account.snapshot", {"facts": document(account={"id": "P-2"})}), 4)
