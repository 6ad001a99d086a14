"""The tests' view of a change: the same suites run under both revisions.

Under the new rules: how many cases pass, which cases pass under the base and
fail under the new (the expectations the change breaks), coverage before and
after (and the rules no case reaches), and, asked for, the mutation score of
each revision's rules by the suites.
"""
from __future__ import annotations

from typing import Any

from ..errors import ClosurePolicyError
from ..policy import Policy
from ..tester import mutate
from ..tester.session import collect, run


def suites_view(base: Policy, new: Policy, paths: list[str], mutation: bool = False) -> dict[str, Any]:
    before, after = _run(base, paths), _run(new, paths)
    failing_before = {name for name, ok in before["cases"].items() if not ok}
    broken = sorted(name for name, ok in after["cases"].items() if not ok and name not in failing_before)
    view = {"cases": len(after["cases"]), "passed": sum(after["cases"].values()), "broken": broken,
            "coverage": {"base": before["coverage"], "new": after["coverage"]},
            "untested": {"base": before["untested"], "new": after["untested"]}}
    if mutation:
        view["mutation"] = {"base": _score(base, paths), "new": _score(new, paths)}
    return view


def _run(policy: Policy, paths: list[str]) -> dict[str, Any]:
    session = run(paths, {policy.backend_name: policy}, coverage=True)
    if session.problems:
        raise ClosurePolicyError("the suites have problems under "
                                 f"{policy.revision[:19]}…: {session.problems[0].format()}")
    assert session.coverage is not None
    return {"cases": {results[0].case.node_id: all(r.passed for r in results) for results in session.results},
            "coverage": round(session.coverage.percent, 2), "untested": session.coverage.untested()}


def _score(policy: Policy, paths: list[str]) -> float:
    cases, _ = collect(paths, policy)
    return round(mutate.score(mutate.run(policy, cases)), 2)
