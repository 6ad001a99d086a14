"""Prove properties of a policy over every facts document (up to a bound), or find a document that breaks one.

The public entry is :class:`Prover`: it builds the symbolic document once (its
validity from the facts schema) and each query's symbolic decision once, then
answers many questions. Every document it returns (a counterexample, a witness)
is checked by the real engine before it is reported: valid against the facts
schema, and decided as the model says. A disagreement is :class:`ModelMismatch`,
a bug in the model or the engine, never reported as an answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import z3

from ..compile import ir
from ..compile.rules import CompiledQuery
from ..errors import InvalidFacts
from ..policy import Policy
from .encode import Encoder
from .errors import ModelMismatch
from .model import (
    TEXT_KINDS,
    Arr,
    Builder,
    Document,
    Obj,
    Pinner,
    Scalar,
    Strings,
    Sym,
    accepts,
    fresh_text,
    instant_text,
    money_text,
    zone_name,
    zone_offset,
)
from .properties import Property
from .schema import SchemaReader

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
class _Decision:
    fired: dict[str, Any]  # rule id -> z3 Bool
    outcome: Any  # z3 Int: a code of :attr:`Prover.outcomes`
    violations: list[str]  # the ids of the rules that are violations (not effect rules), in order
    admitted: Any  # the documents the query decides at all: each root fact its rules read is given


@dataclass
class Prover:
    """Questions about ``policy``'s decisions over every valid document with lists of at most ``max_items``."""

    policy: Policy
    max_items: int = 3
    timeout: float = 60.0  # seconds, per question
    assumptions: Iterable[ir.Cond] = ()  # every condition the questions will use (their strings are coded first)
    base: Policy | None = None  # for equivalence: the other revision
    outcomes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        policies = [self.policy] + ([self.base] if self.base is not None else [])
        named = {"UTC"} | _schema_strings(self.policy.facts_schema_document())
        for p in policies:
            for query in p.queries.values():
                named |= set(_query_strings(query))
        for cond in self.assumptions:
            named |= set(_strings(cond))
        self.strings = Strings(named)
        #: The offset of the zone with each code, at the moments a day is taken in (a counterexample's zones
        #: must have one offset at every moment: see :meth:`_real_zones`).
        self.offset_of_zone = z3.Function("zone_offset", z3.IntSort(), z3.IntSort())
        self.doc: Document = Builder(self.policy.facts_types, self.strings, self.max_items).build()
        self.valid = [*self.doc.constraints]
        for p in policies:
            self.valid.append(SchemaReader(p.facts_schema_document(), self.strings).valid(self.doc.root))
        self.encoders = {id(p): Encoder(self.doc, self.strings) for p in policies}
        self._decisions: dict[tuple[int, str], _Decision] = {}

    # --- questions ------------------------------------------------------------------------------------------

    def prove(self, prop: Property) -> Result:
        """Whether every valid document that meets ``assume`` is decided as ``expect`` says."""
        encoder = self.encoders[id(self.policy)]
        decision = self.decision(self.policy, prop.query)
        encoder.where = prop.location
        assume = encoder.cond(prop.assume.ir, {}) if prop.assume is not None else z3.BoolVal(True)
        broken = z3.And(decision.admitted, assume, z3.Not(self._expect(prop.expect, decision)))
        status, document = self._ask(broken, [(self.policy, prop.query)])
        if status == "sat":
            return Result(prop.name, prop.query, COUNTEREXAMPLE, counterexample=document)
        return Result(prop.name, prop.query, PROVED if status == "unsat" else UNKNOWN, note=status)

    def reachable(self, name: str, query: str, formula: Any) -> Result:
        formula = z3.And(self.decision(self.policy, query).admitted, formula)
        status, document = self._ask(formula, [(self.policy, query)])
        if status == "sat":
            return Result(name, query, PROVED, witness=document)
        return Result(name, query, UNREACHABLE if status == "unsat" else UNKNOWN, note=status)

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
        mine, theirs = self.decision(self.policy, query), self.decision(self.base, query)
        rules = sorted(set(mine.violations) | set(theirs.violations))
        differ = z3.And(mine.admitted, theirs.admitted, z3.Or(
            mine.outcome != theirs.outcome,
            *[mine.fired.get(r, z3.BoolVal(False)) != theirs.fired.get(r, z3.BoolVal(False)) for r in rules]))
        status, document = self._ask(differ, [(self.policy, query), (self.base, query)], differ=True)
        name = f"{query} is decided alike by both revisions"
        if status == "sat":
            return Result(name, query, COUNTEREXAMPLE, counterexample=document)
        return Result(name, query, PROVED if status == "unsat" else UNKNOWN, note=status)

    def verdict(self, query: str, document: dict[str, Any]) -> tuple[str, set[str]] | None:
        """The model's decision of one concrete document: its outcome and violated rules (None: the model
        holds the document invalid). Its zones must have one offset at every moment (UTC, Etc/GMT±h)."""
        pinner = Pinner(self.strings)
        pins = pinner.pin(self.doc.root, document)
        decision = self.decision(self.policy, query)
        solver = z3.Solver()
        solver.add(*self.valid, *pins, *self._real_zones(), decision.admitted)
        for encoder in self.encoders.values():
            solver.add(*encoder.constraints)
        for text, code in pinner.fresh.items():
            offset = zone_offset(text)
            if offset is not None:
                solver.add(self.offset_of_zone(z3.IntVal(code)) == offset)
        if solver.check() != z3.sat:
            return None
        model = solver.model()
        outcome = model.eval(decision.outcome, model_completion=True).as_long()
        fired = {r for r in decision.violations if z3.is_true(model.eval(decision.fired[r], model_completion=True))}
        return next(n for n, c in self.outcomes.items() if c == outcome), fired

    # --- the symbolic decision ------------------------------------------------------------------------------

    def decision(self, policy: Policy, query_name: str) -> _Decision:
        key = (id(policy), query_name)
        if key not in self._decisions:
            query = policy.query(query_name)
            for name in list(query.outcomes) + [""]:
                self.outcomes.setdefault(name, len(self.outcomes))
            encoder = self.encoders[id(policy)]
            fired = {rule.id: encoder.fired(rule) for rule in query.rules}
            outcome = encoder.outcome(query, fired, self.outcomes)
            given = z3.And(*[z3.Not(self.doc.root.fields[k].absent) for k in sorted(query.roots)
                             if k in self.doc.root.fields])
            self._decisions[key] = _Decision(fired, outcome, [r.id for r in query.rules if r.emit is None], given)
        return self._decisions[key]

    def _expect(self, expect: dict[str, Any], decision: _Decision) -> Any:
        parts = []
        if "outcome" in expect:
            parts.append(decision.outcome == self.outcomes[expect["outcome"]])
        if "outcome_not" in expect:
            parts.append(decision.outcome != self.outcomes[expect["outcome_not"]])
        if "violations" in expect:
            parts += [decision.fired[r] == (r in expect["violations"]) for r in decision.violations]
        parts += [decision.fired[r] for r in expect.get("violations_include", [])]
        parts += [z3.Not(decision.fired[r]) for r in expect.get("violations_exclude", [])]
        return z3.And(*parts)

    # --- asking z3, and showing its answer -------------------------------------------------------------------

    def _ask(self, formula: Any, decided: list[tuple[Policy, str]],
             differ: bool = False) -> tuple[str, dict[str, Any] | None]:
        """``unsat``, ``sat`` with a document the engine confirms, or why neither (``timeout``, a zone)."""
        solver = z3.Solver()
        solver.set(timeout=max(1, int(self.timeout * 1000)))
        solver.add(*self.valid, formula)
        for encoder in self.encoders.values():
            solver.add(*encoder.constraints)
        first = solver.check()
        if first != z3.sat:
            return ("unsat" if first == z3.unsat else "timeout"), None
        solver.add(*self._real_zones(), *self._writable_strings())
        if solver.check() != z3.sat:
            return "needs a time zone whose offset changes (only fixed-offset zones are written out)", None
        model = solver.model()
        document = Decoder(self.doc, self.strings, model, self._zone_offsets(model)).document()
        if document is None:
            return "no string fits a place's pattern", None
        self._confirm(document, model, decided, differ)
        return "sat", document

    def _offsets(self) -> list[Any]:
        return [o for encoder in self.encoders.values() for o in encoder.offsets]

    def _real_zones(self) -> list[Any]:
        """Each zone a counterexample takes a day in has one offset at every moment: UTC, or Etc/GMT±h."""
        offset_of = self.offset_of_zone
        fixed = {code: zone_offset(text) for text, code in self.strings.codes.items()
                 if zone_offset(text) is not None}
        found = []
        offsets = self._offsets()
        for o in offsets:
            is_fresh = self.strings.fresh(o.zone)
            found.append(z3.Implies(z3.Not(o.zone_none), o.term == offset_of(o.zone)))
            found.append(z3.Or(is_fresh, *[o.zone == c for c in fixed]))
            found += [z3.Implies(o.zone == c, offset_of(o.zone) == off) for c, off in fixed.items()]
            found.append(z3.Implies(is_fresh, z3.Or(*[offset_of(o.zone) == h * 3600
                                                       for h in range(-12, 15) if h])))
        for i, a in enumerate(offsets):
            for b in offsets[:i]:
                found.append(z3.Implies(z3.And(self.strings.fresh(a.zone), self.strings.fresh(b.zone),
                                               a.zone != b.zone), offset_of(a.zone) != offset_of(b.zone)))
        return found

    def _writable_strings(self) -> list[Any]:
        """Places whose strings no one string could fill together (a zone and a currency code, say) hold
        different fresh strings: so that each fresh code can be written back as a string both accept."""
        places = [s for s in self.doc.scalars if s.free]
        kinds: dict[int, tuple[str, str]] = {id(s): (s.kind, repr(s.schemas)) for s in places}
        apart: dict[tuple[tuple[str, str], tuple[str, str]], bool] = {}
        found = []
        for i, a in enumerate(places):
            for b in places[:i]:
                pair = (kinds[id(a)], kinds[id(b)])
                if pair[0] == pair[1]:
                    continue
                if pair not in apart:
                    apart[pair] = "timezone" in (a.kind, b.kind) or fresh_text(a.schemas + b.schemas, set()) is None
                if apart[pair]:
                    found.append(z3.Implies(z3.And(self.strings.fresh(a.value), self.strings.fresh(b.value)),
                                            a.value != b.value))
        return found

    def _zone_offsets(self, model: Any) -> dict[int, int]:
        """The offset of each fresh zone a day was taken in."""
        found = {}
        for o in self._offsets():
            if z3.is_false(model.eval(o.zone_none, model_completion=True)):
                code = model.eval(o.zone, model_completion=True).as_long()
                found[code] = model.eval(self.offset_of_zone(o.zone), model_completion=True).as_long()
        return found

    def _confirm(self, document: dict[str, Any], model: Any, decided: list[tuple[Policy, str]], differ: bool) -> None:
        """The engine reads the document as valid and decides it as the model does, or :class:`ModelMismatch`."""
        answers = []
        for policy, query in decided:
            try:
                policy.validate(document)
                real = policy.decide(query, document)
            except InvalidFacts as exc:
                raise ModelMismatch(f"the model's document is not valid facts: {exc.report()}\n{document}") from None
            mine = self.decision(policy, query)
            outcome = model.eval(mine.outcome, model_completion=True).as_long()
            fired = {r for r in mine.violations if z3.is_true(model.eval(mine.fired[r], model_completion=True))}
            said = (next(n for n, c in self.outcomes.items() if c == outcome), fired)
            got = (real.outcome, {v.rule for v in real.violations})
            if said != got:
                raise ModelMismatch(f"{query}: the model says {said}, the engine {got}, of {document}")
            answers.append(got)
        if differ and answers[0] == answers[1]:
            raise ModelMismatch(f"{decided[0][1]}: the model says the revisions differ; the engine decides "
                                f"{document} alike")


class Decoder:
    """A z3 model as a facts document: codes as strings, units as amounts and instants."""

    def __init__(self, doc: Document, strings: Strings, model: Any, zones: dict[int, int]):
        self.doc, self.strings, self.model, self.zones = doc, strings, model, zones
        self.texts: dict[int, str] = {}

    def eval(self, expr: Any) -> Any:
        return self.model.eval(expr, model_completion=True)

    def true(self, expr: Any) -> bool:
        return z3.is_true(self.eval(expr)) if not isinstance(expr, bool) else expr

    def document(self) -> dict[str, Any] | None:
        if not self._name_fresh_strings():
            return None
        found = self.value(self.doc.root)
        assert isinstance(found, dict)
        return found

    def _name_fresh_strings(self) -> bool:
        places: dict[int, list[Scalar]] = {}
        for s in self.doc.scalars:
            if s.kind in TEXT_KINDS:
                places.setdefault(self.eval(s.value).as_long(), []).append(s)
        taken = set(self.strings.codes)
        # Zones whose offsets the model fixed are named first: the others take any name left.
        for code, where in sorted(places.items(), key=lambda item: (item[0] not in self.zones, item[0])):
            named = self.strings.text(code)
            if named is not None:
                self.texts[code] = named
                continue
            text = self._fresh(code, where, taken)
            if text is None:
                return False
            self.texts[code] = text
            taken.add(text)
        return True

    def _fresh(self, code: int, where: list[Scalar], taken: set[str]) -> str | None:
        schemas = [schema for s in where for schema in s.schemas]
        if any(s.kind == "timezone" for s in where):
            options = [zone_name(self.zones[code])] if code in self.zones else \
                [zone_name(h * 3600) for h in range(-12, 15) if h]
            return next((z for z in options if z is not None and z not in taken
                         and all(accepts(schema, z) for schema in schemas)), None)
        return fresh_text(schemas, taken)

    def value(self, sym: Sym) -> Any:
        if self.true(sym.null):
            return None
        if isinstance(sym, Obj):
            return {k: self.value(v) for k, v in sym.fields.items() if not self.true(v.absent)}
        if isinstance(sym, Arr):
            return [self.value(item) for item in sym.items[:self.eval(sym.length).as_long()]]
        return self.scalar(sym)

    def scalar(self, s: Scalar) -> Any:
        value = self.eval(s.value)
        if s.kind == "boolean":
            return z3.is_true(value)
        number = value.as_long()
        if s.kind == "money":
            return money_text(number)
        if s.kind == "timestamp":
            return instant_text(number)
        if s.kind in TEXT_KINDS:
            return self.texts[number]
        return number


# --- the strings a policy names ---------------------------------------------------------------------------------

def _strings(node: ir.Cond) -> Iterator[str]:
    if isinstance(node, ir.Compare) and isinstance(node.right, ir.Const):
        value = node.right.value
        items = value if isinstance(value, (frozenset, tuple)) else (value,)
        yield from (v for v in items if isinstance(v, str))
    elif isinstance(node, (ir.All, ir.AnyOf)):
        for part in node.parts:
            yield from _strings(part)
    elif isinstance(node, ir.Not):
        yield from _strings(node.inner)
    elif isinstance(node, ir.Quantifier) and node.over.where is not None:
        yield from _strings(node.over.where)


def _query_strings(query: CompiledQuery) -> Iterator[str]:
    for rule in query.rules:
        yield from _strings(rule.when.ir)
        for when, _ in rule.outcome:
            if when is not None:
                yield from _strings(when.ir)


def _schema_strings(node: Any) -> set[str]:
    """Every string an enum, const or default of the schema names."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("enum", "const", "default"):
                values = value if isinstance(value, list) else [value]
                found |= {v for v in values if isinstance(v, str)}
            else:
                found |= _schema_strings(value)
    elif isinstance(node, list):
        for item in node:
            found |= _schema_strings(item)
    return found
