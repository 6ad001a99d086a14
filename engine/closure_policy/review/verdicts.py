"""Each query's verdict, proven over every facts document up to the prover's bounds, with witnesses.

A query whose ``on_violation`` outcome is the same in both revisions is
ordered: that outcome is the refusal, and the new rules are *more permissive*
where a document the base refuses is not refused any more, *less permissive*
where one it did not refuse now is, *incomparable* when both happen. Otherwise
(or when neither happens) a document decided otherwise (another outcome,
other violated rules, other effects) makes the query *changed*; none makes it
*equivalent*. A question the solver could not answer within its bounds makes
the query *unknown*: never reported as equivalent.

Every witness is found by the prover, confirmed by the engine under both
revisions (``prove/confirm.py``), and shown as the engine decides it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..compile import ir
from ..errors import ClosurePolicyError
from ..policy import Policy
from ..prove.errors import CannotEncode
from ..prove.prover import Prover
from ..prove.questions import differing, effects_differ, emitting, opening
from ..prove.solve import SAT, UNSAT

EQUIVALENT, MORE, LESS, INCOMPARABLE, CHANGED, UNKNOWN = (
    "equivalent", "more permissive", "less permissive", "incomparable", "changed", "unknown")


@dataclass
class Witness:
    direction: str  #: what it shows: "opens", "closes", "decides otherwise", "changes effects"
    document: dict[str, Any]
    base: dict[str, Any]
    new: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"direction": self.direction, "document": self.document, "base": self.base, "new": self.new}


@dataclass
class QueryVerdict:
    query: str
    verdict: str
    witnesses: list[Witness] = field(default_factory=list)
    refusal: str | None = None  #: the outcome read as the refusal (None: the outcomes are not ordered)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "verdict": self.verdict, "refusal": self.refusal, "note": self.note,
                "witnesses": [w.to_dict() for w in self.witnesses]}


def verdicts(base: Policy, new: Policy, max_items: int = 2, timeout: float = 60.0) -> list[QueryVerdict]:
    """Every query of either revision, in the new revision's order, then those it removed."""
    names = list(new.queries) + [q for q in base.queries if q not in new.queries]
    try:
        prover = Prover(new, max_items=max_items, timeout=timeout, base=base)
    except CannotEncode as exc:
        return [QueryVerdict(q, UNKNOWN, note=f"the prover cannot state these facts: {exc}") for q in names]
    return [_verdict(prover, base, new, name) for name in names]


def _verdict(prover: Prover, base: Policy, new: Policy, name: str) -> QueryVerdict:
    if name not in base.queries or name not in new.queries:
        return QueryVerdict(name, CHANGED, note="added" if name not in base.queries else "removed")
    refusal = new.query(name).on_violation
    ordered = refusal is not None and base.query(name).on_violation == refusal
    try:
        return _compared(prover, base, new, name, refusal if ordered else None)
    except CannotEncode as exc:
        return QueryVerdict(name, UNKNOWN, refusal=refusal if ordered else None, note=str(exc))


def _compared(prover: Prover, base: Policy, new: Policy, name: str, refusal: str | None) -> QueryVerdict:
    mine, theirs = prover.decision(new, name), prover.decision(base, name)
    asked = [(new, name), (base, name)]
    found: list[Witness] = []
    statuses = []
    if refusal is not None:
        code = prover.outcomes[refusal]
        for direction, formula in (("opens", opening(theirs, mine, code)), ("closes", opening(mine, theirs, code))):
            status, document = prover.find(formula, asked, differ=True)
            statuses.append(status)
            if document is not None:
                found.append(_witness(direction, document, base, new, name))
    if not found:
        status, document = prover.find(differing(mine, theirs), asked, differ=True)
        statuses.append(status)
        if document is not None:
            found.append(_witness("decides otherwise", document, base, new, name))
    if not found:
        status, witness = _effects(prover, base, new, name)
        statuses.append(status)
        found += [witness] if witness is not None else []
    return QueryVerdict(name, _word(found, statuses), found, refusal,
                        note="" if all(s in (SAT, UNSAT) for s in statuses) else
                        "; ".join(sorted({s for s in statuses if s not in (SAT, UNSAT)})))


def _word(found: list[Witness], statuses: list[str]) -> str:
    """The verdict from the witnesses found and every question's status (the ordered queries' two first)."""
    directions = {w.direction for w in found}
    answered = all(s in (SAT, UNSAT) for s in statuses)
    if {"opens", "closes"} <= directions:
        return INCOMPARABLE
    if "opens" in directions:
        return MORE
    if found:  # closes, or decides otherwise: unless an opening may hide where the solver gave up
        return (LESS if "closes" in directions else CHANGED) if answered else UNKNOWN
    return EQUIVALENT if answered else UNKNOWN


def _effects(prover: Prover, base: Policy, new: Policy, name: str) -> tuple[str, Witness | None]:
    """A document whose effects differ: an effect rule emits under one revision only, or its effect changed."""
    old_rules, new_rules = _emitters(base, name), _emitters(new, name)
    if not old_rules and not new_rules:
        return UNSAT, None
    mine, theirs = prover.decision(new, name), prover.decision(base, name)
    new_enc, old_enc = prover.encoders[id(new)], prover.encoders[id(base)]
    emits: list[tuple[Any, Any]] = []
    changed: list[tuple[Any, Any]] = []
    for rule in sorted(set(old_rules) | set(new_rules)):
        a = emitting(theirs, rule, _some(old_enc, old_rules.get(rule)))
        b = emitting(mine, rule, _some(new_enc, new_rules.get(rule)))
        same_text = rule in old_rules and rule in new_rules and old_rules[rule][0] == new_rules[rule][0]
        (emits if same_text or rule not in old_rules or rule not in new_rules else changed).append((a, b))
    status, document = prover.find(effects_differ(theirs, mine, emits, changed), [(new, name), (base, name)])
    if document is None:
        return status, None
    witness = _witness("changes effects", document, base, new, name, effects=True)
    if witness.base == witness.new:  # the effect's text changed, yet it emits the same here: no witness
        return "an effect's text changed, and no document whose effects differ was found", None
    return status, witness


def _emitters(policy: Policy, name: str) -> dict[str, tuple[Any, ir.Iteration | None]]:
    """Each effect rule of the query: (its emit as written, the list it emits over)."""
    written = {data["id"]: data.get("emit") for _, _, data in policy.compilation.ruleset.rules}
    return {r.id: (written.get(r.id), r.emit.over) for r in policy.query(name).rules if r.emit is not None}


def _some(encoder: Any, rule: tuple[Any, ir.Iteration | None] | None) -> Any:
    import z3

    if rule is None or rule[1] is None:
        return z3.BoolVal(True)
    return encoder.cond(ir.Quantifier("some", rule[1]), {})


def _witness(direction: str, document: dict[str, Any], base: Policy, new: Policy, name: str,
             effects: bool = False) -> Witness:
    return Witness(direction, document, _decided(base, name, document, effects), _decided(new, name, document, effects))


def _decided(policy: Policy, name: str, document: dict[str, Any], effects: bool) -> dict[str, Any]:
    try:
        decision = policy.decide(name, document)
    except ClosurePolicyError as exc:  # the prover's documents are valid for both: a bug if not
        return {"error": exc.report()}
    shown: dict[str, Any] = {"outcome": decision.outcome, "violations": list(decision.rule_ids)}
    if effects:
        shown["effects"] = [dict(e) for e in decision.effects]
    return shown
