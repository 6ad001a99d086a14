"""`check` on broken copies of a fixture policy: every seeded mistake, at its line and column.

The fixture (``tests/compile/rules``) belongs to these tests, so a change to
the bundled rules never breaks them.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from closure_policy import InvalidRules, check_rules, load_policy
from tests.conftest import ROOT

FIXTURE = ROOT / "tests/fixture_rules"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(FIXTURE, target)
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


def test_the_fixture_and_the_bundled_rules_have_no_problems():
    assert check_rules(FIXTURE).problems == []
    result = check_rules()
    assert result.problems == []
    assert result.queries and all(q.rules for q in result.queries.values())


SEEDS = [
    # file, old, new, mark, check
    ("gate.yaml", "    step: 2\n", "    step: 2\n    step: 1\n",
     "step: 1\n    source: {section: fixture, quote: contracts",
     "duplicate-key"),
    ("gate.yaml", "id: gate.fee", "id: gate.no-pending", "gate.no-pending\n    query: gate\n    step: 1\n    source: "
     "{section: fixture, quote: more", "duplicate-id"),
    ("gate.yaml", "{fact: balance.pending, op:", "{fact: balance.pendng, op:", "balance.pendng", "unknown-fact"),
    ("gate.yaml", "value_of: balance.manual_payout_fee}", "value_of: balance.currency}",
     "{fact: balance.available, op: \"<=\"", "type-mismatch"),
    ("gate.yaml", "{fact: balance.overdue, op: \">\", value: 0}", "{fact: balance.overdue, op: \">\", value: zero}",
     "zero", "type-mismatch"),
    ("gate.yaml", "query: gate", "query: gates", "gates", "unknown-query"),
    ("gate.yaml", "Contracts still active: {active_contracts}.", "Contracts still active: {active_contract}.",
     "\"Contracts still active", "unknown-placeholder"),
    ("gate.yaml", ", zh: 超过手续费}", "}", "{en: More than the fee}", "missing-translation"),
    ("gate.yaml", "{fact: user.role, op: \"==\", value: admin}", "{fact: user.role, op: \"=>\", value: admin}",
     "\"=>\"", "schema"),
    ("gate.yaml", "{fact: contract.status, op: \"==\", value: active}\n",
     "{fact: contract.status, op: \"==\", value: activ}\n", "activ}", "unknown-value"),
    ("route.yaml", "{use: account-closed}", "{use: account-closd}", "account-closd", "unknown-condition"),
    ("route.yaml", "outcome: lost", "outcome: lose", "lose", "unknown-outcome"),
    ("gate.yaml", "{fact: final_review.status, op: \"!=\", value: approved}",
     "{fact: final_review.status, op: \"<\", value: approved}", "approved}", "type-mismatch"),
    ("route.yaml", "{fact: click.clicked_at, op: \">=\", value_of: account.closed_at}",
     "{fact: click.clicked_at, op: \">=\", value: 5}", "5}", "type-mismatch"),
    ("route.yaml", "value_of: account.closed_at\n", "value_of: balance.available\n", "fact: action.occurred_at",
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
    seed(rules, "gate.yaml", "balance.pending, op", "balance.pendng, op")
    seed(rules, "route.yaml", "query: route", "query: nope")
    with pytest.raises(InvalidRules) as info:
        load_policy(rules)
    report = info.value.report()
    assert "gate.yaml:" in report and "(unknown-fact)" in report
    assert "route.yaml:" in report and "(unknown-query)" in report


def test_yaml_syntax_error_has_line_and_column(rules):
    path, line, col = seed(rules, "route.yaml", "    query: route\n", "    query: [route\n", "[route")
    problems = check_rules(rules).problems
    assert [p.check for p in problems if p.file.endswith("route.yaml")] == ["yaml-syntax"]
    assert problems[0].line > line  # the parser notices at the next key


def test_shadowed_binding(rules):
    where = seed(rules, "gate.yaml", "as: contract\n", "as: account\n", "account\n")
    assert (*where, "shadowed-name") in found(rules)


def test_quantifier_over_a_non_list(rules):
    where = seed(rules, "gate.yaml", "in: contracts\n        as: contract", "in: balance\n        as: contract",
                 "balance")
    assert (*where, "not-a-list") in found(rules)


def test_unknown_language_and_missing_policy(rules):
    where = seed(rules, "gate.yaml", "        zh: 请等待。", "        zh: 请等待。\n        fr: Attendez.", "fr")
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
    assert first == load_policy(FIXTURE).revision
    # Reformatting (comments, quoting, blank lines) does not change the revision...
    path = rules / "gate.yaml"
    path.write_text("# a comment\n\n" + path.read_text(encoding="utf-8").replace('op: "=="', "op: '=='"),
                    encoding="utf-8")
    assert load_policy(rules).revision == first
    # ...changing a rule does.
    seed(rules, "gate.yaml", "op: \"<=\"", "op: \"<\"")
    assert load_policy(rules).revision != first
    assert first.startswith("sha256:") and len(first) == 71


STREAM = """stream:
  assess: gate
  events:
    snapshot: {replace: facts}
    expired: {update: {in: contracts, key: id, match: contract_id, set: {status: {value: expired}}}}
    asked: {ask: route, add: {click: click}}
  lifecycle:
    start: open
    states: [open, closed]
    transitions:
      - {from: [open], to: closed, when: {use: account-closed}}
    final:
      states: [closed]
      keep: [account, balance, final_review, links]
      reopen: {when: {use: account-open}, ask: gate}
"""


def test_a_stream_declaration_is_checked(rules):
    (rules / "stream.yaml").write_text(STREAM, encoding="utf-8")
    assert check_rules(rules).problems == []
    policy = load_policy(rules)
    assert policy.stream is not None and [t.target for t in policy.stream.transitions] == ["closed"]


@pytest.mark.parametrize("old,new,mark", [
    ("assess: gate", "assess: gait", "gait"),
    ("to: closed", "to: shut", "shut"),
    ("start: open", "start: opened", "opened"),
    ("in: contracts", "in: balance", "balance"),
    ("key: id", "key: ident", "ident"),
    ("add: {click: click}", "add: {clik: click}", "clik"),
    ("keep: [account, balance, final_review, links]", "keep: [balance, final_review, links]", "[balance"),
    ("when: {use: account-closed}", "when: {use: account-shut}", "account-shut"),
])
def test_a_stream_declaration_naming_what_does_not_exist_is_a_problem(rules, old, new, mark):
    (rules / "stream.yaml").write_text(STREAM, encoding="utf-8")
    path, line, col = seed(rules, "stream.yaml", old, new, mark)
    problems = [(p.line, p.column, p.check) for p in check_rules(rules).problems if p.file.endswith("stream.yaml")]
    assert problems and problems[0][:2] == (line, col), problems
    assert problems[0][2] in ("stream", "unknown-condition")


def test_a_file_that_cannot_be_read_causes_no_cascade_elsewhere(rules):
    # gate.yaml holds the only rule that uses account-open; unreadable, it must not make the condition "unused"
    seed(rules, "gate.yaml", "    when: {not: {use: account-open}}", "   when: {not: {use: account-open}}")
    problems = check_rules(rules).problems
    assert [(Path(p.file).name, p.check) for p in problems] == [("gate.yaml", "yaml-syntax")]


@pytest.mark.parametrize("old,new,words", [
    ("    when: {not: {use: account-open}}", "   when: {not: {use: account-open}}",
     "this key is indented more or less than the keys around it (YAML: "),
    ("    title: {en: The account is open, zh: 账户未关闭}", "    title: The account: open",
     "a ':' where no key can start: quote a value that contains ': '"),
    ("    query: gate\n", "\tquery: gate\n", "a tab: YAML is indented with spaces only"),
    ("    when: {not: {use: account-open}}", "    when: {not: {use: account-open}", "a {mapping} not closed with '}'"),
])
def test_yaml_mistakes_are_said_as_what_happened(rules, old, new, words):
    seed(rules, "gate.yaml", old, new)
    problems = check_rules(rules).problems
    assert len(problems) == 1 and words in problems[0].message, problems


@pytest.mark.parametrize("typed,suggested", [("=>", ">="), ("=<", "<="), ("=", "=="), ("!==", "!=")])
def test_an_unknown_operator_gets_the_one_meant(rules, typed, suggested):
    seed(rules, "gate.yaml", 'op: ">", value: 0}', f'op: "{typed}", value: 0}}')
    problems = check_rules(rules).problems
    assert len(problems) == 1 and problems[0].message.endswith(f"; did you mean {suggested!r}?")
