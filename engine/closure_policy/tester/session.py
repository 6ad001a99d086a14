"""A test run: find suites, load them, run the selected cases, keep the results."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ClosurePolicyError, Problem
from ..load import display_name, load_yaml_file
from ..policy import Policy
from ..resources import default_rules, suites_dir
from .cover import Coverage
from .keyword import keyword_matcher
from .runner import CaseResult, Runner
from .suite import Case, StreamCase, load_suite

DEFAULT_PATHS = ("tests/policy",)


@dataclass
class Session:
    results: list[list[CaseResult]] = field(default_factory=list)  # per case, one per backend
    problems: list[Problem] = field(default_factory=list)
    coverage: Coverage | None = None

    @property
    def passed(self) -> int:
        return sum(all(r.passed for r in rs) for rs in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed


def default_paths() -> list[str]:
    """The suites a run takes when none are named: ``./tests/policy`` when there is one (a policy's own
    checkout), else the bundled rules' suites (an installed package, run from any folder)."""
    here = [p for p in DEFAULT_PATHS if Path(p).is_dir()]
    return here or [str(suites_dir())]


def find_suites(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for given in paths or default_paths():
        path = Path(given)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            found.append(path)
    return found


def rules_folder(explicit: str | None, paths: list[str] | None) -> str | None:
    """The rule folder a run tests: ``--rules``; else the one the suites at ``paths`` name (``rules:``,
    relative to the suite; ``paths`` None: no suites); else ``./rules`` when there is one; else None, the
    bundled rules."""
    if explicit is not None:
        return explicit
    suites = find_suites(paths) if paths is not None else []  # [] finds the default suites; None is none
    named = {str((path.parent / folder).resolve()) for path in suites if (folder := declared_rules(path)) is not None}
    if len(named) > 1:
        raise ClosurePolicyError(f"the suites name different rule folders ({', '.join(sorted(named))}): "
                                 "run them separately, or choose one with --rules")
    if named:
        return named.pop()
    return default_rules()


def declared_rules(path: Path) -> str | None:
    """The suite's ``rules:`` key, read without checking the rest (that comes when the suite is loaded)."""
    try:
        source, problems = load_yaml_file(path, str(path))
    except OSError:
        return None
    folder = source.data.get("rules") if not problems and isinstance(source.data, dict) else None
    return folder if isinstance(folder, str) and folder else None


def collect(paths: list[str], policy: Policy, keyword: str | None = None) -> tuple[list[Case | StreamCase],
                                                                                 list[Problem]]:
    match = keyword_matcher(keyword or "")
    cases: list[Case | StreamCase] = []
    problems: list[Problem] = []
    for path in find_suites(paths):
        suite = load_suite(path, policy, display_name(path))
        problems += suite.problems
        cases += [c for c in suite.cases if match(c.node_id)]
    return cases, problems


def run(paths: list[str], policies: dict[str, Policy], keyword: str | None = None,
        coverage: bool = False) -> Session:
    first = next(iter(policies.values()))
    session = Session(coverage=Coverage(first) if coverage else None)
    cases, session.problems = collect(paths, first, keyword)
    if session.problems:
        return session
    runner = Runner(policies, tracer=session.coverage)
    session.results = [runner.run(case) for case in cases]
    return session
