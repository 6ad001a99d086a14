"""The public entry point: load a rule folder once, decide many times."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Mapping

from . import evaluate, resources
from .compile import Compilation, compile_policy
from .compile.rules import CompiledQuery
from .compile.stream import StreamSpec
from .decision import Decision
from .errors import UnknownQuery, UnsupportedLanguage
from .evaluate.compiled.backend import CompiledBackend
from .facts import FactsChecker
from .trace import Trace, Tracer

BACKENDS = tuple(evaluate.BACKENDS)


class Policy:
    """A compiled rule set. Thread-safe: a decision keeps its state to itself."""

    def __init__(self, compilation: Compilation, checker: FactsChecker, backend: str = "compiled"):
        self._compilation = compilation
        self._checker = checker
        self._traced: Compilation | None = None
        self.directory = compilation.directory
        self.name = compilation.ruleset.name
        self.languages = list(compilation.ruleset.languages)
        self.revision = compilation.revision
        self.backend_name = backend
        info = {"name": self.name, "revision": self.revision}
        self._compiled = CompiledBackend(info)
        self._backend: evaluate.Backend = (self._compiled if backend == "compiled"
                                           else evaluate.create(backend, compilation, info))

    @property
    def queries(self) -> dict[str, CompiledQuery]:
        return self._compilation.queries

    def query(self, name: str) -> CompiledQuery:
        """The compiled query ``name``, or :class:`UnknownQuery` listing the queries there are."""
        try:
            return self.queries[name]
        except KeyError:
            raise UnknownQuery(name, self.queries) from None

    def decide(self, query: str, facts: Mapping[str, Any], lang: str = "en", explain: bool = False,
               tracer: Tracer | None = None) -> Decision:
        """Validate the facts, then answer ``query`` over them in ``lang``.

        ``explain`` adds the evaluation trace to the decision; a ``tracer``
        (such as :class:`closure_policy.cover.Coverage`) is shown every trace.
        """
        return self.decide_over(query, facts, lang, explain, tracer)[0]

    def decide_over(self, query: str, facts: Mapping[str, Any], lang: str = "en", explain: bool = False,
                    tracer: Tracer | None = None) -> tuple[Decision, dict[str, Any]]:
        """The decision, and the normalised facts it was made over (for conditions decided beside it)."""
        compiled = self.query(query)
        if lang not in self.languages:
            raise UnsupportedLanguage(lang, self.languages)
        env = self._checker.check(facts, required=compiled.roots)
        if not explain and tracer is None:
            return self._backend.decide(compiled, env, lang), env
        # Traces come from the compiled evaluator of the same intermediate form;
        # another backend still makes the decision itself.
        trace = Trace()
        decision = self._compiled.decide(self.traced().queries[query], env, lang, trace)
        if self._backend is not self._compiled:
            decision = self._backend.decide(compiled, env, lang)
        if tracer is not None:
            tracer.observe(trace)
        return (dataclasses.replace(decision, trace=tuple(trace.explanation())) if explain else decision), env

    @property
    def stream(self) -> StreamSpec | None:
        """The rules' ``stream:`` declaration, compiled (None when they declare none)."""
        return self._compilation.stream

    def subject_of(self, facts: Any) -> Any:
        """The account ``facts`` are about (``policy.subject``), read without trusting their shape."""
        value = facts
        for key in self._compilation.ruleset.subject.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def validate(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts normalised, or :class:`InvalidFacts` naming every problem."""
        return self._checker.check(facts)

    def traced(self) -> Compilation:
        """The same rules compiled to record what they test (see :mod:`closure_policy.trace`)."""
        # Explanations need closures that record what they read; compiled only
        # when first asked for, so plain decisions pay nothing for them.
        if self._traced is None:
            self._traced = compile_policy(self.directory, self._checker.types, trace=True,
                                          sources=self._compilation.sources)
        return self._traced


def available_backends() -> list[str]:
    """The backends this installation can run (rete needs a working durable-rules)."""
    return evaluate.available()


def load_policy(path: str | os.PathLike[str] | None = None, backend: str = "compiled") -> Policy:
    """Load, validate and compile a rule folder (default: the bundled rules)."""
    evaluate.require(backend)  # unknown or not runnable here: said before any work
    checker = facts_checker()
    directory = Path(path) if path is not None else resources.rules_dir()
    return Policy(compile_policy(directory, checker.types), checker, backend)


_checker: FactsChecker | None = None


def facts_checker() -> FactsChecker:
    """The checker for the bundled facts schema, built once per process."""
    global _checker
    if _checker is None:
        _checker = FactsChecker(resources.schema("facts"))
    return _checker


def check_rules(path: str | os.PathLike[str] | None = None) -> Compilation:
    """Every problem of a rule folder, without raising (what ``check`` prints)."""
    directory = Path(path) if path is not None else resources.rules_dir()
    return compile_policy(directory, facts_checker().types, strict=False)
