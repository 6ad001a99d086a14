"""Every query of the bundled policy on every bundled example and YAML fixture, in every format and
language, on both backends, with and without the trace: exit 0 or 2 as documented, never a traceback,
and text free of control characters. It asserts no outcome: the YAML suites own the policy's behaviour."""
from __future__ import annotations

import json
import re

import pytest

from closure_policy import load_policy
from closure_policy.cli.main import main

from ..conftest import ROOT

DOCUMENTS = sorted([*ROOT.glob("examples/*.json"), *ROOT.glob("tests/policy/fixtures/*.json")])
QUERIES = sorted(load_policy(ROOT / "rules").queries)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("backend", ["compiled", "rete"])
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_query_every_format_every_language(capsys, document, backend):
    assert DOCUMENTS and QUERIES
    for query in QUERIES:
        # each format in each language, each with and without the trace (a pairwise cover: half the runs)
        for fmt, lang, explain in [("json", "en", []), ("json", "zh", ["--explain"]), ("text", "en", ["--explain"]),
                                   ("text", "zh", [])]:
            argv = ["eval", "--rules", str(ROOT / "rules"), "-q", query, "-f", str(document),
                    "--format", fmt, "--lang", lang, "--backend", backend, *explain]
            code = main(argv)
            out, err = capsys.readouterr()
            where = " ".join(argv[3:])
            assert code in (0, 2), (where, err)
            assert "Traceback" not in err and "internal error" not in err, (where, err)
            assert not CONTROL.search(out) and not CONTROL.search(err), where
            if code == 2:
                assert out == "" and err.strip(), where  # refused with a reason, and nothing decided
            elif fmt == "json":
                assert json.loads(out)["query"] == query, where
            else:
                assert f"({query})" in out.splitlines()[0], where
