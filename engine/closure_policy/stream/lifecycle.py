"""The closure lifecycle as a durable_rules statechart.

    (new) ──first event──▶ open ──ticket filed──▶ closure_requested ──review started──▶ under_review
                            ▲                          │   ▲                                 │
                            └──────ticket withdrawn────┘   └─────────review rejected─────────┘
    any of them ──account.closed──▶ closed   (final: nothing leaves it)

Each account is a durable_rules session (``sid``). The engine keeps sessions
in a fixed table (about a thousand live ones raise ``MemoryError``) and each
costs about 400 KB (measured), so at most ``LIVE_SESSIONS`` accounts have one: the least
recently seen account's session is deleted when room is needed, and its state
(kept here) is restored through ``new``'s restore transitions when it comes
back. A closed account's session is deleted at once.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .. import limits
from ..evaluate.rete.availability import engine

LIVE_SESSIONS = limits.LIVE_LIFECYCLE_SESSIONS
NEW, OPEN, REQUESTED, REVIEW, CLOSED = "new", "open", "closure_requested", "under_review", "closed"
_charts = itertools.count()


def _to(target: str, pri: int, *tests: dict[str, Any]) -> dict[str, Any]:
    return {"all": [{"m": {"$and": list(tests)} if len(tests) > 1 else tests[0]}], "to": target, "pri": pri}


STEP = {"restore": ""}  # an ordinary step, not a restore
CLOSING = {"closing": 1}
REVIEW_STARTED = ({"$neq": {"review": "not_started"}}, {"$neq": {"review": "rejected"}})

# The chart in durable_rules' own statechart form. It reads one fact,
# {restore, closing, ticket, review}: a state to restore (or ""), the account
# is being closed, a closure ticket counts for it, the final review's status.
CHART: dict[str, dict[str, Any]] = {
    # durable_rules starts a chart in the one state no transition leads to
    NEW: {"start": _to(OPEN, 1, STEP),
          **{f"restore_{s}": _to(s, 0, {"restore": s}) for s in (OPEN, REQUESTED, REVIEW)}},
    OPEN: {"close": _to(CLOSED, 0, STEP, CLOSING),
           "request": _to(REQUESTED, 1, STEP, {"ticket": 1})},
    REQUESTED: {"close": _to(CLOSED, 0, STEP, CLOSING),
                "withdraw": _to(OPEN, 1, STEP, {"ticket": 0}),
                "review": _to(REVIEW, 2, STEP, {"ticket": 1}, *REVIEW_STARTED)},
    REVIEW: {"close": _to(CLOSED, 0, STEP, CLOSING),
             "withdraw": _to(OPEN, 1, STEP, {"ticket": 0}),
             "reject": _to(REQUESTED, 2, STEP, {"ticket": 1}, {"review": "rejected"})},
    CLOSED: {},
}


@dataclass
class Lifecycle:
    """Where each account stands; durable_rules moves it."""

    live_limit: int = LIVE_SESSIONS
    states: dict[str, str] = field(default_factory=dict)
    # account -> the session slot it holds. durable_rules never frees all of a
    # deleted session's memory (about 3 KB each, measured), so there are at
    # most ``live_limit`` session ids, reused: memory stays flat however many
    # accounts pass through.
    _live: "OrderedDict[str, str]" = field(default_factory=OrderedDict)
    _free: list[str] = field(default_factory=list)
    _moved: dict[str, str] = field(default_factory=dict)
    _ids: Any = field(default_factory=itertools.count)
    _chart: Any = None

    @property
    def live(self) -> int:
        return len(self._live)

    def state(self, account: str) -> str | None:
        return self.states.get(account)

    def step(self, account: str, closing: bool, ticket: bool, review: str) -> str:
        """Assert what is now true of the account; return the state it is in after.

        A fact, not an event: durable_rules consumes an event with the first
        rule it matches and keeps unmatched ones pending, while a fact is
        seen by every transition it enables, so the chart follows it through
        (new, open, closure_requested, ...) in one assert. It is retracted
        after, so the next step starts from the account's state alone.
        """
        if self.states.get(account) == CLOSED:
            return CLOSED
        self._enter(account)
        self._run(account, {"restore": "", "closing": int(closing), "ticket": int(ticket), "review": review})
        if self.states[account] == CLOSED:
            self._leave(account)
        return self.states[account]

    def _enter(self, account: str) -> None:
        if account in self._live:
            self._live.move_to_end(account)
            return
        while len(self._live) >= self.live_limit:
            self._leave(next(iter(self._live)))
        self._live[account] = self._free.pop() if self._free else f"s{len(self._live)}"
        known = self.states.setdefault(account, NEW)
        if known != NEW:  # a session evicted earlier: bring it back to where it was
            self.states[account] = NEW
            self._run(account, {"restore": known, "closing": 0, "ticket": 0, "review": ""})

    def _run(self, account: str, fields: dict[str, Any]) -> None:
        from durable.engine import MessageNotHandledException

        chart = self._chart or self._new_chart()
        sid = self._live[account]
        fact = {"sid": sid, "id": next(self._ids), **fields}  # equal facts would be merged
        errors: list[Any] = []
        try:
            chart.do_actions(chart.assert_fact(fact), lambda error, state: errors.append(error))
        except MessageNotHandledException:
            pass
        if any(errors):
            raise RuntimeError(f"lifecycle chart failed: {errors}")
        self.states[account] = self._moved.pop(sid, self.states[account])
        chart.retract_fact(fact)

    def _leave(self, account: str) -> None:
        sid = self._live.pop(account, None)
        if sid is not None:
            self._chart.delete_state(sid)
            self._free.append(sid)

    def _new_chart(self) -> Any:
        engine()  # a clear error when durable_rules is missing
        from durable.engine import Statechart

        definition = {state: {name: {**t, "run": self._recorder(t["to"])} for name, t in triggers.items()}
                      for state, triggers in CHART.items()}
        self._chart = Statechart(f"closure_lifecycle_{next(_charts)}", None, definition)
        return self._chart

    def _recorder(self, target: str) -> Any:
        def record(c: Any) -> None:
            self._moved[c.s.sid] = target
        return record
