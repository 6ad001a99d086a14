from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from closure_policy import clock
from closure_policy.scalars import to_instant

_NS = [0, 1_795_913_999_999_999_999, 1_795_914_000_000_000_000, 1_795_914_000_000_999_999, 1_795_914_000_001_000_000]


def _expected(ns: int, digits: int) -> str:
    moment = datetime.fromtimestamp(ns // 10**9, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ns % 10**9:09d}"[:digits] + "Z"


@pytest.mark.parametrize("ns", _NS)
@pytest.mark.parametrize("digits", [3, 6])
def test_now_is_the_clocks_moment_cut_to_the_digits(monkeypatch, ns, digits):
    monkeypatch.setattr(clock.time, "time_ns", lambda: ns)
    assert clock.now_text(digits) == _expected(ns, digits)
    monkeypatch.setattr(clock.time, "time_ns", lambda: ns + 1)  # one nanosecond later: maybe a new second
    assert clock.now_text(digits) == _expected(ns + 1, digits) >= _expected(ns, digits)


def test_now_is_an_instant_between_two_reads_of_the_clock():
    before = datetime.now(timezone.utc) - timedelta(microseconds=1)
    text = clock.now_text(6)
    after = datetime.now(timezone.utc)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert before <= moment <= after
    assert to_instant(text) is not None  # the rules' own reader takes it
    assert abs(time.time() - moment.timestamp()) < 60
