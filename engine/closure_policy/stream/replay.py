"""Check a stream against one-shot evaluation, event by event.

Every decision the stream emits must equal what ``eval`` answers on the
account's facts at that moment: after the event for ``close_account``, before
it for the others (with the event's action or click added).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..jsondoc import parse
from .processor import StreamError, StreamProcessor


@dataclass
class ReplayResult:
    events: int = 0
    outputs: int = 0
    skipped: int = 0
    mismatches: int = 0


def _facts_for(query: str, processor: StreamProcessor, account: str, before: Any, payload: dict[str, Any]) -> Any:
    if query == "close_account":
        return processor.facts_of(account)
    if query == "track_action":
        return {**before, "action": payload.get("action")}
    if query == "resolve_link":
        return {**before, "click": payload.get("click")}
    return before


def replay(processor: StreamProcessor, lines: Iterable[str | bytes], check: bool = True) -> ReplayResult:
    result = ReplayResult()
    for number, text in enumerate(lines, start=1):
        result.events += 1
        event, problems = parse(text)
        account = event.get("account_id") if isinstance(event, dict) and not problems else None
        before = processor.facts_of(account) if isinstance(account, str) else None
        try:
            produced = processor.feed(text, number)
        except StreamError:
            result.skipped += 1
            continue
        result.outputs += len(produced)
        if not check:
            continue
        for out in produced:
            assert isinstance(event, dict) and isinstance(account, str)  # it was taken, so it was an event
            facts = _facts_for(out.decision.query, processor, account, before, event["payload"])
            if out.decision != processor.policy.decide(out.decision.query, facts):
                result.mismatches += 1
    return result
