from __future__ import annotations

import pytest

from tests.conftest import closed, facts

Q = "manual_payout"


@pytest.mark.parametrize("available,expected", [
    ("0", ["payout.covers-fee", "payout.has-balance"]),
    ("1.00", ["payout.covers-fee"]),
    ("2.50", ["payout.covers-fee"]),       # equal to the fee: nothing left over
    ("2.51", []),
    ("49.99", []),
    ("50.00", ["payout.below-auto-threshold"]),   # equal to the threshold
    ("120", ["payout.below-auto-threshold"]),
])
def test_available_against_fee_and_threshold(decide, available, expected):
    d = decide(Q, facts(balance__available=available))
    assert sorted(d.rule_ids) == expected
    assert d.outcome == ("deny" if expected else "allow")


def test_closed_account_cannot_ask(decide):
    d = decide(Q, closed(balance__available="10"))
    assert d.rule_ids == ["payout.account-open"]
    assert d.outcome == "deny"


def test_covers_fee_suggests_forfeiting(decide):
    v = decide(Q, facts(balance__available="2.50")).violations[0]
    assert v.rule == "payout.covers-fee"
    assert "Forfeit" in v.remediation[0]
    assert v.details == {"available": "2.50", "fee": "2.50", "currency": "USD"}


def test_zero_fee_and_tiny_balance(decide):
    assert decide(Q, facts(balance__available="0.000001", balance__manual_payout_fee="0")).outcome == "allow"
