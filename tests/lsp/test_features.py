"""Completion, hover, definitions, references, formatting and fixes over stdio, on the fixture project and on
the bundled rules."""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from closure_policy.load.fmt import format_text
from closure_policy.lsp.server import path_of
from closure_policy.resources import rules_dir

from .editor import Editor, run


def _spot(text: str, line_has: str, at: str, offset: int = 0) -> tuple[int, int]:
    lines = text.split("\n")
    row = next(i for i, line in enumerate(lines) if line_has in line)
    return row, lines[row].index(at) + offset


async def _complete(editor: Editor, uri: str, row: int, column: int) -> list[str]:
    found = await editor.client.text_document_completion_async(lsp.CompletionParams(**editor.at(uri, row, column)))
    return [item.label for item in found.items]


async def _hover(editor: Editor, uri: str, row: int, column: int) -> str:
    found = await editor.client.text_document_hover_async(lsp.HoverParams(**editor.at(uri, row, column)))
    return found.contents.value if found is not None else ""


def test_completion_knows_facts_bound_names_operators_values_and_names(project):
    gate = project / "rules" / "gate.yaml"
    text = gate.read_text(encoding="utf-8")
    typed = text.replace("where: {fact: contract.status, op: \"==\", value: active}\n    details",
                         "where: {fact: contract.st, op: \"==\", value: active}\n    details").replace(
        "when: {fact: final_review.status, op: \"!=\", value: approved}",
        "when: {fact: final_review.status, op: \"!=\", value: app}")

    async def go():
        async with Editor(project) as editor:
            uri = editor.open(gate, typed)
            row, col = _spot(typed, "fact: contract.st,", "contract.st", len("contract.st"))
            labels = await _complete(editor, uri, row, col)
            assert "contract.status" in labels and "balance.pending" in labels  # the bound name and the root facts
            row, col = _spot(typed, "value: app}", "app}", 3)
            assert set(await _complete(editor, uri, row, col)) == {"not_started", "in_progress", "approved",
                                                                   "rejected"}  # the enum's values
            row, col = _spot(typed, "value: app}", '"!="', 1)
            assert set(await _complete(editor, uri, row, col)) == {"==", "!=", "in"}  # no ordering of an enum
            row, col = _spot(typed, "fact: balance.pending, op", '">"', 1)
            assert {"<", ">=", "in"} <= set(await _complete(editor, uri, row, col))  # an amount orders
            row, col = _spot(typed, "use: account-open", "account-open")
            assert set(await _complete(editor, uri, row, col)) >= {"account-open", "account-closed"}
            row, col = _spot(typed, "query: gate", "gate")
            assert set(await _complete(editor, uri, row, col)) == {"gate", "route"}
            row, col = _spot(typed, '"{pending} is pending."', "{pending}", 1)
            assert (await _complete(editor, uri, row, col))[0] == "pending"  # the rule's detail first
    run(go())


def test_completion_in_a_suite_offers_its_querys_rules_outcomes_and_fixtures(project):
    suite = project / "tests" / "policy" / "gate.yaml"
    text = suite.read_text(encoding="utf-8")

    async def go():
        async with Editor(project) as editor:
            uri = editor.open(suite)
            row, col = _spot(text, "violations_exclude", "gate.fee")
            labels = await _complete(editor, uri, row, col)
            assert "gate.no-pending" in labels and "route.dead" not in labels
            row, col = _spot(text, "expect: {outcome: allow", "allow")
            assert set(await _complete(editor, uri, row, col)) == {"allow", "deny"}
            row, col = _spot(text, "base: ready", "ready")
            assert await _complete(editor, uri, row, col) == ["ready"]
    run(go())


def test_hover_shows_a_facts_type_and_description_and_a_rules_source_and_coverage(project):
    gate = project / "rules" / "gate.yaml"
    text = gate.read_text(encoding="utf-8")

    async def go():
        async with Editor(project) as editor:
            uri = editor.open(gate)
            row, col = _spot(text, "fact: balance.pending, op", "pending")
            assert (await _hover(editor, uri, row, col)).startswith("`balance.pending`: money")
            row, col = _spot(text, "fact: contract.status", "contract.status", 10)
            shown = await _hover(editor, uri, row, col)
            assert shown.startswith("`contract.status`: one of active, expired")
            row, col = _spot(text, "id: gate.no-pending", "gate.no-pending", 3)
            shown = await _hover(editor, uri, row, col)
            assert "**gate.no-pending**: Nothing is pending" in shown and "fixture: nothing pending" in shown
            assert "Suites: violated in 1, held in 1" in shown  # the project's suite: one case each way
            row, col = _spot(text, "use: account-open", "account-open", 2)
            assert "named condition** `account-open`" in (shown := await _hover(editor, uri, row, col))
            assert "fact: account.status" in shown
    run(go())


def test_definitions_and_references_of_conditions_rule_ids_and_fixtures(project):
    gate, suite = project / "rules" / "gate.yaml", project / "tests" / "policy" / "gate.yaml"
    rules_text, suite_text = gate.read_text(encoding="utf-8"), suite.read_text(encoding="utf-8")
    policy_lines = (project / "rules" / "policy.yaml").read_text(encoding="utf-8").split("\n")

    async def go():
        async with Editor(project) as editor:
            uri, suite_uri = editor.open(gate), editor.open(suite)
            row, col = _spot(rules_text, "use: account-open", "account-open")
            [found] = await editor.client.text_document_definition_async(lsp.DefinitionParams(
                **editor.at(uri, row, col)))
            assert found.uri.endswith("/rules/policy.yaml")
            assert policy_lines[found.range.start.line].strip() == "account-open:"
            refs = await editor.client.text_document_references_async(lsp.ReferenceParams(
                **editor.at(uri, row, col), context=lsp.ReferenceContext(include_declaration=True)))
            assert sorted(Path(r.uri).name for r in refs) == ["gate.yaml", "policy.yaml", "stream.yaml"]
            row, col = _spot(suite_text, "violations_include", "gate.no-pending")
            [found] = await editor.client.text_document_definition_async(lsp.DefinitionParams(
                **editor.at(suite_uri, row, col)))
            assert rules_text.split("\n")[found.range.start.line].strip() == "- id: gate.no-pending"
            refs = await editor.client.text_document_references_async(lsp.ReferenceParams(
                **editor.at(suite_uri, row, col), context=lsp.ReferenceContext(include_declaration=True)))
            assert {(Path(r.uri).parent.name, r.range.start.line) for r in refs} == {
                ("rules", found.range.start.line), ("policy", row)}
            row, col = _spot(suite_text, "base: ready", "ready")
            [found] = await editor.client.text_document_definition_async(lsp.DefinitionParams(
                **editor.at(suite_uri, row, col)))
            assert suite_text.split("\n")[found.range.start.line].strip().startswith("ready:")
    run(go())


def test_formatting_is_fmts_and_a_did_you_mean_is_one_action_away(project):
    gate = project / "rules" / "gate.yaml"
    messy = gate.read_text(encoding="utf-8").replace("when: {not: {use: account-open}}",
                                                     "when:\n      not:\n        use: account-open").replace(
        "fact: balance.overdue, op", "fact: balance.overdu, op")

    async def go():
        async with Editor(project) as editor:
            uri = editor.open(gate, messy)
            [edit] = await editor.client.text_document_formatting_async(lsp.DocumentFormattingParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri), options=lsp.FormattingOptions(2, True)))
            assert edit.new_text == format_text(messy) and edit.new_text != messy
            await editor.until(lambda: editor.codes(uri) == ["unknown-fact"])
            [shown] = editor.diagnostics[uri]
            [action] = await editor.client.text_document_code_action_async(lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri), range=shown.range,
                context=lsp.CodeActionContext(diagnostics=[shown])))
            [change] = action.edit.changes[uri]
            assert change.new_text == "balance.overdue" and change.range == shown.range
    run(go())


def test_on_the_bundled_rules_a_clean_file_has_no_problem_and_its_names_are_known():
    rules = rules_dir()
    close = rules / "close_account.yaml"
    text = close.read_text(encoding="utf-8")

    async def go():
        async with Editor(rules.parent) as editor:
            uri = editor.open(close)
            await editor.until(lambda: uri in editor.diagnostics)
            assert editor.diagnostics[uri] == []
            row, col = _spot(text, "when: {use: account-closed}", "account-closed")
            assert "named condition" in await _hover(editor, uri, row, col)
            row, col = _spot(text, "- id: contracts.all-expired", "contracts.all-expired", 2)
            assert "Suites: violated in" in await _hover(editor, uri, row, col)
            row, col = _spot(text, "where: {fact: contract.status", "contract.status", 9)
            assert "contract.id" in await _complete(editor, uri, row, col)
            row, col = _spot(text, "when: {use: account-closed}", "account-closed")
            [found] = await editor.client.text_document_definition_async(lsp.DefinitionParams(
                **editor.at(uri, row, col)))
            assert found.uri == (rules / "policy.yaml").as_uri()
            row, col = _spot(text, "- id: contracts.all-expired", "contracts.all-expired", 2)
            refs = await editor.client.text_document_references_async(lsp.ReferenceParams(
                **editor.at(uri, row, col), context=lsp.ReferenceContext(include_declaration=True)))
            places = {path_of(r.uri).relative_to(rules.parent).parts[:2] for r in refs}
            assert {("rules", "close_account.yaml"), ("tests", "policy"), ("tests", "properties")} <= places
            assert not await editor.client.text_document_formatting_async(lsp.DocumentFormattingParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri), options=lsp.FormattingOptions(2, True)))
    run(go())
