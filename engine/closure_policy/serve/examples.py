"""The facts documents the playground starts from: the decision cases of the policy's own suites."""
from __future__ import annotations

from typing import Any

from .. import limits
from ..errors import ClosurePolicyError
from ..policy import Policy
from ..tester.session import collect
from ..tester.suite import Case


def examples(policy: Policy) -> list[dict[str, Any]]:
    """Each decision case of the suites beside the rule folder (``tests/policy``): name, query, lang, facts."""
    folder = policy.directory.parent / "tests" / "policy"
    if not folder.is_dir():
        return []
    try:
        cases, problems = collect([str(folder)], policy)
    except (ClosurePolicyError, OSError):
        return []
    if problems:
        return []
    found = [{"name": c.name, "query": c.query, "lang": c.lang, "facts": c.facts}
             for c in cases if isinstance(c, Case) and isinstance(c.facts, dict)]
    return found[:limits.MAX_PLAYGROUND_EXAMPLES]
