"""The rule cache: a recompilation redoes only the rules an edit changed, and finds what a fresh one finds."""
from __future__ import annotations

from pathlib import Path

from closure_policy.compile import compile_policy
from closure_policy.compile.cache import RuleCache
from closure_policy.load.yaml_source import load_rule_dir, load_yaml_text
from tests.conftest import changed_rules


def _edit(sources, name: str, old: str, new: str):
    """The sources with ``old`` replaced once in the file ``name``, as an editor's buffer would hold it."""
    edited = []
    for source in sources:
        if source.path.name == name:
            assert source.text.count(old) == 1, old
            source, _ = load_yaml_text(source.text.replace(old, new), source.path, source.name)
        edited.append(source)
    return edited


def _same_as_fresh(folder: Path, sources, cache: RuleCache):
    cached = compile_policy(folder, strict=False, sources=sources, cache=cache)
    fresh = compile_policy(folder, strict=False, sources=sources)
    assert (cached.problems, cached.leaves, cached.revision) == (fresh.problems, fresh.leaves, fresh.revision)
    assert [r.id for q in cached.queries.values() for r in q.rules] == \
        [r.id for q in fresh.queries.values() for r in q.rules]
    return cached


def _rules(folder: Path) -> int:
    return sum(len(q.rules) for q in compile_policy(folder).queries.values())


def test_an_edit_inside_one_rule_recompiles_that_rule(tmp_path):
    folder = changed_rules(tmp_path)
    sources, _ = load_rule_dir(folder)
    cache = RuleCache()
    _same_as_fresh(folder, sources, cache)
    assert (cache.hits, cache.misses) == (0, _rules(folder))
    edited = _edit(sources, "gate.yaml", "quote: nothing overdue", "quote: nothing overdue at all")
    _same_as_fresh(folder, edited, cache)
    assert cache.misses == _rules(folder) + 1


def test_a_rule_moved_down_is_recompiled_where_it_now_is(tmp_path):
    folder = changed_rules(tmp_path)
    sources, _ = load_rule_dir(folder)
    cache = RuleCache()
    first = _same_as_fresh(folder, sources, cache)
    moved = _same_as_fresh(folder, _edit(sources, "gate.yaml", "rules:\n", "rules:\n\n# a comment\n"), cache)
    assert first.leaves["gate.no-pending"] != moved.leaves["gate.no-pending"]  # each comparison two lines down


def test_a_changed_named_condition_recompiles_the_rules_that_use_one(tmp_path):
    folder = changed_rules(tmp_path)
    sources, _ = load_rule_dir(folder)
    cache = RuleCache()
    _same_as_fresh(folder, sources, cache)
    before = cache.misses
    _same_as_fresh(folder, _edit(sources, "policy.yaml", "account-closed: {fact: account.status, op: \"==\", "
                                 "value: closed}", "account-closed: {fact: account.status, op: \"!=\", "
                                 "value: active}"), cache)
    users = sum("use" in str(r) for r in _rule_data(sources))
    assert cache.misses - before == users and 0 < users < _rules(folder)


def _rule_data(sources):
    return [rule for s in sources if isinstance(s.data, dict) for rule in s.data.get("rules", [])]


def test_a_cached_rule_reports_its_problems_again(tmp_path):
    folder = changed_rules(tmp_path, "gate.yaml", "fact: balance.overdue,", "fact: balance.overdeu,")
    sources, _ = load_rule_dir(folder)
    cache = RuleCache()
    first = _same_as_fresh(folder, sources, cache)
    again = _same_as_fresh(folder, sources, cache)
    assert cache.hits > 0 and [p.check for p in again.problems] == [p.check for p in first.problems] != []


def test_another_facts_schema_recompiles_every_rule(tmp_path):
    folder = changed_rules(tmp_path)
    sources, _ = load_rule_dir(folder)
    cache = RuleCache()
    _same_as_fresh(folder, sources, cache)
    schema = folder / "facts.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"maxLength": 256', '"maxLength": 255', 1),
                      encoding="utf-8")
    _same_as_fresh(folder, sources, cache)
    assert cache.hits == 0 and cache.misses == 2 * _rules(folder)
