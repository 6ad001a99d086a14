from __future__ import annotations

import pytest

from tests.conftest import closed, facts


def test_reopening_a_closed_account_is_always_denied(decide):
    d = decide("reactivate_account", closed())
    assert (d.outcome, d.rule_ids) == ("deny", ["closure.irreversible"])
    assert "no data can be recovered" in d.violations[0].message
    assert "不可逆" in decide("reactivate_account", closed(), lang="zh").violations[0].message


def test_reopening_an_open_account_does_not_apply(decide):
    d = decide("reactivate_account", facts())
    assert (d.outcome, d.violations) == ("not_applicable", [])


@pytest.mark.parametrize("actor,user,expected", [
    ("U-1", "U-2", []),
    ("U-1", "U-1", []),                                   # an admin may remove themself
    ("U-2", "U-1", ["users.admin-only"]),                 # a member is no admin
    ("U-9", "U-2", ["users.admin-only"]),                 # not a user of the account at all
    ("U-1", "U-9", ["users.target-exists"]),
    ("U-2", "U-9", ["users.admin-only", "users.target-exists"]),
])
def test_remove_user(decide, actor, user, expected):
    d = decide("remove_user", facts(request={"actor_id": actor, "user_id": user}))
    assert d.rule_ids == expected
    assert d.outcome == ("deny" if expected else "allow")


def test_admin_needs_no_support_ticket(decide):
    d = decide("remove_user", facts(support_tickets=[], request={"actor_id": "U-1", "user_id": "U-2"}))
    assert d.outcome == "allow"


def test_admin_of_a_closed_account_still_removes(decide):
    assert decide("remove_user", closed()).outcome == "allow"
