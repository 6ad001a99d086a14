"""The catalog in a real browser (Debian's Chromium through Playwright), opened from file:// as a reader would."""
from __future__ import annotations

from tests.browser import browser_page, focusable, screenshot, tab_order
from tests.site.test_build import site  # noqa: F401 - the fixture: the fixture policy's catalog


def test_every_page_loads_with_no_console_error_and_no_failed_request(site):  # noqa: F811
    pages = sorted(site.glob("*/*.html"))
    assert len(pages) == 10
    with browser_page() as (page, problems):
        for path in pages:
            page.goto(path.as_uri())
            assert page.locator("h1").count() == 1, path
        screenshot(page, "catalog-lifecycle-zh")  # the last page: zh/... in Chinese type
        page.goto((site / "en/query-gate.html").as_uri())
        screenshot(page, "catalog-query")
    assert problems == []


def test_the_language_switch_shows_the_same_page_in_the_other_language(site):  # noqa: F811
    with browser_page() as (page, problems):
        page.goto((site / "en/query-gate.html").as_uri())
        assert "Does every check hold?" in page.locator("h1").inner_text()
        page.get_by_role("link", name="中文").click()
        assert page.url.endswith("/zh/query-gate.html") and "是否全部通过？" in page.locator("h1").inner_text()
        assert page.evaluate("document.documentElement.lang") == "zh"
    assert problems == []


def test_the_search_box_finds_a_rule_and_takes_the_reader_to_it(site):  # noqa: F811
    with browser_page() as (page, problems):
        page.goto((site / "en/index.html").as_uri())
        page.fill("#search", "pending")
        results = page.locator("#results a")
        assert results.count() >= 1 and "Nothing is pending" in results.all_inner_texts()
        page.get_by_role("link", name="Nothing is pending").click()
        assert page.url.endswith("query-gate.html#rule-gate.no-pending")
        page.fill("#search", "no such words at all")
        assert page.locator("#results").inner_text() == "Nothing found."
    assert problems == []


def test_the_keyboard_reaches_every_control_of_a_page(site):  # noqa: F811
    with browser_page() as (page, problems):
        page.goto((site / "en/query-gate.html").as_uri())
        reached = tab_order(page)
        assert sorted(reached, key=int) == focusable(page) and len(reached) > 8
    assert problems == []
