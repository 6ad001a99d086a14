"""The same policy written by hand in Python, with the same input checks.

The benchmark's yardstick: what a careful developer would write without an
engine. It must agree with the engine on every input the benchmark uses.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

_MONEY = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_TS = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SECTIONS = {"as_of", "account", "contracts", "balance", "support_tickets", "final_review", "links", "users",
             "action", "click", "request"}


class Invalid(ValueError):
    pass


def _obj(value: Any, where: str, required: set[str], allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise Invalid(where)
    if not required <= value.keys() or not value.keys() <= allowed:
        raise Invalid(where)
    return value


def _enum(value: Any, where: str, options: set[str]) -> str:
    if value not in options:
        raise Invalid(where)
    return value


def _id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(where)
    return value


def _money(value: Any, where: str) -> Decimal:
    if isinstance(value, bool):
        raise Invalid(where)
    if isinstance(value, str):
        if not _MONEY.match(value):
            raise Invalid(where)
        return Decimal(value)
    if isinstance(value, (int, Decimal)) and value >= 0:
        return Decimal(value)
    if isinstance(value, float) and value >= 0:
        return Decimal(repr(value))
    raise Invalid(where)


def _ts(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not _TS.match(value):
        raise Invalid(where)
    return datetime.fromisoformat(value.upper())


def check(f: Any) -> dict:
    _obj(f, "", {"account", "contracts", "balance", "support_tickets", "final_review", "links", "users"}, _SECTIONS)
    if "as_of" in f:
        _ts(f["as_of"], "/as_of")
    a = _obj(f["account"], "/account", {"id", "kind", "status"}, {"id", "kind", "status", "closed_at", "timezone"})
    _id(a["id"], "/account/id")
    _enum(a["kind"], "/account/kind", {"partner", "member"})
    _enum(a["status"], "/account/status", {"active", "closed"})
    closed_at = _ts(a["closed_at"], "/account/closed_at") if a.get("closed_at") is not None else None
    if a["status"] == "closed" and closed_at is None:
        raise Invalid("/account/closed_at")
    zone = ZoneInfo(a.get("timezone", "UTC"))
    for i, c in enumerate(f["contracts"]):
        _obj(c, f"/contracts/{i}", {"id", "status"}, {"id", "brand", "status"})
        _id(c["id"], f"/contracts/{i}/id")
        _enum(c["status"], f"/contracts/{i}/status", {"active", "expired"})
    fields = {"currency", "available", "pending", "overdue", "auto_withdrawal_threshold", "manual_payout_fee"}
    b = _obj(f["balance"], "/balance", fields, fields)
    if not isinstance(b["currency"], str) or not _CURRENCY.match(b["currency"]):
        raise Invalid("/balance/currency")
    money = {k: _money(v, f"/balance/{k}") for k, v in b.items() if k != "currency"}
    for i, t in enumerate(f["support_tickets"]):
        _obj(t, f"/support_tickets/{i}", {"id", "type", "status", "account_ids"},
             {"id", "type", "status", "account_ids", "forfeit_balance"})
        _enum(t["type"], f"/support_tickets/{i}/type", {"close_account", "manual_payout"})
        _enum(t["status"], f"/support_tickets/{i}/status", {"open", "in_progress", "resolved", "cancelled"})
        for j, x in enumerate(t["account_ids"]):
            _id(x, f"/support_tickets/{i}/account_ids/{j}")
    _enum(_obj(f["final_review"], "/final_review", {"status"}, {"status"})["status"], "/final_review/status",
          {"not_started", "in_progress", "approved", "rejected"})
    for i, link in enumerate(f["links"]):
        _enum(_obj(link, f"/links/{i}", {"id", "status"}, {"id", "status"})["status"], "", {"active", "disabled"})
    for i, u in enumerate(f["users"]):
        _enum(_obj(u, f"/users/{i}", {"id", "role"}, {"id", "role"})["role"], "", {"admin", "member"})
    action = None
    if "action" in f:
        _obj(f["action"], "/action", {"id", "occurred_at"}, {"id", "occurred_at"})
        action = _ts(f["action"]["occurred_at"], "/action/occurred_at")
    return {"closed_at": closed_at, "zone": zone, "money": money, "action_at": action}


def close_account(f: dict) -> tuple[str, list[str]]:
    n = check(f)
    m, acc = n["money"], f["account"]
    fired = []
    if acc["status"] == "closed":
        fired.append("closure.not-already-closed")
    if any(c["status"] == "active" for c in f["contracts"]):
        fired.append("contracts.all-expired")
    if m["overdue"] > 0:
        fired.append("funds.no-overdue")
    if m["pending"] > 0:
        fired.append("funds.no-pending")
    if m["available"] > 0 and m["available"] >= m["auto_withdrawal_threshold"]:
        fired.append("funds.available-paid-out")
    counting = [t for t in f["support_tickets"] if t["type"] == "close_account"
                and t["status"] in ("open", "in_progress") and acc["id"] in t["account_ids"]]
    if 0 < m["available"] < m["auto_withdrawal_threshold"] and not any(t.get("forfeit_balance") for t in counting):
        fired.append("funds.small-balance-resolved")
    if not counting:
        fired.append("ticket.closure-requested")
    if f["final_review"]["status"] != "approved":
        fired.append("review.final-review-approved")
    return ("deny" if fired else "allow"), fired


def track_action(f: dict) -> tuple[str, list[str]]:
    n = check(f)
    if n["action_at"] is None:
        raise Invalid("/action")
    if f["account"]["status"] == "closed" and \
            n["action_at"].astimezone(n["zone"]).date() >= n["closed_at"].astimezone(n["zone"]).date():
        return "reject", ["actions.reject-after-closure"]
    return "accept", []
