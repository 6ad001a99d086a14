"""Run a case on each of its backends and compare the decision with what it expects."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..decision import Decision
from ..errors import ClosurePolicyError, EngineLimit, InvalidFacts
from ..policy import BACKENDS, Policy
from ..trace import Tracer
from .expect import Mismatch, compare, compare_error, off_contract
from .stream_cases import run_stream_case
from .suite import Case, StreamCase

__all__ = ["CaseResult", "Mismatch", "Runner", "compare"]


@dataclass
class CaseResult:
    case: Case | StreamCase
    backend: str
    mismatches: list[Mismatch] = field(default_factory=list)
    decision: Decision | None = None
    error: str | None = None  # the facts' problems, when the decision was refused
    trace: list[dict[str, Any]] | None = None  # the explanation, as JSON

    @property
    def passed(self) -> bool:
        return not self.mismatches


class Runner:
    """Runs cases against one policy per backend; a tracer (coverage) sees every decision."""

    def __init__(self, policies: dict[str, Policy], tracer: Tracer | None = None):
        self.policies = policies
        self.tracer = tracer

    def backends_for(self, case: Case | StreamCase) -> list[str]:
        return list(case.backends) if case.backends else list(self.policies)

    def run(self, case: Case | StreamCase) -> list[CaseResult]:
        return [self._run_on(case, backend) for backend in self.backends_for(case)]

    def _run_on(self, case: Case | StreamCase, backend: str) -> CaseResult:
        result = CaseResult(case, backend)
        policy = self.policies.get(backend)
        if policy is None:
            known = ", ".join(self.policies) or "none"
            result.mismatches.append(Mismatch("backend", backend, f"not available here (available: {known}; "
                                              f"backends: {', '.join(BACKENDS)})"))
            return result
        if isinstance(case, StreamCase):
            result.mismatches = run_stream_case(case, policy, self.tracer)
            return result
        try:
            result.decision = policy.decide(case.query, case.facts, lang=case.lang, tracer=self.tracer)
        except InvalidFacts as exc:
            result.error = "; ".join(p.format() for p in exc.problems)
            result.mismatches = compare_error(case.expect, exc.pointers)
            return result
        except (ClosurePolicyError, EngineLimit) as exc:
            result.mismatches.append(Mismatch("decision", "a decision", f"error: {exc}"))
            return result
        result.mismatches = off_contract(result.decision) + compare(case.expect, result.decision)
        if result.mismatches:
            result.trace = policy.decide(case.query, case.facts, lang=case.lang, explain=True).to_dict()["trace"]
        return result
