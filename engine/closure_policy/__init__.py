"""closure-policy: the partner-account closure policy as data, and its engine.

    from closure_policy import load_policy
    policy = load_policy()
    decision = policy.decide("close_account", facts, lang="zh")
"""
from __future__ import annotations

from .decision import Decision, Violation
from .errors import (
                     BackendUnavailable,
                     ClosurePolicyError,
                     FactProblem,
                     InvalidFacts,
                     InvalidRules,
                     Problem,
                     UnknownQuery,
                     UnsupportedLanguage,
)
from .policy import Policy, check_rules, load_policy

__version__ = "0.1.0"
__all__ = [
    "BackendUnavailable", "ClosurePolicyError", "Decision", "FactProblem", "InvalidFacts", "InvalidRules",
    "Policy", "Problem", "UnknownQuery", "UnsupportedLanguage", "Violation", "check_rules", "load_policy",
]
