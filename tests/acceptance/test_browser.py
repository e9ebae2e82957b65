"""The built handbook in a real browser: Playwright drives Debian's headless Chromium.

It searches for a word from an RCA's body and follows the result, compares the computed style of
an overdue row with a normal row, saves a screenshot to test-artifacts/, and fails if any request
leaves 127.0.0.1. Without Chromium or Playwright it skips, unless IMPROVE_REQUIRE_BROWSER=1 (CI),
where a missing browser fails.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
from sitebuild import (
    ROOT,
    build,
    build_example,
    copy_fixture,
)

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
    result = build_example(tmp_path_factory.mktemp("browser") / "handbook")
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


# -- bodies that try to take the theme's ids (issue 11, stored XSS) ------------------------------

EVIL_VERSIONS = json.dumps([{"version": "1", "title": '<img src=x onerror="window.__pwned=1">',
                             "aliases": []}])


class _Evil(http.server.BaseHTTPRequestHandler):
    """The other origin a hijacked `#__config` would point at; it counts every request."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = EVIL_VERSIONS.encode() if self.path.endswith(".json") else b"window.__pwned=1"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(handler: Any) -> tuple[http.server.ThreadingHTTPServer, threading.Thread]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, thread


@pytest.fixture(scope="module")
def hostile_ids(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[str]]]:
    """(the site's origin, its folder, the other origin's request log)."""
    _Evil.requests = []
    evil, evil_thread = _serve(_Evil)
    project = copy_fixture("site-ids", tmp_path_factory.mktemp("ids") / "handbook")
    page = project / "rca" / "0001-clobber.md"
    origin = f"http://127.0.0.1:{evil.server_address[1]}"
    page.write_text(page.read_text(encoding="utf-8").replace("EVIL_ORIGIN", origin),
                    encoding="utf-8")
    result = build(project)
    assert result.returncode == 0, result.output
    site, site_thread = _serve(functools.partial(_Quiet, directory=str(result.site)))
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}", result.site, _Evil.requests
    finally:
        for httpd, thread in ((site, site_thread), (evil, evil_thread)):
            httpd.shutdown()
            httpd.server_close()
            thread.join()


def test_a_body_cannot_replace_the_theme_config_and_the_theme_still_works(
        sync_playwright: Any, hostile_ids: tuple[str, Path, list[str]]) -> None:
    origin, _site, evil_requests = hostile_ids
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                             headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        try:
            tab.goto(f"{origin}/rca/0001-clobber/")
            tab.wait_for_load_state("networkidle")
            assert tab.evaluate("typeof window.__pwned") == "undefined"
            assert tab.evaluate("typeof document.querySelector") == "function"
            # The theme still works: the search opens and finds a word of this page's body.
            tab.keyboard.press("/")
            tab.locator("input.md-search__input").press_sequentially("footnote", delay=40)
            hit = tab.locator('.md-search-result__item a[href*="0001-clobber"]').first
            hit.wait_for(state="visible", timeout=15_000)
            tab.keyboard.press("Escape")
            # In-page anchors land: a table-of-contents entry and a link in the body.
            tab.locator('nav.md-nav--secondary a[href="#user-content-custom"]').first.click()
            tab.wait_for_function("location.hash === '#user-content-custom'")
            assert tab.locator("#user-content-custom").is_visible()
            tab.locator('article a[href="#the-fix"]').first.click()
            tab.wait_for_function("location.hash === '#the-fix'")
            box = tab.locator("#the-fix").bounding_box()
            assert box is not None
            assert 0 <= box["y"] < 900
            assert tab.evaluate("typeof window.__pwned") == "undefined"
        finally:
            context.close()
            browser.close()
    assert evil_requests == []
    assert errors == []


def test_the_page_opened_from_disk_runs_no_script_either(
        sync_playwright: Any, hostile_ids: tuple[str, Path, list[str]]) -> None:
    _origin, site, evil_requests = hostile_ids
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                             headless=True)
        tab = browser.new_page()
        try:
            tab.goto((site / "rca" / "0001-clobber" / "index.html").as_uri())
            tab.wait_for_load_state("networkidle")
            assert tab.evaluate("typeof window.__pwned") == "undefined"
        finally:
            browser.close()
    assert evil_requests == []


# -- pages worth reading (issue 14): sorting, filtering, the board, fit, accessibility ---------

AXE = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# One page of every kind: the generated indexes, and a document of each kind.
PAGE_KINDS = {
    "home": "/", "actions": "/actions/", "incidents": "/incidents/", "runbooks": "/runbooks/",
    "decisions": "/decisions/", "retros": "/retros/", "metrics": "/metrics/",
    "rca": RCA_PATH, "retro": "/retros/0006-sprint-23/",
    "runbook": "/runbooks/0001-pause-refunds-worker/",
    "decision": "/decisions/0002-validate-front-matter-with-jsonschema/",
}
WIDTHS = (1366, 390)


def _rows(page: Any) -> list[str]:
    return list(page.locator("article table[data-improve-sort] tbody tr:visible").evaluate_all(
        "rows => rows.map(r => r.cells[0].textContent.trim())"))


def test_index_tables_sort_and_filter(page: Any, server: str) -> None:
    page.goto(f"{server}/incidents/")
    assert _rows(page) == ["2026-11-04", "2026-10-07", "2026-09-10"]  # newest first
    date = page.locator("article table[data-improve-sort] th").first
    date.get_by_role("button").click()
    assert date.get_attribute("aria-sort") == "ascending"
    assert _rows(page) == ["2026-09-10", "2026-10-07", "2026-11-04"]
    date.get_by_role("button").click()
    assert date.get_attribute("aria-sort") == "descending"
    assert _rows(page) == ["2026-11-04", "2026-10-07", "2026-09-10"]
    bar = page.locator("article .improve-filters").first
    bar.get_by_label("Severity").select_option("SEV1")
    assert _rows(page) == ["2026-10-07"]
    assert bar.locator(".improve-filter-count").inner_text() == "1 of 3 rows"
    bar.get_by_label("Severity").select_option("")
    bar.get_by_label("Services").select_option("ledger")
    assert _rows(page) == ["2026-09-10"]
    bar.get_by_label("Services").select_option("")
    bar.get_by_role("searchbox").fill("webhooks")
    assert _rows(page) == ["2026-11-04"]
    # The action items: by owner.
    page.goto(f"{server}/actions/")
    table = page.locator("article table[data-improve-sort]").first
    page.locator("article .improve-filters").first.get_by_label("Owner").select_option("chen")
    owners = table.locator("tbody tr:visible").evaluate_all(
        "rows => rows.map(r => r.cells[2].textContent.trim())")
    assert owners
    assert set(owners) == {"chen"}


def test_index_pages_are_complete_without_javascript(sync_playwright: Any, server: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(java_script_enabled=False)
        tab = context.new_page()
        tab.goto(f"{server}/incidents/")
        rows = tab.locator("article table[data-improve-sort] tbody tr")
        assert rows.count() == 3
        assert tab.locator(".improve-filters").count() == 0
        assert tab.locator("article table th button").count() == 0
        context.close()
        browser.close()


def test_the_board_is_columns_of_cards(page: Any, server: str) -> None:
    page.goto(f"{server}/actions/")
    columns = page.locator("article .improve-board__column")
    assert columns.count() == 3
    boxes = [columns.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]  # side by side
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    overdue = page.locator("article .improve-board__column li.improve-card--overdue").first
    assert overdue.locator(".improve-badge--overdue").inner_text() == "overdue"
    assert overdue.evaluate("c => getComputedStyle(c).borderLeftColor") == "rgb(198, 40, 40)"
    card = overdue.inner_text()
    assert "RETRO-0006#A1" in card
    assert "dana" in card
    assert "due 2026-11-18" in card
    page.set_viewport_size({"width": 390, "height": 844})
    stacked = [columns.nth(i).bounding_box() for i in range(3)]
    assert stacked[0]["y"] < stacked[1]["y"] < stacked[2]["y"]  # one column on a phone


_FIT = """() => {
  const article = document.querySelector('article');
  // Material lets a table's scroll box reach into the content's padding: the content's edge.
  const right = document.querySelector('.md-content').getBoundingClientRect().right;
  const problems = [];
  for (const table of article.querySelectorAll('table')) {
    const box = table.getBoundingClientRect();
    if (table.scrollWidth > table.clientWidth + 1 || box.right > right + 1) {
      problems.push('table wider than the page: ' + table.rows[0].textContent.slice(0, 40));
    }
  }
  for (const el of article.querySelectorAll('.improve-id, .improve-nowrap, td.improve-nowrap, time')) {
    const lines = new Set(Array.from(el.getClientRects()).map(r => Math.round(r.top)));
    if (lines.size > 1) problems.push('broken over lines: ' + el.textContent.trim());
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push('the page scrolls sideways');
  }
  return problems;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_kind_fits_and_is_kept_as_a_screenshot(page: Any, server: str,
                                                          width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    problems = {}
    for name, path in PAGE_KINDS.items():
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        found = page.evaluate(_FIT)
        if found:
            problems[name] = found
        shot = folder / f"{name}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5_000
    assert problems == {}


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
      // Highlighted code keeps the theme's own syntax colours: those are Material's to fix.
      const r = await axe.run({include: ['article'], exclude: ['.highlight']},
                              {resultTypes: ['violations']});
      return r.violations.map(v => v.id + ' (' + v.impact + '): ' +
        v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return list(result)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_kind_passes_the_accessibility_check(page: Any, server: str,
                                                        scheme: str) -> None:
    if not AXE.is_file():
        if os.environ.get("CI") or os.environ.get("IMPROVE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no axe-core at {AXE}; .ci/run installs it")
        pytest.skip(f"no axe-core at {AXE} (npm install --prefix .tools/axe axe-core)")
    violations = {}
    # The reader's system setting picks the palette (mkdocs.yml: light `default`, dark `slate`).
    page.emulate_media(color_scheme=scheme)
    for name, path in PAGE_KINDS.items():
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("() => document.body.dataset.mdColorScheme") == (
            "slate" if scheme == "dark" else "default")
        found = _axe(page)
        if found:
            violations[name] = found
    assert violations == {}


def test_a_mermaid_diagram_renders_without_an_outside_request(page: Any, server: str) -> None:
    # Material loads mermaid from unpkg.com unless the page has it; the handbook ships it. The
    # `page` fixture fails the test on any request that leaves 127.0.0.1. Material swaps the
    # fence's <pre> for a <div> holding the drawn SVG in a closed shadow root, once drawn.
    page.goto(f"{server}/decisions/0003-publish-with-an-mkdocs-material-plugin/")
    drawn = page.locator("article div.mermaid").first
    drawn.wait_for(state="attached", timeout=20_000)
    assert page.locator("article pre.mermaid").count() == 0
    assert page.evaluate("() => typeof mermaid") == "object"
    box = drawn.bounding_box()
    assert box is not None
    assert box["height"] > 40
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "mermaid-diagram.png"
    drawn.screenshot(path=str(shot))
    assert shot.stat().st_size > 3_000  # boxes, arrows and labels, not an empty strip
