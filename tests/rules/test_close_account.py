from __future__ import annotations

import pytest

from tests.conftest import closed, facts

Q = "close_account"


def test_ready_account_is_allowed(decide):
    d = decide(Q, facts())
    assert (d.outcome, d.violations, d.effects) == ("allow", [], [])


def test_already_closed(decide):
    d = decide(Q, closed())
    assert d.outcome == "deny"
    assert d.rule_ids[0] == "closure.not-already-closed"
    assert d.violations[0].step == 0
    assert "2026-11-26T15:30:00+00:00" in d.violations[0].message


def test_active_contracts_are_named(decide):
    d = decide(Q, facts(contracts=[{"id": "C-1", "status": "active"}, {"id": "C-2", "status": "expired"},
                                   {"id": "C-3", "status": "active"}]))
    assert d.rule_ids == ["contracts.all-expired"]
    v = d.violations[0]
    assert v.details == {"active_contracts": ["C-1", "C-3"]}
    assert "C-1, C-3" in v.message
    assert any("View → Actions → Expire" in r for r in v.remediation)


def test_no_contracts_at_all_passes(decide):
    assert decide(Q, facts(contracts=[])).outcome == "allow"


@pytest.mark.parametrize("field,rule", [("pending", "funds.no-pending"), ("overdue", "funds.no-overdue")])
@pytest.mark.parametrize("amount,fires", [("0", False), ("0.00", False), ("0.01", True), ("1000000", True)])
def test_pending_and_overdue(decide, field, rule, amount, fires):
    d = decide(Q, facts(**{f"balance__{field}": amount}))
    assert (rule in d.rule_ids) is fires


def test_overdue_remediation_is_contact_the_brand(decide):
    d = decide(Q, facts(balance__overdue="5"))
    assert "Contact the brand" in d.violations[0].remediation[0]
    assert decide(Q, facts(balance__overdue="5"), lang="zh").violations[0].remediation == ["请联系品牌处理逾期收益。"]


@pytest.mark.parametrize("available,expected", [
    ("0", []),
    ("0.01", ["funds.small-balance-resolved"]),
    ("49.99", ["funds.small-balance-resolved"]),
    ("50.00", ["funds.available-paid-out"]),   # equal to the threshold: the automatic withdrawal pays it
    ("50", ["funds.available-paid-out"]),
    ("50.01", ["funds.available-paid-out"]),
])
def test_available_against_threshold(decide, available, expected):
    assert decide(Q, facts(balance__available=available)).rule_ids == expected


def test_zero_threshold_and_zero_balance_is_clear(decide):
    d = decide(Q, facts(balance__available="0", balance__auto_withdrawal_threshold="0"))
    assert d.outcome == "allow"


def test_available_paid_out_remediation(decide):
    v = decide(Q, facts(balance__available="75")).violations[0]
    assert v.details == {"available": "75", "threshold": "50.00", "currency": "USD"}
    assert v.remediation == ["Wait for the automatic withdrawal to pay out the available balance."]


@pytest.mark.parametrize("available,offers_payout", [
    ("2.49", False), ("2.50", False), ("2.51", True), ("49.99", True)])
def test_manual_payout_offered_only_above_the_fee(decide, available, offers_payout):
    v = decide(Q, facts(balance__available=available)).violations[0]
    assert v.rule == "funds.small-balance-resolved"
    assert any("manual payout" in r for r in v.remediation) is offers_payout
    assert "Forfeit the balance" in v.remediation[-1]


def _ticket(**overrides):
    ticket = {"id": "T-1", "type": "close_account", "status": "open", "account_ids": ["P-1001"],
              "forfeit_balance": True}
    ticket.update(overrides)
    return ticket


@pytest.mark.parametrize("ticket,resolved", [
    (_ticket(), True),
    (_ticket(status="in_progress"), True),
    (_ticket(status="resolved"), False),
    (_ticket(status="cancelled"), False),
    (_ticket(account_ids=["P-9999"]), False),
    (_ticket(account_ids=["M-7", "P-9999", "P-1001"]), True),
    (_ticket(type="manual_payout"), False),
    (_ticket(forfeit_balance=False), False),
    ({"id": "T-1", "type": "close_account", "status": "open", "account_ids": ["P-1001"]}, False),
])
def test_forfeiture_needs_a_counting_closure_ticket_for_this_account(decide, ticket, resolved):
    d = decide(Q, facts(balance__available="10", support_tickets=[ticket, _ticket(id="T-2", account_ids=["X"])]))
    assert ("funds.small-balance-resolved" not in d.rule_ids) is resolved


@pytest.mark.parametrize("tickets,requested", [
    ([], False),
    ([_ticket(forfeit_balance=False)], True),
    ([_ticket(status="cancelled"), _ticket(id="T-2", status="resolved")], False),
    ([_ticket(account_ids=[])], False),
    ([_ticket(account_ids=["M-7"])], False),
    ([_ticket(type="manual_payout")], False),
    ([_ticket(type="manual_payout"), _ticket(id="T-2", status="in_progress")], True),
])
def test_closure_ticket(decide, tickets, requested):
    d = decide(Q, facts(support_tickets=tickets))
    assert ("ticket.closure-requested" not in d.rule_ids) is requested


@pytest.mark.parametrize("status", ["not_started", "in_progress", "rejected"])
def test_final_review_must_be_approved(decide, status):
    d = decide(Q, facts(final_review={"status": status}))
    assert d.rule_ids == ["review.final-review-approved"]
    assert d.violations[0].step == 4
    assert status in d.violations[0].message


def test_violations_are_ordered_by_step_then_id(decide):
    d = decide(Q, closed(contracts=[{"id": "C-1", "status": "active"}], support_tickets=[],
                         final_review={"status": "rejected"},
                         balance={"currency": "USD", "available": "10", "pending": "1", "overdue": "1",
                                  "auto_withdrawal_threshold": "50", "manual_payout_fee": "2.50"}))
    assert d.rule_ids == ["closure.not-already-closed", "contracts.all-expired", "funds.no-overdue",
                          "funds.no-pending", "funds.small-balance-resolved", "ticket.closure-requested",
                          "review.final-review-approved"]
    assert [v.step for v in d.violations] == [0, 1, 2, 2, 2, 3, 4]


def test_amounts_beyond_two_to_the_53_are_exact(decide):
    # 2**53 + 1 is not a double: as floats these two amounts would be equal.
    big = str(2**53 + 1)
    d = decide(Q, facts(balance__available=big, balance__auto_withdrawal_threshold=str(2**53 + 2)))
    assert d.rule_ids == ["funds.small-balance-resolved"]
    assert d.violations[0].details["available"] == big
    d = decide(Q, facts(balance__available=str(2**53 + 2), balance__auto_withdrawal_threshold=str(2**53 + 2)))
    assert d.rule_ids == ["funds.available-paid-out"]


def test_tiny_fractions_are_exact(decide):
    # 0.1 + 0.2 style: in binary floating point 0.30000000000000004 != 0.3
    d = decide(Q, facts(balance__available="0.30000000000000001", balance__auto_withdrawal_threshold="0.3"))
    assert d.rule_ids == ["funds.available-paid-out"]
    d = decide(Q, facts(balance__available="0.29999999999999999", balance__auto_withdrawal_threshold="0.3"))
    assert d.rule_ids == ["funds.small-balance-resolved"]


def test_messages_in_chinese(decide):
    d = decide(Q, facts(contracts=[{"id": "C-1", "status": "active"}]), lang="zh")
    assert d.violations[0].message == "以下合同仍然有效：C-1。"
    assert d.violations[0].title == "所有合同均已到期"
    assert d.lang == "zh"


def test_decision_carries_policy_revision(decide, policy):
    d = decide(Q, facts())
    assert d.policy == {"name": "partner-account-closure", "revision": policy.revision}
    assert d.to_dict()["account_id"] == "P-1001"
