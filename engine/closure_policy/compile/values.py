"""Values a rule computes: details, effect and response templates, and texts."""
from __future__ import annotations

import re
from typing import Any, Callable

from ..evaluate.compiled.closures import matches
from ..jsonvalues import to_json
from .conditions import build_iteration
from .context import Here
from .paths import resolve
from .scope import Env, Getter, Scope, getter

Details = Callable[[Env], dict[str, Any]]
Render = Callable[[Env, dict[str, Any]], str]
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


def display(value: Any) -> str:
    """A value as a message shows it."""
    if isinstance(value, (list, tuple)):
        return ", ".join(display(v) for v in value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(to_json(value))


def compile_detail(data: dict[str, Any], here: Here, scope: Scope) -> Getter:
    if "fact" in data:
        return getter(resolve(data["fact"], here.at("fact"), scope).path)
    if "count" in data:
        found = matches(build_iteration(data["count"], here.at("count"), scope)[0], here.ctx.trace)
        return lambda env: sum(1 for _ in found(env))
    spec = data["collect"]
    it, inner = build_iteration(spec, here.at("collect"), scope)
    select = getter(resolve(spec["select"], here.at("collect", "select"), inner).path)
    found = matches(it, here.ctx.trace)
    return lambda env: [select(env) for _ in found(env)]


def compile_details(data: dict[str, Any], here: Here, scope: Scope) -> Details:
    parts = [(name, compile_detail(d, here.at(name), scope)) for name, d in data.items()]
    return lambda env: {name: get(env) for name, get in parts}


def compile_template(data: dict[str, Any], here: Here, scope: Scope) -> Callable[[Env], dict[str, Any]]:
    """An object whose values are literals or ``{fact: PATH}``, filled per decision."""
    parts = [(k, getter(resolve(v["fact"], here.at(k, "fact"), scope).path) if isinstance(v, dict) else None, v)
             for k, v in data.items()]
    return lambda env: {k: to_json(get(env)) if get else value for k, get, value in parts}


def compile_text(text: str, detail_names: set[str], here: Here, scope: Scope) -> Render:
    """``{name}`` is a detail of the rule, else a fact path; ``{{`` and ``}}`` are braces."""
    parts: list[str | tuple[str, Getter | None]] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[last:match.start()])
        last = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        parts.append(_placeholder(match.group(1).strip(), detail_names, here, scope))
    parts.append(text[last:])

    def render(env: Env, details: dict[str, Any]) -> str:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            else:
                name, get = part
                out.append(display(details[name] if get is None else get(env)))
        return "".join(out)
    return render


def _placeholder(name: str, detail_names: set[str], here: Here, scope: Scope) -> tuple[str, Getter | None]:
    if name in detail_names:
        return (name, None)
    if not _NAME.match(name) or scope.type_of(name) is None:
        here.error(f"placeholder {{{name}}} names no detail of this rule ({', '.join(sorted(detail_names)) or 'none'}) "
                   "and no fact", "unknown-placeholder")
        return (name, lambda env: None)
    return (name, getter(resolve(name, here, scope).path))
