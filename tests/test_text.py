from __future__ import annotations

from closure_policy import limits
from closure_policy.text import did_you_mean


def test_a_slip_gets_the_closest_choice():
    assert did_you_mean("=>", [">=", "<=", "=="]) == "; did you mean '>='?"  # typed backwards
    assert did_you_mean("!==", ["!=", "=="]) == "; did you mean '!='?"  # one character too many
    assert did_you_mean("overdu", ["overdue", "pending"]) == "; did you mean 'overdue'?"
    assert did_you_mean("zzz", ["overdue", "pending"]) == ""


def test_a_text_longer_than_a_slip_is_not_compared():
    long = "overdue" + "e" * limits.MAX_EXCERPT
    assert did_you_mean(long, ["overdue"]) == "" and did_you_mean(long[:limits.MAX_EXCERPT], ["overdue"]) != ""
