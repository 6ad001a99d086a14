"""The decision service in-process (Starlette's TestClient, an httpx client), over the fixture policy."""
from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import zstandard
from starlette.testclient import TestClient

from closure_policy import limits
from closure_policy.cli.main import main
from closure_policy.decisionlog import read_log, read_records
from closure_policy.errors import ClosurePolicyError
from closure_policy.jsondoc import canonical, dump, parse
from closure_policy.resources import schema
from closure_policy.serve.app import TOKEN_VARIABLE, ServeConfig, create_app

from ..conftest import FIXTURE_RULES, document
from .conftest import app_client

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PROBLEM = "application/problem+json"



def _answer_schema() -> dict[str, Any]:
    answer = schema("decision")
    answer["properties"]["decision_id"] = {"type": "string", "pattern": UUID7.pattern}
    answer["required"] = [*answer["required"], "decision_id"]
    return answer


def test_a_decision_is_the_decision_json_with_its_id(client):
    r = client.post("/v1/decisions/gate", json=document(balance={"pending": "5"}))
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    answer = r.json()
    jsonschema.validate(answer, _answer_schema())
    assert answer["outcome"] == "deny" and [v["rule"] for v in answer["violations"]] == ["gate.no-pending"]
    assert answer["policy"]["name"] == "fixture"


def test_language_and_explanation_are_query_parameters(client):
    r = client.post("/v1/decisions/gate?lang=zh&explain=true", json=document(balance={"pending": "5"}))
    answer = r.json()
    assert answer["lang"] == "zh" and answer["violations"][0]["message"] == "5 待处理。"
    assert any(t["rule"] == "gate.no-pending" and t["fired"] for t in answer["trace"])
    assert "trace" not in client.post("/v1/decisions/gate?explain=false", json=document()).json()


@pytest.mark.parametrize("path, body, status, kind", [
    ("/v1/decisions/nope", document(), 404, "unknown-query"),
    ("/v1/decisions/gate?lang=fr", document(), 400, "unsupported-language"),
    ("/v1/decisions/gate?explain=maybe", document(), 400, "bad-request"),
    ("/v1/decisions/gate?explain=1", document(), 400, "bad-request"),  # a boolean, as the OpenAPI says
    ("/v1/decisions/gate?explain=yes", document(), 400, "bad-request"),
    ("/v1/decisions/gate?explain=", document(), 400, "bad-request"),
    ("/v1/decisions/gate", b'{"account": 1', 400, "malformed-json"),
    ("/v1/decisions/gate", b'{"a": 1, "a": 2}', 400, "malformed-json"),
    ("/v1/decisions/gate", b'{"a": NaN}', 400, "malformed-json"),
    ("/v1/decisions/gate", document(balance={"pending": "-1"}), 422, "invalid-facts"),
])
def test_mistakes_are_problem_details(client, path, body, status, kind):
    r = client.post(path, content=body if isinstance(body, bytes) else json.dumps(body).encode())
    assert r.status_code == status and r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"].endswith("/" + kind) and problem["status"] == status and problem["detail"]
    assert "Traceback" not in r.text


def test_invalid_facts_name_every_problem_by_pointer(client):
    facts = document(balance={"pending": "-1"}, account={"status": "asleep"})
    problems = client.post("/v1/decisions/gate", json=facts).json()["problems"]
    assert {p["pointer"] for p in problems} >= {"/balance/pending", "/account/status"}


def test_unknown_query_lists_the_queries(client):
    assert client.post("/v1/decisions/nope", json=document()).json()["queries"] == ["gate", "route"]


def test_an_unknown_path_or_method_is_a_problem_too(client):
    r = client.get("/v1/nothing")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = client.get("/v1/decisions/gate")
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM


def test_a_body_over_the_limit_is_refused_unread():
    with app_client(max_body=1000) as c:
        r = c.post("/v1/decisions/gate", content=b"[" + b" " * 2000 + b"]")
        assert r.status_code == 413 and r.json()["type"].endswith("/too-large")


def test_a_batch_answers_each_document_in_order(client):
    documents = [document(), document(balance={"pending": "-1"}), document(balance={"pending": "5"})]
    answers = client.post("/v1/decisions/gate/batch", json=documents).json()
    assert [a.get("outcome") for a in answers] == ["allow", None, "deny"]
    assert answers[1]["status"] == 422 and answers[1]["index"] == 1
    assert len({a["decision_id"] for a in answers if "decision_id" in a}) == 2


def test_a_batch_reads_each_document_on_its_own(client):
    good = json.dumps(document())
    body = f'[{good}, {{"account": 1, "account": 2}}, {json.dumps(document(balance={"pending": "5"}))}]'
    answers = client.post("/v1/decisions/gate/batch", content=body,
                          headers={"content-type": "application/json"}).json()
    assert [a.get("outcome") for a in answers] == ["allow", None, "deny"]
    assert answers[1]["index"] == 1 and answers[1]["type"].endswith("/malformed-json")
    assert "duplicate key 'account'" in json.dumps(answers[1])
    broken = client.post("/v1/decisions/gate/batch", content=f"[{good}, {{]",
                         headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["type"].endswith("/malformed-json")


def test_an_ndjson_batch_streams_one_line_per_document(client):
    lines = [json.dumps(document()), "{not json", json.dumps(document(balance={"pending": "5"}))]
    r = client.post("/v1/decisions/gate/batch", content="\n".join(lines) + "\n",
                    headers={"content-type": "application/x-ndjson"})
    assert r.headers["content-type"].startswith("application/x-ndjson")
    answers = [json.loads(line) for line in r.text.splitlines()]
    assert [a.get("outcome") for a in answers] == ["allow", None, "deny"]
    assert answers[1]["index"] == 1 and answers[1]["type"].endswith("/malformed-json")


def test_a_batch_over_the_limit_is_refused():
    with app_client(max_batch=2) as c:
        r = c.post("/v1/decisions/gate/batch", json=[document()] * 3)
        assert r.status_code == 413 and r.json()["type"].endswith("/batch-too-long")


def test_a_batch_must_be_an_array_of_a_known_media_type(client):
    assert client.post("/v1/decisions/gate/batch", json={"a": 1}).status_code == 400
    r = client.post("/v1/decisions/gate/batch", content=b"x", headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_policy_rules_health_ready_and_metrics(client):
    policy = client.get("/v1/policy").json()
    assert policy["name"] == "fixture" and policy["revision"].startswith("sha256:")
    assert set(policy["queries"]) == {"gate", "route"} and policy["languages"] == ["en", "zh"]
    assert policy["queries"]["gate"]["outcomes"] == ["allow", "deny"]
    rules = client.get("/v1/policy/rules").json()
    assert rules["revision"] == policy["revision"] and any(r["id"] == "gate.open" for r in rules["rules"]["rules"])
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json()["revision"] == policy["revision"]
    client.post("/v1/decisions/gate", json=document())
    metrics = client.get("/metrics").text
    assert 'closure_policy_decisions_total{outcome="allow",query="gate"}' in metrics
    assert f'revision="{policy["revision"]}"' in metrics and "closure_policy_decision_seconds_bucket" in metrics


def test_openapi_references_the_projects_schemas(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    components = doc["components"]["schemas"]
    facts = json.loads((FIXTURE_RULES / "facts.schema.json").read_text())  # the served policy's own
    assert components["Facts"]["properties"].keys() == facts["properties"].keys()
    assert {f"Facts_{name}" for name in facts["$defs"]} <= components.keys()
    for query, roots in (("gate", ["account", "balance", "contracts", "final_review", "request", "users"]),
                         ("route", ["account", "action", "click", "links"])):  # what each query reads
        body = doc["paths"][f"/v1/decisions/{query}"]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"allOf": [{"$ref": "#/components/schemas/Facts"}, {"required": roots}]}
    assert "/v1/decisions/{query}" not in doc["paths"]  # one path per query, each with its own request
    assert "#/$defs/" not in json.dumps(doc)
    zones = components["Facts_timezone"]["enum"]  # as strict as the service: the zones the database has
    assert {"UTC", "Asia/Shanghai", "America/New_York"} <= set(zones) and "Asia" not in zones and len(zones) > 300
    number = [form for form in components["Facts_money"]["anyOf"] if form["type"] == "number"][0]
    assert number["exclusiveMaximum"] == 10 ** limits.MAX_MONEY_INTEGER_DIGITS
    assert number["x-fraction-digits"] == limits.MAX_MONEY_FRACTION_DIGITS
    assert (components["Facts_timestamp"]["x-earliest"], components["Facts_timestamp"]["x-latest"]) == (
        limits.MIN_INSTANT_UTC, limits.MAX_INSTANT_UTC)
    assert "/v1/decisions/route/batch" in client.get("/docs").text
    docs = client.get("/docs").text  # Swagger UI shows the title and description: the page does not repeat them
    assert docs.index("<h1>") > docs.index("<noscript>") and docs.count("<h1>") == 1


def test_reload_over_http_needs_a_token(rules, monkeypatch):
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    with app_client(rules=str(rules)) as c:
        assert c.post("/v1/policy/reload").status_code == 401  # no bearer token: as docs/service.md says
        assert c.post("/v1/policy/reload", headers={"authorization": "Bearer x"}).status_code == 403
    monkeypatch.setenv(TOKEN_VARIABLE, "s3cret")
    with app_client(rules=str(rules)) as c:
        assert c.post("/v1/policy/reload").status_code == 401
        assert c.post("/v1/policy/reload", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.post("/v1/policy/reload", headers={"authorization": "Bearer s3cret"}).json()["ok"] is True


def test_the_openapi_document_is_made_once_a_revision(rules, monkeypatch):
    from closure_policy.serve import openapi

    made = []
    real = openapi.document
    monkeypatch.setattr(openapi, "document", lambda *args: made.append(1) or real(*args))
    monkeypatch.setenv(TOKEN_VARIABLE, "t")
    with app_client(rules=str(rules)) as c:
        first = [c.get("/openapi.json").json() for _ in range(3)] + [c.get("/docs").text]
        assert len(made) == 1 and first[0] == first[2]
        policy = rules / "policy.yaml"
        policy.write_text(policy.read_text(encoding="utf-8").replace("Does every check hold?", "Does it pass?"),
                          encoding="utf-8")
        assert c.post("/v1/policy/reload", headers={"authorization": "Bearer t"}).json()["ok"] is True
        after = c.get("/openapi.json").json()["paths"]["/v1/decisions/gate"]["post"]["description"]
        assert len(made) == 2 and after.startswith("Does it pass?")  # the new revision's own


def test_a_broken_reload_keeps_the_last_good_policy(rules, monkeypatch):
    monkeypatch.setenv(TOKEN_VARIABLE, "t")
    auth = {"authorization": "Bearer t"}
    with app_client(rules=str(rules)) as c:
        before = c.get("/v1/policy").json()["revision"]
        gate = rules / "gate.yaml"
        gate.write_text(gate.read_text(encoding="utf-8").replace("op: \">\"", "op: \">>\"", 1), encoding="utf-8")
        outcome = c.post("/v1/policy/reload", headers=auth).json()
        assert outcome["ok"] is False and outcome["revision"] == before
        assert any(re.search(r"gate\.yaml:\d+:\d+", p) for p in outcome["problems"])
        assert c.get("/v1/policy").json()["last_reload"]["problems"] == outcome["problems"]
        assert c.post("/v1/decisions/gate", json=document()).json()["policy"]["revision"] == before
        gate.write_text(gate.read_text(encoding="utf-8").replace("op: \">>\"", "op: \">=\"", 1), encoding="utf-8")
        assert c.post("/v1/policy/reload", headers=auth).json()["ok"] is True
        after = c.post("/v1/decisions/gate", json=document()).json()["policy"]["revision"]
        assert after != before
        metrics = c.get("/metrics").text
        assert 'closure_policy_reloads_total{result="failed"} 1.0' in metrics
        assert f'revision="{after}"}} 1.0' in metrics and f'revision="{before}"}} 0.0' in metrics  # none serves it


def test_every_decision_is_in_the_log_before_it_is_answered(tmp_path):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log), mask=("/account/id", "/contracts/-/id")) as c:
        answers = [c.post("/v1/decisions/gate", json=document(balance={"pending": str(i)})).json()
                   for i in range(5)]
        ids = {a["decision_id"] for a in answers}
        assert {r.decision_id for r in read_records(str(log))} == ids  # committed while the app still runs
        c.post("/v1/decisions/gate/batch", json=[document(), document()])
    records = list(read_records(str(log)))
    assert len(records) == 7
    first = next(r for r in records if r.decision_id == answers[1]["decision_id"])
    assert first.outcome == "deny" and first.violations == ["gate.no-pending"]
    assert first.facts["account"]["id"] == "***" and first.facts["contracts"][0]["id"] == "***"
    assert first.facts["balance"]["pending"] == "1" and len(first.facts_sha256) == 64
    assert first.revision.startswith("sha256:") and first.backend == "compiled"


def test_the_playgrounds_decisions_are_marked_in_the_log(tmp_path, capsys):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        app = c.post("/v1/decisions/gate", json=document()).json()["decision_id"]
        mine = c.post("/v1/decisions/gate", json=document(), headers={"Decision-Source": "playground"}).json()
        batch = c.post("/v1/decisions/gate/batch", json=[document()], headers={"Decision-Source": "playground"})
        refused = c.post("/v1/decisions/gate", json=document(), headers={"Decision-Source": "console"})
        assert refused.status_code == 400 and "Decision-Source must be one of: api, playground" in refused.text
    sources = {r.decision_id: r.source for r in read_records(str(log))}
    assert sources == {app: "api", mine["decision_id"]: "playground", batch.json()[0]["decision_id"]: "playground"}
    assert main(["log", "--decision-log", str(log), "--source", "api"]) == 0
    assert [json.loads(line)["decision_id"] for line in capsys.readouterr().out.splitlines()] == [app]
    assert main(["log", "--decision-log", str(log), "--source", "playground"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_a_log_written_before_sources_were_recorded_is_read_as_it_is_and_brought_up_to_date(tmp_path, capsys):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        first = c.post("/v1/decisions/gate", json=document()).json()["decision_id"]
    with sqlite3.connect(log) as db:
        db.execute("ALTER TABLE decisions DROP COLUMN source")  # the table as first made
    assert [(r.decision_id, r.source) for r in read_records(str(log))] == [(first, "api")]
    assert main(["log", "--decision-log", str(log), "--source", "playground"]) == 0
    assert capsys.readouterr().out == ""  # a filter on what the file lacks, answered from the value it implies
    with app_client(decision_log=str(log)) as c:  # the service adds the column, old rows holding api
        later = c.post("/v1/decisions/gate", json=document(), headers={"Decision-Source": "playground"}).json()
    assert [(r.decision_id, r.source) for r in read_records(str(log))] == [(first, "api"),
                                                                           (later["decision_id"], "playground")]
    lines = tmp_path / "stdout.jsonl"  # what a --decision-log - service wrote before: no source key
    record = next(iter(read_records(str(log)))).to_dict()
    del record["source"]
    lines.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert [r.source for r in read_log(str(lines))] == ["api"]
    lines.write_text(json.dumps({**record, "extra": 1}) + "\n", encoding="utf-8")
    with pytest.raises(ClosurePolicyError, match="stdout.jsonl:1: not a decision log record"):
        list(read_log(str(lines)))


def test_the_log_keeps_facts_as_a_zstandard_frame_and_reads_older_text(tmp_path):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        c.post("/v1/decisions/gate", json=document(balance={"pending": "1.10"}))
    with sqlite3.connect(log) as db:
        (stored,) = db.execute("SELECT facts FROM decisions").fetchone()
        assert stored[:4] == b"\x28\xb5\x2f\xfd"  # any zstd reads it, no dictionary needed
        assert json.loads(zstandard.ZstdDecompressor().decompress(stored)) == json.loads(canonical(
            parse(json.dumps(document(balance={"pending": "1.10"})).encode())[0]))
        db.execute("UPDATE decisions SET facts = ?", [zstandard.ZstdDecompressor().decompress(stored).decode()])
    (record,) = read_records(str(log))  # a log written before the facts were compressed
    assert record.facts["balance"]["pending"] == "1.10"


@pytest.mark.parametrize(("stored", "reason"), [
    (b"\x28\xb5\x2f\xfd" + b"garbage", "decompression error"),  # a frame's magic, then nothing of one
    (zstandard.ZstdCompressor().compress(b"0" * (limits.MAX_DOCUMENT_BYTES + 1)),  # a bomb: 16 MB in a few KB
     f"facts of {limits.MAX_DOCUMENT_BYTES + 1:,} bytes; the limit is {limits.MAX_DOCUMENT_BYTES:,} bytes"),
    (zstandard.ZstdCompressor(write_content_size=False).compress(b"{}"), "facts of unknown size"),
    (zstandard.ZstdCompressor().compress(b'{"a": 1, "a": 2}'), "duplicate key"),
    ("{not json", "facts /: invalid JSON"),
])
def test_a_log_row_the_service_could_not_have_written_is_an_error_naming_it(tmp_path, capsys, stored, reason):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        answered = c.post("/v1/decisions/gate", json=document()).json()
    with sqlite3.connect(log) as db:
        db.execute("UPDATE decisions SET facts = ?", [stored])
    with pytest.raises(ClosurePolicyError, match=f'decision "{answered["decision_id"]}": cannot be read .*{reason}'):
        list(read_records(str(log)))
    assert main(["log", "--decision-log", str(log)]) == 2
    assert reason in capsys.readouterr().err


@pytest.mark.parametrize("fault, status, kind", [(OSError("disk full"), 503, "log-failed"),
                                                  (sqlite3.OperationalError("database is locked"), 503, "log-failed"),
                                                  (RuntimeError("a bug of ours"), 500, "internal")])
def test_a_decision_the_log_cannot_keep_is_not_acknowledged(tmp_path, monkeypatch, fault, status, kind):
    from closure_policy.decisionlog import sinks

    def unwritable(record: Any) -> tuple[Any, ...]:
        raise fault

    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        with monkeypatch.context() as patched:
            patched.setattr(sinks, "_row", unwritable)
            for refused in (c.post("/v1/decisions/gate/batch", json=[document(), document()]),
                            c.post("/v1/decisions/gate", json=document())):
                assert refused.status_code == status and refused.json()["type"].endswith("/" + kind)
                assert "decision_id" not in refused.text
            if kind == "log-failed":  # each decision of an NDJSON group is told; none is acknowledged
                bad = dump(document(balance={"pending": "lots"}))  # its own problem, kept as it is
                streamed = c.post("/v1/decisions/gate/batch", headers={"content-type": "application/x-ndjson"},
                                  content=b"\n".join([dump(document()), bad, dump(document())]))
                lines = [json.loads(line) for line in streamed.text.splitlines()]
                assert [(x["index"], x["status"], x["type"].rsplit("/", 1)[1]) for x in lines] == \
                    [(0, 503, kind), (1, 422, "invalid-facts"), (2, 503, kind)]
        answered = c.post("/v1/decisions/gate", json=document()).json()  # the log goes on after the fault
    assert [r.decision_id for r in read_records(str(log))] == [answered["decision_id"]]


def test_the_log_can_keep_no_facts(tmp_path):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log), log_facts=False) as c:
        c.post("/v1/decisions/gate", json=document())
    assert [r.facts for r in read_records(str(log))] == [None]


def test_closure_policy_log_reads_it_back(tmp_path, capsys):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        deny = c.post("/v1/decisions/gate", json=document(balance={"pending": "5"})).json()
        c.post("/v1/decisions/gate", json=document())
    assert main(["log", "--decision-log", str(log), "--outcome", "deny"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["decision_id"] for line in lines] == [deny["decision_id"]]
    assert main(["log", "--decision-log", str(log), "--decision-id", deny["decision_id"], "--format", "table"]) == 0
    assert "gate.no-pending" in capsys.readouterr().out
    assert main(["log", "--decision-log", str(log), "--since", "2999-01-01T00:00:00Z"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["log", "--decision-log", str(log), "--since", "yesterday"]) == 2
    assert main(["log", "--decision-log", str(tmp_path / "none.db")]) == 2
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    assert main(["log", "--decision-log", str(tmp_path / "junk.db")]) == 2


def test_concurrent_identical_requests_get_identical_decisions():
    app = create_app(ServeConfig(rules=str(FIXTURE_RULES)))
    facts = document(balance={"pending": "5"}, contracts=[{"id": f"C-{i}", "status": "active"} for i in range(30)])

    async def run() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            answers = await asyncio.gather(*(c.post("/v1/decisions/gate", json=facts) for _ in range(50)))
        return [r.json() for r in answers]
    answers = asyncio.run(run())
    for answer in answers:
        answer.pop("decision_id")
    assert all(a == answers[0] for a in answers) and answers[0]["outcome"] == "deny"


def test_both_backends_agree_behind_the_service():
    from closure_policy.policy import available_backends

    if "rete" not in available_backends():
        pytest.skip("durable-rules is not installed here")  # CI installs it: this runs there
    facts = [document(), document(balance={"pending": "5"}), document(account={"status": "closed",
                                                                                "closed_at": "2026-01-01T00:00:00Z"})]
    answers = {}
    for backend in ("compiled", "rete"):
        with app_client(backend=backend) as c:
            answers[backend] = [{k: v for k, v in a.items() if k != "decision_id"}
                                for q in ("gate", "route")
                                for a in c.post(f"/v1/decisions/{q}/batch", json=facts).json()]
    assert answers["compiled"] == answers["rete"]


def test_the_service_refuses_to_start_on_broken_rules(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("rules: [", encoding="utf-8")
    assert main(["serve", "--rules", str(tmp_path), "--port", "1"]) == 2


def test_a_streamed_batch_is_held_to_the_body_limit_too():
    with app_client(max_body=20_000) as c:  # the body in one piece: refused before any line
        lines = "\n".join(json.dumps(document()) for _ in range(40)) + "\n"
        r = c.post("/v1/decisions/gate/batch", content=lines, headers={"content-type": "application/x-ndjson"})
        assert [json.loads(line)["type"].endswith("/too-large") for line in r.text.splitlines()] == [True]
    app = create_app(ServeConfig(rules=str(FIXTURE_RULES), max_body=20_000))
    answers = _ndjson_in_chunks(app, lines.encode(), 1000)  # in pieces: the lines before the limit answered
    assert answers[-1]["type"].endswith("/too-large") and answers[-1]["index"] == len(answers) - 1
    assert all(a.get("outcome") == "allow" for a in answers[:-1]) and 1 < len(answers) < 40


def test_a_streamed_batch_answers_up_to_its_length_then_says_so():
    with app_client(max_batch=150) as c:
        lines = "\n".join(json.dumps(document()) for _ in range(230))
        r = c.post("/v1/decisions/gate/batch", content=lines, headers={"content-type": "application/x-ndjson"})
        answers = [json.loads(line) for line in r.text.splitlines()]
    assert [a.get("outcome") for a in answers[:150]] == ["allow"] * 150 and len(answers) == 151
    assert answers[150]["type"].endswith("/batch-too-long") and answers[150]["index"] == 150


@pytest.mark.parametrize("ns", [1_795_913_999_999_999_999, 1_795_914_000_000_000_000, 1_795_914_000_000_999_999,
                                1_795_914_000_001_000_000, 0])
def test_the_logs_clock_reads_once_and_writes_as_log_time(monkeypatch, ns):
    from datetime import datetime, timedelta, timezone

    from closure_policy import clock
    from closure_policy import decisionlog as decision_log

    monkeypatch.setattr(clock.time, "time_ns", lambda: ns)
    moment = datetime.fromtimestamp(ns // 10**9, timezone.utc) + timedelta(microseconds=ns % 10**9 // 1000)
    assert decision_log.log_now() == decision_log.log_time(moment)
    monkeypatch.setattr(clock.time, "time_ns", lambda: ns + 10**6)  # a millisecond later, maybe a new second
    assert decision_log.log_now() == decision_log.log_time(moment + timedelta(milliseconds=1)) > \
        decision_log.log_time(moment)


def test_log_times_are_utc_milliseconds_in_text_order():
    from datetime import datetime, timedelta, timezone

    from closure_policy.decisionlog import log_time

    late = datetime(2026, 11, 29, 8, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=8)))
    assert log_time(late) == "2026-11-29T00:59:59.999Z"
    assert log_time(late) < log_time(late + timedelta(microseconds=1)) == "2026-11-29T01:00:00.000Z"


def test_a_request_past_its_timeout_is_answered_503_and_not_acknowledged():
    class SlowLog:
        async def record(self, records: list[dict[str, Any]]) -> None:
            await asyncio.sleep(5)

        def close(self) -> None:
            pass

    with app_client(timeout=0.05) as c:
        c.app.state.service.log = SlowLog()  # type: ignore[attr-defined]
        r = c.post("/v1/decisions/gate", json=document())
        assert r.status_code == 503 and r.json()["type"].endswith("/timeout") and "decision_id" not in r.json()


def test_the_decision_routes_answer_alike_with_and_without_a_root_path():
    app = create_app(ServeConfig(rules=str(FIXTURE_RULES)))
    with TestClient(app) as direct, TestClient(app, root_path="/svc") as mounted:
        for path, body in [("/v1/decisions/gate", document(balance={"pending": "5"})),
                           ("/v1/decisions/gate/batch", [document(), {"account": 1}]),
                           ("/v1/decisions/nope", document()), ("/v1/decisions/gate/batch/x", document())]:
            answers = [c.post(prefix + path, json=body) for c, prefix in ((direct, ""), (mounted, "/svc"))]
            assert answers[0].status_code == answers[1].status_code
            assert _without_ids(answers[0].json()) == _without_ids(answers[1].json())


def _without_ids(answer: Any) -> Any:
    if isinstance(answer, list):
        return [_without_ids(a) for a in answer]
    return {k: v for k, v in answer.items() if k != "decision_id"}


def test_an_ndjson_batch_read_in_small_chunks_answers_every_line():
    padded = json.dumps(document(balance={"pending": "5"})) + " " * 300_000  # one line over many chunks
    text = "\n".join([json.dumps(document()), padded, json.dumps(document())])  # no final newline
    answers = _ndjson_in_chunks(create_app(ServeConfig(rules=str(FIXTURE_RULES))), text.encode(), 1000)
    assert [a.get("outcome") for a in answers] == ["allow", "deny", "allow"]


def test_an_ndjson_line_past_the_document_limit_ends_the_batch(monkeypatch):
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", 100_000)
    text = "\n".join([json.dumps(document()), " " * 150_000 + json.dumps(document()), json.dumps(document())])
    answers = _ndjson_in_chunks(create_app(ServeConfig(rules=str(FIXTURE_RULES))), text.encode(), 4096)
    assert answers[0]["outcome"] == "allow" and answers[1]["type"].endswith("/too-large") and len(answers) == 2


def _ndjson_in_chunks(app: Any, text: bytes, size: int) -> list[dict[str, Any]]:
    """The answers to ``text`` POSTed as NDJSON in chunks of ``size`` bytes, through the app's ASGI interface."""
    chunks = [text[i:i + size] for i in range(0, len(text), size)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/v1/decisions/gate/batch", "raw_path": b"/v1/decisions/gate/batch",
             "query_string": b"", "root_path": "", "headers": [(b"content-type", b"application/x-ndjson")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return [json.loads(line) for line in body.splitlines()]


def test_the_route_table_is_the_served_surface_and_the_documented_one(client):
    from closure_policy.serve.routes import ENDPOINTS

    doc = client.get("/openapi.json").json()
    documented = {(path, method.upper()) for path, operations in doc["paths"].items() for method in operations}
    assert documented == {(e.path.replace("{query}", query), e.method) for e in ENDPOINTS if e.operation is not None
                          for query in (["gate", "route"] if "{query}" in e.path else [""])}
    served = {(r.path, m) for r in client.app.routes for m in r.methods if m != "HEAD"}
    assert served == {(e.path, e.method) for e in ENDPOINTS}
    fast = [e for e in ENDPOINTS if e.fast]
    assert fast and all(e.pattern().fullmatch(e.path.replace("{query}", "gate")) for e in fast)
    assert not fast[0].pattern().fullmatch("/v1/decisions/gate/extra")
