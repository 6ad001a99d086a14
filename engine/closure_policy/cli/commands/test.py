"""``closure-policy test``: run YAML rule test suites, optionally with coverage."""
from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any, TextIO

from ... import evaluate
from ...errors import InvalidRules
from ...paths import output_file, writing
from ...policy import load_policy
from ...tester import report
from ...tester import session as sessions
from .. import options


def add_parser(sub: Any) -> None:
    p = sub.add_parser("test", help="run YAML rule test suites")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="test files or folders (default: ./tests/policy when there is one, else the bundled suites)")
    options.add_rules(p, found=True)
    p.add_argument("--coverage", action="store_true", help="report rule and condition coverage")
    p.add_argument("--fail-under", type=float, metavar="PCT",
                   help="fail when coverage (with --mutate: the mutation score; default 100) is below PCT percent")
    p.add_argument("--mutate", action="store_true",
                   help="mutation testing: change the rules as a slip would, and list the changes no case notices")
    p.add_argument("--jobs", "-j", type=options.whole(1), metavar="N",
                   help="with --mutate: processes (default: one a core)")
    p.add_argument("--format", choices=tuple(report.REPORTERS), default="text", help="output format")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here instead of standard output")
    p.add_argument("-k", dest="keyword", metavar="EXPR", help="only cases whose FILE::NAME matches EXPR")
    options.add_backend(p, repeatable=True)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.mutate:
        return mutate(args.paths, rules=args.rules, fail_under=args.fail_under, jobs=args.jobs,
                      keyword=args.keyword)
    return test(args.paths, rules=args.rules, coverage=args.coverage, fail_under=args.fail_under, fmt=args.format,
                output=args.output, keyword=args.keyword, backends=args.backend)


def test(paths: list[str], *, rules: str | None = None, coverage: bool = False, fail_under: float | None = None,
         fmt: str = "text", output: str | None = None, keyword: str | None = None,
         backends: list[str] | None = None) -> int:
    """Run the suites at ``paths``; 0 when every case passed (and coverage is at least ``fail_under``)."""
    if output:
        output_file(output)  # before the work, not after it
    rules = sessions.rules_folder(rules, paths)
    policies = {name: load_policy(rules, backend=name) for name in backends or _installed()}
    first = next(iter(policies.values()))
    print(f"testing {rules or 'the bundled rules'}: {first.name} {first.revision}", file=sys.stderr)
    session = sessions.run(paths, policies, keyword, coverage=coverage or fail_under is not None)
    if session.problems:
        raise InvalidRules(session.problems)
    with writing(output or "-"), open(output, "w", encoding="utf-8") if output else \
            contextlib.nullcontext(sys.stdout) as out:
        _write(fmt, session, out)
    return _exit_code(session, fail_under)


def mutate(paths: list[str], *, rules: str | None = None, fail_under: float | None = None, jobs: int | None = None,
           keyword: str | None = None) -> int:
    """Mutation testing of the rules by the suites at ``paths``; 0 when the score is at least ``fail_under``."""
    from ...tester import mutate as mutation

    rules = sessions.rules_folder(rules, paths)
    policy = load_policy(rules)
    print(f"mutating {rules or 'the bundled rules'}: {policy.name} {policy.revision}", file=sys.stderr)
    cases, problems = sessions.collect(paths, policy, keyword)
    if problems:
        raise InvalidRules(problems)
    results = mutation.run(policy, cases, jobs)
    sys.stdout.write(mutation.report(results))
    wanted = 100.0 if fail_under is None else fail_under
    if mutation.score(results) < wanted:
        print(f"mutation score {mutation.score(results):.2f}% is below {wanted:g}%", file=sys.stderr)
        return 1
    return 0


def _installed() -> list[str]:
    """Every backend that runs here; each one that does not is named, never skipped silently."""
    for name, spec in evaluate.BACKENDS.items():
        reason = spec.unavailable()
        if reason is not None:
            print(f"{name}: unavailable ({reason}), skipped", file=sys.stderr)
    return evaluate.available()


def _write(fmt: str, session: sessions.Session, out: TextIO) -> None:
    report.REPORTERS[fmt].write(session, out)
    if fmt != "text":  # the closing line, alone, where CI and people look for it
        print(report.summary(session), file=sys.stderr)


def _exit_code(session: sessions.Session, fail_under: float | None) -> int:
    if not session.results:
        print("no test case ran", file=sys.stderr)
        return 1
    if session.failed:
        return 1
    if fail_under is not None and session.coverage is not None and session.coverage.percent < fail_under:
        print(f"coverage {session.coverage.percent:.2f}% is below --fail-under {fail_under:g}%", file=sys.stderr)
        return 1
    return 0
