"""Check a stream against one-shot evaluation, event by event.

Every decision the stream emits must equal what ``eval`` answers on the
account's facts at that moment: after the event, before it, or before it
with the payload's fields added (``apply.asked``, the function the processor
uses), as the output says.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..jsondoc import parse
from . import apply
from .processor import AFTER, ASKED, Output, StreamError, StreamProcessor


@dataclass
class ReplayResult:
    events: int = 0
    outputs: int = 0
    skipped: int = 0
    mismatches: int = 0


def _facts_for(out: Output, processor: StreamProcessor, account: str, before: Any, event: dict[str, Any]) -> Any:
    if out.basis == AFTER:
        return processor.facts_of(account)
    if out.basis == ASKED:
        return apply.asked(processor.spec.events[event["type"]], before, event["payload"])
    return before


def replay(processor: StreamProcessor, lines: Iterable[str | bytes], check: bool = True) -> ReplayResult:
    result = ReplayResult()
    for number, text in enumerate(lines, start=1):
        result.events += 1
        if not check:
            try:
                result.outputs += len(processor.feed(text, number))
            except StreamError:
                result.skipped += 1
            continue
        event, problems = parse(text)
        account = event.get("account_id") if isinstance(event, dict) and not problems else None
        before = processor.facts_of(account) if isinstance(account, str) else None
        try:
            produced = processor.feed(text, number)
        except StreamError:
            result.skipped += 1
            continue
        result.outputs += len(produced)
        for out in produced:
            assert isinstance(event, dict) and isinstance(account, str)  # it was taken, so it was an event
            facts = _facts_for(out, processor, account, before, event)
            if out.decision != processor.policy.decide(out.decision.query, facts):
                result.mismatches += 1
    return result
