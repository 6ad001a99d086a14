"""pytest collects the YAML rule test suites: one item per case.

Registered under the ``pytest11`` entry point. Which files are suites is the
ini option ``closure_policy_files`` (glob patterns relative to the rootdir,
default ``tests/policy/*.yaml``); which rules they test, the suite's own
``rules:`` key (relative to the suite), else ``closure_policy_rules`` (relative to
the rootdir), else the bundled rules. A failing case shows the same diff and
trace as ``closure-policy test``.
"""
from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any, Iterator

import pytest

from ..errors import ClosurePolicyError
from ..policy import Policy, available_backends, load_policy

DEFAULT_FILES = ["tests/policy/*.yaml", "tests/policy/*.yml"]
_POLICIES = pytest.StashKey[dict[str, dict[str, Policy]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("closure_policy_files", type="linelist", default=DEFAULT_FILES,
                  help="glob patterns (relative to the rootdir) of YAML rule test suites")
    parser.addini("closure_policy_rules", default="",
                  help="rule folder the suites test, relative to the rootdir (default: the bundled rules)")


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Which backends the YAML suites run on; one that cannot run is named with why, never skipped silently."""
    from .. import evaluate

    lines = []
    for name, spec in evaluate.BACKENDS.items():
        reason = spec.unavailable()
        lines.append(f"closure-policy backend {name}: " + ("available" if reason is None else
                                                          f"unavailable ({reason}), skipped"))
    return lines


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    try:
        relative = file_path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return None
    if any(fnmatch.fnmatch(relative, pattern) for pattern in config.getini("closure_policy_files")):
        return PolicySuiteFile.from_parent(parent, path=file_path)
    return None


def _folder(config: pytest.Config, suite: Path) -> Path | None:
    """The rules a suite tests: its ``rules:`` key, else the ini option, else None (the bundled rules)."""
    from .session import declared_rules

    declared = declared_rules(suite)
    if declared is not None:
        return (suite.parent / declared).resolve()
    rules = config.getini("closure_policy_rules")
    return config.rootpath / rules if rules else None


def _policies(config: pytest.Config, folder: Path | None) -> dict[str, Policy]:
    """Each backend's policy of ``folder``, loaded once a session."""
    loaded = config.stash.setdefault(_POLICIES, {})
    key = str(folder or "")
    if key not in loaded:
        loaded[key] = {name: load_policy(folder, backend=name) for name in available_backends()}
    return loaded[key]


class SuiteError(Exception):
    """An invalid test file or rule folder: shown as a collection error, file:line:col."""


class PolicySuiteFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from . import load_suite

        folder = _folder(self.config, self.path)
        try:
            policies = _policies(self.config, folder)
        except ClosurePolicyError as exc:
            raise SuiteError(exc.report()) from None
        name = self.path.relative_to(self.config.rootpath).as_posix()
        suite = load_suite(self.path, next(iter(policies.values())), name)
        if suite.problems:
            raise SuiteError("\n".join(p.format() for p in sorted(suite.problems)))
        for case in suite.cases:
            yield PolicyCaseItem.from_parent(self, name=case.name, case=case, folder=folder)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, SuiteError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class CaseFailed(Exception):
    def __init__(self, results: list[Any]):
        self.results = results
        super().__init__(f"{sum(not r.passed for r in results)} backend(s) failed")


class PolicyCaseItem(pytest.Item):
    def __init__(self, *, case: Any, folder: Path | None, **kwargs: Any):
        super().__init__(**kwargs)
        self.case = case
        self.folder = folder

    def runtest(self) -> None:
        from . import Runner

        results = Runner(_policies(self.config, self.folder)).run(self.case)
        if not all(r.passed for r in results):
            raise CaseFailed(results)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            from .report import format_failures

            return format_failures(excinfo.value.results)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"{self.case.file}::{self.case.name}"
