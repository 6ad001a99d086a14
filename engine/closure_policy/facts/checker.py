"""Validate facts against facts.schema.json, then normalise them.

Facts are checked on every decision, so the check is on the hot path. Measured
on a 20-contract account (benchmarks/bench_decide.py): jsonschema ~740/s,
fastjsonschema ~6,000/s, jsonschema-rs ~270,000/s. So jsonschema-rs answers
"valid?", and only when it says no does jsonschema run, to name every problem
by JSON pointer with its clearest message (``best_match``).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..errors import FactProblem, InvalidFacts, json_pointer
from .normalize import build_normalizer
from .types import FactType, fact_types


class FactsChecker:
    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self.types: FactType = fact_types(schema)
        self._fast = jsonschema_rs.validator_for(schema)
        self._detailed = Draft202012Validator(schema)
        self._normalize = build_normalizer(self.types)

    def check(self, facts: Any, required: Iterable[str] = ()) -> dict[str, Any]:
        """Normalised facts, or :class:`InvalidFacts` naming every problem."""
        if not self._is_valid(facts):
            raise InvalidFacts(self._explain(facts))
        missing = [FactProblem(json_pointer([k]), f"{k!r} is required by this query")
                   for k in required if k not in facts]
        if missing:
            raise InvalidFacts(missing)
        problems: list[FactProblem] = []
        result = self._normalize(facts, (), problems) if self._normalize else dict(facts)
        if problems:
            raise InvalidFacts(problems)
        # "as_of defaults to now": a moment no schema default can express.
        result.setdefault("as_of", datetime.now(timezone.utc))
        return result

    def problems(self, facts: Any) -> list[FactProblem]:
        """Every schema problem, for reporting (slow path)."""
        return [p for e in self._detailed.iter_errors(facts) for p in _fact_problems(e)]

    def _is_valid(self, facts: Any) -> bool:
        try:
            return bool(self._fast.is_valid(facts))
        except (ValueError, TypeError, OverflowError):  # a value JSON cannot hold
            return False

    def _explain(self, facts: Any) -> list[FactProblem]:
        try:
            found = self.problems(facts)
        except ArithmeticError:  # Decimal('NaN') cannot be compared with a minimum
            found = []
        if found:
            return found
        # Fail closed where the two validators disagree: take the native one's word.
        try:
            errors = list(self._fast.iter_errors(facts))
        except (ValueError, TypeError, OverflowError) as exc:
            return [FactProblem("", f"not a JSON document: {exc}")]
        return [FactProblem(json_pointer(e.instance_path), e.message) for e in errors] or \
            [FactProblem("", "invalid facts")]


def _fact_problems(error: ValidationError) -> list[FactProblem]:
    shown = best_match([error]) if error.context else error
    path = list(shown.absolute_path)
    message = shown.message
    if shown.validator == "required" and isinstance(shown.instance, Mapping):
        missing = [k for k in shown.validator_value if k not in shown.instance]
        return [FactProblem(json_pointer(path + [k]), f"{k!r} is required") for k in missing]
    if shown.validator == "additionalProperties" and isinstance(shown.instance, Mapping):
        allowed = set(shown.schema.get("properties", {}))
        extra = sorted(str(k) for k in shown.instance if k not in allowed)
        if extra:
            path.append(extra[0])
            message = f"unknown field {extra[0]!r}"
    return [FactProblem(json_pointer(path), message)]
