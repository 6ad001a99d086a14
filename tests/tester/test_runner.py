from __future__ import annotations

import pytest

from closure_policy.errors import ClosurePolicyError
from closure_policy.tester.keyword import keyword_matcher
from closure_policy.tester.runner import compare
from tests.conftest import document


@pytest.fixture(scope="module")
def small_balance(fixture_policy):
    return fixture_policy.decide("gate", document(balance={"pending": "12.40"}, final_review={"status": "rejected"}))


@pytest.mark.parametrize("expect,fields", [
    ({"outcome": "deny"}, []),
    ({"outcome": "allow"}, ["outcome"]),
    ({"violations": ["gate.review", "gate.no-pending"]}, []),
    ({"violations": ["gate.review", "gate.no-pending"], "ordered": True},
     ["violations"]),
    ({"violations": ["gate.no-pending"]}, ["violations"]),
    ({"violations_include": ["gate.no-pending"]}, []),
    ({"violations_include": ["gate.fee"]}, ["violations_include"]),
    ({"violations_exclude": ["gate.fee"]}, []),
    ({"violations_exclude": ["gate.no-pending"]}, ["violations_exclude"]),
    ({"details": {"gate.no-pending": {"pending": "12.40"}}}, []),
    ({"details": {"gate.no-pending": {"pending": 12.4}}}, []),     # a YAML number, read exactly
    ({"details": {"gate.no-pending": {"pending": 12.41}}}, ["details of gate.no-pending"]),
    ({"details": {"gate.no-pending": {"nope": 1}}}, ["details of gate.no-pending"]),
    ({"details": {"gate.fee": {}}}, ["details of gate.fee"]),
    ({"message_contains": {"gate.review": "rejected"}}, []),
    ({"message_contains": {"gate.review": ["rejected", "review"]}}, []),
    ({"message_contains": {"gate.review": "pending"}}, ["message_contains of gate.review"]),
    ({"remediation_contains": {"gate.no-pending": "Wait"}}, []),
    ({"remediation_excludes": {"gate.no-pending": "Wait"}},
     ["remediation_excludes of gate.no-pending"]),
    ({"remediation_contains": {"gate.no-pending": []}},
     ["remediation_contains of gate.no-pending"]),
    ({"effects": []}, []),
    ({"response": None, "track": None}, []),
    ({"track": False}, ["track"]),
    ({"error": "/balance"}, ["error"]),
])
def test_compare_reports_each_unmet_expectation(small_balance, expect, fields):
    assert [m.field for m in compare(expect, small_balance)] == fields


def test_booleans_are_not_numbers(fixture_policy):
    d = fixture_policy.decide("route", document(account={"status": "closed", "closed_at": "2026-11-26T15:30:00Z"},
                                                click={"link_id": "L-1", "clicked_at": "2027-01-01T00:00:00Z"}))
    assert [m.field for m in compare({"track": 0}, d)] == ["track"]
    assert compare({"track": False}, d) == []


@pytest.mark.parametrize("expr,hits", [
    ("", ["a.yaml::Shanghai midnight", "a.yaml::UTC midnight", "b.yaml::refund"]),
    ("midnight", ["a.yaml::Shanghai midnight", "a.yaml::UTC midnight"]),
    ("midnight and not utc", ["a.yaml::Shanghai midnight"]),
    ("refund or shanghai", ["a.yaml::Shanghai midnight", "b.yaml::refund"]),
    ("not (a.yaml and utc)", ["a.yaml::Shanghai midnight", "b.yaml::refund"]),
])
def test_keyword_selection(expr, hits):
    ids = ["a.yaml::Shanghai midnight", "a.yaml::UTC midnight", "b.yaml::refund"]
    match = keyword_matcher(expr)
    assert [i for i in ids if match(i)] == hits


@pytest.mark.parametrize("expr", ["and", "a and", "(a", "a )", "not"])
def test_bad_keyword_expressions_are_errors(expr):
    with pytest.raises(ClosurePolicyError):
        keyword_matcher(expr)


def test_a_decision_off_the_decision_schema_is_a_mismatch(small_balance):
    import dataclasses

    from closure_policy.tester.runner import off_contract

    assert off_contract(small_balance) == []
    broken = dataclasses.replace(small_balance, outcome=None)
    assert [m.field for m in off_contract(broken)] == ["decision.schema.json"]
