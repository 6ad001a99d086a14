from __future__ import annotations

import pytest

from closure_policy.tester.keyword import keyword_matcher
from closure_policy.tester.runner import compare
from closure_policy.errors import ClosurePolicyError
from tests.conftest import closed, facts


@pytest.fixture(scope="module")
def small_balance(policy):
    return policy.decide("close_account", facts(balance__available="12.40", final_review={"status": "rejected"}))


@pytest.mark.parametrize("expect,fields", [
    ({"outcome": "deny"}, []),
    ({"outcome": "allow"}, ["outcome"]),
    ({"violations": ["review.final-review-approved", "funds.small-balance-resolved"]}, []),
    ({"violations": ["review.final-review-approved", "funds.small-balance-resolved"], "ordered": True},
     ["violations"]),
    ({"violations": ["funds.small-balance-resolved"]}, ["violations"]),
    ({"violations_include": ["funds.small-balance-resolved"]}, []),
    ({"violations_include": ["funds.no-pending"]}, ["violations_include"]),
    ({"violations_exclude": ["funds.no-pending"]}, []),
    ({"violations_exclude": ["funds.small-balance-resolved"]}, ["violations_exclude"]),
    ({"details": {"funds.small-balance-resolved": {"available": "12.40"}}}, []),
    ({"details": {"funds.small-balance-resolved": {"available": 12.4}}}, []),     # a YAML number, read exactly
    ({"details": {"funds.small-balance-resolved": {"available": 12.41}}}, ["details of funds.small-balance-resolved"]),
    ({"details": {"funds.small-balance-resolved": {"nope": 1}}}, ["details of funds.small-balance-resolved"]),
    ({"details": {"funds.no-pending": {}}}, ["details of funds.no-pending"]),
    ({"message_contains": {"review.final-review-approved": "rejected"}}, []),
    ({"message_contains": {"review.final-review-approved": ["rejected", "approved"]}}, []),
    ({"message_contains": {"review.final-review-approved": "pending"}}, ["message_contains of review.final-review-approved"]),
    ({"remediation_contains": {"funds.small-balance-resolved": "manual payout"}}, []),
    ({"remediation_excludes": {"funds.small-balance-resolved": "manual payout"}},
     ["remediation_excludes of funds.small-balance-resolved"]),
    ({"remediation_contains": {"review.final-review-approved": []}},
     ["remediation_contains of review.final-review-approved"]),
    ({"effects": []}, []),
    ({"response": None, "track": None}, []),
    ({"track": False}, ["track"]),
    ({"error": "/balance"}, ["error"]),
])
def test_compare_reports_each_unmet_expectation(small_balance, expect, fields):
    assert [m.field for m in compare(expect, small_balance)] == fields


def test_booleans_are_not_numbers(policy):
    d = policy.decide("resolve_link", closed(click={"link_id": "L-1", "clicked_at": "2027-01-01T00:00:00Z"}))
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
