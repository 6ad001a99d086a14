"""Facts a caller or an attacker may send: every one an exact decision or exit 2, never a crash.

Each test here reproduces an input that once gave a wrong answer, a crash, a
hang or gigabytes of memory (issue 7).
"""
from __future__ import annotations

import json
import os
from typing import Any

import pytest

from closure_policy import InvalidFacts, Policy
from closure_policy.cli.main import main
from closure_policy.evaluate.rete.encode import text
from tests.hostile.conftest import RULES, cli, document


def _fired(gates: tuple[Policy, Policy], facts: dict[str, Any]) -> list[str]:
    """The rules that fire, asserting first that both backends agree."""
    compiled, rete = gates
    a, b = compiled.decide("gate", facts), rete.decide("gate", facts)
    assert (a.outcome, a.rule_ids) == (b.outcome, b.rule_ids)
    return a.rule_ids


def _refused(gates: tuple[Policy, Policy], facts: dict[str, Any]) -> list[str]:
    """The pointers both backends refuse the facts at."""
    pointers = []
    for policy in gates:
        with pytest.raises(InvalidFacts) as caught:
            policy.decide("gate", facts)
        pointers.append(caught.value.pointers)
    assert pointers[0] == pointers[1]
    return pointers[0]


# --- 1. strings are compared exactly on every backend ---------------------------

@pytest.mark.parametrize("actor,admin", [
    ("U\0X", "U\0A"), ("Ü\u0000", "Ü\u0001"), ("\"", "\\"), ("U" * 200 + "X", "U" * 200 + "A"),
    ("用户" * 100 + "甲", "用户" * 100 + "乙"),
])
def test_ids_that_differ_anywhere_are_different_ids(gates, actor, admin):
    facts = document(users=[{"id": admin, "role": "admin"}], request={"actor_id": actor, "user_id": admin})
    assert "gate.admin" in _fired(gates, facts)
    facts["request"]["actor_id"] = admin
    assert "gate.admin" not in _fired(gates, facts)


def test_strings_past_durable_rules_prefix_are_encoded_exactly():
    long = "U" * 65_535
    assert text(long + "X") != text(long + "A")
    assert text(long + "X") == text(long + "X")
    assert text("P-1001") == "P-1001" and text("~1:x").startswith("~")  # no plain string looks like a digest


def test_an_id_past_the_length_limit_is_refused(gates):
    facts = document(request={"actor_id": "U" * 65_535 + "X", "user_id": "U-2"})
    assert _refused(gates, facts) == ["/request/actor_id"]


# --- 2. standard input is read as strictly as a file ---------------------------

@pytest.mark.parametrize("encoding", [None, "utf-8", "latin-1"])
def test_invalid_utf8_on_stdin_is_refused(encoding):
    raw = json.dumps(document()).encode().replace(b'"P-1"', b'"P-\xff"')
    env = {**os.environ, **({"PYTHONIOENCODING": encoding} if encoding else {})}
    done = cli("eval", "-q", "gate", "--rules", str(RULES), "-f", "-", stdin=raw, env=env)
    assert done.returncode == 2, done.stderr
    assert done.stdout == b"" and b"not UTF-8: byte 0xff" in done.stderr


def test_a_file_and_stdin_give_the_same_answer(tmp_path):
    raw = json.dumps(document()).encode()
    (tmp_path / "f.json").write_bytes(raw)
    by_file = cli("eval", "-q", "gate", "--rules", str(RULES), "-f", str(tmp_path / "f.json"))
    by_stdin = cli("eval", "-q", "gate", "--rules", str(RULES), "-f", "-", stdin=raw)
    assert by_file.returncode == by_stdin.returncode == 0
    assert json.loads(by_file.stdout)["outcome"] == json.loads(by_stdin.stdout)["outcome"] == "allow"


# --- 3 and 5. instants: RFC 3339 offsets, exact fractions -----------------------

@pytest.mark.parametrize("stamp", ["2026-11-26T10:00:00+00:60", "2026-11-26T10:00:00-05:99",
                                   "2026-11-26T10:00:00+24:00", "2026-11-26T24:00:00Z", "2026-11-26T10:60:00Z",
                                   "2026-02-30T10:00:00Z", "2026-11-26T10:00:00.Z", "2026-11-26T10:00:00"])
def test_impossible_timestamps_are_refused(gates, stamp):
    assert _refused(gates, document(as_of=stamp)) == ["/as_of"]


@pytest.mark.parametrize("click,closed,fires", [
    ("2026-11-26T15:30:00.0000001Z", "2026-11-26T15:30:00.0000009Z", False),
    ("2026-11-26T15:30:00.0000009Z", "2026-11-26T15:30:00.0000009Z", True),
    ("2026-11-26T15:30:00.00000090Z", "2026-11-26T15:30:00.0000009Z", True),  # trailing zeros mean nothing
    ("2026-11-26T15:30:00.000000000000000001Z", "2026-11-26T15:30:00.000000000000000002Z", False),
    ("2026-11-26T23:30:00.0000009+08:00", "2026-11-26T15:30:00.0000009Z", True),  # one moment, two offsets
    ("2026-11-26T15:29:59.999999999999999999Z", "2026-11-26T15:30:00Z", False),
])
def test_instants_compare_exactly_beyond_the_microsecond(gates, click, closed, fires):
    facts = document(account={"status": "closed", "closed_at": closed},
                     click={"link_id": "L-1", "clicked_at": click})
    assert ("gate.click" in _fired(gates, facts)) is fires


@pytest.mark.parametrize("where", ["action", "account"])
@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+14:00",
                                   "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_instants_past_the_calendar_are_refused_not_crashed_on(gates, where, stamp):
    facts = document(account={"status": "closed", "closed_at": "2026-11-26T15:30:00Z"})
    if where == "action":
        facts["action"]["occurred_at"] = stamp
        assert _refused(gates, facts) == ["/action/occurred_at"]
    else:
        facts["account"]["closed_at"] = stamp
        assert _refused(gates, facts) == ["/account/closed_at"]


def test_the_ends_of_the_range_are_decided_in_every_zone(gates):
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"):
        early = document(account={"status": "closed", "closed_at": "0001-01-02T00:00:00Z", "timezone": zone},
                         action={"id": "A", "occurred_at": "9999-12-30T23:59:59Z"})
        assert "gate.day" in _fired(gates, early)


# --- 4. amounts: exact beyond 28 digits, -0 is zero ------------------------------

@pytest.mark.parametrize("available,fired", [
    ("2.500000000000000000000000000001", []),
    ("2.50", ["gate.fee"]),
    ("2.5000000000000000000000000000000000000", ["gate.fee"]),
    ("49.99999999999999999999999999999", []),
    ("49.999999999999999999999999999999999999", []),
    ("50", ["gate.threshold"]),
])
def test_amounts_compare_exactly(gates, available, fired):
    assert _fired(gates, document(balance={"available": available})) == fired


@pytest.mark.parametrize("zero", [-0.0, "0", 0, "0.000"])
def test_negative_zero_is_zero_on_every_backend(gates, zero):
    facts = document(balance={"pending": zero, "available": zero})
    assert _fired(gates, facts) == ["gate.fee"]


@pytest.mark.parametrize("amount", ["1" * 39, "0." + "0" * 38 + "1", "-0.01", "1e3", "NaN", "1.", ".5", " 1"])
def test_amounts_out_of_form_or_bounds_are_refused(gates, amount):
    assert _refused(gates, document(balance={"available": amount})) == ["/balance/available"]


# --- 6. ids are unique in their lists --------------------------------------------

@pytest.mark.parametrize("section,items", [
    ("users", [{"id": "U-1", "role": "member"}, {"id": "U-1", "role": "admin"}]),
    ("contracts", [{"id": "C-1", "status": "expired"}, {"id": "C-1", "status": "active"}]),
    ("links", [{"id": "L-1", "status": "active"}, {"id": "L-1", "status": "disabled"}]),
    ("support_tickets", [{"id": "T", "type": "close_account", "status": "open", "account_ids": []},
                         {"id": "T", "type": "manual_payout", "status": "open", "account_ids": []}]),
])
def test_a_duplicate_id_is_invalid_at_its_second_occurrence(gates, section, items):
    assert _refused(gates, document(**{section: items})) == [f"/{section}/1/id"]


# --- 7 and 8. values that once crashed or exhausted memory ------------------------

@pytest.mark.parametrize("zone", ["Asia", "Asia/", "../etc/passwd", "A" * 300, "UTC\0", "", "Not/A_Zone"])
def test_bad_time_zones_are_refused(gates, zone):
    assert _refused(gates, document(account={"timezone": zone})) == ["/account/timezone"]


def _run(args: list[str], raw: bytes, tmp_path: Any, capsysbinary: Any) -> tuple[int, bytes, bytes]:
    path = tmp_path / "facts.json"
    path.write_bytes(raw)
    code = main([*args, "-f", str(path)])
    out, err = capsysbinary.readouterr()
    return code, out, err


@pytest.mark.parametrize("name,raw,expected", [
    ("deep nesting", b'{"account": ' + b"[" * 1000 + b"]" * 1000 + b"}", b"nested more than"),
    ("very deep nesting", b"[" * 100_000 + b"]" * 100_000, b"nested more than"),
    ("lone surrogate", json.dumps(document(account={"id": "\ud800"})).encode(), b"lone surrogate"),
    ("huge integer", json.dumps(document()).encode().replace(b'"10"', b"1" * 5000), b"5,000 digits"),
    ("huge exponent", json.dumps(document()).encode().replace(b'"0"', b"1e999999999", 1), b"too large"),
    ("duplicate key", b'{"account": {}, "account": {}}', b"duplicate key"),
    ("NaN", json.dumps(document()).encode().replace(b'"10"', b"NaN"), b"NaN is not a number"),
])
def test_hostile_documents_exit_2_with_a_reason_and_no_output(tmp_path, capsysbinary, name, raw, expected):
    code, out, err = _run(["eval", "-q", "gate", "--rules", str(RULES)], raw, tmp_path, capsysbinary)
    assert (code, out) == (2, b""), err
    assert expected in err and b"Traceback" not in err
    assert len(err) < 2000


def test_a_lone_surrogate_is_refused_before_any_output(gates):
    assert _refused(gates, document(account={"id": "P-\udc00"})) == ["/account/id"]
