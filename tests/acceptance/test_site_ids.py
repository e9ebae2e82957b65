"""A real `mkdocs build` of bodies that try to take the theme's ids (issue 11, stored XSS).

tests/fixtures/site-ids/rca/0001-clobber.md holds `<div id="__config">` with a configuration
that points at another origin, `## __config`, `{#__toc}`, named elements that would clobber
`document.querySelector`, footnotes and links to all of them; the browser test loads it too.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sitebuild import Build, build, copy_fixture

PAGE = "rca/0001-clobber/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    project = copy_fixture("site-ids", tmp_path_factory.mktemp("ids") / "handbook")
    result = build(project)
    assert result.returncode == 0, result.output
    return result


def _ids(soup: BeautifulSoup) -> list[str]:
    return [str(tag["id"]) for tag in soup.find_all(id=True)]


def test_the_theme_keeps_its_own_config_and_ids(built: Build) -> None:
    soup = built.page(PAGE)
    configs = soup.find_all(id="__config")
    assert len(configs) == 1
    assert configs[0].name == "script"
    config = json.loads(configs[0].get_text())
    assert "EVIL_ORIGIN" not in json.dumps(config)
    assert urlsplit(config["base"]).netloc == ""  # the site's own, relative base
    for theme_id in ("__drawer", "__search", "__toc"):
        assert len(soup.find_all(id=theme_id)) <= 1, theme_id


def test_no_id_in_a_body_starts_with_an_underscore_or_is_a_theme_id(built: Build) -> None:
    for path in built.html_files():
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article")
        if article is None:
            continue
        inside = _ids(article)  # type: ignore[arg-type]
        assert not [i for i in inside if i.startswith("_")], path
        assert [str(t["name"]) for t in article.find_all(attrs={"name": True})] == [], path
        outside = set(_ids(soup)) - set(inside)
        assert not outside & set(inside), path


def test_writer_ids_are_prefixed_and_links_follow_them(built: Build) -> None:
    article = built.page(PAGE).find("article")
    assert article is not None
    ids = set(_ids(article))  # type: ignore[arg-type]
    assert {"user-content-__config", "user-content-marker", "user-content-getElementById",
            "user-content-__toc", "user-content-custom", "config", "the-fix"} <= ids
    local = [str(a["href"])[1:] for a in article.find_all("a", href=True)
             if str(a["href"]).startswith("#")]
    assert local
    assert [t for t in local if t not in ids] == []


def test_the_table_of_contents_lands_on_the_headings(built: Build) -> None:
    soup = built.page(PAGE)
    toc = soup.find("nav", class_="md-nav--secondary")
    assert toc is not None
    targets = [str(a["href"])[1:] for a in toc.find_all("a", href=True)]  # type: ignore[union-attr]
    assert {"config", "user-content-__toc", "the-fix", "user-content-custom"} <= set(targets)
    ids = set(_ids(soup))
    assert [t for t in targets if t not in ids] == []


def test_a_link_to_another_documents_section_still_lands(built: Build) -> None:
    article = built.page(PAGE).find("article")
    assert article is not None
    link = next(str(a["href"]) for a in article.find_all("a", href=True)
                if "root-cause" in str(a["href"]))
    target = urlsplit(link)
    page = (Path(built.site) / "rca" / "0001-clobber" / target.path / "index.html").resolve()
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    assert soup.find(id=target.fragment) is not None


def test_the_sites_own_pages_keep_plain_markdown_ids_but_no_theme_id(built: Build) -> None:
    # Other plugins (Material's tags listing) find their headings again by a Markdown id.
    article = built.page("").find("article")
    assert article is not None
    ids = set(_ids(article))  # type: ignore[arg-type]
    assert {"kept-id", "user-content-__drawer", "user-content-raw-id"} <= ids
    assert "raw-id" not in ids
