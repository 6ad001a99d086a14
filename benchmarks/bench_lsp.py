"""How long the language server takes to show the diagnostics of an edit of ``rules/close_account.yaml``.

Measured three ways in one run, each over the same edits (a comment line changed, so every edit is new text):

- **editor**: ``closure-policy lsp`` as a process, driven over stdio by pygls' client: from ``didChange`` sent to
  ``publishDiagnostics`` received for the file (the debounce of ``limits.LSP_DEBOUNCE_SECONDS`` included);
- **in process**: ``Checker.diagnose`` of the changed buffer (what the server does once the pause is over);
- **floor**: the least that work can be: the changed file parsed and the folder compiled from files already
  parsed, no lookup, no caching, no conversion;

beside the **peer** an editor without the server has: ``closure-policy check rules`` as a process, run on save.

    python benchmarks/bench_lsp.py [--edits 30] [--json] [--rules DIR --file NAME]

``--rules`` and ``--file`` measure another folder (``bench_scale.py`` does, on generated folders of N rules).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from closure_policy import limits  # noqa: E402
from closure_policy.compile import compile_policy  # noqa: E402
from closure_policy.load.yaml_source import load_rule_dir, load_yaml_text  # noqa: E402
from closure_policy.lsp.check import Checker  # noqa: E402
from closure_policy.lsp.documents import Documents  # noqa: E402

RULES = ROOT / "rules"
FILE = RULES / "close_account.yaml"


def _edits(count: int) -> list[str]:
    text = FILE.read_text(encoding="utf-8")  # (FILE and RULES: this module's, or those main() was given)
    return [text + f"\n# edit {i}\n" for i in range(count)]


def _times(fn: Callable[[str], Any], edits: list[str]) -> list[float]:
    fn(edits[0])
    found = []
    for text in edits:
        start = time.perf_counter()
        fn(text)
        found.append(time.perf_counter() - start)
    return found


def in_process(edits: list[str]) -> list[float]:
    documents = Documents()
    checker = Checker(documents)

    def one(text: str) -> Any:
        documents.put(FILE, text)
        return checker.diagnose(FILE)
    return _times(one, edits)


def floor(edits: list[str]) -> list[float]:
    others, _ = load_rule_dir(RULES)
    others = [s for s in others if s.path.name != FILE.name]

    def one(text: str) -> Any:
        changed, _ = load_yaml_text(text, FILE, str(FILE))
        return compile_policy(RULES, strict=False, sources=[*others, changed])
    return _times(one, edits)


async def _editor(edits: list[str]) -> list[float]:
    sys.path.insert(0, str(ROOT / "tests"))
    from lsp.editor import Editor  # the tests' client: pygls' LanguageClient over stdio

    found = []
    async with Editor(RULES.parent) as editor:
        uri = editor.open(FILE, edits[0])
        await editor.until(lambda: uri in editor.diagnostics)
        for text in edits:
            seen = len(editor.published)
            start = time.perf_counter()
            editor.change(uri, text)
            await editor.until(lambda seen=seen: any(u == uri for _, u in editor.published[seen:]))
            found.append(next(t for t, u in editor.published[seen:] if u == uri) - start)
    return found


def peer(count: int) -> list[float]:
    found = []
    for _ in range(count):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "closure_policy.cli.main", "check", str(RULES)], check=True,
                       capture_output=True)
        found.append(time.perf_counter() - start)
    return found


def _row(name: str, times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    return {"run": name, "median_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1), "edits": len(times)}


def measure(edits: int, peers: int = 10) -> list[dict[str, Any]]:
    """Every row, over ``edits`` edits of FILE in RULES."""
    texts = _edits(edits)
    rows = [_row(f"editor over stdio (debounce {limits.LSP_DEBOUNCE_SECONDS * 1000:.0f} ms included)",
                 asyncio.run(_editor(texts))),
            _row("in process: Checker.diagnose", in_process(texts)),
            _row("floor: parse the file, compile the folder", floor(texts))]
    if peers:
        rows.append(_row("peer: closure-policy check (a process, on save)", peer(min(edits, peers))))
    return rows


def main() -> None:
    global RULES, FILE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="also write benchmarks/results/lsp.json")
    parser.add_argument("--rules", type=Path, default=RULES, help="the rule folder (default: the bundled rules)")
    parser.add_argument("--file", default=FILE.name, help="the file of it edited")
    args = parser.parse_args()
    RULES, FILE = args.rules.absolute(), args.rules.absolute() / args.file
    rows = measure(args.edits)
    print("| run | median ms | p95 ms | edits |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['run']} | {r['median_ms']} | {r['p95_ms']} | {r['edits']} |")
    if args.json:
        out = ROOT / "benchmarks" / "results" / "lsp.json"
        out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
