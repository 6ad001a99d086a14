"""Run a stream case: its events through the policy's stream, then what it emitted and kept, compared.

The stream is the one ``closure-policy stream`` runs (``stream_processor``):
each event is a line read as any line is, so a case sees exactly what the
command would write for the same lines.
"""
from __future__ import annotations

from typing import Any

from ..jsondoc import dump
from ..policy import Policy
from ..stream import StreamError, stream_processor
from ..stream.processor import Output
from .expect import Mismatch, compare, same
from .suite import StreamCase

# What an expected output may say about its decision, checked as a decision case checks it.
DECISION_KEYS = ("outcome", "violations", "violations_include", "effects")


def run_stream_case(case: StreamCase, policy: Policy, observer: Any = None) -> list[Mismatch]:
    """The mismatches between what ``case`` expects and what the stream did (none: it passed).

    ``observer`` (coverage) is told each part of the stream declaration the case reached.
    """
    processor = stream_processor(policy, observer=observer if hasattr(observer, "reached") else None)
    outputs: list[Output] = []
    refused: dict[int, str] = {}
    for number, event in enumerate(case.events, start=case.first):
        try:
            outputs += processor.feed(dump(event), number)
        except StreamError as exc:
            refused[number] = exc.report()
    expect, found = case.expect, []
    if sorted(refused) != sorted(expect.get("refused", [])):
        found.append(Mismatch("refused", expect.get("refused", []), [f"{n}: {why}" for n, why in refused.items()]))
    if "emitted" in expect and not _all_match(expect["emitted"], outputs):
        found.append(Mismatch("emitted", expect["emitted"], [_shown(o) for o in outputs]))
    if "state" in expect and expect["state"] != processor.state_of(case.account):
        found.append(Mismatch("state", expect["state"], processor.state_of(case.account)))
    kept = processor.facts_of(case.account)
    if "facts" in expect and not _subset(expect["facts"], kept):
        found.append(Mismatch("facts", expect["facts"], _projected(expect["facts"], kept)))
    return found


def _all_match(expected: list[dict[str, Any]], outputs: list[Output]) -> bool:
    return len(expected) == len(outputs) and all(_matches(e, o) for e, o in zip(expected, outputs, strict=True))


def _matches(expected: dict[str, Any], output: Output) -> bool:
    said = {"event": output.line, "state": output.state, "query": output.decision.query}
    if any(expected[key] != said[key] for key in said if key in expected):
        return False
    return not compare({k: expected[k] for k in DECISION_KEYS if k in expected}, output.decision)


def _shown(output: Output) -> dict[str, Any]:
    """An output as an expected one is written, for the diff of a failure."""
    decision = output.decision
    shown = {"event": output.line, "state": output.state, "query": decision.query, "outcome": decision.outcome,
             "violations": decision.rule_ids}
    if decision.effects:
        shown["effects"] = decision.to_dict()["effects"]
    return shown


def _subset(expected: Any, actual: Any) -> bool:
    """``expected`` is found in ``actual``: objects by key, lists item by item (the same length), else equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and \
            all(_subset(e, a) for e, a in zip(expected, actual, strict=True))
    return same(expected, actual)


def _projected(expected: Any, actual: Any) -> Any:
    """What ``actual`` holds where ``expected`` looks: a readable diff of a large document."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: _projected(v, actual[k]) if k in actual else "(missing)" for k, v in expected.items()}
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [_projected(e, a) for e, a in zip(expected, actual, strict=True)]
    return actual
