"""A review written out: text for a terminal, JSON for a program, Markdown for a pull request, HTML for a page.

Every format starts with the gate's one line.
"""
from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup, escape

from ..jsondoc import dump_text
from ..site.build import static_file
from ..site.templates import render_page
from .report import Review

FORMATS = ("text", "json", "markdown", "html")


def write(review: Review, fmt: str) -> str:
    return {"text": text, "json": as_json, "markdown": markdown, "html": html}[fmt](review)


def as_json(review: Review) -> str:
    return dump_text(review.to_dict(), indent=2) + "\n"


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _decided(side: dict[str, Any]) -> str:
    return f"{side.get('outcome')} [{', '.join(side.get('violations', []))}]" + \
        (f" effects {json.dumps(side['effects'], ensure_ascii=False)}" if "effects" in side else "")


def text(review: Review) -> str:
    data = review.to_dict()
    out = [data["headline"], f"base {data['base']['revision'][:19]}… → new {data['new']['revision'][:19]}…", ""]
    for q in data["queries"]:
        out.append(f"{q['query']}: {q['verdict']}" + (f" ({q['note']})" if q["note"] else ""))
        for w in q["witnesses"]:
            out.append(f"  {w['direction']}: {_decided(w['base'])} → {_decided(w['new'])}")
            out.append(f"    {json.dumps(w['document'], ensure_ascii=False, sort_keys=True)}")
    for r in data["rules"] + data["conditions"]:
        out.append(f"{'condition' if not r['query'] else 'rule'} {r['rule']}: {r['status']}")
        for c in r["changes"]:
            out.append(f"  {c['part']}{' (' + c['lang'] + ')' if c['lang'] else ''}:")
            out += [f"    - {line}" for line in _shown(c["before"]).splitlines()]
            out += [f"    + {line}" for line in _shown(c["after"]).splitlines()]
    out += _evidence_lines(data["evidence"]) + _tests_lines(data["tests"])
    return "\n".join(out) + "\n"


def _evidence_lines(evidence: dict[str, Any]) -> list[str]:
    out = []
    for kind, reports in evidence.items():
        for query, report in reports.items():
            moves = "; ".join(f"{t['from']} → {t['to']}: {t['count']}" for t in report["transitions"]
                              if t["from"] != t["to"])
            out.append(f"{kind} {query}: {report['changed']} of {report['rows']} decided otherwise"
                       + (f" ({moves})" if moves else ""))
    return out


def _tests_lines(tests: dict[str, Any] | None) -> list[str]:
    if tests is None:
        return []
    line = (f"tests: {tests['passed']} of {tests['cases']} pass under the new rules; coverage "
            f"{tests['coverage']['base']}% → {tests['coverage']['new']}%")
    if "mutation" in tests:
        line += f"; mutation score {tests['mutation']['base']}% → {tests['mutation']['new']}%"
    return [line] + [f"  broken: {name}" for name in tests["broken"]]


def markdown(review: Review) -> str:
    data = review.to_dict()
    mark = "✅" if data["gate"] == "passed" else "❌"
    out = [f"**{mark} {_md(data['headline'])}**", "",
           f"Base `{data['base']['revision'][:19]}…` → new `{data['new']['revision'][:19]}…`, proven over every facts "
           f"document with lists of at most {data['bounds']['max_items']} items.", "",
           "| query | verdict | witnesses |", "|---|---|---:|"]
    out += [f"| `{q['query']}` | {q['verdict']}{' (' + _md(q['note']) + ')' if q['note'] else ''} | "
            f"{len(q['witnesses'])} |" for q in data["queries"]]
    for q in data["queries"]:
        for w in q["witnesses"]:
            out += ["", f"<details><summary><code>{escape(q['query'])}</code> {w['direction']}: "
                        f"{escape(_decided(w['base']))} → {escape(_decided(w['new']))}</summary>", "", "```json",
                    json.dumps(w["document"], ensure_ascii=False, indent=2, sort_keys=True), "```", "", "</details>"]
    if data["rules"] or data["conditions"]:
        out += ["", "#### Rules changed", ""]
        for r in data["rules"] + data["conditions"]:
            parts = ", ".join(c["part"] + (f" ({c['lang']})" if c["lang"] else "") for c in r["changes"])
            out.append(f"- `{r['rule']}` {r['status']}" + (f": {parts}" if parts else ""))
    evidence = _evidence_lines(data["evidence"])
    tests = _tests_lines(data["tests"])
    if evidence or tests:
        out += ["", "#### Evidence and tests", ""] + [f"- {_md(line.strip())}" for line in evidence + tests]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Text in a Markdown table cell or line: pipes and markup characters escaped."""
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def html(review: Review) -> str:
    return render_page("review.html", review=review, data=review.to_dict(),
                       style=Markup(static_file("style.css")),  # the project's own stylesheet, not text
                       shown=_shown)
