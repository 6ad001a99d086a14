"""closure-policy fmt: one layout, comments kept, meaning kept, and formatting twice changes nothing."""
from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from closure_policy.cli.main import main
from closure_policy.load.fmt import KEY_ORDER, format_text
from tests.conftest import FIXTURE_RULES, ROOT

BUNDLED = sorted((ROOT / "rules").glob("*.yaml")) + sorted((ROOT / "tests/policy").glob("*.yaml")) + \
    sorted(FIXTURE_RULES.glob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_formatting_keeps_the_meaning_and_twice_changes_nothing(path):
    text = path.read_text(encoding="utf-8")
    once = format_text(text)
    assert yaml.safe_load(once) == yaml.safe_load(text)
    assert format_text(once) == once
    assert once.startswith("# yaml-language-server: $schema=") == text.startswith("# yaml-language-server: $schema=")


def _shuffled(data, rng: random.Random):
    """The same data with keys in another order and some collections in the other style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(data, dict):
        keys = list(data)
        if all(k in KEY_ORDER for k in keys):  # others (languages, names, data) keep the order written
            rng.shuffle(keys)
        result = CommentedMap((k, _shuffled(data[k], rng)) for k in keys)
    elif isinstance(data, list):
        result = CommentedSeq(_shuffled(v, rng) for v in data)
    else:
        return data
    if rng.random() < 0.5:
        result.fa.set_flow_style()
    else:
        result.fa.set_block_style()
    return result


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # a failing layout is shown whole, not shrunk
@given(st.sampled_from(BUNDLED[:8] + BUNDLED[-4:]), st.integers(0, 10**6))
def test_any_layout_of_a_file_formats_to_the_same_canonical_text(path, seed):
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    writer = YAML()
    writer.width = 4096
    out = io.StringIO()
    writer.dump(_shuffled(data, random.Random(seed)), out)
    scrambled = out.getvalue()
    try:  # ruamel.yaml writes YAML 1.2, which PyYAML (1.1) does not always read: such a layout is no input
        assume(yaml.safe_load(scrambled) == data)
    except yaml.YAMLError:
        assume(False)
    formatted = format_text(scrambled)
    assert yaml.safe_load(formatted) == data and format_text(formatted) == formatted
    if "#" not in text:  # without comments to place, any layout comes out as the canonical one (blank lines kept)
        assert _lines(formatted) == _lines(format_text(text))


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_comments_stay_and_operators_are_quoted():
    text = ("rules:\n  - query: gate   # which question\n    id: gate.x\n"
            "    when: {fact: balance.pending, op: '>', value: 0}  # the check\n")
    out = format_text(text)
    assert out.splitlines()[1:3] == ["  - id: gate.x", "    query: gate   # which question"]
    assert 'when: {fact: balance.pending, op: ">", value: 0}  # the check' in out


@pytest.mark.parametrize("scalar", ['"yes"', '"1e999999999"', "1e999999999", '"010"', '"{pending} left"', '"2.50"'])
def test_texts_that_yaml_1_1_would_read_otherwise_stay_texts(scalar):
    text = f"cases:\n  - name: x\n    patch: {{balance: {{pending: {scalar}}}}}\n"
    out = format_text(text)
    assert yaml.safe_load(out) == yaml.safe_load(text)


@pytest.mark.parametrize("text", ["queries:\n  q:\n    title: {en: May it close now? It needs a review?, zh: 好？}\n",
                                  "cases:\n  - name: x\n    patch: {account: {id: a? b}}\n"])
def test_what_the_rules_reader_accepts_is_formatted(text):
    # libyaml (the rules' reader) takes "? " inside a flow mapping's plain text; PyYAML's own parser does not
    from closure_policy.load.yaml_source import read_meaning

    out = format_text(text)
    assert read_meaning(out) == read_meaning(text) == yaml.safe_load(out)  # and the result reads alike in both


def test_long_conditions_go_a_part_to_a_line():
    conditions = ", ".join(f"{{fact: balance.f{i}, op: \">\", value: {i}}}" for i in range(5))
    out = format_text(f"conditions:\n  c: {{all: [{conditions}]}}\n")
    assert out.splitlines()[1:3] == ["  c:", "    all:"]
    assert all(len(line) <= 120 for line in out.splitlines())


def test_the_command_checks_shows_and_writes(tmp_path, capsys):
    path = tmp_path / "r.yaml"
    path.write_text("rules:\n  - query: gate\n    id: gate.x\n", encoding="utf-8")
    assert main(["fmt", "--check", str(path)]) == 1
    assert f"would reformat {path}" in capsys.readouterr().out
    assert main(["fmt", "--diff", str(path)]) == 0
    assert "+  - id: gate.x" in capsys.readouterr().out and path.read_text().startswith("rules:\n  - query")
    assert main(["fmt", str(path)]) == 0
    assert path.read_text() == "rules:\n  - id: gate.x\n    query: gate\n"
    assert main(["fmt", "--check", str(path)]) == 0


def test_a_file_that_is_not_yaml_is_reported_not_rewritten(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("rules: [a, b\n", encoding="utf-8")
    assert main(["fmt", str(path)]) == 2
    assert f"{path}:2:1: invalid YAML: a [list] not closed with ']'" in capsys.readouterr().err
    assert path.read_text() == "rules: [a, b\n"


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))


@pytest.mark.parametrize("content,message", [
    (BOMB.encode(), "(limit)"),                       # aliases expanding to a billion nodes: refused, not expanded
    (b"rules:\n  - id: \xff\n", "not UTF-8"),
    (b"a: 1\na: 2\n", "(duplicate-key)"),
])
def test_a_file_the_loader_refuses_is_reported_at_its_place_and_left_alone(tmp_path, capsys, content, message):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    assert main(["fmt", str(path)]) == 2
    assert message in capsys.readouterr().err and path.read_bytes() == content


def test_a_missing_path_is_a_clear_error(tmp_path, capsys):
    assert main(["fmt", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_the_project_root_is_not_needed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["fmt"]) == 2 and "name the files or folders" in capsys.readouterr().err
    assert Path.cwd() == tmp_path


@pytest.mark.parametrize("ending", ["\n\n", "\n\n\n", "\n  \n", "  \n"])
def test_a_file_ends_in_exactly_one_newline(ending):
    canonical = "rules:\n  - id: gate.x  # a comment stays\n    query: gate\n"
    assert format_text(canonical) == canonical
    assert format_text(canonical.rstrip("\n") + ending) == canonical
