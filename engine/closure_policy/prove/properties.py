"""Property files (``tests/properties/*.yaml``): read, checked against their schema and the policy, compiled.

A property's ``assume`` is a condition of the rule language, compiled by the
rules' own compiler (so it may ``use`` the policy's named conditions); every
mistake is a problem at its file:line:col, and nothing is proved while one stands.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..compile.context import Context, Here
from ..compile.rules import Condition, compile_condition
from ..compile.scope import Scope
from ..errors import InvalidRules, Problem
from ..load import SourceFile, load_yaml_file
from ..policy import Policy
from ..validate.against_schema import validate_file

EXPECT_LISTS = ("violations", "violations_include", "violations_exclude")


@dataclass
class Property:
    name: str
    query: str
    location: str  # file:line:col of the property
    expect: dict[str, Any]
    assume: Condition | None = None
    source: dict[str, str] = field(default_factory=dict)


def find_files(paths: list[str]) -> list[Path]:
    """The YAML files named, and those in the folders named (sorted)."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        found += sorted(p for p in path.rglob("*.y*ml") if p.is_file()) if path.is_dir() else [path]
    return found


def load_properties(paths: list[Path], policy: Policy) -> list[Property]:
    """Every property of the files, or :class:`InvalidRules` with every problem found."""
    problems: list[Problem] = []
    found: list[Property] = []
    for path in paths:
        found += _load_file(path, policy, problems)
    if problems:
        raise InvalidRules(problems)
    return found


def _load_file(path: Path, policy: Policy, problems: list[Problem]) -> list[Property]:
    source, read = load_yaml_file(path, str(path))
    return properties_from(source, read, policy, problems)


def properties_from(source: SourceFile, read: list[Problem], policy: Policy, problems: list[Problem]) -> list[Property]:
    """The properties of a file already read (a file, or an editor's buffer), its problems added to ``problems``."""
    problems += read
    if read:
        return []
    invalid, broken = validate_file(source, "properties")
    problems += invalid
    if () in broken:
        return []
    compiled = policy.compilation.ctx
    assert compiled is not None
    ctx = Context(compiled.facts, conditions=compiled.conditions)
    seen: dict[str, int] = {}
    result = []
    for i, data in enumerate(source.data):
        if (i,) in broken or any(b[:1] == (i,) for b in broken):
            continue
        here = Here(ctx, source, (i,), owner=f"property:{data['name']}")
        if data["name"] in seen:
            here.at("name").error(f"property name {data['name']!r} is already used at line {seen[data['name']]}",
                                  "duplicate-case")
            continue
        seen[data["name"]] = source.marks.at((i,))[0]
        result.append(_property(data, here, policy))
    problems += ctx.problems
    return result


def _property(data: dict[str, Any], here: Here, policy: Policy) -> Property:
    query = policy.queries.get(data["query"])
    if query is None:
        here.at("query").error(f"unknown query {data['query']!r} (the policy answers: {', '.join(policy.queries)})",
                               "unknown-query")
    else:
        _check_expect(data["expect"], query, here)
    assume = compile_condition(data["assume"], here.at("assume"), Scope(here.ctx.facts)) if "assume" in data else None
    return Property(data["name"], data["query"], here.location(), data["expect"], assume, data.get("source", {}))


def _check_expect(expect: dict[str, Any], query: Any, here: Here) -> None:
    for key in ("outcome", "outcome_not"):
        if key in expect and expect[key] not in query.outcomes:
            here.at("expect", key).error(f"{expect[key]!r} is not an outcome of {query.name} "
                                         f"({', '.join(query.outcomes)})", "unknown-outcome")
    known = {r.id for r in query.rules}
    for key in EXPECT_LISTS:
        for i, rule in enumerate(expect.get(key, [])):
            if rule not in known:
                here.at("expect", key, i).error(f"{rule!r} is not a rule of {query.name} "
                                                f"({', '.join(sorted(known))})", "unknown-rule")
