"""closure-policy review on fixture policies: each verdict, its witnesses decided by the engine, the gate, the
text changes, evidence, tests, a git base, and every format (Markdown by a CommonMark parser, HTML in Chromium)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema

from closure_policy import load_policy
from closure_policy.review import build_review
from closure_policy.review.render import write
from closure_policy.review.verdicts import CHANGED, EQUIVALENT, INCOMPARABLE, LESS, MORE

from ..conftest import BASE, FIXTURE_RULES, ROOT

PENDING = 'when: {fact: balance.pending, op: ">", value: 0}'
NEW_RULE = '''
  - id: gate.no-tickets
    query: gate
    step: 2
    source: {section: fixture, quote: no open ticket}
    title: {en: No ticket is open, zh: 没有未结工单}
    when: {some: {in: support_tickets, as: ticket, where: {fact: ticket.status, op: "==", value: open}}}
    message: {en: "A ticket is open.", zh: "有未结工单。"}
'''
EFFECTS_QUERY = '''
  fx:
    title: {en: What closing changes, zh: 关闭带来的变化}
    outcomes: {effects: {}}
    default: effects
'''
EFFECT_RULE = '''rules:
  - id: fx.expire
    query: fx
    source: {section: fixture, quote: contracts expire}
    title: {en: Open contracts expire, zh: 未结合同到期}
    when: {use: account-open}
    emit:
      for_each: {in: contracts, as: contract, where: {fact: contract.status, op: "==", value: active}}
      effect: {type: expire_contract, contract_id: {fact: contract.id}, reason: REASON}
'''


def _copy(folder: Path, name: str, edits: dict[str, tuple[str, str]] | None = None, effects: str | None = None) -> Path:
    target = folder / name
    shutil.copytree(FIXTURE_RULES, target)
    for file, (old, new) in (edits or {}).items():
        path = target / file
        text = path.read_text(encoding="utf-8")
        assert old in text, (file, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    if effects is not None:
        policy = target / "policy.yaml"
        text = policy.read_text(encoding="utf-8")
        policy.write_text(text.replace("\nconditions:", EFFECTS_QUERY + "\nconditions:", 1), encoding="utf-8")
        (target / "fx.yaml").write_text(EFFECT_RULE.replace("REASON", effects), encoding="utf-8")
    return target


def _review(base: Path, new: Path, **options):
    review = build_review(load_policy(base), load_policy(new), **options)
    _witnesses_hold(review)
    return review


def _witnesses_hold(review) -> None:
    """Every witness is valid facts, decided by the engine under both revisions as reported, and differently."""
    for verdict in review.queries:
        for w in verdict.witnesses:
            before = review.base.decide(verdict.query, w.document)
            after = review.new.decide(verdict.query, w.document)
            assert (before.outcome, list(before.rule_ids)) == (w.base["outcome"], w.base["violations"])
            assert (after.outcome, list(after.rule_ids)) == (w.new["outcome"], w.new["violations"])
            assert before.to_dict()["outcome"] != after.to_dict()["outcome"] or before.rule_ids != after.rule_ids \
                or before.effects != after.effects
            refusal = verdict.refusal
            if w.direction == "opens":
                assert before.outcome == refusal != after.outcome
            if w.direction == "closes":
                assert after.outcome == refusal != before.outcome


def _verdicts(review) -> dict[str, str]:
    return {q.query: q.verdict for q in review.queries}


def test_a_reformatted_copy_is_equivalent_everywhere_and_passes_every_gate(tmp_path):
    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"gate.yaml": ("rules:\n", "# reformatted: a comment, and blocks for flows\nrules:\n"),
                                  "route.yaml": ("outcome: dead\n", "outcome:   dead   # the same\n")})
    for gate in ("more-permissive", "any-change"):
        review = _review(base, new, gate_on=gate)
        assert set(_verdicts(review).values()) == {EQUIVALENT} and not review.tripped and not review.rules


def test_a_loosened_denying_rule_is_more_permissive_with_a_witness_and_trips_the_default_gate(tmp_path):
    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"gate.yaml": (PENDING, 'when: {fact: balance.pending, op: ">", value: 5}')})
    review = _review(base, new)
    assert _verdicts(review)["gate"] == MORE and review.gate == "tripped"
    assert [w.direction for w in review.queries[0].witnesses] == ["opens"]
    assert [(r.rule, r.status) for r in review.rules] == [("gate.no-pending", "changed")]
    change = review.rules[0].changes[0]
    assert change.part == "when" and "more than 0" in change.before and "more than 5" in change.after


def test_a_removed_denying_rule_is_more_permissive(tmp_path):
    base = _copy(tmp_path, "base")
    text = (FIXTURE_RULES / "gate.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: gate.no-overdue")
    end = text.index("  - id:", start + 5)
    new = _copy(tmp_path, "new", {"gate.yaml": (text[start:end], "")})
    review = _review(base, new)
    assert _verdicts(review)["gate"] == MORE
    assert ("gate.no-overdue", "removed") in [(r.rule, r.status) for r in review.rules]


def test_an_added_rule_is_less_permissive_and_trips_only_the_any_change_gate(tmp_path):
    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"gate.yaml": ("rules:\n", "rules:\n" + NEW_RULE.lstrip("\n") + "\n")})
    review = _review(base, new)
    assert _verdicts(review)["gate"] == LESS and not review.tripped
    assert [w.direction for w in review.queries[0].witnesses] == ["closes"]
    assert _review(base, new, gate_on="any-change").tripped
    assert not _review(base, new, gate_on="none").tripped


def test_a_change_that_opens_and_closes_is_incomparable_with_two_witnesses(tmp_path):
    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"gate.yaml": ("rules:\n" + text_of_first_rule(), "rules:\n" + NEW_RULE.lstrip("\n")
                                                + "\n" + text_of_first_rule().replace(PENDING, PENDING))})
    new_gate = new / "gate.yaml"
    new_gate.write_text(new_gate.read_text(encoding="utf-8").replace(
        PENDING, 'when: {fact: balance.pending, op: ">", value: 5}'), encoding="utf-8")
    review = _review(base, new)
    verdict = next(q for q in review.queries if q.query == "gate")
    assert verdict.verdict == INCOMPARABLE and sorted(w.direction for w in verdict.witnesses) == ["closes", "opens"]


def text_of_first_rule() -> str:
    text = (FIXTURE_RULES / "gate.yaml").read_text(encoding="utf-8")
    start = text.index("  - id:")
    return text[start:text.index("  - id:", start + 5)]


def test_a_changed_effect_is_changed_with_a_witness_whose_effects_differ(tmp_path):
    base = _copy(tmp_path, "base", effects="account_closed")
    new = _copy(tmp_path, "new", effects="closed")
    review = _review(base, new)
    fx = next(q for q in review.queries if q.query == "fx")
    assert fx.verdict == CHANGED and fx.witnesses[0].direction == "changes effects"
    assert fx.witnesses[0].base["effects"] != fx.witnesses[0].new["effects"]
    assert {e["reason"] for e in fx.witnesses[0].new["effects"]} == {"closed"}
    assert not review.tripped and _review(base, new, gate_on="any-change").tripped


def test_an_unordered_query_decided_otherwise_is_changed(tmp_path):
    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"route.yaml": ("        outcome: dead\n      - outcome: lost",
                                                 "        outcome: lost\n      - outcome: lost")})
    review = _review(base, new)
    route = next(q for q in review.queries if q.query == "route")
    assert route.verdict == CHANGED and route.refusal is None and route.witnesses[0].direction == "decides otherwise"


def test_evidence_and_tests_are_reported_for_both_revisions(tmp_path):
    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"gate.yaml": (PENDING, 'when: {fact: balance.pending, op: ">", value: 5}')})
    corpus = tmp_path / "corpus.jsonl"
    pending = [dict(BASE, balance=dict(BASE["balance"], pending=str(n))) for n in range(8)]
    corpus.write_text("".join(json.dumps(d) + "\n" for d in pending), encoding="utf-8")
    suites = [str(ROOT / "tests/fixture_suites")] if (ROOT / "tests/fixture_suites").is_dir() else None
    review = _review(base, new, corpus=str(corpus), suites=suites)
    gate = review.evidence["corpus"]["gate"]
    assert gate["rows"] == 8 and gate["changed"] == 5  # pending 1 to 5: denied before, allowed now
    assert {(t["from"], t["to"]): t["count"] for t in gate["transitions"]}[("deny", "allow")] == 5
    import asyncio

    from closure_policy.decisionlog import Masking, SqliteLog, decision_id, record_of

    log = SqliteLog(str(tmp_path / "log.db"))  # each record replayed for the query it was decided for
    old = load_policy(base)
    asyncio.run(log.record([record_of(old.decide("gate", d), decision_id(), d, "compiled", 1.0, Masking())
                            for d in pending[:4]]))
    log.close()
    logged = _review(base, new, log=str(tmp_path / "log.db")).evidence["log"]
    assert logged["gate"]["rows"] == 4 and logged["gate"]["changed"] == 3 and logged["route"]["rows"] == 0


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "review", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_the_cli_exits_by_the_gate_and_writes_json_valid_by_its_schema(tmp_path):
    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"gate.yaml": (PENDING, 'when: {fact: balance.pending, op: ">", value: 5}')})
    tripped = _cli("--base-rules", str(base), "--rules", str(new), "--suites", "--format", "json")
    assert tripped.returncode == 1, tripped.stderr
    report = json.loads(tripped.stdout)
    jsonschema.validate(report, json.loads((ROOT / "schemas/review.schema.json").read_text(encoding="utf-8")))
    assert report["gate"] == "tripped" and report["queries"][0]["verdict"] == MORE
    same = _cli("--base-rules", str(base), "--rules", str(base), "--suites")
    assert same.returncode == 0 and same.stdout.startswith("review gate (more-permissive): passed")
    bad = _cli("--base-rules", str(tmp_path), "--rules", str(new), "--suites")
    assert bad.returncode == 2 and "the base rules" in bad.stderr and "Traceback" not in bad.stderr


def test_a_git_ref_is_the_base(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(FIXTURE_RULES, repo / "rules")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                       capture_output=True)
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "base")
    gate = repo / "rules/gate.yaml"
    gate.write_text(gate.read_text(encoding="utf-8").replace(PENDING, 'when: {fact: balance.pending, op: ">", '
                                                                      'value: 5}'), encoding="utf-8")
    git("commit", "-qam", "loosen")
    done = _cli("--base", "HEAD~1", "--rules", "rules", "--suites", cwd=repo)
    assert done.returncode == 1 and "gate: more permissive" in done.stdout, done.stderr
    unknown = _cli("--base", "no-such-ref", "--rules", "rules", "--suites", cwd=repo)
    assert unknown.returncode == 2 and "--base" in unknown.stderr


def test_markdown_is_commonmark_with_the_gate_first_and_a_table_of_verdicts(tmp_path):
    from markdown_it import MarkdownIt

    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"gate.yaml": (PENDING, 'when: {fact: balance.pending, op: ">", value: 5}')})
    text = write(_review(base, new), "markdown")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert tokens[0].type == "paragraph_open" and "tripped" in tokens[1].content
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "`gate`" in cells and "more permissive" in cells


def test_the_html_report_shows_in_chromium_with_no_console_error(tmp_path):
    from ..browser import browser_page

    base = _copy(tmp_path, "base")
    new = _copy(tmp_path, "new", {"gate.yaml": (PENDING, 'when: {fact: balance.pending, op: ">", value: 5}')})
    page_file = tmp_path / "review.html"
    page_file.write_text(write(_review(base, new), "html"), encoding="utf-8")
    with browser_page() as (page, problems):
        page.goto(page_file.as_uri())
        assert "tripped" in page.locator("[role=status]").inner_text()
        assert page.locator("table").first.is_visible()
    assert problems == []


def test_dropping_one_comparison_from_a_denying_rule_opens_what_it_refused(tmp_path):
    either = 'when: {any: [{fact: balance.pending, op: ">", value: 0}, {fact: balance.currency, op: "==", value: EUR}]}'
    base = _copy(tmp_path, "base", {"gate.yaml": (PENDING, either)})
    new = _copy(tmp_path, "new", {"gate.yaml": (PENDING, 'when: {any: [{fact: balance.pending, op: ">", value: 0}]}')})
    review = _review(base, new)
    gate = next(q for q in review.queries if q.query == "gate")
    assert gate.verdict == MORE and review.tripped
    opened = gate.witnesses[0]
    assert opened.base["violations"][0] == "gate.no-pending" and "gate.no-pending" not in opened.new["violations"]
