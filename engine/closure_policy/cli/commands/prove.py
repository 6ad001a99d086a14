"""``closure-policy prove``: properties of the policy proven for every facts document, or a counterexample.

Exit codes: 0 every property proved (and every built-in check reached); 1 a
counterexample, an unreachable rule or outcome, or an unknown (a timeout); 2
invalid input (rules, property files, a construct that cannot be encoded); 3
the model and the engine decided a document differently (a bug of ours, said
with the document, never reported as an answer).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence

from ... import limits
from ...errors import ClosurePolicyError
from ...policy import Policy, load_policy
from .. import options

DEFAULT_PROPERTIES = Path("tests") / "properties"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("prove", help="prove properties of the policy for every facts document (z3)")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="property files or folders (default: tests/properties beside the rule folder)")
    options.add_rules(p)
    p.add_argument("--max-items", type=options.whole(0, limits.MAX_PROVE_ITEMS), default=3, metavar="N",
                   help="the most items of each list a document may hold (default 3)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="seconds for each property before it is unknown (default 60)")
    p.add_argument("--no-builtins", dest="builtins", action="store_false",
                   help="leave out the built-in checks (each rule can fire and hold, each outcome is reached)")
    p.add_argument("--mutate", action="store_true",
                   help="break each property with a mutant of the rules; list those no mutant breaks")
    p.add_argument("--equivalent", action="store_true",
                   help="whether --base-rules and --rules decide --query alike on every document")
    options.add_rules(p, option="--base-rules", what="with --equivalent: the other revision's rule folder")
    p.add_argument("-q", "--query", metavar="QUERY", help="with --equivalent: the query to compare")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(run=run)


EXIT_MISMATCH = 3


def run(args: argparse.Namespace) -> int:
    try:
        from ...prove.errors import ModelMismatch
    except ImportError as exc:  # z3 is an extra: say how to get it
        raise ClosurePolicyError(f"prove needs z3: pip install 'closure-policy[prove]' ({exc})") from None
    try:
        return _run(args)
    except ModelMismatch as exc:
        print(f"closure-policy prove: the model and the engine disagree, a bug of closure-policy; please report "
              f"it with this document: {exc}", file=sys.stderr)
        return EXIT_MISMATCH


def _run(args: argparse.Namespace) -> int:
    from ...prove.properties import find_files, load_properties
    from ...prove.prover import PROVED, Prover

    if args.timeout <= 0 or args.timeout > limits.MAX_PROVE_TIMEOUT_SECONDS:
        raise ClosurePolicyError(f"--timeout: give seconds above 0 and at most {limits.MAX_PROVE_TIMEOUT_SECONDS}")
    policy = load_policy(args.rules)
    deciders = [("rules", policy)]
    if args.equivalent:
        base = load_policy(args.base_rules)
        deciders = [("base", base), ("new", policy)]
        results = [_equivalent(args, policy, base)]
    else:
        paths = find_files(args.files or [str(_default_folder(policy))])
        properties = load_properties(paths, policy)
        if args.mutate:
            return _mutate(policy, properties, args)
        prover = Prover(policy, args.max_items, args.timeout, [p.assume.ir for p in properties if p.assume])
        results = list(_all(prover, properties, policy, args.builtins))
    _write(results, args, deciders)
    return 0 if all(r.status == PROVED for r in results) else 1 if results else 0


def _default_folder(policy: Policy) -> Path:
    folder = policy.directory.parent / DEFAULT_PROPERTIES
    if not folder.is_dir():
        raise ClosurePolicyError(f"no property files: give FILE, or write them in {folder}")
    return folder


def _all(prover: Any, properties: list[Any], policy: Policy, builtins: bool) -> Iterator[Any]:
    for prop in properties:
        yield prover.prove(prop)
    if builtins:
        for query in policy.queries:
            yield from prover.builtins(query)


def _mutate(policy: Policy, properties: list[Any], args: argparse.Namespace) -> int:
    from ...prove import mutation

    found = mutation.run(policy, properties, args.max_items, args.timeout)
    for name, mutant in found.broken_by.items():
        print(f"{name}: " + (f"broken by {mutant.format('a counterexample')}" if mutant is not None else
                             "no mutant breaks it: it holds whatever the rules say"))
    print(f"mutants: {found.judged} compiled; the properties break {found.killed}", file=sys.stderr)
    return 0 if all(m is not None for m in found.broken_by.values()) else 1


def _equivalent(args: argparse.Namespace, policy: Policy, base: Policy) -> Any:
    from ...prove.prover import Prover

    if args.query is None:
        raise ClosurePolicyError("--equivalent needs -q QUERY")
    for p in (policy, base):
        p.query(args.query)  # an unknown query is the user's mistake, named
    return Prover(policy, args.max_items, args.timeout, base=base).equivalent(args.query)


def _write(results: list[Any], args: argparse.Namespace, deciders: list[tuple[str, Policy]]) -> None:
    if args.format == "json":
        json.dump([r.to_dict() for r in results], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for r in results:
        sys.stdout.write(render(r, args.max_items, deciders))
    print(summary(results), file=sys.stderr)


def summary(results: list[Any]) -> str:
    """The counts of one run: properties proved apart from built-in checks reached (a witness found)."""
    reached = sum(r.status == "proved" and r.witness is not None for r in results)
    counts = {"properties proved": sum(r.status == "proved" and r.witness is None for r in results),
              "built-in checks reached": reached,
              **{s: sum(r.status == s for r in results) for s in ("counterexample", "unreachable", "unknown")}}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to prove"


def render(result: Any, max_items: int, deciders: Sequence[tuple[str, Policy]] = ()) -> str:
    """One result as text; a counterexample decided by each revision, and ready to paste into a YAML case with
    its ``expect:`` (what the engine decides now: edit it to what it should)."""
    status = {"proved": "reached" if result.witness is not None else f"proved (up to {max_items} items)",
              "unknown": f"unknown ({result.note})",
              "unreachable": f"unreachable (up to {max_items} items)"}.get(result.status, result.status)
    head = f"{result.query}: {result.property}: {status}\n"
    if result.counterexample is None:
        return head
    decided = [(name, policy.decide(result.query, result.counterexample)) for name, policy in deciders]
    lines = [f"    # decided by {name}: {d.outcome} [{', '.join(d.rule_ids)}]\n" for name, d in decided]
    case: dict[str, Any] = {"name": f"counterexample: {result.property}", "query": result.query,
                            "facts": result.counterexample}
    if decided:
        case["expect"] = {"outcome": decided[-1][1].outcome, "violations": list(decided[-1][1].rule_ids)}
    return head + "".join(lines) + "".join(f"    {line}\n" for line in _yaml(case).splitlines())


def _yaml(data: Any) -> str:
    import yaml

    return str(yaml.safe_dump([data], allow_unicode=True, sort_keys=False, width=110))
