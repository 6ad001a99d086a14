"""closure-policy: the partner-account closure policy as data, and its engine.

    from closure_policy import load_policy
    policy = load_policy()
    decision = policy.decide("close_account", facts, lang="zh")

Errors (``closure_policy.errors``): every mistake in the input is a
:class:`ClosurePolicyError` (exit 2 on the command line) — :class:`InvalidRules`
(``file:line:col`` problems), :class:`InvalidFacts` (JSON-pointer problems),
:class:`UnknownQuery`, :class:`UnsupportedLanguage`, :class:`BackendUnavailable`.
:class:`EngineLimit` is apart: valid input one backend cannot decide.
"""
from __future__ import annotations

from .decision import Decision, Violation
from .errors import (
    BackendUnavailable,
    ClosurePolicyError,
    EngineLimit,
    FactProblem,
    InvalidFacts,
    InvalidRules,
    Problem,
    UnknownQuery,
    UnsupportedLanguage,
)
from .policy import Decided, Policy, check_rules, load_policy

__version__ = "0.1.0"
__all__ = [
    "BackendUnavailable", "ClosurePolicyError", "Decision", "EngineLimit", "FactProblem", "InvalidFacts",
    "Decided", "InvalidRules", "Policy", "Problem", "UnknownQuery", "UnsupportedLanguage", "Violation", "check_rules",
    "load_policy",
]
