"""Property test: the compiled and rete backends decide every query identically.

Fact documents are generated around the boundaries the rules draw: amounts
equal to the threshold and to the fee (and a cent either side, and beyond
2**53), instants on either side of midnight in the account's zone and of the
closure moment, tickets for other accounts and cancelled tickets, links and
users that are and are not the account's.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closure_policy import load_policy

pytest.importorskip("durable_rules_engine", reason="the rete extra is part of the test install")

QUERIES = ["close_account", "manual_payout", "closure_effects", "track_action", "resolve_link",
           "reactivate_account", "remove_user"]
ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Pacific/Chatham", "Asia/Kathmandu"]
OFFSETS = [timedelta(0), timedelta(hours=8), timedelta(hours=-5), timedelta(hours=5, minutes=45)]
BIG = Decimal(2) ** 53 + 1


def _stamp(moment: datetime, offset: timedelta, tail: str = "") -> str:
    """RFC 3339 in ``offset``; ``tail`` adds digits beyond the microsecond (exact instants)."""
    text = moment.astimezone(timezone(offset)).isoformat(timespec="microseconds")
    return text[:26] + tail + text[26:]


TAILS = st.sampled_from(["", "", "0000001", "9", "000000000009"])


@st.composite
def amounts(draw: Any, anchors: list[Decimal]) -> str:
    base = draw(st.sampled_from(anchors + [Decimal(0), BIG]))
    delta = draw(st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("-0.01"), Decimal(1)]))
    value = max(base + delta, Decimal(0))
    tiny = draw(st.sampled_from(["", "", "000000000000000000000000000001"]))  # beyond 28 digits
    exact = str(value) + ("" if not tiny else ("." if "." not in str(value) else "") + tiny)
    if value == 0 and draw(st.booleans()):
        return Decimal("-0.0")  # -0 is zero
    return draw(st.sampled_from([str(value), format(value, ".2f"), exact]))


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    zone = draw(st.sampled_from(ZONES))
    closed_at = datetime(2026, 11, 26, 15, 30, tzinfo=timezone.utc) + draw(
        st.sampled_from([timedelta(0), timedelta(hours=-15, minutes=-30), timedelta(hours=8, minutes=29)]))
    midnight = datetime.combine(closed_at.astimezone(ZoneInfo(zone)).date(), datetime.min.time(), ZoneInfo(zone))
    near = st.sampled_from([closed_at, midnight]).flatmap(lambda at: st.sampled_from(
        [at, at - timedelta(microseconds=1), at + timedelta(seconds=1), at - timedelta(days=1)]))
    threshold = Decimal(draw(st.sampled_from(["0", "2.50", "50.00", str(BIG)])))
    fee = Decimal(draw(st.sampled_from(["0", "2.50", "2.49"])))
    status = draw(st.sampled_from(["active", "closed"]))
    ids = st.sampled_from(["P-1001", "M-7", "P-9"])
    return {
        "as_of": _stamp(closed_at, timedelta(hours=8)),
        "account": {"id": "P-1001", "kind": draw(st.sampled_from(["partner", "member"])), "status": status,
                    "closed_at": (_stamp(closed_at, draw(st.sampled_from(OFFSETS)), draw(TAILS))
                                  if status == "closed" else None),
                    "timezone": zone},
        "contracts": draw(st.lists(st.fixed_dictionaries(
            {"id": st.sampled_from(["C-1", "C-2", "C-3"]), "status": st.sampled_from(["active", "expired"])}),
            max_size=3, unique_by=lambda c: c["id"])),
        "balance": {"currency": "USD", "available": draw(amounts([threshold, fee])),
                    "pending": draw(amounts([])), "overdue": draw(amounts([])),
                    "auto_withdrawal_threshold": str(threshold), "manual_payout_fee": str(fee)},
        "support_tickets": draw(st.lists(st.fixed_dictionaries(
            {"id": st.sampled_from(["T-1", "T-2", "T-3", "T-4"]),
             "type": st.sampled_from(["close_account", "manual_payout"]),
             "status": st.sampled_from(["open", "in_progress", "resolved", "cancelled"]),
             "account_ids": st.lists(ids, max_size=3)},
            optional={"forfeit_balance": st.booleans()}), max_size=4, unique_by=lambda t: t["id"])),
        "final_review": {"status": draw(st.sampled_from(["not_started", "in_progress", "approved", "rejected"]))},
        "links": draw(st.lists(st.fixed_dictionaries(
            {"id": st.sampled_from(["L-1", "L-2", "L-3"]), "status": st.sampled_from(["active", "disabled"])}),
            max_size=3, unique_by=lambda link: link["id"])),
        "users": draw(st.lists(st.fixed_dictionaries(
            {"id": st.sampled_from(["U-1", "U-2", "U-3"]), "role": st.sampled_from(["admin", "member"])}),
            max_size=3, unique_by=lambda u: u["id"])),
        "action": {"id": "A-1", "occurred_at": _stamp(draw(near), draw(st.sampled_from(OFFSETS)), draw(TAILS))},
        "click": {"link_id": draw(st.sampled_from(["L-1", "L-2", "L-3", "L-404"])),
                  "clicked_at": _stamp(draw(near), draw(st.sampled_from(OFFSETS)), draw(TAILS))},
        "request": {"actor_id": draw(st.sampled_from(["U-1", "U-2", "U-4"])),
                    "user_id": draw(st.sampled_from(["U-1", "U-3", "U-4"]))},
    }


@pytest.fixture(scope="module")
def backends():
    return load_policy(), load_policy(backend="rete")


def _key(decision: Any) -> tuple:
    return (decision.outcome, decision.rule_ids, decision.effects, decision.response, decision.track,
            [v.to_dict() for v in decision.violations])


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents())
def test_both_backends_decide_every_query_alike(backends, document):
    compiled, rete = backends
    for query in QUERIES:
        assert _key(rete.decide(query, document)) == _key(compiled.decide(query, document)), query
