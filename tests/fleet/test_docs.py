"""docs/fleet.md states the shared log's table and the status document as the code makes them."""
from __future__ import annotations

import json
import re

from closure_policy.decisionlog.postgres import CREATE

from ..conftest import ROOT
from ..serve.conftest import app_client

FLEET = (ROOT / "docs/fleet.md").read_text(encoding="utf-8")


def _columns(sql: str) -> list[str]:
    body = sql[sql.index("(") + 1:sql.index(");")]
    return [part.split()[0] for part in re.split(r",\s*(?![^()]*\))", body) if part.strip()]


def test_the_documented_table_is_the_one_the_shipper_creates():
    documented = FLEET[FLEET.index("CREATE TABLE closure_policy_decisions"):]
    assert _columns(documented) == _columns(CREATE)


def test_the_documented_status_has_the_keys_the_service_answers(tmp_path):
    block = FLEET[FLEET.index("```json", FLEET.index("## Status")) + 7:]
    example = json.loads(block[:block.index("```")].replace("…", ""))
    with app_client(decision_log=str(tmp_path / "log.db"), ship_to="postgresql://u:pw@127.0.0.1:9/d") as client:
        answered = client.get("/v1/status").json()
    assert set(example) == set(answered)
    assert set(example["policy"]) == set(answered["policy"])
    assert set(example["decision_log"]) == set(answered["decision_log"])
    assert set(example["decision_log"]["shipping"]) == set(answered["decision_log"]["shipping"])
    assert answered["decision_log"]["ship_to"] == "postgresql://u:***@127.0.0.1:9/d"
    from closure_policy.bundle.poll import BundleStatus

    assert set(example["bundle"]) == set(BundleStatus("u").to_dict()) | {"stale"}
