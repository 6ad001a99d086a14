"""Exact scalars: the fast reading of common timestamps agrees with the full parser everywhere."""
from __future__ import annotations

import itertools

import pytest

from closure_policy import scalars

_YEARS = ["0001", "0002", "2024", "2026", "9999"]
_MONTHS = ["00", "01", "02", "12", "13"]
_DAYS = ["00", "01", "28", "29", "30", "31", "32"]
_TIMES = ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "1a:00:00"]
_OFFSETS = ["Z", "z", "+00:00", "-00:00", "+23:59", "-23:59", "+24:00", "-05:30", "+08:60", "+8:00", "+08:00",
            "+1a:00", "+ 1:00", "+01:0b", "+01-00", ".5Z", ".123456Z", ".000Z", ".1234567890123+08:00",
            ".Z", ".1a2Z", ". 5Z", ".5", "." + "1" * 40 + "Z", ".٣Z"]


def _read(value: str) -> tuple[str, str]:
    try:
        return "ok", repr(scalars.to_instant(value))
    except scalars.ScalarError as exc:
        return "error", str(exc)


def test_the_fast_path_reads_every_timestamp_as_the_full_parser_does(monkeypatch):
    values = [f"{y}-{m}-{d}{t}{clock}{z}" for y, m, d, t, clock, z in
              itertools.product(_YEARS, _MONTHS, _DAYS, "Tt ", _TIMES, _OFFSETS)]
    fast = [_read(v) for v in values]
    monkeypatch.setattr(scalars, "_common", lambda value: None)
    assert fast == [_read(v) for v in values]
    assert sum(kind == "ok" for kind, _ in fast) > 1000  # the grid holds valid ones as well as invalid ones


@pytest.mark.parametrize("value", ["2026-11-26T10:00:00Z", "2026-11-26T18:00:00+08:00", "2026-11-26T05:00:00-05:00"])
def test_one_moment_in_three_offsets_is_one_instant(value):
    assert scalars.to_instant(value) == scalars.to_instant("2026-11-26T10:00:00Z")


def test_instants_are_immutable_and_ordered_by_moment_then_fraction():
    a, b = scalars.to_instant("2026-11-26T10:00:00.1Z"), scalars.to_instant("2026-11-26T10:00:00.12Z")
    assert a < b and b > a and a <= a and not a > b and a != b
    assert scalars.to_instant("2026-11-26T10:00:00.10Z") == a and hash(a) == hash(scalars.to_instant(
        "2026-11-26T18:00:00.1+08:00"))
    with pytest.raises(AttributeError):
        a.seconds = 0  # type: ignore[misc]
    assert (a == "2026-11-26T10:00:00.1Z") is False
