"""Check benchmarks/rego/closure.rego (the peer bench_decide.py times) against the engine.

    python benchmarks/rego_agrees.py

On every YAML case of close_account and track_action that Rego can express
(valid facts, every amount exact in a double: Rego's numbers are doubles) the
Rego translation must give the engine's outcome and violated rule ids. Not a
test of the suite: the Rego is a hand translation of today's rules, and a
rules change must not break ``pytest``; bench_decide.py runs this first and
refuses to time a peer that decides differently.
"""
from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from closure_policy import InvalidFacts, load_policy
from closure_policy.tester.session import collect
from closure_policy.tester.suite import Case  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REGO = ROOT / "benchmarks/rego/closure.rego"
QUERIES = ("close_account", "track_action")


def evaluators() -> dict[str, Any]:
    import opa_eval

    return {q: opa_eval.OpaEval(str(REGO), query=f"data.closure.{q}") for q in QUERIES}


def _fits_a_double(facts: Any) -> bool:
    amounts = [v for k, v in facts.get("balance", {}).items() if k != "currency"]
    return all(Decimal(str(a)) == Decimal(float(str(a))) for a in amounts)


def disagreements() -> tuple[int, int, list[str]]:
    """(cases compared, cases Rego cannot express, the node ids where the answers differ)."""
    policy, rego = load_policy(), evaluators()
    cases, problems = collect([str(ROOT / "tests/policy")], policy)
    if problems:
        raise SystemExit("\n".join(p.format() for p in problems))
    compared, skipped, differ = 0, 0, []
    for case in (c for c in cases if isinstance(c, Case) and c.query in QUERIES):  # stream cases decide no document
        try:
            decision = policy.decide(case.query, case.facts)
        except InvalidFacts:
            continue
        if not _fits_a_double(case.facts):
            skipped += 1
            continue
        answer = rego[case.query].evaluate_parsed(json.dumps(case.facts, default=str))
        compared += 1
        if (answer["outcome"], answer["violations"]) != (decision.outcome, decision.rule_ids):
            differ.append(case.node_id)
    return compared, skipped, differ


def main() -> int:
    compared, skipped, differ = disagreements()
    print(f"rego agrees with the engine on {compared - len(differ)} of {compared} YAML cases "
          f"({skipped} not expressible in doubles)")
    for node in differ:
        print(f"  differs: {node}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
