"""Decisions per second: the engine, a hand-written function and regorus, same run.

    python benchmarks/bench_decide.py [--seconds 2] [--json benchmarks/results/decide.json]

For close_account and track_action, on a document with five violations and
one with one (20 contracts, 5 tickets): the compiled and rete backends, the
hand-written floor (benchmarks/handwritten.py) and regorus, OPA's Rego engine
in Rust (PyPI opa-eval, benchmarks/rego/closure.rego; checked first by
rego_agrees.py, and given its input as JSON text, its best case). Also times
the facts validators the engine could use. Not a test: figures vary by
machine; ratios are what to compare.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten  # noqa: E402
from measure import rate, rates  # noqa: E402
from rego_agrees import disagreements, evaluators  # noqa: E402

from closure_policy import load_policy  # noqa: E402
from closure_policy.jsondoc import parse  # noqa: E402


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

    s = load_policy().facts_schema_document()
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


def one_violation(contracts: int = 20, tickets: int = 5) -> dict[str, Any]:
    """The same account, open, with one active contract its only obstacle."""
    facts = account(contracts, tickets)
    facts["account"].update(status="active", closed_at=None)
    facts["balance"]["available"] = "0"
    facts["final_review"]["status"] = "approved"
    facts["support_tickets"][-1].update(type="close_account", status="open")
    return facts


def _peers(args: argparse.Namespace) -> tuple[Any, Any]:
    try:
        rete = load_policy(backend="rete")
    except Exception as exc:  # noqa: BLE001 - report and go on without it
        print(f"rete backend unavailable: {exc}")
        rete = None
    try:
        compared, skipped, differ = disagreements()
    except ImportError as exc:
        print(f"regorus unavailable ({exc}): pip install opa-eval")
        return rete, None
    if differ:
        raise SystemExit(f"regorus decides {len(differ)} YAML cases differently; fix benchmarks/rego first")
    print(f"regorus agrees with the engine on {compared} YAML cases ({skipped} need exact decimals)")
    return rete, evaluators()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--json", metavar="PATH", help="also write the tables as JSON here")
    parser.add_argument("--curve", default="1,10,100,1000,10000", help="contract counts of the scaling curve")
    args = parser.parse_args(argv)
    policy = load_policy()
    rete, rego = _peers(args)
    print(f"account: 20 contracts, 5 tickets; Python {sys.version.split()[0]}")
    print(f"{'query':14} {'document':16} {'compiled/s':>11} {'from text/s':>12} {'rete/s':>8} {'hand/s':>9} "
          f"{'regorus/s':>10} {'compiled÷regorus':>17} {'compiled time÷hand':>19}")
    rows = [_row(query, label, facts, hand, policy, rete, rego, args.seconds)
            for label, facts in (("five violations", account()), ("one violation", one_violation()))
            for query, hand in (("close_account", handwritten.close_account),
                                ("track_action", handwritten.track_action))]
    print("close_account, one violation, by number of contracts (5 tickets):")
    print(f"{'contracts':>9} {'compiled/s':>11} {'hand/s':>9} {'regorus/s':>10} {'compiled÷regorus':>17} "
          f"{'compiled time÷hand':>19}")
    curve = [_point(n, policy, rego, args.seconds) for n in map(int, args.curve.split(","))]
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"python": sys.version.split()[0], "rows": rows, "curve": curve},
                                              indent=2) + "\n", encoding="utf-8")
    print("facts validation (valid document):")
    for name, per_second in validators(copy.deepcopy(account()), args.seconds):
        print(f"  {name:58} {per_second:10,.0f}/s")
    return 0


def _same(hand: Any, facts: dict[str, Any], decision: Any) -> dict[str, str]:
    """The policy's name and revision, once the hand-written function is seen to answer exactly as the engine."""
    info = dict(decision.policy)
    expected = decision.to_dict()
    if hand(facts, info) != expected:
        raise SystemExit(f"benchmarks/handwritten.py answers {decision.query} differently from the engine")
    return info


def _row(query: str, label: str, facts: dict[str, Any], hand: Any, policy: Any, rete: Any, rego: Any,
         seconds: float) -> dict[str, Any]:
    decision = policy.decide(query, facts)
    info = _same(hand, facts, decision)
    text = json.dumps(facts).encode()
    contenders = {"compiled": lambda: policy.decide(query, facts),
                  "compiled_from_text": lambda: policy.decide(query, parse(text)[0]),
                  "hand_written": lambda: hand(facts, info)}
    if rete is not None:
        assert rete.decide(query, facts) == decision, query
        contenders["rete"] = lambda: rete.decide(query, facts)
    if rego is not None:
        contenders["regorus"] = _regorus(rego[query], facts, decision)
    row: dict[str, Any] = {"query": query, "document": label, "violations": len(decision.violations),
                           "rete": None, "regorus": None, **rates(contenders, seconds * len(contenders))}
    ratio = f"{row['compiled'] / row['regorus']:.2f}" if row["regorus"] else "-"
    print(f"{query:14} {label:16} {row['compiled']:11,.0f} {row['compiled_from_text']:12,.0f} {row['rete'] or 0:8,.0f} "
          f"{row['hand_written']:9,.0f} {row['regorus'] or 0:10,.0f} {ratio:>17} "
          f"{row['hand_written'] / row['compiled']:19.2f}")
    return row


def _regorus(rego: Any, facts: dict[str, Any], decision: Any) -> Any:
    """Regorus's evaluation of ``facts`` (as JSON text, prepared once), once seen to agree with the engine."""
    text = json.dumps(facts)
    answer = rego.evaluate_parsed(text)
    assert (answer["outcome"], answer["violations"]) == (decision.outcome, decision.rule_ids), decision.query
    return lambda: rego.evaluate_parsed(text)


def _point(contracts: int, policy: Any, rego: Any, seconds: float) -> dict[str, Any]:
    facts = one_violation(contracts)
    decision = policy.decide("close_account", facts)
    info = _same(handwritten.close_account, facts, decision)
    contenders = {"compiled": lambda: policy.decide("close_account", facts),
                  "hand_written": lambda: handwritten.close_account(facts, info)}
    if rego is not None:
        contenders["regorus"] = _regorus(rego["close_account"], facts, decision)
    point = {"contracts": contracts, "regorus": None, **rates(contenders, seconds * len(contenders))}
    ratio = f"{point['compiled'] / point['regorus']:.2f}" if point["regorus"] else "-"
    print(f"{contracts:9,} {point['compiled']:11,.0f} {point['hand_written']:9,.0f} {point['regorus'] or 0:10,.0f} "
          f"{ratio:>17} {point['hand_written'] / point['compiled']:19.2f}")
    return point


if __name__ == "__main__":
    sys.exit(main())
