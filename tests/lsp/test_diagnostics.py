"""Diagnostics over stdio: exactly what check, test and prove report, where the file must change, cleared when
fixed, on unsaved buffers, and never a crash."""
from __future__ import annotations

import shutil

from lsprotocol import types as lsp

from closure_policy import limits
from closure_policy.policy import check_rules

from .editor import Editor, run


def _triples(diagnostics: list[lsp.Diagnostic]) -> set[tuple[int, int, str, str]]:
    return {(d.range.start.line + 1, d.range.start.character + 1, str(d.code), d.message) for d in diagnostics}


def test_the_server_answers_initialize_with_every_capability(project):
    async def go():
        async with Editor(project) as editor:
            c = editor.capabilities
            assert c.completion_provider is not None and c.hover_provider and c.definition_provider
            assert c.references_provider and c.document_formatting_provider and c.code_action_provider
    run(go())


def test_a_slip_in_a_rule_file_is_the_problem_check_reports_and_clears_when_fixed(project, tmp_path_factory):
    rules = project / "rules"
    text = (rules / "gate.yaml").read_text(encoding="utf-8")
    slipped = text.replace("fact: balance.pending, op", "fact: balance.pendng, op").replace(
        "value: approved", "value: aproved")

    async def go():
        async with Editor(project) as editor:
            uri = editor.open(rules / "gate.yaml")
            await editor.until(lambda: uri in editor.diagnostics)
            assert editor.diagnostics[uri] == []
            editor.change(uri, slipped)  # unsaved: the disk still holds the good text
            await editor.until(lambda: len(editor.codes(uri)) == 2)
            return editor.diagnostics[uri], editor
    shown, _ = run(go())
    saved = tmp_path_factory.mktemp("saved") / "rules"
    shutil.copytree(rules, saved)
    (saved / "gate.yaml").write_text(slipped, encoding="utf-8")
    reported = {(p.line, p.column, p.check, p.message) for p in check_rules(saved).problems}
    assert _triples(shown) == reported  # the same problems, at the same places, with the same words
    assert {d.code for d in shown} == {"unknown-fact", "unknown-value"}
    fact = next(d for d in shown if d.code == "unknown-fact")
    assert "did you mean 'balance.pending'?" in fact.message
    assert fact.range.end.character - fact.range.start.character == len("balance.pendng")

    async def fixed():
        async with Editor(project) as editor:
            uri = editor.open(rules / "gate.yaml", slipped)
            await editor.until(lambda: len(editor.codes(uri)) == 2)
            editor.change(uri, text)
            await editor.until(lambda: editor.codes(uri) == [])
    run(fixed())


def test_a_problem_another_file_causes_is_shown_where_it_must_change_and_cleared(project):
    rules = project / "rules"
    policy = (rules / "policy.yaml").read_text(encoding="utf-8")
    without = policy.replace("  account-open:\n    fact: account.status\n    op: \"==\"\n    value: active\n", "")
    assert without != policy

    async def go():
        async with Editor(project) as editor:
            gate = editor.open(rules / "gate.yaml")
            uri = editor.open(rules / "policy.yaml")
            await editor.until(lambda: gate in editor.diagnostics and uri in editor.diagnostics)
            editor.change(uri, without)
            await editor.until(lambda: "unknown-condition" in editor.codes(gate))
            shown = editor.diagnostics[gate][0]
            assert shown.range.start.line == 6 and "unknown condition 'account-open'" in shown.message
            assert editor.codes(uri) == []  # policy.yaml itself is fine: the use must change
            editor.change(uri, policy)
            await editor.until(lambda: editor.codes(gate) == [])
    run(go())


def test_a_new_unsaved_rule_file_is_checked_with_its_folder(project):
    async def go():
        async with Editor(project) as editor:
            copy = (project / "rules" / "gate.yaml").read_text(encoding="utf-8")
            uri = editor.open(project / "rules" / "more.yaml", copy)  # not on disk: every id is taken
            await editor.until(lambda: "duplicate-id" in editor.codes(uri))
    run(go())


def test_a_broken_buffer_is_one_located_problem_and_the_server_goes_on(project):
    async def go():
        async with Editor(project) as editor:
            uri = editor.open(project / "rules" / "gate.yaml", "rules:\n  - id: [gate.open\n    query: gate\n")
            await editor.until(lambda: uri in editor.diagnostics)
            [shown] = editor.diagnostics[uri]
            assert shown.code == "yaml-syntax" and shown.range.start.line >= 1
            hover = await editor.client.text_document_hover_async(lsp.HoverParams(**editor.at(uri, 1, 12)))
            assert hover is None or hover.contents is not None  # answered, not crashed
            big = "# " + "x" * (limits.MAX_RULE_FILE_BYTES + 10) + "\n"
            editor.change(uri, big)
            await editor.until(lambda: editor.codes(uri) == ["limit"])
            near = "rules: []\n" + ("# " + "y" * 98 + "\n") * ((limits.MAX_RULE_FILE_BYTES - 20) // 101)
            assert len(near.encode()) <= limits.MAX_RULE_FILE_BYTES
            editor.change(uri, near)  # a buffer of nearly 1 MB is read and answered
            await editor.until(lambda: "limit" not in editor.codes(uri), seconds=10)
    run(go())


def test_a_suite_and_a_property_file_get_the_problems_test_and_prove_report(project):
    suite = project / "tests" / "policy" / "gate.yaml"
    props = project / "tests" / "properties" / "gate.yaml"

    async def go():
        async with Editor(project) as editor:
            uri = editor.open(suite)
            await editor.until(lambda: uri in editor.diagnostics)
            assert editor.codes(uri) == []
            text = suite.read_text(encoding="utf-8")
            editor.change(uri, text.replace("query: gate\n    base: ready\n    expect",
                                            "query: gates\n    base: ready\n    expect").replace(
                "base: ready\n    patch", "base: redy\n    patch").replace("[gate.no-pending]", "[gate.no-pendng]"))
            await editor.until(lambda: len(editor.codes(uri)) == 3)
            assert sorted(editor.codes(uri)) == ["unknown-fixture", "unknown-query", "unknown-rule"]
            other = editor.open(props, props.read_text(encoding="utf-8").replace("outcome: deny", "outcome: nope"))
            await editor.until(lambda: editor.codes(other) == ["unknown-outcome"])
    run(go())
