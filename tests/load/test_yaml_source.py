from __future__ import annotations

from pathlib import Path

from closure_policy.load import load_yaml_file


def _load(tmp_path: Path, text: str):
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return load_yaml_file(path, "r.yaml")


def test_marks_are_one_based_for_values_and_keys(tmp_path):
    source, problems = _load(tmp_path, "rules:\n  - id: a.b\n    when: {fact: x, op: '==', value: 1}\n")
    assert problems == []
    assert source.data == {"rules": [{"id": "a.b", "when": {"fact": "x", "op": "==", "value": 1}}]}
    assert source.marks.at(("rules", 0, "id")) == (2, 9)
    assert source.marks.at(("rules", 0, "id"), key=True) == (2, 5)
    assert source.marks.at(("rules", 0, "when", "value")) == (3, 38)
    # an unknown path is placed at its nearest known ancestor
    assert source.marks.at(("rules", 0, "when", "nope")) == (3, 11)


def test_duplicate_keys_are_reported_not_silently_dropped(tmp_path):
    source, problems = _load(tmp_path, "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert [(p.line, p.column, p.check) for p in problems] == [(4, 3, "duplicate-key"), (5, 1, "duplicate-key")]
    assert "first at line 3" in problems[0].message


def test_syntax_error_has_a_position(tmp_path):
    _, problems = _load(tmp_path, "a: [1, 2\nb: 3\n")
    assert len(problems) == 1 and problems[0].check == "yaml-syntax"
    assert problems[0].line == 2


def test_yaml_is_never_executed(tmp_path):
    _, problems = _load(tmp_path, "a: !!python/object/apply:os.system ['echo pwned']\n")
    assert [p.check for p in problems] == ["yaml-syntax"]


def test_empty_file_is_empty_data(tmp_path):
    source, problems = _load(tmp_path, "# only a comment\n")
    assert (source.data, problems) == ({}, [])
