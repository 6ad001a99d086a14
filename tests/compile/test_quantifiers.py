"""Forms of the rule language that rules/ writes one way, checked against another."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from closure_policy import load_policy
from tests.conftest import ROOT, facts

NONE_FORM = """    when:
      none:
        in: users
        as: user
        where: {fact: user.id, op: "==", value_of: request.user_id}"""

COUNT_FORM = """    when:
      count:
        in: users
        as: user
        where: {fact: user.id, op: "==", value_of: request.user_id}
        op: "=="
        value: 0"""

ANY_FORM = """    when:
      not:
        any:
          - {fact: final_review.status, op: "==", value: approved}"""


def _variant(tmp_path: Path, file: str, old: str, new: str):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_policy(rules)


@pytest.mark.parametrize("user_id", ["U-1", "U-2", "U-9"])
def test_count_equals_none(tmp_path, policy, user_id):
    variant = _variant(tmp_path, "remove_user.yaml", NONE_FORM, COUNT_FORM)
    f = facts(request={"actor_id": "U-1", "user_id": user_id})
    assert variant.decide("remove_user", f).rule_ids == policy.decide("remove_user", f).rule_ids


@pytest.mark.parametrize("status", ["approved", "rejected", "not_started"])
def test_not_any_equals_not_equal(tmp_path, policy, status):
    variant = _variant(tmp_path, "close_account.yaml",
                       '    when: {fact: final_review.status, op: "!=", value: approved}', ANY_FORM)
    f = facts(final_review={"status": status})
    assert variant.decide("close_account", f).rule_ids == policy.decide("close_account", f).rule_ids


@pytest.mark.parametrize("contracts,fires", [([], False), ([{"id": "C", "status": "expired"}], False),
                                             ([{"id": "C", "status": "active"}], True)])
def test_every_of_an_empty_list_holds(decide, contracts, fires):
    assert ("contracts.all-expired" in decide("close_account", facts(contracts=contracts)).rule_ids) is fires
