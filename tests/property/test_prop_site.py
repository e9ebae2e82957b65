"""Property tests for the handbook's escaping (issue 7): any user string, rendered by the same
Markdown extensions as the site (plus `attr_list` and `md_in_html`, which a team may turn on),
shows literally, adds no element or attribute, keeps every table's columns, and only http and
https URLs ever become links. The site tests (tests/acceptance/test_site_security.py) check one
hostile fixture end to end; these check every string Hypothesis can think of."""

from __future__ import annotations

from urllib.parse import urlsplit

import markdown
from bs4 import BeautifulSoup, Tag
from docgen import tricky_text, unicode_text
from hypothesis import given
from hypothesis import strategies as st

from improve.handbook.render import _one_line, badge, html_external_link, html_text, link, md, table

EXTENSIONS = ["admonition", "tables", "toc", "pymdownx.highlight", "pymdownx.superfences",
              "pymdownx.details", "attr_list", "md_in_html"]
HOSTILE = st.sampled_from([
    '"><img src=x onerror=alert(1)>', "<script>alert(1)</script>", "| a | b |", "*em* **b**",
    "`code`", "[x](javascript:alert(1))", "![i](x)", "<https://evil.example>", "{: onclick=x}",
    "{ #id .cls onclick=alert(1) }", "&lt;b&gt;", "&#60;script&#62;", "\\|", "<!-- c -->",
    "]]>", "[^1]", "~~~", "```", "# h", "> q", "- li", "1. li", "---", "___", "<div>", "$$",
    "http://x.example/<b>", "www.example.org", "a\\", "\u202e", "\u200b", "\x00", "\ufeff",
])
user_text = st.one_of(unicode_text, HOSTILE, st.lists(st.one_of(HOSTILE, tricky_text),
                                                       max_size=6).map(" ".join))
SCHEMES = ["javascript:", "JaVaScRiPt:", " javascript:", "java\tscript:", "java\nscript:",
           "jav&#x09;ascript:", "javascript&#58;", "data:text/html,", "data:text/html;base64,",
           "vbscript:", "file:///", "//", "http://", "https://", "HTTPS://", "mailto:", "ftp://",
           "", "x:", "http:", "https:/"]
urls = st.one_of(st.tuples(st.sampled_from(SCHEMES), user_text).map("".join), user_text)


def _render(source: str) -> BeautifulSoup:
    return BeautifulSoup(markdown.markdown(source, extensions=EXTENSIONS), "html.parser")


def _text(value: str) -> str:
    """What a reader sees: the string on one line, whitespace collapsed, controls dropped."""
    return " ".join(_one_line(value).split())


def _seen(element: Tag) -> str:
    return " ".join(element.get_text().split())


@given(user_text)
def test_md_in_a_table_cell_is_literal_text(value: str) -> None:
    soup = _render(table(["Title", "Owner"], [[md(value), "x"]]))
    rows = soup.find_all("tr")
    assert len(rows) == 2
    cells = rows[1].find_all("td")
    assert len(cells) == 2, "the table keeps its columns"
    assert cells[0].find(True) is None, "no element inside the cell"
    assert _seen(cells[0]) == _text(value) or (not _text(value) and _seen(cells[0]) == "—")


@given(user_text)
def test_md_in_a_heading_or_paragraph_is_literal_text(value: str) -> None:
    escaped = md(value)
    for source, tag in ((f"## {escaped}", "h2"), (f"Owner: {escaped}", "p")):
        soup = _render(source)
        if not _text(value) and tag == "h2":
            continue
        element = soup.find(tag)
        assert element is not None, (source, str(soup))
        assert element.find(True) is None, str(element)
        prefix = "Owner: " if tag == "p" else ""
        assert _seen(element) == _text(prefix + value).strip(), str(element)


@given(user_text, st.sampled_from(["rca/0001-x.md", "../decisions/0002-y.md", "actions.md#a1"]))
def test_a_link_has_one_anchor_with_the_text_and_our_target(value: str, href: str) -> None:
    soup = _render(f"See {link(value, href)}.")
    anchors = soup.find_all("a")
    assert len(anchors) == 1
    assert anchors[0].get("href") == href
    assert set(anchors[0].attrs) == {"href"}
    assert anchors[0].find(True) is None
    assert _seen(anchors[0]) == _text(value)


@given(urls)
def test_only_http_and_https_urls_become_links(url: str) -> None:
    soup = BeautifulSoup(f"<p>{html_external_link(url, 'tracker')}</p>", "html.parser")
    anchors = soup.find_all("a")
    for anchor in anchors:
        href = anchor.get("href")
        assert isinstance(href, str)
        assert urlsplit(href).scheme in ("http", "https"), href
        assert set(anchor.attrs) == {"href"}
        assert _seen(anchor) == "tracker"
    if not anchors:
        assert soup.p is not None
        assert soup.p.find(True) is None  # inert text, no element
    for element in soup.find_all(True):
        for name, attr in element.attrs.items():
            assert not name.lower().startswith("on")
            assert "javascript:" not in str(attr).lower().replace("\t", "").replace("\n", "")


@given(user_text, user_text)
def test_a_badge_is_one_span_with_literal_text(label: str, variant: str) -> None:
    soup = _render(f"Status: {badge(label, variant)}")
    spans = soup.find_all("span")
    assert len(spans) == 1
    assert set(spans[0].attrs) == {"class"}
    classes = spans[0]["class"]
    assert classes[0] == "improve-badge"
    assert len(classes) == 2
    assert classes[1].startswith("improve-badge--")
    assert spans[0].find(True) is None
    assert _seen(spans[0]) == _text(label)


@given(user_text)
def test_html_text_in_an_attribute_stays_in_it(value: str) -> None:
    soup = BeautifulSoup(f'<span title="{html_text(value)}">{html_text(value)}</span>',
                         "html.parser")
    spans = soup.find_all(True)
    assert len(spans) == 1
    assert list(spans[0].attrs) == ["title"]
    assert spans[0]["title"] == _one_line(value)
    assert spans[0].get_text() == _one_line(value)
