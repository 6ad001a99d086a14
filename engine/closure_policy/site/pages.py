"""The catalog's pages as HTML: one per query, the facts document, the lifecycle, an overview; per language.

Rendered from Jinja2 templates (``templates/``) with autoescape: every text of
the rules is escaped; the markup is the templates' and the condition renderer's. The
pages link to each other relatively and to ``../style.css``, so the site
works from ``file://``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from ..facts.fields import Field
from ..tester.reach import RuleCases
from .conditions import render
from .events import describe
from .templates import render_page
from .words import language_name, words


@dataclass
class Site:
    """What every page is made from."""

    name: str
    title: dict[str, str]
    revision: str
    languages: list[str]
    queries: dict[str, dict[str, Any]]  #: query -> its declaration
    rules: dict[str, list[dict[str, Any]]]  #: query -> its rules as written, in order
    conditions: dict[str, Any]  #: named condition -> as written
    cases: dict[str, RuleCases]
    fields: list[Field]
    stream: dict[str, Any] | None
    diagram: str  #: SVG, or "" without a stream
    case_count: int = 0


def plain(texts: Any, lang: str) -> str:
    """A text of the rules in ``lang`` (the first language it has otherwise), as written."""
    if isinstance(texts, dict):
        return str(texts.get(lang, next(iter(texts.values()), "")))
    return str(texts or "")


def _page(template: str, site: Site, lang: str, file: str, title: str, **context: Any) -> str:
    w = words(lang)
    nav = [("index.html", w["home"])] + [(f"query-{q}.html", q) for q in site.queries] + \
        [("facts.html", w["facts"])] + ([("lifecycle.html", w["lifecycle"])] if site.stream else [])
    return render_page(template, site=site, lang=lang, file=file, title=title, w=w, nav=nav,
                       text=lambda texts: plain(texts, lang), render=lambda when: Markup(render(when, lang)),
                       language_name=language_name, **context)


def root(site: Site) -> str:
    """The site's own front page: the policy, and its catalog in each language."""
    return render_page("catalog_root.html", title=plain(site.title, site.languages[0]), name=site.name,
                       revision=site.revision, languages=site.languages, language_name=language_name)


def index(site: Site, lang: str) -> str:
    return _page("catalog_index.html", site, lang, "index.html", words(lang)["home"])


def query(site: Site, lang: str, name: str) -> str:
    declared = site.queries[name]
    rules = site.rules.get(name, [])
    steps = declared.get("steps", [])
    numbered = {s["step"] for s in steps}
    used = _named_used([r.get("when") for r in rules] + [x.get("when") for r in rules
                                                          for x in r.get("remediation", [])], site.conditions)
    return _page("catalog_query.html", site, lang, f"query-{name}.html", name, name=name, declared=declared,
                 steps=[(step, [r for r in rules if r.get("step") == step["step"]]) for step in steps],
                 others=[r for r in rules if r.get("step") not in numbered], used=used)


def _named_used(conditions: list[Any], named: dict[str, Any]) -> list[str]:
    """The named conditions these use, directly or through each other, in the order first met."""
    found: list[str] = []
    todo = list(conditions)
    while todo:
        node = todo.pop(0)
        if isinstance(node, dict):
            if isinstance(node.get("use"), str) and node["use"] in named and node["use"] not in found:
                found.append(node["use"])
                todo.append(named[node["use"]])
            todo += [v for v in node.values() if isinstance(v, (dict, list))]
        elif isinstance(node, list):
            todo += node
    return found


def facts(site: Site, lang: str) -> str:
    return _page("catalog_facts.html", site, lang, "facts.html", words(lang)["facts"])


def lifecycle(site: Site, lang: str) -> str:
    stream = site.stream or {}
    life = stream.get("lifecycle", {})
    used = _named_used([t.get("when") for t in life.get("transitions", [])], site.conditions)
    events = [(kind, describe(spec, lang)) for kind, spec in stream.get("events", {}).items()]
    return _page("catalog_lifecycle.html", site, lang, "lifecycle.html", words(lang)["lifecycle"], life=life,
                 keep=(life.get("final") or {}).get("keep", []), events=events, used=used,
                 diagram=Markup(site.diagram))  # graphviz's SVG, its labels escaped by graphviz


def search_entries(site: Site) -> list[dict[str, str]]:
    """What the search box finds: every query and rule, in every language."""
    found = []
    for lang in site.languages:
        for name, declared in site.queries.items():
            found.append({"lang": lang, "href": f"query-{name}.html", "title": name,
                          "text": str(plain(declared.get("title"), lang))})
            for rule in site.rules.get(name, []):
                texts = [rule.get("title"), rule.get("message"), *(rule.get("remediation") or [])]
                found.append({"lang": lang, "href": f"query-{name}.html#rule-{rule['id']}",
                              "title": str(plain(rule.get("title"), lang)),
                              "text": " ".join(str(plain(t, lang)) for t in texts) + " " + rule["id"]})
    return found
