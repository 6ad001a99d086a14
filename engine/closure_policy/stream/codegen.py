"""The stream's declaration as generated Python: one handler per event type, made once at load.

The interpreter (``processor.py``) reads the ``stream:`` declaration at every
event: which operations, which sections, which queries, which transitions.
Here that reading is done once, into Python source compiled as a query's is
(``evaluate/compiled/codegen.py``) and by the same rules: what reaches the
source from the declaration is only data (strings, integers, booleans and None
through ``repr()``, anything else a numbered constant ``K0``...), and every
other name is a local the generator numbers, one of :data:`VOCABULARY`, or one
of the functions it defines (``settle``, ``effect_N``, ``on_N``, ``APPLY``).

A handler ``on_N(s, account, held, payload, line)`` takes one event of its type
that the events schema accepted, keeps the account's new state and returns the
outputs. It checks only the sections the event writes (``sections.py``),
decides the ``assess`` query only when the event writes a fact the query reads,
and moves the lifecycle only when it writes a fact a transition reads. Where
the interpreter would refuse the event, or on a path left to it, a handler
raises :class:`Deferred` before it keeps anything: the interpreter then takes
the event from the state the handler found, and says why in its own words.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping

from ..clock import now_text
from ..compile.stream import REOPEN_PART, StreamSpec, event_part, transition_part
from ..evaluate.compiled.codegen import Lines
from ..facts.checker import CLOCK_FACT
from ..policy import Policy
from . import apply
from .processor import AFTER, ASKED, BEFORE, Output
from .sections import Check, Sections


class Deferred(Exception):
    """The interpreter takes this event: it refuses it (with its report), or it is on a path left to it."""


#: The names generated code may use besides its own functions and numbered constants.
VOCABULARY: dict[str, Any] = {
    "_Deferred": Deferred, "_Output": Output, "_now": now_text, "_kept": apply.kept,
    "_effect_part": lambda kind: f"effect {kind}",
}
BUILTINS = {"isinstance": isinstance, "dict": dict, "list": list, "range": range, "str": str}


@dataclass(frozen=True)
class Program:
    """The generated stream: each event type's handler, and the source they were compiled from."""

    handlers: dict[str, Callable[..., list[Output]]]
    source: str
    trusted_finals: bool  #: whether what a final state keeps is valid facts (its asks decided without a check)
    check: Check  #: the whole document's check


def generate(policy: Policy, spec: StreamSpec) -> Program:
    """The handlers of ``spec``'s events."""
    sections = Sections(policy.facts_schema.document, policy.facts_types)
    source = _Source(policy, spec, sections)
    text = source.module()
    namespace: dict[str, Any] = {"__builtins__": dict(BUILTINS), **VOCABULARY, **source.consts}
    exec(compile(text, "<closure-policy stream>", "exec"), namespace)  # noqa: S102 - our own source
    handlers = {kind: namespace[f"on_{i}"] for i, kind in enumerate(spec.events)}
    return Program(handlers, text, source.trusted_finals, sections.whole)


class _Source:
    def __init__(self, policy: Policy, spec: StreamSpec, sections: Sections):
        self.policy, self.spec, self.sections = policy, spec, sections
        self.types = policy.facts_types
        self.out = Lines(level=0)
        self.consts: dict[str, Any] = {}
        self.named: dict[int, str] = {}
        self.count = 0
        self.transition_parts = tuple(transition_part(i, t) for i, t in enumerate(spec.transitions))
        self.conditions = [policy.predicate(t.when) for t in spec.transitions]  # one each, however many states
        self.clocked = CLOCK_FACT in self.types.properties and self.types.properties[CLOCK_FACT].kind == "timestamp"
        self.trusted_finals = self._trusted_finals()
        self.effect_writes: set[str] = set()  # every section an effect's change may write

    # --- names and literals ---------------------------------------------------------------------

    def const(self, value: Any) -> str:
        """A Python expression for a constant: its ``repr`` for plain scalars, else a numbered global."""
        if value is None or type(value) in (str, int, bool):
            return repr(value)
        name = self.named.get(id(value))
        if name is None:
            name = self.named[id(value)] = f"K{len(self.consts)}"
            self.consts[name] = value  # held here, so its id is never another's
        return name

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def defer_if(self, test: str) -> None:
        with self.out.block(f"if {test}:"):
            self.out.emit("raise _Deferred")

    # --- the module -------------------------------------------------------------------------------

    def module(self) -> str:
        self.settle()
        for i, change in enumerate(self.spec.effects.values()):
            with self.out.block(f"def effect_{i}(facts, src):"):
                self.effect_writes |= self.ops(change, "src", checked=False)
                self.out.emit("return facts")
        self.out.emit("APPLY = {" + "".join(f"{self.const(kind)}: effect_{i}, "
                                            for i, kind in enumerate(self.spec.effects)) + "}")
        for i, (kind, event) in enumerate(self.spec.events.items()):
            with self.out.block(f"def on_{i}(s, account, held, payload, line):"):
                self.handler(kind, event)
        return "\n".join(self.out.lines) + "\n"

    def settle(self) -> None:
        """Where an account in ``life`` ends up, and the transitions it takes: the first that holds, in
        declared order, until none moves it (as ``lifecycle.moves``; a cycle is left to the interpreter)."""
        spec = self.spec
        with self.out.block("def settle(life, facts):"):
            self.out.emit("taken = []")
            with self.out.block(f"for _ in range({len(spec.states) + 1}):"):
                for n, state in enumerate(spec.states):
                    leaving = [i for i, t in enumerate(spec.transitions) if state in t.sources]
                    with self.out.block(f"{'el' if n else ''}if life == {self.const(state)}:"):
                        self.chain(leaving)
                with self.out.block("else:"):
                    self.out.emit("return life, taken")
                targets = self.const(tuple(t.target for t in spec.transitions))
                with self.out.block(f"if {targets}[move] == life:"):
                    self.out.emit("return life, taken")
                self.out.emit("taken.append(move)")
                self.out.emit(f"life = {targets}[move]")
            self.out.emit("raise _Deferred")

    def chain(self, leaving: list[int]) -> None:
        """The transitions leaving one state, in declared order: the first that holds is taken."""
        if not leaving:
            self.out.emit("return life, taken")
            return
        for n, i in enumerate(leaving):
            test = self.const(self.conditions[i])
            with self.out.block(f"{'el' if n else ''}if {test}(facts):"):
                self.out.emit(f"move = {i}")
        with self.out.block("else:"):
            self.out.emit("return life, taken")

    # --- one event type ---------------------------------------------------------------------------

    def handler(self, kind: str, event: Mapping[str, Any]) -> None:
        replace = "replace" in event
        if not replace:
            self.defer_if("held is None")  # no facts yet: its first event must replace them
        self.out.emit("life = held.get('life') if held is not None else None")
        if "ask" in event:
            self.ask(kind, event)
            return
        with self.out.block(f"if life in {self.const(self.spec.finals)}:"):
            self.final(kind, event)
        self.out.emit("facts = held['facts'] if held is not None else {}")
        if "effects" in event:
            self.effects(kind, event)
        else:
            self.change(kind, event)

    def ask(self, kind: str, event: Mapping[str, Any]) -> None:
        """An ask: the query decided over the account's facts with the payload's fields added; nothing kept."""
        if not self.trusted_finals:
            self.defer_if(f"life in {self.const(self.spec.finals)}")
        added = event.get("add", {})
        values = {fact: self.field("payload", name, checked=True) for fact, name in added.items()}
        self.out.emit("facts = {**held['facts']" + "".join(f", {self.const(f)}: {v}" for f, v in values.items())
                      + "}")
        self.checks(set(added))
        self.out.emit(f"decision = {self.trusted(event['ask'], 'facts', set(added))}")
        self.reached([self.const(event_part(kind))])
        self.out.emit(f"return [_Output(line, life, decision, {ASKED!r})]")

    def trusted(self, query_name: str, facts: str, added: frozenset[str] | set[str] = frozenset()) -> str:
        """``query_name`` decided over ``facts`` known valid as a whole: each of its roots the schema lets be
        missing looked for first, as the facts checker does (missing: the interpreter refuses it)."""
        query = self.policy.query(query_name)
        for root in sorted(query.roots - self.types.required - set(added)):
            self.defer_if(f"{self.const(root)} not in {facts}")
        return f"{self.const(self.policy.decider(query.name, mode='trusted'))}({facts})"

    def final(self, kind: str, event: Mapping[str, Any]) -> None:
        """Nothing changes an account in a final state; a snapshot that would reopen it asks ``reopen``."""
        if "replace" not in event:
            self.reached([self.const(event_part(kind))])
            self.out.emit("return []")
            return
        self.out.emit("facts = held['facts']")
        self.ops(event, "payload", checked=True)
        self.defer_if(f"not {self.const(self.sections.whole)}(facts)")
        self.defer_if(f"{self.const(self.policy.subject_of)}(facts) != account")
        reopen = self.spec.reopen
        if reopen is not None:
            with self.out.block(f"if {self.const(self.policy.predicate(reopen.when))}(facts):"):
                self.out.emit("known = held['facts']")
                ask = self.trusted(reopen.ask, "known") if self.trusted_finals else \
                    f"{self.const(partial(self.policy.decide, reopen.ask))}(known)"
                self.out.emit(f"decision = {ask}")
                self.reached([repr(REOPEN_PART), self.const(event_part(kind))])
                self.out.emit(f"return [_Output(line, life, decision, {BEFORE!r})]")
        self.reached([self.const(event_part(kind))])
        self.out.emit("return []")

    def change(self, kind: str, event: Mapping[str, Any]) -> None:
        replace = "replace" in event
        written = self.ops(event, "payload", checked=True)
        if not replace:
            self.checks(written)
        subject = self.policy.compilation.ruleset.subject.partition(".")[0]
        if replace or subject in written:
            self.defer_if(f"{self.const(self.policy.subject_of)}(facts) != account")
        self.out.emit("last = held['last'] if held is not None else None")
        assess = self.policy.query(self.spec.assess)
        decides = replace or bool(written & (assess.roots | {subject}))
        if replace:
            self.out.emit(f"decision, env = {self.const(partial(self.policy.decide_over, assess.name))}(facts)")
        elif decides:
            self.out.emit(f"decision = {self.const(self.policy.decider(assess.name, mode='trusted'))}(facts)")
            self.out.emit("env = facts")
        else:
            self.defer_if("last is None")  # nothing to compare with: the interpreter decides it
            self.out.emit("decision, env = None, facts")
        self.lifecycle(replace or bool(written & self.spec.reads))
        self.keep(decides)
        self.reached([self.const(event_part(kind))], taken=True)
        if decides:
            with self.out.block(f"if life not in {self.const(self.spec.finals)} and (last is None or now != last):"):
                self.out.emit(f"return [_Output(line, life, decision, {AFTER!r})]")
        self.out.emit("return []")

    def effects(self, kind: str, event: Mapping[str, Any]) -> None:
        """The effects query decided over the account's facts, each effect applied by the change declared
        for its type, then the event's own changes; what any of them may write is checked, and decided."""
        self.out.emit(f"effected = {self.trusted(event['effects'], 'facts')}")
        with self.out.block("for effect in effected.effects:"):
            if self.spec.effect_key is None:
                self.out.emit("raise _Deferred")  # an effect of no declared type
            else:
                self.out.emit(f"way = effect.get({self.const(self.spec.effect_key)})")
                self.defer_if("not isinstance(way, str) or way not in APPLY")
                self.out.emit("facts = APPLY[way](facts, effect)")
        written = self.ops(event, "payload", checked=True) | self.effect_writes
        if "replace" in event:
            self.out.emit(f"decision, env = {self.const(partial(self.policy.decide_over, self.spec.assess))}(facts)")
        else:
            self.checks(written)
            self.out.emit(f"decision = {self.trusted(self.spec.assess, 'facts')}")
            self.out.emit("env = facts")
        self.lifecycle(True)
        self.keep(True)
        if self.spec.effect_key is not None:
            with self.out.block("if s.observer is not None:"):
                with self.out.block("for effect in effected.effects:"):
                    self.out.emit(f"way = effect.get({self.const(self.spec.effect_key)})")
                    with self.out.block("if isinstance(way, str):"):
                        self.out.emit("s.observer.reached(_effect_part(way))")
        self.reached([self.const(event_part(kind))], taken=True)
        self.out.emit(f"return [_Output(line, life, effected, {BEFORE!r})]")

    # --- the parts of a handler -------------------------------------------------------------------

    def lifecycle(self, moves: bool) -> None:
        """The lifecycle moved over ``env``: always after a change to what a transition reads (or the clock,
        when a transition reads it and the facts leave it to now), else only for an account not yet in it."""
        start = self.const(self.spec.start)
        if self.clocked and CLOCK_FACT in self.spec.reads:
            with self.out.block(f"if {CLOCK_FACT!r} not in env:"):
                self.out.emit(f"env = {{**env, {CLOCK_FACT!r}: _now(6)}}")
            moves = True
        if moves:
            self.out.emit(f"life, taken = settle(life if life is not None else {start}, env)")
            return
        self.out.emit("taken = ()")
        with self.out.block("if life is None:"):
            self.out.emit(f"life, taken = settle({start}, env)")

    def keep(self, decided: bool) -> None:
        """The account's new state kept: a final state keeps only the declared sections, and no decision."""
        keep = self.const(self.spec.keep)
        with self.out.block(f"if life in {self.const(self.spec.finals)}:"):
            self.out.emit(f"s.store.put(account, {{'facts': _kept(facts, {keep}), 'last': None, 'life': life}})")
        with self.out.block("else:"):
            self.out.emit("now = [decision.outcome, decision.rule_ids]" if decided else "now = last")
            self.out.emit("s.store.put(account, {'facts': facts, 'last': now, 'life': life})")

    def reached(self, parts: list[str], taken: bool = False) -> None:
        """Coverage told what the event reached, once it is taken: the transitions it took (``taken``), then
        each part (an expression), in the interpreter's order."""
        with self.out.block("if s.observer is not None:"):
            if taken:
                with self.out.block("for i in taken:"):
                    self.out.emit(f"s.observer.reached({self.const(self.transition_parts)}[i])")
            for part in parts:
                self.out.emit(f"s.observer.reached({part})")

    def checks(self, written: set[str]) -> None:
        """Each written section checked alone, or the whole document when the schema judges only wholes."""
        found = {name: self.sections.check(name) for name in sorted(written)}
        if any(check is None for check in found.values()):
            self.defer_if(f"not {self.const(self.sections.whole)}(facts)")
            return
        for name, check in found.items():
            self.defer_if(f"not {self.const(check)}(facts[{self.const(name)}])")

    # --- the operations of a change (as ``apply.change`` carries them out) -----------------------

    def ops(self, spec: Mapping[str, Any], src: str, checked: bool) -> set[str]:
        """The code of ``spec``'s operations on ``facts``, reading ``src``'s fields (``checked``: the events
        schema already made each field present, and an object where the operation takes one); the sections
        written (every one, for a replacement)."""
        written: set[str] = set()
        if "replace" in spec:
            value = self.field(src, spec["replace"], checked, whole=True)
            self.out.emit(f"facts = dict({value})")
            written |= set(self.types.properties)
        for section, name in spec.get("merge", {}).items():
            held, value = self.section(section, "dict"), self.field(src, name, checked, whole=True)
            self.out.emit(f"facts = {{**facts, {self.const(section)}: {{**{held}, **{value}}}}}")
            written.add(section)
        for target, value_spec in spec.get("set", {}).items():
            section, _, key = target.partition(".")
            held, value = self.section(section, "dict"), self.value(value_spec, src, checked)
            self.out.emit(f"facts = {{**facts, {self.const(section)}: {{**{held}, {self.const(key)}: {value}}}}}")
            written.add(section)
        for section, name in spec.get("append", {}).items():
            held, value = self.section(section, "list"), self.field(src, name, checked)
            self.out.emit(f"facts = {{**facts, {self.const(section)}: [*{held}, {value}]}}")
            written.add(section)
        if "update" in spec:
            written.add(self.update(spec["update"], src, checked))
        return written

    def update(self, spec: Mapping[str, Any], src: str, checked: bool) -> str:
        section, key = spec["in"], self.const(spec["key"])
        wanted = self.field(src, spec["match"], checked)
        items = self.section(section, "list")
        changes = [f"**{self.field(src, spec['merge'], checked, whole=True)}"] if "merge" in spec else []
        changes += [f"{self.const(name)}: {self.value(v, src, checked)}" for name, v in spec.get("set", {}).items()]
        result, hit, item = self.fresh("n"), self.fresh("h"), self.fresh("i")
        self.out.emit(f"{result}, {hit} = [], False")
        with self.out.block(f"for {item} in {items}:"):
            with self.out.block(f"if isinstance({item}, dict) and {item}.get({key}) == {wanted}:"):
                self.out.emit(f"{item} = {{**{item}, {', '.join(changes)}}}")
                self.out.emit(f"{hit} = True")
            self.out.emit(f"{result}.append({item})")
        self.defer_if(f"not {hit}")  # no item with that key
        self.out.emit(f"facts = {{**facts, {self.const(section)}: {result}}}")
        return str(section)

    def field(self, src: str, name: str, checked: bool, whole: bool = False) -> str:
        """A field of ``src`` (``whole``: one that must be an object)."""
        if not checked:
            self.defer_if(f"{self.const(name)} not in {src}")
        local = self.fresh("v")
        self.out.emit(f"{local} = {src}[{self.const(name)}]")
        if whole and not checked:
            self.defer_if(f"not isinstance({local}, dict)")
        return local

    def value(self, spec: Any, src: str, checked: bool) -> str:
        """What a ``set`` writes: a literal of the declaration (``{value: ...}``), or a field of ``src``."""
        return self.const(spec["value"]) if isinstance(spec, dict) else self.field(src, spec, checked)

    def section(self, name: str, kind: str) -> str:
        """A section of the facts, as the operation finds it (missing: empty), that must be a ``kind``."""
        local = self.fresh("o")
        self.out.emit(f"{local} = facts.get({self.const(name)}, {'{}' if kind == 'dict' else '[]'})")
        self.defer_if(f"not isinstance({local}, {kind})")
        return local

    def _trusted_finals(self) -> bool:
        """Whether what a final state keeps is always valid facts: each section it empties may be empty, and
        every other section it drops is one the schema lets be missing (a required one ``check`` refuses)."""
        keep = self.spec.keep
        if keep is None:
            return True
        for name, t in self.types.properties.items():
            if name in keep:
                continue
            if t.kind == "array":
                check = self.sections.check(name)
                if check is None or not check([]):
                    return False
            elif t.kind not in ("object", "string", "timestamp", "money", "integer", "boolean", "timezone"):
                return False
        return True


__all__ = ["Deferred", "Program", "VOCABULARY", "generate"]
