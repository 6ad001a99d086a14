"""The stream: events in, decisions out, every decision a one-shot decision.

Each account's facts are kept here (compactly, ``store.py``); an event
changes them (``apply.py``) and the policy decides over them exactly as
``eval`` would. ``close_account`` is emitted when its outcome or violations
change, ``track_action`` for every action, ``resolve_link`` for every click,
and ``closure_effects`` when the account closes. After closing, only what
later actions and clicks are judged by is kept (the account and its links).

A line is read like a facts document (``jsondoc.parse``: strict UTF-8, no
duplicate keys, no NaN, within the limits). A line that cannot be taken
raises :class:`StreamError` and changes nothing; the stream goes on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from ..decision import Decision
from ..errors import ClosurePolicyError, EngineLimit
from ..jsondoc import parse
from ..policy import Policy
from ..resources import schema
from ..text import excerpt
from ..validate.instances import InstanceValidator
from . import apply
from .lifecycle import CLOSED, Lifecycle
from .store import AccountStore


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
class StreamProcessor:
    policy: Policy
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    store: AccountStore = field(default_factory=AccountStore)
    _events: InstanceValidator = field(default_factory=lambda: InstanceValidator(schema("events")))

    def feed(self, text: str | bytes, line: int) -> list[Output]:
        """One line of JSON Lines input."""
        event, problems = parse(text)
        if not problems:
            problems = self._events.problems(event)
        if problems:
            raise StreamError(f"line {line}: " + "; ".join(p.format() if p.pointer else p.message
                                                           for p in problems[:5]))
        try:
            return list(self.process(event, line))
        except (ClosurePolicyError, EngineLimit, apply.ApplyError) as exc:
            where = f"{event['type']} for account {excerpt(event['account_id'])}"
            text = exc.report() if isinstance(exc, (ClosurePolicyError, EngineLimit)) else str(exc)
            raise StreamError(f"line {line} ({where}): {text}") from None

    def facts_of(self, account: str) -> dict[str, Any] | None:
        state = self.store.get(account)
        return state["facts"] if state is not None else None

    def process(self, event: dict[str, Any], line: int) -> Iterator[Output]:
        kind, account_id, payload = event["type"], event["account_id"], event["payload"]
        if kind == "account.snapshot":
            yield from self._snapshot(account_id, payload, line)
            return
        known = self.facts_of(account_id)
        if known is None:
            raise apply.ApplyError("no account.snapshot for this account yet")
        if kind == "action.received":
            yield self._once(account_id, "track_action", {**known, "action": payload["action"]}, line)
        elif kind == "link.clicked":
            yield self._once(account_id, "resolve_link", {**known, "click": payload["click"]}, line)
        elif self.lifecycle.state(account_id) == CLOSED:
            return  # closing is irreversible: nothing changes a closed account
        elif kind == "account.closed":
            yield from self._close(account_id, known, payload, line)
        else:
            yield from self._change(account_id, apply.CHANGES[kind](known, payload), line)

    def _snapshot(self, account_id: str, payload: dict[str, Any], line: int) -> Iterator[Output]:
        facts = apply.snapshot(payload)
        closed = self.lifecycle.state(account_id) == CLOSED
        if closed:
            self.policy.validate(facts)  # a broken snapshot is reported, also for a closed account
        account = facts.get("account")
        if isinstance(account, dict) and account.get("id") != account_id:
            raise apply.ApplyError(f"the snapshot is of account {excerpt(account.get('id'))}")
        if closed:
            if facts["account"]["status"] != "closed":  # an attempt to reopen
                yield self._once(account_id, "reactivate_account", self.facts_of(account_id), line)
            return
        yield from self._change(account_id, facts, line)

    def _change(self, account_id: str, facts: dict[str, Any], line: int) -> Iterator[Output]:
        decision = self.policy.decide("close_account", facts)  # validates before anything is kept
        if facts["account"]["status"] == "closed":
            self.store.put(account_id, {"facts": _tombstone(facts), "last": None})
            self._step(account_id, facts, decision, closing=True)
            return
        before = self.store.get(account_id)
        answer = [decision.outcome, decision.rule_ids]
        self.store.put(account_id, {"facts": facts, "last": answer})
        state = self._step(account_id, facts, decision, closing=False)
        if before is None or answer != before["last"]:
            yield Output(line, state, decision)

    def _close(self, account_id: str, facts: dict[str, Any], payload: dict[str, Any],
               line: int) -> Iterator[Output]:
        effects = self.policy.decide("closure_effects", facts)
        closed = apply.apply_effects(apply.account_closed(facts, payload), effects.effects)
        decision = self.policy.decide("close_account", closed)  # validates closed_at
        self.store.put(account_id, {"facts": _tombstone(closed), "last": None})
        state = self._step(account_id, closed, decision, closing=True)
        yield Output(line, state, effects)

    def __post_init__(self) -> None:
        # The checklist step whose completion means closure is requested: ``marks`` in the rules.
        steps = self.policy.query("close_account").steps
        self._request_step = next((s["step"] for s in steps if s.get("marks") == "closure_requested"), None)

    def _step(self, account_id: str, facts: dict[str, Any], decision: Decision, closing: bool) -> str:
        requested = self._request_step is not None and all(v.step != self._request_step for v in decision.violations)
        return self.lifecycle.step(account_id, closing, requested, facts["final_review"]["status"])

    def _once(self, account_id: str, query: str, facts: dict[str, Any] | None, line: int) -> Output:
        return Output(line, self.lifecycle.state(account_id), self.policy.decide(query, facts or {}))


def _tombstone(facts: dict[str, Any]) -> dict[str, Any]:
    """What a closed account is still judged by: itself and its links."""
    return {"account": facts["account"], "contracts": [], "balance": facts["balance"], "support_tickets": [],
            "final_review": facts["final_review"], "links": facts["links"], "users": []}
