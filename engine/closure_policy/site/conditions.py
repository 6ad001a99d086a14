"""A rule's condition as people read it: nested lists of plain statements, in the page's language.

Rendered from the rules as written (already checked by the compiler), so a
named condition stays a link to its definition rather than its expansion.
Every text from the rules goes through :func:`markupsafe.escape` (as the
templates escape it); nothing from them is ever markup.
"""
from __future__ import annotations

import json
from typing import Any

from markupsafe import escape

#: The words of the rendering, by language; a language the policy has and this table lacks reads English.
WORDS: dict[str, dict[str, str]] = {
    "en": {"all": "all of these hold:", "any": "any of these holds:", "not": "it is not so that:",
           "some": "some {item} in {list} such that:", "every": "every {item} in {list} is such that:",
           "none": "no {item} in {list} is such that:", "count": "the number of {item} in {list} {op} {n}, "
           "counting those such that:", "count_all": "the number of items in {list} {op} {n}",
           "some_all": "{list} has at least one item", "every_all": "always", "none_all": "{list} is empty",
           "day": "compared as calendar days in the time zone {zone}", "use": "{name} (see below)",
           "==": "is", "!=": "is not", "<": "is less than", "<=": "is at most", ">": "is more than",
           ">=": "is at least", "in": "is one of", "not in": "is not one of", "contains": "contains",
           "true": "always", "false": "never"},
    "zh": {"all": "以下全部成立：", "any": "以下任一成立：", "not": "以下不成立：",
           "some": "{list} 中存在某个 {item}，满足：", "every": "{list} 中每个 {item} 都满足：",
           "none": "{list} 中没有任何 {item} 满足：", "count": "{list} 中满足以下条件的 {item} 的数量{op} {n}：",
           "count_all": "{list} 的项数{op} {n}", "some_all": "{list} 至少有一项", "every_all": "总是成立",
           "none_all": "{list} 为空", "day": "按时区 {zone} 的日历日比较", "use": "{name}（见下文）",
           "==": "等于", "!=": "不等于", "<": "小于", "<=": "不大于", ">": "大于", ">=": "不小于",
           "in": "属于", "not in": "不属于", "contains": "包含", "true": "总是成立", "false": "从不成立"},
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def render(condition: Any, lang: str, anchor: str = "condition-") -> str:
    """``condition`` (a rule's ``when``) as HTML: a statement, or a list of statements for all/any."""
    w = words(lang)
    if not isinstance(condition, dict):
        return _text(w["true" if condition else "false"])
    if "fact" in condition:
        return _comparison(condition, w)
    if "use" in condition:
        name = str(condition["use"])
        link = f'<a href="#{escape(anchor + name)}"><code>{escape(name)}</code></a>'
        return w["use"].replace("{name}", link)
    for kind in ("all", "any"):
        if kind in condition:
            items = "".join(f"<li>{render(part, lang, anchor)}</li>" for part in condition[kind])
            return f'{_text(w[kind])}<ul class="condition">{items}</ul>'
    if "not" in condition:
        return f'{_text(w["not"])}<ul class="condition"><li>{render(condition["not"], lang, anchor)}</li></ul>'
    return _quantifier(condition, lang, w, anchor)


def _quantifier(condition: dict[str, Any], lang: str, w: dict[str, str], anchor: str) -> str:
    kind = next(k for k in ("some", "every", "none", "count") if k in condition)
    spec = condition[kind]
    fill = {"{item}": _code(spec.get("as", "")), "{list}": _code(spec["in"]),
            "{op}": escape(w.get(str(spec.get("op")), str(spec.get("op", "")))),
            "{n}": escape(str(spec.get("value", "")))}
    where = spec.get("where")
    phrase = w[kind if where is not None else f"{kind}_all"]
    for key, value in fill.items():  # the table's words are ours; what fills them is escaped
        phrase = phrase.replace(key, value)
    if where is None:
        return phrase
    return f'{phrase}<ul class="condition"><li>{render(where, lang, anchor)}</li></ul>'


def _comparison(condition: dict[str, Any], w: dict[str, str]) -> str:
    op = str(condition["op"])
    right = _code(condition["value_of"]) if "value_of" in condition else _value(condition.get("value"))
    text = f"{_code(condition['fact'])} {escape(w.get(op, op))} {right}"
    if "as_day_in" in condition:
        text += f" ({w['day'].replace('{zone}', _code(condition['as_day_in']))})"
    return text


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return f'<span class="value">{escape(json.dumps(value, ensure_ascii=False))}</span>'


def _code(text: Any) -> str:
    return f"<code>{escape(str(text))}</code>"


def _text(text: str) -> str:
    return escape(text)
