"""The compiled backend's code generator: a query's intermediate form as one Python function.

Like fastjsonschema or attrs, the engine writes Python source once at load and
compiles it: plain locals, direct ``dict.get``, loops for quantifiers, no call
per comparison. What reaches the source from a rule file is only ever data:
literals go through ``repr()`` (strings, integers, booleans, None) or become
numbered constants (``K0``...; amounts, instants, sets, comparison records),
and every other name is either from :data:`runtime.VOCABULARY` or a local the
generator numbers itself (a rule's ``as: contract`` becomes ``b3``).

One generator, three variants of each query, so there is one source of meaning:
``plain`` decides; ``traced`` also reports every comparison and every rule to a
:class:`~closure_policy.trace.Trace` (explanations and coverage read it);
``oracle`` takes whether each rule and guarded choice holds from another backend
(durable_rules) and computes the rest of the decision the same way.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import singledispatchmethod
from operator import itemgetter, methodcaller
from types import MappingProxyType
from typing import Any, Callable, Iterator

from ...compile import ir
from ...compile.rules import CompiledQuery, CompiledRule, Condition
from ...facts.types import FactType
from ...semantics import ORDERING
from . import runtime

MODES = ("plain", "traced", "oracle")
#: The only builtins generated code can reach.
BUILTINS = {"len": len, "str": str, "map": map, "set": set}
REMEDY, OUTCOME, WHEN = "remedy", "outcome", "when"
_OPERATORS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_CONVERT = {"money": "_money", "timestamp": "_instant", "timezone": "_zone"}
_CHECK = {"timestamp": "_instant_checked"}  # read by no rule: checked only
_AS_TEXT = {"money": "_decimal_text", "timestamp": "_instant_text"}  # None stays None
_SHOWN_AS_IS = frozenset({"string", "timezone", "boolean", "integer", "count"})


def _kind(value: ir.Value) -> tuple[str, bool]:
    """What a value holds (a fact kind, ``count``, ``list of text`` or ``any``) and whether it may be None."""
    if isinstance(value, ir.Count):
        return "integer", False
    if isinstance(value, ir.Collect):
        item = value.select.type
        text = item is not None and item.kind in ("string", "timezone") and not value.select.nullable
        return ("list of text" if text else "any"), False
    if isinstance(value, ir.Ref) and value.type is not None:
        return value.type.kind, value.nullable
    return "any", True


@dataclass
class Generated:
    """One generated function and the source it was compiled from."""

    function: Callable[..., Any]
    source: str


@dataclass
class _Lines:
    lines: list[str] = field(default_factory=list)
    level: int = 1

    def emit(self, text: str) -> None:
        self.lines.append("    " * self.level + text)

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        self.emit(head)
        self.level += 1
        start = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == start:
                self.emit("pass")
            self.level -= 1


@contextmanager
def _nothing() -> Iterator[None]:
    yield


class _Generator:
    def __init__(self, mode: str, facts: FactType | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.facts_type = facts  # the schema's types: where a key is certain, it is subscripted
        self.root_types: dict[str, tuple[FactType | None, bool]] = {}  # root path -> (type, always present)
        self.item_types: dict[str, FactType | None] = {}  # a loop's item local -> the item's type
        self.out = _Lines()
        self.prelude = _Lines()
        self.consts: dict[str, Any] = {}
        self.roots: dict[str, str] = {}  # root fact path -> the local holding its value
        self.bound: dict[str, str] = {}  # a quantifier's name -> the local holding the item
        self.count = 0
        self._needs: dict[int, bool] = {}
        self._negations = 0  # how many `not`s the condition being generated is inside

    # --- names and literals -------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value: Any) -> str:
        """A Python expression for a constant: its ``repr`` for plain scalars, else a numbered global."""
        if value is None or type(value) in (str, int, bool):
            return repr(value)
        name = f"K{len(self.consts)}"
        self.consts[name] = value
        return name

    def literal(self, value: Any) -> str:
        """A JSON literal of a template, built fresh at each use so no decision shares it."""
        if isinstance(value, list):
            return "[" + "".join(self.literal(v) + ", " for v in value) + "]"
        if isinstance(value, dict):
            return "{" + "".join(f"{self.const(str(k))}: {self.literal(v)}, " for k, v in value.items()) + "}"
        return self.const(value)

    # --- reading facts ---------------------------------------------------------------

    def ref(self, r: ir.Ref) -> str:
        if r.binding is None:
            return self.root(r.path, r.type)
        base = self.bound[r.binding]
        keys, base_type = r.keys, self.item_types.get(base)
        if not keys:
            return base
        if len(keys) == 1:
            return self.convert(self.read(base, base_type, True, keys[0]), r.type)
        default = self.const(r.type.default) if r.type is not None and r.type.has_default else None
        read = f"_dig({base}, {self.const(tuple(keys))}{', ' + default if default else ''})"
        return self.convert(read, r.type)

    def read(self, base: str, base_type: FactType | None, present: bool, key: str) -> str:
        """``base``'s ``key``: subscripted where the schema makes it certain, else ``.get``."""
        sub = base_type.properties.get(key) if base_type is not None else None
        if present and base_type is not None and key in base_type.required:
            return f"{base}[{self.const(key)}]"
        default = f", {self.const(sub.default)}" if sub is not None and sub.has_default else ""
        read = f"{base}.get({self.const(key)}{default})"
        return read if present else f"({read} if {base} is not None else None)"

    @staticmethod
    def convert(read: str, t: FactType | None) -> str:
        """A scalar read as the engine compares it (exact amounts, instants, known zones)."""
        if t is not None and t.kind in _CONVERT:
            return f"{_CONVERT[t.kind]}({read})"
        return read

    def root(self, path: str, given: FactType | None = None) -> str:
        """A root fact path, read (and converted) once at the top of the function."""
        if path in self.roots:
            return self.roots[path]
        head, _, last = path.rpartition(".")
        parent = self.root(head) if head else "facts"
        parent_type, parent_present = self.root_types.get(head, (None, False)) if head else (self.facts_type, True)
        t = parent_type.properties.get(last) if parent_type is not None else given
        name = self.roots[path] = self.fresh("r")
        self.root_types[path] = (t, parent_present and parent_type is not None and last in parent_type.required
                                 and t is not None and not t.nullable)
        self.prelude.emit(f"{name} = {self.read(parent, parent_type, parent_present, last)}")
        if t is not None and t.kind == "money":  # a string the schema's pattern bounds to 38 digits a side
            self.prelude.emit(f"{name} = _Decimal({name}) if {name}.__class__ is str and len({name}) <= 38 "
                              f"else _money({name})")
        elif t is not None and t.kind in _CONVERT:
            self.prelude.emit(f"{name} = {self.convert(name, t)}")
        return name

    # --- conditions --------------------------------------------------------------------

    def needs_statements(self, node: ir.Cond) -> bool:
        """Whether ``node`` is more than one expression (a loop, or a traced comparison)."""
        key = id(node)
        if key not in self._needs:
            if isinstance(node, ir.Compare):
                needs = self.mode == "traced"
            elif isinstance(node, ir.Quantifier):
                needs = True
            elif isinstance(node, (ir.All, ir.AnyOf)):
                needs = any(self.needs_statements(p) for p in node.parts)
            elif isinstance(node, ir.Not):
                needs = self.needs_statements(node.inner)
            else:
                needs = False
            self._needs[key] = needs
        return self._needs[key]

    def guarded(self, condition: Condition, key: tuple[str, str, int]) -> str:
        """A rule's or a guarded choice's condition: asked of the oracle, or evaluated here."""
        if self.mode == "oracle":
            return f"oracle({self.const(key)})"
        return self.cond(condition.ir)

    @singledispatchmethod
    def cond(self, node: Any) -> str:
        raise TypeError(f"no code for {node!r}")

    @cond.register
    def _truth(self, node: ir.Truth) -> str:
        return repr(bool(node.value))

    @cond.register
    def _not(self, node: ir.Not) -> str:
        self._negations += 1  # a traced comparison inside says so: its ✓ then counts against the rule
        try:
            return f"(not {self.cond(node.inner)})"
        finally:
            self._negations -= 1

    @cond.register
    def _all(self, node: ir.All) -> str:
        return self.junction(node.parts, all_of=True)

    @cond.register
    def _any(self, node: ir.AnyOf) -> str:
        return self.junction(node.parts, all_of=False)

    def junction(self, parts: tuple[ir.Cond, ...], all_of: bool) -> str:
        if not parts:
            return repr(all_of)
        if not any(self.needs_statements(p) for p in parts):
            return "(" + (" and " if all_of else " or ").join(self.cond(p) for p in parts) + ")"
        # Flat ifs keep the short circuit when a part needs statements of its own
        # (and never nest deeper than one level, however many parts there are).
        result = self.fresh("c")
        self.out.emit(f"{result} = {all_of}")
        for i, part in enumerate(parts):
            with self.out.block(f"if {result if all_of else f'not {result}'}:") if i else _nothing():
                expr = self.cond(part)
                with self.out.block(f"if {'not ' if all_of else ''}{expr}:"):
                    self.out.emit(f"{result} = {not all_of}")
        return result

    @cond.register
    def _compare(self, node: ir.Compare) -> str:
        left, right = self.ref(node.left), self.side(node.right)
        left_none, right_none = node.left.nullable, self.may_be_none(node.right)
        if node.day_in is not None:
            zone = self.ref(node.day_in)
            left, right = f"_day({left}, {zone})", f"_day({right}, {zone})"
        if self.mode == "traced":
            a, b, result = self.fresh("a"), self.fresh("b"), self.fresh("t")
            self.out.emit(f"{a} = {left}")
            self.out.emit(f"{b} = {right}")
            self.out.emit(f"{result} = {self.test(node.op, a, b, left_none, right_none)}")
            shown = self.const(node.right.shown) if isinstance(node.right, ir.Const) and \
                node.right.shown is not None else b  # an 'in' list as written, not as a set
            negated = ", True" if self._negations % 2 else ""
            self.out.emit(f"trace.leaf({self.const(node.leaf)}, {a}, {shown}, {result}{negated})")
            return result
        return self.test(node.op, left, right, left_none, right_none)

    def side(self, value: ir.Ref | ir.Const) -> str:
        return self.const(value.value) if isinstance(value, ir.Const) else self.ref(value)

    @staticmethod
    def may_be_none(value: ir.Ref | ir.Const) -> bool:
        return value.value is None if isinstance(value, ir.Const) else value.nullable

    def test(self, op: str, left: str, right: str, left_none: bool, right_none: bool) -> str:
        if op == "in":
            if right_none:
                right_name = self.fresh("w")
                return f"(({right_name} := {right}) is not None and {left} in {right_name})"
            return f"({left} in {right})"
        symbol = _OPERATORS[op]
        if op not in ORDERING or not (left_none or right_none):
            return f"({left} {symbol} {right})"
        checks, names = [], []
        for expr, none in ((left, left_none), (right, right_none)):
            if none and not expr.isidentifier():
                name = self.fresh("w")
                checks.append(f"({name} := {expr}) is not None")
                expr = name
            elif none:
                checks.append(f"{expr} is not None")
            names.append(expr)
        return f"({' and '.join(checks)} and {names[0]} {symbol} {names[1]})"

    @cond.register
    def _quantifier(self, node: ir.Quantifier) -> str:
        items = self.items(node.over.items)
        where = node.over.where
        if where is None:
            size = f"len({items})"
            return {"some": f"({size} > 0)", "none": f"({size} == 0)", "every": "True"}.get(
                node.kind, f"({size} {_OPERATORS[node.op or '==']} {self.const(node.value)})")
        found = self.fresh("n")
        self.out.emit(f"{found} = 0")
        stop = node.kind != "count"
        with self.loop(node.over, items):
            expr = self.cond(where)
            with self.out.block(f"if {'not ' if node.kind == 'every' else ''}{expr}:"):
                self.out.emit(f"{found} += 1")
                if stop:
                    self.out.emit("break")
        if node.kind == "count":
            return f"({found} {_OPERATORS[node.op or '==']} {self.const(node.value)})"
        return f"({found} {'!=' if node.kind == 'some' else '=='} 0)"

    def items(self, ref: ir.Ref) -> str:
        name = self.fresh("s")
        self.out.emit(f"{name} = {self.ref(ref)} or ()")
        return name

    @contextmanager
    def loop(self, over: ir.Iteration, items: str) -> Iterator[str]:
        var = self.fresh("b")
        outer = self.bound.get(over.name)
        self.bound[over.name] = var
        items_type = over.items.type
        self.item_types[var] = items_type.item if items_type is not None and items_type.kind == "array" else None
        try:
            with self.out.block(f"for {var} in {items}:"):
                yield var
        finally:
            if outer is None:
                del self.bound[over.name]
            else:
                self.bound[over.name] = outer

    @contextmanager
    def matching(self, over: ir.Iteration) -> Iterator[None]:
        """The body runs once per item that matches ``where``, with the item bound."""
        with self.loop(over, self.items(over.items)):
            if over.where is None:
                yield
                return
            expr = self.cond(over.where)
            with self.out.block(f"if {expr}:"):
                yield

    # --- what a fired rule computes ---------------------------------------------------

    def value(self, value: ir.Value) -> str:
        if isinstance(value, ir.Const):
            return self.const(value.value)
        if isinstance(value, ir.Ref):
            return self.ref(value)
        result = self.fresh("v")
        if isinstance(value, ir.Count):
            self.out.emit(f"{result} = 0")
            with self.matching(value.over):
                self.out.emit(f"{result} += 1")
            return result
        self.out.emit(f"{result} = []")
        with self.matching(value.over):
            self.out.emit(f"{result}.append({self.ref(value.select)})")
        return result

    def text(self, text: ir.Text, details: dict[str, str]) -> str:
        pieces = []
        for part in text.parts:
            if isinstance(part, str):
                pieces.append(self.const(part))
            elif isinstance(part, ir.Const):
                pieces.append(self.const(runtime.display(part.value)))
            elif isinstance(part, ir.Detail):
                pieces.append(details[part.name])
            else:
                pieces.append(self.as_text(self.ref(part), part))
        return " + ".join(pieces) if pieces else "''"

    # Values are shown by their type, known here: a string as itself, an amount
    # by its digits, only what has no fixed type through the generic helpers.

    def as_json(self, expr: str, value: ir.Value) -> str:
        kind, _ = _kind(value)
        if kind in _SHOWN_AS_IS or kind == "list of text":
            return expr
        if kind in _AS_TEXT:
            return f"{_AS_TEXT[kind]}({expr})"
        return f"_json({expr})"

    def as_text(self, expr: str, value: ir.Value) -> str:
        kind, nullable = _kind(value)
        if kind in ("string", "timezone") or kind in _AS_TEXT:
            text = f"{_AS_TEXT[kind]}({expr})" if kind in _AS_TEXT else expr
            return f"_shown({text})" if nullable else text
        if kind == "integer" and not nullable:
            return f"str({expr})"
        if kind == "list of text":
            return f"', '.join({expr})"
        return f"_display({expr})"

    def shown(self, as_json: str, expr: str, value: ir.Value) -> str:
        """A detail as its messages show it: from its JSON text where that is the same words."""
        kind, nullable = _kind(value)
        if kind in _AS_TEXT:  # amounts and instants
            return f"_shown({as_json})" if nullable else as_json
        return self.once(self.as_text(expr, value))

    def once(self, expr: str) -> str:
        """``expr`` in a local of its own, unless it is one already."""
        if expr.isidentifier():
            return expr
        name = self.fresh("j")
        self.out.emit(f"{name} = {expr}")
        return name

    def template(self, template: ir.Template) -> str:
        fields = [f"{self.const(k)}: "
                  + (self.literal(v.value) if isinstance(v, ir.Const) else self.as_json(self.ref(v), v))
                  for k, v in template.fields]
        return "{" + ", ".join(fields) + "}"


class _Checks:
    """What JSON Schema cannot judge, for every fact a query does not convert as it reads.

    Generated from ``facts.schema.json``'s types into the query's function, so
    a decision checks the whole document, without copying it: amounts given as
    JSON numbers (digits), instants (real dates, the range), time zones (the
    database) and ids unique within their list; and, once for the whole
    document in C, that every string is Unicode text (no lone surrogate).
    """

    def __init__(self, gen: _Generator):
        self.gen, self.out = gen, gen.prelude
        self._needs: dict[int, bool] = {}

    def needs(self, t: FactType) -> bool:
        key = id(t)
        if key not in self._needs:
            if t.kind == "object":
                needs = any(self.needs(p) for p in t.properties.values())
            elif t.kind == "array":
                needs = t.unique_by is not None or (t.item is not None and self.needs(t.item))
            else:
                needs = t.kind in _CONVERT
            self._needs[key] = needs
        return self._needs[key]

    def root(self, t: FactType) -> None:
        self.out.emit("_unicode(facts)")
        self.properties("facts", t, "")

    def properties(self, name: str, t: FactType, prefix: str | None) -> None:
        """The checks of an object's properties; ``prefix`` is its root path (None inside a list)."""
        for key, sub in t.properties.items():
            if not self.needs(sub):
                continue
            path = f"{prefix}{key}" if prefix is not None else None
            if path is not None and path in self.gen.roots:
                if sub.kind not in _CONVERT:  # a scalar read above was converted (and so checked) there
                    self.value(self.gen.roots[path], sub, path)
                continue
            local = self.gen.fresh("k")
            self.out.emit(f"{local} = {self.gen.read(name, t, True, key)}")
            self.value(local, sub, path)

    def value(self, name: str, t: FactType, path: str | None) -> None:
        maybe_none = t.nullable or t.optional
        with self.out.block(f"if {name} is not None:") if maybe_none and t.kind not in _CONVERT else _nothing():
            if t.kind == "money":  # a string the schema's pattern accepted is an amount
                with self.out.block(f"if {name}.__class__ is not str:"):
                    self.out.emit(f"_money({name})")
            elif t.kind in _CONVERT:
                self.out.emit(f"{_CHECK.get(t.kind, _CONVERT[t.kind])}({name})")
            elif t.kind == "object":
                self.properties(name, t, f"{path}." if path is not None else None)
            elif t.kind == "array":
                self.array(name, t)

    def array(self, name: str, t: FactType) -> None:
        item = t.item
        if t.unique_by is not None:
            certain = item is not None and t.unique_by in item.required
            key = itemgetter(t.unique_by) if certain else methodcaller("get", t.unique_by)
            with self.out.block(f"if len(set(map({self.gen.const(key)}, {name}))) != len({name}):"):
                self.out.emit(f"_not_unique({self.gen.const(t.unique_by)})")
        if item is None or not self.needs(item):
            return
        var = self.gen.fresh("e")
        with self.out.block(f"for {var} in {name}:"):
            self.value(var, item, None)


class _Query(_Generator):
    """The decision function of one query in one language."""

    def __init__(self, query: CompiledQuery, lang: str, mode: str, policy: MappingProxyType[str, str],
                 facts: FactType):
        super().__init__(mode, facts)
        self.query, self.lang, self.policy, self.facts = query, lang, policy, facts

    def generate(self) -> str:
        slots = {}
        self.out.emit("effects = []")
        for rule in self.query.rules:
            slots[rule.id] = self.rule(rule)
        self.out.emit("violations = []")
        fired = sorted((r for r in self.query.rules if r.emit is None), key=lambda r: r.sort_key)
        for rule in fired:
            with self.out.block(f"if {slots[rule.id]} is not None:"):
                self.out.emit(f"violations.append({slots[rule.id]})")
        self.outcome(fired, slots)
        self.respond()
        subject = self.ref(self.query.subject) if self.query.subject is not None else "None"
        self.out.emit(f"return _decision({self.const(self.query.name)}, {subject}, outcome, violations, effects, "
                      f"response, track, {self.const(self.policy)}, {self.const(self.lang)})")
        _Checks(self).root(self.facts)  # after the body: it knows which facts the body reads
        return self.source()

    def source(self) -> str:
        head = "def decide(facts, trace=None, oracle=None):"
        return "\n".join([head, *self.prelude.lines, *self.out.lines]) + "\n"

    def rule(self, rule: CompiledRule) -> str:
        if self.mode == "traced":
            self.out.emit(f"trace.begin({self.const(rule.id)}, {self.const(rule.location)})")
        fired = self.fresh("f")
        self.out.emit(f"{fired} = {self.guarded(rule.when, (rule.id, WHEN, 0))}")
        if self.mode == "traced":
            self.out.emit(f"trace.evaluated({fired})")
        slot = self.fresh("x")
        if rule.emit is None:
            self.out.emit(f"{slot} = None")
        with self.out.block(f"if {fired}:"):
            if rule.emit is not None:
                self.effects(rule)
            else:
                self.violation(rule, slot)
        return slot

    def effects(self, rule: CompiledRule) -> None:
        assert rule.emit is not None
        if rule.emit.over is None:
            self.out.emit(f"effects.append({self.template(rule.emit.effect)})")
            return
        with self.matching(rule.emit.over):
            self.out.emit(f"effects.append({self.template(rule.emit.effect)})")

    def violation(self, rule: CompiledRule, slot: str) -> None:
        values = {name: (self.value(v), v) for name, v in rule.details}
        as_json = {name: self.once(self.as_json(expr, v)) for name, (expr, v) in values.items()}
        details = {name: self.shown(as_json[name], expr, v) for name, (expr, v) in values.items()}
        remedies = self.fresh("m")
        self.out.emit(f"{remedies} = []")
        for i, (when, texts) in enumerate(rule.remediation):
            line = f"{remedies}.append({self.text(texts[self.lang], details)})"
            if when is None:
                self.out.emit(line)
                continue
            with self.out.block(f"if {self.guarded(when, (rule.id, REMEDY, i))}:"):
                self.out.emit(line)
        message = self.text(rule.message[self.lang], details) if rule.message else "''"
        json_object = "{" + ", ".join(f"{self.const(n)}: {v}" for n, v in as_json.items()) + "}"
        self.out.emit(f"{slot} = _violation({self.const(rule.id)}, {self.const(rule.step)}, "
                      f"{self.const(rule.title[self.lang])}, {message}, {remedies}, {json_object}, "
                      f"{self.const(MappingProxyType(dict(rule.source)))})")

    def outcome(self, fired: list[CompiledRule], slots: dict[str, str]) -> None:
        """The first violation (by step, then rule id) chooses the outcome; none: the default."""
        self.out.emit("outcome = None")
        for i, rule in enumerate(fired):
            with self.out.block(f"{'el' if i else ''}if {slots[rule.id]} is not None:"):
                self.choose(rule)
        with self.out.block("else:") if fired else _nothing():
            self.out.emit(f"outcome = {self.const(self.query.default)}")

    def choose(self, rule: CompiledRule) -> None:
        """The rule's first outcome choice whose condition holds (the last has none)."""
        if self.mode == "traced" and any(when is not None for when, _ in rule.outcome):
            self.out.emit(f"trace.resume({self.const(rule.id)})")
        for i, (when, name) in enumerate(rule.outcome):
            with self.out.block("if outcome is None:") if i else _nothing():
                if when is None:
                    self.out.emit(f"outcome = {self.const(name)}")
                    return
                with self.out.block(f"if {self.guarded(when, (rule.id, OUTCOME, i))}:"):
                    self.out.emit(f"outcome = {self.const(name)}")
        with self.out.block("if outcome is None:"):
            self.out.emit(f"outcome = {self.const(rule.outcome[-1][1] if rule.outcome else '')}")

    def respond(self) -> None:
        self.out.emit("response, track = None, None")
        for name, spec in self.query.outcomes.items():
            if spec.response is None and spec.track is None:
                continue
            with self.out.block(f"if outcome == {self.const(name)}:"):
                response = self.template(spec.response) if spec.response is not None else "None"
                self.out.emit(f"response, track = {response}, {self.const(spec.track)}")


class _Predicate(_Generator):
    def generate(self, node: ir.Cond) -> str:
        expr = self.cond(node)
        self.out.emit(f"return {expr}")
        return "\n".join(["def decide(facts, trace=None, oracle=None):", *self.prelude.lines, *self.out.lines]) + "\n"


def _compile(source: str, consts: dict[str, Any], label: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__builtins__": dict(BUILTINS), **runtime.VOCABULARY, **consts}
    exec(compile(source, f"<closure-policy {label}>", "exec"), namespace)  # noqa: S102 - our own source
    function: Callable[..., Any] = namespace["decide"]
    return function


def generate_query(query: CompiledQuery, lang: str, mode: str, policy: MappingProxyType[str, str],
                   facts: FactType) -> Generated:
    """The decision function of ``query`` in ``lang``: ``decide(facts, trace=None, oracle=None)``."""
    gen = _Query(query, lang, mode, policy, facts)
    source = gen.generate()
    return Generated(_compile(source, gen.consts, f"{query.name} {lang} {mode}"), source)


def predicate(node: ir.Cond, facts: FactType | None = None) -> Callable[[Any], bool]:
    """A condition as a function of facts JSON Schema accepted (``facts``: the schema's types)."""
    gen = _Predicate("plain", facts)
    source = gen.generate(node)
    function = _compile(source, gen.consts, "condition")
    return lambda facts: bool(function(facts))
