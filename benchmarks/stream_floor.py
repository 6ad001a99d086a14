"""The stream written by hand: the floor ``bench_stream.py --floor`` measures the engine's stream against.

What a careful programmer would write for speed to do what ``rules/policy.yaml``'s
``stream:`` declares, for this policy only, and give the same outputs:

- each line read as strictly as the engine reads it (``jsondoc.parse``: exact
  decimals, repeated keys, limits) and checked against the policy's events schema (jsonschema-rs);
- each account's facts a plain dict (bounded by the number of accounts, not compressed),
  changed by hand for each kind of event;
- the hand-written decisions of ``handwritten.py`` (each with the engine's
  schema and input checks): ``close_account`` after every change, written when
  its answer changes; ``track_action`` and ``resolve_link`` for asks;
  ``closure_effects`` when an account closes; ``reactivate_account`` for a
  snapshot that would reopen a closed account;
- the lifecycle's transitions by hand, and a closed account keeping only its
  ``keep`` sections.

``agrees`` checks, line by line, that it writes exactly what the engine's
stream writes (each output's state and decision) before it is timed.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Iterable

import jsonschema_rs

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten  # noqa: E402

from closure_policy import load_policy  # noqa: E402
from closure_policy.jsondoc import parse  # noqa: E402
from closure_policy.stream.events import events_schema  # noqa: E402

_STREAM = load_policy().stream
assert _STREAM is not None
_EVENT = jsonschema_rs.validator_for(events_schema(_STREAM)).is_valid  # the schema the engine checks lines with
_KEEP = ("account", "balance", "final_review", "links")
Facts = dict[str, Any]
Output = tuple[str, dict[str, Any]]  # the account's state after the event, and a decision
_Refused = (handwritten.Invalid, KeyError, TypeError, ValueError)


def _swap(items: list[Facts], key: str, changes: dict[str, Any]) -> list[Facts]:
    if not any(item["id"] == key for item in items):
        raise KeyError(key)
    return [{**item, **changes} if item["id"] == key else item for item in items]


_CHANGES: dict[str, Callable[[Facts, dict[str, Any]], Facts]] = {
    "account.snapshot": lambda f, p: p["facts"],
    "contract.expired": lambda f, p: {**f, "contracts": _swap(f["contracts"], p["contract_id"],
                                                              {"status": "expired"})},
    "balance.updated": lambda f, p: {**f, "balance": {**f["balance"], **p["balance"]}},
    "ticket.opened": lambda f, p: {**f, "support_tickets": [*f["support_tickets"], p["ticket"]]},
    "ticket.updated": lambda f, p: {**f, "support_tickets": _swap(f["support_tickets"], p["ticket_id"],
                                                                  p["changes"])},
    "review.updated": lambda f, p: {**f, "final_review": {**f["final_review"], "status": p["status"]}},
    "account.closed": lambda f, p: {**f, "account": {**f["account"], "status": "closed",
                                                     "closed_at": p["closed_at"]}},
}


def _filed(f: Facts) -> bool:
    account = f["account"]["id"]
    return any(t["type"] == "close_account" and t["status"] in ("open", "in_progress") and account in t["account_ids"]
               for t in f["support_tickets"])


def _next(state: str, f: Facts) -> str:
    """Where the lifecycle goes from ``state`` over ``f``: the first transition that holds, until none does."""
    closed, filed, review = f["account"]["status"] == "closed", _filed(f), f["final_review"]["status"]
    for _ in range(5):
        if closed and state != "closed":
            ahead = "closed"
        elif state == "open" and filed:
            ahead = "closure_requested"
        elif state in ("closure_requested", "under_review") and not filed:
            ahead = "open"
        elif state == "closure_requested" and review in ("in_progress", "approved"):
            ahead = "under_review"
        elif state == "under_review" and review == "rejected":
            ahead = "closure_requested"
        else:
            return state
        state = ahead
    raise ValueError("the lifecycle does not settle")


class Floor:
    def __init__(self, policy: dict[str, str]):
        self.policy = policy
        self.facts: dict[str, Facts] = {}
        self.last: dict[str, tuple[str, list[str]] | None] = {}
        self.state: dict[str, str] = {}

    def run(self, lines: Iterable[bytes]) -> int:
        """How many decisions it writes."""
        return sum(len(self.feed(line)) for line in lines)

    def feed(self, line: bytes) -> list[Output]:
        event, problems = parse(line)
        if problems or not _EVENT(event):
            return []
        account, kind, payload = event["account_id"], event["type"], event["payload"]
        if kind != "account.snapshot" and account not in self.facts:
            return []
        try:
            return self._take(account, kind, payload, self.facts.get(account, {}))
        except _Refused:
            return []

    def _take(self, account: str, kind: str, payload: dict[str, Any], known: Facts) -> list[Output]:
        state = self.state.get(account, "open")
        if kind == "action.received":
            return [(state, handwritten.track_action({**known, "action": payload["action"]}, self.policy))]
        if kind == "link.clicked":
            return [(state, handwritten.resolve_link({**known, "click": payload["click"]}, self.policy))]
        if state == "closed":
            return self._closed(account, kind, payload, known)
        if kind == "account.closed":
            effects = handwritten.closure_effects(known, self.policy)
            facts = _CHANGES[kind](self._effects(known, effects["effects"]), payload)
            self._settle(account, facts, state)
            return [(self.state[account], effects)]
        facts = _CHANGES[kind](known, payload)
        if facts["account"]["id"] != account:
            return []
        before = self.last.get(account)
        decision = self._settle(account, facts, state)
        if self.state[account] == "closed" or self.last[account] == before:
            return []
        return [(self.state[account], decision)]

    def _closed(self, account: str, kind: str, payload: dict[str, Any], known: Facts) -> list[Output]:
        """A closed account ignores changes; a snapshot that would reopen it asks ``reactivate_account``."""
        if kind != "account.snapshot":
            return []
        facts = payload["facts"]
        handwritten.check(facts)
        if facts["account"]["id"] != account or facts["account"]["status"] == "closed":
            return []
        return [("closed", handwritten.reactivate_account(known, self.policy))]

    def _settle(self, account: str, facts: Facts, state: str) -> dict[str, Any]:
        decision = handwritten.close_account(facts, self.policy)
        ahead = _next(state, facts)
        if ahead == "closed":
            self.facts[account] = {k: (v if k in _KEEP else []) for k, v in facts.items()
                                   if k in _KEEP or isinstance(v, list)}
            self.last[account] = None
        else:
            self.facts[account] = facts
            self.last[account] = (decision["outcome"], [v["rule"] for v in decision["violations"]])
        self.state[account] = ahead
        return decision

    @staticmethod
    def _effects(facts: Facts, effects: list[dict[str, Any]]) -> Facts:
        for effect in effects:
            if effect["type"] == "expire_contract":
                facts = {**facts, "contracts": _swap(facts["contracts"], effect["contract_id"], {"status": "expired"})}
            elif effect["type"] == "disable_link":
                facts = {**facts, "links": _swap(facts["links"], effect["link_id"], {"status": "disabled"})}
        return facts


def agrees(policy: Any, lines: Iterable[bytes]) -> int:
    """How many lines the floor answered exactly as the engine's stream (states and decisions); exits if not."""
    from closure_policy.stream import StreamError, stream_processor

    stream, floor, checked = stream_processor(policy), Floor({"name": policy.name, "revision": policy.revision}), 0
    for number, line in enumerate(lines, start=1):
        try:
            engine = [(o.state, o.decision.to_dict()) for o in stream.feed(line, number)]
        except StreamError:
            engine = []
        if floor.feed(line) != engine:
            raise SystemExit(f"line {number}: stream_floor.py answers differently from the engine's stream")
        checked += 1
    return checked
