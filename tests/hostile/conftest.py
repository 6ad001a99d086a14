"""Hostile inputs, against a small policy of the tests' own (``rules/`` here)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from closure_policy import Policy, load_policy
from tests.conftest import BASE, document

__all__ = ["BASE", "RULES", "cli", "document", "gates"]

RULES = Path(__file__).resolve().parent / "rules"


@pytest.fixture(scope="session")
def gates() -> tuple[Policy, Policy]:
    pytest.importorskip("durable_rules_engine", reason="the rete extra is part of the test install")
    return load_policy(RULES), load_policy(RULES, backend="rete")


def cli(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """The real command, as a caller runs it: bytes in, bytes out."""
    return subprocess.run([sys.executable, "-m", "closure_policy.cli.main", *args], input=stdin,
                          capture_output=True, timeout=timeout, env=env, check=False)
