"""`check` on broken copies of rules/: every seeded mistake, at its line and column."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from closure_policy import InvalidRules, check_rules, load_policy
from tests.conftest import ROOT


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def seed(rules: Path, file: str, old: str, new: str, mark: str | None = None, nth: int = 1) -> tuple[str, int, int]:
    """Replace the nth ``old`` with ``new``; return where ``mark`` (default ``new``) now stands."""
    path = rules / file
    text = path.read_text(encoding="utf-8")
    start = -1
    for _ in range(nth):
        start = text.index(old, start + 1)
    text = text[:start] + new + text[start + len(old):]
    path.write_text(text, encoding="utf-8")
    mark = mark or new
    # a mark inside the new text is found after it; any other, nearest before it, else after
    at = text.find(mark, start) if mark in new else text.rfind(mark, 0, start + len(mark))
    at = at if at >= 0 else text.index(mark, start)
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return str(path), line, col


def found(rules: Path) -> list[tuple[str, int, int, str]]:
    return [(str(rules.parent / p.file) if not Path(p.file).is_absolute() else p.file, p.line, p.column, p.check)
            for p in check_rules(rules).problems]


def test_bundled_rules_have_no_problems():
    result = check_rules()
    assert result.problems == []
    assert sum(len(q.rules) for q in result.queries.values()) == 20


SEEDS = [
    # file, old, new, mark, check
    ("close_account.yaml", "    step: 1\n", "    step: 1\n    step: 2\n", "step: 2", "duplicate-key"),
    ("close_account.yaml", "id: funds.no-overdue", "id: funds.no-pending", "funds.no-pending", "duplicate-id"),
    ("close_account.yaml", "{fact: balance.pending, op:", "{fact: balance.pendng, op:", "balance.pendng",
     "unknown-fact"),
    ("manual_payout.yaml", "value_of: balance.manual_payout_fee}", "value_of: balance.currency}", "{fact: balance.available, op: \"<=\"",
     "type-mismatch"),
    ("close_account.yaml", "{fact: balance.overdue, op: \">\", value: 0}", "{fact: balance.overdue, op: \">\", value: zero}",
     "zero", "type-mismatch"),
    ("track_action.yaml", "query: track_action", "query: track_actions", "track_actions", "unknown-query"),
    ("close_account.yaml", "Contracts still active: {active_contracts}.", "Contracts still active: {active_contract}.",
     "\"Contracts still active", "unknown-placeholder"),
    ("reactivate_account.yaml", "      zh: 关闭账户不可逆\n", "", "en: Closing is irreversible", "missing-translation"),
    ("remove_user.yaml", "{fact: user.role, op: \"==\", value: admin}", "{fact: user.role, op: \"=>\", value: admin}",
     "\"=>\"", "schema"),
    ("closure_effects.yaml", "{fact: link.status, op: \"!=\", value: disabled}",
     "{fact: link.status, op: \"!=\", value: disabld}", "disabld", "unknown-value"),
    ("resolve_link.yaml", "{use: account-closed}", "{use: account-closd}", "account-closd", "unknown-condition"),
    ("resolve_link.yaml", "outcome: invalid_page", "outcome: invalid_pages", "invalid_pages", "unknown-outcome"),
    ("close_account.yaml", "{fact: final_review.status, op: \"!=\", value: approved}",
     "{fact: final_review.status, op: \"<\", value: approved}", "approved}", "type-mismatch"),
    ("resolve_link.yaml", "{fact: click.clicked_at, op: \">=\", value_of: account.closed_at}",
     "{fact: click.clicked_at, op: \">=\", value: 5}", "5}", "type-mismatch"),
    ("track_action.yaml", "value_of: account.closed_at", "value_of: balance.available", "fact: action.occurred_at",
     "type-mismatch"),
]


@pytest.mark.parametrize("file,old,new,mark,check", SEEDS, ids=[s[4] + ":" + s[2][:30] for s in SEEDS])
def test_each_seeded_mistake_is_reported_at_its_place(rules, file, old, new, mark, check):
    where = seed(rules, file, old, new, mark)
    assert (*where, check) in found(rules)


def test_every_mistake_is_reported_at_once(rules):
    expected = [(*seed(rules, f, o, n, m), c) for f, o, n, m, c in SEEDS]
    problems = found(rules)
    missing = [e for e in expected if e not in problems]
    assert missing == []


def test_loading_broken_rules_raises_with_every_problem(rules):
    seed(rules, "close_account.yaml", "balance.pending, op", "balance.pendng, op")
    seed(rules, "track_action.yaml", "query: track_action", "query: nope")
    with pytest.raises(InvalidRules) as info:
        load_policy(rules)
    report = info.value.report()
    assert "close_account.yaml:" in report and "(unknown-fact)" in report
    assert "track_action.yaml:" in report and "(unknown-query)" in report


def test_yaml_syntax_error_has_line_and_column(rules):
    path, line, col = seed(rules, "remove_user.yaml", "    query: remove_user\n", "    query: [remove_user\n",
                           "[remove_user")
    problems = check_rules(rules).problems
    assert [p.check for p in problems if p.file.endswith("remove_user.yaml")] == ["yaml-syntax"]
    assert problems[0].line > line  # the parser notices at the next key


def test_shadowed_binding(rules):
    where = seed(rules, "closure_effects.yaml", "as: contract\n", "as: account\n", "account\n")
    assert (*where, "shadowed-name") in found(rules)


def test_quantifier_over_a_non_list(rules):
    where = seed(rules, "close_account.yaml", "in: contracts\n          as: contract", "in: balance\n          as: contract",
                 "balance")
    assert (*where, "not-a-list") in found(rules)


def test_unknown_language_and_missing_policy(rules):
    where = seed(rules, "remove_user.yaml", "        zh: 请账户管理员删除该用户；无需联系支持。",
                 "        zh: 请账户管理员删除该用户；无需联系支持。\n        fr: Demandez à un admin.", "fr")
    assert (*where, "unknown-language") in found(rules)
    (rules / "policy.yaml").unlink()
    assert "policy-missing" in {p.check for p in check_rules(rules).problems}


def test_condition_cycle(rules):
    seed(rules, "policy.yaml", "  account-open:\n    fact: account.status\n    op: \"==\"\n    value: active",
         "  account-open:\n    not: {use: account-open}")
    assert "condition-cycle" in {p.check for p in check_rules(rules).problems}


def test_unused_condition(rules):
    where = seed(rules, "policy.yaml", "conditions:\n", "conditions:\n  forgotten:\n    fact: account.statuss\n"
                 "    op: \"==\"\n    value: closed\n", "forgotten")
    assert (*where, "unused-condition") in found(rules)


def test_revision_is_stable_and_content_based(rules, tmp_path):
    first = load_policy(rules).revision
    assert first == load_policy(ROOT / "rules").revision
    # Reformatting (comments, quoting, blank lines) does not change the revision...
    path = rules / "remove_user.yaml"
    path.write_text("# a comment\n\n" + path.read_text(encoding="utf-8").replace('op: "=="', "op: '=='"),
                    encoding="utf-8")
    assert load_policy(rules).revision == first
    # ...changing a rule does.
    seed(rules, "manual_payout.yaml", "op: \"<=\"", "op: \"<\"")
    assert load_policy(rules).revision != first
    assert first.startswith("sha256:") and len(first) == 71
