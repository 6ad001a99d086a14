"""Stream lines an attacker may send: each bad line reported and skipped, the stream goes on.

Over the fixture policy's own stream (``tests/fixture_rules/stream.yaml``).
"""
from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest

from closure_policy import limits, load_policy
from closure_policy.jsondoc import lines
from closure_policy.stream import StreamError
from closure_policy.stream.store import StateLimit
from tests.conftest import BASE, FIXTURE_RULES
from tests.hostile.conftest import cli

pytest.importorskip("durable_rules_engine", reason="the stream's lifecycle runs on durable_rules")

ODD_IDS = ['P-"quoted"', "P-back\\slash", "P-new\nline", "P-\ttab", "P-\x1b[2Kesc", "P-\x01", "P-\x00nul",
           "P-\u202eevil", "账户-1"]


def _event(kind: str, payload: dict[str, Any], account: str) -> bytes:
    return json.dumps({"account_id": account, "type": kind, "payload": payload}).encode() + b"\n"


def _facts(account: str, **sections: Any) -> dict[str, Any]:
    facts = {**copy.deepcopy(BASE), **sections}
    facts["account"]["id"] = account
    return facts


def _snapshot(account: str, **sections: Any) -> bytes:
    return _event("account.snapshot", {"facts": _facts(account, **sections)}, account)


def _stream(body: bytes, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    done = cli("stream", "--rules", str(FIXTURE_RULES), *extra, stdin=body, timeout=120)
    return done.returncode, [json.loads(x) for x in done.stdout.splitlines()], done.stderr.decode()


@pytest.mark.parametrize("backend", ["compiled", "rete"])  # rete: durable_rules sessions, evicted past 128
def test_odd_account_ids_close_and_are_evicted_without_ending_the_stream(backend):
    body = b"".join(_snapshot(a) for a in ODD_IDS)
    body += b"".join(_snapshot(f"P-fill-{n}") for n in range(limits.LIVE_LIFECYCLE_SESSIONS + 5))  # evicts them
    body += b"".join(_event("account.closed", {"closed_at": "2026-11-26T09:30:00Z"}, a) for a in ODD_IDS)
    body += b"".join(_event("link.clicked", {"click": {"link_id": "L-1", "clicked_at": "2026-11-27T00:00:00Z"}}, a)
                     for a in ODD_IDS)
    code, out, err = _stream(body, "--backend", backend)
    assert (code, err) == (0, "")
    closed = [o for o in out if o["state"] == "closed"]
    assert [o["decision"]["account_id"] for o in closed[-len(ODD_IDS):]] == ODD_IDS


@pytest.mark.parametrize("bad,reason", [
    (b'{"account_id": "P-1", "type": "account.snapshot", "payload": {"n": ' + b"1" * 5000 + b"}}\n", b"5,000 digits"),
    (b"[" * 100_000 + b"]" * 100_000 + b"\n", b"nested more than"),
    (b'{"account_id": "P-\\ud800", "type": "account.snapshot", "payload": {}}\n', b"lone surrogate"),
    (b'{"account_id": "P-1", "account_id": "P-2", "type": "account.snapshot", "payload": {}}\n', b"duplicate key"),
    (_event("balance.updated", {"balance": {"available": "1"}}, "P-1").replace(b'"1"', b"NaN"), b"NaN"),
    (b'{"account_id": "P-\xff", "type": "x", "payload": {}}\n', b"not UTF-8"),
    (_event("balance.updated", {"balance": {"pending": "X"}}, "P-1").replace(b'"X"', b"1e999999"), b"too large"),
    (_snapshot("P-1", users=[{"id": "U-1", "role": "admin"}, {"id": "U-1", "role": "member"}]), b"/users/1/id"),
])
@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_a_bad_line_is_reported_with_its_number_and_the_stream_goes_on(backend, bad, reason):
    body = _snapshot("P-1") + bad + _event("balance.updated", {"balance": {"pending": "5"}}, "P-1")
    code, out, err = _stream(body, "--backend", backend)
    assert code == 2 and "line 2" in err and reason.decode() in err and "Traceback" not in err
    assert [o["line"] for o in out] == [1, 3]  # the line after the bad one was decided
    assert err.count("\n") <= 3


def test_a_broken_snapshot_of_a_closed_account_is_reported():
    body = _snapshot("P-1") + _event("account.closed", {"closed_at": "2026-11-26T09:30:00Z"}, "P-1")
    broken = _facts("P-1")
    broken["balance"]["available"] = "-5"
    body += _event("account.snapshot", {"facts": broken}, "P-1")
    code, out, err = _stream(body)
    assert code == 2 and "line 3" in err and "/balance/available" in err


def test_an_overlong_line_is_drained_and_reported(monkeypatch):
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", 64)
    given = io.BytesIO(b"x" * 1000 + b"\n" + b'{"short": 1}\n')
    assert list(lines(given)) == [None, b'{"short": 1}\n']


def test_account_state_is_compact_and_bounded(monkeypatch, new_stream):
    processor = new_stream(load_policy(FIXTURE_RULES))
    processor.feed(_snapshot("P-1"), 1)
    assert 0 < processor.store.stored_bytes("P-1") < 400  # a typical account, compressed
    assert processor.facts_of("P-1") == _facts("P-1")
    monkeypatch.setattr(limits, "MAX_ACCOUNT_STATE_BYTES", 100)
    many = [{"id": f"L-{n}", "status": "active"} for n in range(200)]
    with pytest.raises(StreamError, match="account state of"):
        processor.feed(_snapshot("P-2", links=many), 2)
    assert processor.facts_of("P-2") is None
    monkeypatch.setattr(limits, "MAX_STREAM_ACCOUNTS", 1)
    with pytest.raises(StateLimit):
        processor.store.put("P-3", {})
