"""``closure-policy doc``: the policy's catalog, a static site made from its rules, facts schema and suites.

The suites are run once, with a tracer (as ``test --coverage`` runs them), to
show beside each rule the cases that violate it and its coverage. The site is
plain files: it opens from ``file://``, with no server and nothing fetched.
"""
from __future__ import annotations

import json
import os
from importlib import resources as package_files
from pathlib import Path
from typing import Any

from ..errors import ClosurePolicyError
from ..facts.fields import fields
from ..policy import Policy
from ..tester.reach import rule_cases
from . import pages
from .lifecycle import diagram
from .pages import Site

STATIC = ("style.css", "site.js")


def static_file(name: str) -> str:
    """One of the shared static files (``style.css``: the look every page of the project shares)."""
    return package_files.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def build_site(policy: Policy, output: str | Path, suites: list[str] | None = None) -> list[Path]:
    """Write the catalog of ``policy`` into ``output`` (made if missing); the files written."""
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise ClosurePolicyError(f"--output {out}: is not a folder")
    site = _site(policy, suites or [])
    written: list[Path] = []

    def write(relative: str, text: str) -> None:
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    for lang in site.languages:
        write(f"{lang}/index.html", pages.index(site, lang))
        for name in site.queries:
            write(f"{lang}/query-{name}.html", pages.query(site, lang, name))
        write(f"{lang}/facts.html", pages.facts(site, lang))
        if site.stream:
            write(f"{lang}/lifecycle.html", pages.lifecycle(site, lang))
    write("index.html", pages.root(site))
    for name in STATIC:
        write(name, static_file(name))
    write("search-index.js", "window.SEARCH_INDEX = " + json.dumps(pages.search_entries(site), ensure_ascii=False)
          .replace("</", "<\\/") + ";\n")
    return written


def _site(policy: Policy, suites: list[str]) -> Site:
    ruleset = policy.compilation.ruleset
    rules: dict[str, list[dict[str, Any]]] = {}
    for _, _, data in ruleset.rules:
        rules.setdefault(data["query"], []).append(data)
    stream = _stream_data(policy)
    labels = [_short(t.get("when")) for t in stream["lifecycle"]["transitions"]] if stream else []
    cases, count = rule_cases(policy, suites)
    for found in cases.values():  # where each case is, from the policy's own folder (not this machine's root)
        found.fired = [(name, _from(policy.directory.parent, at)) for name, at in found.fired]
    return Site(
        name=policy.name, title=dict(ruleset.title), revision=policy.revision, languages=list(policy.languages),
        queries={name: data for name, (_, _, data) in ruleset.queries.items()}, rules=rules,
        conditions={name: data for name, (_, _, data) in ruleset.conditions.items()}, cases=cases,
        fields=fields(policy.facts_schema_document()), stream=stream,
        diagram=diagram(stream["lifecycle"], labels) if stream else "", case_count=count)


def _from(root: Path, at: str) -> str:
    """``file:line`` with an absolute file made relative to ``root`` when it lies under it."""
    file, _, line = at.rpartition(":")
    if not os.path.isabs(file):
        return at
    relative = os.path.relpath(file, root)
    return at if relative.startswith("..") else f"{relative}:{line}"


def _stream_data(policy: Policy) -> dict[str, Any] | None:
    raw = policy.compilation.ruleset.stream
    if raw is None:
        return None
    data = raw[2] if isinstance(raw, tuple) else raw
    return data if isinstance(data, dict) else None


def _short(condition: Any) -> str:
    """A transition's condition in a few words, for the diagram's edge (the page lists it whole)."""
    if not isinstance(condition, dict):
        return str(bool(condition)).lower()
    if "use" in condition:
        return str(condition["use"])
    if "not" in condition:
        return f"not {_short(condition['not'])}"
    if "fact" in condition:
        other = condition.get("value_of", json.dumps(condition.get("value"), ensure_ascii=False))
        return f"{condition['fact']} {condition['op']} {other}"
    for kind, joint in (("all", " and "), ("any", " or ")):
        if kind in condition:
            return joint.join(_short(p) for p in condition[kind])
    kind = next(iter(condition))
    return f"{kind} {condition[kind].get('in', '')}" if isinstance(condition[kind], dict) else kind
