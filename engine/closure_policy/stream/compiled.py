"""The stream run by its generated handlers (``codegen.py``), the interpreter kept as the reference.

An event of a declared type that its own schema accepts goes to its handler;
anything else, and every event a handler defers (one the interpreter would
refuse, or a path left to it), goes to the interpreter, which refuses it in its
own words or takes it. Both keep the same states in the same store, so either
can take an account's next event. ``stream --interpret`` runs the interpreter
alone; ``tests/stream/test_compiled.py`` checks that the two emit, refuse and
keep exactly the same.
"""
from __future__ import annotations

from typing import Any, Callable

import jsonschema_rs

from ..errors import ClosurePolicyError, EngineLimit
from ..evaluate.compiled.runtime import Unreadable
from ..policy import Policy
from .codegen import Deferred, Program, generate
from .durable import DurableStore, StateFileError
from .events import event_schema
from .processor import Observer, Output, Store, StreamProcessor

#: What makes a handler leave an event to the interpreter: its own word, or a refusal met on the way.
_DEFERRED = (Deferred, ClosurePolicyError, EngineLimit, Unreadable)


class CompiledStream(StreamProcessor):
    """One stream, each event type taken by its generated handler."""

    def __init__(self, policy: Policy, observer: Observer | None = None, store: Store | None = None):
        super().__init__(policy, observer=observer, store=store)
        self.program: Program = generate(policy, self.spec)
        # each event type's schema (an event of that type valid under it is valid under the events schema) and
        # its handler, looked up once
        self._taking: dict[Any, tuple[Callable[[Any], bool], Callable[..., list[Output]]]] = {
            kind: (jsonschema_rs.validator_for(event_schema(self.spec, kind)).is_valid, handler)
            for kind, handler in self.program.handlers.items()}
        self.deferred = 0  #: events the interpreter took (each refused, or on a path left to it)
        if isinstance(self.store, DurableStore):  # a state file may have been written by hand
            self._path = self.store.path
            self.store.admit = self._admit

    def take(self, event: Any, line: int) -> list[Output]:
        kind = event.get("type") if event.__class__ is dict else None
        taking = self._taking.get(kind) if kind.__class__ is str else None
        if taking is not None and taking[0](event):
            handler = taking[1]
            account = event["account_id"]
            try:
                outputs: list[Output] = handler(self, account, self.store.get(account), event["payload"], line)
                return outputs
            except _DEFERRED:
                self.lifecycle.forget(account)  # the interpreter reads where the account is from its state
        self.deferred += 1
        return super().take(event, line)

    def state_of(self, account: str) -> str | None:
        held = self.store.get(account)
        return held.get("life") if held is not None else None

    def _admit(self, account: str, state: Any) -> None:
        """A state read back from a file, checked once as a snapshot is: the handlers trust what they hold."""
        if state.get("life") in self.spec.finals and not self.program.trusted_finals:
            return  # its asks are decided by the interpreter, which checks them
        if not self.program.check(state["facts"]):
            raise StateFileError(f"{self._path}: the state of {account!r} holds facts the policy's schema refuses")


def stream_processor(policy: Policy, observer: Observer | None = None, store: Store | None = None,
                     interpret: bool = False) -> StreamProcessor:
    """The policy's stream: generated handlers, or the interpreter (``interpret``, or a backend other than the
    compiled one: its lifecycle is its own)."""
    if interpret or policy.backend_name != "compiled":
        return StreamProcessor(policy, observer=observer, store=store)
    return CompiledStream(policy, observer=observer, store=store)


__all__ = ["CompiledStream", "stream_processor"]
