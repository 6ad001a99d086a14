"""The public entry point: load a rule folder once, decide many times."""
from __future__ import annotations

import copy
import dataclasses
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from . import evaluate, resources
from .compile import Compilation, compile_policy
from .compile.rules import CompiledQuery, Condition
from .compile.stream import StreamSpec
from .decision import Decision
from .errors import (
    ClosurePolicyError,
    EngineLimit,
    FactProblem,
    InvalidFacts,
    UnknownQuery,
    UnreadableDocument,
    UnsupportedLanguage,
)
from .evaluate.compiled.backend import CompiledBackend
from .evaluate.compiled.runtime import Unreadable
from .evaluate.lifecycle import Lifecycle
from .facts import FactType
from .facts.schema_file import FactsSchema
from .gcpause import collector_paused
from .jsondoc import TEXTS, parse
from .pointers import json_pointer
from .trace import Trace, Tracer

BACKENDS = tuple(evaluate.BACKENDS)


@dataclasses.dataclass(frozen=True)
class Decided:
    """One document of :meth:`Policy.decide_many`: its decision, or the error that stopped it (never both)."""

    index: int  #: 0-based position in the input
    facts: Any  #: the document (read, when it was given as JSON text; None when it could not be)
    decision: Decision | None
    error: ClosurePolicyError | EngineLimit | None
    seconds: float  #: time to read and decide it


class Policy:
    """A compiled rule set. Thread-safe: a decision keeps its state to itself."""

    def __init__(self, compilation: Compilation, backend: str = "compiled", index: bool | None = None):
        assert compilation.schema is not None, "a compilation with problems is never a Policy"
        self.compilation = compilation
        self.facts_schema: FactsSchema = compilation.schema  #: the policy's own facts schema, read and checked
        self._checker = compilation.schema.checker
        self.directory = compilation.directory
        self.name = compilation.ruleset.name
        self.languages = list(compilation.ruleset.languages)
        self.revision = compilation.revision
        self.backend_name = backend
        #: The JSON pointer of the fact every decision echoes as ``account_id`` (``policy.subject``).
        self.subject_pointer = json_pointer(compilation.ruleset.subject.split("."))
        info = {"name": self.name, "revision": self.revision}
        with collector_paused():
            self._compiled = CompiledBackend(compilation, info, index)
            self._backend: evaluate.Backend = (self._compiled if backend == "compiled"
                                               else evaluate.create(backend, compilation, info))

    @property
    def facts_types(self) -> FactType:
        """The type of every fact path, from the policy's facts schema."""
        return self._checker.types

    def facts_schema_document(self) -> dict[str, Any]:
        """The facts schema as JSON: a copy of its own for each caller, so that none can change the policy's."""
        return copy.deepcopy(self.facts_schema.document)

    @property
    def subject_label(self) -> Mapping[str, str]:
        """What text output calls the subject, by language (``policy.subject_label``; may be empty)."""
        return self.compilation.ruleset.subject_label

    @property
    def queries(self) -> dict[str, CompiledQuery]:
        return self.compilation.queries

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
        (such as :class:`closure_policy.tester.cover.Coverage`) is shown every trace.
        """
        return self.decide_over(query, facts, lang, explain, tracer)[0]

    def decide_over(self, query: str, facts: Mapping[str, Any], lang: str = "en", explain: bool = False,
                    tracer: Tracer | None = None) -> tuple[Decision, Mapping[str, Any]]:
        """The decision, and the facts it was made over (``as_of`` filled in), for conditions asked beside it."""
        compiled = self.query(query)
        if lang not in self.languages:
            raise UnsupportedLanguage(lang, self.languages)
        admitted = self._checker.admit(facts, required=compiled.roots)
        try:
            if not explain and tracer is None:
                return self._backend.decide(query, admitted, lang), admitted
            # Traces come from the traced variant of the same generated code;
            # another backend still makes the decision itself.
            trace = Trace()
            decision = self._compiled.decide(query, admitted, lang, trace)
            if self._backend is not self._compiled:
                decision = self._backend.decide(query, admitted, lang)
        except Unreadable as exc:
            raise self._unreadable(admitted, exc) from None
        if tracer is not None:
            tracer.observe(trace)
        return (dataclasses.replace(decision, trace=tuple(trace.explanation())) if explain else decision), admitted

    def decide_many(self, query: str, documents: Iterable[Any], lang: str = "en",
                    explain: bool = False) -> Iterator[Decided]:
        """Decide every document, in order, one :class:`Decided` each; one bad document never stops the rest.

        A document may be a mapping, JSON text (``bytes``/``str``, or an item
        of ``jsondoc.items``; read as strictly as any file), or the error a reader met instead of a document
        (a line too long to read), which stands for it. The query and language are
        checked at once, before any document is read: they are the caller's
        mistake, not a document's.
        """
        self.query(query)
        if lang not in self.languages:
            raise UnsupportedLanguage(lang, self.languages)
        return self._each(query, documents, lang, explain)

    def _each(self, query: str, documents: Iterable[Any], lang: str, explain: bool) -> Iterator[Decided]:
        clock = time.perf_counter
        for index, document in enumerate(documents):
            start = clock()
            facts = document
            try:
                if isinstance(document, ClosurePolicyError):
                    facts = None
                    raise document
                if isinstance(document, TEXTS):
                    facts, problems = parse(document)
                    if problems:
                        raise UnreadableDocument(problems)
                decision = self.decide(query, facts, lang, explain)
            except (ClosurePolicyError, EngineLimit) as exc:
                yield Decided(index, facts, None, exc, clock() - start)
                continue
            yield Decided(index, facts, decision, None, clock() - start)

    def holds(self, condition: Condition, facts: Mapping[str, Any]) -> bool:
        """Whether a condition of the rules (the stream's transitions) holds over facts already admitted."""
        return self.predicate(condition)(facts)

    def predicate(self, condition: Condition) -> Callable[[Mapping[str, Any]], bool]:
        """:meth:`holds` for one condition, made once: for a caller that asks it of many documents."""
        test = self._compiled.predicate(condition)

        def holds(facts: Mapping[str, Any]) -> bool:
            try:
                return test(facts)
            except Unreadable as exc:
                raise self._unreadable(facts, exc) from None
        return holds

    def _unreadable(self, facts: Mapping[str, Any], exc: Unreadable) -> InvalidFacts:
        """The full report of facts the generated code could not read."""
        try:
            self._checker.check(facts)
        except InvalidFacts as found:
            return found
        return InvalidFacts([FactProblem("", str(exc))])

    def source(self, query: str, lang: str = "en", mode: str = "plain") -> str:
        """The Python source generated for ``query`` in ``lang`` (``plain``, ``traced`` or ``oracle``)."""
        self.query(query)
        if lang not in self.languages:
            raise UnsupportedLanguage(lang, self.languages)
        return self._compiled.functions.get(query, lang, mode).source

    def decider(self, query: str, lang: str = "en", mode: str = "plain") -> Callable[[Mapping[str, Any]], Decision]:
        """``query``'s generated decision function itself, for a caller that decides many times over facts it has
        admitted: ``plain`` checks what JSON Schema cannot judge, ``trusted`` only what the rules read (the facts
        are known valid as a whole: the stream's states). It raises ``Unreadable`` on a fact it cannot read."""
        self.query(query)
        if lang not in self.languages:
            raise UnsupportedLanguage(lang, self.languages)
        function: Callable[[Mapping[str, Any]], Decision] = self._compiled.functions.get(query, lang, mode).function
        return function

    @property
    def stream(self) -> StreamSpec | None:
        """The rules' ``stream:`` declaration, compiled (None when they declare none)."""
        return self.compilation.stream

    def lifecycle(self) -> Lifecycle:
        """A new run of the stream's lifecycle, the policy's backend's way (its one choice of backend)."""
        if self.stream is None:
            raise ClosurePolicyError(f"the rules in {self.directory} declare no stream (a top-level 'stream:')")
        return self._backend.lifecycle(self.stream)

    def subject_of(self, facts: Any) -> Any:
        """The account ``facts`` are about (``policy.subject``), read without trusting their shape."""
        value = facts
        for key in self.compilation.ruleset.subject.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def validate(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """Every fact checked and normalised, or :class:`InvalidFacts` naming every problem."""
        return self._checker.check(facts)


def available_backends() -> list[str]:
    """The backends this installation can run (rete needs a working durable-rules)."""
    return evaluate.available()


def load_policy(path: str | os.PathLike[str] | None = None, backend: str = "compiled",
                index: bool | None = None) -> Policy:
    """Load, validate and compile a rule folder (default: the bundled rules).

    ``index``: whether the compiled backend looks rules up in each query's rule index (``None``: for the
    queries large enough to gain from it; ``True``: every query; ``False``: none). Decisions are the same.
    """
    evaluate.require(backend)  # unknown or not runnable here: said before any work
    directory = Path(path) if path is not None else resources.rules_dir()
    return Policy(compile_policy(directory), backend, index)


def check_rules(path: str | os.PathLike[str] | None = None) -> Compilation:
    """Every problem of a rule folder, without raising (what ``check`` prints)."""
    directory = Path(path) if path is not None else resources.rules_dir()
    return compile_policy(directory, strict=False)
