"""The stream's generated handlers against its interpreter: the same outputs, refusals, kept states and coverage.

The interpreter (``stream --interpret``) is the reference. Random event sequences, invalid lines among
them, go through both; every line must give the same outputs or the same refusal, word for word, and
every account must end in the same state with the same kept facts. A handler may leave an event to the
interpreter only when the interpreter then refuses it: the generated code takes every event it can.
Over the fixture policy's stream and a richer variant of it (every operation, effects applied by their
declared changes), and over a policy whose names are hostile strings (quotes, newlines, code).
"""
from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import closure_policy
from closure_policy import Policy, load_policy
from closure_policy.stream import CompiledStream, StreamError, StreamProcessor
from closure_policy.stream.codegen import BUILTINS, VOCABULARY
from tests.conftest import FIXTURE_RULES, changed_rules, document

RICH_STREAM = """stream:
  assess: gate
  events:
    account.snapshot: {replace: facts}
    balance.updated: {merge: {balance: balance}}
    contract.expired: {update: {in: contracts, key: id, match: contract_id, set: {status: {value: expired}}}}
    contract.changed: {update: {in: contracts, key: id, match: contract_id, merge: changes}}
    ticket.opened: {append: {support_tickets: ticket}}
    review.updated: {set: {final_review.status: status}}
    link.clicked: {ask: route, add: {click: click}}
    account.closed:
      effects: closing
      set: {account.status: {value: closed}, account.closed_at: closed_at}
  effects:
    by: type
    apply:
      expire: {update: {in: contracts, key: id, match: contract_id, set: {status: {value: expired}}}}
      disable: {update: {in: links, key: id, match: link_id, set: {status: {value: disabled}}}}
      close: {}
  lifecycle:
    start: blocked
    states: [blocked, clear, closed]
    transitions:
      - {from: [blocked, clear], to: closed, when: {use: account-closed}}
      - {from: [blocked], to: clear, when: {fact: balance.pending, op: "==", value: 0}}
      - {from: [clear], to: blocked, when: {fact: balance.pending, op: ">", value: 0}}
    final:
      states: [closed]
      keep: [account, balance, final_review, links, action, request]
      reopen: {when: {use: account-open}, ask: gate}
"""

CLOSING_QUERY = """  closing:
    title: {en: "What does closing change?", zh: "关闭会改变什么？"}
    outcomes: {effects: {}}
    default: effects

"""

CLOSING_RULES = """rules:
  - id: closing.expire
    query: closing
    source: {section: fixture, quote: contracts expire}
    title: {en: Active contracts expire, zh: 合同到期}
    when: {use: account-open}
    emit:
      for_each: {in: contracts, as: contract, where: {fact: contract.status, op: "==", value: active}}
      effect: {type: expire, contract_id: {fact: contract.id}}
  - id: closing.disable
    query: closing
    source: {section: fixture, quote: links stop}
    title: {en: Links stop, zh: 链接失效}
    when: {use: account-open}
    emit:
      for_each: {in: links, as: link, where: {fact: link.status, op: "!=", value: disabled}}
      effect: {type: disable, link_id: {fact: link.id}}
  - id: closing.close
    query: closing
    source: {section: fixture, quote: the account closes}
    title: {en: The account closes, zh: 账户关闭}
    when: {use: account-open}
    emit:
      effect: {type: close}
"""


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    rules = changed_rules(tmp_path_factory.mktemp("rich"))
    (rules / "stream.yaml").write_text(RICH_STREAM, encoding="utf-8")
    (rules / "closing.yaml").write_text(CLOSING_RULES, encoding="utf-8")
    policy = rules / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("\nconditions:", "\n" + CLOSING_QUERY + "conditions:"), encoding="utf-8")
    return load_policy(rules)


@pytest.fixture(scope="module")
def fixture() -> Policy:
    return load_policy(FIXTURE_RULES)


class Parts:
    """An observer that keeps every part of the declaration reached, in order."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def reached(self, part: str) -> None:
        self.seen.append(part)


# --- the events: valid, and wrong in the ways a real feed is wrong ---------------------------------------------

ACCOUNTS = st.sampled_from(["P-1", "P-2", "P-3"])
MONEY = st.sampled_from(["0", "0", "5", "0.01", "50.00", "-1", "1e3", "x", 7, 0, "9" * 39])
INSTANTS = st.sampled_from(["2026-11-26T09:30:00Z", "2026-11-26T01:00:00+08:00", "2026-02-30T00:00:00Z",
                            "0001-01-01T00:00:00Z", "2026-11-26", None])
IDS = st.sampled_from(["C-1", "C-2", "C-404", "L-1", "L-2", "T-1", ""])


def _snapshot(account: str, pending: Any, status: str, contracts: list[str], owner: str | None) -> dict[str, Any]:
    facts = document(account={"id": owner or account, "status": status,
                              **({"closed_at": "2026-11-20T00:00:00Z"} if status == "closed" else {})},
                     balance={"pending": pending},
                     contracts=[{"id": c, "status": "active"} for c in contracts])
    return {"facts": facts}


PAYLOADS: dict[str, Any] = {
    "account.snapshot": st.builds(_snapshot, ACCOUNTS, MONEY, st.sampled_from(["active", "active", "closed"]),
                                  st.lists(st.sampled_from(["C-1", "C-2"]), max_size=3),
                                  st.sampled_from([None, None, None, "P-9"])),
    "balance.updated": st.fixed_dictionaries({"balance": st.dictionaries(
        st.sampled_from(["pending", "available", "currency", "bogus"]), MONEY, max_size=2)}),
    "contract.expired": st.fixed_dictionaries({"contract_id": IDS}),
    "contract.changed": st.fixed_dictionaries({"contract_id": IDS, "changes": st.dictionaries(
        st.sampled_from(["status", "brand", "id"]), st.sampled_from(["active", "expired", "gone", "C-2", "Acme"]),
        max_size=2)}),
    "ticket.opened": st.fixed_dictionaries({"ticket": st.fixed_dictionaries({
        "id": st.sampled_from(["T-1", "T-2"]), "type": st.sampled_from(["close_account", "nope"]),
        "status": st.just("open"), "account_ids": st.lists(ACCOUNTS, max_size=2)})}),
    "review.updated": st.fixed_dictionaries({"status": st.sampled_from(["approved", "rejected", "maybe", 3])}),
    "link.clicked": st.fixed_dictionaries({"click": st.fixed_dictionaries({"link_id": IDS,
                                                                           "clicked_at": INSTANTS})}),
    "account.closed": st.fixed_dictionaries({"closed_at": INSTANTS}),
}
GARBAGE = st.sampled_from(["{not json", "[]", '{"account_id": "P-1", "type": "nope", "payload": {}}',
                           '{"account_id": "P-1", "type": "balance.updated", "payload": {}}',
                           '{"account_id": "", "type": "review.updated", "payload": {"status": "approved"}}',
                           '{"account_id": "P-1", "type": "review.updated", "payload": {"status": "approved", '
                           '"more": 1}}'])


@st.composite
def lines(draw: Any, kinds: list[str]) -> list[str]:
    found = []
    for _ in range(draw(st.integers(1, 40))):
        if draw(st.integers(0, 12)) == 0:
            found.append(draw(GARBAGE))
            continue
        kind = draw(st.sampled_from(kinds))
        found.append(json.dumps({"account_id": draw(ACCOUNTS), "type": kind, "payload": draw(PAYLOADS[kind])}))
    return found


def _said(processor: StreamProcessor, line: str, number: int) -> Any:
    try:
        return [(o.line, o.state, o.basis, o.decision.to_dict()) for o in processor.feed(line, number)]
    except StreamError as exc:
        return ("refused", exc.report())


def _agree(policy: Policy, given: list[str]) -> CompiledStream:
    """Both take ``given``; every answer, state and part reached is the same. The generated stream, for more."""
    seen_generated, seen_interpreted = Parts(), Parts()
    generated = CompiledStream(policy, observer=seen_generated)
    interpreted = StreamProcessor(policy, observer=seen_interpreted)
    for number, line in enumerate(given, start=1):
        deferred = generated.deferred
        said = _said(generated, line, number)
        assert said == _said(interpreted, line, number), line
        if generated.deferred > deferred:  # left to the interpreter only to be refused
            assert said[0] == "refused", line
    for account in ("P-1", "P-2", "P-3"):
        assert generated.store.get(account) == interpreted.store.get(account)
        assert generated.state_of(account) == interpreted.state_of(account)
    assert seen_generated.seen == seen_interpreted.seen
    return generated


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(lines(["account.snapshot", "account.snapshot", "balance.updated", "contract.expired", "link.clicked",
              "account.closed"]))
def test_the_generated_stream_takes_every_sequence_as_the_interpreter_does(fixture, given_lines):
    _agree(fixture, given_lines)


@PROPERTY
@given(lines(list(PAYLOADS)))
def test_every_operation_and_effect_agrees_with_the_interpreter(rich, given_lines):
    _agree(rich, given_lines)


def test_the_rich_stream_reaches_every_part_and_takes_its_events_itself(rich):
    """A sequence the handlers take whole: every event, effect and transition, none left to the interpreter."""
    def event(kind: str, payload: dict[str, Any]) -> str:
        return json.dumps({"account_id": "P-1", "type": kind, "payload": payload})
    given_lines = [
        event("account.snapshot", _snapshot("P-1", "5", "active", ["C-1", "C-2"], None)),
        event("balance.updated", {"balance": {"pending": "0"}}),
        event("contract.changed", {"contract_id": "C-2", "changes": {"brand": "Acme"}}),
        event("contract.expired", {"contract_id": "C-1"}),
        event("ticket.opened", {"ticket": {"id": "T-1", "type": "close_account", "status": "open",
                                           "account_ids": ["P-1"]}}),
        event("review.updated", {"status": "rejected"}),
        event("balance.updated", {"balance": {"pending": "5"}}),
        event("link.clicked", {"click": {"link_id": "L-1", "clicked_at": "2026-11-26T09:30:00Z"}}),
        event("account.closed", {"closed_at": "2026-11-26T10:00:00Z"}),
        event("balance.updated", {"balance": {"pending": "1"}}),  # ignored: closed is final
        event("account.snapshot", _snapshot("P-1", "0", "active", [], None)),  # asks reopen
    ]
    generated = _agree(rich, given_lines)
    assert generated.deferred == 0
    kept = generated.facts_of("P-1")
    assert kept["links"][0]["status"] == "disabled" and kept["contracts"] == []  # the effects, then the keep
    parts = Parts()
    again = CompiledStream(rich, observer=parts)
    for number, line in enumerate(given_lines, start=1):
        again.feed(line, number)
    assert set(parts.seen) == set(rich.stream.parts)  # every part of the declaration, reached by the handlers


def test_only_the_sections_an_event_writes_are_checked_and_only_what_reads_them_is_decided(fixture):
    """The handler of an event writing a section no transition reads does not move the lifecycle; one writing
    a section the assessed query does not read does not decide it (here: none such; the source says)."""
    source = CompiledStream(fixture).program.source
    merge = source[source.index("def on_1("):source.index("def on_2(")]  # balance.updated
    update = source[source.index("def on_2("):source.index("def on_3(")]  # contract.expired
    assert "settle(life if life is not None" in merge  # the transitions read the balance
    assert "settle(life if life is not None" not in update and "if life is None:" in update
    assert "(facts['contracts'])" in update and "(facts['balance'])" not in update


# --- hostile declarations: its strings reach the source only as literals ----------------------------------------

#: Values a declaration may write (``{value: ...}``: any JSON), and names the rules schema allows that are Python's
#: keywords or the generated code's own names.
HOSTILE = ["it's \"x\"\n", "'''", '"""', "\\", "{x}", "); import os #", "\u00e9\u4e2d", "a\tb"]
LIST, OBJECT, KEY, MATCH, VALUE = "import", "__class__", "facts", "__builtins__", "payload"


def _hostile_policy(folder: Path) -> Path:
    shutil.copytree(Path(closure_policy.__file__).parent / "skeleton", folder)
    schema_path = folder / "schemas/facts.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    item = {"type": "object", "additionalProperties": False, "required": [KEY],
            "properties": {KEY: {"type": "string"}, VALUE: {}}}
    schema["properties"][LIST] = {"type": "array", "items": item}
    schema["properties"][OBJECT] = {"type": "object"}
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    stream = {"stream": {
        "assess": "approve_refund",
        "events": {
            "import.os": {"replace": "held"},
            "class.def": {"append": {LIST: "src"}},
            "on_0.k0": {"merge": {OBJECT: MATCH}, "set": {"request.amount": "settle"}},
            "return.none": {"update": {"in": LIST, "key": KEY, "match": MATCH,
                                       "set": {VALUE: {"value": HOSTILE}}}},
            "raise.x": {"set": {"request.id": {"value": HOSTILE[5]}}},
        },
        "lifecycle": {"start": "class", "states": ["class", "return"], "transitions": [
            {"from": ["class"], "to": "return", "when": {"fact": "request.amount", "op": ">", "value": "100.00"}},
            {"from": ["return"], "to": "class", "when": {"fact": "request.amount", "op": "<=", "value": "100.00"}}]},
    }}
    (folder / "rules/stream.yaml").write_text(json.dumps(stream), encoding="utf-8")  # JSON is YAML
    return folder / "rules"


def test_hostile_declarations_reach_the_source_only_as_literals_and_run_as_the_interpreter(tmp_path):
    policy = load_policy(_hostile_policy(tmp_path / "hostile"))
    source = CompiledStream(policy).program.source
    own = {"s", "account", "held", "payload", "line", "facts", "src", "life", "taken", "move", "last", "now",
           "decision", "env", "effected", "effect", "way", "part", "i", "known", "_", "settle", "APPLY"}
    generated = re.compile(r"(K|v|o|n|h|i)\d+|effect_\d+|on_\d+")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            assert node.id in own or node.id in VOCABULARY or node.id in BUILTINS or generated.fullmatch(node.id), \
                node.id
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Lambda, ast.ClassDef, ast.Attribute)):
            assert isinstance(node, ast.Attribute) and node.attr in {"get", "append", "reached", "observer",
                                                                     "store", "put", "outcome", "rule_ids",
                                                                     "effects"}, ast.dump(node)

    def event(kind: str, payload: dict[str, Any]) -> str:
        return json.dumps({"account_id": "R-1", "type": kind, "payload": payload})
    facts = {"request": {"id": "R-1", "amount": "5"}, LIST: [], OBJECT: {}}
    given_lines = [
        event("import.os", {"held": facts}),
        event("class.def", {"src": {KEY: "k"}}),
        event("on_0.k0", {MATCH: {"k": "x"}, "settle": "500"}),
        event("return.none", {MATCH: "k"}),
        event("return.none", {MATCH: "missing"}),  # refused: no such item
        event("raise.x", {}),  # refused: the subject is not the account's
    ]
    seen = {}
    for name, processor in (("generated", CompiledStream(policy)), ("interpreted", StreamProcessor(policy))):
        seen[name] = ([_said(processor, line, n) for n, line in enumerate(given_lines, 1)],
                      processor.store.get("R-1"))
    assert seen["generated"] == seen["interpreted"]
    outputs, state = seen["generated"]
    assert state["facts"][LIST] == [{KEY: "k", VALUE: HOSTILE}] and state["facts"][OBJECT] == {"k": "x"}
    assert state["life"] == "return" and outputs[-2][0] == outputs[-1][0] == "refused"


# --- states read back from a file are checked once, then trusted ----------------------------------------------

def test_a_state_file_edited_by_hand_is_refused_not_decided(tmp_path, fixture):
    import sqlite3

    from closure_policy.stream.durable import DurableStore

    path = str(tmp_path / "state.db")
    store = DurableStore(path, fixture.facts_schema.document, fixture.revision, cache=1)
    stream = CompiledStream(fixture, store=store)
    stream.feed(json.dumps({"account_id": "P-1", "type": "account.snapshot",
                            "payload": {"facts": document()}}), 1)
    store.commit(1)
    broken = dict(store.get("P-1"))
    broken["facts"] = {**broken["facts"], "balance": {**broken["facts"]["balance"], "pending": "-5"}}
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE accounts SET state = ? WHERE account = 'P-1'", (store.codec.encode(broken),))
    store = DurableStore(path, fixture.facts_schema.document, fixture.revision, cache=1)
    stream = CompiledStream(fixture, store=store)
    with pytest.raises(StreamError, match="the state of 'P-1' holds facts the policy's schema refuses"):
        stream.feed(json.dumps({"account_id": "P-1", "type": "balance.updated",
                                "payload": {"balance": {"available": "1"}}}), 2)
    store.close()


def test_the_cli_runs_the_interpreter_when_asked(tmp_path):
    import subprocess
    import sys

    lines_text = "\n".join(json.dumps({"account_id": "P-1", "type": kind, "payload": payload}) for kind, payload in [
        ("account.snapshot", {"facts": document(balance={"pending": "5"})}),
        ("balance.updated", {"balance": {"pending": "0"}})])
    runs = [subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "stream", "--rules", str(FIXTURE_RULES),
                            *flag], input=lines_text, capture_output=True, text=True, check=False)
            for flag in ([], ["--interpret"])]
    assert runs[0].returncode == runs[1].returncode == 0
    assert runs[0].stdout == runs[1].stdout and len(runs[0].stdout.splitlines()) == 2
