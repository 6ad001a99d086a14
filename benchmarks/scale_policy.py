"""A generated policy folder of N rules, its Rego twin, and documents to decide.

    python benchmarks/scale_policy.py OUT_DIR --rules 1000 [--per-file 1000] [--seed 7]

What a new user's policy looks like when it grows: one query, a generic facts
schema (a transaction of 20 integer fields and a ``kind`` enum of 10 values, a
list of 20 items with an amount and a category) and rules of a handful of
shapes, spread over files of at most ``per_file`` rules as an author would
split them. Deterministic for a seed. ``bench_scale.py`` times it and the test
of the 20,000-rule compile (``tests/compile/test_scale.py``) builds it.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any, Callable

FIELDS = [f"f{i}" for i in range(20)]
KINDS = [f"k{i}" for i in range(10)]
CATEGORIES = [f"c{i}" for i in range(10)]
ITEMS = 20
QUERY = "screen"


def facts_schema() -> dict[str, Any]:
    integer = {"type": "integer", "minimum": 0, "maximum": 1_000_000}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "A generated policy's facts",
        "type": "object", "additionalProperties": False, "required": ["txn", "items"],
        "properties": {
            "txn": {"type": "object", "additionalProperties": False, "required": ["id", "kind", *FIELDS],
                    "properties": {"id": {"type": "string", "maxLength": 64}, "kind": {"enum": KINDS},
                                   **{f: integer for f in FIELDS}}},
            "items": {"type": "array", "maxItems": 100, "items": {
                "type": "object", "additionalProperties": False, "required": ["amount", "category"],
                "properties": {"amount": integer, "category": {"enum": CATEGORIES}}}},
        },
    }


def _cmp(fact: str, op: str, value: Any) -> dict[str, Any]:
    return {"fact": fact, "op": op, "value": value}


Predicate = Callable[[dict[str, Any], list[dict[str, Any]]], bool]


def condition(i: int, rng: random.Random) -> tuple[dict[str, Any], list[str], Predicate, set[str] | None]:
    """Rule ``i``'s ``when``, its Rego bodies (one per alternative: Rego ORs bodies of one rule), and the same
    test written by hand in Python with the kinds it needs (None: any kind), for the benchmark's floor."""
    kind, field, other = rng.choice(KINDS), rng.choice(FIELDS), rng.choice(FIELDS)
    k, category = rng.randrange(0, 1_000_000, 1000), rng.choice(CATEGORIES)
    shape = i % 6
    if shape == 0:
        return ({"all": [_cmp(f"txn.{field}", ">", k), _cmp("txn.kind", "==", kind)]},
                [f'input.txn.{field} > {k}\n\tinput.txn.kind == "{kind}"'],
                lambda t, items: t[field] > k, {kind})
    if shape == 1:
        where = {"all": [_cmp("item.amount", ">", k), _cmp("item.category", "==", category)]}
        return ({"some": {"in": "items", "as": "item", "where": where}},
                [f'some item in input.items\n\titem.amount > {k}\n\titem.category == "{category}"'],
                lambda t, items: any(it["amount"] > k and it["category"] == category for it in items), None)
    if shape == 2:
        pair = sorted({kind, rng.choice(KINDS)})
        m = rng.randrange(0, 1_000_000, 1000)
        head = _cmp("txn.kind", "in", pair)
        alternatives = [_cmp(f"txn.{field}", "<", k), _cmp(f"txn.{other}", "!=", m)]
        rego_in = "{" + ", ".join(f'"{p}"' for p in pair) + "}"
        return ({"all": [head, {"any": alternatives}]},
                [f"input.txn.kind in {rego_in}\n\tinput.txn.{field} < {k}",
                 f"input.txn.kind in {rego_in}\n\tinput.txn.{other} != {m}"],
                lambda t, items: t[field] < k or t[other] != m, set(pair))
    if shape == 3:
        return ({"all": [_cmp("txn.kind", "==", kind), {"not": _cmp(f"txn.{field}", ">=", k)}]},
                [f'input.txn.kind == "{kind}"\n\tnot input.txn.{field} >= {k}'],
                lambda t, items: not t[field] >= k, {kind})
    if shape == 4:
        every = {"every": {"in": "items", "as": "item", "where": _cmp("item.amount", "<", k)}}
        return ({"all": [_cmp("txn.kind", "==", kind), every]},
                [f'input.txn.kind == "{kind}"\n\tevery item in input.items {{ item.amount < {k} }}'],
                lambda t, items: all(it["amount"] < k for it in items), {kind})
    big, small = rng.randrange(990_000, 1_000_000), rng.randrange(0, 2_000)  # no equality: never indexed
    return ({"any": [_cmp(f"txn.{field}", ">", big), _cmp(f"txn.{other}", "<", small)]},
            [f"input.txn.{field} > {big}", f"input.txn.{other} < {small}"],
            lambda t, items: t[field] > big or t[other] < small, None)


def rule_id(i: int) -> str:
    return f"gen.r{i:06d}"


def rules(n: int, seed: int = 7) -> list[tuple[dict[str, Any], list[str], Predicate, set[str] | None]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        when, rego, test, kinds = condition(i, rng)
        out.append(({"id": rule_id(i), "query": QUERY, "source": {"section": "generated", "quote": f"rule {i}"},
                     "title": {"en": f"Rule {i} holds"}, "when": when,
                     "message": {"en": f"Rule {i} fired for {{txn.id}}."}}, rego, test, kinds))
    return out


def handwritten(n: int, seed: int = 7) -> Callable[[dict[str, Any]], list[str]]:
    """The floor: the same rules as Python closures filed by the kind they need, as one would write them by
    hand; a decision is the sorted ids of the rules that fire (no messages, no checks of the document)."""
    by_kind: dict[str, list[tuple[str, Predicate]]] = {k: [] for k in KINDS}
    anyway: list[tuple[str, Predicate]] = []
    for data, _, test, kinds in rules(n, seed):
        for bucket in ([by_kind[k] for k in kinds] if kinds else [anyway]):
            bucket.append((data["id"], test))

    def decide(facts: dict[str, Any]) -> list[str]:
        txn, items = facts["txn"], facts["items"]
        return sorted(rule for rule, test in anyway + by_kind[txn["kind"]] if test(txn, items))
    return decide


def _flow(value: Any) -> str:
    """YAML flow style for a condition: JSON is YAML, and one line per rule keeps files small."""
    return json.dumps(value, ensure_ascii=False)


def write_policy(folder: Path, n: int, per_file: int = 1000, seed: int = 7) -> Path:
    """A policy folder of ``n`` rules in files of at most ``per_file``; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "facts.schema.json").write_text(json.dumps(facts_schema(), indent=1) + "\n", encoding="utf-8")
    (folder / "policy.yaml").write_text(
        "policy:\n  name: generated\n  title: {en: A generated policy}\n  languages: [en]\n"
        "  subject: txn.id\n  facts_schema: facts.schema.json\n\n"
        f"queries:\n  {QUERY}:\n    title: {{en: \"Does the transaction pass?\"}}\n"
        "    outcomes: {allow: {}, deny: {}}\n    default: allow\n    on_violation: deny\n", encoding="utf-8")
    generated = rules(n, seed)
    for start in range(0, n, per_file):
        lines = ["rules:"]
        for data, *_ in generated[start:start + per_file]:
            lines.append(f"  - id: {data['id']}")
            lines += [f"    {key}: {_flow(data[key])}" for key in ("query", "source", "title", "when", "message")]
        (folder / f"rules_{start // per_file:04d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def rego(n: int, seed: int = 7) -> str:
    """The same rules in Rego: ``data.generated.violations`` is the set of violated rule ids."""
    parts = ["package generated", "", "import rego.v1", ""]
    for data, bodies, *_ in rules(n, seed):
        parts += [f'violations contains "{data["id"]}" if {{\n\t{body}\n}}\n' for body in bodies]
    parts.append('outcome := "deny" if count(violations) > 0\n\noutcome := "allow" if count(violations) == 0\n')
    return "\n".join(parts)


def documents(count: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [{"txn": {"id": f"T-{d}", "kind": rng.choice(KINDS),
                     **{f: rng.randrange(0, 1_000_001) for f in FIELDS}},
             "items": [{"amount": rng.randrange(0, 1_000_001), "category": rng.choice(CATEGORIES)}
                       for _ in range(ITEMS)]}
            for d in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rego", action="store_true", help="also write generated.rego beside the folder")
    args = parser.parse_args(argv)
    write_policy(args.out, args.rules, args.per_file, args.seed)
    if args.rego:
        (args.out.parent / f"{args.out.name}.rego").write_text(rego(args.rules, args.seed), encoding="utf-8")
    print(f"{args.out}: {args.rules:,} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
