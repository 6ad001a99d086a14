"""Every page the project serves or writes, checked by axe-core (WCAG 2.0/2.1 A and AA) in a real browser.

In the light and the dark colour scheme: the catalog (every page), the playground and the API page of
``serve``, the ``review`` report and the ``diff`` report. A serious or critical violation fails the test
unless ``docs/pages.md`` lists it (page, rule, scheme) with the reason it cannot be met.
"""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.batch.conftest import corpus as documents
from tests.batch.conftest import write_jsonl
from tests.browser import axe, browser_page
from tests.conftest import FIXTURE_RULES, ROOT, changed_rules, document
from tests.serve.conftest import Server
from tests.site.test_build import site  # noqa: F401 - the fixture: the fixture policy's catalog

SCHEMES = ("light", "dark")


def _listed() -> set[tuple[str, str, str]]:
    """(page, rule, scheme) of each violation ``docs/pages.md`` lists under "Accessibility", with its reason."""
    text = (ROOT / "docs/pages.md").read_text(encoding="utf-8")
    section = text[text.index("## Accessibility"):]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| (light|dark|both) \| ([^|]+) \|$", section, re.M)
    found = set()
    for page, rule, scheme, why in rows:
        assert len(why.strip()) > 20, f"{page} {rule}: say why it cannot be met"
        for each in (SCHEMES if scheme == "both" else (scheme,)):
            found.add((page, rule, each))
    return found


def _check(page: Any, name: str, url: str, ready: Callable[[Any], None] | None = None) -> list[str]:
    """The unlisted serious or critical violations of ``url`` in both schemes, each as a line (``ready``: what
    to do once the page has loaded, before it is checked)."""
    listed, unlisted = _listed(), []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        page.goto(url)
        if ready is not None:
            ready(page)
        for violation in axe(page):
            if (name, violation["id"], scheme) not in listed:
                unlisted.append(f"{name} ({scheme}): {violation['id']} [{violation['impact']}] "
                                f"{violation['help']}: {violation['count']} element(s), e.g. {violation['targets']}")
    return unlisted


def test_every_catalog_page_passes_in_both_schemes(site):  # noqa: F811
    pages = [site / "index.html", *sorted(site.glob("*/*.html"))]
    with browser_page() as (page, _):  # axe reads the stylesheets, which file:// pages may not (console noise)
        found = [line for path in pages
                 for line in _check(page, f"catalog {path.relative_to(site).as_posix()}", path.as_uri())]
    assert found == [], "\n".join(found)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Server]:
    server = Server("--rules", str(FIXTURE_RULES), "--decision-log", str(tmp_path / "log.db"))
    yield server
    assert server.stop(signal.SIGTERM) == 0


def _decided(page: Any) -> None:
    """The playground with a decision shown: a document in the editor, its outcome, checklist and trace."""
    page.locator(".CodeMirror").wait_for()
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)",
                  json.dumps(document(balance={"pending": "5"}), indent=2))
    page.locator("#outcome").filter(has_text="deny").wait_for()


def _refused(page: Any) -> None:
    """The playground showing a document the policy refuses: its problems listed and marked in the editor."""
    page.locator(".CodeMirror").wait_for()
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)",
                  json.dumps(document(balance={"pending": "-5"}), indent=2))
    page.locator("#problems li").first.wait_for()


def _opened(page: Any) -> None:
    """The API page with its first operation open: parameters, request body, responses."""
    page.locator(".swagger-ui .opblock-summary-control").first.click()
    page.locator(".swagger-ui .opblock-body").first.wait_for()


def test_the_playground_and_the_api_page_pass_in_both_schemes(service):
    with browser_page() as (page, _):  # a refused document is answered 422, which the console reports
        found = _check(page, "playground", service.url + "/", _decided)
        found += _check(page, "playground", service.url + "/", _refused)
        found += _check(page, "api", service.url + "/docs",
                        lambda page: page.locator(".swagger-ui .opblock").first.wait_for())
        found += _check(page, "api", service.url + "/docs", _opened)
    assert found == [], "\n".join(found)


def _cli(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "closure_policy.cli.main", *args], capture_output=True, text=True,
                          check=False)
    assert done.returncode in (0, 1), done.stderr


def test_the_review_and_diff_reports_pass_in_both_schemes(tmp_path):
    changed = changed_rules(tmp_path, "gate.yaml", 'op: "<=", value_of: balance.manual_payout_fee',
                            'op: "<", value_of: balance.manual_payout_fee')
    review, diff = tmp_path / "review.html", tmp_path / "diff.html"
    _cli("review", "--base-rules", str(FIXTURE_RULES), "--rules", str(changed), "--suites", "--format", "html",
         "--output", str(review))
    corpus = write_jsonl(tmp_path / "in.jsonl", documents(40))
    _cli("diff", "-q", "gate", "-i", str(corpus), "--base-rules", str(FIXTURE_RULES), "--rules", str(changed),
         "-o", str(diff), "--workers", "1", "--quiet")
    with browser_page() as (page, _):
        found = _check(page, "review", review.as_uri()) + _check(page, "diff", diff.as_uri())
    assert found == [], "\n".join(found)
