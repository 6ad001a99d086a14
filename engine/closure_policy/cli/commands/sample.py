"""``closure-policy sample``: a realistic corpus of facts documents, for batch runs, diffs and benchmarks."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ... import progress
from ...batch.corpus import check_corpus_name, write_corpus
from ...batch.sample import Sampler, case_facts
from ...errors import ClosurePolicyError
from ...policy import load_policy
from ...tester.session import default_paths
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("sample", help="write N realistic facts documents for a query (JSON Lines or Parquet)")
    p.add_argument("--query", "-q", required=True, help="the query the documents are for")
    p.add_argument("--count", "-n", type=options.whole(0), required=True, help="how many documents")
    p.add_argument("--output", "-o", required=True, metavar="PATH", help="a .jsonl or .parquet file")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same corpus (default 0)")
    p.add_argument("--items", action="append", default=[], metavar="LIST=N",
                   help="grow a list fact to about N items on average, e.g. contracts=20 (repeatable)")
    p.add_argument("--suites", action="append", metavar="PATH",
                   help="YAML test suites whose cases seed the corpus (default: as for test: ./tests/policy, "
                        "else the bundled suites)")
    options.add_rules(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_corpus_name(args.output)  # before the work, not after it
    policy = load_policy(args.rules)
    seeds = case_facts(policy, args.query, args.suites or default_paths())
    sampler = Sampler(policy, seeds, _items(args.items), seed=args.seed)
    write_corpus(progress.counted(sampler.take(args.count), args.count, "sample", "docs"), args.output,
                 policy.facts_schema.document)
    print(f"{args.output}: {args.count:,} facts documents for {args.query}", file=sys.stderr)
    return 0


def _items(given: list[str]) -> dict[str, int]:
    items = {}
    for text in given:
        name, _, count = text.partition("=")
        if not count.isdigit():
            raise ClosurePolicyError(f"--items {text!r}: write LIST=N, e.g. contracts=20")
        items[name] = int(count)
    return items
