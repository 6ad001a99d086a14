"""A decision as a person reads it: the article's checklist, in its step order."""
from __future__ import annotations

from typing import Any, Sequence

from ..compile.rules import CompiledQuery
from ..decision import Decision, Violation
from ..jsondoc import dump_text
from ..policy import Policy
from ..text import safe
from ..trace import render as render_trace

_LABELS = {
    "en": {"outcome": "Outcome", "policy": "Policy", "effects": "Effects",
           "response": "Response", "track": "Tracked", "other": "Other rules", "yes": "yes", "no": "no",
           "trace": "Trace (each rule, each comparison with the values read)"},
    "zh": {"outcome": "结果", "policy": "策略", "effects": "影响",
           "response": "响应", "track": "追踪", "other": "其他规则", "yes": "是", "no": "否",
           "trace": "求值过程（每条规则、每个比较及读取的值）"},
}
DONE, NOT_DONE = "[x]", "[ ]"


def _subject(policy: Policy, decision: Decision) -> str:
    """The subject as the policy names it (``policy.subject_label``), e.g. "Account M-7"; else its id alone."""
    name = policy.subject_label.get(decision.lang) or policy.subject_label.get(policy.languages[0], "")
    return f"{name} {decision.account_id}" if name else str(decision.account_id)


def render_decision(policy: Policy, decision: Decision) -> str:
    query = policy.query(decision.query)
    label = _LABELS.get(decision.lang, _LABELS["en"])
    lines = [f"{query.title.get(decision.lang, decision.query)}  ({decision.query})",
             f"{_subject(policy, decision)}: {decision.outcome.upper()}",
             f"{label['policy']}: {decision.policy['name']} {decision.policy['revision'][:19]}", ""]
    lines += _checklist(query, decision, label) if query.steps else _violations(decision.violations)
    plain = decision.to_dict()  # JSON-ready: the decision's frozen mappings thawed, amounts exact
    if plain["effects"]:
        lines += [f"{label['effects']}:"] + [f"  - {dump_text(e)}" for e in plain["effects"]]
    if plain["response"] is not None:
        lines.append(f"{label['response']}: {dump_text(plain['response'])}")
    if decision.track is not None:
        lines.append(f"{label['track']}: {label['yes'] if decision.track else label['no']}")
    if decision.trace:
        lines += ["", f"{label['trace']}:"] + render_trace(decision.trace, indent=2)
    # Every line holds values from the facts: escaped one line at a time, so a
    # newline or an escape sequence in a value cannot forge or hide a line.
    return "\n".join(safe(line) for line in lines).rstrip() + "\n"


def _checklist(query: CompiledQuery, decision: Decision, label: dict[str, str]) -> list[str]:
    by_rule = {v.rule: v for v in decision.violations}
    lines: list[str] = []
    steps = {s["step"] for s in query.steps}
    for step in query.steps:
        rules = [r for r in query.rules if r.step == step["step"]]
        failing = [by_rule[r.id] for r in rules if r.id in by_rule]
        lines.append(f"{NOT_DONE if failing else DONE} {step['title'][decision.lang]}")
        for rule in sorted(rules, key=lambda r: r.id):
            violation = by_rule.get(rule.id)
            mark = "✗" if violation else "✓"
            lines.append(f"    {mark} {rule.title[decision.lang]}")
            if violation:
                lines += _explain(violation, indent=8)
    others = [v for v in decision.violations if v.step not in steps]
    if others:
        lines += [label["other"] + ":"] + _violations(others)
    return lines + [""]


def _violations(violations: Sequence[Violation]) -> list[str]:
    lines: list[str] = []
    for v in violations:
        lines.append(f"  ✗ {v.title}  ({v.rule})")
        lines += _explain(v, indent=6)
    return lines + ([""] if lines else [])


def _explain(violation: Any, indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}{violation.message}"] + [f"{pad}→ {r}" for r in violation.remediation]
