"""Policies of N rules, in one run: check, compile, memory, the editor, a reload, decisions, against regorus.

    python benchmarks/bench_scale.py [--sizes 10,100,1000,10000] [--documents 200] [--seconds 2]
                                     [--edits 10] [--json benchmarks/results/scale.json]

For each N, ``scale_policy.py`` writes a policy folder of N rules (files of at most 1,000, as an author
would split them) and the same rules in Rego. Measured:

- ``check``: ``closure-policy check DIR`` as a process (interpreter start included), best of two;
- ``load``: ``load_policy(DIR)`` in a fresh process, best of two, and that process's peak RSS (VmHWM) after
  it decided every document;
- ``editor``: ``closure-policy lsp`` over stdio, from ``didChange`` of one file to its diagnostics (median of
  ``--edits`` edits; ``bench_lsp.py``'s editor); ``reload``: what ``serve --watch`` does after a one-rule edit
  (``Reloader.load``, best of three edits);
- decisions per second over the same documents, taking turns: the engine (its rule index), the engine with
  ``index=False`` (every rule evaluated, as before the index), the hand-written floor (closures filed by kind,
  rule ids only: ``scale_policy.handwritten``) and regorus (OPA's Rego in Rust, PyPI opa-eval, given JSON
  text); the violated rule ids of all four are checked equal on every document first;
- at 1,000 rules, ``prove --equivalent`` of the folder against itself and against a copy with one comparison
  changed (up to 2 items a list).

The process ``gc.freeze()``s after loading, as ``serve``'s workers do. Not a test: figures vary by machine.
"""
from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_lsp  # noqa: E402
import scale_policy  # noqa: E402
from measure import rates  # noqa: E402

from closure_policy import load_policy  # noqa: E402
from closure_policy.reloader import Reloader  # noqa: E402

_LOAD = """
import json, sys, time
sys.path.insert(0, {bench!r})
import scale_policy
from measure import peak_rss_mb
start = time.perf_counter()
from closure_policy import load_policy
policy = load_policy({folder!r})
seconds = time.perf_counter() - start
for facts in scale_policy.documents({documents}):
    policy.decide("screen", facts)
print(json.dumps({{"seconds": seconds, "rss": peak_rss_mb()}}))
"""


def _best(runs: int, fn: Any) -> float:
    return min(fn() for _ in range(runs))


def _timed_process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def check_seconds(folder: Path) -> float:
    return _best(2, lambda: _timed_process([sys.executable, "-m", "closure_policy.cli.main", "check", str(folder)]))


def load_in_a_process(folder: Path, documents: int) -> dict[str, float]:
    script = _LOAD.format(bench=str(Path(__file__).resolve().parent), folder=str(folder), documents=documents)
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                                      text=True).stdout) for _ in range(2)]
    return {"load": min(r["seconds"] for r in runs), "rss": max(r["rss"] for r in runs)}


def editor_ms(folder: Path, edits: int) -> float:
    bench_lsp.RULES, bench_lsp.FILE = folder, folder / "rules_0000.yaml"
    return float(bench_lsp.measure(edits, peers=0)[0]["median_ms"])


def reload_seconds(folder: Path, work: Path) -> float:
    copy = work / "reloaded"
    shutil.copytree(folder, copy)
    loader = Reloader(copy)
    loader.load()
    times = []
    for i in range(3):
        path = copy / "rules_0000.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("rule 0", f"rule 0 ({i})", 1), encoding="utf-8")
        start = time.perf_counter()
        loader.load()
        times.append(time.perf_counter() - start)
    shutil.rmtree(copy)
    return min(times)


def decisions(folder: Path, n: int, documents: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    indexed, unindexed = load_policy(folder), load_policy(folder, index=False)
    floor = scale_policy.handwritten(n)
    texts = [json.dumps(d) for d in documents]
    try:
        import opa_eval
    except ImportError:
        rego = None
    else:
        rego = opa_eval.OpaEval(str(folder.parent / f"{folder.name}.rego"), query="data.generated.violations")
    same = True
    for facts, text in zip(documents, texts, strict=True):
        ids = sorted(indexed.decide("screen", facts).rule_ids)
        same &= ids == sorted(unindexed.decide("screen", facts).rule_ids) == floor(facts)
        if rego is not None:
            same &= ids == sorted(rego.evaluate_parsed(text))
    if not same:
        raise SystemExit(f"{folder}: the contenders name different violated rules")
    gc.collect()
    gc.freeze()

    def turns(decide: Any, inputs: list[Any]) -> Any:
        position = iter(range(1 << 62))
        return lambda: decide(inputs[next(position) % len(inputs)])

    contenders = {"engine": turns(lambda f: indexed.decide("screen", f), documents),
                  "unindexed": turns(lambda f: unindexed.decide("screen", f), documents),
                  "floor": turns(floor, documents)}
    if rego is not None:
        contenders["regorus"] = turns(rego.evaluate_parsed, texts)
    found = rates(contenders, seconds * len(contenders), rounds=4)
    gc.unfreeze()
    violations = statistics.mean(len(indexed.decide("screen", f).rule_ids) for f in documents)
    return {**found, "regorus": found.get("regorus"), "violations": violations}


def prove_seconds(folder: Path, work: Path) -> dict[str, float] | None:
    try:
        import z3  # noqa: F401
    except ImportError:
        return None
    changed = work / "changed"
    shutil.copytree(folder, changed)
    path = changed / "rules_0000.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"op": ">"', '"op": ">="', 1), encoding="utf-8")
    found = {}
    for label, other in (("itself", folder), ("one comparison changed", changed)):
        args = [sys.executable, "-m", "closure_policy.cli.main", "prove", "--rules", str(folder), "--equivalent",
                "--base-rules", str(other), "-q", scale_policy.QUERY, "--max-items", "2", "--timeout", "300"]
        start = time.perf_counter()
        subprocess.run(args, capture_output=True)  # exit 1 when a distinguishing document is found
        found[label] = time.perf_counter() - start
    shutil.rmtree(changed)
    return found


def row(n: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    folder = scale_policy.write_policy(work / f"p{n}", n)
    (work / f"p{n}.rego").write_text(scale_policy.rego(n), encoding="utf-8")
    documents = scale_policy.documents(args.documents)
    found: dict[str, Any] = {"rules": n, "check": check_seconds(folder), **load_in_a_process(folder, args.documents),
                             "editor_ms": editor_ms(folder, args.edits) if args.edits else None,
                             "reload": reload_seconds(folder, work),
                             **decisions(folder, n, documents, args.seconds)}
    if n == 1000 and not args.no_prove:
        found["prove"] = prove_seconds(folder, work)
    shutil.rmtree(folder)
    return found


def _print(r: dict[str, Any]) -> None:
    ratio = f"{r['engine'] / r['regorus']:,.1f}" if r["regorus"] else "-"
    editor = f"{r['editor_ms']:,.0f} ms" if r["editor_ms"] is not None else "-"
    print(f"| {r['rules']:,} | {r['check']:.2f} s | {r['load']:.2f} s | {r['rss']:,.0f} MB | {editor} | "
          f"{r['reload']:.2f} s | {r['violations']:,.0f} | {r['engine']:,.0f} | {r['unindexed']:,.0f} | "
          f"{r['floor']:,.0f} | {r['regorus'] or 0:,.1f} | {ratio} | yes |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per contender per size")
    parser.add_argument("--edits", type=int, default=10, help="editor edits per size (0: skip the editor)")
    parser.add_argument("--no-prove", action="store_true")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}; {args.documents} documents; gc frozen after loading")
    print("| N rules | check (process) | load_policy | peak RSS | editor: edit → diagnostics | reload after an edit "
          "| violations a decision | decisions/s | unindexed/s | floor/s | regorus/s | engine ÷ regorus "
          "| same violations |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in map(int, args.sizes.split(",")):
            rows.append(row(n, Path(tmp), args))
            _print(rows[-1])
    by = {r["rules"]: r for r in rows}
    if 1000 in by and 10000 in by:
        print(f"growth 1,000 → 10,000 rules: check ×{by[10000]['check'] / by[1000]['check']:.1f}, "
              f"load ×{by[10000]['load'] / by[1000]['load']:.1f}, "
              f"decision time ×{by[1000]['engine'] / by[10000]['engine']:.1f} "
              f"(violations a decision ×{by[10000]['violations'] / by[1000]['violations']:.1f})")
    for r in rows:
        if r.get("prove"):
            print(f"prove --equivalent at {r['rules']:,} rules (up to 2 items a list): "
                  + ", ".join(f"{k}: {v:.1f} s" for k, v in r["prove"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps({"python": sys.version.split()[0], "rows": rows}, indent=2) + "\n",
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
