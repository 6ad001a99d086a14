"""A real Dask cluster for the batch tests: a LocalCluster of 2 worker processes, shared by the session."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Iterator

import pytest

from closure_policy.batch import Cluster
from tests.conftest import document


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:
        yield Cluster(scheduler=local.scheduler_address, log=None)


def corpus(count: int, seed: int = 1) -> list[Any]:
    """Facts documents for the fixture policy's ``gate``: every rule now holding, now not."""
    rng = random.Random(seed)
    documents: list[Any] = []
    for i in range(count):
        documents.append(document(
            account={"id": f"P-{i}", **({"status": "closed", "closed_at": "2026-11-20T00:00:00Z"}
                                        if rng.random() < 0.2 else {"status": "active"})},
            balance={"pending": rng.choice(["0", "0", "1.5"]), "available": rng.choice(["2.50", "2.51", "10"])},
            contracts=[{"id": f"C-{k}", "status": rng.choice(["active", "expired", "expired"])}
                       for k in range(rng.randint(0, 4))]))
    return documents


def write_jsonl(path: Path, documents: list[Any]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    return path
