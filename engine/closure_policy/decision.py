"""The decision object: what a query answers, why, and what to do about it.

A decision is immutable: its sequences are tuples and its mappings are read-only
views, so a caller holding one (or a cache sharing it) cannot change what was
decided. ``to_dict()`` gives plain JSON values, matching ``decision.schema.json``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from .jsonvalues import to_json


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class Violation:
    """One rule that fired: its id, checklist step, texts in the decision's language, and details."""

    rule: str
    step: int | None
    title: str
    message: str
    remediation: tuple[str, ...]
    details: Mapping[str, Any]
    source: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "remediation", tuple(self.remediation))
        object.__setattr__(self, "details", _frozen(self.details))
        object.__setattr__(self, "source", _frozen(self.source))

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "step": self.step, "title": self.title, "message": self.message,
                "remediation": list(self.remediation), "details": dict(self.details),
                "source": dict(self.source)}


@dataclass(frozen=True)
class Decision:
    """What ``Policy.decide`` answers: the outcome one of the query's outcomes (a string of the rules)."""

    query: str
    account_id: str
    outcome: str
    violations: tuple[Violation, ...]
    effects: tuple[Mapping[str, Any], ...]
    response: Mapping[str, Any] | None
    track: bool | None
    policy: Mapping[str, str]
    lang: str = "en"
    trace: tuple[Mapping[str, Any], ...] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "violations", tuple(self.violations))
        object.__setattr__(self, "effects", tuple(_frozen(e) for e in self.effects))
        object.__setattr__(self, "policy", _frozen(self.policy))
        if self.response is not None:
            object.__setattr__(self, "response", _frozen(self.response))
        if self.trace is not None:
            object.__setattr__(self, "trace", tuple(self.trace))

    @property
    def rule_ids(self) -> list[str]:
        """The violated rules' ids, in the decision's order (step, then id)."""
        return [v.rule for v in self.violations]

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "query": self.query, "account_id": self.account_id, "outcome": self.outcome,
            "violations": [v.to_dict() for v in self.violations], "effects": [dict(e) for e in self.effects],
            "response": dict(self.response) if self.response is not None else None, "track": self.track,
            "policy": dict(self.policy), "lang": self.lang,
        }
        if self.trace is not None:
            result["trace"] = to_json([dict(t) for t in self.trace])
        return result
