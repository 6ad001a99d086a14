"""The compiled backend: each query's generated function, made once at load.

``plain`` functions for every query and language are generated when the policy
loads; ``traced`` ones (explanations, coverage) when first asked for, so a
plain decision pays nothing for them.
"""
from __future__ import annotations

import threading
from types import MappingProxyType
from typing import Any, Callable, Mapping

from ...compile.pipeline import Compilation
from ...compile.rules import Condition
from ...compile.stream import StreamSpec
from ...decision import Decision
from ...trace import Trace
from ..lifecycle import Lifecycle, PlainLifecycle
from .codegen import Generated, predicate
from .outline import generate


class Functions:
    """Generated functions by (query, language, mode), made on first use and kept."""

    def __init__(self, compilation: Compilation, policy: Mapping[str, str], index: bool | None = None):
        self._queries, self._facts, self._index = compilation.queries, compilation.facts, index
        self._policy = MappingProxyType(dict(policy))
        self._made: dict[tuple[str, str, str], Generated] = {}
        self._lock = threading.Lock()

    def get(self, query: str, lang: str, mode: str) -> Generated:
        key = (query, lang, mode)
        made = self._made.get(key)
        if made is None:
            with self._lock:
                made = self._made.get(key)
                if made is None:
                    made = self._made[key] = generate(self._queries[query], lang, mode, self._policy,
                                                              self._facts, self._index)
        return made


class CompiledBackend:
    name = "compiled"

    def __init__(self, compilation: Compilation, policy_info: dict[str, str], index: bool | None = None):
        self.functions = Functions(compilation, policy_info, index)
        self._predicates: dict[Condition, Callable[[Mapping[str, Any]], bool]] = {}
        self._plain: dict[tuple[str, str], Any] = {
            (q, lang): self.functions.get(q, lang, "plain").function
            for q in compilation.queries for lang in compilation.ruleset.languages}

    def predicate(self, condition: Condition) -> Callable[[Mapping[str, Any]], bool]:
        """The condition as generated Python over validated facts, made once per condition."""
        made = self._predicates.get(condition)
        if made is None:
            made = self._predicates[condition] = predicate(condition.ir, condition.facts)
        return made

    def lifecycle(self, spec: StreamSpec) -> Lifecycle:
        """The stream's lifecycle, followed in Python."""
        return PlainLifecycle(spec)

    def decide(self, query: str, facts: Mapping[str, Any], lang: str, trace: Trace | None = None) -> Decision:
        """Decide over facts JSON Schema accepted; with a ``trace``, every test is recorded in it."""
        if trace is None:
            decision: Decision = self._plain[(query, lang)](facts)
        else:
            decision = self.functions.get(query, lang, "traced").function(facts, trace)
        return decision
