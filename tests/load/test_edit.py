"""An edit inside one rule re-parses that rule alone, and gives exactly what parsing the whole text gives."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from closure_policy.load.edit import reparse
from closure_policy.load.yaml_source import load_yaml_file, load_yaml_text
from tests.conftest import FIXTURE_RULES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import scale_policy  # noqa: E402


def _generated(tmp: Path) -> Path:
    return scale_policy.write_policy(tmp, 40, per_file=40) / "rules_0000.yaml"


INSERTS = st.sampled_from(["", "x", "1", "\n", "  ", ": ", '"', "#", "\n    note: hi", "-", "{", "é", "\n  - id: a.b",
                           "&anchor ", "*alias", "\t"])


@settings(max_examples=400, deadline=None)
@given(file=st.sampled_from(["gate.yaml", "route.yaml", "generated"]), where=st.floats(0, 1),
       width=st.integers(0, 8), insert=INSERTS)
def test_an_edit_parses_as_the_whole_text_does(tmp_path_factory, file, where, width, insert):
    path = _generated(tmp_path_factory.mktemp("g")) if file == "generated" else FIXTURE_RULES / file
    old, problems = load_yaml_file(path)
    assert not problems
    at = int(where * len(old.text))
    text = old.text[:at] + insert + old.text[at + width:]
    edited = reparse(old, text)
    whole, problems = load_yaml_text(text, old.path, old.name)
    if edited is not None:  # None: the caller parses the whole text
        assert not problems
        assert (edited.data, edited.marks, edited.text) == (whole.data, whole.marks, whole.text)


def test_a_value_changed_in_one_rule_is_reparsed_alone(tmp_path):
    path = _generated(tmp_path)
    old, _ = load_yaml_file(path)
    text = old.text.replace("rule 7", "rule seven", 1)
    edited = reparse(old, text)
    assert edited is not None and edited.data["rules"][7]["source"]["quote"] == "rule seven"
    assert edited.data["rules"][8] is old.data["rules"][8]  # the other rules are the same objects


def test_an_edit_across_two_rules_or_with_an_alias_parses_whole(tmp_path):
    old, _ = load_yaml_file(_generated(tmp_path))
    start, end = old.text.index("rule 7"), old.text.index("rule 8")
    assert reparse(old, old.text[:start] + old.text[end:]) is None
    assert reparse(old, old.text.replace("rule 7", "*x", 1)) is None
