"""Decisions by durable_rules: one ruleset per query, one fact per decision.

Every rule's condition (and each remediation or outcome choice guarded by a
condition) becomes a durable_rules rule generated from the same intermediate
form the compiled backend runs. A decision asserts one fact, collects the
rules whose actions the engine starts, and retracts the fact.

All decisions share one session (``sid``), so the engine's fixed session table
never fills (about a thousand live sessions raise ``MemoryError``). State is
cleaned by retracting, not by ``delete_state``: in durable_rules 2.0.28,
deleting the state of a session whose fact matched no rule corrupts the heap
(seen here: ``free(): invalid pointer`` a few decisions later). The C engine
is not reentrant, so a lock serialises the microseconds a decision spends in it.
"""
from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any, Mapping

from ... import limits
from ...compile.pipeline import Compilation
from ...compile.rules import CompiledQuery
from ...compile.stream import StreamSpec
from ...decision import Decision
from ...errors import EngineLimit
from ...facts.normalize import build_normalizer
from ..compiled.backend import Functions
from ..compiled.codegen import OUTCOME, REMEDY, WHEN
from ..compiled.runtime import Unreadable
from ..lifecycle import Lifecycle
from .availability import engine
from .codegen import Atoms, Formula, generate
from .lifecycle import ChartLifecycle
from .project import project

_names = itertools.count()
SID = "0"


Key = tuple[str, str, int]  # (rule id, "when" or what the condition guards, index)


@dataclass
class _Ruleset:
    handle: Any
    atoms: Atoms
    formulas: dict[Key, Formula]


class ReteBackend:
    name = "rete"

    def lifecycle(self, spec: StreamSpec) -> Lifecycle:
        """The stream's lifecycle as a durable_rules statechart."""
        return ChartLifecycle(spec)

    def __init__(self, compilation: Compilation, policy_info: dict[str, str]):
        self._engine = engine()
        # durable_rules compares encoded engine values, so its facts are normalised
        # whole; the rest of the decision is the compiled backend's generated code,
        # told by durable_rules which rules and choices hold.
        self._normalize = build_normalizer(compilation.facts)
        self._functions = Functions(compilation, policy_info)
        self._lock = threading.Lock()
        self._rulesets = {name: self._ruleset(q) for name, q in compilation.queries.items()}

    def _ruleset(self, query: CompiledQuery) -> _Ruleset:
        atoms, formulas = Atoms(), {}
        for rule in query.rules:
            formulas[(rule.id, WHEN, 0)] = generate(rule.when.ir, atoms, rule.location)
            guarded = [(REMEDY, i, c) for i, (c, _) in enumerate(rule.remediation)] + \
                      [(OUTCOME, i, c) for i, (c, _) in enumerate(rule.outcome)]
            for kind, i, cond in guarded:
                if cond is not None:
                    formulas[(rule.id, kind, i)] = generate(cond.ir, atoms, rule.location)
        definition = {name: {"all": [{"m": pattern}]} for name, pattern in atoms.rules.items()}
        handle = None
        if definition:
            handle = self._engine.create_ruleset(f"closure_policy_{query.name}_{next(_names)}", json.dumps(definition))
        return _Ruleset(handle, atoms, formulas)

    def decide(self, query: str, facts: Mapping[str, Any], lang: str) -> Decision:
        ruleset = self._rulesets[query]
        env = self._normal(facts)
        fired = self._fire(ruleset, env) if ruleset.handle is not None else set()  # an empty query has no ruleset
        formulas = ruleset.formulas
        decide = self._functions.get(query, lang, "oracle").function
        decision: Decision = decide(facts, None, lambda key: formulas[key](fired))
        return decision

    def _normal(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        problems: list[Any] = []
        env = self._normalize(facts, (), problems) if self._normalize else dict(facts)
        if problems:
            raise Unreadable(problems[0].message)
        return dict(env)

    def _fire(self, ruleset: _Ruleset, env: dict[str, Any]) -> set[str]:
        fact = project(env, ruleset.atoms.days, ruleset.atoms.sentinels, SID)
        if len(fact) > limits.MAX_RETE_FACT_PROPERTIES:
            raise EngineLimit(f"these facts make a durable_rules fact of {len(fact)} properties; "
                                     f"its limit is {limits.MAX_RETE_FACT_PROPERTIES}")
        text = json.dumps(fact, ensure_ascii=False)
        with self._lock:
            try:
                status, state = self._engine.assert_fact(ruleset.handle, text)[:2]
            except Exception as exc:  # the C engine reports its limits as plain errors
                raise EngineLimit(f"durable_rules refused the facts: {exc}") from None
            try:
                return self._fired(ruleset.handle, state) if status == 0 else set()
            finally:
                self._engine.retract_fact(ruleset.handle, text)

    def _fired(self, handle: Any, state: Any) -> set[str]:
        e = self._engine
        fired: set[str] = set()
        started = e.start_action_for_state(handle, state)
        message = json.loads(started[1]) if started else None
        while message:
            fired.update(message)
            following = e.complete_and_start_action(handle, state)
            message = json.loads(following) if following else None
        return fired
