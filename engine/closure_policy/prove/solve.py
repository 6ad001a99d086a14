"""Running z3: the one place a solver is made and asked.

A question is asked twice when it has an answer: first as it is (is there any
document at all?), then with the constraints that make the answer one that can
be written out (its zones of fixed offset, its fresh strings apart): a proof
needs only the first, a counterexample both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import z3

SAT, UNSAT, TIMEOUT = "sat", "unsat", "timeout"
UNWRITABLE = "needs a time zone whose offset changes (only fixed-offset zones are written out)"


@dataclass
class Answer:
    status: str  #: SAT, UNSAT, TIMEOUT or UNWRITABLE
    model: Any = None  #: z3's model, for SAT


def solve(assertions: Iterable[Any], timeout: float | None = None, writable: Iterable[Any] = ()) -> Answer:
    """Whether the assertions can all hold (within ``timeout`` seconds), and then also ``writable``."""
    solver = z3.Solver()
    if timeout is not None:
        solver.set(timeout=max(1, int(timeout * 1000)))
    solver.add(*assertions)
    first = solver.check()
    if first != z3.sat:
        return Answer(UNSAT if first == z3.unsat else TIMEOUT)
    extra = list(writable)
    if extra:
        solver.add(*extra)
        if solver.check() != z3.sat:
            return Answer(UNWRITABLE)
    return Answer(SAT, solver.model())
