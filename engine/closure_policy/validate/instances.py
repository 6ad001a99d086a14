"""Validate JSON documents (facts, stream events) on a hot path, naming every problem.

Measured on a 20-contract account (benchmarks/bench_decide.py): jsonschema
~1,000/s, fastjsonschema ~6,000/s, jsonschema-rs ~270,000/s. So jsonschema-rs
answers "valid?", and only when it says no does jsonschema run, to name every
problem by JSON pointer with its clearest message (``best_match``).
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator, Mapping

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ..errors import FactProblem
from ..limits import MAX_PROBLEMS
from ..pointers import json_pointer
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
        """The first ``MAX_PROBLEMS`` problems of ``instance``; none when it is valid."""
        try:
            if self._fast.is_valid(instance):
                return []
        except (ValueError, TypeError, OverflowError):  # a value JSON cannot hold
            pass
        return list(itertools.islice(self.each_problem(instance), MAX_PROBLEMS))

    def each_problem(self, instance: Any) -> Iterator[FactProblem]:
        """The problems of an invalid ``instance``, found lazily: a caller takes as many as it reports."""
        found = False
        for problem in self.detailed(instance):
            found = True
            yield problem
        if not found:
            yield from self._native(instance)

    def detailed(self, instance: Any) -> Iterator[FactProblem]:
        """jsonschema's problems, one error at a time (a list of millions is never built)."""
        try:
            for error in self._detailed.iter_errors(instance):
                yield from _problems(error)
        except ArithmeticError:  # Decimal('NaN') cannot be compared with a minimum
            return

    def _native(self, instance: Any) -> list[FactProblem]:
        # Fail closed where the two validators disagree: take the native one's word.
        try:
            errors = list(itertools.islice(self._fast.iter_errors(instance), MAX_PROBLEMS))
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
