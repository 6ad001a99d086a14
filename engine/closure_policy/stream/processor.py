"""The stream: events in, decisions out, every decision a one-shot decision.

Each account's facts are kept here; an event changes them (``apply.py``) and
the policy decides over them exactly as ``eval`` would. ``close_account`` is
emitted when its outcome or violations change, ``track_action`` for every
action, ``resolve_link`` for every click, and ``closure_effects`` when the
account closes. After closing, only what later actions and clicks are judged
by is kept (the account and its links): that is all a closed account needs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator

from ..decision import Decision
from ..errors import ClosurePolicyError, InvalidFacts
from ..policy import Policy
from ..resources import schema
from ..validate.instances import InstanceValidator
from . import apply
from .lifecycle import CLOSED, Lifecycle


class StreamError(ClosurePolicyError):
    """One event that cannot be taken; the stream reports it and goes on."""


@dataclass
class Output:
    line: int
    state: str | None
    decision: Decision

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "state": self.state, "decision": self.decision.to_dict()}


@dataclass
class _Account:
    facts: dict[str, Any]
    last: tuple[str, list[str]] | None = None  # the close_account answer last emitted


@dataclass
class StreamProcessor:
    policy: Policy
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    accounts: dict[str, _Account] = field(default_factory=dict)
    _events: InstanceValidator = field(default_factory=lambda: InstanceValidator(schema("events")))

    def feed(self, text: str, line: int) -> list[Output]:
        """One line of JSON Lines input."""
        try:
            event = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise StreamError(f"line {line}: invalid JSON at column {exc.colno}: {exc.msg}") from None
        problems = self._events.problems(event)
        if problems:
            raise StreamError(f"line {line}: " + "; ".join(p.format() for p in problems))
        try:
            return list(self.process(event, line))
        except (InvalidFacts, apply.ApplyError) as exc:
            raise StreamError(f"line {line} ({event['type']} for {event['account_id']}): {exc}") from None

    def facts_of(self, account: str) -> dict[str, Any]:
        return self.accounts[account].facts

    def process(self, event: dict[str, Any], line: int) -> Iterator[Output]:
        kind, account_id, payload = event["type"], event["account_id"], event["payload"]
        known = self.accounts.get(account_id)
        if kind == "account.snapshot":
            yield from self._snapshot(account_id, payload, line)
            return
        if known is None:
            raise apply.ApplyError("no account.snapshot for this account yet")
        if kind == "action.received":
            yield self._once(account_id, "track_action", {**known.facts, "action": payload["action"]}, line)
        elif kind == "link.clicked":
            yield self._once(account_id, "resolve_link", {**known.facts, "click": payload["click"]}, line)
        elif self.lifecycle.state(account_id) == CLOSED:
            return  # closing is irreversible: nothing changes a closed account
        elif kind == "account.closed":
            yield from self._close(account_id, payload, line)
        else:
            yield from self._change(account_id, apply.CHANGES[kind](known.facts, payload), line)

    def _snapshot(self, account_id: str, payload: dict[str, Any], line: int) -> Iterator[Output]:
        facts = apply.snapshot(payload)
        if facts.get("account", {}).get("id") != account_id:
            raise apply.ApplyError(f"the snapshot is of account {facts.get('account', {}).get('id')!r}")
        if self.lifecycle.state(account_id) == CLOSED:
            if facts["account"].get("status") != "closed":  # an attempt to reopen
                yield self._once(account_id, "reactivate_account", self.accounts[account_id].facts, line)
            return
        yield from self._change(account_id, facts, line)

    def _change(self, account_id: str, facts: dict[str, Any], line: int) -> Iterator[Output]:
        decision = self.policy.decide("close_account", facts)  # validates before anything is kept
        account = self.accounts.setdefault(account_id, _Account(facts))
        account.facts = facts
        if facts["account"]["status"] == "closed":
            self._step(account_id, facts, decision, closing=True)
            self.accounts[account_id] = _Account(_tombstone(facts))
            return
        state = self._step(account_id, facts, decision, closing=False)
        answer = (decision.outcome, decision.rule_ids)
        if answer != account.last:
            account.last = answer
            yield Output(line, state, decision)

    def _close(self, account_id: str, payload: dict[str, Any], line: int) -> Iterator[Output]:
        facts = self.accounts[account_id].facts
        effects = self.policy.decide("closure_effects", facts)
        closed = apply.apply_effects(apply.account_closed(facts, payload), effects.effects)
        decision = self.policy.decide("close_account", closed)  # validates closed_at
        state = self._step(account_id, closed, decision, closing=True)
        self.accounts[account_id] = _Account(_tombstone(closed))
        yield Output(line, state, effects)

    def __post_init__(self) -> None:
        # The checklist step whose completion means closure is requested: ``marks`` in the rules.
        steps = self.policy.query("close_account").steps
        self._request_step = next((s["step"] for s in steps if s.get("marks") == "closure_requested"), None)

    def _step(self, account_id: str, facts: dict[str, Any], decision: Decision, closing: bool) -> str:
        requested = self._request_step is not None and all(v.step != self._request_step for v in decision.violations)
        return self.lifecycle.step(account_id, closing, requested, facts["final_review"]["status"])

    def _once(self, account_id: str, query: str, facts: dict[str, Any], line: int) -> Output:
        return Output(line, self.lifecycle.state(account_id), self.policy.decide(query, facts))


def _tombstone(facts: dict[str, Any]) -> dict[str, Any]:
    """What a closed account is still judged by: itself and its links."""
    return {"account": facts["account"], "contracts": [], "balance": facts["balance"], "support_tickets": [],
            "final_review": facts["final_review"], "links": facts["links"], "users": []}
