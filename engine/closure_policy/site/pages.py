"""The catalog's pages as HTML: one per query, the facts document, the lifecycle, an overview; per language.

Every text of the rules is escaped (``html.escape``); the markup is ours. The
pages link to each other relatively and to ``../style.css``, so the site
works from ``file://``.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any, Iterator

from ..facts.fields import Field
from ..tester.reach import RuleCases
from .conditions import render
from .words import language_name, words

e = html.escape


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


def _text(texts: Any, lang: str) -> str:
    """A text of the rules in ``lang`` (the first language it has otherwise), escaped."""
    if isinstance(texts, dict):
        return e(str(texts.get(lang, next(iter(texts.values()), ""))))
    return e(str(texts or ""))


def page(site: Site, lang: str, file: str, title: str, body: str) -> str:
    w = words(lang)
    nav = [("index.html", w["home"])] + [(f"query-{q}.html", q) for q in site.queries] + \
        [("facts.html", w["facts"])] + ([("lifecycle.html", w["lifecycle"])] if site.stream else [])
    links = "".join(f'<li><a href="{e(href)}"{" aria-current=page" if href == file else ""}>{e(label)}</a></li>'
                    for href, label in nav)
    switch = "".join(
        f'<li><a href="../{e(other)}/{e(file)}" hreflang="{e(other)}" lang="{e(other)}"'
        f'{" aria-current=true" if other == lang else ""}>{e(language_name(other))}</a></li>'
        for other in site.languages)
    return f"""<!doctype html>
<html lang="{e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · {_text(site.title, lang)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="../style.css">
</head>
<body>
<header class="top">
<a class="brand" href="index.html">{_text(site.title, lang)}</a>
<nav aria-label="{e(w['queries'])}"><ul class="nav">{links}</ul></nav>
<div class="search" role="search"><label for="search">{e(w['search'])}</label>
<input id="search" type="search" autocomplete="off" data-none="{e(w['none_found'])}">
<ul id="results" aria-live="polite"></ul></div>
<nav aria-label="{e(w['language'])}"><ul class="langs">{switch}</ul></nav>
</header>
<main id="main">
{body}
</main>
<footer><p>{e(w['revision'])}: <code>{e(site.revision)}</code></p></footer>
<script src="../search-index.js"></script>
<script src="../site.js"></script>
</body>
</html>
"""


def index(site: Site, lang: str) -> str:
    w = words(lang)
    items = "".join(f'<li><a href="query-{e(q)}.html"><code>{e(q)}</code></a> — {_text(d.get("title"), lang)}'
                    f' <span class="muted">({len(site.rules.get(q, []))} {e(w["rules"])})</span></li>'
                    for q, d in site.queries.items())
    body = f"""<h1>{_text(site.title, lang)}</h1>
<p class="muted"><code>{e(site.name)}</code> · {e(w['case_count'].replace('{n}', str(site.case_count)))}</p>
<h2>{e(w['queries'])}</h2>
<ul class="cards">{items}</ul>
<p><a href="facts.html">{e(w['facts'])}</a>{' · <a href="lifecycle.html">' + e(w['lifecycle']) + '</a>'
                                              if site.stream else ''}</p>"""
    return page(site, lang, "index.html", words(lang)["home"], body)


def query(site: Site, lang: str, name: str) -> str:
    w = words(lang)
    declared = site.queries[name]
    rules = site.rules.get(name, [])
    outcomes = "".join(
        f"<li><code>{e(o)}</code>{' · ' + e(w['default']) if o == declared.get('default') else ''}"
        f"{' · ' + e(w['on_violation']) if o == declared.get('on_violation') else ''}</li>"
        for o in declared.get("outcomes", {}))
    body = [f'<h1><code>{e(name)}</code>: {_text(declared.get("title"), lang)}</h1>',
            f'<h2>{e(w["outcomes"])}</h2><ul>{outcomes}</ul>']
    body += list(_checklist(site, lang, declared, rules))
    used = _named_used([r.get("when") for r in rules] + [x.get("when") for r in rules
                                                          for x in r.get("remediation", [])], site.conditions)
    if used:
        body.append(f'<h2>{e(w["conditions"])}</h2>' + "".join(_named(site, lang, n) for n in used))
    return page(site, lang, f"query-{name}.html", name, "\n".join(body))


def _checklist(site: Site, lang: str, declared: dict[str, Any], rules: list[dict[str, Any]]) -> Iterator[str]:
    w = words(lang)
    steps = declared.get("steps", [])
    numbered = {s["step"] for s in steps}
    if steps:
        yield f'<h2>{e(w["checklist"])}</h2><ol class="checklist">'
        for step in steps:
            mine = [r for r in rules if r.get("step") == step["step"]]
            yield (f'<li id="step-{e(str(step["step"]))}"><h3>{_text(step.get("title"), lang)}</h3>'
                   + "".join(_rule(site, lang, r) for r in mine) + "</li>")
        yield "</ol>"
    others = [r for r in rules if r.get("step") not in numbered]
    if others:
        yield f'<h2>{e(w["other_rules"] if steps else w["rules"])}</h2>' + "".join(_rule(site, lang, r)
                                                                                    for r in others)


def _rule(site: Site, lang: str, rule: dict[str, Any]) -> str:
    w = words(lang)
    source = rule.get("source") or {}
    reading = (f'<div class="reading"><h5>{e(w["reading"])}</h5><p>{_text(rule["reading"], lang)}</p></div>'
               if rule.get("reading") else "")
    remedies = "".join(
        f"<li>{_text(r, lang)}"
        + (f' <span class="muted">({e(w["only_when"])}: {render(r["when"], lang)})</span>' if "when" in r else "")
        + "</li>" for r in rule.get("remediation", []))
    return f"""<section class="rule" id="rule-{e(rule['id'])}">
<h4>{_text(rule.get('title'), lang)} <code class="rule-id">{e(rule['id'])}</code></h4>
<div class="rule-body"><div>
<h5>{e(w['violated_when'])}</h5><div class="when">{render(rule.get('when'), lang)}</div>
<h5>{e(w['message'])}</h5><p class="message">{_text(rule.get('message'), lang)}</p>
{f'<h5>{e(w["remediation"])}</h5><ul>{remedies}</ul>' if remedies else ''}
{_cases(site.cases.get(rule['id']), lang)}
</div>
<aside class="article"><h5>{e(w['article'])}: {e(str(source.get('section', '')))}</h5>
<blockquote lang="zh">{e(str(source.get('quote', '')))}</blockquote>{reading}</aside>
</div>
</section>"""


def _cases(cases: RuleCases | None, lang: str) -> str:
    w = words(lang)
    if cases is None:
        return ""
    listed = "".join(f'<li>{e(name)} <span class="muted">{e(at)}</span></li>' for name, at in cases.fired)
    covered, total = cases.items
    return (f'<h5>{e(w["cases"])}</h5>'
            f'<p class="coverage"><meter min="0" max="{total}" value="{covered}"></meter> {e(w["coverage"])} '
            f'{covered}/{total} · {e(w["fired_in"])} {len(cases.fired)} · {e(w["held_in"])} {cases.held}</p>'
            + (f'<ul class="cases">{listed}</ul>' if listed else f'<p class="muted">{e(w["cases_none"])}</p>'))


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


def _named(site: Site, lang: str, name: str) -> str:
    return (f'<section class="named" id="condition-{e(name)}"><h3><code>{e(name)}</code></h3>'
            f'<div class="when">{render(site.conditions[name], lang)}</div></section>')


def facts(site: Site, lang: str) -> str:
    w = words(lang)
    rows = "".join(
        f'<tr><td><code>{e(f.path)}</code></td><td><code>{e(f.type)}</code></td>'
        f'<td>{e(w["yes"] if f.required else w["no"])}</td><td>{e(f.description)}</td>'
        f'<td>{"<code>" + e(f.example) + "</code>" if f.example else ""}</td></tr>' for f in site.fields)
    body = (f'<h1>{e(w["facts"])}</h1><div class="table"><table><thead><tr><th scope="col">{e(w["field"])}</th>'
            f'<th scope="col">{e(w["type"])}</th><th scope="col">{e(w["required"])}</th>'
            f'<th scope="col">{e(w["description"])}</th><th scope="col">{e(w["example"])}</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></div>')
    return page(site, lang, "facts.html", w["facts"], body)


def lifecycle(site: Site, lang: str) -> str:
    w = words(lang)
    stream = site.stream or {}
    life = stream.get("lifecycle", {})
    final = life.get("final") or {}
    transitions = "".join(
        f'<li value="{i}"><code>{e(", ".join(t["from"]))}</code> → <code>{e(t["to"])}</code>: '
        f'{render(t.get("when"), lang)}</li>' for i, t in enumerate(life.get("transitions", []), start=1))
    events = "".join(f'<tr><td><code>{e(kind)}</code></td><td><code>{e(json.dumps(spec, ensure_ascii=False))}'
                     f'</code></td></tr>' for kind, spec in stream.get("events", {}).items())
    keep = ", ".join(f"<code>{e(k)}</code>" for k in final.get("keep", []))
    used = _named_used([t.get("when") for t in life.get("transitions", [])], site.conditions)
    body = (f'<h1>{e(w["lifecycle"])}</h1><figure class="diagram">{site.diagram}</figure>'
            f'<h2>{e(w["transitions"])}</h2><ol>{transitions}</ol>'
            + (f'<p>{e(w["keeps"])}: {keep}</p>' if keep else '')
            + f'<h2>{e(w["events"])}</h2><div class="table"><table><thead><tr><th scope="col">{e(w["event"])}</th>'
            f'<th scope="col">{e(w["does"])}</th></tr></thead><tbody>{events}</tbody></table></div>'
            + (f'<h2>{e(w["conditions"])}</h2>' + "".join(_named(site, lang, n) for n in used) if used else ""))
    return page(site, lang, "lifecycle.html", w["lifecycle"], body)


def search_entries(site: Site) -> list[dict[str, str]]:
    """What the search box finds: every query and rule, in every language."""
    found = []
    for lang in site.languages:
        for name, declared in site.queries.items():
            found.append({"lang": lang, "href": f"query-{name}.html", "title": name,
                          "text": html.unescape(_text(declared.get("title"), lang))})
            for rule in site.rules.get(name, []):
                texts = [rule.get("title"), rule.get("message"), *(rule.get("remediation") or [])]
                found.append({"lang": lang, "href": f"query-{name}.html#rule-{rule['id']}",
                              "title": html.unescape(_text(rule.get("title"), lang)),
                              "text": " ".join(html.unescape(_text(t, lang)) for t in texts) + " " + rule["id"]})
    return found
