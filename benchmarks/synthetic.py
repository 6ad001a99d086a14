"""Synthetic event streams: many accounts, interleaved, through their whole lifecycle.

For tests and benchmarks (``python benchmarks/synthetic.py``):
deterministic for a seed, and boundary-rich (balances at the threshold and the
fee, actions around midnight in the account's zone, tickets for other
accounts), with a few malformed lines when asked.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

ZONES = ["UTC", "Asia/Shanghai", "America/New_York", "Asia/Kathmandu"]
START = datetime(2026, 11, 20, tzinfo=timezone.utc)


def snapshot(rng: random.Random, account: str) -> dict[str, Any]:
    return {
        "account": {"id": account, "kind": rng.choice(["partner", "member"]), "status": "active",
                    "timezone": rng.choice(ZONES)},
        "contracts": [{"id": f"C-{i}", "brand": "Acme", "status": rng.choice(["active", "expired"])}
                      for i in range(rng.randint(0, 4))],
        "balance": {"currency": "USD", "available": rng.choice(["0", "2.50", "12.40", "50.00", "75"]),
                    "pending": rng.choice(["0", "0", "3.10"]), "overdue": "0",
                    "auto_withdrawal_threshold": "50.00", "manual_payout_fee": "2.50"},
        "support_tickets": [],
        "final_review": {"status": "not_started"},
        "links": [{"id": f"L-{i}", "status": "active"} for i in range(rng.randint(0, 3))],
        "users": [{"id": "U-1", "role": "admin"}],
    }


class _Account:
    def __init__(self, rng: random.Random, account_id: str):
        self.rng, self.id, self.clock = rng, account_id, START + timedelta(minutes=rng.randint(0, 10_000))
        self.snapshot = snapshot(rng, account_id)
        self.tickets = 0
        self.closed = False

    def tick(self) -> str:
        self.clock += timedelta(minutes=self.rng.choice([1, 7, 60, 600]), seconds=self.rng.randint(0, 59))
        return self.clock.isoformat()

    def next(self) -> tuple[str, dict[str, Any]]:
        rng = self.rng
        if self.closed:
            return rng.choice([
                ("action.received", {"action": {"id": f"A-{rng.randint(1, 10**6)}", "occurred_at": self.tick()}}),
                ("link.clicked", {"click": {"link_id": f"L-{rng.randint(0, 3)}", "clicked_at": self.tick()}}),
                ("account.snapshot", {"facts": self.snapshot}),  # an attempt to reopen
            ])
        choice = rng.random()
        contracts = self.snapshot["contracts"]
        if choice < 0.15 and contracts:
            return "contract.expired", {"contract_id": rng.choice(contracts)["id"]}
        if choice < 0.30:
            return "balance.updated", {"balance": {"available": rng.choice(["0", "2.50", "2.51", "49.99", "50.00"])}}
        if choice < 0.42:
            self.tickets += 1
            return "ticket.opened", {"ticket": {
                "id": f"T-{self.tickets}", "type": rng.choice(["close_account", "manual_payout"]),
                "status": "open", "account_ids": rng.choice([[self.id], ["M-7", self.id], ["P-other"]]),
                "forfeit_balance": rng.random() < 0.5}}
        if choice < 0.50 and self.tickets:
            return "ticket.updated", {"ticket_id": f"T-{rng.randint(1, self.tickets)}",
                                      "changes": {"status": rng.choice(["in_progress", "resolved", "cancelled"])}}
        if choice < 0.62:
            return "review.updated", {"status": rng.choice(["in_progress", "approved", "rejected"])}
        if choice < 0.80:
            return "action.received", {"action": {"id": f"A-{rng.randint(1, 10**6)}", "occurred_at": self.tick()}}
        if choice < 0.95:
            return "link.clicked", {"click": {"link_id": f"L-{rng.randint(0, 3)}", "clicked_at": self.tick()}}
        self.closed = True
        return "account.closed", {"closed_at": self.tick()}


def events(count: int, accounts: int, seed: int = 7, malformed: float = 0.0) -> Iterator[str]:
    """``count`` JSON lines over ``accounts`` accounts, interleaved."""
    rng = random.Random(seed)
    live: dict[str, _Account] = {}
    made = 0
    while made < count:
        if rng.random() < malformed:
            yield rng.choice(['{"account_id": "P-1", "type": "nope", "payload": {}}', "{broken json", "[]"])
            made += 1
            continue
        if len(live) < accounts and (not live or rng.random() < 0.2):
            account = _Account(rng, f"P-{len(live) + 1:06d}")
            live[account.id] = account
            kind, payload = "account.snapshot", {"facts": account.snapshot}
        else:
            account = live[rng.choice(list(live))] if len(live) < 64 else live[f"P-{rng.randint(1, len(live)):06d}"]
            kind, payload = account.next()
        yield json.dumps({"account_id": account.id, "type": kind, "payload": payload})
        made += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--malformed", type=float, default=0.0, help="share of malformed lines")
    args = parser.parse_args(argv)
    for line in events(args.events, args.accounts, args.seed, args.malformed):
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
