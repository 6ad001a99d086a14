"""How a value reads inside a message: objects and lists of objects as text a person reads, never a repr."""
from __future__ import annotations

from closure_policy import load_policy
from tests.conftest import changed_rules, document


def test_an_object_or_a_list_of_objects_in_a_message_reads_as_key_value_pairs(tmp_path):
    rules = changed_rules(tmp_path, "gate.yaml", 'message: {en: "{balance.overdue} is overdue.", zh: "',
                          'message: {en: "Balance {balance}. Contracts {contracts}. Users {users}.", zh: "')
    facts = document(balance={"overdue": "3"}, contracts=[{"id": "C-1", "status": "active"}],
                     users=[{"id": "U-1", "role": "admin"}, {"id": "U-2", "role": "member"}])
    decision = load_policy(rules).decide("gate", facts)
    message = next(v.message for v in decision.violations if v.rule == "gate.no-overdue")
    assert message == ("Balance currency: USD, available: 10, pending: 0, overdue: 3, "
                       "auto_withdrawal_threshold: 50.00, manual_payout_fee: 2.50. Contracts id: C-1, status: active. "
                       "Users id: U-1, role: admin; id: U-2, role: member.")
    assert "{'" not in message and "Decimal" not in message
