"""The page registry and the generated pages' Markdown (improve.handbook.pages)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from handbook_docs import doc, site

from improve.handbook import pages
from improve.handbook.pages import (
    GeneratedPage,
    marker,
    pages_in_nav,
    register,
    register_marker,
    register_section,
)
from improve.handbook.site import Site


@pytest.fixture
def registry() -> Iterator[None]:
    """Restore the registries after a test that adds to them."""
    saved = (dict(pages.PAGES), {k: list(v) for k, v in pages.SECTIONS.items()},
             dict(pages.MARKERS))
    yield
    pages.PAGES.clear()
    pages.PAGES.update(saved[0])
    pages.SECTIONS.clear()
    pages.SECTIONS.update(saved[1])
    pages.MARKERS.clear()
    pages.MARKERS.update(saved[2])


def test_the_built_in_pages_and_their_navigation_order() -> None:
    assert [p.path for p in pages_in_nav()][:6] == ["actions.md", "retros.md", "incidents.md",
                                                    "runbooks.md", "decisions.md", "tags.md"]
    assert pages.PAGES["incidents.md"].kind == "rca"
    assert "summary" in pages.MARKERS


def _board(site_: Site) -> str:
    return "## Board\n\nopen: " + str(len(site_.index.actions.open_items)) + "\n"


def _early(site_: Site) -> str:
    return "## Early\n"


def test_other_features_add_pages_sections_and_markers(registry: None) -> None:
    register(GeneratedPage("metrics.md", "Metrics", lambda s: "numbers\n", nav_order=70))
    register_section("actions.md", _board, order=50)
    register_section("actions.md", _board, order=50)  # registering twice keeps one
    register_section("actions.md", _early, order=10)
    register_marker("metrics", lambda s, path: f"from {path}")
    assert [p.path for p in pages_in_nav()] == ["actions.md", "retros.md", "incidents.md",
                                                "runbooks.md", "decisions.md", "metrics.md",
                                                "tags.md"]
    rca = doc("rca", 1, "id: RCA-0001\ntitle: T\nseverity: SEV3\nstarted_at: 2026-01-01T00:00:00Z"
                        "\naction_items: [{id: A1, title: x, owner: bob, due: 2026-03-01, "
                        "status: open}]")
    source = pages.PAGES["actions.md"].source(site(rca))
    # An index page gives its tables the width of the table of contents.
    assert source.startswith("---\nhide:\n- toc\ntitle: Action items\n---\n\n# Action items\n")
    assert source.index("## Early") < source.index("## Board") < len(source)
    assert source.count("## Board") == 1
    assert "open: 1" in source
    assert marker("metrics") == "<!-- improve:metrics -->"


def test_generated_pages_link_records_by_their_page_address() -> None:
    rca = doc("rca", 7, "id: RCA-0007\ntitle: Seven\nseverity: SEV1\n"
                        "started_at: 2026-01-01T00:00:00Z", slug="a b(c)")
    text = pages.PAGES["incidents.md"].source(site(rca))
    # Index tables are finished HTML: MkDocs rewrites no link in them, so they hold the
    # record's final address as seen from a page at the top of the site.
    assert ('<a href="../rca/0007-a%20b%28c%29/"><span class="improve-id">RCA-0007</span></a>'
            in text)
    assert '<a href="../rca/0007-a%20b%28c%29/">Seven</a>' in text  # the title links too
    # Sortable, filterable by severity, services and status (tables.js), complete without it.
    assert ('<table data-improve-table data-improve-sort data-improve-filters="3,4,8"><thead>'
            "<tr><th>Date </th>") in text
    summary = pages.MARKERS["summary"](site(rca), "team/index.md")
    assert "(../rca/0007-a%20b%28c%29.md)" in summary
    assert "(../actions.md)" in summary


def test_empty_handbooks_say_so() -> None:
    empty = site()
    assert "No open action items." in pages.PAGES["actions.md"].source(empty)
    assert "No incident reviews yet." in pages.PAGES["incidents.md"].source(empty)
    assert "No decision has been superseded." in pages.PAGES["decisions.md"].source(empty)
    assert "No incidents recorded" in pages.MARKERS["summary"](empty, "index.md")
