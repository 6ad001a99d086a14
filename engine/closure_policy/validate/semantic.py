"""Checks over the rule set as a whole: one policy, unique names, every text translated.

Each check yields problems; the compile stages that follow check what needs
types and scopes (fact paths, comparisons, placeholders).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from ..errors import Problem
from ..load import SourceFile
from ..text import excerpt

Entry = tuple[SourceFile, tuple[Any, ...], Any]
DEFAULT_LANGUAGES = ["en"]


@dataclass
class RuleSet:
    """Rule files gathered into one policy, each entry with where it came from."""

    name: str = ""
    subject: str = ""  # policy.subject: the fact naming what a decision is about
    subject_label: dict[str, str] = field(default_factory=dict)  # what text output calls the subject, by language
    facts_schema: str = ""  # policy.facts_schema: the facts schema's file, relative to the rule folder
    policy_source: SourceFile | None = None  # the file that declares the policy (where its problems are)
    title: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    queries: dict[str, Entry] = field(default_factory=dict)
    conditions: dict[str, Entry] = field(default_factory=dict)
    rules: list[Entry] = field(default_factory=list)
    stream: Entry | None = None

    def canonical(self) -> dict[str, Any]:
        """The rule set's content, independent of file layout and formatting."""
        return {
            "policy": {"name": self.name, "title": self.title, "languages": self.languages, "subject": self.subject,
                       "subject_label": self.subject_label},
            "stream": self.stream[2] if self.stream is not None else None,
            "queries": {k: v[2] for k, v in sorted(self.queries.items())},
            "conditions": {k: v[2] for k, v in sorted(self.conditions.items())},
            "rules": sorted((r[2] for r in self.rules), key=lambda r: str(r.get("id"))),
        }


def gather(sources: list[SourceFile], broken: dict[str, set[tuple[Any, ...]]]) -> tuple[RuleSet, list[Problem]]:
    """Collect the well-formed parts of every file; report duplicates and a missing policy."""
    rs, problems = RuleSet(), []
    policies: list[tuple[SourceFile, Any]] = []
    streams: list[Entry] = []
    for source in sources:
        bad = broken.get(source.name, set())
        data = source.data if isinstance(source.data, dict) else {}
        if "policy" in data and ("policy",) not in bad:
            policies.append((source, data["policy"]))
        if "stream" in data and not any(b[:1] == ("stream",) for b in bad):
            streams.append((source, ("stream",), data["stream"]))
        problems += _collect(rs.queries, source, data.get("queries"), "queries", bad, "duplicate-query")
        problems += _collect(rs.conditions, source, data.get("conditions"), "conditions", bad, "duplicate-condition")
        for i, rule in enumerate(data.get("rules") or []):
            if ("rules", i) not in bad and ("rules",) not in bad:
                rs.rules.append((source, ("rules", i), rule))
    problems += _one_policy(rs, policies, sources)
    rs.stream = streams[0] if streams else None
    problems += [s.problem(("stream",), f"the stream is already declared in {streams[0][0].name}", "duplicate-stream",
                           key=True) for s, _, _ in streams[1:]]
    problems += _unique_rule_ids(rs.rules)
    return rs, problems


def _collect(table: dict[str, Entry], source: SourceFile, entries: Any, section: str,
             bad: set[tuple[Any, ...]], check: str) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(entries, dict) or (section,) in bad:
        return problems
    for name, value in entries.items():
        if (section, name) in bad:
            continue
        if name in table:
            first = table[name]
            line = first[0].marks.at(first[1], key=True)[0]
            problems.append(source.problem((section, name), f"{_SINGULAR[section]} {excerpt(name)} is already defined "
                                           f"in {first[0].name}:{line}", check, key=True))
            continue
        table[name] = (source, (section, name), value)
    return problems


_SINGULAR = {"queries": "query", "conditions": "condition"}


def _one_policy(rs: RuleSet, policies: list[tuple[SourceFile, Any]], sources: list[SourceFile]) -> list[Problem]:
    if not policies and sources:
        where = sources[0].name if sources else "rules"
        return [Problem(where, 1, 1, "no file declares the policy (a top-level 'policy:' with name and languages)",
                        "policy-missing")]
    if not policies:
        return []
    source, policy = policies[0]
    rs.name, rs.title, rs.languages = policy["name"], policy.get("title", {}), list(policy["languages"])
    rs.subject, rs.subject_label = policy["subject"], policy.get("subject_label", {})
    rs.facts_schema, rs.policy_source = policy["facts_schema"], source
    return [s.problem(("policy",), f"the policy is already declared in {source.name}", "duplicate-policy", key=True)
            for s, _ in policies[1:]]


def _unique_rule_ids(rules: list[Entry]) -> list[Problem]:
    seen: dict[str, Entry] = {}
    problems = []
    for entry in rules:
        source, path, rule = entry
        rid = rule["id"]
        if rid in seen:
            first = seen[rid]
            line = first[0].marks.at(first[1] + ("id",))[0]
            problems.append(source.problem(path + ("id",), f"rule id {excerpt(rid)} is already used in "
                                           f"{first[0].name}:{line}", "duplicate-id"))
        else:
            seen[rid] = entry
    return problems


def check_translations(rs: RuleSet) -> list[Problem]:
    """Every text is given in every language of the policy, and in no other."""
    problems = []
    entries = list(rs.queries.values()) + list(rs.rules)
    for source, path, data in entries:
        for text_path, text in _texts(data, path):
            given = [k for k in text if k != "when"]
            for lang in rs.languages:
                if lang not in given:
                    problems.append(source.problem(text_path, f"missing the {lang!r} text", "missing-translation"))
            for lang in given:
                if lang not in rs.languages:
                    problems.append(source.problem(text_path + (lang,), f"{lang!r} is not a language of the policy "
                                                   f"({', '.join(rs.languages)})", "unknown-language", key=True))
    return problems


_TEXT_KEYS = {"title", "message", "reading"}


def _texts(data: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], dict[str, str]]]:
    if not isinstance(data, dict):
        return
    for key in _TEXT_KEYS & set(data):
        if isinstance(data[key], dict):
            yield path + (key,), data[key]
    for i, item in enumerate(data.get("remediation") or []):
        yield path + ("remediation", i), item
    for i, step in enumerate(data.get("steps") or []):
        yield from _texts(step, path + ("steps", i))
