"""Properties against the mutants of the rules: a property no slip of the rules can break says nothing.

The rules' mutants are the mutation tester's (``tester/mutate.py``): each is one
change an author's slip would make. A property is *broken* by a mutant when the
prover finds a counterexample under it (checked by the engine running that
mutant, as every counterexample is). A property that no mutant breaks is
listed: it holds whatever the rules say, so it guards nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from .. import progress
from ..compile import compile_policy
from ..policy import Policy
from ..tester.mutate import Mutant, apply, equivalent, mutants
from .properties import Property
from .prover import COUNTEREXAMPLE, Prover


@dataclass
class Breaking:
    """Which mutant first broke each property (None: none did), and how many mutants any property broke."""

    broken_by: dict[str, Mutant | None] = field(default_factory=dict)
    killed: int = 0
    judged: int = 0


def run(policy: Policy, properties: list[Property], max_items: int, timeout: float) -> Breaking:
    found = Breaking({p.name: None for p in properties})
    assumptions = [p.assume.ir for p in properties if p.assume is not None]
    every = [m for m in mutants(policy) if not equivalent(policy, m)]
    for mutant, mutated in progress.counted(_compiled(policy, every), len(every), "mutants"):
        found.judged += 1
        prover = Prover(mutated, max_items, timeout, assumptions, readable=False)  # only whether one breaks it
        killed = False
        # Every property is asked until each has its breaking mutant; then only until one breaks this one.
        for prop in sorted(properties, key=lambda p: found.broken_by[p.name] is not None):
            if killed and found.broken_by[prop.name] is not None:
                continue
            if prover.prove(prop).status == COUNTEREXAMPLE:
                killed = True
                found.broken_by[prop.name] = found.broken_by[prop.name] or mutant
        found.killed += killed
    return found


def _compiled(policy: Policy, every: list[Mutant]) -> Iterator[tuple[Mutant, Policy]]:
    for mutant in every:
        compilation = compile_policy(policy.compilation.directory, strict=False,
                                     sources=apply(policy.compilation.sources, mutant))
        if not any(problem.check != "unused-condition" for problem in compilation.problems):
            yield mutant, Policy(compilation)
