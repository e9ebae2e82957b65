"""Escaping, badges, tables and document headers (improve.handbook.render), without MkDocs."""

from __future__ import annotations

import html

import markdown
import pytest
from bs4 import BeautifulSoup
from handbook_docs import doc, site
from hypothesis import given
from hypothesis import strategies as st

from improve.handbook.generate import insert_header, record_source
from improve.handbook.render import (
    _one_line,
    badge,
    css_token,
    fmt_minutes,
    footer,
    header,
    html_external_link,
    html_items,
    html_link,
    html_table,
    html_text,
    md,
    table,
)

HOSTILE = '"><img src=x onerror=alert(1)> | *b* _i_ `t` [l](javascript:x) <script>1</script> \\|'
EXTENSIONS = ["tables", "admonition", "pymdownx.details", "pymdownx.superfences"]


def _render(source: str) -> BeautifulSoup:
    return BeautifulSoup(markdown.markdown(source, extensions=EXTENSIONS), "html.parser")


def _visible(text: str) -> str:
    """What a reader should see: the text on one line, runs of white space collapsed."""
    return " ".join(text.replace("\x00", "").split())


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
def test_any_text_stays_one_inert_table_cell(text: str) -> None:
    soup = _render(table(["A", "B"], [[md(text), "end"]]))
    rows = soup.find_all("tr")
    assert len(rows) == 2
    cells = rows[1].find_all("td")
    assert len(cells) == 2
    assert cells[1].get_text() == "end"
    assert not cells[0].find_all(True), "no element may come from user text"
    expected = _visible(text) or "—"
    assert " ".join(cells[0].get_text().split()) == expected


def test_hostile_text_in_a_heading_and_a_paragraph_stays_text() -> None:
    soup = _render(f"### {md(HOSTILE)}\n\nBefore {md(HOSTILE)} after\n")
    assert not soup.find_all(["img", "script", "a", "em", "strong", "code"])
    assert soup.h3 is not None
    assert soup.h3.get_text() == HOSTILE
    assert soup.p is not None
    assert soup.p.get_text() == f"Before {HOSTILE} after"


def test_md_keeps_a_table_row_on_one_line() -> None:
    assert md("one\ntwo\r\nthree\u2028four\tfive") == "one two three four five"


def test_badges_escape_labels_and_keep_class_names_plain() -> None:
    assert css_token('in-progress" onclick="x') == "in-progress-onclick-x"
    assert css_token("") == "unknown"
    soup = BeautifulSoup(badge(HOSTILE, 'SEV1"><x'), "html.parser")
    span = soup.find("span")
    assert span is not None
    assert span["class"] == ["improve-badge", "improve-badge--sev1-x"]
    assert span.get_text() == HOSTILE
    assert set(span.attrs) == {"class"}


@pytest.mark.parametrize(("url", "linked"), [
    ("https://tracker.example/ISSUE-1?a=1&b=2", True),
    ("http://tracker.example/x_(y)", True),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>1</script>", False),
    ("https://x.example/a\"><script>1</script>", False),
    ("https://x.example/a|b", False),
    ("//evil.example/", False),
])
def test_only_plain_http_links_become_links(url: str, linked: bool) -> None:
    soup = BeautifulSoup(f"<p>{html_external_link(url, 'tracker')}</p>", "html.parser")
    anchors = soup.find_all("a")
    if linked:
        assert len(anchors) == 1
        assert str(anchors[0]["href"]).startswith("http")
        assert "(" not in str(anchors[0]["href"])
    else:
        assert anchors == []
        assert soup.get_text() == url


def test_table_refuses_ragged_rows_and_says_when_empty() -> None:
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        table(["a", "b", "c"], [["1", "2"]])
    assert table(["a"], [], empty="Nothing yet.") == "Nothing yet.\n"
    assert "| — |" in table(["a"], [[" "]])


@pytest.mark.parametrize(("minutes", "text"), [
    (None, "—"), (0, "0 min"), (59, "59 min"), (60, "1 h 00 min"), (125, "2 h 05 min"),
    (1440, "1 d 0 h"), (1565, "1 d 2 h 05 min"),
])
def test_durations(minutes: int | None, text: str) -> None:
    assert fmt_minutes(minutes) == text


RCA = """
id: RCA-0001
title: 'Title with <b>bold</b> | pipe'
date: 2026-01-07
status: published
severity: SEV2
services: [api]
started_at: 2026-01-05T10:00:00+01:00
detected_at: 2026-01-05T10:12:00+01:00
resolved_at: 2026-01-05T12:05:00+01:00
escaped_defect: true
tags: ['<b>t</b>', ok]
runbooks: [RB-0001, RB-0404]
action_items:
  - {id: A1, title: 'Fix | it', owner: bob, due: 2026-01-15, status: open, type: prevent}
  - {id: A2, title: Soon, owner: bob, due: 2026-02-05, status: open, link: 'javascript:x'}
"""
RUNBOOK = """
id: RB-0001
title: Restart
owners: [bob]
service: api
last_reviewed: 2025-01-01
"""


def test_an_rca_header_has_badges_details_and_an_items_table() -> None:
    rca = doc("rca", 1, RCA, slug="one")
    book = doc("runbook", 1, RUNBOOK, slug="restart")
    soup = _render(header(rca, site(rca, book)))
    badges = [(b.get_text(), b["class"][1]) for b in soup.select(".improve-badge")]
    assert badges[:5] == [("RCA-0001", "improve-badge--id"),
                          ("published", "improve-badge--status-published"),
                          ("SEV2", "improve-badge--sev2"),
                          ("escaped defect", "improve-badge--escaped"),
                          ("1 overdue", "improve-badge--overdue")]
    # The facts are a short card, not a table.
    assert soup.find("table") is None
    details = {d.dt.get_text(strip=True): d.dd for d in soup.select("dl.improve-facts > div")}
    assert details["Time to detect"].get_text(strip=True) == "12 min"
    assert details["Time to resolve"].get_text(strip=True) == "2 h 05 min"
    assert "Started" not in details  # a moment on the timeline, not a fact
    # A published runbook is linked by its page's address from the RCA's; an unknown one
    # stays text.
    links = details["Runbooks used"].find_all("a")
    assert [(a.get_text(), a["href"]) for a in links] == [("RB-0001",
                                                            "../../runbooks/0001-restart/")]
    assert "RB-0404" in details["Runbooks used"].get_text()
    after = _render(footer(rca, site(rca, book)))
    timeline = [li.get_text(" ", strip=True) for li in after.select("ol.improve-timeline > li")]
    assert timeline == ["2026-01-05 10:00 CET Incident started started",
                        "2026-01-05 10:12 CET Incident detected detected",
                        "2026-01-05 12:05 CET Incident resolved resolved"]
    items = after.find("table").find_all("tr")
    assert [c.get_text(" ", strip=True) for c in items[1].find_all("td")] == [
        "A1", "Fix | it", "bob", "2026-01-15", "open overdue", "prevent", "—"]
    assert items[2].find_all("td")[4].get_text(" ", strip=True) == "open due soon"
    assert items[2].find("a") is None  # the javascript: link is text


def test_an_rca_timeline_is_in_time_order_with_its_moments_marked() -> None:
    rca = doc("rca", 1, RCA + """timeline:
  - {at: '2026-01-05T12:05:00+01:00', event: All clear}
  - {at: '2026-01-05T10:12:00+01:00', event: Pager fired}
  - {at: 'soon after', event: Someone said so}
""")
    after = _render(footer(rca, site(rca)))
    entries = after.select("ol.improve-timeline > li")
    assert [li.get_text(" ", strip=True) for li in entries] == [
        "2026-01-05 10:00 CET Incident started started",
        "2026-01-05 10:12 CET Pager fired detected",
        "2026-01-05 12:05 CET All clear resolved",
        "soon after Someone said so"]
    assert entries[1].time is not None
    assert entries[1].time["datetime"] == "2026-01-05T10:12:00+01:00"
    assert "improve-timeline__mark--resolved" in entries[2]["class"]
    assert entries[3].get("class") is None


def test_a_superseded_decision_gets_a_banner_linking_its_successor() -> None:
    old = doc("decision", 1, "id: ADR-0001\ntitle: Old\ndate: 2025-01-01\nstatus: superseded\n"
                             "superseded_by: ADR-0002", slug="old")
    new = doc("decision", 2, "id: ADR-0002\ntitle: 'New <i>one</i>'\ndate: 2025-02-01\n"
                             "status: accepted\nsupersedes: ADR-0001", slug="new")
    soup = _render(header(old, site(old, new)))
    banner = soup.select_one(".admonition.warning")
    assert banner is not None
    link = banner.find("a")
    assert link is not None
    assert link["href"] == "../0002-new/"
    assert link.get_text() == "ADR-0002: New <i>one</i>"


def test_a_runbook_past_review_is_stale() -> None:
    book = doc("runbook", 1, RUNBOOK)
    soup = _render(header(book, site(book)))
    assert [b.get_text() for b in soup.select(".improve-badge")] == ["RB-0001", "stale", "stale"]


def test_record_source_keeps_only_an_escaped_title_and_tags() -> None:
    rca = doc("rca", 1, RCA)
    source = record_source(rca)
    front = source.split("---\n")[1]
    assert "severity" not in front
    assert "status" not in front
    assert html.escape("Title with <b>bold</b> | pipe") in front
    assert "&lt;b&gt;t&lt;/b&gt;" in front


def test_the_header_goes_below_a_leading_h1() -> None:
    assert insert_header("\n# Title\n\nText", "HEAD") == "\n# Title\n\nHEAD\n\nText"
    assert insert_header("Text\n# Late", "HEAD") == "HEAD\nText\n# Late"


# --- finished HTML (headers and index tables skip Python-Markdown) -----------------------------


@given(st.text(max_size=60), st.text(max_size=60))
def test_any_text_stays_one_inert_html_table_cell(text: str, other: str) -> None:
    soup = BeautifulSoup(html_table(["A", "B"], [[md(text), html_link(md(other), "x/")]],
                                    labels=True), "html.parser")
    rows = soup.find_all("tr")
    assert len(rows) == 2
    cells = rows[1].find_all("td")
    assert len(cells) == 2
    assert not cells[0].find_all(True), "no element may come from user text"
    assert " ".join(cells[0].get_text().split()) == (" ".join(_one_line(text).split()) or "—")
    anchors = cells[1].find_all("a")
    assert [a["href"] for a in anchors] == ["x/"]
    assert not anchors[0].find_all(True)


def test_html_tables_look_like_markdown_ones() -> None:
    rendered = html_table(["Item", "Due"], [["A1", "2026-01-02"], ["A2", " "]])
    soup = BeautifulSoup(rendered, "html.parser")
    assert soup.table is not None
    # The theme styles tables without a class; a data attribute marks ours for the stylesheet
    # (a card per row on a phone), and every cell carries its column's name.
    assert soup.table.attrs == {"data-improve-table": ""}
    assert [td["data-label"] for td in soup.select("tbody td")] == ["Item", "Due"] * 2
    assert [th.get_text(strip=True) for th in soup.select("thead th")] == ["Item", "Due"]
    assert [[td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in soup.select("tbody tr")] == [["A1", "2026-01-02"], ["A2", "—"]]
    assert html_table(["a"], [], empty="Nothing <yet>.") == "<p>Nothing &lt;yet&gt;.</p>"
    assert html_table(["a"], []) == ""
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        html_table(["a", "b", "c"], [["1", "2"]])
    labelled = BeautifulSoup(html_table(["k", "v"], [["Date", "x"]], labels=True), "html.parser")
    assert labelled.td is not None
    assert labelled.td["class"] == ["improve-label"]


@pytest.mark.parametrize(("url", "linked"), [
    ("https://tracker.example/ISSUE-1?a=1&b=2", True),
    ("javascript:alert(1)", False),
    ('https://x.example/a"><script>1</script>', False),
])
def test_only_plain_http_links_become_html_links(url: str, linked: bool) -> None:
    rendered = html_external_link(url, "tracker")
    if not linked:
        assert rendered == html_text(url)
        return
    anchors = BeautifulSoup(rendered, "html.parser").find_all("a")
    assert [a.get_text() for a in anchors] == ["tracker"]
    assert anchors[0]["href"] == "https://tracker.example/ISSUE-1?a=1&b=2"


def test_sentence_lists_are_lists_and_single_values_text() -> None:
    causes = ["The retry path built a new request.", "No test covered a timeout."]
    soup = BeautifulSoup(html_items(causes), "html.parser")
    assert [li.get_text() for li in soup.find_all("li")] == causes
    assert html_items(["Only one."]) == "Only one."
    assert html_items("<b>x</b>") == md("<b>x</b>")
    assert html_items([]) == "—"


def test_an_rca_header_lists_its_root_causes_one_per_line() -> None:
    rca = doc("rca", 1, RCA + "root_causes: ['First cause.', 'Second, with a comma.']")
    soup = _render(header(rca, site(rca)))
    row = next(d for d in soup.select("dl.improve-facts > div") if d.dt.get_text() == "Root causes")
    assert [li.get_text() for li in row.find_all("li")] == ["First cause.",
                                                            "Second, with a comma."]
