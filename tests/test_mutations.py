"""Mutation testing of rules/ against tests/policy/: every changed comparison is caught.

Each comparison of every rule file is changed in the ways an author's slip
would change it (a boundary, a negation, another value of the same kind,
another fact of the same kind, the calendar-day reading dropped), and the
project's YAML suites must fail on every such mutant.
"""
from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from closure_policy import load_policy
from closure_policy.compile.scope import Scope
from closure_policy.facts.types import FactType
from closure_policy.policy import facts_checker
from closure_policy.tester import Runner
from closure_policy.tester.session import collect
from tests.conftest import ROOT

SWAP = {">=": ">", ">": ">=", "<=": "<", "<": "<=", "==": "!=", "!=": "=="}
Path_ = tuple[Any, ...]


def _comparisons(node: Any, path: Path_ = ()) -> Iterator[Path_]:
    if isinstance(node, dict):
        if "fact" in node and "op" in node:
            yield path
        for key, value in node.items():
            yield from _comparisons(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _comparisons(value, path + (i,))


def _bindings(node: Any) -> Iterator[tuple[str, str]]:
    """(name, list path) of every quantifier: rule files bind each name to one list."""
    if isinstance(node, dict):
        if "in" in node and "as" in node:
            yield node["as"], node["in"]
        for value in node.values():
            yield from _bindings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _bindings(value)


BINDINGS = {name: where for file in (ROOT / "rules").glob("*.yaml")
            for name, where in _bindings(yaml.safe_load(file.read_text(encoding="utf-8")))}


def _type_of(path: str) -> FactType | None:
    """The type the compiler gives ``path``, with every quantifier's name bound (its own Scope)."""
    root = facts_checker().types
    items = {name: root.lookup(where.split(".")) for name, where in BINDINGS.items()}
    return Scope(root, {n: t.item for n, t in items.items() if t is not None and t.item is not None}).type_of(path)


def _same_kind_siblings(path: str) -> list[str]:
    root = facts_checker().types
    head, *rest = path.split(".")
    section = root.lookup([head, *rest[:-1]]) if rest else None
    target = root.lookup([head, *rest])
    if section is None or target is None:
        return []
    return [f"{'.'.join([head, *rest[:-1]])}.{k}" for k, t in section.properties.items()
            if k != rest[-1] and t.kind == target.kind and t.kind in ("money", "timestamp", "string")
            and t.enum is None]


def _mutants(cmp: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    if cmp["op"] in SWAP:
        yield f"op {cmp['op']} -> {SWAP[cmp['op']]}", {**cmp, "op": SWAP[cmp["op"]]}
    else:  # there is no 'not in': negate the comparison instead
        yield "negated", {"not": dict(cmp)}
    value = cmp.get("value")
    if isinstance(value, list) and len(value) > 1:
        for i in range(len(value)):
            yield f"drop {value[i]!r}", {**cmp, "value": value[:i] + value[i + 1:]}
    elif isinstance(value, bool):
        yield f"value {value} -> {not value}", {**cmp, "value": not value}
    elif isinstance(value, (int, float)):
        yield f"value {value} -> {value + 1}", {**cmp, "value": value + 1}
    elif isinstance(value, str):
        t = _type_of(cmp["fact"])
        assert t is not None, f"{cmp['fact']}: not a fact"
        if t.kind == "money":  # an amount written as a string: move it by one unit of its last digit
            amount = Decimal(value)
            bumped = format(amount + Decimal(1).scaleb(amount.as_tuple().exponent), "f")  # type: ignore[arg-type]
            yield f"value {value} -> {bumped}", {**cmp, "value": bumped}
        else:
            assert t.enum, f"{cmp['fact']}: a string literal compared with a fact of no fixed values"
            for other in (v for v in t.enum if v != value):
                yield f"value {value!r} -> {other!r}", {**cmp, "value": other}
    if "value_of" in cmp:
        for other in _same_kind_siblings(cmp["value_of"]):
            yield f"value_of {cmp['value_of']} -> {other}", {**cmp, "value_of": other}
    if "as_day_in" in cmp:
        yield "drop as_day_in", {k: v for k, v in cmp.items() if k != "as_day_in"}


def _all_mutants() -> list[tuple[str, str, Path_, dict[str, Any]]]:
    found = []
    for file in sorted((ROOT / "rules").glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        # The YAML suites decide queries; the stream's lifecycle is tested by tests/stream.
        for path in (p for p in _comparisons(data) if p[:1] != ("stream",)):
            node = data
            for key in path:
                node = node[key]
            for label, mutant in _mutants(node):
                found.append((file.name, label, path, mutant))
    return found


MUTANTS = _all_mutants()


@pytest.fixture(scope="module")
def cases(policy):
    found, problems = collect([str(ROOT / "tests/policy")], policy)
    assert problems == []
    return found


def _write_mutant(tmp_path: Path, file: str, path: Path_, mutant: dict[str, Any]) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    for source in (ROOT / "rules").glob("*.yaml"):
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        if source.name == file:
            node = data
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = copy.deepcopy(mutant)
        (rules / source.name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return rules


def test_every_comparison_has_mutants():
    for file in sorted((ROOT / "rules").glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        # The YAML suites decide queries; the stream's lifecycle is tested by tests/stream.
        for path in (p for p in _comparisons(data) if p[:1] != ("stream",)):
            assert any(m[0] == file.name and m[2] == path for m in MUTANTS), (file.name, path)
    assert len(MUTANTS) >= 50


@pytest.mark.parametrize("file,label,path,mutant", MUTANTS,
                         ids=[f"{m[0]}:{'/'.join(map(str, m[2]))}:{m[1]}" for m in MUTANTS])
def test_the_suites_catch_every_mutant(tmp_path, cases, file, label, path, mutant):
    policy = load_policy(_write_mutant(tmp_path, file, path, mutant))
    runner = Runner({"compiled": policy})
    caught = next((c.node_id for c in cases if not all(r.passed for r in runner.run(c))), None)
    assert caught is not None, f"no case fails when {file} {'/'.join(map(str, path))} is mutated: {label}"
