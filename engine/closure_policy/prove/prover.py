"""Prove properties of a policy over every facts document (up to a bound), or find a document that breaks one.

The public entry is :class:`Prover`: it builds the symbolic document once (its
validity from the facts schema) and each query's symbolic decision once, then
answers many questions, each in the same steps, as Cedar's symcc takes them:
the question as assertions (:mod:`.questions`), one call of the solver
(:mod:`.solve`) with what makes an answer writable (:mod:`.concrete`), the model
read back (:mod:`.decode`) and confirmed by the engine (:mod:`.confirm`). Every
document it returns (a counterexample, a witness) is checked by the real engine
before it is reported: valid against the facts schema, and decided as the model
says. A disagreement is :class:`ModelMismatch`, a bug in the model or the
engine, never reported as an answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import z3

from ..compile import ir
from ..policy import Policy
from . import concrete
from .concrete import real_zones, writable_strings
from .confirm import confirm
from .decode import Decoder, decided, zone_offsets
from .encode import Encoder, Offset
from .model import Builder, Document, Strings
from .named import cond_strings, query_strings, schema_strings
from .pin import Pinner
from .properties import Property
from .questions import Outcomes, SymbolicDecision, broken, decide, differing, expected, reaching
from .schema import SchemaReader
from .solve import SAT, UNSAT, solve
from .values import zone_offset

PROVED, COUNTEREXAMPLE, UNKNOWN, UNREACHABLE = "proved", "counterexample", "unknown", "unreachable"


@dataclass
class Result:
    property: str
    query: str
    status: str
    counterexample: dict[str, Any] | None = None  # a document that breaks the property (or tells two revisions apart)
    witness: dict[str, Any] | None = None  # for a reachability check: a document that reaches it
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"property": self.property, "query": self.query, "status": self.status,
                "counterexample": self.counterexample}


@dataclass
class Prover:
    """Questions about ``policy``'s decisions over every valid document with lists of at most ``max_items``."""

    policy: Policy
    max_items: int = 3
    timeout: float = 60.0  # seconds, per question
    assumptions: Iterable[ir.Cond] = ()  # every condition the questions will use (their strings are coded first)
    base: Policy | None = None  # for equivalence: the other revision
    outcomes: Outcomes = field(default_factory=Outcomes)
    readable: bool = True  # counterexamples shaped for people (concrete.readable); mutation testing needs none

    def __post_init__(self) -> None:
        policies = [self.policy] + ([self.base] if self.base is not None else [])
        named = {"UTC"} | schema_strings(self.policy.facts_schema_document())
        for p in policies:
            for query in p.queries.values():
                named |= set(query_strings(query))
        for cond in self.assumptions:
            named |= set(cond_strings(cond))
        self.strings = Strings(named)
        #: The offset of the zone with each code, at the moments a day is taken in (a counterexample's zones
        #: must have one offset at every moment: :func:`.concrete.real_zones`).
        self.offset_of_zone = z3.Function("zone_offset", z3.IntSort(), z3.IntSort())
        self.doc: Document = Builder(self.policy.facts_types, self.strings, self.max_items).build()
        self.valid = [*self.doc.constraints]
        for p in policies:
            self.valid.append(SchemaReader(p.facts_schema_document(), self.strings).valid(self.doc.root))
        self.encoders = {id(p): Encoder(self.doc, self.strings) for p in policies}
        self._decisions: dict[tuple[int, str], SymbolicDecision] = {}
        self._readable: list[list[Any]] | None = None

    # --- questions ------------------------------------------------------------------------------------------

    def prove(self, prop: Property) -> Result:
        """Whether every valid document that meets ``assume`` is decided as ``expect`` says."""
        encoder = self.encoders[id(self.policy)]
        decision = self.decision(self.policy, prop.query)
        encoder.where = prop.location
        assume = encoder.cond(prop.assume.ir, {}) if prop.assume is not None else z3.BoolVal(True)
        formula = broken(decision, assume, expected(prop.expect, decision, self.outcomes))
        status, document = self._ask(formula, [(self.policy, prop.query)])
        if status == SAT:
            return Result(prop.name, prop.query, COUNTEREXAMPLE, counterexample=document)
        return Result(prop.name, prop.query, PROVED if status == UNSAT else UNKNOWN, note=status)

    def reachable(self, name: str, query: str, formula: Any) -> Result:
        status, document = self._ask(reaching(self.decision(self.policy, query), formula), [(self.policy, query)],
                                     readable=False)  # a witness is confirmed, not shown
        if status == SAT:
            return Result(name, query, PROVED, witness=document)
        return Result(name, query, UNREACHABLE if status == UNSAT else UNKNOWN, note=status)

    def builtins(self, query_name: str) -> Iterator[Result]:
        """Every rule of the query can fire and can hold; every outcome of the query is reached."""
        query = self.policy.query(query_name)
        decision = self.decision(self.policy, query_name)
        for rule in query.rules:
            yield self.reachable(f"{rule.id} can fire", query_name, decision.fired[rule.id])
            yield self.reachable(f"{rule.id} can hold", query_name, z3.Not(decision.fired[rule.id]))
        for outcome in query.outcomes:
            yield self.reachable(f"outcome {outcome} is reached", query_name,
                                 decision.outcome == self.outcomes[outcome])

    def equivalent(self, query: str) -> Result:
        """Whether ``base`` and ``policy`` decide ``query`` alike (outcome and violated rules) on every document."""
        assert self.base is not None
        formula = differing(self.decision(self.policy, query), self.decision(self.base, query))
        status, document = self._ask(formula, [(self.policy, query), (self.base, query)], differ=True)
        name = f"{query} is decided alike by both revisions"
        if status == SAT:
            return Result(name, query, COUNTEREXAMPLE, counterexample=document)
        return Result(name, query, PROVED if status == UNSAT else UNKNOWN, note=status)

    def verdict(self, query: str, document: dict[str, Any]) -> tuple[str, set[str]] | None:
        """The model's decision of one concrete document: its outcome and violated rules (None: the model
        holds the document invalid). Its zones must have one offset at every moment (UTC, Etc/GMT±h)."""
        pinner = Pinner(self.strings)
        pins = pinner.pin(self.doc.root, document)
        decision = self.decision(self.policy, query)
        zones = [self.offset_of_zone(z3.IntVal(code)) == offset for text, code in pinner.fresh.items()
                 if (offset := zone_offset(text)) is not None]
        answer = solve([*self._assertions(), *pins, *self._real_zones(), decision.admitted, *zones])
        return decided(answer.model, decision, self.outcomes) if answer.status == SAT else None

    def decision(self, policy: Policy, query_name: str) -> SymbolicDecision:
        """``query_name``'s decision by ``policy`` over the symbolic document, made once."""
        key = (id(policy), query_name)
        if key not in self._decisions:
            self._decisions[key] = decide(self.encoders[id(policy)], self.doc, policy.query(query_name),
                                          self.outcomes)
        return self._decisions[key]

    def find(self, formula: Any, asked: list[tuple[Policy, str]], differ: bool = False) -> tuple[str,
                                                                                                 dict[str, Any] | None]:
        """A document meeting ``formula`` (asked of the symbolic decisions of ``asked``), confirmed by the engine:
        ``sat`` and the document, ``unsat``, or why neither. ``differ``: the engine must decide the two alike
        in outcome or violated rules nowhere it is reported."""
        return self._ask(formula, asked, differ)

    # --- one question's steps: solve, decode, confirm ------------------------------------------------------

    def _ask(self, formula: Any, asked: list[tuple[Policy, str]], differ: bool = False,
             readable: bool = True) -> tuple[str, dict[str, Any] | None]:
        """``unsat``, ``sat`` with a document the engine confirms, or why neither (``timeout``, a zone)."""
        writable = [*self._real_zones(), *writable_strings(self.doc, self.strings)]
        answer = solve([*self._assertions(), formula], self.timeout, writable,
                       self._preferences if readable and self.readable else None)
        if answer.status != SAT:
            return answer.status, None
        zones = zone_offsets(answer.model, self._offsets(), self.offset_of_zone)
        document = Decoder(self.doc, self.strings, answer.model, zones).document()
        if document is None:
            return "no string fits a place's pattern", None
        confirm(document, [(policy, query, decided(answer.model, self.decision(policy, query), self.outcomes))
                           for policy, query in asked], differ)
        return SAT, document

    def _preferences(self) -> list[list[Any]]:
        """What makes a counterexample readable (:func:`.concrete.readable`), made once: the same document."""
        if self._readable is None:
            self._readable = concrete.readable(self.doc, self.strings)
        return self._readable

    def _assertions(self) -> list[Any]:
        """What every valid document meets, and what the encoders' terms mean."""
        return [*self.valid, *(c for encoder in self.encoders.values() for c in encoder.constraints)]

    def _offsets(self) -> list[Offset]:
        return [o for encoder in self.encoders.values() for o in encoder.offsets]

    def _real_zones(self) -> list[Any]:
        return real_zones(self._offsets(), self.strings, self.offset_of_zone)
