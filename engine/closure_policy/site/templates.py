"""The pages' templates (``templates/``): Jinja2 with autoescape, so every text from the rules is escaped and
only the templates and :class:`markupsafe.Markup` from our own renderers are markup."""
from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`]+)`")


def inline_code(text: Any) -> Markup:
    """A text with Markdown's `code` spans shown as code (everything else escaped): descriptions are written so."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(str(text)))))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("closure_policy.site", "templates"),
                             autoescape=True, keep_trailing_newline=True, auto_reload=False)
    env.filters["code"] = inline_code
    return env


def render_page(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


__all__ = ["environment", "render_page"]
