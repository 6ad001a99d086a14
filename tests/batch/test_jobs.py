"""batch and diff on a real LocalCluster (2 worker processes): exactly the decisions of ``Policy.decide``."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from closure_policy import limits, load_policy
from closure_policy.batch import run_batch, run_diff
from closure_policy.batch.corpus import partitions, write_corpus
from closure_policy.errors import UnreadableDocument
from closure_policy.jsondoc import dump
from tests.batch.conftest import corpus, write_jsonl
from tests.conftest import FIXTURE_RULES, changed_rules

FACTS = load_policy(FIXTURE_RULES).facts_schema.document


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch):
    monkeypatch.setattr(limits, "BATCH_PARTITION_ROWS", 7)  # many partitions, some finishing out of order


def _expected(policy, documents, lang="en"):
    rows = []
    for row, facts in enumerate(documents):
        decision = policy.decide("gate", facts, lang=lang)
        rows.append({"row": row, "account_id": decision.account_id, "outcome": decision.outcome,
                     "violations": decision.rule_ids, "decision": dump(decision.to_dict()).decode(), "error": None})
    return rows


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("output", ["out.jsonl", "out.parquet"])
@pytest.mark.parametrize("source", ["jsonl", "parquet"])
def test_batch_gives_exactly_the_decisions_one_by_one(tmp_path, cluster, fixture_policy, source, output):
    documents = corpus(60)
    if source == "jsonl":
        path = write_jsonl(tmp_path / "in.jsonl", documents)
    else:
        path = tmp_path / "in.parquet"
        write_corpus(iter(documents), str(path), FACTS)
    summary, _ = run_batch("gate", str(path), str(tmp_path / output), str(FIXTURE_RULES), "zh", cluster)
    got = _jsonl(tmp_path / output) if output.endswith("jsonl") else pq.read_table(tmp_path / output).to_pylist()
    assert got == _expected(fixture_policy, documents, "zh")
    assert summary.rows == 60 and summary.invalid == 0
    assert sum(summary.outcomes.values()) == 60 and set(summary.outcomes) == {"allow", "deny"}


def test_an_invalid_row_is_reported_and_its_neighbours_are_decided(tmp_path, cluster, fixture_policy):
    documents = corpus(20)
    lines = [json.dumps(d) for d in documents]
    lines[3] = json.dumps({**documents[3], "balance": {**documents[3]["balance"], "pending": "-1"}})
    lines[9] = '{"account": {"id": "P-9"}, "account": {}}'
    lines[14] = "not json"
    path = tmp_path / "in.jsonl"
    path.write_text("\n\n".join(lines) + "\n  \n", encoding="utf-8")  # blank lines are not rows
    summary, _ = run_batch("gate", str(path), str(tmp_path / "out.jsonl"), str(FIXTURE_RULES), cluster=cluster)
    got = _jsonl(tmp_path / "out.jsonl")
    assert [r["row"] for r in got] == list(range(20))
    bad = {3, 9, 14}
    assert [r["row"] for r in got if r["error"]] == sorted(bad)
    assert all(r["outcome"] is None and r["decision"] is None for r in got if r["row"] in bad)
    assert got[3]["error"] == [{"pointer": "/balance/pending", "message": got[3]["error"][0]["message"]}]
    assert got[3]["account_id"] == "P-3"  # the subject, where the document names it
    assert "duplicate key" in got[9]["error"][0]["message"] and "invalid JSON" in got[14]["error"][0]["message"]
    good = [d for i, d in enumerate(documents) if i not in bad]
    decided = [r for r in got if r["row"] not in bad]
    assert [r["decision"] for r in decided] == [dump(fixture_policy.decide("gate", d).to_dict()).decode()
                                                for d in good]
    assert summary.invalid == 3 and [s["row"] for s in summary.first_invalid] == [3, 9, 14]


def test_a_line_past_the_document_limit_is_one_invalid_row(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", 1000)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b"x" * 5000 + b"\n" + b'{"b": 2}\n')
    parts = list(partitions(str(path), rows=2))
    assert [(p.first, p.rows) for p in parts] == [(0, 2), (2, 1)]
    read = [line for p in parts for line in p.read()]
    assert read[0] == b'{"a": 1}\n' and read[2] == b'{"b": 2}\n' and len(read) == 3
    assert isinstance(read[1], UnreadableDocument) and "longer than 1,000 bytes" in str(read[1])


def test_an_overlong_line_is_an_invalid_row_of_the_output(tmp_path, cluster, fixture_policy, monkeypatch):
    documents = corpus(3)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join([json.dumps(documents[0]).encode() + b"\n", b" " * (limits.MAX_DOCUMENT_BYTES + 10),
                               b"\n", json.dumps(documents[2]).encode() + b"\n"]))
    summary, _ = run_batch("gate", str(path), str(tmp_path / "out.jsonl"), str(FIXTURE_RULES), cluster=cluster)
    got = _jsonl(tmp_path / "out.jsonl")
    assert [r["row"] for r in got] == [0, 1, 2] and summary.invalid == 1
    message = f"the line is longer than {limits.MAX_DOCUMENT_BYTES:,} bytes"
    assert got[1]["error"] == [{"pointer": "", "message": message}]
    assert got[2]["outcome"] == fixture_policy.decide("gate", documents[2]).outcome


def test_a_folder_of_files_is_one_corpus_in_name_order(tmp_path, cluster, fixture_policy):
    documents = corpus(30)
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", documents[:11])
    write_corpus(iter(documents[11:]), str(folder / "b.parquet"), FACTS)
    run_batch("gate", str(folder), str(tmp_path / "out.jsonl"), str(FIXTURE_RULES), cluster=cluster)
    assert _jsonl(tmp_path / "out.jsonl") == _expected(fixture_policy, documents)


def _changed_rules(tmp_path: Path) -> Path:
    """The fixture rules with one comparison changed: the fee check no longer fires at exactly the fee."""
    return changed_rules(tmp_path, "gate.yaml", 'op: "<=", value_of: balance.manual_payout_fee',
                         'op: "<", value_of: balance.manual_payout_fee')


def test_diff_reports_exactly_the_accounts_the_change_affects(tmp_path, cluster, fixture_policy):
    documents = corpus(80)
    path = write_jsonl(tmp_path / "in.jsonl", documents)
    rules = _changed_rules(tmp_path)
    diff, base, new, _ = run_diff("gate", str(path), str(FIXTURE_RULES), str(rules), cluster)
    after = load_policy(rules)
    moved: dict[tuple[str, str], list[str]] = {}
    changed = 0
    for facts in documents:
        old, now = fixture_policy.decide("gate", facts), after.decide("gate", facts)
        moved.setdefault((old.outcome, now.outcome), []).append(facts["account"]["id"])
        changed += old.rule_ids != now.rule_ids
    assert changed and ("deny", "allow") in moved  # the corpus exercises the change
    assert dict(diff.transitions) == {k: len(v) for k, v in moved.items()}
    assert diff.changed == changed and diff.rows == 80
    assert dict(diff.stops) == {"gate.fee": changed} and not diff.fires
    assert [s["account_id"] for s in diff.samples[("deny", "allow")]] == moved[("deny", "allow")][:5]
    assert base.revision == fixture_policy.revision and new.revision == after.revision != base.revision


def test_diff_reads_a_decision_log_of_the_service(tmp_path, cluster, fixture_policy):
    from closure_policy.decisionlog import Masking, SqliteLog, record_of

    documents = corpus(25)
    log = SqliteLog(str(tmp_path / "decisions.db"))
    records = [record_of(fixture_policy.decide("gate", d), f"id-{i}", d, "compiled", 0.1, Masking())
               for i, d in enumerate(documents)]

    async def commit() -> None:
        await log.record(records)

    asyncio.run(commit())
    log.close()
    diff, *_ = run_diff("gate", str(tmp_path / "decisions.db"), str(FIXTURE_RULES), str(_changed_rules(tmp_path)),
                        cluster, from_log=True)
    after = load_policy(tmp_path / "rules")
    assert diff.rows == 25
    assert diff.changed == sum(fixture_policy.decide("gate", d).rule_ids != after.decide("gate", d).rule_ids
                               for d in documents)


def test_a_row_group_larger_than_a_partition_is_cut_and_read_whole(tmp_path, cluster, fixture_policy):
    import pyarrow as pa

    from closure_policy.batch.arrow import facts_type, to_row
    documents = corpus(30)
    kind = facts_type(load_policy(FIXTURE_RULES).facts_schema.document)
    table = pa.Table.from_pylist([to_row(d, kind) for d in documents], schema=pa.schema(list(kind)))
    pq.write_table(table, tmp_path / "one-group.parquet", row_group_size=30)
    parts = list(partitions(str(tmp_path / "one-group.parquet")))
    assert [(p.first, p.rows, p.group) for p in parts] == [(0, 7, 0), (7, 7, 0), (14, 7, 0), (21, 7, 0), (28, 2, 0)]
    run_batch("gate", str(tmp_path / "one-group.parquet"), str(tmp_path / "out.jsonl"), str(FIXTURE_RULES),
              cluster=cluster)
    assert _jsonl(tmp_path / "out.jsonl") == _expected(fixture_policy, documents)


def test_a_json_lines_log_with_a_broken_record_is_refused_at_its_line(tmp_path, cluster, fixture_policy):
    import io

    from closure_policy.decisionlog import JsonLinesLog, Masking, record_of
    from closure_policy.errors import ClosurePolicyError

    written = io.StringIO()
    facts = corpus(1)[0]
    asyncio.run(JsonLinesLog(written).record([record_of(fixture_policy.decide("gate", facts), "id-0", facts,
                                                        "compiled", 0.1, Masking())]))
    log = tmp_path / "decisions.jsonl"
    log.write_text(written.getvalue() + "\n" + "{not json\n", encoding="utf-8")
    with pytest.raises(ClosurePolicyError, match=r"decisions.jsonl:3: not a decision log record \(.*invalid JSON"):
        run_diff("gate", str(log), str(FIXTURE_RULES), str(FIXTURE_RULES), cluster, from_log=True)
    partial = {"query": "gate", "facts": facts}  # not a record the service writes: refused, not guessed at
    log.write_text(json.dumps(partial) + "\n", encoding="utf-8")
    with pytest.raises(ClosurePolicyError, match=r"decisions.jsonl:1: not a decision log record"):
        run_diff("gate", str(log), str(FIXTURE_RULES), str(FIXTURE_RULES), cluster, from_log=True)
