"""docs/reference.md is what the engine loads: schemas, bundled rules, CLI and API."""
from __future__ import annotations

from closure_policy import load_policy
from closure_policy.cli.main import build_parser
from closure_policy.cli.reference import render
from tests.conftest import FIXTURE_RULES, ROOT


def test_the_reference_in_docs_is_generated_from_the_project():
    assert (ROOT / "docs/reference.md").read_text(encoding="utf-8") == render(build_parser()), \
        "regenerate it: closure-policy reference > docs/reference.md"


def test_the_reference_names_every_rule_query_and_fact_of_a_policy():
    policy = load_policy(FIXTURE_RULES)
    text = render(build_parser(), policy)
    for name, query in policy.queries.items():
        assert f"### `{name}`" in text
        assert all(f"| `{rule.id}` |" in text for rule in query.rules)
    assert "| `balance.manual_payout_fee` |" in text and "| `violations[].remediation` |" in text
    assert "### `closure-policy stream`" in text and "- `EngineLimit` (Exception)" in text
