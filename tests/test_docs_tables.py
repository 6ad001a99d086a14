"""docs/limits.md and the facts schema state the limits of ``closure_policy.limits``, and no others."""
from __future__ import annotations

import json

from closure_policy import checks, limits
from tests.conftest import ROOT


def test_the_docs_table_is_the_limits_module():
    assert limits.markdown_table() in (ROOT / "docs/limits.md").read_text(encoding="utf-8")


def test_every_limit_has_a_row_with_a_description():
    rows = limits.markdown_table().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == list(limits.documented())
    assert all(row.rsplit("|", 2)[1].strip() for row in rows)


def test_the_facts_schema_repeats_the_limits_it_can_state():
    defs = json.loads((ROOT / "schemas/facts.schema.json").read_text(encoding="utf-8"))["$defs"]
    assert defs["id"]["maxLength"] == limits.MAX_ID_LENGTH
    assert defs["timezone"]["maxLength"] == limits.MAX_TIMEZONE_LENGTH
    assert "{1,%d}" % limits.MAX_SECOND_FRACTION_DIGITS in defs["timestamp"]["pattern"]
    money = defs["money"]["anyOf"][0]["pattern"]
    assert money == "^[0-9]{1,%d}(\\.[0-9]{1,%d})?$" % (limits.MAX_MONEY_INTEGER_DIGITS,
                                                         limits.MAX_MONEY_FRACTION_DIGITS)


def test_the_docs_table_of_checks_is_the_registry():
    assert checks.markdown_table() in (ROOT / "docs/rule-language.md").read_text(encoding="utf-8")


def test_a_problem_must_name_a_registered_check():
    import pytest

    from closure_policy.errors import Problem

    assert Problem("f", 1, 1, "m", "schema").check == "schema"
    with pytest.raises(ValueError, match="not a registered check"):
        Problem("f", 1, 1, "m", "no-such-check")


def test_every_file_the_docs_name_exists():
    import re

    named = re.compile(r"`((?:tests|engine|docs|benchmarks|schemas|rules|examples|\.ci)/[\w./*-]+)`")
    missing = [(doc.name, path) for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
               for path in named.findall(doc.read_text(encoding="utf-8"))
               if not list(ROOT.glob(path.rstrip("/")))]
    assert missing == []
