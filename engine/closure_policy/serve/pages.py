"""The service's pages for people: the playground at ``/``, the API page at ``/docs``, and their static files.

Both pages share the catalog's stylesheet (``site/static/style.css``). Their
scripts are files (no inline script), and the browser components (CodeMirror,
Swagger UI) are vendored into the package when it is built (``hatch_build.py``):
nothing is fetched from anywhere but this service.
"""
from __future__ import annotations

import html
import json
import mimetypes
from importlib import resources as package_files
from pathlib import Path
from typing import Any

from ..policy import Policy
from ..site.words import words

e = html.escape
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json"}


def static_files() -> dict[str, Path]:
    """Every file the pages may load, by its path under ``/static/``: the only ones served (no path is
    ever joined from a request, so none can climb out)."""
    root = Path(str(package_files.files("closure_policy.site").joinpath("static")))
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def content_type(name: str) -> str:
    suffix = Path(name).suffix
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _head(title: str, extra: str = "") -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(title)}</title>'
            f'<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/style.css">{extra}</head><body>'
            f'<header class="top"><a class="brand" href="/">{e(title)}</a><nav aria-label="pages"><ul class="nav">'
            '<li><a href="/" data-word="playground">Playground</a></li>'
            '<li><a href="/docs" data-word="api">API</a></li>'
            f'<li><a href="/openapi.json">openapi.json</a></li></ul></nav></header>')


def api_page(doc: dict[str, Any]) -> str:
    """Swagger UI over ``/openapi.json``; without script, a plain table of the operations."""
    rows = "".join(f"<tr><td><code>{method.upper()}</code></td><td><code>{e(path)}</code></td>"
                   f"<td>{e(op.get('summary', ''))}</td></tr>"
                   for path, operations in doc["paths"].items() for method, op in operations.items())
    return (_head(doc["info"]["title"], '<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">')
            + f'<main><h1>{e(doc["info"]["title"])}</h1><p>{e(doc["info"]["description"])}</p>'
            f'<div id="swagger-ui"></div><noscript><table><thead><tr><th scope="col">method</th>'
            f'<th scope="col">path</th><th scope="col">what</th></tr></thead><tbody>{rows}</tbody></table>'
            f'</noscript><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p></main>'
            '<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>'
            '<script src="/static/api.js"></script></body></html>')


def playground(policy: Policy, examples: list[dict[str, Any]], files: list[dict[str, str]]) -> str:
    """The playground: its data (queries, steps, rules' titles, examples, its own words in each language) in
    a JSON block the script reads. The page is written in English; the script relabels it."""
    data = {"revision": policy.revision, "languages": list(policy.languages),
            "words": {lang: words(lang) for lang in policy.languages},
            "queries": {name: {"title": q.title, "steps": q.steps,
                               "rules": [{"id": r.id, "step": r.step, "title": r.title} for r in q.rules]}
                        for name, q in policy.queries.items()},
            "files": files, "examples": examples}
    block = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    styles = ('<link rel="stylesheet" href="/static/vendor/codemirror/codemirror.css">'
              '<link rel="stylesheet" href="/static/vendor/codemirror/lint.css">')
    return (_head(f"{policy.name}: playground", styles)
            + '<main class="playground"><h1 data-word="playground">Playground</h1>'
            '<form id="controls" class="controls">'
            '<label><span data-word="question">Question</span> <select id="query" name="query"></select></label> '
            '<label><span data-word="language">Language</span> <select id="lang" name="lang"></select></label> '
            '<label><span data-word="start_from">Start from</span> <select id="example" name="example"></select>'
            '</label> <button type="button" id="share" data-word="copy_link">Copy link</button></form>'
            '<div class="panes"><section aria-labelledby="facts-title">'
            '<h2 id="facts-title" data-word="facts">Facts document</h2>'
            '<textarea id="facts" name="facts" aria-label="facts document (JSON)" data-word-label="facts_label" '
            'spellcheck="false"></textarea>'
            '<ul id="problems" class="problems" aria-live="polite"></ul></section>'
            '<section aria-labelledby="decision-title"><h2 id="decision-title" data-word="decision">Decision</h2>'
            '<p id="outcome" aria-live="polite"></p><ol id="checklist" class="checklist-result"></ol>'
            '<details><summary data-word="trace">Evaluation trace</summary><ol id="trace" class="trace"></ol>'
            '</details><p class="muted"><span data-word="revision">Policy revision</span> '
            f'<code id="revision">{e(policy.revision)}</code></p></section></div>'
            f'<script type="application/json" id="playground-data">{block}</script></main>'
            '<script src="/static/vendor/codemirror/codemirror.js"></script>'
            '<script src="/static/vendor/codemirror/javascript.js"></script>'
            '<script src="/static/vendor/codemirror/lint.js"></script>'
            '<script src="/static/vendor/codemirror/matchbrackets.js"></script>'
            '<script src="/static/playground.js"></script></body></html>')
