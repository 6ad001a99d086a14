"""Batch: ``closure-policy batch`` on a LocalCluster against a plain single-process loop, same corpus, same run.

    python benchmarks/bench_batch.py [--rows 1000000] [--workers 2] [--json PATH]

The corpus is ``closure_policy.batch.sample`` over the bundled suites' close_account
cases, grown to 20 contracts and 5 tickets on average, written once as JSON
Lines (kept in --dir for the next run). The loop reads the same file and calls
``Policy.decide`` on each line (parsed with the same reader), writing nothing:
the floor a batch must beat. The same loop in as many plain processes as the
batch has workers (no Dask, no output) is the ceiling: what the cores give.
The batch writes every row's decision to Parquet. Peak memory is each process's maximum resident set (ru_maxrss).
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from closure_policy import load_policy
from closure_policy.batch import Cluster, run_batch
from closure_policy.batch.sample import Sampler, case_facts
from closure_policy.jsondoc import dump
from closure_policy.resources import suites_dir

QUERY = "close_account"


def corpus(path: Path, rows: int) -> None:
    if path.exists() and sum(1 for _ in open(path, "rb")) == rows:
        return
    policy = load_policy()
    sampler = Sampler(policy, case_facts(policy, QUERY, [suites_dir()]),
                      {"contracts": 20, "support_tickets": 5}, seed=11)
    start = time.perf_counter()
    with open(path, "wb") as fh:
        for document in sampler.take(rows):
            fh.write(dump(document) + b"\n")
    print(f"corpus: {rows:,} documents, {path.stat().st_size / 2**20:,.0f} MiB, "
          f"generated in {time.perf_counter() - start:.0f} s")


def loop(path: Path) -> tuple[int, float]:
    policy = load_policy()
    start = time.perf_counter()
    with open(path, "rb") as fh:
        count = sum(1 for _ in policy.decide_many(QUERY, fh))
    return count, time.perf_counter() - start


def _decide_part(part: Any) -> int:
    from closure_policy import load_policy

    policy = _POLICY.setdefault("policy", load_policy())
    return sum(1 for _ in policy.decide_many(QUERY, part.read()))


_POLICY: dict[str, Any] = {}


def parallel_loop(path: Path, workers: int) -> tuple[int, float]:
    """The same loop in ``workers`` plain processes (decide only, no Dask, no output): the ceiling of any batch."""
    from concurrent.futures import ProcessPoolExecutor

    from closure_policy.batch.corpus import partitions

    parts = list(partitions(str(path)))
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_decide_part, parts[:workers]))  # each process loads the policy first, untimed
        start = time.perf_counter()
        count = sum(pool.map(_decide_part, parts))
    return count, time.perf_counter() - start


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def batch(path: Path, output: Path, workers: int) -> dict[str, Any]:
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        cpu = (_cpu_seconds(), sum(client.run(_cpu_seconds).values()))
        start = time.perf_counter()
        summary, _ = run_batch(QUERY, str(path), str(output), cluster=Cluster(cluster.scheduler_address))
        seconds = time.perf_counter() - start
        workers_peak = sorted(client.run(_peak_mib).values())
        client_cpu, workers_cpu = _cpu_seconds() - cpu[0], sum(client.run(_cpu_seconds).values()) - cpu[1]
    return {"rows": summary.rows, "seconds": seconds, "invalid": summary.invalid,
            "outcomes": dict(summary.outcomes), "workers_peak_mib": workers_peak,
            "client_cpu_seconds": client_cpu, "workers_cpu_seconds": workers_cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", default="/tmp/closure-policy-bench", help="where the corpus and output go")
    parser.add_argument("--json", metavar="PATH", help="also write the table as JSON here")
    args = parser.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"close_account-{args.rows}.jsonl"
    corpus(path, args.rows)
    rows, loop_seconds = loop(path)
    _, ceiling_seconds = parallel_loop(path, args.workers)
    result = batch(path, folder / "decisions.parquet", args.workers)
    assert result["rows"] == rows, (result["rows"], rows)
    table = {"rows": rows, "workers": args.workers, "loop_rows_per_s": rows / loop_seconds,
             "loop_seconds": loop_seconds, "processes_rows_per_s": rows / ceiling_seconds,
             "processes_seconds": ceiling_seconds, "batch_rows_per_s": rows / result["seconds"],
             "batch_seconds": result["seconds"], "ratio": loop_seconds / result["seconds"],
             "client_peak_mib": _peak_mib(), "workers_peak_mib": result["workers_peak_mib"],
             "client_cpu_seconds": result["client_cpu_seconds"],
             "workers_cpu_seconds": result["workers_cpu_seconds"], "invalid": result["invalid"],
             "outcomes": result["outcomes"], "python": sys.version.split()[0]}
    print(f"{'':34} {'rows/s':>10} {'seconds':>9}")
    print(f"{'single-process loop (decide only)':34} {table['loop_rows_per_s']:10,.0f} {loop_seconds:9.1f}")
    print(f"{f'{args.workers} plain processes (decide only)':34} {table['processes_rows_per_s']:10,.0f} "
          f"{ceiling_seconds:9.1f}")
    print(f"{f'batch, LocalCluster x{args.workers} (to Parquet)':34} {table['batch_rows_per_s']:10,.0f} "
          f"{result['seconds']:9.1f}")
    print(f"ratio {table['ratio']:.2f} (the processes' ceiling {loop_seconds / ceiling_seconds:.2f}); "
          f"peak memory: client {table['client_peak_mib']:,.0f} MiB, workers "
          + ", ".join(f"{m:,.0f} MiB" for m in result["workers_peak_mib"]))
    print(f"CPU during the batch: client (with the scheduler) {result['client_cpu_seconds']:.1f} s, "
          f"workers {result['workers_cpu_seconds']:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
