from __future__ import annotations

from tests.conftest import closed, facts

Q = "closure_effects"


def test_effects_of_closing_an_open_account(decide):
    d = decide(Q, facts(contracts=[{"id": "C-1", "status": "active"}, {"id": "C-2", "status": "expired"},
                                   {"id": "C-3", "status": "active"}],
                        links=[{"id": "L-1", "status": "active"}, {"id": "L-2", "status": "disabled"}]))
    assert d.outcome == "effects"
    assert d.violations == []
    assert d.effects == [
        {"type": "expire_contract", "contract_id": "C-1", "reason": "account_closed"},
        {"type": "expire_contract", "contract_id": "C-3", "reason": "account_closed"},
        {"type": "disable_link", "link_id": "L-1"},
        {"type": "close_account", "irreversible": True, "data_recoverable": False},
    ]


def test_nothing_open_still_closes_the_account(decide):
    d = decide(Q, facts(links=[]))
    assert d.effects == [{"type": "close_account", "irreversible": True, "data_recoverable": False}]


def test_closing_twice_changes_nothing(decide):
    d = decide(Q, closed(contracts=[{"id": "C-1", "status": "active"}]))
    assert (d.outcome, d.effects) == ("effects", [])
