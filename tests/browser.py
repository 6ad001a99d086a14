"""A page as a real browser shows it: Chromium, headless, its DOM once the page has loaded and run."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

# Chromium's own network chatter (updates, sync, field trials) is off: the page is the only traffic.
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--virtual-time-budget=5000"]


def rendered(url: str) -> str:
    """The DOM of ``url`` after Chromium has loaded it (scripts run, layout done), as HTML."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    assert chromium, "these tests need Chromium: apt-get install chromium (the README's quick start does)"
    with tempfile.TemporaryDirectory(prefix="closure-policy-chromium-") as profile:
        done = subprocess.run([chromium, *_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-results" / "screenshots"


@contextmanager
def browser_page() -> Iterator[tuple[Any, list[str]]]:
    """A page of Debian's Chromium driven by Playwright (no browser download), and the problems it saw:
    console errors, page errors and failed requests, each as one line."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "these tests need Chromium: apt-get install chromium (the README's quick start does)"
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=[*_FLAGS[1:-1]])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
            page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
            yield page, problems
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot kept as a test artifact (test-results/screenshots/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def focusable(page: Any) -> list[str]:
    """Every visible control a keyboard should reach, in document order; each is marked with its number. A
    control taken out of the order on purpose (``tabindex="-1"``, as a twin of a reachable one) is not."""
    return page.evaluate("""Array.from(document.querySelectorAll(
        'a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])'
    )).filter(e => e.getClientRects().length && e.tabIndex >= 0).map((e, i) => (e.dataset.tabkey = String(i)))""")


def tab_order(page: Any, limit: int = 300) -> list[str]:
    """The numbers (see :func:`focusable`, called first) of what Tab reaches from the top, until it comes round."""
    marked = focusable(page)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen: list[str] = []
    for _ in range(min(limit, 3 * len(marked) + 5)):
        page.keyboard.press("Tab")
        found = page.evaluate("document.activeElement && document.activeElement.dataset.tabkey || null")
        if found in seen:
            break
        if found is not None:
            seen.append(found)
    return seen


#: axe-core, vendored from the npm registry with the pages' other components (``hatch_build.py``).
AXE = Path(__file__).resolve().parents[1] / "engine/closure_policy/site/static/vendor/axe-core/axe.min.js"
#: What is checked: WCAG 2.0 and 2.1, levels A and AA.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG A/AA violations of the page as it is now, each with its rule id, its
    impact, how many elements and the first few of them."""
    assert AXE.is_file(), "axe-core is vendored when the package is built: pip install -e ."
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate("""async tags => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
            id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""", WCAG)
    return found
