"""The service's pages in a real browser: the playground at / and the API page at /docs, on a real process."""
from __future__ import annotations

import json
import signal
from contextlib import contextmanager
from typing import Any, Iterator

import httpx
import yaml

from tests.browser import browser_page, focusable, screenshot, tab_order
from tests.conftest import document

SUITE = {"rules": "../../rules", "cases": [
    {"name": "pending blocks the gate", "query": "gate", "facts": document(balance={"pending": "5"}),
     "expect": {"violations_include": ["gate.no-pending"]}},
    {"name": "a clean account passes", "query": "gate", "facts": document(), "expect": {"outcome": "allow"}},
]}


def _serve(server_factory, rules, files: dict[str, str] | None = None, *options: str):
    if files:
        (rules.parent / "examples").mkdir()
        for name, text in files.items():
            (rules.parent / "examples" / name).write_text(text, encoding="utf-8")
    suites = rules.parent / "tests" / "policy"
    suites.mkdir(parents=True)
    (suites / "gate.yaml").write_text(yaml.safe_dump(SUITE, allow_unicode=True), encoding="utf-8")
    return server_factory("--rules", str(rules), *options)


@contextmanager
def playground(server_factory, rules) -> Iterator[tuple[Any, Any, list[str]]]:
    """A real service with the fixture policy and its suite, and a browser on its playground once the first
    example (pending funds: deny) is decided; the server is stopped gracefully after."""
    server = _serve(server_factory, rules)
    with browser_page() as (page, problems):
        page.goto(server.url + "/")
        page.locator("#outcome").filter(has_text="deny").wait_for()
        yield server, page, problems
    assert server.stop(signal.SIGTERM) == 0


def _set_facts(page, facts) -> None:
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)",
                  json.dumps(facts, indent=2))


def test_the_playground_decides_as_the_facts_are_edited_and_shows_the_checklist(server_factory, rules):
    with playground(server_factory, rules) as (_, page, problems):
        outcome = page.locator("#outcome")
        assert page.locator('li[data-rule="gate.no-pending"]').inner_text().startswith("✗ Nothing is pending")
        assert "5 is pending." in page.locator('li[data-rule="gate.no-pending"]').inner_text()
        assert page.locator('li[data-rule="gate.fee"]').inner_text().startswith("✓")
        trace = page.locator("#trace").text_content() or ""
        assert 'gate.no-pending ✗ violated' in trace and 'balance.pending > 0: "5" vs "0" → true' in trace
        _set_facts(page, document(balance={"pending": "0"}))
        outcome.filter(has_text="allow").wait_for()
        assert page.locator('li[data-rule="gate.no-pending"]').inner_text().startswith("✓")
        page.select_option("#lang", "zh")
        page.locator('li[data-rule="gate.no-pending"]', has_text="没有待处理资金").wait_for()
        screenshot(page, "playground")
        link = page.url
        assert "#" in link and "facts=" in link
        page.goto("about:blank")
        page.goto(link)  # the link reproduces the document, the question and the language
        outcome.filter(has_text="allow").wait_for()
        assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()") == json.dumps(
            document(balance={"pending": "0"}), indent=2)
        assert page.locator("#lang").input_value() == "zh"
        assert page.locator(".CodeMirror-wrap").count() == 1  # long lines wrap; the editor grows with them
        number = page.locator(".CodeMirror-linenumber").nth(1)
        assert number.evaluate("e => getComputedStyle(e).color") != "rgb(153, 153, 153)"  # not CodeMirror's #999
        assert problems == []


def test_the_playgrounds_decisions_are_logged_as_the_playgrounds(server_factory, rules, tmp_path):
    from closure_policy.decisionlog import read_records

    server = _serve(server_factory, rules, None, "--decision-log", str(tmp_path / "log.db"))
    with browser_page() as (page, problems):
        page.goto(server.url + "/")
        page.locator("#outcome").filter(has_text="deny").wait_for()
        _set_facts(page, document(balance={"pending": "0"}))
        page.locator("#outcome").filter(has_text="allow").wait_for()
        assert problems == []
    answered = httpx.post(server.url + "/v1/decisions/gate", json=document()).json()  # an application's
    assert server.stop(signal.SIGTERM) == 0
    records = list(read_records(str(tmp_path / "log.db")))
    assert [r.source for r in records if r.decision_id == answered["decision_id"]] == ["api"]
    mine = [r for r in records if r.decision_id != answered["decision_id"]]
    assert len(mine) >= 2 and {r.source for r in mine} == {"playground"}  # the first example, then the edit


def test_invalid_facts_are_shown_at_their_pointer_in_the_editor(server_factory, rules):
    with playground(server_factory, rules) as (_, page, problems):
        facts = document(balance={"pending": "lots"})
        _set_facts(page, facts)
        item = page.locator("#problems li", has_text="/balance/pending")
        item.wait_for()
        line = 1 + next(i for i, text in enumerate(json.dumps(facts, indent=2).splitlines()) if '"pending"' in text)
        assert f"line {line}" in item.inner_text()
        assert page.locator(".CodeMirror-lint-marker-error").count() >= 1
        assert page.locator("#checklist li").count() == 0
        refusals = [p for p in problems if "422" in p or "status of 400" in p or p.startswith("HTTP 400")]
        assert refusals and [p for p in problems if p not in refusals] == []  # the refusal itself is the answer


def test_the_keyboard_reaches_every_control_of_the_playground(server_factory, rules):
    with playground(server_factory, rules) as (_, page, problems):
        reached = tab_order(page)
        assert sorted(reached, key=int) == focusable(page) and len(reached) >= 8
        assert problems == []


def test_the_example_files_come_first_as_written_and_the_pages_words_follow_the_language(server_factory, rules):
    pending = json.dumps(document(balance={"pending": "7.50"}), indent=4)
    server = _serve(server_factory, rules, {"pending.json": pending, "not-facts.json": "[]"})
    with browser_page() as (page, problems):
        page.goto(server.url + "/")
        page.locator('li[data-rule="gate.no-pending"]', has_text="7.50 is pending.").wait_for()
        editor = "document.querySelector('.CodeMirror').CodeMirror.getValue()"
        assert page.evaluate(editor) == pending  # the file as written, not re-serialized
        groups = page.locator("#example optgroup").evaluate_all(
            "gs => gs.map(g => [g.label, Array.from(g.children).map(o => o.textContent)])")
        assert groups == [["Examples", ["pending.json"]],
                          ["Test cases", [f"gate: {c['name']}" for c in SUITE["cases"]]]]
        page.select_option("#example", label="gate: a clean account passes")
        page.locator("#outcome").filter(has_text="allow").wait_for()
        page.select_option("#lang", "zh")
        page.locator("#share", has_text="复制链接").wait_for()
        assert page.locator("#example optgroup").first.get_attribute("label") == "示例"
        assert page.locator("nav a").first.inner_text() == "试验场"
        assert page.evaluate("document.documentElement.lang") == "zh"
        page.select_option("#example", label="pending.json")
        page.locator("#outcome").filter(has_text="deny").wait_for()
        assert page.locator("#lang").input_value() == "zh"  # a file brings no language: the chosen one stays
    assert problems == []
    assert server.stop(signal.SIGTERM) == 0


def test_the_api_page_renders_every_route_of_the_openapi_document(server_factory, rules):
    server = _serve(server_factory, rules)
    paths = httpx.get(server.url + "/openapi.json").json()["paths"]
    with browser_page() as (page, problems):
        page.goto(server.url + "/docs")
        page.locator(".opblock").first.wait_for()
        shown = set(page.locator(".opblock-summary-path").evaluate_all("els => els.map(e => e.dataset.path)"))
        assert shown == set(paths)
        screenshot(page, "api")
        reached = tab_order(page)  # every operation, link and control, in order, by the keyboard alone
        assert sorted(reached, key=int) == focusable(page) and len(reached) >= len(paths)
        page.locator(".opblock-summary-control").first.focus()
        page.keyboard.press("Enter")  # an operation opens from the keyboard, with its parameters
        page.locator(".opblock.is-open .parameters-container").first.wait_for()
    assert problems == []
    assert httpx.get(server.url + "/static/../pyproject.toml").status_code == 404
    assert httpx.get(server.url + "/static/nothing.js").status_code == 404
    assert server.stop(signal.SIGTERM) == 0


def test_the_decision_request_has_the_suites_cases_as_examples_and_the_first_ones_answer(server_factory, rules):
    from closure_policy import load_policy

    server = _serve(server_factory, rules)
    decide = httpx.get(server.url + "/openapi.json").json()["paths"]["/v1/decisions/gate"]["post"]
    examples = decide["requestBody"]["content"]["application/json"]["examples"]
    assert [e["summary"] for e in examples.values()] == [f"gate: {c['name']}" for c in SUITE["cases"]]
    policy = load_policy(rules)
    assert all(policy.validate(e["value"]) for e in examples.values())  # every example is valid facts
    answer = decide["responses"]["200"]["content"]["application/json"]["example"]
    assert answer["outcome"] == "deny" and answer["violations"][0]["rule"] == "gate.no-pending"
    live = httpx.post(server.url + "/v1/decisions/gate", json=examples["example1"]["value"]).json()
    assert {k: v for k, v in live.items() if k != "decision_id"} == {
        k: v for k, v in answer.items() if k != "decision_id"}  # the documented answer is the real one
    assert server.stop(signal.SIGTERM) == 0
