"""The model decides each concrete document as the engine does: random valid documents, pinned in the model.

If the encoding of any construct, of the schema's validity or of a value's
domain were wrong, some document would be decided (or admitted) differently.
Zones are UTC and fixed-offset zones, whose offsets the pinned model knows.
"""
from __future__ import annotations

import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closure_policy import load_policy
from closure_policy.errors import InvalidFacts
from closure_policy.prove.prover import Prover
from tests.conftest import FIXTURE_RULES

# Rules beside the fixture policy's own, so that every construct is met: a list searched with 'in', a default
# read, counts, every, a quantifier inside another, null, calendar days, an outcome chosen by a condition.
EXTRA = """
rules:
  - id: gate.x-ticket
    query: gate
    source: {section: fixture, quote: a ticket}
    title: {en: A ticket, zh: 工单}
    message: {en: "Ticket.", zh: "工单。"}
    when:
      count:
        in: support_tickets
        as: t
        where:
          all:
            - {fact: t.status, op: in, value: [open, in_progress]}
            - {fact: account.id, op: in, value_of: t.account_ids}
            - {not: {fact: t.forfeit_balance, op: "==", value: true}}
        op: ">="
        value: 2
  - id: gate.x-nested
    query: gate
    source: {section: fixture, quote: nested}
    title: {en: Nested, zh: 嵌套}
    message: {en: "Nested.", zh: "嵌套。"}
    when:
      every:
        in: links
        as: l
        where:
          any:
            - {fact: l.status, op: "!=", value: active}
            - some: {in: users, as: u, where: {fact: u.id, op: "==", value_of: l.id}}
  - id: gate.x-null
    query: gate
    source: {section: fixture, quote: a missing moment}
    title: {en: A missing moment, zh: 空}
    message: {en: "Missing.", zh: "空。"}
    when:
      all:
        - {fact: account.closed_at, op: "==", value: null}
        - {fact: account.status, op: "==", value: closed}
  - id: gate.x-day
    query: gate
    source: {section: fixture, quote: a day}
    title: {en: A day, zh: 日}
    message: {en: "Day.", zh: "日。"}
    when: {fact: click.clicked_at, op: "<", value_of: action.occurred_at, as_day_in: account.timezone}
    outcome:
      - when: {fact: balance.available, op: ">", value: "2.5"}
        outcome: allow
      - outcome: deny
"""


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    from tests.conftest import copy_policy

    rules = copy_policy(FIXTURE_RULES, tmp_path_factory.mktemp("prove") / "rules")
    (rules / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    policy = load_policy(rules)
    return policy, Prover(policy, max_items=3)
IDS = st.sampled_from(["P-1", "U-1", "U-2", "L-1", "C-1", "x"])
AMOUNTS = st.sampled_from(["0", "0.00", "1", "2.50", "2.5", "10", "50.00", "0.000001", "99999999999999999999.99"])
MOMENTS = st.sampled_from(["2026-11-26T00:00:00Z", "2026-11-25T23:59:59.999999999Z", "2026-11-26T08:00:00+08:00",
                           "2026-11-25T16:00:00Z", "2026-11-26T15:59:59Z", "2026-11-26T16:00:00Z",
                           "2026-11-26T00:00:00-05:00", "0001-01-02T00:00:00Z", "9999-12-30T23:59:59Z"])
ZONES = st.sampled_from(["UTC", "Etc/GMT-8", "Etc/GMT+5", "Etc/GMT-14"])


def _maybe(strategy):
    return st.one_of(st.just(None), strategy)


@st.composite
def tickets(draw):
    ticket = {"id": draw(IDS), "type": draw(st.sampled_from(["close_account", "manual_payout"])),
              "status": draw(st.sampled_from(["open", "in_progress", "resolved", "cancelled"])),
              "account_ids": draw(st.lists(IDS, max_size=3))}
    if draw(st.booleans()):
        ticket["forfeit_balance"] = draw(st.booleans())
    return ticket


@st.composite
def documents(draw):
    account = {"id": draw(IDS), "kind": draw(st.sampled_from(["partner", "member"])),
               "status": draw(st.sampled_from(["active", "closed"])), "timezone": draw(ZONES)}
    closed_at = draw(_maybe(MOMENTS))
    if closed_at is not None or draw(st.booleans()):
        account["closed_at"] = closed_at
    doc = {"account": account,
           "contracts": draw(st.lists(st.fixed_dictionaries(
               {"id": IDS, "status": st.sampled_from(["active", "expired"])}), max_size=3)),
           "balance": {"currency": "USD", **{k: draw(AMOUNTS) for k in (
               "available", "pending", "overdue", "auto_withdrawal_threshold", "manual_payout_fee")}},
           "support_tickets": draw(st.lists(tickets(), max_size=3)), "final_review": {"status": draw(st.sampled_from(
               ["not_started", "in_progress", "approved", "rejected"]))},
           "links": draw(st.lists(st.fixed_dictionaries(
               {"id": IDS, "status": st.sampled_from(["active", "disabled"])}), max_size=3)),
           "users": draw(st.lists(st.fixed_dictionaries(
               {"id": IDS, "role": st.sampled_from(["admin", "member"])}), max_size=3))}
    if draw(st.booleans()):
        doc["action"] = {"id": draw(IDS), "occurred_at": draw(MOMENTS)}
    if draw(st.booleans()):
        doc["click"] = {"link_id": draw(IDS), "clicked_at": draw(MOMENTS)}
    if draw(st.booleans()):
        doc["request"] = {"actor_id": draw(IDS), "user_id": draw(IDS)}
    return doc


# PROVE_EXAMPLES=1500 for a longer run (it passed at 1,500 when written).
@settings(max_examples=int(os.environ.get("PROVE_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=documents(), query=st.sampled_from(["gate", "route"]))
def test_the_model_decides_every_document_as_the_engine_does(decided, doc, query):
    policy, prover = decided
    try:
        real = policy.decide(query, doc)
    except InvalidFacts:  # invalid, or without a fact the query reads
        assert prover.verdict(query, doc) is None  # the model refuses what the engine refuses
        return
    assert prover.verdict(query, doc) == (real.outcome, {v.rule for v in real.violations})


@pytest.mark.parametrize("amount", ["2.50", "2.5", "2.500000000000000000000000000000000000"])
def test_an_amount_equal_to_the_fee_in_any_spelling_is_the_fee(amount):
    doc = {"account": {"id": "P-1", "kind": "partner", "status": "active"}, "contracts": [],
           "balance": {"currency": "USD", "available": amount, "pending": "0", "overdue": "0",
                       "auto_withdrawal_threshold": "50", "manual_payout_fee": "2.5"},
           "support_tickets": [], "final_review": {"status": "approved"}, "links": [],
           "users": [{"id": "U-1", "role": "admin"}], "request": {"actor_id": "U-1", "user_id": "U-1"}}
    assert Decimal(amount) == Decimal("2.5")
    policy = load_policy(FIXTURE_RULES)
    assert Prover(policy).verdict("gate", doc) == ("deny", {"gate.fee"}) == (
        policy.decide("gate", doc).outcome, {v.rule for v in policy.decide("gate", doc).violations})
