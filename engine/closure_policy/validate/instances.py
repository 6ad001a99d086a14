"""Validate JSON documents (facts, stream events) on a hot path, naming every problem.

Measured on a 20-contract account (benchmarks/bench_decide.py): jsonschema
~1,000/s, fastjsonschema ~6,000/s, jsonschema-rs ~270,000/s. So jsonschema-rs
answers "valid?", and only when it says no does jsonschema run, to name every
problem by JSON pointer with its clearest message (``best_match``).
"""
from __future__ import annotations

from typing import Any, Mapping

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ..errors import FactProblem, json_pointer
from .messages import locate


class InstanceValidator:
    def __init__(self, schema: dict[str, Any], fast: Any = None):
        """``fast`` answers ``is_valid`` and ``iter_errors`` (default: jsonschema-rs for ``schema``)."""
        self._fast = fast if fast is not None else jsonschema_rs.validator_for(schema)
        self._detailed = Draft202012Validator(schema)

    def is_valid(self, instance: Any) -> bool:
        """The fast answer alone (jsonschema-rs); False also when it cannot read the instance."""
        try:
            return bool(self._fast.is_valid(instance))
        except (ValueError, TypeError, OverflowError):
            return False

    def problems(self, instance: Any) -> list[FactProblem]:
        """Every problem of ``instance``; none when it is valid."""
        try:
            if self._fast.is_valid(instance):
                return []
        except (ValueError, TypeError, OverflowError):  # a value JSON cannot hold
            pass
        return self.detailed(instance) or self._native(instance)

    def detailed(self, instance: Any) -> list[FactProblem]:
        try:
            return [p for e in self._detailed.iter_errors(instance) for p in _problems(e)]
        except ArithmeticError:  # Decimal('NaN') cannot be compared with a minimum
            return []

    def _native(self, instance: Any) -> list[FactProblem]:
        # Fail closed where the two validators disagree: take the native one's word.
        try:
            errors = list(self._fast.iter_errors(instance))
        except (ValueError, TypeError, OverflowError) as exc:
            return [FactProblem("", f"not a JSON document: {exc}")]
        return [FactProblem(json_pointer(e.instance_path), e.message) for e in errors] or \
            [FactProblem("", "invalid document")]


def _problems(error: ValidationError) -> list[FactProblem]:
    if error.validator == "required" and isinstance(error.instance, Mapping):
        wanted = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [k for k in wanted if k not in error.instance]
        return [FactProblem(json_pointer([*error.absolute_path, k]), f"{k!r} is required") for k in missing]
    path, message, _ = locate(error)
    return [FactProblem(json_pointer(path), message)]
