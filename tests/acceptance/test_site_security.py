"""Hostile documents: every user string is escaped or sanitized; symlinks outside are not published.

The hostile fixture (tests/fixtures/site-hostile) puts `"><img src=x onerror=alert(1)>`, `|`, `*`,
backticks, raw `<script>` and `javascript:` links in titles, items, owners, services, tags,
impediments, timelines and bodies. The build is not strict: its `javascript:` link is a lint error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sitebuild import Build, build, copy_fixture, table_rows

HOSTILE_TITLE = '"><img src=x onerror=alert(1)> | *bold* `tick` <script>alert(1)</script>'
HOSTILE_ITEM = '"><img src=x onerror=alert(1)> | *pipe* `tick` [x](javascript:alert(1))'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Build:
    project = copy_fixture("site-hostile", tmp_path_factory.mktemp("hostile") / "handbook")
    result = build(project, strict=False)
    assert result.returncode == 0, result.output
    assert "Traceback" not in result.output
    return result


def _soups(build_: Build) -> list[tuple[Path, BeautifulSoup]]:
    return [(p, BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser"))
            for p in build_.html_files()]


def test_no_page_gets_an_event_handler_or_a_javascript_url(hostile: Build) -> None:
    for path, soup in _soups(hostile):
        for element in soup.find_all(True):
            for name, value in element.attrs.items():
                assert not name.lower().startswith("on"), (path, element.name, name)
                values = value if isinstance(value, list) else [value]
                for text in values:
                    assert not str(text).strip().lower().startswith("javascript:"), (path, name)


def test_no_script_iframe_or_markup_from_front_matter_is_injected(hostile: Build) -> None:
    for path, soup in _soups(hostile):
        for script in soup.find_all("script"):
            assert "alert" not in script.get_text(), path
        assert not soup.find_all("iframe"), path
        article = soup.select_one("article")
        assert article is not None
        # Tags, owners and services hold <b> and <svg onload=...>: they must show as text.
        assert not article.find_all("b"), path
        assert not article.select("svg[onload], svg:not(.md-content__button svg)"), path
        # Images only come from the body's own raw HTML, stripped of their handlers.
        for img in article.find_all("img"):
            assert set(img.attrs) <= {"src", "alt", "title", "width", "height"}, path


def test_hostile_strings_show_literally(hostile: Build) -> None:
    page = hostile.page("rca/0001-hostile/")
    assert page.title is not None
    assert page.title.get_text() == f"{HOSTILE_TITLE} - Hostile fixture"
    h1 = page.select_one("article h1")
    assert h1 is not None
    assert h1.get_text() == HOSTILE_TITLE
    cells = [row[1] for row in table_rows(page.select("article table")[1])[1:]]
    assert cells[0] == HOSTILE_ITEM
    actions = hostile.page("actions/").get_text()
    assert HOSTILE_ITEM in actions
    assert '"><svg onload=alert(1)>' in actions  # an owner, as a heading


def test_the_javascript_link_is_text_and_a_lint_error(hostile: Build) -> None:
    page = hostile.page("rca/0001-hostile/")
    items = table_rows(page.select("article table")[1])
    assert items[1][-1] == "javascript:alert(1)"
    assert "rca/0001-hostile.md:30:11: error [unsafe-link]" in hostile.output
    assert "WARNING" in hostile.output  # so `mkdocs build --strict` would fail


def test_every_table_keeps_its_column_count(hostile: Build) -> None:
    checked = 0
    for path, soup in _soups(hostile):
        article = soup.select_one("article")
        assert article is not None
        for table in article.find_all("table"):
            widths = {len(row) for row in table_rows(table)}
            assert len(widths) == 1, (path, widths)
            checked += 1
    assert checked >= 12


def test_hostile_badges_and_services_stay_in_their_cells(hostile: Build) -> None:
    # Markdown tables pad or cut rows to the header's width, so a stray `|` shifts cells
    # without changing the count: check the cells themselves.
    rows = {row[1]: row for row in table_rows(hostile.page("incidents/").select("article table")[0])}
    assert rows["RCA-0002"][3] == "SEV4|`x`"
    assert rows["RCA-0002"][4] == "—"
    assert rows["RCA-0002"][8] == "draft|*x*"
    assert rows["RCA-0001"][4] == 'api|"><img src=x onerror=alert(1)>, *star*'
    runbooks = table_rows(hostile.page("runbooks/").select("article table")[0])
    assert runbooks[1][0] == 'svc|"><img src=x onerror=alert(1)>'
    assert runbooks[1][3] == "<b>owner</b>|x"


def test_the_body_is_sanitized_but_keeps_its_table_and_text(hostile: Build) -> None:
    page = hostile.page("rca/0001-hostile/")
    article = page.select_one("article")
    assert article is not None
    text = article.get_text(" ", strip=True)
    assert "hostilepapaya" in text
    assert "alert('body')" not in text  # the script's content is dropped, not shown
    body_table = article.select("table:not([data-improve-table])")[-1]
    assert table_rows(body_table)[0] == ["a", "b"]


def test_a_symlink_to_a_file_outside_is_not_published(tmp_path: Path) -> None:
    project = copy_fixture("site-basic", tmp_path / "handbook")
    outside = tmp_path / "secret.md"
    outside.write_text("---\nid: RCA-0009\ntitle: Outside\ndate: 2026-01-01\nstatus: draft\n"
                       "severity: SEV4\nstarted_at: 2026-01-01T00:00:00Z\n---\n\n"
                       "## Summary\n\noutsidekiwi\n", encoding="utf-8")
    os.symlink(outside, project / "rca" / "0009-outside.md")
    result = build(project, strict=False)
    assert result.returncode == 0, result.output
    assert ("1 document that is a symbolic link to a file outside the repository not published"
            in result.output)
    assert "rca/0009-outside.md:1:1: error [symlink-outside]" in result.output
    assert not (result.site / "rca" / "0009-outside").exists()
    for path in [*result.html_files(), result.site / "search" / "search_index.json"]:
        assert "outsidekiwi" not in path.read_text(encoding="utf-8"), path
