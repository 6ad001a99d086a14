"""The compiled form of queries and rules: what every backend evaluates."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import limits
from ..facts.types import FactType
from ..validate.semantic import Entry
from . import ir
from .conditions import build_condition, build_iteration, measure
from .context import Context, Here
from .scope import Scope
from .values import compile_details, compile_template, compile_text

Texts = dict[str, ir.Text]  # by language


@dataclass(eq=False)
class Condition:
    """A condition asked on its own (the stream's transitions): its intermediate form, and the types of
    the facts it reads. A backend makes it a predicate (``CompiledBackend.predicate``)."""

    ir: ir.Cond
    facts: FactType | None = field(default=None, repr=False)  # the schema's types, for the code


@dataclass
class Emit:
    over: ir.Iteration | None  # one effect per matching item; None: one effect
    effect: ir.Template


@dataclass
class Outcome:
    name: str
    track: bool | None = None
    response: ir.Template | None = None


@dataclass
class CompiledRule:
    id: str
    query: str
    step: int | None
    source: dict[str, str]
    title: dict[str, str]
    reading: dict[str, str] | None  # how the rule reads an ambiguous passage of the article
    location: str
    when: Condition
    details: tuple[tuple[str, ir.Value], ...]
    message: Texts
    remediation: list[tuple[Condition | None, Texts]]
    outcome: list[tuple[Condition | None, str]]
    emit: Emit | None
    roots: set[str]
    #: What later steps derived from this rule (its index entries, its generated code), kept with it: a rule
    #: kept by the rule cache (compile/cache.py) is the same object in the next compilation, so those are
    #: derived once.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.step if self.step is not None else -1, self.id)


@dataclass
class CompiledQuery:
    name: str
    title: dict[str, str]
    outcomes: dict[str, Outcome]
    default: str
    on_violation: str | None
    steps: list[dict[str, Any]]
    subject: ir.Ref | None = None  # the account a decision is about (policy.subject)
    rules: list[CompiledRule] = field(default_factory=list)
    roots: set[str] = field(default_factory=set)


def compile_query(name: str, entry: Entry, ctx: Context) -> CompiledQuery:
    source, path, data = entry
    here = Here(ctx, source, path)
    scope = Scope(ctx.facts)
    outcomes = {}
    for oname, spec in data["outcomes"].items():
        spec = spec or {}
        response = compile_template(spec["response"], here.at("outcomes", oname, "response"), scope) \
            if "response" in spec else None
        outcomes[oname] = Outcome(oname, spec.get("track"), response)
    for key in ("default", "on_violation"):
        if key in data and data[key] not in outcomes:
            here.at(key).error(f"{data[key]!r} is not an outcome of query {name!r} ({', '.join(outcomes)})",
                               "unknown-outcome")
    return CompiledQuery(name, data["title"], outcomes, data["default"], data.get("on_violation"),
                         data.get("steps", []), roots=set(here.roots))


def compile_rule(entry: Entry, query: CompiledQuery | None, ctx: Context) -> CompiledRule:
    source, path, data = entry
    here = Here(ctx, source, path, owner=data["id"])
    scope = Scope(ctx.facts)
    if query is not None and "step" in data and query.steps and \
            data["step"] not in {s["step"] for s in query.steps}:
        here.at("step").error(f"step {data['step']} is not a step of query {query.name!r}", "unknown-step")
    details_data = data.get("details", {})
    names = set(details_data)
    emit = _emit(data, here, scope)
    return CompiledRule(
        id=data["id"], query=data["query"], step=data.get("step"), source=data["source"], title=data["title"],
        reading=data.get("reading"),
        location=here.location(),
        when=compile_condition(data["when"], here.at("when"), scope),
        details=compile_details(details_data, here.at("details"), scope),
        message=_texts(data.get("message", {}), names, here.at("message"), scope),
        remediation=[_remedy(r, names, here.at("remediation", i), scope)
                     for i, r in enumerate(data.get("remediation", []))],
        outcome=_outcome(data, query, emit is not None, here, scope),
        emit=emit, roots=here.roots,
    )


def _texts(text: dict[str, str], names: set[str], here: Here, scope: Scope) -> Texts:
    return {lang: compile_text(t, names, here.at(lang), scope) for lang, t in text.items() if lang != "when"}


def compile_condition(data: Any, here: Here, scope: Scope) -> Condition:
    """A condition of the rule language, checked and compiled (rules, remediations, outcomes, the stream)."""
    node = build_condition(data, here, scope)
    size = measure(node)
    if size > limits.MAX_CONDITION_SIZE:
        here.error(f"the condition expands to {size:,} comparisons (named conditions expanded); the limit is "
                   f"{limits.MAX_CONDITION_SIZE:,}", "limit")
        node = ir.Truth(False)
    return Condition(node, here.ctx.facts)


def _remedy(data: dict[str, Any], names: set[str], here: Here,
            scope: Scope) -> tuple[Condition | None, Texts]:
    when = compile_condition(data["when"], here.at("when"), scope) if "when" in data else None
    return when, _texts(data, names, here, scope)


def _emit(data: dict[str, Any], here: Here, scope: Scope) -> Emit | None:
    if "emit" not in data:
        if "message" not in data:
            here.error("a rule that emits no effects needs a message", "missing-message", key=False)
        return None
    spec, at = data["emit"], here.at("emit")
    if "for_each" in spec:
        over, inner = build_iteration(spec["for_each"], at.at("for_each"), scope)
        return Emit(over, compile_template(spec["effect"], at.at("effect"), inner))
    return Emit(None, compile_template(spec["effect"], at.at("effect"), scope))


def _outcome(data: dict[str, Any], query: CompiledQuery | None, emits: bool, here: Here,
             scope: Scope) -> list[tuple[Condition | None, str]]:
    spec = data.get("outcome")
    if spec is None:
        if query is not None and not emits and query.on_violation is None:
            here.error(f"query {query.name!r} has no on_violation outcome; name this rule's outcome", "no-outcome")
        return [(None, query.on_violation)] if query is not None and query.on_violation else []
    choices: list[tuple[Condition | None, str]] = [(None, spec)] if isinstance(spec, str) else [
        (compile_condition(c["when"], here.at("outcome", i, "when"), scope) if "when" in c else None, c["outcome"])
        for i, c in enumerate(spec)]
    if choices[-1][0] is not None:
        here.at("outcome").error("the last outcome choice must have no 'when'", "outcome-incomplete")
    if query is not None:
        for i, (_, name) in enumerate(choices):
            if name not in query.outcomes:
                at = here.at("outcome") if isinstance(spec, str) else here.at("outcome", i, "outcome")
                at.error(f"{name!r} is not an outcome of query {query.name!r} ({', '.join(query.outcomes)})",
                         "unknown-outcome")
    return choices
