"""From a rule folder to compiled queries, as an ordered table of named stages.

Every stage adds problems to the same list instead of stopping, so ``check``
reports every mistake at once; parts a stage found malformed are left out of
the stages after it rather than checked twice.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import InvalidRules, Problem
from ..facts.schema_file import FactsSchema, read_facts_schema
from ..facts.types import FactType
from ..gcpause import collector_paused
from ..load import SourceFile, load_rule_dir
from ..validate.against_schema import validate_file
from ..validate.semantic import Entry, RuleSet, check_translations, gather
from .cache import RuleCache, digest, rule_spans, uses_conditions
from .context import Context, Here, NamedCondition
from .ir import Ref
from .paths import resolve
from .rules import CompiledQuery, compile_query, compile_rule
from .scope import Scope
from .stream import StreamSpec, compile_stream


@dataclass
class Compilation:
    directory: Path
    sources: list[SourceFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    broken: dict[str, set[tuple[Any, ...]]] = field(default_factory=dict)
    ruleset: RuleSet = field(default_factory=RuleSet)
    ctx: Context | None = None
    queries: dict[str, CompiledQuery] = field(default_factory=dict)
    stream: StreamSpec | None = None
    schema: FactsSchema | None = None  #: the policy's facts schema, once read and usable
    cache: RuleCache | None = field(default=None, repr=False)  #: compiled rules kept from the last compilations
    #: How each rule file is read (None: from disk, each time); a reloader's reads what it already parsed.
    reader: Callable[[Path], tuple[SourceFile, list[Problem]]] | None = field(default=None, repr=False)

    @property
    def facts(self) -> FactType:
        """The type of every fact path (an object with no facts until the schema is read)."""
        return self.schema.checker.types if self.schema is not None else FactType("object")

    @property
    def leaves(self) -> dict[str, dict[str, Any]]:
        """Every comparison of each rule, by rule id."""
        return self.ctx.leaves if self.ctx is not None else {}

    @property
    def revision(self) -> str:
        content = {**self.ruleset.canonical(), "facts_schema": self.schema.digest if self.schema else None}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"), default=str)
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _load(c: Compilation) -> None:
    if c.sources:  # already loaded: a recompilation of the same files
        return
    if not c.directory.is_dir():
        c.problems.append(Problem(str(c.directory), 1, 1, "not a folder of rule files", "io"))
        return
    c.sources, found = load_rule_dir(c.directory, load=c.reader)
    c.problems += found
    if not c.sources:
        c.problems.append(Problem(str(c.directory), 1, 1, "no *.yaml rule files here", "io"))


def _schema(c: Compilation) -> None:
    for source in c.sources:
        if source.data is None:
            c.broken[source.name] = {()}
            continue
        found, broken = validate_file(source) if c.cache is None else c.cache.of_text("schema", source, validate_file)
        c.problems += found
        c.broken[source.name] = broken


def _gather(c: Compilation) -> None:
    usable = [s for s in c.sources if () not in c.broken.get(s.name, set())]
    c.ruleset, found = gather(usable, c.broken)
    c.problems += found
    c.ctx = Context(facts=c.facts)
    c.ctx.conditions = {name: NamedCondition(name, *entry) for name, entry in c.ruleset.conditions.items()}


def _facts(c: Compilation) -> None:
    """The facts schema ``policy.facts_schema`` names; without a usable one, no fact path can be checked."""
    assert c.ctx is not None
    source = c.ruleset.policy_source
    if source is None:
        return
    c.schema, found = read_facts_schema(c.directory, c.ruleset.facts_schema, source)
    c.problems += found
    if c.schema is not None:
        c.ctx.facts = c.schema.checker.types


def _translations(c: Compilation) -> None:
    c.problems += check_translations(c.ruleset)


def _queries(c: Compilation) -> None:
    assert c.ctx is not None
    if c.schema is None:  # the facts' shape is unknown: every fact path would be a problem of its own
        return
    c.queries = {name: compile_query(name, entry, c.ctx) for name, entry in c.ruleset.queries.items()}
    subject = _subject(c)
    for query in c.queries.values():
        query.subject = subject


def _subject(c: Compilation) -> Ref | None:
    """``policy.subject``: a string fact every decision echoes as ``account_id``."""
    assert c.ctx is not None
    policy = next((s for s in c.sources if isinstance(s.data, dict) and "policy" in s.data), None)
    if policy is None:
        return None
    here = Here(c.ctx, policy, ("policy", "subject"))
    ref = resolve(c.ruleset.subject, here, Scope(c.facts))
    if ref.type is not None and (ref.type.kind != "string" or ref.nullable):
        here.error(f"the subject {c.ruleset.subject!r} must be a string fact every document has", "type-mismatch")
    return ref


def _stream(c: Compilation) -> None:
    assert c.ctx is not None
    if c.schema is None:  # the facts' shape is unknown: every fact path would be a problem of its own
        return
    if c.ruleset.stream is not None:
        c.stream = compile_stream(c.ruleset.stream, c.ctx, c.queries)


def _rules(c: Compilation) -> None:
    assert c.ctx is not None
    if c.schema is None:  # the facts' shape is unknown: every fact path would be a problem of its own
        return
    key = _rule_keys(c) if c.cache is not None else None
    for entry in c.ruleset.rules:
        source, path, data = entry
        query = c.queries.get(data["query"])
        if query is None:
            known = ", ".join(sorted(c.queries)) or "none"
            c.ctx.error(source, path + ("query",), f"unknown query {data['query']!r} (declared: {known})",
                        "unknown-query")
        if c.cache is None or key is None:
            rule = compile_rule(entry, query, c.ctx)
        else:
            rule = c.cache.compile(key(entry), c.ctx, data["id"],
                                   lambda entry=entry, query=query: compile_rule(entry, query, c.ctx))  # type: ignore[misc]
        if query is not None:
            query.rules.append(rule)
            query.roots |= rule.roots


def _rule_keys(c: Compilation) -> Callable[[Entry], tuple[Any, ...]]:
    """What each rule's compiled form depends on, for the rule cache (see compile/cache.py)."""
    assert c.ctx is not None and c.schema is not None
    cache = c.cache
    assert cache is not None
    texts = {s.name: cache.of_text("digest", s, lambda s: digest(s.name, s.text)) for s in c.sources}
    spans = {s.name: cache.of_text("spans", s, rule_spans) for s in c.sources}
    queries = {name: digest(data) for name, (_, _, data) in c.ruleset.queries.items()}
    conditions = digest(sorted((n, nc.source.name, texts.get(nc.source.name), nc.path)
                               for n, nc in c.ctx.conditions.items()))
    shared = (c.schema.digest, tuple(c.ruleset.languages))

    def key(entry: Entry) -> tuple[Any, ...]:
        source, path, data = entry
        span = spans[source.name].get(path)  # the rule's own text where it is known, else its whole file's
        uses = "use" in span[1] if span is not None else uses_conditions(data)  # (a word in it is enough)
        return (source.name, span or texts.get(source.name), path, queries.get(data["query"]),
                conditions if uses else None, shared)
    return key


_UNREADABLE = ("yaml-syntax", "io", "limit")  # a file whose rules were not read at all


def _unused(c: Compilation) -> None:
    # A condition no rule uses is never compiled, so its mistakes would go unseen.
    # One that a used condition names counts as used, even where a limit
    # stopped its expansion: the limit is the one problem to report there.
    # When a file could not be read its rules are missing, and the conditions
    # they use would look unused: one problem, not a cascade.
    assert c.ctx is not None
    if c.schema is None or any(p.check in _UNREADABLE for p in c.problems):
        return
    used = _named_by(c.ctx.used, c.ctx.conditions)
    for name, named in c.ctx.conditions.items():
        if name not in used:
            c.ctx.error(named.source, named.path, f"condition {name!r} is not used by any rule", "unused-condition",
                        key=True)


def _named_by(used: set[str], conditions: dict[str, NamedCondition]) -> set[str]:
    found, todo = set(used), list(used)
    while todo:
        named = conditions.get(todo.pop())
        stack = [named.data] if named is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                name = node.get("use")
                if isinstance(name, str) and name not in found:
                    found.add(name)
                    todo.append(name)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return found


def _collect_problems(c: Compilation) -> None:
    if c.ctx is not None:
        c.problems += c.ctx.problems
        c.ctx.problems = []


STAGES: list[tuple[str, Callable[[Compilation], None]]] = [
    ("load", _load),
    ("schema", _schema),
    ("gather", _gather),
    ("facts", _facts),
    ("translations", _translations),
    ("queries", _queries),
    ("rules", _rules),
    ("stream", _stream),
    ("unused", _unused),
    ("problems", _collect_problems),
]


def compile_policy(directory: Path, strict: bool = True, sources: list[SourceFile] | None = None,
                   cache: RuleCache | None = None,
                   reader: Callable[[Path], tuple[SourceFile, list[Problem]]] | None = None) -> Compilation:
    """Run every stage; with ``strict``, any problem raises :class:`InvalidRules`.

    ``sources`` compiles files already loaded without reading them again (their ``text`` as read: a
    ``cache`` keeps compiled rules by it, so files changed in memory alone are compiled without one);
    ``reader`` reads each rule file of the folder in place of reading it from disk.
    """
    c = Compilation(directory=directory, sources=list(sources or []), cache=cache, reader=reader)
    with collector_paused():
        for name, stage in STAGES:
            try:
                stage(c)
            except Exception as exc:  # a bug of ours: its trace names the stage it happened in
                exc.add_note(f"closure_policy: in the compile stage {name!r} of {directory}")
                raise
    c.problems = sorted(set(c.problems))
    if strict and c.problems:
        raise InvalidRules(c.problems)
    return c
