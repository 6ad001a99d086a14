"""What a worker does with one partition: decide its rows (batch) or compare two policies on them (diff).

These functions run on Dask workers (or in the client, without one); each
returns what the client needs and nothing more: the output rows of the
partition, ready to write, and its counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from ..jsondoc import dump
from ..policy import Decided, Policy
from .bundle import PolicyBundle
from .corpus import Partition
from .output import encode
from .summary import DiffSummary, Summary, problems_of


@dataclass
class BatchPart:
    number: int
    rows: int = 0
    payload: Any = None  #: the rows, encoded for the output file (:func:`output.encode`)
    summary: Summary = field(default_factory=Summary)


def _decided(policy: Policy, query: str, part: Partition, lang: str) -> Iterator[Decided]:
    return policy.decide_many(query, part.read(), lang)


def decide_partition(bundle: PolicyBundle, query: str, lang: str, parquet: bool, part: Partition) -> BatchPart:
    """The output rows of ``part`` in input order, encoded for the output file, and their summary."""
    policy = bundle.load()
    result = BatchPart(part.number)
    rows = []
    for item in _decided(policy, query, part, lang):
        row = output_row(policy, item, part.first)
        rows.append(row)
        result.summary.add(row)
    result.rows, result.payload = len(rows), encode(rows, parquet)
    return result


def output_row(policy: Policy, item: Decided, first: int) -> dict[str, Any]:
    """One row of the batch's output: ``row``, ``account_id``, ``outcome``, ``violations``, ``decision``, ``error``."""
    if item.decision is not None:
        decision = item.decision
        return {"row": first + item.index, "account_id": decision.account_id, "outcome": decision.outcome,
                "violations": list(decision.rule_ids), "decision": dump(decision.to_dict()).decode("utf-8"),
                "error": None}
    subject = policy.subject_of(item.facts)
    return {"row": first + item.index, "account_id": subject if isinstance(subject, str) else None,
            "outcome": None, "violations": None, "decision": None, "error": problems_of(item.error)}


def diff_partition(base: PolicyBundle, new: PolicyBundle, query: str, part: Partition) -> DiffSummary:
    """How the decisions of ``part`` change from the ``base`` rules to the ``new`` ones."""
    before, after = base.load(), new.load()
    documents = list(part.read())
    result = DiffSummary()
    for old, now in zip(before.decide_many(query, documents), after.decide_many(query, documents), strict=True):
        result.add(part.first + old.index, before, old, now)
    return result

