"""The stream: events in, decisions out, as the rules' ``stream:`` declaration says.

Each account's facts are kept here (compactly, ``store.py``). An event either
asks a query over them (``ask``: always emitted, nothing changes) or changes
them (``apply.py``); after a change the ``assess`` query is decided exactly as
``eval`` would, emitted when its answer changes, and the lifecycle moves.
An account in a final state ignores changes and keeps only what the
declaration keeps. Nothing here names a query, a section or a state.

A line is read like a facts document (``jsondoc.parse``: strict UTF-8, no
duplicate keys, no NaN, within the limits). A line that cannot be taken
raises :class:`StreamError` and changes nothing; the stream goes on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol

from ..compile.stream import REOPEN_PART, StreamSpec, effect_part, event_part, transition_part
from ..decision import Decision
from ..errors import ClosurePolicyError, EngineLimit, FactProblem
from ..evaluate.lifecycle import Lifecycle, moves
from ..jsondoc import parse
from ..policy import Policy
from ..text import excerpt
from ..validate.instances import InstanceValidator
from . import apply
from .events import events_schema
from .store import AccountStore

AFTER, BEFORE, ASKED = "after", "before", "asked"  # which facts an output's decision was made over


class StreamError(ClosurePolicyError):
    """One event that cannot be taken; the stream reports it and goes on."""


@dataclass
class Output:
    line: int
    state: str | None
    decision: Decision
    basis: str = AFTER  # the account's facts after the event, before it, or before it with the payload added

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "state": self.state, "decision": self.decision.to_dict()}


def declaration(policy: Policy) -> StreamSpec:
    if policy.stream is None:
        raise ClosurePolicyError(f"the rules in {policy.directory} declare no stream (a top-level 'stream:')")
    return policy.stream


class Store(Protocol):
    """Where each account's state is kept: :class:`AccountStore` (memory) or ``DurableStore`` (a file).

    ``left`` is told of each account whose state leaves memory."""

    left: Callable[[str], None]

    def get(self, account: str) -> Any: ...

    def put(self, account: str, state: Any) -> None: ...

    def stored_bytes(self, account: str) -> int: ...


def _unreadable(line: int, problems: list[FactProblem]) -> StreamError:
    return StreamError(f"line {line}: " + "; ".join(p.format() if p.pointer else p.message for p in problems[:5]))


class Observer(Protocol):
    def reached(self, part: str) -> None: ...


class StreamProcessor:
    """One stream: each account's facts (``store``, compact), where it is in the lifecycle, what was emitted."""

    def __init__(self, policy: Policy, lifecycle: Lifecycle | None = None, observer: Observer | None = None,
                 store: Store | None = None):
        """``lifecycle``: default, the policy's backend's; ``observer`` is told each part of the declaration an
        event reached (coverage, as a tracer is told of decisions); ``store``: default, in memory
        (``durable.DurableStore`` keeps the states in a file)."""
        self.policy = policy
        self.spec = declaration(policy)
        self.lifecycle: Lifecycle = lifecycle or policy.lifecycle()
        # compressed with the policy's own words
        self.store: Store = store if store is not None else AccountStore(policy.facts_schema.document)
        # an account out of memory is out of the lifecycle too: its place is in its kept state, read back with it
        self.store.left = self.lifecycle.forget
        self.observer = observer
        self._events = InstanceValidator(events_schema(self.spec))  # the policy's own events
        self._transitions = [policy.predicate(t.when) for t in self.spec.transitions]

    def feed(self, text: str | bytes, line: int) -> list[Output]:
        """One line of JSON Lines input."""
        event, problems = parse(text)
        if problems:
            raise _unreadable(line, problems)
        return self.take(event, line)

    def take(self, event: Any, line: int) -> list[Output]:
        """One event, read: checked against the events schema, then taken (or :class:`StreamError`)."""
        problems = self._events.problems(event)
        if problems:
            raise _unreadable(line, problems)
        try:
            outputs = list(self.process(event, line))
            self._reached(event_part(event["type"]))
            return outputs
        except (ClosurePolicyError, EngineLimit, apply.ApplyError) as exc:
            where = f"{event['type']} for account {excerpt(event['account_id'])}"
            text = exc.report() if isinstance(exc, (ClosurePolicyError, EngineLimit)) else str(exc)
            raise StreamError(f"line {line} ({where}): {text}") from None

    def facts_of(self, account: str) -> dict[str, Any] | None:
        state = self.store.get(account)
        return state["facts"] if state is not None else None

    def state_of(self, account: str) -> str | None:
        """Where ``account`` is in the lifecycle (None: unknown)."""
        return self.lifecycle.state(account)

    def process(self, event: dict[str, Any], line: int) -> Iterator[Output]:
        account, payload = event["account_id"], event["payload"]
        spec = self.spec.events.get(event["type"])
        if spec is None:
            raise apply.ApplyError(f"the stream declares no event {excerpt(event['type'])}")
        held = self.store.get(account)
        known = held["facts"] if held is not None else None
        if held is not None and held.get("life") is not None and self.lifecycle.state(account) is None:
            self.lifecycle.seed(account, held["life"])  # an account read back from a durable store
        if known is None and "replace" not in spec:
            raise apply.ApplyError("no facts for this account yet (its first event must replace them)")
        final = self.lifecycle.state(account) in self.spec.finals
        if "ask" in spec:
            yield self._decide(account, spec["ask"], apply.asked(spec, known or {}, payload), line, ASKED)
        elif final:
            yield from self._final(account, spec, known or {}, payload, line)
        elif "effects" in spec:
            yield from self._effects(account, spec, known or {}, payload, line)
        else:
            yield from self._change(account, apply.change(known or {}, spec, payload), line,
                                    held["last"] if held is not None else None)

    def _final(self, account: str, spec: dict[str, Any], known: dict[str, Any], payload: dict[str, Any],
               line: int) -> Iterator[Output]:
        """Nothing changes an account in a final state; a snapshot that would reopen it asks ``reopen``."""
        if "replace" not in spec:
            return
        facts = apply.change(known, spec, payload)
        self.policy.validate(facts)  # a broken snapshot is reported, also for a final account
        self._check_subject(account, facts)
        reopen = self.spec.reopen
        if reopen is not None and self.policy.holds(reopen.when, facts):
            self._reached(REOPEN_PART)
            yield self._decide(account, reopen.ask, known, line, BEFORE)

    def _effects(self, account: str, spec: dict[str, Any], known: dict[str, Any], payload: dict[str, Any],
                 line: int) -> Iterator[Output]:
        effects = self.policy.decide(spec["effects"], known)
        facts = apply.apply_effects(known, effects.effects, self.spec.effect_key, self.spec.effects)
        for effect in effects.effects:
            kind = effect.get(self.spec.effect_key) if self.spec.effect_key else None
            if isinstance(kind, str):
                self._reached(effect_part(kind))
        facts = apply.change(facts, spec, payload)
        state, _ = self._settle(account, facts)
        yield Output(line, state, effects, BEFORE)

    def _change(self, account: str, facts: dict[str, Any], line: int, last: Any) -> Iterator[Output]:
        self._check_subject(account, facts)
        state, decision = self._settle(account, facts)
        if state in self.spec.finals:
            return
        if last is None or [decision.outcome, decision.rule_ids] != last:
            yield Output(line, state, decision, AFTER)

    def _settle(self, account: str, facts: dict[str, Any]) -> tuple[str, Decision]:
        """Decide ``assess`` (validating the facts), keep them, and move the lifecycle."""
        decision, env = self.policy.decide_over(self.spec.assess, facts)
        flags = [holds(env) for holds in self._transitions]
        # Where the lifecycle goes is known before anything is kept: a change that
        # cannot be taken (a cycle, a state limit) changes nothing.
        ahead, taken = moves(self.spec, self.lifecycle.state(account), flags)
        self.store.put(account, self._state(facts, decision, ahead))
        state = self.lifecycle.step(account, flags, ahead)
        for index in taken:
            self._reached(transition_part(index, self.spec.transitions[index]))
        return state, decision

    def _state(self, facts: dict[str, Any], decision: Decision | None, life: str) -> dict[str, Any]:
        """What is kept of an account: its facts (a final state keeps only the ``keep`` sections), what was
        last emitted for it, and where it is in the lifecycle."""
        if life in self.spec.finals or decision is None:
            return {"facts": apply.kept(facts, self.spec.keep), "last": None, "life": life}
        return {"facts": facts, "last": [decision.outcome, decision.rule_ids], "life": life}

    def restate(self, state: dict[str, Any]) -> dict[str, Any]:
        """A kept state re-read through this policy (``stream --migrate``): its facts decided again and its
        lifecycle settled again from where it was (a state these rules do not declare: from the start).
        An account in a final state stays there: nothing reopens it."""
        facts, life = state["facts"], state.get("life")
        if life not in self.spec.states:
            life = None
        if life in self.spec.finals:
            return self._state(facts, None, life)
        decision, env = self.policy.decide_over(self.spec.assess, facts)
        ahead, _ = moves(self.spec, life, [holds(env) for holds in self._transitions])
        return self._state(facts, decision, ahead)

    def _reached(self, part: str) -> None:
        if self.observer is not None:
            self.observer.reached(part)

    def _check_subject(self, account: str, facts: dict[str, Any]) -> None:
        named = self.policy.subject_of(facts)
        if named != account:
            raise apply.ApplyError(f"the facts are of account {excerpt(named)}")

    def _decide(self, account: str, query: str, facts: dict[str, Any], line: int, basis: str) -> Output:
        return Output(line, self.lifecycle.state(account), self.policy.decide(query, facts), basis)
