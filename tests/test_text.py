from __future__ import annotations

from closure_policy import limits
from closure_policy.text import did_you_mean


def test_a_slip_gets_the_closest_choice():
    assert did_you_mean("=>", [">=", "<=", "=="]) == "; did you mean '>='?"  # typed backwards
    assert did_you_mean("!==", ["!=", "=="]) == "; did you mean '!='?"  # one character too many
    assert did_you_mean("overdu", ["overdue", "pending"]) == "; did you mean 'overdue'?"
    assert did_you_mean("zzz", ["overdue", "pending"]) == ""
    paths = ["balance", "balance.pending", "balance.overdue", "account.status"]
    assert did_you_mean("balance.pendng", paths) == "; did you mean 'balance.pending'?"  # not its parent


def test_a_text_longer_than_a_slip_is_not_compared():
    choice = "o" * limits.MAX_EXCERPT
    slip = choice[:-1] + "p"  # as long as a word may be, one character off: compared
    assert did_you_mean(slip, [choice]) != "" and did_you_mean(slip + "p", [choice + "o"]) == ""
