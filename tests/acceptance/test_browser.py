"""The built handbook in a real browser: Playwright drives Debian's headless Chromium.

It searches for a word from an RCA's body and follows the result, compares the computed style of
an overdue row with a normal row, saves a screenshot to test-artifacts/, and fails if any request
leaves 127.0.0.1. Without Chromium or Playwright it skips, unless IMPROVE_REQUIRE_BROWSER=1 (CI),
where a missing browser fails.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sitebuild import EXAMPLE_TODAY, ROOT, build, copy_example

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("IMPROVE_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--disable-domain-reliability"]
ARTIFACTS = ROOT / "test-artifacts"
BODY_WORD = "ambiguous"  # only in the body of RCA-0001 in the frozen example handbook
RCA_PATH = "/rca/0001-duplicate-refunds-after-retries/"


def _missing(reason: str) -> None:
    if os.environ.get("IMPROVE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (IMPROVE_REQUIRE_BROWSER=1: the browser test must run)")
    pytest.skip(f"{reason}; install Debian's chromium to run the browser test")


@pytest.fixture(scope="module")
def sync_playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed")
    if not CHROMIUM.is_file():
        _missing(f"no Chromium at {CHROMIUM}")
    return sync_playwright


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = copy_example(tmp_path_factory.mktemp("browser") / "handbook")
    result = build(project, today=EXAMPLE_TODAY)
    assert result.returncode == 0, result.output
    handler = functools.partial(_Quiet, directory=str(result.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def page(sync_playwright: Any, server: str) -> Iterator[Any]:
    outside: list[str] = []

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def watch(request: Any) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host != "127.0.0.1":
            outside.append(request.url)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                             headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", guard)
        context.on("request", watch)
        tab = context.new_page()
        try:
            yield tab
        finally:
            context.close()
            browser.close()
    assert outside == [], f"requests left 127.0.0.1: {sorted(set(outside))}"


def test_search_finds_an_rca_body_and_leads_to_it(page: Any, server: str) -> None:
    page.goto(f"{server}/")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    search = page.locator("input.md-search__input")
    search.press_sequentially(BODY_WORD, delay=40)
    result = page.locator(f'.md-search-result__item a[href*="{RCA_PATH.strip("/")}"]').first
    result.wait_for(state="visible", timeout=15_000)
    result.click()
    page.wait_for_url(f"**{RCA_PATH}**")
    assert urlsplit(page.url).path == RCA_PATH
    assert BODY_WORD in page.locator("article").inner_text()


def test_the_overdue_row_looks_different_and_a_screenshot_is_saved(page: Any,
                                                                  server: str) -> None:
    page.goto(f"{server}/actions/")
    page.wait_for_load_state("networkidle")
    page.mouse.move(0, 0)  # no row is hovered
    overdue = page.locator("article tr:has(.improve-badge--overdue)")
    normal = page.locator("article tbody tr:not(:has(.improve-badge--overdue))"
                          ":not(:has(.improve-badge--due-soon))").first
    assert overdue.count() == 1

    def style(row: Any) -> dict[str, str]:
        return dict(row.evaluate("r => { const s = getComputedStyle(r);"
                                 " return {background: s.backgroundColor,"
                                 " shadow: s.boxShadow}; }"))

    hot, plain = style(overdue.first), style(normal)
    assert hot["background"] != plain["background"], (hot, plain)
    assert hot["shadow"] != plain["shadow"]
    badge = page.locator("article .improve-badge--overdue").first
    assert badge.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(198, 40, 40)"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "handbook-actions.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
