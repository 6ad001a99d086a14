"""The decision service under load on loopback, against in-process ``Policy.decide``, in one run.

    python benchmarks/bench_serve.py [--seconds 10] [--workers 2] [--json benchmarks/results/serve.json]

Starts ``closure-policy serve --workers N --decision-log <tmp>`` on a free
127.0.0.1 port and drives it with wrk (Debian's ``wrk``; C, so the load
generator costs little of the 2 cores): single decisions at concurrency 1, 16
and 64, then batches of 100 and 1,000 documents. Every run stops by itself,
after ``--seconds`` or ``--requests`` answers per connection, whichever comes
first, and reports errors (non-2xx and socket errors). The same load then goes
to uvicorn serving ``bare_app.py`` (reads the body, answers a constant) with
the same workers: the ceiling HTTP itself sets on this machine. Not a test:
figures vary by machine; ratios to the in-process rate and to that ceiling are
what to compare.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten  # noqa: E402
import httpx  # noqa: E402
from bench_decide import _same, one_violation  # noqa: E402
from measure import rate  # noqa: E402

from closure_policy import load_policy  # noqa: E402

QUERY = "close_account"
_SCRIPT = """
local f = io.open("{body}", "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "application/json"
local answered, limit = 0, {limit}
response = function(status, headers, body)
  answered = answered + 1
  if answered >= limit then wrk.thread:stop() end
end
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(workers: int, log: Path | None, app: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """The service, or (``app``) a module of benchmarks/ served by the same uvicorn with the same workers."""
    port = _free_port()
    environment = dict(os.environ)
    if app:
        command = ["-m", "uvicorn", f"{app}:app", "--app-dir", str(Path(__file__).parent), "--log-level",
                   "warning", "--no-access-log", "--port", str(port), "--workers", str(workers)]
        if log:
            environment["BENCH_FLOOR_LOG"] = str(log)
    else:
        command = ["-m", "closure_policy.cli.main", "serve", "--port", str(port), "--workers", str(workers),
                   *(["--decision-log", str(log)] if log else [])]
    process = subprocess.Popen([sys.executable, *command], env=environment)
    url = f"http://127.0.0.1:{port}"
    _wait_ready(url + ("/ready" if app is None else "/health"), process)
    return process, url


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the service did not become ready")


def _wrk(url: str, body: bytes, connections: int, seconds: float, requests: int, tmp: Path) -> dict[str, Any]:
    (tmp / "body.json").write_bytes(body)
    script = tmp / "post.lua"
    script.write_text(_SCRIPT.format(body=tmp / "body.json", limit=requests), encoding="utf-8")
    threads = min(connections, 2)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(seconds)}s", "--latency",
                          "-s", str(script), url], capture_output=True, text=True, check=True).stdout
    return {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
            "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
            "errors": _errors(out)}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _errors(out: str) -> int:
    found = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return (int(found.group(1)) if found else 0) + (sum(map(int, sockets.groups())) if sockets else 0)


def _measure(started: tuple[subprocess.Popen[bytes], str], facts: dict[str, Any], args: argparse.Namespace,
             tmp: Path) -> list[dict[str, Any]]:
    """Single decisions at concurrency 1, 16 and 64, then batches of 100 and 1,000, against one server."""
    process, url = started
    rows: list[dict[str, Any]] = []
    try:
        single = json.dumps(facts).encode()
        for connections in (1, 16, 64):
            row = _wrk(f"{url}/v1/decisions/{QUERY}", single, connections, args.seconds, args.requests, tmp)
            rows.append({"kind": "single", "concurrency": connections, "documents": 1, **row,
                         "decisions_per_s": row["requests_per_s"]})
        for size in (100, 1000):
            batch = json.dumps([facts] * size).encode()
            row = _wrk(f"{url}/v1/decisions/{QUERY}/batch", batch, 2, args.seconds, args.requests, tmp)
            rows.append({"kind": "batch", "concurrency": 2, "documents": size, **row,
                         "decisions_per_s": row["requests_per_s"] * size})
    finally:
        process.terminate()
        process.wait(timeout=60)
    return rows


def _table(rows: list[dict[str, Any]], floor: list[dict[str, Any]], ceiling: list[dict[str, Any]],
           in_process: float) -> None:
    print(f"{'request':10} {'concurrency':>11} {'decisions/s':>12} {'÷ in-process':>13} {'floor/s':>9} "
          f"{'floor ÷ in-process':>19} {'bare HTTP/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for row, hand, bare in zip(rows, floor, ceiling, strict=True):
        label = "single" if row["kind"] == "single" else f"batch {row['documents']:,}"
        row["ratio"] = row["decisions_per_s"] / in_process
        row["floor_per_s"], row["floor_ratio"] = hand["decisions_per_s"], hand["decisions_per_s"] / in_process
        row["bare_http_per_s"] = bare["decisions_per_s"]
        print(f"{label:10} {row['concurrency']:>11} {row['decisions_per_s']:12,.0f} {row['ratio']:13.2f} "
              f"{row['floor_per_s']:9,.0f} {row['floor_ratio']:19.2f} {row['bare_http_per_s']:12,.0f} "
              f"{row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['errors']:7}")
    print("errors of the floor and of bare HTTP: "
          + ", ".join(str(r["errors"]) for r in floor + ceiling))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="longest run of each measurement")
    parser.add_argument("--requests", type=int, default=200_000, help="most answers per connection")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", metavar="PATH", help="also write the table as JSON here")
    parser.add_argument("--no-log", action="store_true", help="run without the decision log (to see its cost)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    facts = one_violation()
    policy = load_policy()
    _same(handwritten.close_account, facts, policy.decide(QUERY, facts))  # the floor answers as the engine does
    before = rate(lambda: policy.decide(QUERY, facts), 3.0)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        log = None if args.no_log else tmp / "decisions.db"
        rows = _measure(_start(args.workers, log), facts, args, tmp)
        floor = _measure(_start(args.workers, None if args.no_log else tmp / "floor.db", "floor_service"), facts,
                         args, tmp)
        ceiling = _measure(_start(args.workers, None, "bare_app"), facts, args, tmp)
    # The machine's speed drifts during a run: the faster of the two measures is
    # the reference, so a drift never flatters the ratios.
    in_process = max(before, rate(lambda: policy.decide(QUERY, facts), 3.0))
    print(f"in-process Policy.decide({QUERY}): {in_process:,.0f} decisions/s (the faster of before and after)")
    _table(rows, floor, ceiling, in_process)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"in_process": in_process, "workers": args.workers, "rows": rows,
                                               "hand_written_floor": floor, "bare_http": ceiling},
                                              indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
