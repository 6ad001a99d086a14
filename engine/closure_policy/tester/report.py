"""How a test run is shown: failures as readable diffs with the trace, JUnit XML, JSON.

As in OPA's tester, each format is a reporter object with one ``write``
method; ``REPORTERS`` maps ``--format`` to it.
"""
from __future__ import annotations

import difflib
import json
from typing import Any, Protocol, TextIO
from xml.etree import ElementTree as ET

import yaml

from ..text import safe
from ..trace import render as render_trace
from .cover import Coverage
from .expect import Mismatch
from .runner import CaseResult
from .session import Session


def _dump(value: Any) -> list[str]:
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
    return text.rstrip("\n").removesuffix("\n...").splitlines()


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) and value.startswith("(") else json.dumps(value, ensure_ascii=False)


def format_mismatch(m: Mismatch) -> list[str]:
    scalar = not isinstance(m.expected, (list, dict)) and not isinstance(m.actual, (list, dict))
    if scalar:
        return [f"  {m.field}:", f"    expected: {_scalar(m.expected)}", f"    actual:   {_scalar(m.actual)}"]
    diff = difflib.unified_diff(_dump(m.expected), _dump(m.actual), "expected", "actual", lineterm="", n=3)
    return [f"  {m.field}:"] + [f"    {line}" for line in diff]


def format_trace(result: CaseResult) -> list[str]:
    """The evaluation of the rules involved: those expected or found to fire, or all if unclear."""
    if not result.trace:
        return []
    involved = {m.field.split(" of ", 1)[1] for m in result.mismatches if " of " in m.field}
    for m in result.mismatches:
        for side in (m.expected, m.actual):
            if m.field.startswith("violations") and isinstance(side, list):
                involved |= set(side)
    if not involved:  # the outcome differs: the rules that decided it, those that fired
        involved = {t["rule"] for t in result.trace if t["fired"]}
    entries = [t for t in result.trace if t["rule"] in involved] or result.trace
    return ["  trace:"] + render_trace(entries, indent=4)


def format_failures(results: list[CaseResult]) -> str:
    """The failures of one case across its backends: once when every backend failed alike (no backend
    named), else each failing backend's own, named."""
    failed = [r for r in results if not r.passed]
    if len(failed) > 1 and len(failed) == len(results) and all(r.mismatches == failed[0].mismatches
                                                               for r in failed):
        return format_failure(failed[0], named=False)
    return "\n\n".join(format_failure(r) for r in failed)


def format_failure(result: CaseResult, named: bool = True) -> str:
    case = result.case
    lines = [f"FAIL {case.file}:{case.line}: {case.name}" + (f" [{result.backend}]" if named else "")]
    if result.error and not any(m.field == "error" for m in result.mismatches):
        lines.append(f"  invalid facts: {result.error}")
    for m in result.mismatches:
        lines += format_mismatch(m)
    lines += format_trace(result)
    return "\n".join(safe(line) for line in lines)


def format_coverage(cov: Coverage) -> str:
    report = cov.report()
    rows = [("rule", "file:line", "fired", "not fired", "leaves")]
    for r in report["rules"]:
        rows.append((r["rule"], r["at"].rsplit(":", 1)[0], "yes" if r["fired"] else "NO",
                     "yes" if r["not_fired"] else "NO", f"{r['leaves_covered']}/{r['leaves']}"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    for r in report["rules"]:
        for leaf in r["uncovered_leaves"]:
            seen = " and ".join(str(s).lower() for s in leaf["seen"]) or "never"
            lines.append(f"  {r['rule']}: {leaf['condition']} at {leaf['at']} seen {seen}")
    if report["untested"]:
        lines.append("untested rules: " + ", ".join(report["untested"]))
    if report["stream"]:
        reached = sum(part["reached"] for part in report["stream"])
        lines.append(f"stream: {reached}/{len(report['stream'])} parts reached (events, effects, transitions, reopen)")
        lines += [f"  {part['part']} at {part['at']}: no case reaches it" for part in report["stream"]
                  if not part["reached"]]
    lines.append(f"coverage: {report['percent']:.2f}%")
    return "\n".join(safe(line) for line in lines)


def summary(session: Session) -> str:
    return f"{session.passed} passed, {session.failed} failed"


def to_json(session: Session) -> dict[str, Any]:
    cases = []
    for results in session.results:
        case = results[0].case
        cases.append({
            "id": case.node_id, "file": case.file, "line": case.line, "name": case.name,
            "passed": all(r.passed for r in results),
            "backends": {r.backend: {"passed": r.passed, "mismatches": [
                {"field": m.field, "expected": m.expected, "actual": m.actual} for m in r.mismatches]}
                for r in results},
        })
    result: dict[str, Any] = {"passed": session.passed, "failed": session.failed, "cases": cases}
    if session.coverage is not None:
        result["coverage"] = session.coverage.report()
    return result


def to_junit(session: Session) -> str:
    suites = ET.Element("testsuites", name="closure-policy", tests=str(len(session.results)),
                        failures=str(session.failed))
    by_file: dict[str, ET.Element] = {}
    for results in session.results:
        case = results[0].case
        suite = by_file.get(case.file)
        if suite is None:
            suite = by_file[case.file] = ET.SubElement(suites, "testsuite", name=case.file)
        node = ET.SubElement(suite, "testcase", classname=case.file, name=case.name, file=case.file,
                             line=str(case.line))
        failures = [r for r in results if not r.passed]
        if failures:
            failure = ET.SubElement(node, "failure", message=", ".join(
                f"{m.field} differs [{r.backend}]" for r in failures for m in r.mismatches))
            failure.text = format_failures(results)
    for suite in by_file.values():
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


class Reporter(Protocol):
    def write(self, session: Session, out: TextIO) -> None: ...


class TextReporter:
    """Failures with their diff and trace, then coverage, then ``N passed, N failed``."""

    def write(self, session: Session, out: TextIO) -> None:
        for results in session.results:
            if not all(result.passed for result in results):
                out.write(format_failures(results) + "\n\n")
        if session.coverage is not None:
            out.write(format_coverage(session.coverage) + "\n")
        out.write(summary(session) + "\n")


class JSONReporter:
    def write(self, session: Session, out: TextIO) -> None:
        json.dump(to_json(session), out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")


class JUnitReporter:
    def write(self, session: Session, out: TextIO) -> None:
        out.write(to_junit(session))


REPORTERS: dict[str, Reporter] = {"text": TextReporter(), "json": JSONReporter(), "junit": JUnitReporter()}
