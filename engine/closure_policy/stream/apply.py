"""What each change event does to an account's facts.

Every function returns new facts and leaves the given ones untouched, copying
only the section it changes, so a change the facts' validation then refuses
costs nothing to drop.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

Facts = dict[str, Any]


class ApplyError(ValueError):
    """The event does not fit the account's facts (an unknown contract, say)."""


def _replace(facts: Facts, section: str, value: Any) -> Facts:
    return {**facts, section: value}


def snapshot(payload: dict[str, Any]) -> Facts:
    return dict(payload["facts"])


def contract_expired(facts: Facts, payload: dict[str, Any]) -> Facts:
    wanted = payload["contract_id"]
    if not any(c.get("id") == wanted for c in facts["contracts"]):
        raise ApplyError(f"account has no contract {wanted!r}")
    return _replace(facts, "contracts", [{**c, "status": "expired"} if c.get("id") == wanted else c
                                         for c in facts["contracts"]])


def balance_updated(facts: Facts, payload: dict[str, Any]) -> Facts:
    return _replace(facts, "balance", {**facts["balance"], **payload["balance"]})


def ticket_opened(facts: Facts, payload: dict[str, Any]) -> Facts:
    return _replace(facts, "support_tickets", [*facts["support_tickets"], payload["ticket"]])


def ticket_updated(facts: Facts, payload: dict[str, Any]) -> Facts:
    wanted = payload["ticket_id"]
    if not any(t.get("id") == wanted for t in facts["support_tickets"]):
        raise ApplyError(f"account has no support ticket {wanted!r}")
    return _replace(facts, "support_tickets", [{**t, **payload["changes"]} if t.get("id") == wanted else t
                                               for t in facts["support_tickets"]])


def review_updated(facts: Facts, payload: dict[str, Any]) -> Facts:
    return _replace(facts, "final_review", {**facts["final_review"], "status": payload["status"]})


def account_closed(facts: Facts, payload: dict[str, Any]) -> Facts:
    """The account as closing leaves it; its effects are applied by the caller."""
    return _replace(facts, "account", {**facts["account"], "status": "closed", "closed_at": payload["closed_at"]})


def apply_effects(facts: Facts, effects: Sequence[Mapping[str, Any]]) -> Facts:
    """Carry out closure_effects: contracts expired, links disabled."""
    expire = {e["contract_id"] for e in effects if e.get("type") == "expire_contract"}
    disable = {e["link_id"] for e in effects if e.get("type") == "disable_link"}
    return {**facts,
            "contracts": [{**c, "status": "expired"} if c.get("id") in expire else c for c in facts["contracts"]],
            "links": [{**link, "status": "disabled"} if link.get("id") in disable else link
                      for link in facts["links"]]}


CHANGES: dict[str, Callable[[Facts, dict[str, Any]], Facts]] = {
    "contract.expired": contract_expired,
    "balance.updated": balance_updated,
    "ticket.opened": ticket_opened,
    "ticket.updated": ticket_updated,
    "review.updated": review_updated,
}
