"""The service under attack, through the ASGI interface: answers that can always be written, bounded
problem lists, masks that cover what is derived, deadlines on streamed answers, logs that fail cleanly."""
from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from closure_policy import limits
from closure_policy.cli.main import main
from closure_policy.decisionlog import read_records
from closure_policy.jsondoc import canonical, dump
from closure_policy.serve.app import ServeConfig, create_app

from ..conftest import FIXTURE_RULES, document
from .conftest import app_client

NDJSON = {"content-type": "application/x-ndjson"}
SURROGATE_KEY = b'{"\\ud83d": 1, "as_of": "2026-11-26T10:00:00Z"}'  # a lone surrogate escape as a key



def _kind(answer: dict[str, Any]) -> str:
    return str(answer["type"]).rsplit("/", 1)[1]


# --- answers that can always be written ------------------------------------------------------


def test_a_lone_surrogate_in_a_key_is_a_problem_with_an_escaped_pointer(client):
    r = client.post("/v1/decisions/gate", content=SURROGATE_KEY)
    assert r.status_code == 400 and _kind(r.json()) == "malformed-json"
    pointers = [p["pointer"] for p in r.json()["problems"]]
    assert pointers == ["/\\ud83d"]  # the key as text: backslash, u, d, 8, 3, d
    r.content.decode("utf-8")  # strict UTF-8 throughout


def test_a_surrogate_document_fails_only_itself_in_an_array_batch(client):
    good = dump(document())
    r = client.post("/v1/decisions/gate/batch", content=b"[" + good + b"," + SURROGATE_KEY + b"," + good + b"]",
                    headers={"content-type": "application/json"})
    assert r.status_code == 200
    answers = r.json()
    assert [a.get("outcome") or _kind(a) for a in answers] == ["allow", "malformed-json", "allow"]
    assert answers[1]["index"] == 1 and answers[1]["problems"][0]["pointer"] == "/\\ud83d"


def test_a_surrogate_document_fails_only_itself_in_an_ndjson_batch(client):
    good = dump(document())
    r = client.post("/v1/decisions/gate/batch", content=b"\n".join([good, SURROGATE_KEY, good]), headers=NDJSON)
    answers = [json.loads(line) for line in r.text.splitlines()]
    assert [a.get("outcome") or _kind(a) for a in answers] == ["allow", "malformed-json", "allow"]


def test_a_surrogate_in_a_valid_shape_is_an_invalid_fact_written_escaped(client):
    facts = dump(document()).replace(b'"P-1"', b'"P-\\udc00"')
    r = client.post("/v1/decisions/gate", content=facts)
    assert r.status_code == 400
    assert "U+DC00" in r.json()["problems"][0]["message"] and r.json()["problems"][0]["pointer"] == "/account/id"


# --- bounded problem lists ---------------------------------------------------------------------


@pytest.mark.parametrize("count, omitted, lower_bound", [
    (limits.MAX_PROBLEMS, None, None),
    (limits.MAX_PROBLEMS + 1, 1, False),
    (limits.MAX_PROBLEMS_COUNTED, limits.MAX_PROBLEMS_COUNTED - limits.MAX_PROBLEMS, False),
    (200_000, limits.MAX_PROBLEMS_COUNTED - limits.MAX_PROBLEMS, True),
])
def test_an_invalid_document_lists_the_first_problems_and_counts_the_rest(client, count, omitted, lower_bound):
    start = time.perf_counter()
    r = client.post("/v1/decisions/gate", json=document(users=[0] * count))
    assert r.status_code == 422 and _kind(r.json()) == "invalid-facts"
    answer = r.json()
    assert len(answer["problems"]) == limits.MAX_PROBLEMS
    assert answer.get("omitted") == omitted and answer.get("omitted_is_lower_bound") == lower_bound
    total = f"{limits.MAX_PROBLEMS + (omitted or 0):,}" + (" or more" if lower_bound else "")
    assert answer["detail"] == f"{total} problem(s) in the facts"
    assert time.perf_counter() - start < 20  # 3,000,000 items took 110 s before (a bound, not a benchmark)


def test_the_cli_reports_the_same_bounded_list(tmp_path, capsys):
    path = tmp_path / "facts.json"
    path.write_bytes(dump(document(users=[0] * 5_000)))
    assert main(["eval", "--rules", str(FIXTURE_RULES), "-q", "gate", "-f", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == limits.MAX_PROBLEMS + 1
    assert lines[-1].endswith(f"and {limits.MAX_PROBLEMS_COUNTED - limits.MAX_PROBLEMS:,} or more other problem(s)")


# --- masks cover what is derived from the facts they hide -------------------------------------------


@pytest.mark.parametrize("mask", ["/account/id", "/account"])
def test_masking_the_subject_masks_the_account_column_and_the_hash(tmp_path, capsys, mask):
    secret = "acct-SECRET-7731"
    log = tmp_path / "decisions.db"
    facts = document(account={"id": secret})
    with app_client(decision_log=str(log), mask=(mask,)) as c:
        answered = c.post("/v1/decisions/gate", json=facts).json()
    assert answered["account_id"] == secret  # the caller is answered in full; only the log keeps less
    [record] = read_records(str(log))
    assert record.account_id == "***"
    assert record.facts_sha256 == hashlib.sha256(canonical(record.facts)).hexdigest()
    for path in tmp_path.iterdir():  # the database, its -wal and -shm files, the lock
        assert secret.encode() not in path.read_bytes(), path.name
    capsys.readouterr()
    assert main(["log", "--decision-log", str(log), "--account", secret]) == 0
    assert capsys.readouterr().out == ""  # nothing found by the plain id
    assert main(["log", "--decision-log", str(log)]) == 0
    shown = capsys.readouterr().out
    assert secret not in shown and json.loads(shown)["account_id"] == "***"


def test_a_mask_elsewhere_keeps_the_account_column(tmp_path):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log), mask=("/contracts/-/id",)) as c:
        c.post("/v1/decisions/gate", json=document())
    [record] = read_records(str(log))
    assert record.account_id == "P-1" and record.facts["contracts"][0]["id"] == "***"


# --- deadlines on streamed answers ----------------------------------------------------------------


def test_an_ndjson_body_that_stops_arriving_is_answered_up_to_the_deadline():
    async def scenario() -> list[dict[str, Any]]:
        app = create_app(ServeConfig(rules=str(FIXTURE_RULES), timeout=0.5))

        async def body():
            yield dump(document()) + b"\n"
            await asyncio.sleep(30)  # and then nothing
            yield b""

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            r = await c.post("/v1/decisions/gate/batch", content=body(), headers=NDJSON)
            return [json.loads(line) for line in r.text.splitlines()]

    start = time.perf_counter()
    answers = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert time.perf_counter() - start < 5
    assert answers[0]["outcome"] == "allow"
    assert _kind(answers[1]) == "timeout" and answers[1]["index"] == 1 and answers[1]["status"] == 503


# --- the decision log: refused before binding, or failing cleanly ---------------------------------------


@pytest.mark.parametrize("where", ["a folder", "under a file", "/proc", "no folder"])
def test_serve_refuses_a_decision_log_it_cannot_write(tmp_path, capsys, where):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    path = {"a folder": str(tmp_path / "folder"), "under a file": str(tmp_path / "file" / "d.db"),
            "/proc": "/proc/decisions.db", "no folder": str(tmp_path / "none" / "d.db")}[where]
    assert main(["serve", "--rules", str(FIXTURE_RULES), "--port", "0", "--decision-log", path]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"--decision-log {path}: ") and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("content", ["[" * 3_000, '{"a": 1}', "not json", '["a", 1]'])
def test_log_refuses_a_row_whose_violations_the_service_could_not_have_written(tmp_path, capsys, content):
    import sqlite3

    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        answered = c.post("/v1/decisions/gate", json=document()).json()
    with sqlite3.connect(log) as db:
        db.execute("UPDATE decisions SET violations = ?", [content])
    assert main(["log", "--decision-log", str(log)]) == 2
    err = capsys.readouterr().err
    assert f'decision "{answered["decision_id"]}": cannot be read (violations: ' in err and "Traceback" not in err


@pytest.mark.parametrize("make", ["folder", "garbage", "empty"])
def test_log_refuses_what_is_not_a_decision_log(tmp_path, capsys, make):
    path = tmp_path / "decisions.db"
    if make == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000 if make == "garbage" else b"")
    code = main(["log", "--decision-log", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"{path}: not a decision log") and "Traceback" not in err


def test_the_log_failing_mid_run_answers_503_log_failed(tmp_path):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        assert c.post("/v1/decisions/gate", json=document()).status_code == 200
        database = c.app.state.service.log._connection  # type: ignore[attr-defined]
        pages = database.execute("PRAGMA page_count").fetchone()[0]
        database.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
        big = document(users=[{"id": f"U-{i}", "role": "member"} for i in range(2_000)])
        answers = [c.post("/v1/decisions/gate", json=big) for _ in range(3)]
        refused = [r for r in answers if r.status_code != 200]
        assert refused and {(r.status_code, _kind(r.json())) for r in refused} == {(503, "log-failed")}
        assert all("decision_id" not in r.text for r in refused)
        database.execute("PRAGMA max_page_count = 1073741823")  # room again: the service goes on
        answers.append(c.post("/v1/decisions/gate", json=document()))
    acknowledged = {r.json()["decision_id"] for r in answers if r.status_code == 200}
    logged = {r.decision_id for r in read_records(str(log))}
    assert len(logged) == 1 + len(acknowledged) and acknowledged < logged  # every answered one kept, no other


def test_a_large_body_is_decided_off_the_event_loop(client):
    big = document(users=[{"id": f"U-{i}", "role": "member"} for i in range(4_000)])
    assert len(dump(big)) > limits.INLINE_DECISION_BYTES
    seen: list[str] = []
    service = client.app.state.service
    original = service.decide_text

    def spy(*args: Any) -> Any:
        import threading

        seen.append(threading.current_thread().name)
        return original(*args)

    service.decide_text = spy
    try:
        assert client.post("/v1/decisions/gate", json=document()).status_code == 200
        assert client.post("/v1/decisions/gate", json=big).json()["outcome"] in ("allow", "deny")
    finally:
        del service.decide_text
    loop_thread, other = seen
    assert loop_thread != other  # the small one on the loop's thread, the large one on a worker thread


def test_output_paths_are_checked_before_the_work(tmp_path, capsys):
    (tmp_path / "out.jsonl").mkdir()
    (tmp_path / "file").write_text("x")
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes(dump(document()) + b"\n")
    commands = {
        "batch": ["batch", "-q", "gate", "-i", str(corpus), "--rules", str(FIXTURE_RULES), "--quiet", "-o"],
        "sample": ["sample", "-q", "gate", "-n", "3", "--rules", str(FIXTURE_RULES), "-o"],
        "diff": ["diff", "-q", "gate", "-i", str(corpus), "--base-rules", str(FIXTURE_RULES),
                 "--rules", str(FIXTURE_RULES), "--quiet", "-o"],
        "test": ["test", "--rules", str(FIXTURE_RULES), "-o"],
    }
    for name, argv in commands.items():
        suffix = ".md" if name == "diff" else ".jsonl"
        for target, reason in [(tmp_path / ("out.jsonl" if suffix == ".jsonl" else "out.md"), "is a folder"),
                               (tmp_path / "file" / f"x{suffix}", "is a file, not a folder"),
                               (Path("/proc") / f"x{suffix}", "cannot write in /proc"),
                               (tmp_path / "none" / f"x{suffix}", "there is no folder")]:
            if name == "diff" and reason == "is a folder":
                (tmp_path / "out.md").mkdir(exist_ok=True)
            start = time.perf_counter()
            assert main([*argv, str(target)]) == 2, (name, target)
            err = capsys.readouterr().err.strip().splitlines()[-1]
            assert err == f"--output {target}: " + err.split(": ", 1)[1] and reason in err, (name, err)
            assert time.perf_counter() - start < 5  # refused before any cluster started


def test_serve_on_a_busy_port_is_one_line_exit_2_and_creates_nothing(tmp_path, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log = tmp_path / "decisions.db"
        assert main(["serve", "--rules", str(FIXTURE_RULES), "--port", str(port), "--decision-log", str(log)]) == 2
    err = capsys.readouterr().err
    assert err == f"--port {port}: cannot listen on 127.0.0.1:{port} (Address already in use)\n"
    assert list(tmp_path.iterdir()) == []  # no log, no lock file, nothing announced


def test_a_failed_reload_is_told_on_stderr_with_its_problems(tmp_path, capsys):
    import shutil

    from closure_policy.serve.holder import PolicyHolder

    rules = tmp_path / "rules"
    shutil.copytree(FIXTURE_RULES, rules)
    holder = PolicyHolder(str(rules))
    (rules / "gate.yaml").write_text("rules: [", encoding="utf-8")
    assert holder.reload()["ok"] is False
    err = capsys.readouterr().err
    assert err.startswith(f"closure-policy serve: reload failed; still serving {holder.policy.revision[:19]}")
    assert "gate.yaml:1:" in err


def test_the_log_table_has_a_header_row(tmp_path, capsys):
    log = tmp_path / "decisions.db"
    with app_client(decision_log=str(log)) as c:
        answered = c.post("/v1/decisions/gate", json=document()).json()
    assert main(["log", "--decision-log", str(log), "--format", "table"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["time", "decision_id", "query", "outcome", "source", "subject", "violations"]
    assert row.split()[1:6] == [answered["decision_id"], "gate", "allow", "api", "P-1"]
    assert row.index(answered["decision_id"]) == header.index("decision_id")  # the columns line up


@pytest.mark.parametrize("argv, option", [
    (["diff", "-q", "gate", "-i", "x.jsonl", "--base-rules", "{missing}"], "--base-rules"),
    (["diff", "-q", "gate", "-i", "x.jsonl", "--base-rules", "{rules}", "--rules", "{missing}"], "--rules"),
    (["eval", "-q", "gate", "-f", "x.json", "--rules", "{missing}"], "--rules"),
    (["serve", "--rules", "{missing}"], "--rules"),
])
def test_a_missing_rule_folder_names_its_option(tmp_path, capsys, argv, option):
    missing = str(tmp_path / "my-rulez")
    argv = [a.format(missing=missing, rules=FIXTURE_RULES) for a in argv]
    assert main(argv) == 2
    assert f"argument {option}: no folder '{missing}'" in capsys.readouterr().err
