"""Decisions per second: the engine against a hand-written function, same run.

    python benchmarks/bench_decide.py [--seconds 2]

Also times the facts validators the engine could use on its hot path.
Not a test: figures vary by machine; ratios are what to compare.
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten  # noqa: E402
from measure import rate  # noqa: E402

from closure_policy import load_policy  # noqa: E402
from closure_policy.resources import schema  # noqa: E402


def account(contracts: int = 20, tickets: int = 5) -> dict[str, Any]:
    return {
        "as_of": "2026-11-26T10:00:00+08:00",
        "account": {"id": "P-1001", "kind": "partner", "status": "closed", "closed_at": "2026-11-26T15:30:00Z",
                    "timezone": "Asia/Shanghai"},
        "contracts": [{"id": f"C-{i}", "brand": "Acme", "status": "active" if i % 7 == 0 else "expired"}
                      for i in range(contracts)],
        "balance": {"currency": "USD", "available": "12.40", "pending": "0", "overdue": "0",
                    "auto_withdrawal_threshold": "50.00", "manual_payout_fee": "2.50"},
        "support_tickets": [{"id": f"T-{i}", "type": "close_account" if i % 2 else "manual_payout",
                             "status": ["open", "in_progress", "resolved", "cancelled"][i % 4],
                             "account_ids": [f"M-{i}", "P-1001" if i == tickets - 1 else "P-9"],
                             "forfeit_balance": i % 3 == 0} for i in range(tickets)],
        "final_review": {"status": "in_progress"},
        "links": [{"id": f"L-{i}", "status": "active"} for i in range(5)],
        "users": [{"id": "U-1", "role": "admin"}, {"id": "U-2", "role": "member"}],
        "action": {"id": "A-1", "occurred_at": "2026-11-26T09:00:00Z"},
    }


def validators(facts: dict[str, Any], seconds: float) -> list[tuple[str, float]]:
    import fastjsonschema
    from jsonschema import Draft202012Validator

    s = schema("facts")
    detailed = Draft202012Validator(s)
    results = [("jsonschema (Draft 2020-12, pure Python)", rate(lambda: detailed.is_valid(facts), seconds))]
    fast = fastjsonschema.compile(s, use_default=False)
    results.append(("fastjsonschema (generated Python)", rate(lambda: fast(facts), seconds)))
    try:
        import jsonschema_rs
    except ImportError:
        results.append(("jsonschema-rs (not installed: pip install jsonschema-rs)", 0.0))
    else:
        native = jsonschema_rs.validator_for(s)
        results.append(("jsonschema-rs (native)", rate(lambda: native.is_valid(facts), seconds)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args(argv)
    policy = load_policy()
    try:
        rete = load_policy(backend="rete")
    except Exception as exc:  # noqa: BLE001 - report and go on without it
        print(f"rete backend unavailable: {exc}")
        rete = None
    facts = account()
    print(f"account: {len(facts['contracts'])} contracts, {len(facts['support_tickets'])} tickets; "
          f"Python {sys.version.split()[0]}")
    for query, hand in (("close_account", handwritten.close_account), ("track_action", handwritten.track_action)):
        decision = policy.decide(query, facts)
        assert (decision.outcome, sorted(decision.rule_ids)) == (lambda r: (r[0], sorted(r[1])))(hand(facts)), query
        engine = rate(lambda q=query, f=facts: policy.decide(q, f), args.seconds)
        by_hand = rate(lambda h=hand, f=facts: h(f), args.seconds)
        print(f"{query:14} compiled {engine:10,.0f}/s   hand-written {by_hand:10,.0f}/s   "
              f"compiled time / hand-written time = {by_hand / engine:.2f}")
        if rete is not None:
            assert rete.decide(query, facts) == decision, query
            on_rete = rate(lambda q=query, f=facts: rete.decide(q, f), args.seconds)
            print(f"{'':14} rete     {on_rete:10,.0f}/s   rete time / hand-written time = {by_hand / on_rete:.2f}")
    print("facts validation (valid document):")
    for name, per_second in validators(copy.deepcopy(facts), args.seconds):
        print(f"  {name:58} {per_second:10,.0f}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
