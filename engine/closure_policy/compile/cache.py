"""Compiled rules kept across compilations of one folder, so an edit recompiles only what it changed.

The language server recompiles a folder on every keystroke and ``serve
--watch`` on every save; of 10,000 rules, an edit changes one file. A rule is
kept by everything its compiled form and its problems depend on: its file's
name and text and its place there, the query it answers, the named conditions
when it uses any, the facts schema and the languages. A hit replays what
compiling it added to the compilation (its problems, its comparisons, the
conditions it used). Only callers that hold a cache use one: files changed in
memory without their text (the mutants of ``test --mutate``) never reach it.
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from .. import limits
from ..errors import Problem
from ..load import SourceFile
from .context import Context
from .rules import CompiledRule


@dataclass(frozen=True)
class _Kept:
    rule: CompiledRule
    problems: tuple[Problem, ...]
    leaves: dict[str, Any]
    used: frozenset[str]


def uses_conditions(node: Any) -> bool:
    """Whether a rule's data names a condition (``{use: NAME}``) anywhere."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "use" in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def rule_spans(source: SourceFile) -> dict[tuple[Any, ...], tuple[tuple[int, int], str]]:
    """Each rule of a file by its path: where it starts and its text, up to the next rule.

    A rule's compiled form depends on its own text and on where it is (the places its problems and
    comparisons name), so an edit recompiles only the rules whose text or place it changed. A file
    with an anchor (``&``, which a rule elsewhere may use) is keyed whole instead: none here.
    """
    rules = source.data.get("rules") if isinstance(source.data, dict) else None
    if not isinstance(rules, list) or not rules or "&" in source.text:
        return {}
    starts = [0]
    for line in source.text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    marks = [source.marks.values.get(("rules", i)) for i in range(len(rules))]
    if any(m is None for m in marks):
        return {}
    offsets = [starts[line - 1] + col - 1 for line, col in marks]  # type: ignore[misc]
    bounds = offsets[1:] + [len(source.text)]
    return {("rules", i): (marks[i], source.text[offsets[i]:bounds[i]])  # type: ignore[misc]
            for i in range(len(rules))}


def digest(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class RuleCache:
    """At most ``limits.COMPILED_RULES_KEPT`` compiled rules, the least recently used dropped first."""

    def __init__(self, size: int = limits.COMPILED_RULES_KEPT):
        self.size = size
        self._kept: OrderedDict[tuple[Any, ...], _Kept] = OrderedDict()
        # What was computed of each file, once per text of it: (what, file name) -> (its text, the result).
        self._of_text: dict[tuple[str, str], tuple[str, Any]] = {}
        self.hits = self.misses = 0

    def of_text(self, what: str, source: SourceFile, compute: Callable[[SourceFile], Any]) -> Any:
        """``compute(source)`` (its validation, its rules' spans, its digest), once per text of the file."""
        known = self._of_text.get((what, source.name))
        if known is None or known[0] != source.text:
            known = self._of_text[(what, source.name)] = (source.text, compute(source))
        return known[1]

    def compile(self, key: tuple[Any, ...], ctx: Context, owner: str,
                build: Callable[[], CompiledRule]) -> CompiledRule:
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            self.hits += 1
            ctx.problems += kept.problems
            ctx.used |= kept.used
            if kept.leaves:
                ctx.leaves.setdefault(owner, {}).update(kept.leaves)
            return kept.rule
        self.misses += 1
        problems, used, leaves = ctx.problems, ctx.used, ctx.leaves
        ctx.problems, ctx.used, ctx.leaves = [], set(), {}
        try:
            rule = build()
            kept = _Kept(rule, tuple(ctx.problems), ctx.leaves.get(owner, {}), frozenset(ctx.used))
        finally:
            mine_problems, mine_used, mine_leaves = ctx.problems, ctx.used, ctx.leaves
            ctx.problems, ctx.used, ctx.leaves = problems + mine_problems, used | mine_used, leaves
            for rule_id, found in mine_leaves.items():
                leaves.setdefault(rule_id, {}).update(found)
        self._kept[key] = kept
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return rule
