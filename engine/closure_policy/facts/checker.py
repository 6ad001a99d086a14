"""Validate facts against the policy's facts schema, then normalise them.

Facts are checked on every decision, so the check is on the hot path; see
``validate/instances.py`` for how it stays fast and still names every problem.
The order matters: the limits (:func:`closure_policy.jsondoc.scan`) first, so
that no validator recurses into a document nested 100,000 deep; then the
schema; then what the schema cannot say (exact amounts and instants, time
zones the database knows, unique ids).
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from ..clock import now_text
from ..errors import FactProblem, InvalidFacts
from ..jsondoc import scan
from ..limits import MAX_PROBLEMS
from ..pointers import json_pointer
from ..validate.instances import InstanceValidator
from .normalize import build_normalizer
from .types import FactType, fact_types

#: The top-level timestamp fact that, left out, is the moment of the decision (docs/facts-schema.md).
CLOCK_FACT = "as_of"


class FactsChecker:
    def __init__(self, schema: dict[str, Any]):
        self.types: FactType = fact_types(schema)
        self._validator = InstanceValidator(schema)
        self._normalize = build_normalizer(self.types)
        # "as_of defaults to now": a moment no schema default can express. Only a
        # schema that declares a top-level timestamp named so gets one.
        clock = self.types.properties.get(CLOCK_FACT)
        self._clocked = clock is not None and clock.kind == "timestamp"
        if clock is not None and self._clocked:
            clock.optional = False  # never missing from the facts a rule reads: rules compare with it freely

    def admit(self, facts: Any, required: Iterable[str] = ()) -> Mapping[str, Any]:
        """The facts, as given, once JSON Schema accepts them; else :class:`InvalidFacts` naming every problem.

        The hot path: the schema's fast yes (jsonschema-rs, which also refuses NaN,
        huge integers and deep nesting the schema does not allow). The scalars a
        query reads are converted, and checked for what no schema sees, by the
        query's generated code (``evaluate/compiled/runtime.py``); only a document
        refused there pays for :meth:`check`'s full walk and readable report.
        """
        if not self._validator.is_valid(facts):
            raise InvalidFacts(self._refused(facts))
        missing = [FactProblem(json_pointer([k]), f"{k!r} is required by this query")
                   for k in required if k not in facts]
        if missing:
            raise InvalidFacts(missing)
        # As RFC 3339 text, so that the facts stay a JSON document.
        return facts if not self._clocked or CLOCK_FACT in facts else {**facts, CLOCK_FACT: now_text(6)}

    def check(self, facts: Any, required: Iterable[str] = ()) -> dict[str, Any]:
        """Every fact checked and normalised, or :class:`InvalidFacts` naming every problem."""
        admitted = self.admit(facts, required)
        problems: list[FactProblem] = []
        result = self._normalize(admitted, (), problems) if self._normalize else dict(admitted)
        if problems:
            raise InvalidFacts(problems)
        return dict(result)

    def problems(self, facts: Any) -> list[FactProblem]:
        """The limits' and the schema's problems of ``facts``, the first ``MAX_PROBLEMS`` (none when valid)."""
        return scan(facts)[:MAX_PROBLEMS] or self._validator.problems(facts)

    def _refused(self, facts: Any) -> Iterator[FactProblem]:
        """The problems of facts the fast validator refused, lazily (the limits' first, then the schema's)."""
        yield from scan(facts) or self._validator.each_problem(facts)
