"""The service's pages for people: the playground at ``/``, the API page at ``/docs``, and their static files.

Both pages share the catalog's stylesheet (``site/static/style.css``). Their
scripts are files (no inline script), and the browser components (CodeMirror,
Swagger UI) are vendored into the package when it is built (``hatch_build.py``):
nothing is fetched from anywhere but this service.
"""
from __future__ import annotations

import json
import mimetypes
from importlib import resources as package_files
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..policy import Policy
from ..site.templates import render_page
from ..site.words import words

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json"}


def static_files() -> dict[str, Path]:
    """Every file the pages may load, by its path under ``/static/``: the only ones served (no path is
    ever joined from a request, so none can climb out)."""
    root = Path(str(package_files.files("closure_policy.site").joinpath("static")))
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def content_type(name: str) -> str:
    suffix = Path(name).suffix
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def api_page(doc: dict[str, Any]) -> str:
    """Swagger UI over ``/openapi.json``; without script, a plain table of the operations."""
    operations = [(method.upper(), path, op.get("summary", ""))
                  for path, ops in doc["paths"].items() for method, op in ops.items()]
    return render_page("service_api.html", title=doc["info"]["title"], description=doc["info"]["description"],
                       operations=operations)


def playground(policy: Policy, examples: list[dict[str, Any]], files: list[dict[str, str]]) -> str:
    """The playground: its data (queries, steps, rules' titles, examples, its own words in each language) in
    a JSON block the script reads. The page is written in English; the script relabels it."""
    data = {"revision": policy.revision, "languages": list(policy.languages),
            "words": {lang: words(lang) for lang in policy.languages},
            "queries": {name: {"title": q.title, "steps": q.steps,
                               "rules": [{"id": r.id, "step": r.step, "title": r.title} for r in q.rules]}
                        for name, q in policy.queries.items()},
            "files": files, "examples": examples}
    # JSON in a script element is not HTML-escaped (the browser reads it raw): only "</" could end it early
    block = Markup(json.dumps(data, ensure_ascii=False).replace("</", "<\\/"))
    return render_page("service_playground.html", title=f"{policy.name}: playground", revision=policy.revision,
                       data=block)
