"""Part of the stream's work, written by hand: the most any Python stream can do on this machine.

``bench_stream.py`` runs it over the same lines as the engine's stream, in the
same run. It does, per line, only work the stream cannot skip, each piece the
fastest way we know (the hand-written decisions of ``handwritten.py``):

- read the line (msgspec, exact decimals) and check it against the events schema (jsonschema-rs);
- keep each account's facts as a plain dict, changed by hand for each kind of change;
- after a change, decide ``close_account`` (its schema and input checks included) and write it when its
  answer changes; for an action, decide and write ``track_action``; for a click, ``resolve_link``;
- once an account is closed, ignore its changes and only check a snapshot that would reopen it.

It leaves out work the stream must also do: strict reading (repeated keys,
limits), the lifecycle's conditions, the closure's effects, deciding whether a
snapshot reopens a closed account, and keeping states compressed (bounded
memory). So its events/s is above any complete stream's: an upper bound, not
a rival.
"""
from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable

import jsonschema_rs
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten  # noqa: E402

from closure_policy.resources import schema  # noqa: E402

_READ = msgspec.json.Decoder(float_hook=Decimal)
_WRITE = msgspec.json.Encoder(decimal_format="number")
_EVENT = jsonschema_rs.validator_for(schema("events")).is_valid
Facts = dict[str, Any]


def _swap(items: list[Facts], key: str, changes: dict[str, Any]) -> list[Facts]:
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


def agrees(policy: Any, lines: Iterable[bytes]) -> int:
    """How many asks the hand-written decisions answered exactly as the engine's stream; exits on a difference."""
    from closure_policy.stream import StreamError, StreamProcessor
    from closure_policy.stream.processor import ASKED

    stream, info, checked = StreamProcessor(policy), {"name": policy.name, "revision": policy.revision}, 0
    for number, line in enumerate(lines, start=1):
        event = _READ.decode(line) if line.startswith(b'{"account_id"') else None
        before = stream.facts_of(event["account_id"]) if event else None
        try:
            outputs = stream.feed(line, number)
        except StreamError:
            continue
        for out in (o for o in outputs if o.basis == ASKED and event and before is not None):
            hand = getattr(handwritten, out.decision.query)({**before, **event["payload"]}, info)
            if hand != out.decision.to_dict():
                raise SystemExit(f"line {number}: handwritten.py answers {out.decision.query} differently")
            checked += 1
    return checked


class Floor:
    def __init__(self, policy: dict[str, str]):
        self.policy = policy
        self.facts: dict[str, Facts] = {}
        self.last: dict[str, tuple[str, list[str]]] = {}
        self.closed: set[str] = set()

    def run(self, lines: Iterable[bytes]) -> int:
        """How many decisions it writes."""
        return sum(self.feed(line) for line in lines)

    def feed(self, line: bytes) -> int:
        try:
            event = _READ.decode(line)
        except msgspec.DecodeError:
            return 0
        if not isinstance(event, dict) or not _EVENT(event):
            return 0
        account, kind, payload = event["account_id"], event["type"], event["payload"]
        known = self.facts.get(account, {})
        if kind != "account.snapshot" and account not in self.facts:
            return 0
        if kind == "action.received":
            return self._write(handwritten.track_action, {**known, "action": payload["action"]})
        if kind == "link.clicked":
            return self._write(handwritten.resolve_link, {**known, "click": payload["click"]})
        if account in self.closed:
            if kind == "account.snapshot":
                self._write(handwritten.check, payload["facts"])
            return 0
        facts = _CHANGES[kind](known, payload)
        try:
            decision = handwritten.close_account(facts, self.policy)
        except (handwritten.Invalid, KeyError, TypeError):
            return 0
        self.facts[account] = facts
        if kind == "account.closed":
            self.closed.add(account)
        answer = (decision["outcome"], [v["rule"] for v in decision["violations"]])
        if self.last.get(account) == answer:
            return 0
        self.last[account] = answer
        _WRITE.encode(decision)
        return 1

    def _write(self, decide: Callable[..., Any], facts: Facts) -> int:
        try:
            _WRITE.encode(decide(facts, self.policy) if decide is not handwritten.check else decide(facts))
        except (handwritten.Invalid, KeyError, TypeError):
            return 0
        return 1
