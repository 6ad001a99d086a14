"""Rule folders an author may get wrong, or an attacker may craft: problems at file:line:col, never a traceback."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from closure_policy import load_policy
from closure_policy.cli.main import main
from closure_policy.limits import MAX_CONDITION_SIZE, MAX_YAML_DEPTH
from closure_policy.policy import check_rules
from tests.conftest import copy_policy
from tests.hostile.conftest import RULES, document


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    return copy_policy(RULES, target)


def _problems(folder: Path) -> list[tuple[str, int, int, str]]:
    return [(Path(p.file).name, p.line, p.column, p.check) for p in check_rules(folder).problems]


def _add(folder: Path, text: str, name: str = "extra.yaml") -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_an_alias_bomb_is_stopped_at_the_limit(folder):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    _add(folder, "\n".join(lines) + "\n")
    assert len((folder / "extra.yaml").read_bytes()) < 800
    problems = check_rules(folder).problems
    assert [(Path(p.file).name, p.check) for p in problems] == [("extra.yaml", "limit")]
    assert "expands to more than" in problems[0].message


def test_a_recursive_anchor_is_a_problem(folder):
    _add(folder, "conditions:\n  loop: &loop {all: [*loop]}\n")
    assert ("extra.yaml", "limit") in [(n, c) for n, _, _, c in _problems(folder)]


def _chain(folder: Path, rule: str, links: int, link: str) -> None:
    """Named conditions c1..cN, each ``link`` (with {prev}) of the one before, and a rule using the last."""
    lines = ["conditions:", "  c0: {fact: account.status, op: '==', value: closed}"]
    lines += [f"  c{i}: " + link.format(prev=f"c{i - 1}") for i in range(1, links + 1)]
    lines += ["rules:", f"  - id: {rule}", "    query: gate", "    source: {section: s, quote: q}",
              "    title: {en: t}", f"    when: {{use: c{links}}}", "    message: {en: m}"]
    _add(folder, "\n".join(lines) + "\n")


TWICE = "{{all: [{{use: {prev}}}, {{use: {prev}}}]}}"


def test_named_conditions_are_built_once_and_the_expansion_is_bounded(folder):
    _chain(folder, "gate.exponential", 20, TWICE)
    problems = check_rules(folder).problems  # returns at once: 2**20 comparisons are never built
    assert [(Path(p.file).name, p.line, p.check) for p in problems] == [("extra.yaml", 28, "limit")]
    assert f"the limit is {MAX_CONDITION_SIZE:,}" in problems[0].message


def test_shared_named_conditions_below_the_limit_decide_as_inlined(folder):
    _chain(folder, "gate.shared", 7, TWICE)
    for backend in ("compiled", "rete"):
        policy = load_policy(folder, backend=backend)
        closed = document(account={"status": "closed", "closed_at": "2026-11-26T15:30:00Z"})
        assert "gate.shared" in policy.decide("gate", closed).rule_ids
        assert "gate.shared" not in policy.decide("gate", document()).rule_ids


@pytest.mark.parametrize("form,depth", [("not", 161), ("all", 121), ("flow", 491)])
def test_deep_nesting_is_a_problem_at_its_place(folder, form, depth):
    leaf = "{fact: account.status, op: '==', value: closed}"
    if form == "not":
        when = "".join("  " * i + "not:\n" for i in range(depth)) + "  " * depth + leaf
        text = "conditions:\n  deep:\n" + "\n".join("    " + line for line in when.splitlines()) + "\n"
    elif form == "all":
        text = "conditions:\n  deep: " + "{all: [" * depth + leaf + "]}" * depth + "\n"
    else:
        text = "conditions:\n  deep: " + "[" * depth + "]" * depth + "\n"
    _add(folder, text)
    problems = [p for p in check_rules(folder).problems if p.check == "limit"]
    assert len(problems) == 1 and f"nested more than {MAX_YAML_DEPTH} deep" in problems[0].message
    assert problems[0].line >= 2


def test_named_conditions_chained_past_the_depth_limit(folder):
    _chain(folder, "gate.chain", 399, "{{not: {{use: {prev}}}}}")
    checks = {p.check for p in check_rules(folder).problems}
    assert checks == {"limit"}


@pytest.mark.parametrize("value", ["1" * 5000, "0x" + "f" * 5000, "1" * 41])
def test_a_huge_integer_is_a_problem_not_a_crash(folder, value):
    _add(folder, f"conditions:\n  big: {{fact: account.status, op: '==', value: {value}}}\n")
    assert ("extra.yaml", 2, 48, "limit") in _problems(folder)


@pytest.mark.parametrize("make", ["dangling", "folder", "outside", "fifo", "loop"])
def test_an_entry_named_like_a_rule_file_that_cannot_be_read_is_a_problem(folder, tmp_path, make):
    entry = folder / "track.yaml"
    if make == "dangling":
        entry.symlink_to(folder / "missing.yaml")
    elif make == "folder":
        entry.mkdir()
    elif make == "outside":
        (tmp_path / "elsewhere.yaml").write_text("rules: []\n")
        entry.symlink_to(tmp_path / "elsewhere.yaml")
    elif make == "fifo":
        os.mkfifo(entry)  # opening it would block for ever
    else:
        entry.symlink_to(folder / "track.yaml")
    assert [(n, line, c) for n, line, _, c in _problems(folder)] == [("track.yaml", 1, "io")]


def test_a_link_inside_the_folder_is_read(folder):
    (folder / "link.yaml").symlink_to(folder / "gate.yaml")
    (folder / "gate.yaml").rename(folder / "gate.yml.txt")
    (folder / "link.yaml").unlink()
    (folder / "link.yaml").symlink_to(folder / "gate.yml.txt")
    assert _problems(folder) == []


def test_an_oversized_rule_file_is_refused(folder):
    _add(folder, "# " + "x" * (1024 * 1024) + "\n")
    assert ("extra.yaml", 1, 1, "limit") in _problems(folder)


@pytest.mark.parametrize("char,line,col", [("\0", 3, 7), ("\x1b", 3, 7), ("\x07", 3, 7)])
def test_a_reader_error_is_one_line_at_its_real_place(folder, char, line, col):
    _add(folder, f"conditions:\n  a: {{fact: account.status, op: '==', value: closed}}\n  b: x{char}y\n")
    problems = check_rules(folder).problems
    assert [(Path(p.file).name, p.line, p.column, p.check) for p in problems] == \
        [("extra.yaml", line, col, "yaml-syntax")]
    assert "\n" not in problems[0].format() and char not in problems[0].format()


def test_a_huge_rule_id_is_quoted_briefly(folder, capsys):
    _add(folder, "rules:\n  - id: " + "x" * 1_000_000 + "\n")
    assert main(["check", str(folder)]) == 2
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) < 1000


def test_schema_messages_name_what_is_expected_not_a_regular_expression(folder):
    _add(folder, "rules:\n  - {id: 'Bad Id!', query: gate, source: {section: s, quote: q}, title: {en: t},"
                 " when: {fact: account.status, op: '==', value: closed}, message: {en: m}}\n")
    messages = [p.message for p in check_rules(folder).problems]
    assert messages and not any("^" in m or "\\" in m for m in messages), messages


def test_a_duplicate_query_reads_well(folder):
    _add(folder, "queries:\n  gate: {title: {en: again}, outcomes: {allow: {}}, default: allow}\n")
    messages = [p.message for p in check_rules(folder).problems]
    assert any(m.startswith("query 'gate' is already defined") or m.startswith('query "gate" is already defined')
               for m in messages), messages
    assert not any("querie " in m for m in messages)
