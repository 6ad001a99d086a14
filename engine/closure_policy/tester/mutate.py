"""Mutation testing: change the rules the way an author's slip would, and see whether the suites notice.

100% rule and condition coverage says every comparison was *evaluated*; a
mutant says whether a case would *fail* if it were wrong. Each mutant is one
change to the rule files as loaded (the data, with their line and column marks
kept): a comparison's operator moved across its boundary or negated, its value
moved by one unit or swapped for each other value of its enum, the other fact
of the same kind compared instead, its calendar-day reading dropped; a
quantifier turned into each other one, a count's bound moved; a ``not``
dropped; a ``use`` of a named condition dropped from its ``all``/``any``; the ``when`` guard of a
remediation or of an outcome choice dropped or negated. Every mutant is
compiled (one the compiler refuses is *stillborn*, not counted) and every case
of the suites runs against it: it is *killed* when a case fails, *survives*
when all pass. Mutants run in parallel over the cores, each within a time
limit (one that overruns counts as killed: something noticed).

``stream:`` is mutated as well: its conditions like a rule's, and where a
transition leads or starts, the state the lifecycle starts in, a section kept,
each value an event or effect sets. A mutant no case could ever notice (the
declaration says the same thing another way) is *equivalent*: an author marks
its line with the comment ``# mutate: equivalent: DESCRIPTION`` (the mutant's
description as the report prints it; the reason in a comment beside it), like
mutmut's ``# pragma: no mutate`` but for that one mutant, and it is listed, not judged.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator, Sequence

from .. import limits, progress
from ..compile import compile_policy
from ..compile.scope import Scope
from ..facts.types import FactType
from ..load import SourceFile
from ..policy import Policy
from ..semantics import OPERATORS
from ..text import safe
from .runner import Runner
from .suite import Case, StreamCase

PathT = tuple[Any, ...]
EQUIVALENT = "# mutate: equivalent"  #: the comment that marks a line's mutants as equivalent
QUANTIFIERS = ("some", "every", "none")
_REMOVE = "<removed>"  # the replacement that removes a list item (a string: it crosses to worker processes)


@dataclass(frozen=True)
class Mutant:
    file: str
    line: int
    column: int
    description: str
    path: PathT  # where in the file's data the change is made
    replacement: Any  # the new node
    remove: bool = False  # the list item goes instead

    def format(self, status: str = "survived") -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.description} ({status})"


@dataclass
class Result:
    mutant: Mutant
    status: str  # killed, survived, stillborn, timeout, equivalent


def mutants(policy: Policy) -> list[Mutant]:
    """Every mutant of the policy's rule files, in file and position order."""
    found: list[Mutant] = []
    types = _Types(policy.facts_types, policy.compilation.sources)
    states = policy.stream.states if policy.stream is not None else []
    for source in policy.compilation.sources:
        for path, node, parent in _walk(source.data):
            changes = _of(path, node, parent, types)
            if path[:1] == ("stream",):
                changes = itertools.chain(changes, _stream_of(path, node, types, states))
            found += [Mutant(source.name, *source.marks.at(where), text, path, new, new is _REMOVE)
                      for where, text, new in changes]
    return sorted(found, key=lambda m: (m.file, m.line, m.column, m.description))


def equivalent(policy: Policy, mutant: Mutant) -> bool:
    """Whether the author marked the mutant, on its line, ``# mutate: equivalent: DESCRIPTION``."""
    source = next((s for s in policy.compilation.sources if s.name == mutant.file), None)
    lines = source.text.splitlines() if source is not None else []
    line = lines[mutant.line - 1] if 0 < mutant.line <= len(lines) else ""
    _, marked, named = line.partition(EQUIVALENT)
    return bool(marked) and named.lstrip(": ").rstrip() == mutant.description


def _walk(data: Any, path: PathT = (), parent: Any = None) -> Iterator[tuple[PathT, Any, Any]]:
    yield path, data, parent
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield from _walk(value, path + (key,), data)


def _of(path: PathT, node: Any, parent: Any, types: _Types) -> Iterator[tuple[PathT, str, Any]]:
    """(where, what, replacement) of each mutant of one node."""
    if not isinstance(node, dict):
        return
    if "fact" in node and "op" in node and "count" not in path[-1:]:
        yield from _comparison(path, node, types)
    for kind in QUANTIFIERS:
        if isinstance(node.get(kind), dict):
            for other in (q for q in QUANTIFIERS if q != kind):
                yield path + (kind,), f"{kind} -> {other}", {other: node[kind]}
    if isinstance(node.get("count"), dict) and isinstance(node["count"].get("value"), int):
        bound = node["count"]["value"]
        for moved in (bound - 1, bound + 1):
            if moved >= 0:
                yield path + ("count", "value"), f"count {node['count']['op']} {bound} -> {moved}", \
                    {"count": {**node["count"], "value": moved}}
    for kind, other in (("all", "any"), ("any", "all")):
        if isinstance(node.get(kind), list) and len(node[kind]) > 1:
            yield path + (kind,), f"{kind} -> {other}", {other: node[kind]}
    if set(node) == {"not"}:
        yield path + ("not",), "not dropped", node["not"]
    if set(node) == {"use"} and isinstance(parent, list) and len(parent) > 1:
        yield path, f"use {node['use']} dropped", _REMOVE
    if "when" in node and len(path) >= 2 and path[-2] in ("remediation", "outcome"):
        yield path + ("when",), "guard dropped", {k: v for k, v in node.items() if k != "when"}
        yield path + ("when",), "guard negated", {**node, "when": {"not": node["when"]}}


def _stream_of(path: PathT, node: Any, types: _Types, states: Sequence[str]) -> Iterator[tuple[PathT, str, Any]]:
    """The mutants of a part of ``stream:``: where a transition leads or starts, the state the lifecycle starts
    in, a section kept, a value an event or effect sets (each other value of its enum)."""
    end = path[-2:]
    if end == ("lifecycle", "start") and isinstance(node, str):
        yield from ((path, f"start {node} -> {s}", s) for s in states if s != node)
    if len(path) >= 2 and path[-2] == "transitions" and isinstance(node, dict):
        for state in (s for s in states if s != node.get("to")):
            yield path + ("to",), f"to {node.get('to')} -> {state}", {**node, "to": state}
        sources = node.get("from")
        if isinstance(sources, list) and len(sources) > 1:
            for i, state in enumerate(sources):
                yield path + ("from", i), f"from {state} dropped", {**node, "from": sources[:i] + sources[i + 1:]}
    if end[:1] == ("keep",) and isinstance(node, str):
        yield path, f"keep {node} dropped", _REMOVE
    if isinstance(node, dict) and isinstance(node.get("set"), dict):
        items = node.get("in")  # an update's set changes a list's items; a plain set, fact paths
        for name, value in node["set"].items():
            if not (isinstance(value, dict) and isinstance(value.get("value"), str)):
                continue
            enum = types.item_enum(items, name) if isinstance(items, str) else types.enum(name)
            for other in (v for v in enum if v != value["value"]):
                yield path + ("set", name), f"set {name} {value['value']!r} -> {other!r}", \
                    {**node, "set": {**node["set"], name: {"value": other}}}


def _comparison(path: PathT, cmp: dict[str, Any], types: _Types) -> Iterator[tuple[PathT, str, Any]]:
    op = cmp["op"]
    meaning = OPERATORS.get(op) if isinstance(op, str) else None
    if meaning is not None and meaning.boundary is not None:
        yield path + ("op",), f"{op} -> {meaning.boundary}", {**cmp, "op": meaning.boundary}
    if meaning is not None and meaning.negation is not None:
        yield path + ("op",), f"{op} -> {meaning.negation}", {**cmp, "op": meaning.negation}
    else:  # there is no "not in": the comparison negated instead
        yield path + ("op",), f"{op} negated", {"not": dict(cmp)}
    yield from _values(path, cmp, types)
    for other in types.siblings(cmp["value_of"]) if isinstance(cmp.get("value_of"), str) else ():
        yield path + ("value_of",), f"value_of {cmp['value_of']} -> {other}", {**cmp, "value_of": other}
    if "as_day_in" in cmp:
        yield path + ("as_day_in",), "as_day_in dropped", {k: v for k, v in cmp.items() if k != "as_day_in"}


def _values(path: PathT, cmp: dict[str, Any], types: _Types) -> Iterator[tuple[PathT, str, Any]]:
    value, where = cmp.get("value"), path + ("value",)
    if isinstance(value, list) and len(value) > 1:
        for i, item in enumerate(value):
            yield where, f"{item!r} dropped from the list", {**cmp, "value": value[:i] + value[i + 1:]}
    elif isinstance(value, bool):
        yield where, f"{value} -> {not value}", {**cmp, "value": not value}
    elif isinstance(value, (int, Decimal)) or isinstance(value, str) and types.kind(cmp["fact"]) == "money":
        moved = _one_unit_up(value)
        if moved is not None:
            yield where, f"{value} -> {moved}", {**cmp, "value": moved}
    elif isinstance(value, str):
        for other in (v for v in types.enum(cmp["fact"]) if v != value):
            yield where, f"{value!r} -> {other!r}", {**cmp, "value": other}


def _one_unit_up(value: Any) -> Any:
    """An amount moved up by one unit of its last digit (``2.50`` -> ``2.51``), as written."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int):
        return None
    moved = format(amount + Decimal(1).scaleb(exponent), "f")
    return moved if isinstance(value, str) else int(moved) if isinstance(value, int) else Decimal(moved)


class _Types:
    """The types the compiler gives fact paths, quantifier names bound as the rule files bind them."""

    def __init__(self, root: FactType, sources: Sequence[SourceFile]):
        self.root = root
        bound = {}
        for source in sources:
            for _path, node, _ in _walk(source.data):
                if isinstance(node, dict) and isinstance(node.get("in"), str) and isinstance(node.get("as"), str):
                    found = self.root.lookup(node["in"].split("."))
                    if found is not None and found.item is not None:
                        bound[node["as"]] = found.item
        self.scope = Scope(self.root, bound)

    def kind(self, path: Any) -> str | None:
        found = self.scope.type_of(path) if isinstance(path, str) else None
        return found.kind if found is not None else None

    def enum(self, path: Any) -> list[str]:
        found = self.scope.type_of(path) if isinstance(path, str) else None
        return [str(v) for v in (found.enum or [])] if found is not None else []

    def item_enum(self, items: str, name: str) -> list[str]:
        """The values of the enum ``name`` of the items of the list fact ``items``."""
        found = self.root.lookup(items.split("."))
        item = found.item.lookup([name]) if found is not None and found.item is not None else None
        return [str(v) for v in (item.enum or [])] if item is not None else []

    def siblings(self, path: str) -> list[str]:
        """The other facts beside ``path`` of the same kind (an amount for an amount), to compare instead."""
        head, *rest = path.split(".")
        section = self.root.lookup([head, *rest[:-1]]) if rest else None
        target = self.root.lookup([head, *rest])
        if section is None or target is None:
            return []
        return [f"{'.'.join([head, *rest[:-1]])}.{k}" for k, t in section.properties.items()
                if k != rest[-1] and t.kind == target.kind and t.kind in ("money", "timestamp", "string")
                and t.enum is None]


def apply(sources: Sequence[SourceFile], mutant: Mutant) -> list[SourceFile]:
    """The sources with the mutant's change made (a copy; the marks stay those of the original)."""
    changed = []
    for source in sources:
        if source.name != mutant.file:
            changed.append(source)
            continue
        data = copy.deepcopy(source.data)
        holder = data
        for key in mutant.path[:-1]:
            holder = holder[key]
        if mutant.remove:
            del holder[mutant.path[-1]]
        else:
            holder[mutant.path[-1]] = copy.deepcopy(mutant.replacement)
        changed.append(dataclasses.replace(source, data=data))
    return changed


# --- running them -----------------------------------------------------------------

_state: dict[str, Any] = {}


class _Overrun(Exception):
    pass


def _start(directory: Path, sources: Sequence[SourceFile], cases: Sequence[Case | StreamCase], seconds: float) -> None:
    _state.update(directory=directory, sources=sources, cases=cases, seconds=seconds)


def _on_alarm(signum: int, frame: Any) -> None:
    if _state.get("armed"):  # once: not again while the overrun is being handled
        _state["armed"] = False
        raise _Overrun


def _judge(mutant: Mutant) -> Result:
    """Compile the mutant and run every case on it, within the time limit (in a worker process)."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        _state["armed"] = True
        signal.setitimer(signal.ITIMER_REAL, _state["seconds"])
        return _verdict(mutant)
    except _Overrun:
        return Result(mutant, "timeout")
    finally:
        _state["armed"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _verdict(mutant: Mutant) -> Result:
    compilation = compile_policy(_state["directory"], strict=False, sources=apply(_state["sources"], mutant))
    # A dropped use can leave its condition unused: a finding of check, not a reason to refuse the mutant.
    if any(problem.check != "unused-condition" for problem in compilation.problems):
        return Result(mutant, "stillborn")
    runner = Runner({"compiled": Policy(compilation)})
    for case in _state["cases"]:
        if not all(result.passed for result in runner.run(case)):
            return Result(mutant, "killed")
    return Result(mutant, "survived")


def run(policy: Policy, cases: Sequence[Case | StreamCase], workers: int | None = None,
        seconds: float = limits.MUTANT_SECONDS) -> list[Result]:
    """Every mutant of ``policy`` judged by ``cases``, over ``workers`` processes (default: one a core)."""
    every = mutants(policy)
    marked = [Result(m, "equivalent") for m in every if equivalent(policy, m)]
    found = [m for m in every if not equivalent(policy, m)]
    return marked + _judged(policy, found, cases, workers, seconds)


def _judged(policy: Policy, found: list[Mutant], cases: Sequence[Case | StreamCase], workers: int | None,
            seconds: float) -> list[Result]:
    args = (policy.compilation.directory, policy.compilation.sources, list(cases), seconds)
    count = workers or os.cpu_count() or 1
    if count == 1:
        _start(*args)
        return list(progress.counted(map(_judge, found), len(found), "mutants"))
    with ProcessPoolExecutor(max_workers=count, initializer=_start, initargs=args) as pool:
        return list(progress.counted(pool.map(_judge, found, chunksize=4), len(found), "mutants"))


def score(results: Sequence[Result]) -> float:
    """Killed (or timed out) as a percentage of the mutants that compiled; 100 when none did."""
    judged = [r for r in results if r.status not in ("stillborn", "equivalent")]
    return 100.0 * sum(r.status != "survived" for r in judged) / len(judged) if judged else 100.0


def report(results: Sequence[Result]) -> str:
    lines = [r.mutant.format() for r in results if r.status == "survived"]
    lines += [r.mutant.format("timed out: counted as killed") for r in results if r.status == "timeout"]
    lines += [r.mutant.format("equivalent, as marked: not judged") for r in results if r.status == "equivalent"]
    counts = {status: sum(r.status == status for r in results) for status in ("killed", "survived", "timeout",
                                                                               "stillborn", "equivalent")}
    lines.append(f"mutants: {len(results)} ({counts['stillborn']} stillborn: the compiler refused them; "
                 f"{counts['equivalent']} marked equivalent); "
                 f"killed {counts['killed'] + counts['timeout']}, survived {counts['survived']}; "
                 f"score {score(results):.2f}%")
    return "\n".join(safe(line) for line in lines) + "\n"
