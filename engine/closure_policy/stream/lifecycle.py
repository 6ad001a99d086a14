"""The closure lifecycle as a durable_rules statechart.

    (new) ──first event──▶ open ──ticket filed──▶ closure_requested ──review started──▶ under_review
      ▲                          │   ▲                                │
      └──────ticket withdrawn────┘   └────────review rejected─────────┘
    any of them ──account.closed──▶ closed   (final: nothing leaves it)

Each account is a durable_rules session (``sid``). The engine keeps sessions
in a fixed table, and about a thousand live ones raise ``MemoryError``, so
accounts are spread over several charts of at most ``SESSIONS_PER_CHART``
live sessions each, and a closed account's session is deleted once its
effects are out.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ..evaluate.rete.backend import engine

SESSIONS_PER_CHART = 500
NEW, OPEN, REQUESTED, REVIEW, CLOSED = "new", "open", "closure_requested", "under_review", "closed"
_charts = itertools.count()


def _to(target: str, pri: int, *tests: dict[str, Any]) -> dict[str, Any]:
    return {"all": [{"m": {"$and": list(tests)} if len(tests) > 1 else tests[0]}], "to": target, "pri": pri}


CLOSING = {"closing": 1}
REVIEW_STARTED = ({"$neq": {"review": "not_started"}}, {"$neq": {"review": "rejected"}})

# The chart in durable_rules' own statechart form; the message it reads is
# {closing, ticket, review}: the account is being closed, a closure ticket
# counts for it, the final review's status.
CHART: dict[str, dict[str, Any]] = {
    # durable_rules starts a chart in the one state no transition leads to
    NEW: {"start": _to(OPEN, 0, {"$gte": {"closing": 0}})},
    OPEN: {"close": _to(CLOSED, 0, CLOSING),
           "request": _to(REQUESTED, 1, {"ticket": 1})},
    REQUESTED: {"close": _to(CLOSED, 0, CLOSING),
                "withdraw": _to(OPEN, 1, {"ticket": 0}),
                "review": _to(REVIEW, 2, {"ticket": 1}, *REVIEW_STARTED)},
    REVIEW: {"close": _to(CLOSED, 0, CLOSING),
             "withdraw": _to(OPEN, 1, {"ticket": 0}),
             "reject": _to(REQUESTED, 2, {"ticket": 1}, {"review": "rejected"})},
    CLOSED: {},
}


@dataclass
class _Chart:
    chart: Any
    live: int = 0


@dataclass
class Lifecycle:
    """Where each account stands; durable_rules moves it."""

    states: dict[str, str] = field(default_factory=dict)
    _charts: list[_Chart] = field(default_factory=list)
    _home: dict[str, _Chart] = field(default_factory=dict)
    _moved: dict[str, str] = field(default_factory=dict)
    _ids: Any = field(default_factory=itertools.count)

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
        home = self._home.get(account) or self._place(account)
        fact = {"sid": account, "id": next(self._ids), "closing": int(closing), "ticket": int(ticket),
                "review": review}
        self._assert(home.chart, fact)
        self.states[account] = self._moved.pop(account, self.states[account])
        if self.states[account] == CLOSED:
            self._release(account)
        else:
            home.chart.retract_fact(fact)
        return self.states[account]

    def _place(self, account: str) -> _Chart:
        home = next((c for c in self._charts if c.live < SESSIONS_PER_CHART), None)
        if home is None:
            home = _Chart(self._new_chart())
            self._charts.append(home)
        home.live += 1
        self._home[account] = home
        self.states[account] = NEW
        return home

    def _new_chart(self) -> Any:
        engine()  # a clear error when durable_rules is missing
        from durable.engine import Statechart

        definition = {state: {name: {**t, "run": self._recorder(t["to"])} for name, t in triggers.items()}
                      for state, triggers in CHART.items()}
        return Statechart(f"closure_lifecycle_{next(_charts)}", None, definition)

    def _recorder(self, target: str) -> Any:
        def record(c: Any) -> None:
            self._moved[c.s.sid] = target
        return record

    @staticmethod
    def _assert(chart: Any, fact: dict[str, Any]) -> None:
        from durable.engine import MessageNotHandledException

        errors: list[Any] = []
        try:
            chart.do_actions(chart.assert_fact(fact), lambda error, state: errors.append(error))
        except MessageNotHandledException:
            return
        if any(errors):
            raise RuntimeError(f"lifecycle chart failed: {errors}")

    def _release(self, account: str) -> None:
        home = self._home.pop(account, None)
        if home is not None:
            home.chart.delete_state(account)
            home.live -= 1
