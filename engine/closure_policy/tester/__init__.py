"""Rule test suites: YAML cases, run by ``closure-policy test`` and by the pytest plugin."""
from __future__ import annotations

from .runner import CaseResult, Runner
from .suite import Case, Suite, load_suite

__all__ = ["Case", "CaseResult", "Runner", "Suite", "load_suite"]
