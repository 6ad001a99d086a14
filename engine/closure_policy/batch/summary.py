"""The counts of a batch or a diff: built per partition on the workers, merged in input order by the client."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .. import limits
from ..errors import FactProblem, InvalidFacts
from ..policy import Decided, Policy

INVALID = None  # the "outcome" of a row that could not be decided


@dataclass
class Summary:
    """Rows by outcome and by violated rule, and the invalid rows (the first few kept to show)."""

    rows: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    invalid: int = 0
    first_invalid: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        if row["outcome"] is None:
            self.invalid += 1
            if len(self.first_invalid) < limits.DIFF_SAMPLES:
                self.first_invalid.append({"row": row["row"], "error": row["error"]})
            return
        self.outcomes[row["outcome"]] += 1
        self.rules.update(row["violations"])

    def merge(self, other: Summary) -> None:
        self.rows += other.rows
        self.outcomes.update(other.outcomes)
        self.rules.update(other.rules)
        self.invalid += other.invalid
        self.first_invalid = (self.first_invalid + other.first_invalid)[:limits.DIFF_SAMPLES]

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "outcomes": dict(self.outcomes.most_common()),
                "violations": dict(self.rules.most_common()), "invalid": self.invalid,
                "first_invalid": self.first_invalid}


@dataclass
class DiffSummary:
    """Transitions of outcome between two policies, the rules that start or stop firing, and samples."""

    rows: int = 0
    transitions: Counter[tuple[str | None, str | None]] = field(default_factory=Counter)
    samples: dict[tuple[str | None, str | None], list[dict[str, Any]]] = field(default_factory=dict)
    fires: Counter[str] = field(default_factory=Counter)  # rules violated under the new policy only
    stops: Counter[str] = field(default_factory=Counter)  # rules violated under the base policy only
    changed: int = 0  # decisions whose outcome or violated rules differ

    def add(self, row: int, policy: Policy, old: Decided, new: Decided) -> None:
        self.rows += 1
        before = old.decision.outcome if old.decision is not None else INVALID
        after = new.decision.outcome if new.decision is not None else INVALID
        was = set(old.decision.rule_ids) if old.decision is not None else set()
        now = set(new.decision.rule_ids) if new.decision is not None else set()
        self.transitions[(before, after)] += 1
        self.fires.update(now - was)
        self.stops.update(was - now)
        differs = before != after or was != now
        self.changed += differs
        kept = self.samples.setdefault((before, after), [])
        if len(kept) < limits.DIFF_SAMPLES or differs and not kept[-1]["changed"]:
            subject = policy.subject_of(old.facts)
            _keep(kept, {"row": row, "account_id": subject if isinstance(subject, str) else None,
                         "changed": differs, "base": _shown(old), "new": _shown(new)})

    def merge(self, other: DiffSummary) -> None:
        self.rows += other.rows
        self.transitions.update(other.transitions)
        self.fires.update(other.fires)
        self.stops.update(other.stops)
        self.changed += other.changed
        for key, kept in other.samples.items():
            mine = self.samples.setdefault(key, [])
            for sample in kept:
                _keep(mine, sample)


def _keep(kept: list[dict[str, Any]], sample: dict[str, Any]) -> None:
    """Keep the first samples of a transition, those whose decision changed (rules, if not outcome) first."""
    kept.append(sample)
    kept.sort(key=lambda s: (not s["changed"], s["row"]))
    del kept[limits.DIFF_SAMPLES:]


def _shown(item: Decided) -> dict[str, Any]:
    return item.decision.to_dict() if item.decision is not None else {"error": problems_of(item.error)}


def problems_of(error: Exception | None) -> list[dict[str, str]]:
    """An error as the ``error`` column holds it: every problem at its JSON pointer."""
    problems = error.problems if isinstance(error, InvalidFacts) else [FactProblem("", str(error))]
    return [{"pointer": p.pointer, "message": p.message} for p in problems]
