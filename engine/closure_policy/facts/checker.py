"""Validate facts against facts.schema.json, then normalise them.

Facts are checked on every decision, so the check is on the hot path; see
``validate/instances.py`` for how it stays fast and still names every problem.
The order matters: the limits (:func:`closure_policy.jsondoc.scan`) first, so
that no validator recurses into a document nested 100,000 deep; then the
schema; then what the schema cannot say (exact amounts and instants, time
zones the database knows, unique ids).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from ..errors import FactProblem, InvalidFacts, json_pointer
from ..jsondoc import scan
from ..scalars import instant_of
from ..validate.instances import InstanceValidator
from .normalize import build_normalizer
from .types import FactType, fact_types


class FactsChecker:
    def __init__(self, schema: dict[str, Any]):
        self.types: FactType = fact_types(schema)
        self._validator = InstanceValidator(schema)
        self._normalize = build_normalizer(self.types)

    def check(self, facts: Any, required: Iterable[str] = ()) -> dict[str, Any]:
        """Normalised facts, or :class:`InvalidFacts` naming every problem."""
        # The hot path: the schema's fast yes (jsonschema-rs, which also refuses
        # NaN, huge integers and deep nesting the schema does not allow). What no
        # schema sees (lone surrogates in free text) the normaliser checks. Only a
        # document the schema refuses pays for the full walk and the readable report.
        if not self._validator.is_valid(facts):
            raise InvalidFacts(scan(facts) or self._validator.problems(facts) or
                               [FactProblem("", "not a JSON document")])
        missing = [FactProblem(json_pointer([k]), f"{k!r} is required by this query")
                   for k in required if k not in facts]
        if missing:
            raise InvalidFacts(missing)
        problems: list[FactProblem] = []
        result = self._normalize(facts, (), problems) if self._normalize else dict(facts)
        if problems:
            raise InvalidFacts(problems)
        # "as_of defaults to now": a moment no schema default can express.
        if "as_of" not in result:
            result["as_of"] = instant_of(datetime.now(timezone.utc))
        return result

    def problems(self, facts: Any) -> list[FactProblem]:
        """Every schema problem, for reporting (slow path)."""
        return scan(facts) or self._validator.detailed(facts)
