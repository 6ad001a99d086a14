"""One table by kind, both ways: every value a document may hold goes into the model and comes back the same."""
from __future__ import annotations

from decimal import Decimal

import pytest
import z3

from closure_policy.prove.values import NotOfKind, from_model, to_model, zone_name, zone_offset

CODES = {"EUR": 0, "Etc/GMT-14": 1}
TEXTS = {code: text for text, code in CODES.items()}


def _round_trip(kind: str, written: object) -> object:
    term = to_model(kind, written, CODES.__getitem__, parse=True)
    return from_model(kind, z3.simplify(term), TEXTS)


@pytest.mark.parametrize(("kind", "written", "back"), [
    ("money", "0", "0"), ("money", "12.50", "12.5"),
    ("money", "9" * 38 + "." + "9" * 38, "9" * 38 + "." + "9" * 38),
    ("money", "0." + "0" * 37 + "1", "0." + "0" * 37 + "1"),
    ("timestamp", "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z"),
    ("timestamp", "2026-02-28T23:59:59.999999999999999999Z", "2026-02-28T23:59:59.999999999999999999Z"),
    ("timestamp", "2026-03-01T08:00:00+08:00", "2026-03-01T00:00:00Z"),
    ("string", "EUR", "EUR"), ("timezone", "Etc/GMT-14", "Etc/GMT-14"),
    ("boolean", True, True), ("boolean", False, False),
    ("integer", -(10 ** 30), -(10 ** 30)), ("integer", 0, 0),
])
def test_a_documents_value_goes_in_and_comes_back_as_written(kind, written, back):
    assert _round_trip(kind, written) == back


@pytest.mark.parametrize(("kind", "value"), [
    ("money", "12.50"),  # an engine's amount is a Decimal, not its text
    ("money", Decimal("0." + "0" * 38 + "1")),  # more digits than any fact
    ("integer", True), ("boolean", 1), ("string", 3), ("timestamp", "2026-03-01"), ("number", 1.5),
])
def test_a_value_of_another_kind_is_refused_never_coerced(kind, value):
    with pytest.raises(NotOfKind):
        to_model(kind, value, CODES.__getitem__)


def test_an_amount_with_too_many_digits_says_why():
    with pytest.raises(NotOfKind, match="more digits after the point than any fact"):
        to_model("money", Decimal("1." + "0" * 38 + "1"), CODES.__getitem__)


@pytest.mark.parametrize("hours", [h for h in range(-12, 15)])
def test_every_fixed_offset_zone_is_named_and_read_back(hours):
    name = zone_name(hours * 3600)
    assert name is not None and zone_offset(name) == hours * 3600
    assert zone_name(hours * 3600 + 1800) is None


def test_amounts_past_the_decimal_contexts_28_digits_are_not_rounded():
    """Decimal.scaleb rounds to the context's precision: 76 digits must go in and out by integers."""
    assert _round_trip("money", "1" * 38 + "." + "0" * 37 + "1") == "1" * 38 + "." + "0" * 37 + "1"
    assert to_model("money", Decimal("1" * 30), CODES.__getitem__).as_long() == int("1" * 30) * 10 ** 38
    assert from_model("money", z3.IntVal(-150 * 10 ** 36), TEXTS) == "-1.5"
