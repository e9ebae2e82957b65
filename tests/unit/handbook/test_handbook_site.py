"""Page addresses and HTML blocks (improve.handbook.site): the pieces that let headers and index
tables skip Python-Markdown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from improve.handbook.site import HtmlBlocks, page_url, relative_url

SOURCES = ["index.md", "README.md", "actions.md", "rca/0001-x.md", "rca/index.md",
           "rca/README.md", "a/b/c d.md", "decisions/0002-\"quoted\" & <odd>.md",
           "runbooks/0001-ünïcode.md", "retros/0003-a#b?c.md", "docs.md"]


@pytest.mark.parametrize("directory_urls", [True, False])
@pytest.mark.parametrize("src", SOURCES)
def test_page_url_is_mkdocs_own(src: str, directory_urls: bool) -> None:
    file = File(src, src_dir=None, dest_dir="/site", use_directory_urls=directory_urls)
    assert page_url(src, directory_urls) == file.url


segment = st.sampled_from(["", ".", "..", "a", "b", "index.html", "x.y", "c d"])
urls = st.lists(segment, max_size=4).map("/".join).flatmap(
    lambda u: st.sampled_from([u, u + "/", "/" + u]))


@given(urls, urls)
def test_relative_url_is_mkdocs_own(url: str, other: str) -> None:
    assert relative_url(url, other) == get_relative_url(url, other)


def test_blocks_are_plain_html_by_default() -> None:
    blocks = HtmlBlocks()
    assert blocks.add("<table></table>") == "<table></table>"
    assert blocks.restore("<p>x</p>") == "<p>x</p>"


def test_placeholders_come_back_as_their_blocks_once() -> None:
    blocks = HtmlBlocks(placeholders=True)
    first = blocks.add("<table><tr><td>a </td><td>b </td></tr></table>")
    second = blocks.add('<p><span class="x">c</span> d</p>')
    assert first.isalnum()
    assert second.isalnum()
    assert first != second
    rendered = f"<h1>T</h1>\n<p>{first}</p>\n<h2>S</h2>\n<p>{second}</p>"
    # For a search index: each block as one paragraph of its words (the blocks are kept).
    assert blocks.restore(rendered, as_text=True) == (
        "<h1>T</h1>\n<p>a b </p>\n<h2>S</h2>\n<p>c d</p>")
    assert blocks.restore(rendered) == (
        '<h1>T</h1>\n<table><tr><td>a </td><td>b </td></tr></table>\n<h2>S</h2>\n'
        '<p><span class="x">c</span> d</p>')
    # A placeholder an extension wrapped in something else is still replaced.
    third = blocks.add("<hr>")
    assert blocks.restore(f"<dl><dt>{third}</dt></dl>") == "<dl><dt><hr></dt></dl>"


def test_a_page_cannot_forge_another_builds_placeholder() -> None:
    one, two = HtmlBlocks(placeholders=True), HtmlBlocks(placeholders=True)
    token = one.add("<b>secret</b>")
    assert two.restore(f"<p>{token}</p>") == f"<p>{token}</p>"
