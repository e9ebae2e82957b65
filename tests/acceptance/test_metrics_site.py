"""The handbook's Metrics page and board, built with the real `mkdocs build --strict`.

The site is built from the fixed-date git repository of tests/fixedhistory.py: the charts'
tables carry exactly the numbers of `improve metrics --format json`, the SVGs are static
(no script, nothing from the internet) and the same bytes on a rebuild with another hash seed
and time zone.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixedhistory import TODAY, build
from sitebuild import ROOT, Build, broken_links, headings, tables
from sitebuild import build as mkdocs_build

from improve.cli.main import cli

SVG = "{http://www.w3.org/2000/svg}"
CHARTS = ("incidents-per-month", "time-to-resolve", "follow-through", "open-items", "health")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("metrics-site") / "repo")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", root / "docs")
    return root


@pytest.fixture(scope="module")
def site(project: Path) -> Build:
    result = mkdocs_build(project, today=TODAY.isoformat())
    assert result.returncode == 0, result.output
    return result


@pytest.fixture(scope="module")
def data(project: Path) -> dict[str, Any]:
    mp = pytest.MonkeyPatch()
    mp.chdir(project)
    try:
        out = CliRunner().invoke(cli, ["metrics", "--format", "json", "--today", TODAY.isoformat()],
                                 catch_exceptions=False)
    finally:
        mp.undo()
    assert out.exit_code == 0
    parsed: dict[str, Any] = json.loads(out.output)
    return parsed


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{round(rate * 100)}%"


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def test_metrics_page_tables_carry_the_json_numbers(site: Build, data: dict[str, Any]) -> None:
    page = site.page("metrics/")
    assert headings(page) == ["## Key figures", "## Incidents per month by severity",
                              "## Time to resolve over time (median per month)",
                              "## Follow-through per retro", "## Open action items over time",
                              "## Team health-check scores", "## Delivery (DORA)",
                              "## Recurring themes"]
    key, incidents, ttr, follow, open_items, health, themes = tables(page)
    months = data["incidents"]["per_month"]
    assert incidents[1:] == [[m["month"], *(str(v) for v in m["by_severity"].values()),
                              str(m["total"]), str(m["escaped_defects"])] for m in months]
    assert incidents[1] == ["2026-01", "1", "1", "1", "0", "3", "2"]  # worked out by hand
    assert ttr[1:] == [[m["month"], _cell(m["time_to_resolve_median_minutes"])] for m in months]
    rows = data["action_items"]["follow_through_per_retro"]
    assert follow[1:] == [[r["retro"], r["date"], str(r["items"]), str(r["done"]),
                           _cell(r["done_by_next_retro"]), _pct(r["rate_done"]),
                           _pct(r["rate_by_next_retro"])] for r in rows]
    assert follow[1] == ["RETRO-0001", "2026-01-09", "3", "3", "1", "100%", "33%"]
    assert open_items[1:] == [[p["date"], str(p["open"])]
                              for p in data["action_items"]["open_over_time"]]
    assert open_items[3] == ["2026-01-09", "5"]
    assert health[0] == ["retro", "date", "flow", "fun", "pace"]
    assert health[1:] == [["RETRO-0001", "2026-01-09", "3", "4", "-"],
                          ["RETRO-0003", "2026-02-06", "4", "4", "2"]]
    figures = dict(tuple(row) for row in key[1:])
    assert figures["Lead time, opened to done, days: median / 85th percentile"] == "15 / 32 (n=5)"
    assert figures["Time to detect, minutes: median / 85th percentile"] == "20 / 45 (n=7)"
    assert figures["Time to resolve, minutes: median / 85th percentile"] == "120 / 1440 (n=6)"
    assert figures["Due-date slips"] == "1 on 1 items"
    assert themes[1:] == [["contributing factors: monitoring-gap", "3"],
                          ["contributing factors: configuration", "2"],
                          ["services: api", "3"], ["services: checkout", "3"],
                          ["tags: db", "3"], ["tags: deploy", "2"]]


def test_charts_are_static_accessible_svg_with_the_same_numbers(site: Build,
                                                                data: dict[str, Any]) -> None:
    page = site.page("metrics/")
    images = [img["src"] for img in page.select("article img")]
    assert images == [f"../assets/improve/charts/{slug}.svg" for slug in CHARTS]
    for slug in CHARTS:
        text = (site.site / "assets/improve/charts" / f"{slug}.svg").read_text(encoding="utf-8")
        assert "<script" not in text
        assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        root = ET.fromstring(text)
        assert root.find(f"{SVG}title") is not None
        assert root.find(f"{SVG}desc") is not None
    desc = ET.fromstring((site.site / "assets/improve/charts/incidents-per-month.svg")
                         .read_text(encoding="utf-8")).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text is not None
    assert desc.text.startswith("2026-01: SEV1 1, SEV2 1, SEV3 1, SEV4 0; 2026-02: SEV1 0, SEV2 1")
    assert broken_links(site.site) == []


def test_board_view_on_the_action_items_page(site: Build) -> None:
    page = site.page("actions/")
    assert [h for h in headings(page) if h.startswith("## ")][-1] == "## Board"
    # Columns of cards, most urgent first, each card with its owner, due date and overdue state.
    columns = {c.h3.get_text(strip=True): [card.get_text(" ", strip=True)
                                           for card in c.select("li.improve-card")]
               for c in page.select("article .improve-board__column")}
    assert columns == {
        "Open (2)": ["RCA-0001#A1 Item 1 alice due 2026-02-01 overdue",
                     "RETRO-0002#A1 Item 1 alice due 2026-02-20 overdue"],
        "In progress (1)": ["RETRO-0003#A1 Item 1 alice due 2026-05-01"],
        "Done in the last 30 days (0)": ["None."]}
    overdue = page.select("article li.improve-card--overdue a")
    assert [a.get_text() for a in overdue] == ["RCA-0001#A1", "RETRO-0002#A1"]


def test_rebuild_is_byte_identical(site: Build, project: Path) -> None:
    again = mkdocs_build(project, today=TODAY.isoformat(), site_dir="site-again",
                         env={"PYTHONHASHSEED": "7", "TZ": "Asia/Tokyo"})
    assert again.returncode == 0, again.output
    for name in ["metrics/index.html", "actions/index.html",
                 *(f"assets/improve/charts/{slug}.svg" for slug in CHARTS)]:
        assert (site.site / name).read_bytes() == (project / "site-again" / name).read_bytes(), name
