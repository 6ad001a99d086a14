"""Load a YAML test suite: validate it, resolve its fixtures, check its names.

A suite is checked before anything runs: against ``tests.schema.json``, then
against the policy (a case naming an unknown query, outcome, rule id or
fixture is an error with its file:line:col, never a silent pass).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import limits
from ..errors import Problem
from ..jsondoc import parse
from ..load import SourceFile, load_yaml_file
from ..policy import Policy
from ..validate.against_schema import validate_file
from .merge_patch import merge_patch

RULE_KEYS = ("details", "message_contains", "remediation_contains", "remediation_excludes")
RULE_LISTS = ("violations", "violations_include", "violations_exclude")


@dataclass
class Case:
    name: str
    file: str
    line: int
    query: str
    facts: Any
    expect: dict[str, Any]
    lang: str = "en"
    backends: list[str] | None = None
    patched: bool = False  #: the facts are a fixture with a patch applied

    @property
    def node_id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass
class StreamCase:
    """Events through the policy's stream about one account, and what the stream must emit and keep.

    ``events`` are whole stream lines (``account_id``, ``type``, ``payload``),
    numbered from 0 when ``base`` gives a starting snapshot, else from 1.
    """

    name: str
    file: str
    line: int
    account: str
    events: list[dict[str, Any]]
    first: int  # the number of events[0]: 0 with a starting snapshot, else 1
    expect: dict[str, Any]
    backends: list[str] | None = None

    @property
    def node_id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass
class Suite:
    file: str
    cases: list[Case | StreamCase] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load_suite(path: Path, policy: Policy, name: str | None = None) -> Suite:
    return suite_from(*load_yaml_file(path, name or str(path)), policy)


def suite_from(source: SourceFile, problems: list[Problem], policy: Policy) -> Suite:
    """A suite already read (a file, or an editor's buffer) and the problems of reading it, checked."""
    path = source.path
    suite = Suite(source.name, problems=problems)
    if problems:
        return suite
    found, broken = validate_file(source, "tests")
    suite.problems += found
    if ("fixtures",) in broken or ("cases",) in broken or () in broken:
        return suite
    fixtures = _fixtures(source, path.parent, suite.problems, broken)
    seen: dict[str, int] = {}
    for i, data in enumerate(source.data["cases"]):
        if ("cases", i) in broken:
            continue
        here = ("cases", i)
        if data["name"] in seen:
            suite.problems.append(source.problem(here + ("name",), f"case name {data['name']!r} is already used "
                                                 f"at line {seen[data['name']]}", "duplicate-case"))
            continue
        seen[data["name"]] = source.marks.at(here)[0]
        read = _stream_case if "events" in data else _case
        case = read(source, here, data, fixtures, policy, suite.problems)
        if case is not None:
            suite.cases.append(case)
    return suite


def _fixtures(source: SourceFile, folder: Path, problems: list[Problem],
              broken: set[tuple[Any, ...]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, spec in (source.data.get("fixtures") or {}).items():
        if ("fixtures", name) in broken:
            continue
        if "facts" in spec:
            result[name] = spec["facts"]
            continue
        try:
            result[name] = _read_facts_file(folder / spec["file"])
        except (OSError, ValueError, yaml.YAMLError) as exc:
            problems.append(source.problem(("fixtures", name, "file"), f"cannot read fixture file: {exc}", "fixture"))
    return result


def _read_facts_file(path: Path) -> Any:
    """A fixture, read as strictly as facts are: the same limits, no duplicate keys."""
    if path.suffix == ".json":
        with open(path, "rb") as fh:
            document, problems = parse(fh.read(limits.MAX_DOCUMENT_BYTES + 1))
        if problems:
            raise ValueError(problems[0].format())
        return document
    source, found = load_yaml_file(path)
    if found:
        raise ValueError(found[0].format())
    return source.data


def _case(source: SourceFile, here: tuple[Any, ...], data: dict[str, Any], fixtures: dict[str, Any], policy: Policy,
          problems: list[Problem]) -> Case | None:
    before = len(problems)

    def problem(path: tuple[Any, ...], message: str, check: str, key: bool = False) -> None:
        problems.append(source.problem(here + path, message, check, key=key))

    query = policy.queries.get(data["query"])
    if query is None:
        problem(("query",), f"unknown query {data['query']!r} (the policy answers: {', '.join(policy.queries)})",
                "unknown-query")
    facts = data.get("facts")
    if "base" in data:
        if data["base"] not in fixtures:
            problem(("base",), f"unknown fixture {data['base']!r} (defined: {', '.join(fixtures) or 'none'})",
                    "unknown-fixture")
        else:
            facts = merge_patch(fixtures[data["base"]], data.get("patch") or {})
    if data.get("lang", "en") not in policy.languages:
        problem(("lang",), f"unsupported language {data['lang']!r} ({', '.join(policy.languages)})", "unknown-language")
    if query is not None:
        _check_expect(data["expect"], query, problem)
    if len(problems) > before:
        return None
    return Case(data["name"], source.name, source.marks.at(here)[0], data["query"], facts, data["expect"],
                data.get("lang", "en"), data.get("backend"), "base" in data and bool(data.get("patch")))


def _stream_case(source: SourceFile, here: tuple[Any, ...], data: dict[str, Any], fixtures: dict[str, Any],
                 policy: Policy, problems: list[Problem]) -> StreamCase | None:
    """A stream case, its names checked against the policy's stream declaration."""
    before = len(problems)

    def problem(path: tuple[Any, ...], message: str, check: str) -> None:
        problems.append(source.problem(here + path, message, check))

    spec = policy.stream
    if spec is None:
        problem(("events",), f"the rules in {policy.directory} declare no stream (a top-level 'stream:')",
                "unknown-event")
        return None
    events = [{"type": e["type"], "payload": e.get("payload", {})} for e in data["events"]]
    if "base" in data:
        snapshot = _snapshot(spec.events)
        if data["base"] not in fixtures:
            problem(("base",), f"unknown fixture {data['base']!r} (defined: {', '.join(fixtures) or 'none'})",
                    "unknown-fixture")
        elif snapshot is None:
            problem(("base",), "the stream declares no snapshot event (one that replaces the facts)", "unknown-event")
        else:
            kind, key = snapshot
            events.insert(0, {"type": kind, "payload": {key: merge_patch(fixtures[data["base"]],
                                                                          data.get("patch") or {})}})
    for i, event in enumerate(data["events"]):
        if event["type"] not in spec.events:
            problem(("events", i, "type"), f"the stream declares no event {event['type']!r} "
                                           f"({', '.join(spec.events)})", "unknown-event")
    _check_stream_expect(data["expect"], policy, problem)
    account = data.get("account") or _subject(policy, events)
    if account is None:
        problem(("events",), "name the account (account:), or start from a base whose subject names it",
                "unknown-event")
    if len(problems) > before or account is None:
        return None
    lines = [{"account_id": account, **event} for event in events]
    return StreamCase(data["name"], source.name, source.marks.at(here)[0], account, lines,
                      0 if "base" in data else 1, data["expect"], data.get("backend"))


def _snapshot(events: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """The event that replaces an account's facts, and its payload's key."""
    return next(((kind, spec["replace"]) for kind, spec in events.items() if "replace" in spec), None)


def _subject(policy: Policy, events: list[dict[str, Any]]) -> str | None:
    for event in events[:1]:
        for value in event["payload"].values():
            named = policy.subject_of(value)
            if isinstance(named, str):
                return named
    return None


def _check_stream_expect(expect: dict[str, Any], policy: Policy, problem: Any) -> None:
    states = policy.stream.states if policy.stream is not None else []

    def state(at: tuple[Any, ...], name: str) -> None:
        if name not in states:
            problem(at, f"{name!r} is not a state of the stream ({', '.join(states)})", "unknown-state")

    if "state" in expect:
        state(("expect", "state"), expect["state"])
    for i, emitted in enumerate(expect.get("emitted", [])):
        at = ("expect", "emitted", i)
        if "state" in emitted:
            state(at + ("state",), emitted["state"])
        if "query" not in emitted:
            continue
        query = policy.queries.get(emitted["query"])
        if query is None:
            problem(at + ("query",), f"unknown query {emitted['query']!r} (the policy answers: "
                                     f"{', '.join(policy.queries)})", "unknown-query")
        else:  # the decision case's check, its places moved under this output
            _check_expect(emitted, query, lambda path, message, check, key=False, at=at:
                          problem(at + path[1:], message, check))


def _check_expect(expect: dict[str, Any], query: Any, problem: Any) -> None:
    known = {r.id for r in query.rules}
    if "outcome" in expect and expect["outcome"] not in query.outcomes:
        problem(("expect", "outcome"), f"{expect['outcome']!r} is not an outcome of {query.name} "
                f"({', '.join(query.outcomes)})", "unknown-outcome")
    for key in RULE_LISTS:
        for i, rule in enumerate(expect.get(key, [])):
            if rule not in known:
                problem(("expect", key, i), _unknown_rule(rule, query.name, known), "unknown-rule")
    for key in RULE_KEYS:
        for rule in expect.get(key, {}):
            if rule not in known:
                problem(("expect", key, rule), _unknown_rule(rule, query.name, known), "unknown-rule", key=True)


def _unknown_rule(rule: str, query: str, known: set[str]) -> str:
    return f"{rule!r} is not a rule of query {query} ({', '.join(sorted(known))})"


def find_case(spec: str, policy: Policy) -> Case:
    """The case ``FILE::NAME`` (quotes around NAME allowed), loaded and checked as ``test`` would."""
    from ..errors import ClosurePolicyError, InvalidRules
    from ..text import did_you_mean

    file, sep, name = spec.partition("::")
    name = name.strip().strip("\"'")
    if not sep or not name:
        raise ClosurePolicyError(f"--case {spec!r}: write FILE::NAME, e.g. tests/policy/close_account.yaml::"
                                 "'member account too'")
    path = Path(file)
    if not path.is_file():
        raise ClosurePolicyError(f"--case {file}: no such test suite")
    suite = load_suite(path, policy, file)
    if suite.problems:
        raise InvalidRules(suite.problems)
    for case in suite.cases:
        if case.name == name and isinstance(case, StreamCase):
            raise ClosurePolicyError(f"{file}::{name} is a stream case (events): run it with closure-policy test")
        if case.name == name and isinstance(case, Case):
            return case
    raise ClosurePolicyError(f"{file} has no case {name!r}{did_you_mean(name, [c.name for c in suite.cases], 3, 0.5)}")
