"""The questions, as assertions only: a query's symbolic decision, and what a property, a reachability check or
an equivalence asks of it. Nothing here runs the solver (:mod:`.solve`) or reads its answer (:mod:`.decode`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from ..compile.rules import CompiledQuery
from .encode import Encoder
from .model import Document


@dataclass
class SymbolicDecision:
    """A query's decision over the symbolic document."""

    fired: dict[str, Any]  #: rule id -> z3 Bool
    outcome: Any  #: z3 Int: the code of an outcome (``Outcomes``)
    violations: list[str]  #: the ids of the rules that are violations (not effect rules), in order
    admitted: Any  #: the documents the query decides at all: each root fact its rules read is given


class Outcomes(dict[str, int]):
    """The code of each outcome of the queries asked about ("" for none), given as they are met."""

    def name(self, code: int) -> str:
        return next(n for n, c in self.items() if c == code)


def decide(encoder: Encoder, doc: Document, query: CompiledQuery, outcomes: Outcomes) -> SymbolicDecision:
    for name in list(query.outcomes) + [""]:
        outcomes.setdefault(name, len(outcomes))
    fired = {rule.id: encoder.fired(rule) for rule in query.rules}
    outcome = encoder.outcome(query, fired, outcomes)
    given = z3.And(*[z3.Not(doc.root.fields[k].absent) for k in sorted(query.roots) if k in doc.root.fields])
    return SymbolicDecision(fired, outcome, [r.id for r in query.rules if r.emit is None], given)


def expected(expect: dict[str, Any], decision: SymbolicDecision, outcomes: Outcomes) -> Any:
    """That ``decision`` is as a property's ``expect`` says."""
    parts = []
    if "outcome" in expect:
        parts.append(decision.outcome == outcomes[expect["outcome"]])
    if "outcome_not" in expect:
        parts.append(decision.outcome != outcomes[expect["outcome_not"]])
    if "violations" in expect:
        parts += [decision.fired[r] == (r in expect["violations"]) for r in decision.violations]
    parts += [decision.fired[r] for r in expect.get("violations_include", [])]
    parts += [z3.Not(decision.fired[r]) for r in expect.get("violations_exclude", [])]
    return z3.And(*parts)


def broken(decision: SymbolicDecision, assume: Any, expect: Any) -> Any:
    """A document the query decides, that meets ``assume`` and is not decided as expected."""
    return z3.And(decision.admitted, assume, z3.Not(expect))


def reaching(decision: SymbolicDecision, formula: Any) -> Any:
    return z3.And(decision.admitted, formula)


def differing(mine: SymbolicDecision, theirs: SymbolicDecision) -> Any:
    """A document both revisions decide, with another outcome or another violated rule."""
    rules = sorted(set(mine.violations) | set(theirs.violations))
    return z3.And(mine.admitted, theirs.admitted, z3.Or(
        mine.outcome != theirs.outcome,
        *[mine.fired.get(r, z3.BoolVal(False)) != theirs.fired.get(r, z3.BoolVal(False)) for r in rules]))


def opening(base: SymbolicDecision, new: SymbolicDecision, refusal: int) -> Any:
    """A document the base revision refuses and the new one does not (the new is more permissive there)."""
    return z3.And(base.admitted, new.admitted, base.outcome == refusal, new.outcome != refusal)


def emitting(decision: SymbolicDecision, rule: str, some_item: Any) -> Any:
    """That an effect rule emits at least one effect: it fires, and (for one a list item) some item matches."""
    return z3.And(decision.fired.get(rule, z3.BoolVal(False)), some_item)


def effects_differ(base: SymbolicDecision, new: SymbolicDecision, emits: list[tuple[Any, Any]],
                   changed: list[tuple[Any, Any]]) -> Any:
    """A document both revisions decide where an effect rule emits under one and not the other (``emits``:
    each rule's (base, new) emitting formulas), or a rule whose effect changed emits under both (``changed``)."""
    return z3.And(base.admitted, new.admitted, z3.Or(z3.BoolVal(False), *[a != b for a, b in emits],
                                                    *[z3.And(a, b) for a, b in changed]))
