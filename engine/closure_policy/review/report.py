"""A review: every section, and its gate.

The gate reads the verdicts (and, for ``any-change``, the text): under
``more-permissive`` (the default) it trips on a query that lets through what
was refused (*more permissive*, *incomparable*) or that the prover could not
settle (*unknown*: fail closed); under ``any-change`` on anything but
*equivalent* everywhere with no rule text changed; ``none`` never trips.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..policy import Policy
from .evidence import evidence
from .suites import suites_view
from .text import RuleChange, rule_changes
from .verdicts import EQUIVALENT, INCOMPARABLE, MORE, UNKNOWN, QueryVerdict, verdicts

GATES = ("more-permissive", "any-change", "none")


@dataclass
class Review:
    base: Policy
    new: Policy
    gate_on: str
    queries: list[QueryVerdict]
    rules: list[RuleChange]
    conditions: list[RuleChange]
    evidence: dict[str, Any] = field(default_factory=dict)
    tests: dict[str, Any] | None = None
    bounds: dict[str, Any] = field(default_factory=dict)

    @property
    def tripped(self) -> list[str]:
        """Why the gate trips (nothing: it passes)."""
        if self.gate_on == "none":
            return []
        if self.gate_on == "more-permissive":
            return [f"{q.query}: {q.verdict}" for q in self.queries if q.verdict in (MORE, INCOMPARABLE, UNKNOWN)]
        return [f"{q.query}: {q.verdict}" for q in self.queries if q.verdict != EQUIVALENT] + \
            [f"rule {r.rule}: {r.status}" for r in self.rules] + [f"condition {c.rule}: {c.status}"
                                                                   for c in self.conditions]

    @property
    def gate(self) -> str:
        return "tripped" if self.tripped else "passed"

    def headline(self) -> str:
        """The one line every format starts with."""
        if self.tripped:
            return f"review gate ({self.gate_on}): tripped: " + "; ".join(self.tripped)
        return f"review gate ({self.gate_on}): passed"

    def to_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "gate_on": self.gate_on, "headline": self.headline(),
                "base": {"name": self.base.name, "revision": self.base.revision},
                "new": {"name": self.new.name, "revision": self.new.revision}, "bounds": self.bounds,
                "queries": [q.to_dict() for q in self.queries], "rules": [r.to_dict() for r in self.rules],
                "conditions": [c.to_dict() for c in self.conditions], "evidence": self.evidence,
                "tests": self.tests}


def build_review(base: Policy, new: Policy, *, gate_on: str = "more-permissive", corpus: str | None = None,
                 log: str | None = None, suites: list[str] | None = None, mutation: bool = False,
                 max_items: int = 2, timeout: float = 60.0) -> Review:
    rules, conditions = rule_changes(base, new)
    return Review(base, new, gate_on, verdicts(base, new, max_items, timeout), rules, conditions,
                  evidence(base, new, corpus, log), suites_view(base, new, suites, mutation) if suites else None,
                  {"max_items": max_items, "timeout_seconds": timeout})
