"""The handbook built from the frozen example handbook with the real `mkdocs build --strict`.

Generated tables are compared with tests/golden/site/handbook.json (rows of cell texts). After a
deliberate change, regenerate it with
`IMPROVE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/acceptance/test_site.py -k golden` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sitebuild import (
    EXAMPLE_TODAY,
    GOLDEN,
    Build,
    broken_links,
    build,
    build_example,
    facts,
    headings,
    tables,
)

from improve.core.fsutil import atomic_write

GOLDEN_FILE = GOLDEN / "handbook.json"
GENERATED = {"index.md": "", "actions.md": "actions/", "retros.md": "retros/",
             "incidents.md": "incidents/", "runbooks.md": "runbooks/",
             "decisions.md": "decisions/"}
RESTRICTED_WORD = "credentialrotation"  # only in the body of the restricted RCA-0004


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_example(tmp_path_factory.mktemp("example") / "handbook")


def test_the_example_builds_strictly_and_says_what_it_left_out(example: Build) -> None:
    assert "WARNING" not in example.output
    assert "1 restricted document (visibility: restricted) left out" in example.output
    assert "published 18 documents as of 2026-11-20" in example.output
    # The intended lint warnings are info messages naming file and line.
    assert "runbooks/0004-reconcile-ledger-with-settlement-files.md:" in example.output


def test_generated_tables_match_the_golden_file(example: Build) -> None:
    found = {}
    for name, url in sorted(GENERATED.items()):
        page = example.page(url)
        found[name] = {"headings": headings(page), "tables": tables(page)}
    text = json.dumps(found, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("IMPROVE_UPDATE_GOLDEN") == "1":
        atomic_write(GOLDEN_FILE, text.encode("utf-8"))
    golden = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
    for name in sorted(GENERATED):
        assert found[name] == golden[name], name


def test_every_internal_link_resolves(example: Build) -> None:
    assert broken_links(example.site) == []


def test_records_are_reached_through_indexes_not_the_navigation(example: Build) -> None:
    soup = example.page("")
    nav = [a.get_text(strip=True) for a in soup.select("nav.md-nav--primary > ul > li > a")]
    assert nav == ["Payments team handbook", "Action items", "Retrospectives", "Incident log",
                   "Runbook catalog", "Decision log", "Metrics", "Tags"]
    assert not soup.select('nav.md-nav--primary a[href*="rca/0001"]')
    retros = [r[1] for r in tables(example.page("retros/"))[0][1:]]
    assert retros == sorted(retros, reverse=True)  # newest first


def test_an_rca_page_has_its_header_badges_durations_and_items(example: Build) -> None:
    soup = example.page("rca/0001-duplicate-refunds-after-retries/")
    badges = [b.get_text() for b in soup.select("article .improve-badges .improve-badge")]
    assert badges == ["RCA-0001", "published", "SEV2", "escaped defect"]
    assert soup.select_one(".improve-badge--sev2") is not None
    details = facts(soup)
    assert details["Time to detect"] == "1 h 23 min"
    assert details["Time to resolve"] == "21 h 48 min"
    assert details["Runbooks used"] == "RB-0004"
    assert details["Related"] == "RETRO-0002, RB-0001"
    # The page starts with the title, the badges and the facts, then the body; the timeline
    # and the action items follow it.
    assert headings(soup)[:1] == ["## Summary"]
    assert headings(soup)[-2:] == ["## Timeline", "## Action items"]
    marks = {li.select_one(".improve-badge").get_text(): li.time.get_text()
             for li in soup.select("article ol.improve-timeline li.improve-timeline__mark")}
    assert marks == {"started": "2026-09-10 13:42 CEST", "detected": "2026-09-10 15:05 CEST",
                     "mitigated": "2026-09-10 15:31 CEST", "resolved": "2026-09-11 11:30 CEST"}
    items = tables(soup)[0]
    assert items[0] == ["Item", "Title", "Owner", "Due", "Status", "Type", "Tracker"]
    assert items[1][:5] == ["A1", "Resend the original refund request, with its idempotency key,"
                            " on every retry", "eve", "2026-09-17", "done"]
    tracker = soup.select_one('article a[href^="https://git.example.org/"]')
    assert tracker is not None
    assert tracker.get_text() == "tracker"
    related = soup.select_one('article a[href="../../runbooks/0001-pause-refunds-worker/"]')
    assert related is not None


def test_edit_this_page_opens_the_records_own_file(example: Build) -> None:
    edit = example.page("rca/0001-duplicate-refunds-after-retries/").select_one(
        "a.md-content__button")
    assert edit is not None
    assert edit["href"] == ("https://github.com/example-payments/improve-handbook/edit/main/"
                            "rca/0001-duplicate-refunds-after-retries.md")
    home = example.page("").select_one("a.md-content__button")
    assert home is not None
    assert str(home["href"]).endswith("/edit/main/docs/index.md")
    assert example.page("actions/").select_one("a.md-content__button") is None


def test_a_superseded_decision_links_to_its_successor(example: Build) -> None:
    soup = example.page("decisions/0002-validate-front-matter-with-jsonschema/")
    banner = soup.select_one("article .admonition.warning")
    assert banner is not None
    assert "superseded by ADR-0004" in banner.get_text(" ", strip=True)
    link = banner.select_one("a")
    assert link is not None
    assert link["href"] == "../0004-compiled-validator-for-the-fast-path/"
    # The whole chain, this decision in it.
    assert facts(soup)["Supersede chain"] == "ADR-0002 → ADR-0004"
    chain = next(d.dd for d in soup.select("article dl.improve-facts > div")
                 if d.dt.get_text() == "Supersede chain")
    assert chain.strong.get_text() == "ADR-0002"
    assert chain.a["href"] == "../0004-compiled-validator-for-the-fast-path/"


def test_the_overdue_item_is_marked_on_the_actions_page(example: Build) -> None:
    soup = example.page("actions/")
    overdue_rows = [row for row in soup.select("article tr") if row.select(
        ".improve-badge--overdue")]
    assert len(overdue_rows) == 1
    assert "RETRO-0006#A1" in overdue_rows[0].get_text()
    stylesheet = soup.select_one('link[href$="assets/improve/handbook.css"]')
    assert stylesheet is not None
    assert (example.site / "assets/improve/handbook.css").read_text().count(
        "tr:has(.improve-badge--overdue)") >= 1


def test_tags_work_with_materials_tags_plugin(example: Build) -> None:
    page = example.page("tags/")
    assert page.select("article a[href]"), "the tags page lists tagged documents"


def test_search_finds_bodies_and_generated_pages_but_nothing_restricted(example: Build) -> None:
    text = (example.site / "search" / "search_index.json").read_text(encoding="utf-8")
    index = example.search_index()
    docs = index["docs"]
    assert isinstance(docs, list)
    locations = {d["location"] for d in docs}
    assert any(d["location"].startswith("rca/0001-") and "idempotency" in d["text"]
               for d in docs)
    assert any(d["location"].startswith("actions/") and "Recently done" in d["title"]
               for d in docs)
    assert "actions/" in locations
    assert RESTRICTED_WORD not in text
    assert "RCA-0004" not in text


def test_search_results_start_with_the_documents_text(example: Build) -> None:
    # The fact card is left out of the search view (ImprovePlugin._search_view), so a result
    # starts with the body's words; the timeline and the items are indexed as text.
    docs = example.search_index()["docs"]
    assert isinstance(docs, list)
    top = next(d for d in docs if d["location"] == "rca/0001-duplicate-refunds-after-retries/")
    assert "Time to detect" not in top["text"]
    assert "Detail" not in top["text"]
    summary = next(d for d in docs
                   if d["location"] == "rca/0001-duplicate-refunds-after-retries/#summary")
    assert summary["text"].startswith("<p>On Thursday 10 September 2026")
    items = next(d for d in docs
                 if d["location"] == "rca/0001-duplicate-refunds-after-retries/#action-items")
    assert "Resend the original refund request" in items["text"]
    timeline = next(d for d in docs
                    if d["location"] == "rca/0001-duplicate-refunds-after-retries/#timeline")
    assert "Support escalates to the payments on-call engineer" in timeline["text"]
    # Readers get the card, the timeline and the table.
    page = example.page("rca/0001-duplicate-refunds-after-retries/")
    assert facts(page)["Time to detect"] == "1 h 23 min"
    assert len(tables(page)) == 1
    # Pages other plugins rewrite after on_page_content (the tags plugin's listing, in on_env)
    # are indexed as rewritten.
    tagged = [d for d in docs if d["location"].startswith("tags/#tag:")]
    assert tagged
    assert all("tags.md:" not in d["location"] + d["title"] for d in docs)


def test_no_placeholder_is_left_in_the_site(example: Build) -> None:
    for path in example.site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml"):
            assert "improveblock" not in path.read_text(encoding="utf-8"), path


def test_list_fields_of_sentences_are_lists(example: Build) -> None:
    soup = example.page("rca/0001-duplicate-refunds-after-retries/")
    row = next(d for d in soup.select("article dl.improve-facts > div")
               if d.dt is not None and d.dt.get_text(strip=True) == "Root causes")
    causes = [li.get_text(strip=True) for li in row.select("li")]
    assert len(causes) == 2
    assert causes[0].endswith("instead of resending the original request.")
    assert causes[1].startswith("No test covered a call")


def test_restricted_documents_appear_nowhere(example: Build) -> None:
    assert not list(example.site.glob("rca/0004-*"))
    for path in [*example.html_files(), example.site / "sitemap.xml"]:
        content = path.read_text(encoding="utf-8")
        assert RESTRICTED_WORD not in content, path
        assert "Staging acquirer API key" not in content, path


def test_no_page_loads_anything_from_the_internet(example: Build) -> None:
    for page in example.html_files():
        soup = example.page(str(page.relative_to(example.site)))
        for element in soup.find_all(["link", "script", "img", "iframe"]):
            if element.name == "link" and "canonical" in (element.get("rel") or []):
                continue  # names the page's public address; nothing is loaded from it
            target = str(element.get("href") or element.get("src") or "")
            assert not target.startswith(("http:", "https:", "//")), (page, target)
        assert not soup.select("[data-md-component=source]"), "repository facts come from an API"


def test_the_sitemap_is_dated_with_the_pinned_day(example: Build) -> None:
    sitemap = (example.site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<lastmod>2026-11-20</lastmod>" in sitemap
    assert "rca/0001-duplicate-refunds-after-retries/" in sitemap


def test_the_repositorys_own_handbook_builds_strictly(tmp_path: Path) -> None:
    from sitebuild import ROOT

    result = build(ROOT, today=EXAMPLE_TODAY, site_dir=str(tmp_path / "site"))
    assert result.returncode == 0, result.output
    assert "WARNING" not in result.output


def test_the_home_page_summarises_open_work_incidents_and_runbooks(example: Build) -> None:
    article = example.page("").select_one("article")
    assert article is not None
    text = " ".join(article.get_text(" ", strip=True).split())
    assert "6 open action items, 1 overdue, 3 due within 14 days" in text
    assert "Latest incident: SEV3 RCA-0003:" in text
    assert "1 stale runbook: RB-0004" in text
    assert "improve:summary" not in str(article)


def test_the_decision_log_shows_supersede_chains(example: Build) -> None:
    article = example.page("decisions/").select_one("article")
    assert article is not None
    chains = [" ".join(li.get_text(" ", strip=True).split()) for li in article.select("li")]
    assert chains == ["ADR-0002 → ADR-0004"]


def test_index_titles_link_to_their_documents_and_empty_columns_are_not_shown(
        example: Build) -> None:
    """Issue 14: an index's titles are links, and a document's action items show no column that
    would hold only dashes."""
    log = example.page("incidents/")
    title = log.find("a", string="Duplicate refunds after refunds-worker retried timed-out "
                                 "acquirer calls")
    assert title is not None
    assert title["href"] == "../rca/0001-duplicate-refunds-after-retries/"
    for url in ("retros/", "runbooks/", "decisions/"):
        links = [a for a in example.page(url).select("article table a")
                 if not a.get_text().startswith(("RETRO-", "RB-", "ADR-"))]
        assert links, url
    retro = example.page("retros/0001-sprint-18/")
    items = tables(retro)[1]
    assert "Tracker" not in items[0]  # no item of that retro links a tracker
    assert "Type" not in items[0]
