"""From which rules fired to the decision: the part every backend shares.

A backend answers "did this rule fire?" and "does this remediation's or
outcome choice's condition hold?"; details, messages, effects and the
outcome are then computed here, the same way for every backend.
"""
from __future__ import annotations

from typing import Any, Protocol

from ..compile.rules import CompiledQuery, CompiledRule, Condition
from ..compile.scope import Env
from ..decision import Decision, Violation
from ..jsonvalues import to_json

REMEDY, OUTCOME = "remedy", "outcome"


class Firing(Protocol):
    def rule(self, rule: CompiledRule) -> bool: ...

    def condition(self, rule: CompiledRule, kind: str, index: int, cond: Condition) -> bool: ...


def assemble(query: CompiledQuery, env: Env, lang: str, firing: Firing, policy: dict[str, str]) -> Decision:
    fired_rules: list[tuple[CompiledRule, Violation]] = []
    effects: list[dict[str, Any]] = []
    for rule in query.rules:
        if not firing.rule(rule):
            continue
        if rule.emit is not None:
            effects.extend(_emit(rule, env))
        else:
            fired_rules.append((rule, _violation(rule, env, lang, firing)))
    # Rules run in the order they are written (so effects keep it); the
    # first violation by step, then rule id, decides the outcome.
    fired_rules.sort(key=lambda fired: fired[0].sort_key)
    outcome = _choose(fired_rules[0][0], firing) if fired_rules else query.default
    spec = query.outcomes[outcome]
    response = spec.response(env) if spec.response is not None else None
    return Decision(query=query.name, account_id=query.subject(env), outcome=outcome,
                    violations=tuple(v for _, v in fired_rules), effects=tuple(effects), response=response,
                    track=spec.track, policy=policy, lang=lang)


def _violation(rule: CompiledRule, env: Env, lang: str, firing: Firing) -> Violation:
    details = rule.details(env)
    remediation = [texts[lang](env, details) for i, (when, texts) in enumerate(rule.remediation)
                   if when is None or firing.condition(rule, REMEDY, i, when)]
    message = rule.message[lang](env, details) if rule.message else ""
    return Violation(rule=rule.id, step=rule.step, title=rule.title[lang], message=message,
                     remediation=tuple(remediation), details=to_json(details), source=rule.source)


def _emit(rule: CompiledRule, env: Env) -> list[dict[str, Any]]:
    emit = rule.emit
    assert emit is not None
    if emit.matches is None:
        return [emit.effect(env)]
    return [emit.effect(env) for _ in emit.matches(env)]


def _choose(rule: CompiledRule, firing: Firing) -> str:
    for i, (when, name) in enumerate(rule.outcome):
        if when is None or firing.condition(rule, OUTCOME, i, when):
            return name
    return rule.outcome[-1][1] if rule.outcome else ""
