"""Compile the ``stream:`` declaration: events, effects and the lifecycle, checked against the policy.

The declaration is data: event operations name facts sections and payload
fields, lifecycle transitions are conditions of the rule language. Here every
name is checked (queries, states, sections, list keys) and every condition is
compiled like a rule's, so the stream's Python names nothing of the policy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..facts.types import FactType
from ..validate.semantic import Entry
from .context import Context, Here
from .rules import CompiledQuery, Condition, compile_condition
from .scope import Scope

OWNER = "stream"  # the trace owner of the stream's conditions


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    when: Condition


@dataclass(frozen=True)
class Reopen:
    when: Condition
    ask: str


@dataclass
class StreamSpec:
    """The checked declaration the stream processor interprets."""

    assess: str
    events: dict[str, dict[str, Any]]
    effect_key: str | None
    effects: dict[str, dict[str, Any]]
    start: str
    states: list[str]
    transitions: list[Transition]
    finals: frozenset[str]
    keep: frozenset[str] | None
    reopen: Reopen | None
    #: The top-level facts the transitions' conditions read: a change to none of them leaves the lifecycle where it is.
    reads: frozenset[str] = frozenset()
    #: What coverage counts, each with its place (file:line): every event, effect, transition and the reopen ask.
    parts: dict[str, str] = field(default_factory=dict)


def event_part(kind: str) -> str:
    return f"event {kind}"


def effect_part(kind: str) -> str:
    return f"effect {kind}"


def transition_part(index: int, transition: Transition) -> str:
    return f"transition {index + 1}: {', '.join(sorted(transition.sources))} -> {transition.target}"


REOPEN_PART = "reopen"


def compile_stream(entry: Entry, ctx: Context, queries: dict[str, CompiledQuery]) -> StreamSpec:
    source, path, data = entry
    here = Here(ctx, source, path, owner=OWNER)
    check = _Checker(here, queries, ctx.facts)
    check.query(data["assess"], here.at("assess"))
    for kind, event in data["events"].items():
        check.change(event, here.at("events", kind))
        if "ask" in event:
            check.query(event["ask"], here.at("events", kind, "ask"))
            for fact in event.get("add", {}):
                check.section(fact, here.at("events", kind, "add", fact), key=True)
    effects = data.get("effects", {})
    for kind, change in effects.get("apply", {}).items():
        check.change(change, here.at("effects", "apply", kind))
    life = data["lifecycle"]
    states = list(life["states"])
    here.roots.clear()  # from here on, what the lifecycle's conditions read
    transitions = _transitions(life, states, check, here.at("lifecycle"))
    reads = frozenset(here.roots)
    spec = StreamSpec(
        assess=data["assess"], events=dict(data["events"]), effect_key=effects.get("by"),
        effects=dict(effects.get("apply", {})), start=check.state(life["start"], states, here.at("lifecycle", "start")),
        states=states, transitions=transitions,
        finals=frozenset(check.state(s, states, here.at("lifecycle", "final", "states", i))
                         for i, s in enumerate(life.get("final", {}).get("states", []))),
        keep=_keep(life.get("final", {}), check, here.at("lifecycle", "final")),
        reopen=_reopen(life.get("final", {}), check, here.at("lifecycle", "final", "reopen")), reads=reads,
    )
    spec.parts = _parts(spec, here)
    return spec


def _parts(spec: StreamSpec, here: Here) -> dict[str, str]:
    def place(*path: Any) -> str:
        return f"{here.source.name}:{here.source.marks.at(here.path + path, key=True)[0]}"
    parts = {event_part(kind): place("events", kind) for kind in spec.events}
    parts.update({effect_part(kind): place("effects", "apply", kind) for kind in spec.effects})
    parts.update({transition_part(i, t): place("lifecycle", "transitions", i) for i, t in enumerate(spec.transitions)})
    if spec.reopen is not None:
        parts[REOPEN_PART] = place("lifecycle", "final", "reopen")
    return parts


def _transitions(life: dict[str, Any], states: list[str], check: _Checker, here: Here) -> list[Transition]:
    found = []
    for i, t in enumerate(life["transitions"]):
        at = here.at("transitions", i)
        sources = frozenset(check.state(s, states, at.at("from", j)) for j, s in enumerate(t["from"]))
        found.append(Transition(sources, check.state(t["to"], states, at.at("to")),
                                compile_condition(t["when"], at.at("when"), Scope(check.facts))))
    return found


def _keep(final: dict[str, Any], check: _Checker, here: Here) -> frozenset[str] | None:
    if "keep" not in final:
        return None
    keep = frozenset(final["keep"])
    for i, name in enumerate(final["keep"]):
        check.section(name, here.at("keep", i))
    for name, t in check.facts.properties.items():
        if name not in keep and name in check.facts.required and t.kind != "array":
            here.at("keep").error(f"{name!r} is not kept and is not a list, so it cannot be emptied", "stream")
    return keep


def _reopen(final: dict[str, Any], check: _Checker, here: Here) -> Reopen | None:
    spec = final.get("reopen")
    if spec is None:
        return None
    check.query(spec["ask"], here.at("ask"))
    return Reopen(compile_condition(spec["when"], here.at("when"), Scope(check.facts)), spec["ask"])


@dataclass
class _Checker:
    here: Here
    queries: dict[str, CompiledQuery]
    facts: FactType

    def query(self, name: str, at: Here) -> None:
        if name not in self.queries:
            at.error(f"unknown query {name!r} (declared: {', '.join(sorted(self.queries)) or 'none'})", "stream")

    def state(self, name: str, states: list[str], at: Here) -> str:
        if name not in states:
            at.error(f"{name!r} is not a state of the lifecycle ({', '.join(states)})", "stream")
        return name

    def section(self, name: str, at: Here, kind: str | None = None, key: bool = False) -> FactType | None:
        t = self.facts.properties.get(name)
        if t is None:
            at.error(f"{name!r} is not a section of the facts ({', '.join(self.facts.properties)})", "stream", key)
        elif t is not None and kind is not None and t.kind != kind:
            at.error(f"{name!r} is {t.describe()}, not a {'list' if kind == 'array' else kind}", "stream", key)
        return t

    def change(self, spec: dict[str, Any], at: Here) -> None:
        for section in spec.get("merge", {}):
            self.section(section, at.at("merge", section), kind="object", key=True)
        for section in spec.get("append", {}):
            self.section(section, at.at("append", section), kind="array", key=True)
        for target in spec.get("set", {}):
            section, _, key = target.partition(".")
            t = self.section(section, at.at("set", target), kind="object", key=True)
            if t is not None and key not in t.properties:
                at.at("set", target).error(f"{target!r} is not a fact", "stream", key=True)
        if "update" in spec:
            self.update(spec["update"], at.at("update"))
        if "effects" in spec:
            self.query(spec["effects"], at.at("effects"))

    def update(self, spec: dict[str, Any], at: Here) -> None:
        t = self.section(spec["in"], at.at("in"), kind="array")
        item = t.item if t is not None else None
        if item is None or item.kind != "object":
            return
        fields = [(spec["key"], at.at("key"), False)] + [(f, at.at("set", f), True) for f in spec.get("set", {})]
        for name, place, key in fields:
            if name not in item.properties:
                place.error(f"the items of {spec['in']!r} have no field {name!r}", "stream", key)
