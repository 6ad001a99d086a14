"""What the encoding refuses (at its place), what it keeps exact, and what its bound means."""
from __future__ import annotations

import json

from closure_policy.cli.main import main

from .conftest import edit, properties


def _schema(rules, change) -> None:
    path = rules / "facts.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema), encoding="utf-8")


def _rule(rules, file: str, text: str) -> None:
    with open(rules / file, "a", encoding="utf-8") as fh:
        fh.write(text)


def test_a_schema_keyword_it_cannot_encode_is_refused_with_its_pointer(capsys, tmp_path, rules):
    _schema(rules, lambda s: s["properties"]["balance"]["properties"]["currency"].update(
        {"not": {"const": "XXX"}, "uniqueItems": True}))
    assert main(["prove", str(properties(tmp_path, [])), "--rules", str(rules)]) == 2
    assert capsys.readouterr().err.strip() == ("facts schema /properties/balance/properties/currency: cannot be "
                                               "encoded (the keyword 'uniqueItems' is not encoded)")


def test_a_comparison_of_a_number_is_refused_at_its_line(capsys, tmp_path, rules):
    _schema(rules, lambda s: s["properties"]["balance"]["properties"].update({"score": {"type": "number"}}))
    _rule(rules, "gate.yaml", """
  - id: gate.score
    query: gate
    source: {section: fixture, quote: a score}
    title: {en: A score, zh: 分数}
    when: {fact: balance.score, op: ">", value: 1.5}
    message: {en: "Score.", zh: "分数。"}
""")
    assert main(["prove", str(properties(tmp_path, [])), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err.strip()
    lines = (rules / "gate.yaml").read_text(encoding="utf-8").splitlines()
    line = 1 + next(i for i, text in enumerate(lines) if "balance.score" in text)
    assert err == f"{rules / 'gate.yaml'}:{line}:11: cannot be encoded (balance.score is a number, which has no " \
                  "exact encoding)"


HOSTILE = "'\"; __import__('os').system('x') #\n{account.id} \u202e ünï \\ }}"


def test_a_hostile_string_is_only_ever_data_and_comes_back_exact(capsys, tmp_path, rules):
    _rule(rules, "route.yaml", f"""
  - id: route.hostile
    query: route
    source: {{section: fixture, quote: a strange link}}
    title: {{en: A strange link, zh: 奇怪的链接}}
    when: {{fact: click.link_id, op: "==", value: {json.dumps(HOSTILE)}}}
    outcome: lost
    message: {{en: "Strange.", zh: "奇怪。"}}
""")
    never = {"name": "the strange link is never clicked", "query": "route",
             "assume": {"fact": "account.status", "op": "==", "value": "active"}, "expect": {"outcome_not": "lost"}}
    assert main(["prove", "--no-builtins", "--format", "json", str(properties(tmp_path, [never])),
                 "--rules", str(rules)]) == 1
    found = json.loads(capsys.readouterr().out)[0]["counterexample"]
    assert found["click"]["link_id"] == HOSTILE  # the one way to "lost" while the account is open


def test_proved_up_to_n_items_means_lists_of_at_most_n(capsys, tmp_path, rules):
    edit(rules, "gate.yaml", """      some:
        in: contracts
        as: contract
        where: {fact: contract.status, op: "==", value: active}""", """      count:
        in: contracts
        as: contract
        where: {fact: contract.status, op: "==", value: active}
        op: ">"
        value: 3""")
    claim = {"name": "active contracts never deny", "query": "gate",
             "expect": {"violations_exclude": ["gate.contracts"]}}
    args = ["prove", "--no-builtins", "--format", "json", str(properties(tmp_path, [claim])), "--rules", str(rules)]
    assert main([*args, "--max-items", "3"]) == 0  # true of every list of up to 3 items
    assert main([*args, "--max-items", "4"]) == 1  # four active contracts break it
    found = json.loads(capsys.readouterr().out.split("\n]\n")[-2] + "\n]")[0]["counterexample"]
    assert [c["status"] for c in found["contracts"]] == ["active"] * 4
    assert len({c["id"] for c in found["contracts"]}) == 4  # ids unique, as the schema's x-unique-by asks


def test_a_fresh_string_fits_its_places_patterns_whatever_code_z3_chose():
    from closure_policy.prove.values import fresh_text

    currency = {"pattern": "^[A-Z]{3}$"}
    ids = {"minLength": 1, "maxLength": 256}
    first = fresh_text([currency, ids], {"USD", "EUR"})
    assert first is not None and len(first) == 3 and first.isupper()
    taken = {"USD", first}
    second = fresh_text([currency], taken)
    assert second not in taken and len(second) == 3
    assert fresh_text([{"pattern": "^$"}, ids], set()) is None  # no string fits both: said, not invented
