"""What changed in the rules' text, rule by rule: added, removed, and each changed part of a changed rule.

A condition is shown as the catalog prints it (``site/conditions.py``), as
HTML for the HTML report and as indented lines of text for the others;
messages, titles and remediations per language; the article's quote.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from ..policy import Policy
from ..site.conditions import render

_LANGUAGE_PARTS = ("title", "message")


@dataclass
class Change:
    part: str  #: when, message, title, remediation, quote, or another key of the rule
    lang: str | None  #: for a text in several languages
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "lang": self.lang, "before": self.before, "after": self.after}


@dataclass
class RuleChange:
    rule: str
    query: str
    status: str  #: added, removed, changed
    changes: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "query": self.query, "status": self.status,
                "changes": [c.to_dict() for c in self.changes]}


def rule_changes(base: Policy, new: Policy) -> tuple[list[RuleChange], list[RuleChange]]:
    """The rules' changes, and the named conditions' (``query`` is "" for those), in the new revision's order."""
    old, now = _rules(base), _rules(new)
    rules = [_change(rid, old.get(rid), now.get(rid)) for rid in [*now, *(r for r in old if r not in now)]]
    before, after = _conditions(base), _conditions(new)
    named = [RuleChange(n, "", "added" if n not in before else "removed" if n not in after else "changed",
                        [Change("when", None, plain(before.get(n), "en"), plain(after.get(n), "en"))])
             for n in [*after, *(c for c in before if c not in after)] if before.get(n) != after.get(n)]
    return [r for r in rules if r is not None], named


def _rules(policy: Policy) -> dict[str, dict[str, Any]]:
    return {data["id"]: data for _, _, data in policy.compilation.ruleset.rules}


def _conditions(policy: Policy) -> dict[str, Any]:
    return {name: data for name, (_, _, data) in policy.compilation.ruleset.conditions.items()}


def _change(rid: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> RuleChange | None:
    if before is None or after is None:
        shown = after if after is not None else before
        assert shown is not None
        return RuleChange(rid, str(shown.get("query", "")), "added" if before is None else "removed")
    changes = [change for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)
               for change in _part(key, before.get(key), after.get(key))]
    return RuleChange(rid, str(after.get("query", "")), "changed", changes) if changes else None


def _part(key: str, before: Any, after: Any) -> list[Change]:
    if key == "when":
        return [Change("when", None, plain(before, "en"), plain(after, "en"))]
    if key in _LANGUAGE_PARTS and isinstance(before, dict) and isinstance(after, dict):
        return [Change(key, lang, before.get(lang), after.get(lang)) for lang in sorted(set(before) | set(after))
                if before.get(lang) != after.get(lang)]
    if key == "source":
        return [Change("quote" if part == "quote" else f"source.{part}", None, (before or {}).get(part),
                       (after or {}).get(part)) for part in ("section", "quote")
                if (before or {}).get(part) != (after or {}).get(part)]
    return [Change(key, None, before, after)]


def plain(condition: Any, lang: str) -> str:
    """A condition as the catalog prints it, in lines of text: each nested statement indented under its own."""
    if condition is None:
        return ""
    reader = _Lines()
    reader.feed(render(condition, lang, anchor="condition-"))
    reader.close()
    return "\n".join(line for line in reader.lines if line.strip())


class _Lines(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [""]
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul":
            self.depth += 1
        elif tag == "li":
            self.lines.append("  " * (self.depth - 1) + "- ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.lines[-1] += data
