"""The command surface as a matrix: every command that decides (eval, eval --explain, eval --case, batch,
stream, the service, test's reporters) on every bundled example and YAML fixture, for every query, in every
format and language, on both backends: exit 0 or 2 as documented, never a traceback, and text free of
control characters. It asserts no outcome: the YAML suites own the policy's behaviour."""
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


def _inert(where: str, *texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "internal error" not in text, (where, text)
        assert not CONTROL.search(text), where


def _cases() -> list[str]:
    """FILE::NAME of every decision case of the bundled suites (stream cases are replayed by `test`)."""
    from closure_policy.tester.session import collect

    policy = load_policy(ROOT / "rules")
    cases, problems = collect([str(ROOT / "tests/policy")], policy)
    assert not problems
    return [f"{case.file}::{case.name}" for case in cases if getattr(case, "query", None)]


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_every_case_of_the_suites_replayed_by_eval_case(capsys, backend):
    cases = _cases()
    assert len(cases) > 100
    for n, case in enumerate(cases):
        fmt, lang = [("json", "en"), ("text", "zh"), ("text", "en"), ("json", "zh")][n % 4]
        argv = ["eval", "--case", case, "--format", fmt, "--lang", lang, "--backend", backend, "--explain"]
        code = main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 2), (case, err)
        _inert(case, out, err)
        assert (out == "") == (code == 2), case


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_batch_every_query_over_every_document(tmp_path, backend):
    corpus = tmp_path / "all.jsonl"
    corpus.write_text("".join(json.dumps(json.loads(p.read_text(encoding="utf-8"))) + "\n" for p in DOCUMENTS),
                      encoding="utf-8")
    for n, query in enumerate(QUERIES):
        lang = ("en", "zh")[n % 2]
        out = tmp_path / f"{query}.jsonl"
        argv = ["batch", "--rules", str(ROOT / "rules"), "-q", query, "-i", str(corpus), "-o", str(out),
                "--lang", lang, "--backend", backend, "--workers", "1", "--quiet"]
        code = main(argv)
        assert code in (0, 2), argv
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [r["row"] for r in rows] == list(range(len(DOCUMENTS)))
        assert all((r["decision"] is None) != (r["error"] is None) for r in rows), query


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_stream_over_every_document(capsys, monkeypatch, backend):
    import io
    import sys

    lines = []
    for n, path in enumerate(DOCUMENTS):
        facts = json.loads(path.read_text(encoding="utf-8"))
        account = f"M-{n}"
        if isinstance(facts.get("account"), dict):
            facts["account"]["id"] = account
        lines.append(json.dumps({"account_id": account, "type": "account.snapshot", "payload": {"facts": facts}}))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(lines).encode()), encoding="utf-8"))
    code = main(["stream", "--rules", str(ROOT / "rules"), "--backend", backend])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    _inert("stream", out, err)
    emitted = [json.loads(line) for line in out.splitlines()]
    assert emitted and all(1 <= e["line"] <= len(DOCUMENTS) and e["decision"]["query"] for e in emitted)


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_the_service_every_query_every_document_every_language(backend):
    from tests.serve.conftest import app_client

    with app_client(rules=str(ROOT / "rules"), backend=backend) as client:
        for query in QUERIES:
            for n, path in enumerate(DOCUMENTS):
                lang, explain = [("en", "false"), ("zh", "true")][n % 2]
                answer = client.post(f"/v1/decisions/{query}?lang={lang}&explain={explain}",
                                     content=path.read_bytes(), headers={"content-type": "application/json"})
                assert answer.status_code in (200, 422), (query, path.name, answer.text)
                _inert(f"{query} {path.name}", answer.text)
                assert (answer.json().get("query") == query) == (answer.status_code == 200)


def test_the_suites_in_every_report_format(capsys, tmp_path):
    for fmt in ("text", "json", "junit"):
        code = main(["test", str(ROOT / "tests/policy"), "--format", fmt, "--coverage"])
        out, err = capsys.readouterr()
        assert code == 0, err
        _inert(fmt, out, err)
    import xml.etree.ElementTree as ET

    ET.fromstring(out.split("\n", 1)[1] if out.startswith("<?xml") else out)  # well-formed JUnit
