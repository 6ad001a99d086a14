"""The generated code: rule files stay data, and what runs can be read.

Hostile strings go through every literal position a rule file has (titles,
messages, remediations, sources, compared values, ``in`` lists, effect and
response literals, their keys); the generated source must name nothing but
its fixed vocabulary and its own numbered locals, and the strings must come
out of decisions exactly as they went in.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from closure_policy import load_policy
from closure_policy.cli.main import main
from closure_policy.evaluate.compiled import runtime
from closure_policy.evaluate.compiled.codegen import MODES

from ..conftest import FIXTURE_RULES, document

HOSTILE = [
    "'); __import__('os').system('touch PWNED') #",
    '"""\nimport os\n"""',
    "{__import__}", "{0.__class__}", "\\N{BULLET} \\x00 \\",
    "line\nbreak\r\n\ttab", "${x} %(x)s {{}}", "\u202egnp.exe", "K0", "_money", "facts",
]
_LOCAL = re.compile(r"[a-z]\d+\Z|K\d+\Z")
_NAMES = {"facts", "trace", "oracle", "effects", "violations", "outcome", "response", "track", "decide",
          "len", "str", "map", "set", *runtime.VOCABULARY}
_ATTRIBUTES = {"get", "isascii", "append", "join", "begin", "evaluated", "resume", "leaf", "__class__"}


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _text(text: str) -> str:
    """A message template that says ``text`` literally (its braces doubled)."""
    return _quoted(text.replace("{", "{{").replace("}", "}}"))


def _hostile_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    h = [_quoted(s) for s in HOSTILE]
    (rules / "hostile.yaml").write_text(f"""
rules:
  - id: route.hostile
    query: route
    source: {{section: {h[0]}, quote: {h[1]}}}
    title: {{en: {h[2]}, zh: {h[3]}}}
    when:
      any:
        - {{fact: account.id, op: "==", value: {h[0]}}}
        - {{fact: account.id, op: in, value: [{", ".join(h)}]}}
    outcome: lost
    message: {{en: {_quoted(HOSTILE[5] + " {{" + HOSTILE[6].replace("{", "{{").replace("}", "}}") + "}} {account.id}")},
              zh: {_text(HOSTILE[4])}}}
    remediation:
      - {{en: {_text(HOSTILE[7])}, zh: {_text(HOSTILE[8])}}}
  - id: route.hostile-effect
    query: route
    source: {{section: s, quote: q}}
    title: {{en: t, zh: t}}
    when: {{fact: account.id, op: "==", value: {h[9]}}}
    emit:
      effect: {{kind: {h[0]}, {h[10]}: {h[1]}, {h[2]}: 1.5, account: {{fact: account.id}}}}
""", encoding="utf-8")
    return rules


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    return load_policy(_hostile_rules(tmp_path_factory.mktemp("hostile")))


def test_generated_source_names_only_its_vocabulary(hostile):
    for query in hostile.queries:
        for lang in hostile.languages:
            for mode in MODES:
                tree = ast.parse(hostile.source(query, lang, mode))
                names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
                assert {n for n in names if not _LOCAL.match(n)} <= _NAMES, (query, lang, mode)
                attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
                assert attributes <= _ATTRIBUTES
                assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom, ast.Lambda,
                                                                       ast.ClassDef, ast.Global))]
                strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
                assert HOSTILE[0] in strings or query != "route"  # the literal is there, as a string


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_are_compared_as_data(hostile, text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    decision = hostile.decide("route", document(account={"id": text}))
    assert decision.outcome == "lost" and decision.account_id == text
    violation = next(v for v in decision.violations if v.rule == "route.hostile")
    assert violation.message == f"{HOSTILE[5]} {{{HOSTILE[6]}}} {text}"
    assert violation.title == HOSTILE[2] and violation.remediation == (HOSTILE[7],)
    assert dict(violation.source) == {"section": HOSTILE[0], "quote": HOSTILE[1]}
    assert not (tmp_path / "PWNED").exists()


def test_effect_literals_and_keys_come_out_as_written(hostile):
    decision = hostile.decide("route", document(account={"id": HOSTILE[9]}))
    assert [dict(e) for e in decision.effects] == [
        {"kind": HOSTILE[0], HOSTILE[10]: HOSTILE[1], HOSTILE[2]: 1.5, "account": HOSTILE[9]}]


def test_template_literals_are_built_fresh_for_each_decision():
    from closure_policy.evaluate.compiled.codegen import _Generator

    gen = _Generator("plain")
    source = gen.literal({"a": [1, {"b": None}], HOSTILE[0]: 1.5})
    assert ast.literal_eval(source.replace("K0", "1.5")) == {"a": [1, {"b": None}], HOSTILE[0]: 1.5}
    assert gen.consts == {"K0": 1.5}  # a float is a named constant, never its repr (inf, nan)


def test_zh_texts_are_their_own_function(hostile):
    decision = hostile.decide("route", document(account={"id": HOSTILE[0]}), lang="zh")
    violation = next(v for v in decision.violations if v.rule == "route.hostile")
    assert (violation.title, violation.message, violation.remediation) == (HOSTILE[3], HOSTILE[4], (HOSTILE[8],))


def test_the_generated_source_can_be_shown(capsys):
    assert main(["compile", "--rules", str(FIXTURE_RULES), "--query", "gate", "--show-source"]) == 0
    source = capsys.readouterr().out
    assert source.startswith("def decide(facts, trace=None, oracle=None):")
    ast.parse(source)
    assert "'gate.no-pending'" in source and "trace.leaf" not in source
    assert main(["compile", "--rules", str(FIXTURE_RULES), "--query", "gate", "--show-source", "--mode", "traced"]) == 0
    assert "trace.leaf(" in capsys.readouterr().out


def test_compile_lists_every_query(capsys):
    assert main(["compile", "--rules", str(FIXTURE_RULES)]) == 0
    out = capsys.readouterr().out
    assert "gate: 7 rules" in out and "route: 2 rules" in out and "fixture sha256:" in out


def test_an_unknown_query_or_language_is_a_users_mistake(capsys):
    assert main(["compile", "--rules", str(FIXTURE_RULES), "--query", "nope", "--show-source"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["compile", "--rules", str(FIXTURE_RULES), "--query", "gate", "--lang", "fr"]) == 2


def test_generated_builtins_are_only_the_few_it_needs(fixture_policy):
    function = fixture_policy._compiled.functions.get("gate", "en", "plain").function
    assert set(function.__globals__["__builtins__"]) == {"len", "str", "map", "set"}
