"""Rule coverage: a tracer that remembers what every rule and comparison did.

A rule is covered when some decision made it fire and some decision evaluated
it without firing; a comparison (a condition leaf) when it was seen true and
seen false. The ``stream:`` declaration's parts count too: each event handled,
each effect applied, each lifecycle transition taken and the reopen ask made,
once (the stream processor reports them, as evaluation reports traces). The
percentage counts all of these alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..policy import Policy
from ..trace import Leaf, Trace


@dataclass
class LeafCoverage:
    leaf: Leaf
    seen_true: bool = False
    seen_false: bool = False

    @property
    def covered(self) -> bool:
        return self.seen_true and self.seen_false


@dataclass
class RuleCoverage:
    id: str
    query: str
    location: str
    fired: bool = False
    not_fired: bool = False
    leaves: dict[str, LeafCoverage] = field(default_factory=dict)

    @property
    def reached(self) -> bool:
        return self.fired or self.not_fired

    @property
    def items(self) -> tuple[int, int]:
        """(covered, total) of: fired, not fired, each leaf true, each leaf false."""
        covered = self.fired + self.not_fired + sum(lc.seen_true + lc.seen_false for lc in self.leaves.values())
        return covered, 2 + 2 * len(self.leaves)


class Coverage:
    """Pass as ``tracer=`` to :meth:`Policy.decide`; read :meth:`report` at the end."""

    def __init__(self, policy: Policy):
        traced = policy.compilation
        self.rules: dict[str, RuleCoverage] = {}
        for query in traced.queries.values():
            for rule in query.rules:
                leaves = traced.leaves.get(rule.id, {})
                self.rules[rule.id] = RuleCoverage(rule.id, query.name, rule.location,
                                                   leaves={at: LeafCoverage(leaf) for at, leaf in leaves.items()})
        #: Each part of the stream declaration (see ``compile.stream``): its place, and whether a case reached it.
        self.stream: dict[str, tuple[str, bool]] = {
            part: (place, False) for part, place in (traced.stream.parts.items() if traced.stream else ())}

    def reached(self, part: str) -> None:
        """A stream case reached ``part`` of the declaration (the stream processor's observer)."""
        if part in self.stream:
            self.stream[part] = (self.stream[part][0], True)

    def observe(self, trace: Trace) -> None:
        for event in trace.rules:
            rule = self.rules.get(event.rule)
            if rule is None:
                continue
            if event.fired:
                rule.fired = True
            else:
                rule.not_fired = True
            for seen in event.leaves:
                leaf = rule.leaves.get(seen.leaf.at)
                if leaf is not None:
                    leaf.seen_true |= seen.result
                    leaf.seen_false |= not seen.result

    @property
    def percent(self) -> float:
        covered = sum(r.items[0] for r in self.rules.values()) + sum(seen for _, seen in self.stream.values())
        total = sum(r.items[1] for r in self.rules.values()) + len(self.stream)
        return 100.0 * covered / total if total else 100.0

    def untested(self) -> list[str]:
        return sorted(r.id for r in self.rules.values() if not r.reached)

    def unreached(self) -> list[tuple[str, str]]:
        """(part, place) of each part of the stream declaration no case reached, in declaration order."""
        return [(part, place) for part, (place, seen) in self.stream.items() if not seen]

    def report(self) -> dict[str, Any]:
        rows = []
        for rule in sorted(self.rules.values(), key=lambda r: (r.query, r.id)):
            rows.append({
                "rule": rule.id, "query": rule.query, "at": rule.location, "fired": rule.fired,
                "not_fired": rule.not_fired,
                "leaves_covered": sum(lc.covered for lc in rule.leaves.values()), "leaves": len(rule.leaves),
                "uncovered_leaves": [{"at": lc.leaf.at, "condition": lc.leaf.text,
                                      "seen": [v for v, s in ((True, lc.seen_true), (False, lc.seen_false)) if s]}
                                     for lc in rule.leaves.values() if not lc.covered],
            })
        stream = [{"part": part, "at": place, "reached": seen} for part, (place, seen) in self.stream.items()]
        return {"percent": round(self.percent, 2), "rules": rows, "untested": self.untested(), "stream": stream}
