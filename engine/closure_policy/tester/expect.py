"""What a case expects, compared with what a decision says: one mismatch per expectation not met."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Callable

from jsonschema import Draft202012Validator

from ..decision import Decision
from ..resources import schema


@dataclass
class Mismatch:
    field: str
    expected: Any
    actual: Any


@lru_cache(maxsize=1)
def _decision_schema() -> Draft202012Validator:
    return Draft202012Validator(schema("decision"))


def off_contract(decision: Decision) -> list[Mismatch]:
    """Every decision a case makes must match decision.schema.json, the contract callers rely on."""
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message[:200]}"
              for e in _decision_schema().iter_errors(decision.to_dict())]
    return [Mismatch("decision.schema.json", [], errors)] if errors else []


def compare_error(expect: dict[str, Any], pointers: list[str]) -> list[Mismatch]:
    if "error" not in expect:
        return [Mismatch("error", None, pointers)]
    wanted = [expect["error"]] if isinstance(expect["error"], str) else list(expect["error"])
    missing = [p for p in wanted if p not in pointers]
    return [Mismatch("error", wanted, pointers)] if missing else []


def compare(expect: dict[str, Any], d: Decision) -> list[Mismatch]:
    """Every expectation the decision does not meet."""
    found: list[Mismatch] = []
    if "error" in expect:
        found.append(Mismatch("error", expect["error"], f"a decision ({d.outcome})"))
    for key, check in _CHECKS.items():
        if key in expect:
            mismatch = check(expect, d)
            if mismatch is not None:
                found.append(mismatch)
    return found


def _outcome(expect: dict[str, Any], d: Decision) -> Mismatch | None:
    return None if expect["outcome"] == d.outcome else Mismatch("outcome", expect["outcome"], d.outcome)


def _violations(expect: dict[str, Any], d: Decision) -> Mismatch | None:
    want, got = list(expect["violations"]), d.rule_ids
    same = want == got if expect.get("ordered") else sorted(want) == sorted(got)
    return None if same else Mismatch("violations", want, got)


def _include(expect: dict[str, Any], d: Decision) -> Mismatch | None:
    missing = [r for r in expect["violations_include"] if r not in d.rule_ids]
    return Mismatch("violations_include", expect["violations_include"], d.rule_ids) if missing else None


def _exclude(expect: dict[str, Any], d: Decision) -> Mismatch | None:
    present = [r for r in expect["violations_exclude"] if r in d.rule_ids]
    return Mismatch("violations_exclude", expect["violations_exclude"], d.rule_ids) if present else None


def _equal(key: str) -> Callable[[dict[str, Any], Decision], Mismatch | None]:
    def check(expect: dict[str, Any], d: Decision) -> Mismatch | None:
        actual = d.to_dict()[key]  # compared as the JSON a caller reads
        return None if same(expect[key], actual) else Mismatch(key, expect[key], actual)
    return check


def _details(expect: dict[str, Any], d: Decision) -> Mismatch | None:
    by_rule = {v["rule"]: v["details"] for v in d.to_dict()["violations"]}
    for rule, wanted in expect["details"].items():
        actual = by_rule.get(rule)
        if actual is None:
            return Mismatch(f"details of {rule}", wanted, "(rule did not fire)")
        if any(k not in actual or not same(v, actual[k]) for k, v in wanted.items()):
            return Mismatch(f"details of {rule}", wanted, {k: actual.get(k, "(no such detail)") for k in wanted})
    return None


def _texts(key: str, attr: str, present: bool) -> Callable[[dict[str, Any], Decision], Mismatch | None]:
    def check(expect: dict[str, Any], d: Decision) -> Mismatch | None:
        by_rule = {v.rule: v for v in d.violations}
        for rule, wanted in expect[key].items():
            wanted = [wanted] if isinstance(wanted, str) else wanted
            violation = by_rule.get(rule)
            if violation is None:
                return Mismatch(f"{key} of {rule}", wanted, "(rule did not fire)")
            texts = getattr(violation, attr)
            texts = list(texts) if isinstance(texts, tuple) else texts
            text = "\n".join(texts) if isinstance(texts, list) else texts
            if attr == "remediation" and present and wanted == [] and texts:
                return Mismatch(f"{key} of {rule}", [], texts)
            if any((w in text) is not present for w in wanted):
                return Mismatch(f"{key} of {rule}", wanted, texts)
        return None
    return check


def same(expected: Any, actual: Any) -> bool:
    """Equal, reading a number written in YAML as the exact amount a decision prints."""
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, str):
        try:
            return Decimal(repr(expected)) == Decimal(actual)
        except InvalidOperation:
            return False
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return bool(expected == actual)


_CHECKS: dict[str, Callable[[dict[str, Any], Decision], Mismatch | None]] = {
    "outcome": _outcome,
    "violations": _violations,
    "violations_include": _include,
    "violations_exclude": _exclude,
    "effects": _equal("effects"),
    "response": _equal("response"),
    "track": _equal("track"),
    "details": _details,
    "message_contains": _texts("message_contains", "message", True),
    "remediation_contains": _texts("remediation_contains", "remediation", True),
    "remediation_excludes": _texts("remediation_excludes", "remediation", False),
}
