"""What a traced evaluation saw: the events an explanation or a coverage report is made of.

A traced compilation's comparisons report each test to the ``Trace`` found in
the evaluation's environment; the backend marks where each rule starts, which
part of it is running, and whether it fired. Explanations and coverage are two
readers of the same events.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .jsonvalues import to_json

TRACE_KEY = "$trace"


@dataclass(frozen=True)
class Leaf:
    """One comparison of the rule files, as a rule uses it."""

    rule: str
    at: str
    text: str


@dataclass
class LeafEvent:
    leaf: Leaf
    phase: str
    left: Any
    right: Any
    result: bool


@dataclass
class RuleEvent:
    rule: str
    at: str
    fired: bool | None = None
    leaves: list[LeafEvent] = field(default_factory=list)


@dataclass
class Trace:
    """The events of one decision, rule by rule."""

    rules: list[RuleEvent] = field(default_factory=list)
    phase: str = "when"

    def begin(self, rule: str, at: str) -> None:
        self.rules.append(RuleEvent(rule, at))
        self.phase = "when"

    def evaluated(self, fired: bool) -> None:
        self.rules[-1].fired = fired
        self.phase = "then"  # details, remediation, outcome and effects

    def leaf(self, leaf: Leaf, left: Any, right: Any, result: bool) -> None:
        if self.rules:
            self.rules[-1].leaves.append(LeafEvent(leaf, self.phase, left, right, result))

    def explanation(self) -> list[dict[str, Any]]:
        """Each rule with the comparisons its condition tested, in order."""
        return [{"rule": r.rule, "at": r.at, "fired": bool(r.fired),
                 "conditions": [{"at": e.leaf.at, "condition": e.leaf.text, "left": to_json(e.left),
                                 "right": to_json(e.right), "result": e.result}
                                for e in r.leaves if e.phase == "when"]}
                for r in self.rules]


class Tracer(Protocol):
    """Anything shown the trace of each decision (coverage, a debugger...)."""

    def observe(self, trace: Trace) -> None: ...
