"""Every kind of problem ``check`` and ``test`` report, by id: one registry.

Like yamllint's rule registry: a :class:`~closure_policy.errors.Problem`
must name one of these ids, and the table in ``docs/rule-language.md`` is
this registry (a test keeps them equal).
"""
from __future__ import annotations

CHECKS: dict[str, str] = {
    # reading files
    "io": "an entry named like a rule file that cannot be read as a file of the folder",
    "limit": "a file or condition past a limit of docs/limits.md (size, depth, expansion, digits)",
    "yaml-syntax": "the file is not valid YAML, or uses a tag",
    "duplicate-key": "a key appears twice in one mapping (YAML would keep only the last)",
    "schema": "the file does not match its JSON Schema (rules.schema.json, tests.schema.json, properties.schema.json)",
    # the policy as a whole
    "policy-missing": "no file declares the policy",
    "duplicate-policy": "more than one file declares the policy",
    "duplicate-id": "a rule id used twice",
    "duplicate-query": "a query declared twice",
    "duplicate-condition": "a named condition defined twice",
    "duplicate-stream": "more than one file declares the stream",
    "stream": "a stream declaration that names what does not exist (a query, a state, a section, a list key)",
    "missing-translation": "a text missing in one of the policy's languages",
    "unknown-language": "a text in a language the policy does not declare",
    "facts-schema": "the facts schema policy.facts_schema names cannot be read, is not JSON Schema, or gives a fact no "
                    "type the engine knows",
    # references
    "unknown-query": "a reference to a query that is not declared",
    "unknown-outcome": "a reference to an outcome the query does not have",
    "unknown-step": "a step that is not one of the query's steps",
    "unknown-condition": "a use of a named condition that is not defined",
    "unused-condition": "a named condition no rule uses (so it is never checked)",
    "condition-cycle": "a named condition that uses itself",
    # conditions and values
    "unknown-fact": "a fact path not in the policy's facts schema",
    "type-mismatch": "a comparison that cannot mean anything (money with text, an ordering of enums...)",
    "unknown-value": "a literal that is not one of the fact's possible values",
    "not-a-list": "a quantifier over something that is not a list",
    "shadowed-name": "a bound name that hides a fact or another bound name",
    "unknown-placeholder": "a {name} in a text that names no detail and no fact",
    # answers
    "missing-message": "a rule that emits no effects and has no message",
    "no-outcome": "a rule with no outcome whose query has no on_violation",
    "outcome-incomplete": "outcome choices whose last one has a when",
    # test suites
    "fixture": "a fixture file that cannot be read as facts",
    "unknown-fixture": "a case based on a fixture that is not defined",
    "unknown-rule": "a rule id that is not a rule of the case's query",
    "unknown-event": "a stream case with an event the policy's stream does not declare (or no stream at all)",
    "unknown-state": "a stream case expecting a lifecycle state the stream does not have",
    "duplicate-case": "two cases of one file with the same name",
}


def markdown_table() -> str:
    """The table of ``docs/rule-language.md``."""
    rows = ["| check | meaning |", "|---|---|"] + [f"| `{check}` | {meaning} |" for check, meaning in CHECKS.items()]
    return "\n".join(rows) + "\n"
