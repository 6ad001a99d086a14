"""Running z3: the one place a solver is made and asked.

A question is asked twice when it has an answer: first as it is (is there any
document at all?), then with the constraints that make the answer one that can
be written out (its zones of fixed offset, its fresh strings apart): a proof
needs only the first, a counterexample both. A counterexample shown to people
is then asked a few times more, each preference kept if the answer survives it
(greedily, within ``PROVE_READABLE_SECONDS``): never another answer, only a
plainer document of the same kind.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import z3

from .. import limits

SAT, UNSAT, TIMEOUT = "sat", "unsat", "timeout"
UNWRITABLE = "needs a time zone whose offset changes (only fixed-offset zones are written out)"


@dataclass
class Answer:
    status: str  #: SAT, UNSAT, TIMEOUT or UNWRITABLE
    model: Any = None  #: z3's model, for SAT


def solve(assertions: Iterable[Any], timeout: float | None = None, writable: Iterable[Any] = (),
          prefer: Callable[[], Sequence[Sequence[Any]]] | None = None) -> Answer:
    """Whether the assertions can all hold (within ``timeout`` seconds), and then also ``writable``; then each
    preference ``prefer()`` gives (alternatives, best first; made only for an answer) that can hold too."""
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
    if prefer is None:
        return Answer(SAT, solver.model())
    return Answer(SAT, _prefer(solver, prefer(), time.monotonic() + limits.PROVE_READABLE_SECONDS))


def _prefer(solver: Any, prefer: Sequence[Sequence[Any]], deadline: float) -> Any:
    """The model once, of each preference, the first alternative the assertions still allow is kept (until
    ``deadline``); each kept one narrows what follows."""
    return _Keeper(solver, deadline).keep([list(p) for p in prefer if p])


class _Keeper:
    """Preferences kept by halves: all at once when they agree (one ``check``), else each half again, down to
    one preference, whose alternatives are then tried in turn. Most preferences agree, so a few dozen checks
    settle hundreds of them."""

    def __init__(self, solver: Any, deadline: float):
        self.solver, self.deadline = solver, deadline
        self.model = solver.model()

    def keep(self, group: list[list[Any]]) -> Any:
        if not group or self._holds(z3.And(*[alternatives[0] for alternatives in group])):
            return self.model
        if len(group) == 1:
            for wanted in group[0][1:]:
                if self._holds(wanted):
                    break
            return self.model
        self.keep(group[:len(group) // 2])
        return self.keep(group[len(group) // 2:])

    def _holds(self, wanted: Any) -> bool:
        """Whether ``wanted`` can hold with what was kept; if so it is kept too."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        self.solver.push()
        self.solver.add(wanted)
        self.solver.set(timeout=max(1, int(left * 1000)))
        if self.solver.check() == z3.sat:
            self.model = self.solver.model()
            return True
        self.solver.pop()  # not with what was kept (or not within the time left)
        return False
