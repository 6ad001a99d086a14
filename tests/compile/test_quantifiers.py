"""Forms of the rule language that say the same thing decide the same, on a fixture policy."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from closure_policy import Policy, load_policy
from tests.conftest import BASE, ROOT

FIXTURE = ROOT / "tests/fixture_rules"

NONE_FORM = """      none:
        in: users
        as: user
        where:
          all:
            - {fact: user.id, op: "==", value_of: request.actor_id}
            - {fact: user.role, op: "==", value: admin}"""

COUNT_FORM = """      count:
        in: users
        as: user
        where:
          all:
            - {fact: user.id, op: "==", value_of: request.actor_id}
            - {fact: user.role, op: "==", value: admin}
        op: "=="
        value: 0"""

EVERY_NOT_FORM = """      every:
        in: users
        as: user
        where:
          any:
            - {fact: user.id, op: "!=", value_of: request.actor_id}
            - {fact: user.role, op: "!=", value: admin}"""

NOT_EQUAL = '    when: {fact: final_review.status, op: "!=", value: approved}'
NOT_ANY_FORM = """    when:
      not:
        any:
          - {fact: final_review.status, op: "==", value: approved}"""

SOME_FORM = """      some:
        in: contracts
        as: contract
        where: {fact: contract.status, op: "==", value: active}"""
EVERY_FORM = """      not:
        every:
          in: contracts
          as: contract
          where: {fact: contract.status, op: "==", value: expired}"""


@pytest.fixture(scope="module")
def fixture() -> Policy:
    return load_policy(FIXTURE)


def _variant(tmp_path: Path, old: str, new: str, backend: str = "compiled") -> Policy:
    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE, rules, dirs_exist_ok=True)
    path = rules / "gate.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_policy(rules, backend=backend)


def _facts(**sections: Any) -> dict[str, Any]:
    return {**copy.deepcopy(BASE), **sections}


@pytest.mark.parametrize("form", [COUNT_FORM, EVERY_NOT_FORM])
@pytest.mark.parametrize("users", [[], [{"id": "U-1", "role": "admin"}], [{"id": "U-1", "role": "member"}],
                                   [{"id": "U-2", "role": "admin"}, {"id": "U-1", "role": "admin"}]])
def test_count_and_every_not_equal_none(tmp_path, fixture, form, users):
    f = _facts(users=users)
    for backend in ("compiled", "rete"):
        variant = _variant(tmp_path / backend, NONE_FORM, form, backend)
        assert variant.decide("gate", f).rule_ids == fixture.decide("gate", f).rule_ids


@pytest.mark.parametrize("status", ["approved", "rejected", "not_started"])
def test_not_any_equals_not_equal(tmp_path, fixture, status):
    variant = _variant(tmp_path, NOT_EQUAL, NOT_ANY_FORM)
    f = _facts(final_review={"status": status})
    assert variant.decide("gate", f).rule_ids == fixture.decide("gate", f).rule_ids


@pytest.mark.parametrize("contracts,fires", [([], False), ([{"id": "C", "status": "expired"}], False),
                                             ([{"id": "C", "status": "active"}], True)])
def test_every_of_an_empty_list_holds(tmp_path, contracts, fires):
    for backend in ("compiled", "rete"):
        variant = _variant(tmp_path / backend, SOME_FORM, EVERY_FORM, backend)
        assert ("gate.contracts" in variant.decide("gate", _facts(contracts=contracts)).rule_ids) is fires
