"""The same policy written by hand in Python: the floor the engine is measured against.

What a careful programmer would write for speed, with the engine's guarantees
and the engine's output: the same JSON Schema check (jsonschema-rs), then by
hand what no schema can say (real dates, known time zones, ids unique in each
list, amounts given as numbers, lone surrogates), plain dict access, ``Decimal``
only for the amounts compared, one pass over each list, and the very decision
``Decision.to_dict()`` gives in English. Texts that are pure data (titles,
sources, fixed remediations) are read from the rule files once at import, as a
programmer would keep them in a table; every rule and message is written out
here. ``bench_decide.py`` checks that it answers exactly as the engine does.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema_rs
import yaml

from closure_policy.resources import rules_dir, schema

_VALID = jsonschema_rs.validator_for(schema("facts")).is_valid
_LISTS = ("contracts", "support_tickets", "links", "users")
_OPEN = ("open", "in_progress")


class Invalid(ValueError):
    pass


def _texts() -> dict[str, tuple[str, dict[str, str], int | None, list[str]]]:
    """rule id -> (title, source, step, remediation texts) in English, from the rule files."""
    table = {}
    for path in sorted(Path(rules_dir()).glob("*.yaml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", []):
            table[rule["id"]] = (rule["title"]["en"], rule["source"], rule.get("step"),
                                 [r["en"] for r in rule.get("remediation", [])])
    return table


_TEXT = _texts()


@lru_cache(maxsize=None)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        raise Invalid("/account/timezone") from None


def _ts(value: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(where) from None
    if not 1 < moment.year < 9999:
        raise Invalid(where)
    return moment


def _money(value: Any, where: str) -> Decimal:
    if type(value) is str:
        if len(value) > 38:
            raise Invalid(where)
        return Decimal(value)
    if isinstance(value, (int, Decimal)) and value < 10 ** 38:
        return Decimal(value)
    raise Invalid(where)


def check(f: Any) -> None:
    """The engine's input checks, by hand after the schema's."""
    if not _VALID(f):
        raise Invalid("")
    texts = [f["account"]["id"]]
    for name in _LISTS:
        ids = [item["id"] for item in f[name]]
        if len(set(ids)) != len(ids):
            raise Invalid(f"/{name}")
        texts += ids
    texts += [c.get("brand", "") for c in f["contracts"]]
    texts += [i for t in f["support_tickets"] for i in t["account_ids"]]
    for section, keys in (("action", ("id",)), ("click", ("link_id",)), ("request", ("actor_id", "user_id"))):
        if section in f:
            texts += [f[section][k] for k in keys]
    joined = "".join(texts)
    if not joined.isascii():
        joined.encode("utf-8")  # a lone surrogate raises
    for key, value in f["balance"].items():
        if key != "currency" and type(value) is not str:
            _money(value, f"/balance/{key}")
    _zone(f["account"].get("timezone", "UTC"))
    for section, key in (("account", "closed_at"), ("action", "occurred_at"), ("click", "clicked_at")):
        if f.get(section, {}).get(key) is not None:
            _ts(f[section][key], f"/{section}/{key}")
    if "as_of" in f:
        _ts(f["as_of"], "/as_of")


def _violation(rule: str, message: str, details: dict[str, Any], remediation: list[str] | None = None) -> dict:
    title, source, step, fixed = _TEXT[rule]
    return {"rule": rule, "step": step, "title": title, "message": message,
            "remediation": fixed if remediation is None else remediation, "details": details, "source": source}


def _decision(query: str, f: dict, outcome: str, violations: list[dict], policy: dict) -> dict:
    return {"query": query, "account_id": f["account"]["id"], "outcome": outcome, "violations": violations,
            "effects": [], "response": None, "track": None, "policy": policy, "lang": "en"}


def close_account(f: dict, policy: dict) -> dict:
    check(f)
    acc, b = f["account"], f["balance"]
    account_id, currency = acc["id"], b["currency"]
    found = []
    if acc["status"] == "closed":
        closed_at = _ts(acc["closed_at"], "/account/closed_at").isoformat() if acc.get("closed_at") else None
        found.append(_violation("closure.not-already-closed",
                                f"Account {account_id} was already closed at {closed_at or '—'}.",
                                {"closed_at": closed_at}))
    active = [c["id"] for c in f["contracts"] if c["status"] == "active"]
    if active:  # a contract is active or expired: "not every expired" is "some active"
        listed = ", ".join(active)
        fixed = _TEXT["contracts.all-expired"][3]
        found.append(_violation("contracts.all-expired", f"Contracts still active: {listed}.",
                                {"active_contracts": active},
                                [fixed[0], f"In the Signed contracts section, expire each of {listed} with "
                                           "View → Actions → Expire."]))
    available, threshold = Decimal(b["available"]), Decimal(b["auto_withdrawal_threshold"])
    a, t = format(available, "f"), format(threshold, "f")
    if available > 0 and available >= threshold:
        found.append(_violation("funds.available-paid-out",
                                f"{a} {currency} is available, at or above the automatic-withdrawal threshold "
                                f"of {t} {currency}.", {"available": a, "threshold": t, "currency": currency}))
    overdue = Decimal(b["overdue"])
    if overdue > 0:
        o = format(overdue, "f")
        found.append(_violation("funds.no-overdue", f"{o} {currency} of earnings are overdue.",
                                {"overdue": o, "currency": currency}))
    pending = Decimal(b["pending"])
    if pending > 0:
        p = format(pending, "f")
        found.append(_violation("funds.no-pending", f"{p} {currency} will still become available.",
                                {"pending": p, "currency": currency}))
    counting = [t for t in f["support_tickets"]
                if t["type"] == "close_account" and t["status"] in _OPEN and account_id in t["account_ids"]]
    if 0 < available < threshold and not any(t.get("forfeit_balance", False) for t in counting):
        fee = Decimal(b["manual_payout_fee"])
        e = format(fee, "f")
        remedies = [f"Request a manual payout: open a support ticket to withdraw {a} {currency} (the {e} "
                    f"{currency} processing fee is covered)."] if available > fee else []
        found.append(_violation("funds.small-balance-resolved",
                                f"{a} {currency} is available, below the automatic-withdrawal threshold of {t} "
                                f"{currency}, and no closure ticket forfeits it.",
                                {"available": a, "threshold": t, "fee": e, "currency": currency},
                                remedies + _TEXT["funds.small-balance-resolved"][3][1:]))
    if not counting:
        found.append(_violation("ticket.closure-requested",
                                f"No open support ticket requests the closure of account {account_id}.", {}))
    review = f["final_review"]["status"]
    if review != "approved":
        found.append(_violation("review.final-review-approved", f"The final review is {review}, not approved.",
                                {"review_status": review}))
    return _decision("close_account", f, "deny" if found else "allow", found, policy)


def track_action(f: dict, policy: dict) -> dict:
    check(f)
    acc = f["account"]
    found = []
    if acc["status"] == "closed" and acc.get("closed_at") and "action" in f:
        zone_name = acc.get("timezone", "UTC")
        zone = _zone(zone_name)
        closed = _ts(acc["closed_at"], "/account/closed_at")
        acted = _ts(f["action"]["occurred_at"], "/action/occurred_at")
        if acted.astimezone(zone).date() >= closed.astimezone(zone).date():
            found.append(_violation(
                "actions.reject-after-closure",
                f"Action {f['action']['id']} falls on or after the closure date of account {acc['id']} "
                f"(closed at {closed.isoformat()}, {zone_name}).",
                {"action_id": f["action"]["id"], "closed_at": closed.isoformat(), "timezone": zone_name}))
    return _decision("track_action", f, "reject" if found else "accept", found, policy)


def resolve_link(f: dict, policy: dict) -> dict:
    check(f)
    acc, click = f["account"], f["click"]
    link, found, outcome = click["link_id"], [], "redirect"
    clicked = _ts(click["clicked_at"], "/click/clicked_at")
    if acc["status"] == "closed" and acc.get("closed_at"):
        closed = _ts(acc["closed_at"], "/account/closed_at")
        if clicked >= closed:
            found.append(_violation(
                "links.dead-after-closure",
                f"Link {link} belongs to account {acc['id']}, closed at {closed.isoformat()}; the click is neither "
                "tracked nor accounted.", {"link_id": link, "closed_at": closed.isoformat()}))
            outcome = "link_expired" if any(item["id"] == link for item in f["links"]) else "invalid_page"
    decision = _decision("resolve_link", f, outcome, found, policy)
    decision["response"] = {"type": "redirect", "link_id": link} if outcome == "redirect" else \
        {"type": "error", "error": outcome, "link_id": link}
    decision["track"] = outcome == "redirect"
    return decision


def closure_effects(f: dict, policy: dict) -> dict:
    check(f)
    effects: list[dict[str, Any]] = []
    if f["account"]["status"] == "active":
        effects += [{"type": "expire_contract", "contract_id": c["id"], "reason": "account_closed"}
                    for c in f["contracts"] if c["status"] == "active"]
        effects += [{"type": "disable_link", "link_id": item["id"]} for item in f["links"]
                    if item["status"] != "disabled"]
        effects.append({"type": "close_account", "irreversible": True, "data_recoverable": False})
    decision = _decision("closure_effects", f, "effects", [], policy)
    decision["effects"] = effects
    return decision


def reactivate_account(f: dict, policy: dict) -> dict:
    check(f)
    acc, found = f["account"], []
    if acc["status"] == "closed":
        closed_at = _ts(acc["closed_at"], "/account/closed_at").isoformat() if acc.get("closed_at") else None
        found.append(_violation("closure.irreversible", f"Account {acc['id']} was closed at {closed_at}; closing is "
                                "irreversible and no data can be recovered.", {"closed_at": closed_at}))
    return _decision("reactivate_account", f, "deny" if found else "not_applicable", found, policy)
