"""The lifecycle run by durable_rules: the rete backend's way of running ``stream.lifecycle``.

The plain lifecycle (``evaluate/lifecycle.py``) says where an account must end;
this one asserts the same flags to a statechart generated from the declaration
and checks that it ends there.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ... import limits
from ...compile.stream import StreamSpec
from ...errors import EngineLimit
from ..lifecycle import settle
from .availability import engine

_charts = itertools.count()
NEW = "__new__"  # durable_rules starts a chart in the one state no transition leads to


@dataclass
class ChartLifecycle:
    """Each account a durable_rules session, in a fixed pool of reused session ids.

    A session costs about 400 KB and durable_rules never frees all of a
    deleted one (about 3 KB each, measured), so at most ``live_limit``
    accounts hold one, under ``live_limit`` reused ids: the least recently seen
    account's session is deleted when room is needed, and restored in its
    state (through the chart's restore transitions) when the account comes back.
    An account in a final state holds none.
    """

    spec: StreamSpec
    live_limit: int = limits.LIVE_LIFECYCLE_SESSIONS
    states: dict[str, str] = field(default_factory=dict)
    _live: OrderedDict[str, str] = field(default_factory=OrderedDict)
    _free: list[str] = field(default_factory=list)
    _moved: dict[str, str] = field(default_factory=dict)
    _ids: Any = field(default_factory=itertools.count)
    _chart: Any = None

    @property
    def live(self) -> int:
        return len(self._live)

    def state(self, account: str) -> str | None:
        return self.states.get(account)

    def step(self, account: str, flags: list[bool], target: str | None = None) -> str:
        """Move the account in durable_rules; it must end at ``target`` (:func:`settle`'s answer)."""
        known = self.states.get(account)
        if known in self.spec.finals:
            return known
        # settle refuses a cycle before durable_rules would loop on it
        expected = target or settle(self.spec, known, flags)
        self._enter(account)
        self._run(account, {"restore": "", **{f"t{i}": int(on) for i, on in enumerate(flags)}})
        if self.states[account] != expected:
            raise EngineLimit(f"the durable_rules lifecycle moved to {self.states[account]!r} where the "
                              f"declaration says {expected!r}")
        if expected in self.spec.finals:
            self._leave(account)
        return expected

    def _enter(self, account: str) -> None:
        if account in self._live:
            self._live.move_to_end(account)
            return
        while len(self._live) >= self.live_limit:
            self._leave(next(iter(self._live)))
        self._live[account] = self._free.pop() if self._free else f"s{len(self._live)}"
        known = self.states.get(account)
        self.states[account] = NEW
        if known is not None:  # a session evicted earlier: bring it back to where it was
            self._run(account, {"restore": known, **{f"t{i}": 0 for i in range(len(self.spec.transitions))}})

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
            raise EngineLimit(f"the durable_rules lifecycle failed: {errors}")
        self.states[account] = self._moved.pop(sid, self.states[account])
        chart.retract_fact(fact)

    def seed(self, account: str, state: str) -> None:
        """Know the account in ``state``: its session is restored there when it next steps (as after eviction)."""
        if account not in self._live:
            self.states[account] = state

    def forget(self, account: str) -> None:
        self._leave(account)
        self.states.pop(account, None)

    def _leave(self, account: str) -> None:
        sid = self._live.pop(account, None)
        if sid is not None:
            self._chart.delete_state(sid)
            self._free.append(sid)

    def _new_chart(self) -> Any:
        engine()  # a clear error when durable_rules is missing
        from durable.engine import Statechart

        self._chart = Statechart(f"closure_lifecycle_{next(_charts)}", None, chart(self.spec, self._recorder))
        return self._chart

    def _recorder(self, target: str) -> Any:
        def record(c: Any) -> None:
            self._moved[c.s.sid] = target
        return record


def chart(spec: StreamSpec, recorder: Any) -> dict[str, dict[str, Any]]:
    """The declaration as a durable_rules statechart over the fact {restore, t0, t1, ...}."""
    def to(target: str, pri: int, test: dict[str, Any]) -> dict[str, Any]:
        return {"all": [{"m": test}], "to": target, "pri": pri, "run": recorder(target)}

    resumable = [s for s in spec.states if s not in spec.finals]
    states: dict[str, dict[str, Any]] = {
        NEW: {"start": to(spec.start, len(spec.transitions), {"restore": ""}),
              **{f"restore_{n}": to(s, 0, {"restore": s}) for n, s in enumerate(resumable)}},
    }
    for state in spec.states:
        states[state] = {f"t{i}": to(t.target, i, {"$and": [{"restore": ""}, {f"t{i}": 1}]})
                         for i, t in enumerate(spec.transitions) if state in t.sources and t.target != state}
    return states
