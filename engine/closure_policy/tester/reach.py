"""Which decision cases of the suites reach which rule: those that violate it, how many it holds in, its coverage.

The suites' cases are decided once each, with one tracer that feeds the coverage
and notes which rules fired; the catalog shows the table beside each rule, and
the language server in a rule's hover.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ClosurePolicyError, InvalidFacts
from ..policy import Policy
from ..trace import Trace
from .cover import Coverage
from .session import collect
from .suite import Case


@dataclass
class RuleCases:
    """What the test suites did with one rule: the cases that violated it, and how many it held in."""

    fired: list[tuple[str, str]] = field(default_factory=list)  #: (case name, file:line)
    held: int = 0
    items: tuple[int, int] = (0, 0)  #: (covered, total) of its coverage items


class _Tracer:
    """Coverage, and which rules one decision evaluated and whether each fired."""

    def __init__(self, coverage: Coverage) -> None:
        self.coverage = coverage
        self.seen: dict[str, bool] = {}

    def observe(self, trace: Trace) -> None:
        self.coverage.observe(trace)
        self.seen = {event.rule: bool(event.fired) for event in trace.rules}


def rule_cases(policy: Policy, suites: list[str]) -> tuple[dict[str, RuleCases], int]:
    """For each rule: the decision cases that violated it, how many it held in, and its coverage; and the
    number of cases the suites hold."""
    found, problems = collect(suites, policy) if suites else ([], [])
    if problems:
        raise ClosurePolicyError("the suites have problems (closure-policy test says which): "
                                 + "; ".join(p.format() for p in problems[:3]))
    tracer = _Tracer(Coverage(policy))
    table = {rule.id: RuleCases() for q in policy.queries.values() for rule in q.rules}
    for case in found:
        if not isinstance(case, Case):
            continue
        tracer.seen = {}
        try:
            policy.decide(case.query, case.facts, case.lang, tracer=tracer)
        except (InvalidFacts, ClosurePolicyError):
            continue  # a case about refused facts exercises no rule
        for rule, fired in tracer.seen.items():
            if rule in table and fired:
                table[rule].fired.append((case.name, f"{case.file}:{case.line}"))
            elif rule in table:
                table[rule].held += 1
    for rule, cases in table.items():
        cases.items = tracer.coverage.rules[rule].items
    return table, len(found)
