"""``closure-policy doc``: the catalog of a policy, over the fixture policy (its own suite made here)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from closure_policy import load_policy
from closure_policy.site import build_site
from closure_policy.site.conditions import render
from tests.conftest import FIXTURE_RULES, changed_rules, document

SUITE = {"rules": "../rules", "cases": [
    {"name": "pending blocks the gate", "query": "gate", "facts": document(balance={"pending": "5"}),
     "expect": {"violations_include": ["gate.no-pending"]}},
    {"name": "a clean account passes", "query": "gate", "facts": document(), "expect": {"outcome": "allow"}},
]}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    suites = folder / "tests"
    suites.mkdir()
    (suites / "gate.yaml").write_text(yaml.safe_dump(SUITE, allow_unicode=True), encoding="utf-8")
    out = folder / "out"
    build_site(load_policy(FIXTURE_RULES), out, [str(suites)])
    return out


def test_every_query_has_a_page_in_every_language_and_the_site_opens_at_its_first(site):
    policy = load_policy(FIXTURE_RULES)
    for lang in policy.languages:
        for page in ["index", "facts", "lifecycle", *(f"query-{q}" for q in policy.queries)]:
            text = (site / lang / f"{page}.html").read_text(encoding="utf-8")
            assert f'<html lang="{lang}">' in text and 'href="../style.css"' in text
            assert all(f'href="../{other}/{page}.html"' in text for other in policy.languages)  # the switch
    front = (site / "index.html").read_text(encoding="utf-8")  # a page of its own, no bare redirect
    assert all(f'href="{lang}/index.html"' in front for lang in policy.languages) and policy.name in front
    assert 'href="style.css"' in front and "refresh" not in front


def test_a_rule_shows_its_condition_as_text_its_source_its_texts_and_the_cases_that_violate_it(site):
    en = (site / "en/query-gate.html").read_text(encoding="utf-8")
    rule = en[en.index('id="rule-gate.no-pending"'):]
    rule = rule[:rule.index("</section>")]
    assert "<code>balance.pending</code> is more than" in rule and "when:" not in rule  # text, not YAML
    assert "nothing pending" in rule and "{pending} is pending." in rule and "Wait for it." in rule
    assert "pending blocks the gate" in rule and "Coverage" in rule
    assert "violated in 1 · held in 1" in rule
    zh = (site / "zh/query-gate.html").read_text(encoding="utf-8")
    assert "没有待处理资金" in zh and "大于" in zh and "请等待。" in zh
    assert 'id="condition-account-open"' in en  # the named conditions the rules use, defined on the page


def test_the_facts_page_lists_every_field_of_the_policys_schema(site):
    facts = (site / "en/facts.html").read_text(encoding="utf-8")
    for path in ["account.id", "balance.pending", "contracts[].status", "support_tickets[].account_ids"]:
        assert f"<code>{path}</code>" in facts


def test_the_lifecycle_is_drawn_by_graphviz_as_inline_svg(site):
    page = (site / "en/lifecycle.html").read_text(encoding="utf-8")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'class="graph"' in svg and all(f">{s}<" in svg for s in ("blocked", "clear", "closed"))
    assert "<?xml" not in page and "1. account&#45;closed" in svg


def test_the_search_index_holds_every_rule_in_every_language(site):
    text = (site / "search-index.js").read_text(encoding="utf-8")
    entries = json.loads(text[text.index("["):text.rindex("]") + 1])
    assert {(e["lang"], e["href"]) for e in entries} >= {("en", "query-gate.html#rule-gate.no-pending"),
                                                          ("zh", "query-gate.html#rule-gate.no-pending")}


def test_text_from_the_rules_is_never_markup(tmp_path):
    hostile = '<script>alert("x")</script>'
    rules = changed_rules(tmp_path, "gate.yaml", "title: {en: Nothing is pending,",
                          f"title: {{en: '{hostile}',")
    out = tmp_path / "out"
    build_site(load_policy(rules), out)
    page = (out / "en/query-gate.html").read_text(encoding="utf-8")
    assert hostile not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    index = (out / "search-index.js").read_text(encoding="utf-8")
    assert "</script>" not in index  # the index is a script: a closing tag inside it is escaped


@pytest.mark.parametrize("condition, text", [
    ({"fact": "a.b", "op": ">=", "value": 3}, "<code>a.b</code> is at least <span class=\"value\">3</span>"),
    ({"fact": "a.b", "op": "in", "value": ["x", "y"]}, 'is one of <span class="value">&#34;x&#34;</span>'),
    ({"fact": "a.t", "op": ">=", "value_of": "c.t", "as_day_in": "a.zone"}, "calendar days in the time zone"),
    ({"count": {"in": "items", "as": "i", "op": ">", "value": 2}}, "the number of items in <code>items</code>"),
    ({"none": {"in": "xs", "as": "x", "where": {"use": "n"}}}, 'no <code>x</code> in <code>xs</code>'),
    ({"any": [{"use": "a"}, {"not": {"use": "b"}}]}, "any of these holds:"),
    (True, "always"),
])
def test_every_form_of_condition_reads_as_text(condition, text):
    assert text in render(condition, "en")


def test_doc_command_writes_the_site_and_says_where_to_open_it(tmp_path):
    done = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "doc", "--rules", str(FIXTURE_RULES),
                           "--output", str(tmp_path / "site")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and re.search(r"\d+ files written; open .*site/index.html", done.stderr)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "doc", "--rules", str(FIXTURE_RULES),
                              "--output", str(tmp_path / "file")], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "is not a folder" in refused.stderr


def test_a_fields_type_follows_a_reference_inside_any_of_and_code_in_a_description_shows_as_code():
    from closure_policy.facts.fields import fields
    from closure_policy.site.templates import inline_code

    schema = {"$defs": {"timestamp": {"type": "string", "x-kind": "timestamp"}}, "type": "object",
              "properties": {"closed_at": {"anyOf": [{"$ref": "#/$defs/timestamp"}, {"type": "null"}],
                                           "description": "Set when `status` is <closed>."}}}
    [field] = fields(schema)
    assert field.type == "timestamp | null"
    assert inline_code(field.description) == "Set when <code>status</code> is &lt;closed&gt;."


def test_a_query_of_one_rule_says_rule(tmp_path):
    rules = changed_rules(tmp_path)
    from closure_policy import load_policy as load

    out = tmp_path / "out"
    build_site(load(rules), out)
    index = (out / "en/index.html").read_text(encoding="utf-8")
    counts = {q: len(load(rules).query(q).rules) for q in load(rules).queries}
    for query, n in counts.items():
        assert f"({n} {'rule' if n == 1 else 'rules'})" in index, query


def test_a_case_is_shown_from_the_policys_folder_even_when_given_by_an_absolute_path(tmp_path):
    project = tmp_path / "project"
    rules = changed_rules(project)
    (project / "tests").mkdir()
    (project / "tests/gate.yaml").write_text(yaml.safe_dump(SUITE, allow_unicode=True), encoding="utf-8")
    build_site(load_policy(rules), tmp_path / "out", [str((project / "tests").resolve())])
    page = (tmp_path / "out/en/query-gate.html").read_text(encoding="utf-8")
    assert "tests/gate.yaml:" in page and str(project) not in page


def test_the_lifecycles_events_say_what_each_does_in_words_in_each_language(site):
    import re

    def said(lang: str) -> dict[str, str]:
        page = (site / lang / "lifecycle.html").read_text(encoding="utf-8")
        rows = re.findall(r"<tr><td><code>([^<]*)</code></td><td>(.*?)</td></tr>", page)
        return {event: re.sub("<[^>]+>", "", text) for event, text in rows}

    en = said("en")
    assert en["account.snapshot"] == "replaces the facts with the payload's facts"
    assert en["contract.expired"] == "in contracts, the item whose id is the payload's contract_id: sets status to " \
                                     "&#34;expired&#34;"
    assert en["link.clicked"] == "asks route, changing nothing (with the payload's click as click)"
    assert en["account.closed"].startswith("decides route first and applies its effects")
    assert "{" not in "".join(en.values())  # no declaration's JSON left
    assert said("zh")["balance.updated"] == "把载荷中的 balance 合并进 balance"


def test_an_event_keyword_the_words_do_not_know_is_shown_as_written_never_dropped():
    from closure_policy.site.events import describe

    assert "<code>{&#34;rename&#34;: &#34;x&#34;}</code>" in describe({"rename": "x", "replace": "facts"}, "en")
    assert describe({"set": {"a.b": {"value": "<b>"}}}, "fr") == \
        'sets <code>a.b</code> to <span class="value">&#34;&lt;b&gt;&#34;</span>'
