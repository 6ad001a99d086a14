"""The decision object: what a query answers, why, and what to do about it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .jsonvalues import to_json


@dataclass(frozen=True)
class Violation:
    rule: str
    step: int | None
    title: str
    message: str
    remediation: list[str]
    details: dict[str, Any]
    source: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "step": self.step, "title": self.title, "message": self.message,
                "remediation": list(self.remediation), "details": dict(self.details),
                "source": dict(self.source)}


@dataclass(frozen=True)
class Decision:
    query: str
    account_id: str
    outcome: str
    violations: list[Violation]
    effects: list[dict[str, Any]]
    response: dict[str, Any] | None
    track: bool | None
    policy: dict[str, str]
    lang: str = "en"
    trace: list[dict[str, Any]] | None = field(default=None, compare=False)

    @property
    def rule_ids(self) -> list[str]:
        return [v.rule for v in self.violations]

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "query": self.query, "account_id": self.account_id, "outcome": self.outcome,
            "violations": [v.to_dict() for v in self.violations], "effects": list(self.effects),
            "response": self.response, "track": self.track, "policy": dict(self.policy), "lang": self.lang,
        }
        if self.trace is not None:
            result["trace"] = to_json(self.trace)
        return result
