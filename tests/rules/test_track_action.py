from __future__ import annotations

import pytest

from tests.conftest import closed, facts

Q = "track_action"


def _action(at: str) -> dict:
    return {"id": "A-1", "occurred_at": at}


def test_open_account_accepts(decide):
    d = decide(Q, facts(action=_action("2030-01-01T00:00:00Z")))
    assert (d.outcome, d.violations) == ("accept", [])


# Closed at 2026-11-26T15:30:00Z, which is 23:30 on 26 November in Shanghai
# (UTC+8): the closure date there is 26 November, starting 2026-11-25T16:00Z.
@pytest.mark.parametrize("occurred_at,outcome", [
    ("2026-11-25T15:59:59Z", "accept"),           # 23:59:59 on the 25th in Shanghai
    ("2026-11-25T16:00:00Z", "reject"),           # 00:00:00 on the 26th in Shanghai
    ("2026-11-26T00:00:00+08:00", "reject"),
    ("2026-11-25T23:59:59.999999+08:00", "accept"),
    ("2026-11-26T15:29:59Z", "reject"),           # before the moment, on the same day
    ("2026-11-27T10:00:00Z", "reject"),
])
def test_closure_day_in_shanghai(decide, occurred_at, outcome):
    d = decide(Q, closed(closed_at="2026-11-26T15:30:00Z", timezone="Asia/Shanghai", action=_action(occurred_at)))
    assert d.outcome == outcome


@pytest.mark.parametrize("occurred_at,outcome", [
    ("2026-11-25T23:59:59Z", "accept"),
    ("2026-11-26T00:00:00Z", "reject"),
    # the same instant as above, written in Shanghai time: still the 26th in UTC
    ("2026-11-26T08:00:00+08:00", "reject"),
    ("2026-11-26T07:59:59+08:00", "accept"),
])
def test_closure_day_in_utc(decide, occurred_at, outcome):
    d = decide(Q, closed(closed_at="2026-11-26T15:30:00Z", timezone="UTC", action=_action(occurred_at)))
    assert d.outcome == outcome


def test_time_zone_defaults_to_utc(decide):
    f = closed(closed_at="2026-11-26T15:30:00Z", action=_action("2026-11-25T20:00:00Z"))
    del f["account"]["timezone"]
    # In Shanghai 20:00Z on the 25th is already the 26th; in UTC it is not.
    assert decide(Q, f).outcome == "accept"


def test_reject_names_the_action_and_zone(decide):
    d = decide(Q, closed(action=_action("2026-11-27T00:00:00Z")))
    assert d.rule_ids == ["actions.reject-after-closure"]
    v = d.violations[0]
    assert v.details == {"action_id": "A-1", "closed_at": "2026-11-26T15:30:00+00:00", "timezone": "Asia/Shanghai"}
    assert "A-1" in v.message and "Asia/Shanghai" in v.message


def test_new_york_dst_day(decide):
    # 2026-03-08 is the DST change in New York; closed 01:30 EST there (06:30Z).
    f = closed(closed_at="2026-03-08T06:30:00Z", timezone="America/New_York")
    f["action"] = _action("2026-03-08T04:59:59Z")  # 23:59:59 EST on the 7th
    assert decide(Q, f).outcome == "accept"
    f["action"] = _action("2026-03-08T05:00:00Z")  # midnight on the 8th
    assert decide(Q, f).outcome == "reject"
