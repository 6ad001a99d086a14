"""Hostile inputs, against a small policy of the tests' own (``rules/`` here)."""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from closure_policy import Policy, load_policy

RULES = Path(__file__).resolve().parent / "rules"

# Every rule of the fixture policy holds: the gate allows.
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


@pytest.fixture(scope="session")
def gates() -> tuple[Policy, Policy]:
    pytest.importorskip("durable_rules_engine", reason="the rete extra is part of the test install")
    return load_policy(RULES), load_policy(RULES, backend="rete")


def cli(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """The real command, as a caller runs it: bytes in, bytes out."""
    return subprocess.run([sys.executable, "-m", "closure_policy.cli.main", *args], input=stdin,
                          capture_output=True, timeout=timeout, env=env, check=False)
