"""What a traced evaluation saw: the events an explanation or a coverage report is made of.

A traced compilation's comparisons report each test to the ``Trace`` found in
the evaluation's environment; the backend marks where each rule starts, which
part of it is running, and whether it fired. Explanations and coverage are two
readers of the same events.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

from .jsonvalues import to_json


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
    negated: bool = False  # inside an odd number of `not`s: the comparison holding counts against the rule


@dataclass
class RuleEvent:
    rule: str
    at: str
    fired: bool | None = None
    leaves: list[LeafEvent] = field(default_factory=list)
    index: str | None = None  # the rule index's entry that selected it, or why the index skipped it


@dataclass
class Trace:
    """The events of one decision, rule by rule."""

    rules: list[RuleEvent] = field(default_factory=list)
    phase: str = "when"
    _current: int = -1  # the rule the events are about

    def begin(self, rule: str, at: str) -> None:
        self.rules.append(RuleEvent(rule, at))
        self._current = len(self.rules) - 1
        self.phase = "when"

    def evaluated(self, fired: bool) -> None:
        self.rules[self._current].fired = fired
        self.phase = "then"  # details, remediation, outcome and effects

    def resume(self, rule: str) -> None:
        """Back to a rule evaluated earlier: its outcome choices are tested once every rule has been."""
        self._current = max(i for i, event in enumerate(self.rules) if event.rule == rule)
        self.phase = "then"

    def selected(self, entry: Any) -> None:
        """The rule just evaluated was a candidate by the index entry ``entry`` (a ``compile.index.Entry``)."""
        self.rules[self._current].index = f"selected by the index: {entry.text}"

    def skipped(self, rule: str, at: str, entry: Any, key_number: int, seen: Any) -> None:
        """A rule the index left out: it cannot fire, since the document's value of the key is not one it needs.

        For a root fact the comparison the entry came from was in effect tested, and is reported as false."""
        values = sorted(seen, key=repr) if entry.key.item_keys is not None else seen  # a list's: each value once
        shown = json.dumps(to_json(values), ensure_ascii=False)
        self.rules.append(RuleEvent(rule, at, fired=False, index=f"skipped by the index: {entry.key.text} is "
                                                                 f"{shown}; the rule needs {entry.text}"))
        self._current = len(self.rules) - 1
        if entry.key.item_keys is None:
            self.rules[-1].leaves.append(LeafEvent(entry.leaf, "when", seen, entry.shown, False))

    def leaf(self, leaf: Leaf, left: Any, right: Any, result: bool, negated: bool = False) -> None:
        if self.rules:
            self.rules[self._current].leaves.append(LeafEvent(leaf, self.phase, left, right, result, negated))

    def explanation(self) -> list[dict[str, Any]]:
        """Each rule with the comparisons its condition tested, then those made once it fired, in order."""
        return [{"rule": r.rule, "at": r.at, "fired": bool(r.fired),
                 "conditions": [_comparison(e) for e in r.leaves if e.phase == "when"],
                 "then": [_comparison(e) for e in r.leaves if e.phase == "then"],
                 **({"index": r.index} if r.index is not None else {})}
                for r in self.rules]


def _comparison(event: LeafEvent) -> dict[str, Any]:
    shown = {"at": event.leaf.at, "condition": event.leaf.text, "left": to_json(event.left),
             "right": to_json(event.right), "result": event.result}
    if event.negated:
        shown["negated"] = True
    return shown


def render(explanation: Sequence[Mapping[str, Any]], indent: int = 0) -> list[str]:
    """The trace as a person reads it: each rule, then each comparison with its values, ✓ or ✗, and where."""
    pad = " " * indent
    lines: list[str] = []
    for entry in explanation:
        lines.append(f"{pad}{entry['rule']} ({entry['at']}): {'fired' if entry['fired'] else 'did not fire'}")
        if entry.get("index"):
            lines.append(f"{pad}  ({entry['index']})")
        lines += [_line(c, pad + "  ") for c in entry["conditions"]]
        if entry.get("then"):
            lines.append(f"{pad}  then (details, effects, remediation and outcome guards):")
            lines += [_line(c, pad + "    ") for c in entry["then"]]
    return lines


def _line(c: Mapping[str, Any], pad: str) -> str:
    shown = " vs ".join(json.dumps(c[side], ensure_ascii=False) for side in ("left", "right"))
    # Inside a `not`, a comparison that held counts against the condition: said, or every ✓ of a rule that
    # did not fire would read as a contradiction.
    inside = "   (inside not)" if c.get("negated") else ""
    return f"{pad}{'✓' if c['result'] else '✗'} {c['condition']}   [{shown}]   {c['at']}{inside}"


class Tracer(Protocol):
    """Anything shown the trace of each decision (coverage, a debugger...)."""

    def observe(self, trace: Trace) -> None: ...
