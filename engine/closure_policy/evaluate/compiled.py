"""The compiled backend: runs the closures the compiler made, in rule order."""
from __future__ import annotations

from typing import Any

from ..compile.rules import CompiledQuery, CompiledRule
from ..compile.scope import Env
from ..decision import Decision, Violation
from ..jsonvalues import to_json
from ..trace import TRACE_KEY, Trace


class CompiledBackend:
    name = "compiled"

    def __init__(self, policy_info: dict[str, str]):
        self.policy_info = policy_info

    def decide(self, query: CompiledQuery, env: Env, lang: str, trace: Trace | None = None) -> Decision:
        """Decide; with a ``trace`` (and a traced compilation) every test is recorded in it."""
        fired_rules: list[tuple[CompiledRule, Violation]] = []
        effects: list[dict[str, Any]] = []
        if trace is not None:
            env[TRACE_KEY] = trace
            trace.query = query.name
        for rule in query.rules:
            if trace is not None:
                trace.begin(rule.id, rule.location)
            fired = rule.when.test(env)
            if trace is not None:
                trace.evaluated(fired)
            if not fired:
                continue
            if rule.emit is not None:
                effects.extend(_emit(rule, env))
            else:
                fired_rules.append((rule, _violation(rule, env, lang)))
        # Rules run in the order they are written (so effects keep it); the
        # first violation by step, then rule id, decides the outcome.
        fired_rules.sort(key=lambda fired: fired[0].sort_key)
        outcome = _choose(fired_rules[0][0], env) if fired_rules else query.default
        spec = query.outcomes[outcome]
        response = spec.response(env) if spec.response is not None else None
        env.pop(TRACE_KEY, None)
        return Decision(query=query.name, account_id=env["account"]["id"], outcome=outcome,
                        violations=[v for _, v in fired_rules], effects=effects, response=response,
                        track=spec.track, policy=self.policy_info, lang=lang)


def _violation(rule: CompiledRule, env: Env, lang: str) -> Violation:
    details = rule.details(env)
    remediation = [texts[lang](env, details) for when, texts in rule.remediation if when is None or when.test(env)]
    message = rule.message[lang](env, details) if rule.message else ""
    return Violation(rule=rule.id, step=rule.step, title=rule.title[lang], message=message,
                     remediation=remediation, details=to_json(details), source=rule.source)


def _emit(rule: CompiledRule, env: Env) -> list[dict[str, Any]]:
    emit = rule.emit
    assert emit is not None
    if emit.matches is None:
        return [emit.effect(env)]
    return [emit.effect(env) for _ in emit.matches(env)]


def _choose(rule: CompiledRule, env: Env) -> str:
    for when, name in rule.outcome:
        if when is None or when.test(env):
            return name
    return rule.outcome[-1][1] if rule.outcome else ""
