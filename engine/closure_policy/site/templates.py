"""The pages' templates (``templates/``): Jinja2 with autoescape, so every text from the rules is escaped and
only the templates and :class:`markupsafe.Markup` from our own renderers are markup."""
from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("closure_policy.site", "templates"),
                              autoescape=True, keep_trailing_newline=True, auto_reload=False)


def render_page(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


__all__ = ["environment", "render_page"]
