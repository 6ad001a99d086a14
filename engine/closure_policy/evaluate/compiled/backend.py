"""The compiled backend: runs the closures the compiler made, in rule order."""
from __future__ import annotations

from dataclasses import dataclass

from ...compile.rules import CompiledQuery, CompiledRule, Condition
from ...compile.scope import Env
from ...decision import Decision
from ...trace import TRACE_KEY, Trace
from ..assemble import assemble


@dataclass
class _Closures:
    env: Env
    trace: Trace | None

    def rule(self, rule: CompiledRule) -> bool:
        if self.trace is None:
            return rule.when.test(self.env)
        self.trace.begin(rule.id, rule.location)
        fired = rule.when.test(self.env)
        self.trace.evaluated(fired)
        return fired

    def condition(self, rule: CompiledRule, kind: str, index: int, cond: Condition) -> bool:
        return cond.test(self.env)


class CompiledBackend:
    name = "compiled"

    def __init__(self, policy_info: dict[str, str]):
        self.policy_info = policy_info

    def decide(self, query: CompiledQuery, env: Env, lang: str, trace: Trace | None = None) -> Decision:
        """Decide; with a ``trace`` (and a traced compilation) every test is recorded in it."""
        if trace is not None:
            env[TRACE_KEY] = trace
        try:
            return assemble(query, env, lang, _Closures(env, trace), self.policy_info)
        finally:
            env.pop(TRACE_KEY, None)
