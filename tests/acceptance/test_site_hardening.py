"""Site hardening beyond the hostile fixture of test_site_security.py (issue 7): every URL scheme
trick in `link:` and in bodies, Markdown hidden in badge values (status, severity, id), hostile
file names and references. Whatever a document holds, only http, https (and, in bodies, mailto)
or relative links are rendered as links, and no front-matter value brings an element, an
attribute, an image or a script into any page."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sitebuild import Build, build, copy_fixture

SCHEMES = [
    "javascript:alert(1)", "JaVaScRiPt:alert(2)", " javascript:alert(3)", "java\tscript:alert(4)",
    "jav&#x09;ascript:alert(5)", "javascript&#58;alert(6)", "data:text/html,<script>alert(7)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==", "vbscript:msgbox(9)",
    "file:///etc/passwd", "//evil.example.invalid/x", "https://ok.example.invalid/a\"onmouseover=\"x",
    "http://ok.example.invalid/<b>bold</b>", "mailto:x@example.invalid", "ftp://example.invalid/",
    "\\\\evil\\share", "https:evil.example.invalid",
]
MARKDOWN_BADGE = "![pixel](https://evil.example.invalid/t.png) [x](javascript:alert(10)) <b>b</b>"
HOSTILE_NAME = '0004-"><img src=x onerror=alert(11)>'


def _items() -> str:
    lines = []
    for number, url in enumerate(SCHEMES, start=1):
        lines += [f"  - id: A{number}", f"    title: item {number}", "    owner: bob",
                  "    due: 2026-03-01", "    status: open", "    type: prevent",
                  f"    link: {json.dumps(url)}"]
    return "\n".join(lines)


HOSTILE_RCA = f"""---
id: RCA-0004
title: Links of every kind
date: 2026-01-07
authors: [alice]
status: {json.dumps(MARKDOWN_BADGE)}
severity: {json.dumps(MARKDOWN_BADGE)}
services: [api]
started_at: 2026-01-05T10:00:00Z
escaped_defect: true
related: ['RCA-0002"><img src=x onerror=alert(12)>', "[r](javascript:alert(13))"]
runbooks: ["<script>alert(14)</script>"]
action_items:
{_items()}
---

## Summary

Body links: [v](vbscript:msgbox(15)) [d](data:text/html,<script>alert(16)</script>)
<a href="jav&#x09;ascript:alert(17)">tab</a> <a href=" javascript:alert(18)">space</a>
<img src="data:image/svg+xml,<svg onload=alert(19)>"> <a href="mailto:team@example.invalid">mail</a>
[ok](https://example.invalid/ok) <object data="x.swf"></object> <embed src="x.swf">
<form action="https://evil.example.invalid/"><input name="q"></form>
<meta http-equiv="refresh" content="0;url=javascript:alert(20)"> <base href="https://evil.example.invalid/">
<style>body{{display:none}}</style> <svg><script>alert(21)</script></svg> <math><mi>x</mi></math>
hardeningmango

## Impact

x

## Root cause analysis

x

## What went well

x

## What went wrong

x

## Lessons learned

x
"""

BADGE_ID_RETRO = f"""---
id: {json.dumps(MARKDOWN_BADGE)}
title: A retro with a hostile id
date: 2026-01-20
team: payments
---

## What went well

x
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    project = copy_fixture("site-basic", tmp_path_factory.mktemp("hardening") / "handbook")
    (project / "rca" / "0004-links.md").write_text(HOSTILE_RCA, encoding="utf-8")
    (project / "rca" / f"{HOSTILE_NAME}.md").write_text(
        HOSTILE_RCA.replace("RCA-0004", "RCA-0005").replace("Links of every kind", "Named"),
        encoding="utf-8")
    (project / "retros" / "0009-hostile-id.md").write_text(BADGE_ID_RETRO, encoding="utf-8")
    result = build(project, strict=False)
    assert result.returncode == 0, result.output
    assert "Traceback" not in result.output
    return result


def _pages(site: Build) -> list[tuple[Path, BeautifulSoup]]:
    return [(p, BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser"))
            for p in site.html_files()]


def test_every_link_in_the_site_is_http_https_mailto_or_relative(site: Build) -> None:
    checked = 0
    for path, soup in _pages(site):
        for anchor in soup.find_all("a", href=True):
            href = anchor["href"]
            assert isinstance(href, str)
            scheme = urlsplit(href.strip()).scheme.lower()
            assert scheme in ("", "http", "https", "mailto"), (path, href)
            assert "script" not in href.lower().replace("\t", "").split(":")[0], (path, href)
            checked += 1
    assert checked > 100


def test_item_links_become_links_only_when_http_or_https(site: Build) -> None:
    page = site.page("rca/0004-links/")
    article = page.select_one("article")
    assert article is not None
    tracker = [a["href"] for a in article.find_all("a", href=True) if a.get_text() == "tracker"]
    assert all(urlsplit(str(h)).scheme in ("http", "https") for h in tracker), tracker
    assert "https://ok.example.invalid/a%22onmouseover=%22x" in tracker or not any(
        "onmouseover" in str(h) for h in tracker)
    text = article.get_text(" ")
    for url in ("vbscript:msgbox(9)", "file:///etc/passwd", "JaVaScRiPt:alert(2)"):
        assert url in text, url  # shown as text, so the reader sees what is wrong


def test_no_front_matter_value_or_body_brings_in_active_content(site: Build) -> None:
    for path, soup in _pages(site):
        for element in soup.find_all(True):
            for name, value in element.attrs.items():
                assert not name.lower().startswith("on"), (path, element.name, name)
                for item in value if isinstance(value, list) else [value]:
                    lowered = str(item).lower().replace("\t", "").replace(" ", "")
                    assert not lowered.startswith(("javascript:", "vbscript:", "data:")), (
                        path, element.name, name, item)
        for script in soup.find_all("script"):
            assert "alert" not in script.get_text(), path
        article = soup.select_one("article")
        if article is None:
            continue
        for tag in ("object", "embed", "form", "input", "meta", "base", "style", "iframe", "svg",
                    "math"):
            found = [e for e in article.find_all(tag)
                     if not (tag == "svg" and e.find_parent(class_="md-content__button"))]
            assert not found, (path, tag)
        # Images come only from a body's own Markdown: never from a front-matter value.
        for img in article.find_all("img"):
            assert "evil.example.invalid/t.png" not in str(img.get("src")), path


def test_markdown_in_badges_is_shown_as_text(site: Build) -> None:
    page = site.page("rca/0004-links/")
    badges = page.select(".improve-badge")
    assert badges
    texts = [b.get_text() for b in badges]
    assert MARKDOWN_BADGE in texts
    for badge in badges:
        assert badge.find(True) is None, str(badge)


def test_a_hostile_file_name_is_published_as_text_and_quoted_links(site: Build) -> None:
    folders = [p.name for p in (site.site / "rca").iterdir() if p.name.startswith("0004-\"")]
    assert folders == [HOSTILE_NAME]
    incidents = site.page("incidents/")
    anchors = [a for a in incidents.find_all("a", href=True) if "0004-%22" in str(a["href"])]
    assert anchors, "the incident log links the page through a quoted URL"
    for _path, soup in _pages(site):
        assert not soup.select("img[onerror]")


def test_hostile_references_are_text(site: Build) -> None:
    page = site.page("rca/0004-links/")
    article = page.select_one("article")
    assert article is not None
    text = article.get_text(" ")
    assert "[r](javascript:alert(13))" in text
    assert "<script>alert(14)</script>" in text


def test_search_index_holds_bodies_as_text(site: Build) -> None:
    raw = (site.site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "hardeningmango" in raw
    docs = json.loads(raw)["docs"]
    for doc in docs:
        assert "<script" not in doc["text"].lower(), doc["location"]
        assert "<img" not in doc["text"].lower(), doc["location"]
        assert "<img" not in doc["title"].lower(), doc["location"]
