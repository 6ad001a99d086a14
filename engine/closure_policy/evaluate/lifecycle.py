"""The account lifecycle that ``stream.lifecycle`` declares, and how a backend runs it.

After every change, the first transition (in declared order) leaving the
account's state whose condition holds is taken, again and again until none
holds. The conditions are evaluated once per change into flags; then each
backend runs the lifecycle its way (:meth:`Backend.lifecycle`), and the ways
must agree:

- :class:`PlainLifecycle` (the compiled backend's) follows the flags in Python;
- ``rete.lifecycle.ChartLifecycle`` (the rete backend's) asserts them to a
  durable_rules statechart generated from the same declaration, and checks it
  ends where :func:`settle` says.

A declaration whose transitions never settle (a cycle whose conditions all
hold) is refused for that change, never looped on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..compile.stream import StreamSpec
from ..errors import ClosurePolicyError


class Lifecycle(Protocol):
    """Where each account is in the lifecycle, moved by the flags of a change."""

    spec: StreamSpec

    @property
    def live(self) -> int: ...

    def state(self, account: str) -> str | None: ...

    def step(self, account: str, flags: list[bool], target: str | None = None) -> str: ...

    def seed(self, account: str, state: str) -> None:
        """Know ``account`` in ``state`` (read back from a durable store), before its next step."""

    def forget(self, account: str) -> None:
        """Hold nothing of ``account`` any more (its state is kept elsewhere: a durable store)."""


class LifecycleError(ClosurePolicyError):
    """The declared transitions do not settle for these facts."""


def settle(spec: StreamSpec, state: str | None, flags: list[bool]) -> str:
    """Where an account in ``state`` (None: a new account) ends up, given which transitions hold."""
    return moves(spec, state, flags)[0]


def moves(spec: StreamSpec, state: str | None, flags: list[bool]) -> tuple[str, list[int]]:
    """Where an account in ``state`` ends up, and the transitions (by index) it takes on the way."""
    current = spec.start if state is None else state
    taken: list[int] = []
    for _ in range(len(spec.states) + 1):
        move = next((i for i, (t, on) in enumerate(zip(spec.transitions, flags, strict=True))
                     if on and current in t.sources), None)
        if move is None or spec.transitions[move].target == current:
            return current, taken
        taken.append(move)
        current = spec.transitions[move].target
    raise LifecycleError(f"the lifecycle does not settle: its transitions cycle from {state or spec.start!r}")


@dataclass
class PlainLifecycle:
    spec: StreamSpec
    states: dict[str, str] = field(default_factory=dict)
    live = 0  # durable_rules sessions held: none


    def state(self, account: str) -> str | None:
        return self.states.get(account)

    def step(self, account: str, flags: list[bool], target: str | None = None) -> str:
        """Move the account; ``target`` is where :func:`settle` says it goes, when the caller already asked."""
        self.states[account] = target or settle(self.spec, self.states.get(account), flags)
        return self.states[account]

    def seed(self, account: str, state: str) -> None:
        self.states[account] = state

    def forget(self, account: str) -> None:
        self.states.pop(account, None)


