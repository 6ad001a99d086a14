from __future__ import annotations

import functools
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from closure_policy import InvalidFacts, load_policy
from closure_policy.facts import FactsChecker
from closure_policy.scalars import Instant, to_instant
from tests.conftest import FIXTURE_RULES, facts


def facts_checker_schema() -> dict:
    return load_policy(FIXTURE_RULES).facts_schema_document()


@functools.cache
def facts_checker() -> FactsChecker:
    """The fixture policy's facts checker (its own facts schema)."""
    return load_policy(FIXTURE_RULES).facts_schema.checker


@pytest.fixture(scope="module")
def policy(fixture_policy):
    """Facts are validated the same whatever the rules: the tests' own policy decides."""
    return fixture_policy


def _pointers(policy, query, f):
    with pytest.raises(InvalidFacts) as info:
        policy.decide(query, f)
    return info.value.pointers


@pytest.mark.parametrize("mutate,pointer", [
    (lambda f: f["balance"].update(available="-1"), "/balance/available"),
    (lambda f: f["balance"].update(pending=-0.5), "/balance/pending"),
    (lambda f: f["balance"].update(overdue="1e3"), "/balance/overdue"),
    (lambda f: f["balance"].update(available="12,40"), "/balance/available"),
    (lambda f: f["balance"].update(available=True), "/balance/available"),
    (lambda f: f["account"].update(closed_at="2026-11-26T10:00:00"), "/account/closed_at"),
    (lambda f: f["action"].update(occurred_at="2026-11-26"), "/action/occurred_at"),
    (lambda f: f["action"].update(occurred_at="2026-13-01T00:00:00Z"), "/action/occurred_at"),
    (lambda f: f["action"].update(occurred_at="2026-02-30T00:00:00Z"), "/action/occurred_at"),
    (lambda f: f.pop("balance"), "/balance"),
    (lambda f: f.pop("support_tickets"), "/support_tickets"),
    (lambda f: f["contracts"][1].update(status="actve"), "/contracts/1/status"),
    (lambda f: f["support_tickets"][0].update(status="opened"), "/support_tickets/0/status"),
    (lambda f: f["final_review"].update(status="Approved"), "/final_review/status"),
    (lambda f: f["account"].update(kind="brand"), "/account/kind"),
    (lambda f: f["account"].update(status="closed"), "/account/closed_at"),
    (lambda f: f["account"].update(status="closed", closed_at=None), "/account/closed_at"),
    (lambda f: f["account"].update(timezone="Mars/Olympus"), "/account/timezone"),
    (lambda f: f["account"].update(nickname="x"), "/account/nickname"),
    (lambda f: f.update(extra=1), "/extra"),
    (lambda f: f["users"][0].pop("role"), "/users/0/role"),
])
def test_invalid_facts_name_the_field(policy, mutate, pointer):
    f = facts()
    mutate(f)
    assert pointer in _pointers(policy, "gate", f)


def test_every_problem_is_reported(policy):
    f = facts(balance__available="-1", final_review={"status": "done"})
    assert {"/balance/available", "/final_review/status"} <= set(_pointers(policy, "gate", f))


def test_not_an_object(policy):
    assert _pointers(policy, "gate", ["not", "facts"]) == [""]


@pytest.mark.parametrize("query,section,other", [("route", "action", "gate"), ("route", "click", "gate"),
                                                 ("gate", "request", "route")])
def test_a_query_requires_the_section_it_reads(policy, query, section, other):
    f = facts()
    del f[section]
    assert _pointers(policy, query, f) == [f"/{section}"]
    assert policy.decide(other, f).query == other  # ...and a query that does not read it decides


def test_invalid_facts_never_allow(policy):
    f = facts(balance__available="-5")
    with pytest.raises(InvalidFacts) as info:
        policy.decide("gate", f)
    assert "/balance/available" in str(info.value)


def test_money_is_decimal_whatever_its_json_form():
    checker = facts_checker()
    for given in ("12.40", Decimal("12.40"), 12.4, 12):
        value = checker.check(facts(balance__available=given))["balance"]["available"]
        assert isinstance(value, Decimal)
        assert value == Decimal("12.4") or value == 12
    assert checker.check(facts(balance__available=0.1))["balance"]["available"] == Decimal("0.1")


def test_timestamps_become_exact_instants():
    f = facts_checker().check(facts())
    assert isinstance(f["action"]["occurred_at"], Instant)
    assert f["action"]["occurred_at"].utc == datetime(2026, 11, 26, 9, tzinfo=timezone.utc)
    assert f["as_of"] == to_instant("2026-11-26T02:00:00Z")  # +08:00 read as the same moment
    assert f["account"]["timezone"] == "Asia/Shanghai"


def test_defaults_are_filled_and_input_is_not_changed():
    given = facts()
    del given["as_of"]
    del given["account"]["timezone"]
    result = facts_checker().check(given)
    assert result["account"]["timezone"] == "UTC"
    assert result["support_tickets"][0]["forfeit_balance"] is False
    assert isinstance(result["as_of"], Instant)
    assert "timezone" not in given["account"] and "forfeit_balance" not in given["support_tickets"][0]


def test_nanosecond_fractions_are_kept_exactly():
    f = facts(action={"id": "A", "occurred_at": "2026-11-26T09:00:00.123456789Z"})
    moment = facts_checker().check(f)["action"]["occurred_at"]
    assert moment.fraction == "123456789"
    assert moment > to_instant("2026-11-26T09:00:00.123456788Z")
    assert moment.isoformat() == "2026-11-26T09:00:00.123456789+00:00"


def test_fast_and_detailed_validators_agree_on_the_ready_account():
    checker = facts_checker()
    assert checker.problems(facts()) == []


def test_a_disagreement_between_validators_fails_closed():
    from closure_policy.errors import FactProblem
    from closure_policy.validate.instances import InstanceValidator

    class Stricter:
        def is_valid(self, facts):
            return False

        def iter_errors(self, facts):
            return []

    validator = InstanceValidator(facts_checker_schema(), fast=Stricter())
    assert validator.problems(facts()) == [FactProblem("", "invalid document")]


def test_values_json_cannot_hold_are_invalid_not_a_crash(policy):
    f = facts()
    f["contracts"][0]["brand"] = object()
    assert _pointers(policy, "gate", f) == ["/contracts/0/brand"]


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_amounts_from_python_are_invalid(policy, amount):
    assert _pointers(policy, "gate", facts(balance__available=amount)) == ["/balance/available"]


def test_every_kind_of_value_is_read_alike_by_the_normaliser_and_the_generated_code():
    from closure_policy.evaluate.compiled.runtime import VOCABULARY
    from closure_policy.facts.kinds import KINDS
    from closure_policy.scalars import ScalarError

    for kind in KINDS.values():
        assert kind.reader in VOCABULARY and kind.checker in VOCABULARY, kind.name
    examples = {"money": ("12.40", "12,40"), "timestamp": ("2026-11-26T10:00:00Z", "2026-02-30T00:00:00Z"),
                "timezone": ("Asia/Shanghai", "Mars/Olympus")}
    assert set(examples) == set(KINDS)
    for name, (good, bad) in examples.items():
        kind = KINDS[name]
        assert kind.convert(good) == VOCABULARY[kind.reader](good)
        with pytest.raises(ScalarError):
            kind.convert(bad)
