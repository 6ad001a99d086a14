"""The rete backend on its own: encodings, limits, state, threads, and what it refuses."""
from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closure_policy import BackendUnavailable, EngineLimit, load_policy
from closure_policy.evaluate.rete.encode import instant, money
from closure_policy.scalars import Instant, instant_of, to_instant
from tests.conftest import FIXTURE_RULES, changed_rules, document

pytest.importorskip("durable_rules_engine", reason="the rete extra is part of the test install")

CLOSED = {"status": "closed", "closed_at": "2026-11-26T15:30:00Z"}

amounts = st.decimals(min_value=0, max_value=Decimal(10) ** 30, allow_nan=False, allow_infinity=False, places=None)


@pytest.fixture(scope="module")
def rete():
    return load_policy(FIXTURE_RULES, backend="rete")


@pytest.fixture(scope="module")
def compiled():
    return load_policy(FIXTURE_RULES)


@given(amounts, amounts)
def test_money_encoding_keeps_order_and_equality(a, b):
    assert (money(a) < money(b)) == (a < b)
    assert (money(a) == money(b)) == (a == b)


@pytest.mark.parametrize("a,b", [("50", "50.00"), ("0", "0.000"), ("1E+2", "100"), ("0.10", "0.1")])
def test_equal_amounts_encode_the_same(a, b):
    assert money(Decimal(a)) == money(Decimal(b))


@given(st.datetimes(datetime(2, 1, 1), datetime(9998, 1, 1),
                    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                                               timezone(timedelta(hours=-5, minutes=-30))])),
       st.datetimes(datetime(2, 1, 1), datetime(9998, 1, 1), timezones=st.just(timezone.utc)))
def test_instant_encoding_keeps_time_order(a, b):
    assert (instant(instant_of(a)) < instant(instant_of(b))) == (a < b)
    assert (instant(instant_of(a)) == instant(instant_of(b))) == (a == b)


@given(st.integers(0, 10**12), st.text("0123456789", max_size=18), st.integers(0, 10**12),
       st.text("0123456789", max_size=18))
def test_instant_encoding_is_exact_beyond_the_microsecond(s1, f1, s2, f2):
    a, b = Instant(86_400 + s1, f1.rstrip("0"), 0), Instant(86_400 + s2, f2.rstrip("0"), 0)
    assert (instant(a) < instant(b)) == (a < b)
    assert (instant(a) == instant(b)) == (a == b)


def test_huge_lists_get_the_right_answer(rete, compiled):
    contracts = [{"id": f"C-{i}", "status": "expired"} for i in range(2000)] + [{"id": "C-last", "status": "active"}]
    users = [{"id": f"U-{i}", "role": "member"} for i in range(500)]
    f = document(contracts=contracts, users=users)
    d = rete.decide("gate", f)
    assert d.rule_ids == ["gate.admin", "gate.contracts"]
    assert d == compiled.decide("gate", f)
    assert d.violations[1].details == {"active_contracts": ["C-last"]}


def test_many_decisions_in_a_row_keep_state_clean(rete):
    # durable_rules' session table holds about a thousand sessions; each decision
    # must leave nothing behind. (benchmarks/ runs 100,000.)
    outcomes = {"allow": document(), "deny": document(contracts=[{"id": "C", "status": "active"}])}
    for i in range(3000):
        expected = "deny" if i % 3 == 0 else "allow"
        assert rete.decide("gate", outcomes[expected]).outcome == expected


def test_threads_give_the_sequential_answers(rete):
    inputs = [document(balance={"available": str(i % 60)}, final_review={"status": ["approved", "rejected"][i % 2]})
              for i in range(40)]
    inputs += [document(account=CLOSED, action={"id": "A", "occurred_at": f"2026-11-2{i % 9}T12:00:00Z"})
               for i in range(10)]
    work = [(q, f) for f in inputs for q in ("gate", "route")]
    expected = [rete.decide(q, f).to_dict() for q, f in work]
    results: dict[int, list] = {}

    def run(n: int) -> None:
        results[n] = [rete.decide(q, f).to_dict() for _ in range(20) for q, f in work][:2000]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n in range(8):
        assert results[n] == (expected * 20)[:2000]


def test_a_condition_durable_rules_cannot_state_refuses_to_load(tmp_path):
    rules = changed_rules(tmp_path, "gate.yaml", "      none:\n        in: users\n",
                          "      count:\n        op: \">=\"\n        value: 2\n        in: users\n")
    assert load_policy(rules).queries  # fine for the compiled backend
    with pytest.raises(EngineLimit, match="count >= 2 with a condition cannot be stated"):
        load_policy(rules, backend="rete")


def test_without_durable_rules_the_rete_backend_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "durable_rules_engine", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'closure-policy\[rete\]'"):
        load_policy(FIXTURE_RULES, backend="rete")
    assert load_policy(FIXTURE_RULES).decide("gate", document()).outcome == "allow"


def test_a_durable_rules_built_for_an_older_python_is_named_with_its_fix(monkeypatch):
    import builtins

    real = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "durable_rules_engine":
            raise ImportError("durable_rules_engine.so: undefined symbol: PyEval_CallObject")
        return real(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "durable_rules_engine")
    monkeypatch.setattr(builtins, "__import__", broken)
    with pytest.raises(BackendUnavailable, match="CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install"):
        load_policy(FIXTURE_RULES, backend="rete")


def test_unknown_backend():
    with pytest.raises(BackendUnavailable, match="unknown backend 'drools'"):
        load_policy(backend="drools")


def test_explanations_and_decisions_agree_on_rete(rete):
    d = rete.decide("gate", document(balance={"pending": "3"}), explain=True)
    assert d.rule_ids == ["gate.no-pending"]
    assert [t["rule"] for t in d.trace if t["fired"]] == ["gate.no-pending"]


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["2026-11-25T15:59:59Z", "2026-11-25T16:00:00Z", "2026-11-26T15:30:00Z"]),
       st.sampled_from(["Asia/Shanghai", "UTC", "America/New_York"]))
def test_calendar_days_agree(rete, compiled, at, zone):
    f = document(account={**CLOSED, "timezone": zone}, action={"id": "A", "occurred_at": at})
    assert rete.decide("route", f) == compiled.decide("route", f)


def test_as_of_default_now_is_not_read(rete):
    f = document()
    del f["as_of"]
    assert rete.decide("gate", f).outcome == "allow"


def test_instants_at_the_ends_of_the_range():
    first, last = to_instant("0001-01-02T00:00:00Z"), to_instant("9999-12-30T23:59:59.999999999999Z")
    assert instant(first) < instant(to_instant("2026-01-01T00:00:00+14:00")) < instant(last)
    assert len(instant(first).split(".")[0]) == len(instant(last).split(".")[0]) == 13
