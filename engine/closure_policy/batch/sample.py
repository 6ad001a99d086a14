"""Realistic facts documents, as many as asked: the corpus of ``sample``, batch tests and benchmarks.

A random document drawn from the facts schema alone would be denied for
every reason at once. Realistic documents come from the people who know the
policy: the facts of the query's own YAML cases (every outcome, every rule, the
boundaries: the suites cover them all). Each document of the corpus is one of
those, varied by what the facts schema says and nothing else, so that no fact
path of the bundled policy is named here:

- the policy's subject (``policy.subject``) gets a value of its own per row, and
  every string equal to the old value (tickets that list the account) follows;
- a whole root fact may come from another case of the query (crossover), so
  that checks combine as they do in life;
- a list whose items are unique by a key (the schema's ``x-unique-by``) may grow
  to a size asked for (``items``), with copies of its own items under new ids,
  so a case's character (all contracts expired, one active) is kept.

The same seed gives the same corpus.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from ..errors import ClosurePolicyError
from ..jsondoc import dump, load_trusted
from ..policy import Policy

CROSSOVER = 0.25  # the chance that one root fact of a document comes from another case


def case_facts(policy: Policy, query: str, suites: Sequence[str | Path]) -> list[dict[str, Any]]:
    """The facts of every case of ``query`` in the suites that expects a decision (not an error)."""
    from ..errors import InvalidRules
    from ..tester.session import collect

    policy.query(query)
    cases, problems = collect([str(p) for p in suites], policy)
    if problems:
        raise InvalidRules(problems)
    from ..tester.suite import Case

    seeds = [case.facts for case in cases if isinstance(case, Case)  # a stream case decides no one document
             and case.query == query and "error" not in case.expect and isinstance(case.facts, dict)]
    if not seeds:
        raise ClosurePolicyError(f"no case of query {query!r} decides anything in {', '.join(map(str, suites))}")
    return seeds


class Sampler:
    """Documents varied from ``seeds`` (see the module's note); ``items`` maps a list's fact name to a mean size."""

    def __init__(self, policy: Policy, seeds: list[dict[str, Any]],
                 items: Mapping[str, int] | None = None, seed: int = 0):
        self._seeds = [dump(s) for s in seeds]  # copied by decoding: faster than deepcopy, and exact
        self._roots = [load_trusted(s) for s in self._seeds]
        self._subject = policy.compilation.ruleset.subject.split(".")
        self._unique = _unique_lists(policy.facts_schema.document)
        unknown = sorted(set(items or {}) - set(self._unique))
        if unknown:
            raise ClosurePolicyError(f"--items {', '.join(unknown)}: not a list of unique items in the facts "
                                     f"(those are: {', '.join(sorted(self._unique))})")
        self._items = dict(items or {})
        self._rng = random.Random(seed)

    def take(self, count: int, first: int = 0) -> Iterator[dict[str, Any]]:
        for row in range(first, first + count):
            yield self.one(row)

    def one(self, row: int) -> dict[str, Any]:
        rng = self._rng
        facts: dict[str, Any] = load_trusted(rng.choice(self._seeds))
        if rng.random() < CROSSOVER:
            donor = rng.choice(self._roots)
            root = rng.choice(sorted(set(donor) & set(facts)) or [None])
            if root is not None:
                facts[root] = load_trusted(dump(donor[root]))
        for name, size in self._items.items():
            self._grow(facts, name, size)
        self._rename_subject(facts, row)
        return facts

    def _grow(self, facts: dict[str, Any], name: str, size: int) -> None:
        items = facts.get(name)
        if not isinstance(items, list) or not items or size <= 0:
            return
        key = self._unique[name]
        target = self._rng.randint(max(1, size // 2), size + size // 2)  # a mean of ``size``
        taken, originals = {item.get(key) for item in items}, list(items)
        while len(items) < target:
            copy = dict(self._rng.choice(originals))
            copy[key] = _fresh(f"{copy[key]}-", taken)
            items.append(copy)

    def _rename_subject(self, facts: dict[str, Any], row: int) -> None:
        holder: Any = facts
        for key in self._subject[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or not isinstance(holder.get(self._subject[-1]), str):
            return
        old = holder[self._subject[-1]]
        _replace_strings(facts, old, f"{old}-{row}")


def _fresh(prefix: str, taken: set[Any]) -> str:
    n = len(taken)
    while f"{prefix}{n}" in taken:
        n += 1
    taken.add(f"{prefix}{n}")
    return f"{prefix}{n}"


def _replace_strings(value: Any, old: str, new: str) -> None:
    stack = [value]
    while stack:
        node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else enumerate(node)
        for key, item in list(pairs):
            if item == old and isinstance(item, str):
                node[key] = new
            elif isinstance(item, (dict, list)):
                stack.append(item)


def _unique_lists(schema: Mapping[str, Any]) -> dict[str, str]:
    """Root facts that are lists of items unique by a key (``x-unique-by``): name -> key."""
    return {name: node["x-unique-by"] for name, node in schema.get("properties", {}).items()
            if isinstance(node, dict) and node.get("type") == "array" and "x-unique-by" in node}
