from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from closure_policy import Policy, load_policy

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["pytester"]

# Engine tests decide over a small policy of the tests' own (``tests/fixture_rules``:
# queries ``gate`` and ``route``, in en and zh), so that a change to the bundled
# rules, with its YAML cases, never breaks them.
FIXTURE_RULES = ROOT / "tests/fixture_rules"

# Facts over which every rule of the fixture policy holds: ``gate`` allows, ``route`` goes.
BASE: dict[str, Any] = {
    "as_of": "2026-11-26T10:00:00+08:00",
    "account": {"id": "P-1", "kind": "partner", "status": "active", "timezone": "Asia/Shanghai"},
    "contracts": [{"id": "C-1", "status": "expired"}],
    "balance": {"currency": "USD", "available": "10", "pending": "0", "overdue": "0",
                "auto_withdrawal_threshold": "50.00", "manual_payout_fee": "2.50"},
    "support_tickets": [],
    "final_review": {"status": "approved"},
    "links": [{"id": "L-1", "status": "active"}],
    "users": [{"id": "U-1", "role": "admin"}, {"id": "U-2", "role": "member"}],
    "action": {"id": "A-1", "occurred_at": "2026-11-26T09:00:00Z"},
    "click": {"link_id": "L-1", "clicked_at": "2026-11-26T09:00:00Z"},
    "request": {"actor_id": "U-1", "user_id": "U-2"},
}


def document(**sections: Any) -> dict[str, Any]:
    """BASE with sections merged in (one level deep)."""
    result = copy.deepcopy(BASE)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key].update(value)
        else:
            result[key] = value
    return result


def copy_policy(source: Path, target: Path) -> Path:
    """A copy of the rule folder ``source`` at ``target``, with its facts schema where its policy names it."""
    import shutil

    shutil.copytree(source, target)
    named = load_policy(source).compilation.ruleset.facts_schema
    schema = target / named
    if not schema.exists():  # a schema outside the folder: put it at the same place relative to the copy
        schema.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / named, schema)
    return target


def changed_rules(folder: Path, file: str | None = None, old: str = "", new: str = "") -> Path:
    """A copy of the fixture rules in ``folder``/rules, with ``old`` (there exactly once) replaced in ``file``."""
    import shutil

    rules = folder / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    if file is not None:
        path = rules / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not in {file} exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return rules


@pytest.fixture(scope="session")
def fixture_policy() -> Policy:
    return load_policy(FIXTURE_RULES)


@pytest.fixture(params=["generated", "interpreted"])
def new_stream(request: pytest.FixtureRequest) -> Any:
    """A stream as ``closure-policy stream`` runs it (its generated handlers), then as its reference interpreter
    runs it (``--interpret``): a stream test holds for both."""
    from closure_policy.stream import stream_processor

    return lambda policy, **given: stream_processor(policy, interpret=request.param == "interpreted", **given)

# An account that may be closed: every rule of close_account passes.
READY: dict[str, Any] = {
    "as_of": "2026-11-26T10:00:00+08:00",
    "account": {"id": "P-1001", "kind": "partner", "status": "active", "closed_at": None,
                "timezone": "Asia/Shanghai"},
    "contracts": [{"id": "C-1", "brand": "Acme", "status": "expired"},
                  {"id": "C-2", "brand": "Globex", "status": "expired"}],
    "balance": {"currency": "USD", "available": "0", "pending": "0", "overdue": "0",
                "auto_withdrawal_threshold": "50.00", "manual_payout_fee": "2.50"},
    "support_tickets": [{"id": "T-9", "type": "close_account", "status": "open",
                         "account_ids": ["P-1001", "M-7"]}],
    "final_review": {"status": "approved"},
    "links": [{"id": "L-1", "status": "active"}, {"id": "L-2", "status": "disabled"}],
    "users": [{"id": "U-1", "role": "admin"}, {"id": "U-2", "role": "member"}],
    "action": {"id": "A-1", "occurred_at": "2026-11-26T09:00:00Z"},
    "click": {"link_id": "L-1", "clicked_at": "2026-11-26T09:00:00Z"},
    "request": {"actor_id": "U-1", "user_id": "U-2"},
}

def facts(**sections: Any) -> dict[str, Any]:
    """The ready account with whole sections replaced, or ``account__status`` style fields."""
    result = copy.deepcopy(READY)
    for key, value in sections.items():
        if "__" in key:
            section, field = key.split("__", 1)
            result[section][field] = value
        else:
            result[key] = value
    return result


def closed(closed_at: str = "2026-11-26T15:30:00Z", timezone: str = "Asia/Shanghai", **more: Any) -> dict[str, Any]:
    f = facts(**more)
    f["account"].update(status="closed", closed_at=closed_at, timezone=timezone)
    return f


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


__all__ = ["BASE", "FIXTURE_RULES", "READY", "closed", "document", "facts", "Decimal"]
