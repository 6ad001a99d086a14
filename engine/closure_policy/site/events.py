"""What a stream event does, in words: the catalog's lifecycle page shows this, not the declaration's JSON.

Every name comes from the policy (escaped); the sentences are ours, per language.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from markupsafe import Markup, escape

_WORDS: dict[str, dict[str, str]] = {
    "en": {"replace": "replaces the facts with the payload's {a}", "merge": "merges the payload's {b} into {a}",
           "append": "adds the payload's {b} to the list {a}", "set_field": "sets {a} to the payload's {b}",
           "set_value": "sets {a} to {b}", "update": "in {a}, the item whose {b} is the payload's {c}: {d}",
           "merge_item": "merges the payload's {a} into it", "effects": "decides {a} first and applies its effects "
           "(that decision is what is emitted)", "ask": "asks {a}, changing nothing", "add": "with the payload's {b} "
           "as {a}", "nothing": "changes nothing", "and": "; "},
    "zh": {"replace": "用载荷中的 {a} 替换全部事实", "merge": "把载荷中的 {b} 合并进 {a}",
           "append": "把载荷中的 {b} 加入列表 {a}",
           "set_field": "把 {a} 设为载荷中的 {b}", "set_value": "把 {a} 设为 {b}",
           "update": "在 {a} 中，{b} 等于载荷中 {c} 的那一项：{d}", "merge_item": "合并载荷中的 {a}",
           "effects": "先判定 {a} 并应用其效果（输出的就是这个判定）", "ask": "询问 {a}，不做任何更改",
           "add": "载荷中的 {b} 作为 {a}", "nothing": "不做任何更改", "and": "；"},
}


def _code(text: Any) -> str:
    return f"<code>{escape(str(text))}</code>"


def _value(value: Any) -> str:
    return f'<span class="value">{escape(json.dumps(value, ensure_ascii=False))}</span>'


def _say(w: dict[str, str], key: str, **parts: str) -> str:
    text = w[key]
    for name, part in parts.items():  # the table's words are ours; what fills them is escaped already
        text = text.replace("{" + name + "}", part)
    return text


def _sets(w: dict[str, str], pairs: dict[str, Any]) -> list[str]:
    return [_say(w, "set_value", a=_code(path), b=_value(to["value"])) if isinstance(to, dict) and "value" in to
            else _say(w, "set_field", a=_code(path), b=_code(to)) for path, to in pairs.items()]


def _update(w: dict[str, str], spec: dict[str, Any]) -> list[str]:
    inner = _sets(w, spec.get("set", {})) + ([_say(w, "merge_item", a=_code(spec["merge"]))]
                                              if "merge" in spec else [])
    return [_say(w, "update", a=_code(spec.get("in", "")), b=_code(spec.get("key", "")),
                 c=_code(spec.get("match", "")), d=w["and"].join(inner))]


_CLAUSES: dict[str, Callable[[dict[str, str], Any], list[str]]] = {
    "effects": lambda w, q: [_say(w, "effects", a=_code(q))],
    "replace": lambda w, field: [_say(w, "replace", a=_code(field))],
    "merge": lambda w, pairs: [_say(w, "merge", a=_code(a), b=_code(b)) for a, b in pairs.items()],
    "append": lambda w, pairs: [_say(w, "append", a=_code(a), b=_code(b)) for a, b in pairs.items()],
    "update": _update,
    "set": _sets,
}


def describe(spec: Any, lang: str) -> Markup:
    """An event's declaration as a sentence in ``lang`` (English for a language this table lacks)."""
    w = _WORDS.get(lang, _WORDS["en"])
    if not isinstance(spec, dict):
        return Markup(escape(json.dumps(spec, ensure_ascii=False)))
    if "ask" in spec:
        adds = [_say(w, "add", a=_code(a), b=_code(b)) for a, b in (spec.get("add") or {}).items()]
        return Markup(_say(w, "ask", a=_code(spec["ask"])) + (" (" + w["and"].join(adds) + ")" if adds else ""))
    clauses = [c for key, clause in _CLAUSES.items() if key in spec for c in clause(w, spec[key])]
    unknown = {k: v for k, v in spec.items() if k not in _CLAUSES}
    if unknown:  # a keyword this table does not know yet: shown as written, never dropped
        clauses.append(_code(json.dumps(unknown, ensure_ascii=False)))
    return Markup(w["and"].join(clauses) if clauses else w["nothing"])
