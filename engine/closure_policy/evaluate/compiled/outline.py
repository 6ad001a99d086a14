"""A large query's code: one function per rule, called through the query's rule index.

One function for a whole query keeps a small query fast, but its size grows
with the query, and CPython's compiler has limits (nesting, recursion) that a
policy of thousands of rules reaches. Here each rule is a function of its own
(its size bounded by the rule's, which ``check`` bounds), and the decision
function reads the facts once, looks the document up in the query's index
(``compile/index.py``) and calls only the rules that can fire. Violations come
out ordered by step and id, effects in the order the rules are written, as in
the one-function form; a traced decision reports every rule, those the index
skipped with the entry that skipped them.

A rule's function takes every literal as a parameter (``L0``, ``L1``...) and
names its locals from 1, so rules of the same shape have the same source: each
shape is compiled once (and kept across reloads) and each rule is that code
with its own literals as the parameters' defaults. Thousands of rules written
from a few templates cost a few compilations.
"""
from __future__ import annotations

from functools import lru_cache
from types import CodeType, FunctionType
from typing import Any, Callable

from ... import limits
from ...compile import ir
from ...compile.index import Entry, RuleIndex, build_index, partitioned, rule_order
from ...compile.rules import CompiledRule
from . import runtime
from .codegen import BUILTINS, Generated, Lines, _Checks, _compile, _Query, generate_query

#: The most rules a query may have to be generated as one function; a larger one is outlined and indexed.
INLINE_RULES = 64
_GLOBALS: dict[str, Any] = {"__builtins__": dict(BUILTINS), **runtime.VOCABULARY}


@lru_cache(maxsize=limits.RULE_SHAPES_KEPT)
def _code(source: str) -> CodeType:
    module = compile(source, "<closure-policy rule>", "exec")
    return next(c for c in module.co_consts if isinstance(c, CodeType))


class Outlined(_Query):
    """The decision function of one large query, its rules outlined and looked up by ``index``."""

    def __init__(self, *args: Any, indexed: bool = True):
        super().__init__(*args)
        rules = self.query.rules
        self.index = build_index(self.query) if indexed else RuleIndex(
            entries=[None] * len(rules), buckets={}, always=tuple(range(len(rules))), shared=frozenset())
        self.seen: list[str] = []
        # While a rule's function is made: its literals, its names for the root facts it reads, its counter.
        self.inside = False
        self.literals: list[Any] = []
        self.aliases: dict[str, str] = {}
        self.local = 0
        self.sources: list[str] = []  # each function's source, for Policy.source
        # A list a rule is filed under by an item's field is grouped by that field once per decision.
        self.groups = {key: self.fresh("p") for key in self.index.buckets if key.item_keys is not None}
        self.shared_by_name: dict[str, tuple[Any, ...]] = {g: ("group", key) for key, g in self.groups.items()}
        self.grouped: tuple[ir.Quantifier, str, object] | None = None  # the rule being made reads one group

    def generate(self) -> str:
        rules = self.query.rules
        functions = [self.rule_function(n, rule) for n, rule in enumerate(rules)]
        choosers = [self.chooser(n, rule) if rule.emit is None else None for n, rule in enumerate(rules)]
        self.out = Lines()
        self.candidates()
        self.out.emit(f"R = ({''.join(name + ', ' for name in self.shared())})")
        self.call(rules, self.const(tuple(functions)))
        self.out.emit("violations, effects, first = _collect(got, "
                      f"{self.const(tuple(rule_order(rules)))}, {self.const(self.emitting())})")
        self.first_outcome(rules, choosers)
        self.respond()
        subject = self.ref(self.query.subject) if self.query.subject is not None else "None"
        self.out.emit(f"return _decision({self.const(self.query.name)}, {subject}, outcome, violations, effects, "
                      f"response, track, {self.const(self.policy)}, {self.const(self.lang)})")
        if self.checks:
            _Checks(self).root(self.facts)
        head = "def decide(facts, trace=None, oracle=None):"
        return "\n".join([head, *self.prelude.lines, *self.out.lines]) + "\n"

    def emitting(self) -> frozenset[int]:
        return frozenset(n for n, rule in enumerate(self.query.rules) if rule.emit is not None)

    def shared(self) -> list[str]:
        """What a rule's function is given (``R``): the groups of items, then every root fact read so far.

        Groups first: their number is fixed, so a root's position stays the same as roots are added."""
        return [*self.groups.values(), *self.roots.values()]

    # --- names and literals inside a rule's function -----------------------------------

    def fresh(self, prefix: str) -> str:
        if not self.inside:
            return super().fresh(prefix)
        self.local += 1
        return f"{prefix}{self.local}"

    def const(self, value: Any) -> str:
        if not self.inside:
            return super().const(value)
        self.literals.append(value)
        return f"L{len(self.literals) - 1}"

    def root(self, path: str, given: Any = None) -> str:
        """A root fact: read in the decision function; inside a rule's function, its name there."""
        inside, self.inside = self.inside, False
        try:
            name = super().root(path, given)
        finally:
            self.inside = inside
        self.shared_by_name.setdefault(name, ("root", path, given))
        return self.alias(name) if inside else name

    def alias(self, shared: str) -> str:
        return self.aliases.setdefault(shared, f"q{len(self.aliases)}")

    def quantified(self, node: ir.Quantifier) -> str:
        if self.grouped is None or node is not self.grouped[0]:
            return super().quantified(node)
        _, group, value = self.grouped
        name = self.fresh("s")
        self.out.emit(f"{name} = {self.alias(group)}.get({self.const(value)}, ())")
        return name

    def function(self, make: Callable[[], str], memo: dict[Any, Any], key: tuple[Any, ...]) -> Callable[..., Any]:
        """A function made by ``make`` (which writes its body and returns what it returns), sharing its
        code with every function of the same shape.

        What it made is kept in ``memo`` (the rule's) under ``key``: its source, its literals and the shared
        values it reads from ``R``, by what they are, not where; the next generation of the same rule
        (a reload) reads it back, registering those values again, and only places them anew."""
        made = memo.get(key)
        if made is None:
            made = memo[key] = self.write(make)
        source, literals, reads = made
        names = [self.register(what) for what in reads]  # registered first: a new root joins R
        position = {local: i for i, local in enumerate(self.shared())}
        places = [position[name] for name in names]
        self.sources.append(source)
        return FunctionType(_code(source), _GLOBALS, "f", (*literals, *places))

    def write(self, make: Callable[[], str]) -> tuple[str, tuple[Any, ...], tuple[Any, ...]]:
        self.out, self.inside, self.literals, self.aliases, self.local = Lines(), True, [], {}, 0
        try:
            tail = make()
        finally:
            self.inside = False
        count = len(self.literals)  # the places in R follow the literals, one parameter each
        params = "".join(f", L{i}" for i in range(count + len(self.aliases)))
        lines = [f"def f(R, trace, oracle{params}):"]
        if self.aliases:
            lines.append(f"    {''.join(a + ', ' for a in self.aliases.values())}= "
                         f"{''.join(f'R[L{count + i}], ' for i in range(len(self.aliases)))}")
        source = "\n".join([*lines, *self.out.lines, f"    return {tail}"]) + "\n"
        return source, tuple(self.literals), tuple(self.shared_by_name[name] for name in self.aliases)

    def register(self, what: tuple[Any, ...]) -> str:
        """The name in ``R`` of a root fact (read in the decision function from now on) or a group of items."""
        return self.groups[what[1]] if what[0] == "group" else self.root(what[1], what[2])

    # --- one function per rule ------------------------------------------------------

    def rule_function(self, number: int, rule: CompiledRule) -> Callable[..., Any]:
        entry = self.index.entries[number]
        node = partitioned(rule.when.ir, entry) if entry is not None and self.mode == "plain" else None
        self.grouped = (node, self.groups[entry.key], next(iter(entry.values))) if node and entry else None

        def make() -> str:
            if rule.emit is not None:
                self.out.emit("effects = []")
            slot = self.rule(rule)
            return "effects or None" if rule.emit is not None else slot

        grouped = (entry.key, next(iter(entry.values))) if self.grouped is not None and entry is not None else None
        try:
            return self.function(make, rule.memo, ("rule", self.mode, self.lang, grouped))
        finally:
            self.grouped = None

    def chooser(self, number: int, rule: CompiledRule) -> Callable[..., Any] | None:
        """A function choosing the outcome of a violated rule whose choices are guarded; None: one outcome."""
        if all(when is None for when, _ in rule.outcome):
            return None

        def make() -> str:
            self.out.emit("outcome = None")
            self.choose(rule)
            return "outcome"

        return self.function(make, rule.memo, ("choose", self.mode, self.lang))

    # --- the decision ------------------------------------------------------------------

    def candidates(self) -> None:
        """``c``: the numbers of the rules that can fire; ``u1``, ``u2``...: the document's value of each key."""
        self.out.emit(f"c = [*{self.const(self.index.always)}]")
        for key, buckets in self.index.buckets.items():
            seen = self.fresh("u")
            self.seen.append(seen)
            if key.item_keys is None:
                self.out.emit(f"{seen} = {self.root(key.path)}")
                self.out.emit(f"c += {self.const(buckets)}.get({seen}, ())")
                continue
            item, group = self.fresh("e"), self.groups[key]
            self.out.emit(f"{group} = {{}}")
            with self.out.block(f"for {item} in {self.root(key.path)} or ():"):
                self.out.emit(f"{group}.setdefault({self.item_read(item, key.path, key.item_keys)}, []).append({item})")
            self.out.emit(f"{seen} = {group}.keys()")
            found = f"[n for v in {seen} for n in {self.const(buckets)}.get(v, ())]"
            self.out.emit(f"c += {f'set({found})' if key in self.index.shared else found}")

    def item_read(self, item: str, path: str, keys: tuple[str, ...]) -> str:
        """An item's field, read as a comparison inside a quantifier reads it."""
        self.root(path)
        parent = self.root_types[path][0]
        item_type = parent.item if parent is not None and parent.kind == "array" else None
        if len(keys) == 1:
            return self.read(item, item_type, True, keys[0])
        sub = item_type.lookup(list(keys)) if item_type is not None else None
        default = f", {self.const(sub.default)}" if sub is not None and sub.has_default else ""
        return f"_dig({item}, {self.const(keys)}{default})"

    def call(self, rules: list[CompiledRule], functions: str) -> None:
        self.out.emit("got = {}")
        if self.mode != "traced":
            with self.out.block("for n in c:"):
                self.out.emit(f"v = {functions}[n](R, trace, oracle)")
                with self.out.block("if v is not None:"):
                    self.out.emit("got[n] = v")
            return
        # Traced: every rule in the order written, those the index skipped said to be skipped and why.
        entries = self.const(tuple(self.skip_entry(n, e) for n, e in enumerate(self.index.entries)))
        seen = f"({''.join(s + ', ' for s in self.seen)})"
        self.out.emit("c = set(c)")
        with self.out.block(f"for n in {self.const(tuple(range(len(rules))))}:"):
            with self.out.block("if n in c:"):
                self.out.emit(f"v = {functions}[n](R, trace, oracle)")
                with self.out.block(f"if {entries}[n] is not None:"):
                    self.out.emit(f"trace.selected({entries}[n][2])")
                with self.out.block("if v is not None:"):
                    self.out.emit("got[n] = v")
            with self.out.block("else:"):
                self.out.emit(f"trace.skipped(*{entries}[n], {seen}[{entries}[n][3]])")

    def skip_entry(self, number: int, entry: Entry | None) -> tuple[Any, ...] | None:
        if entry is None:
            return None
        rule = self.query.rules[number]
        return (rule.id, rule.location, entry, list(self.index.buckets).index(entry.key))

    def first_outcome(self, rules: list[CompiledRule], choosers: list[Callable[..., Any] | None]) -> None:
        fixed = self.const(tuple((r.outcome[-1][1] if r.outcome else "") if r.emit is None else None for r in rules))
        with self.out.block("if first is None:"):
            self.out.emit(f"outcome = {self.const(self.query.default)}")
        if not any(choosers):
            with self.out.block("else:"):
                self.out.emit(f"outcome = {fixed}[first]")
            return
        table = self.const(tuple(choosers))
        with self.out.block(f"elif {table}[first] is None:"):
            self.out.emit(f"outcome = {fixed}[first]")
        with self.out.block("else:"):
            self.out.emit(f"outcome = {table}[first](R, trace, oracle)")


def generate(query: Any, lang: str, mode: str, policy: Any, facts: Any, index: bool | None = None) -> Generated:
    """A query's decision function: one function for a small query, outlined and indexed for a large one.

    ``index``: None indexes the queries of more than ``INLINE_RULES`` rules; True every query; False none
    (a large query is still outlined: its size is what CPython cannot compile as one function). The
    ``oracle`` variant is never indexed: another backend says which rules fire, and it is asked of every one,
    so that a backend's mistake is never hidden by this one's index.
    """
    if len(query.rules) <= INLINE_RULES and not index:
        return generate_query(query, lang, mode, policy, facts)
    gen = Outlined(query, lang, mode, policy, facts, indexed=index is not False and mode != "oracle")
    source = gen.generate()
    shown = "\n".join([*gen.sources, source])  # each rule's function, then the decision
    return Generated(_compile(source, gen.consts, f"{query.name} {lang} {mode}"), shown)
