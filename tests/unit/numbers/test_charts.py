"""Static SVG charts: accessible, escaped, byte-stable, carrying the metrics' numbers."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from improve.core.numbers.charts import Series, bar_chart, line_chart, metric_charts, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '"><script>alert(1)</script>&amp;'


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bar_chart_has_title_desc_axes_and_escaped_labels() -> None:
    svg = bar_chart("x", f"Incidents {HOSTILE}", ["2026-01", HOSTILE],
                    [Series(HOSTILE, (1.0, 3.0), "#000000"), Series("SEV2", (2.0, None), "#111111")],
                    stacked=True, y_label="incidents", x_label="month")
    root = _parse(svg)  # well-formed: nothing broke out of an element or attribute
    assert "<script" not in svg
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "x-title x-desc"
    assert root.find(f"{SVG}title").text == f"Incidents {HOSTILE}"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert desc == (f'2026-01: {HOSTILE} 1, SEV2 2; {HOSTILE}: {HOSTILE} 3, SEV2 no data.')
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "incidents" in texts
    assert "month" in texts
    assert [t for t in texts if t in {"0", "1", "2", "3", "4"}] == ["0", "1", "2", "3"]
    rects = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in rects] == [  # type: ignore[union-attr]
        f"2026-01, {HOSTILE}: 1", "2026-01, SEV2: 2", f"{HOSTILE}, {HOSTILE}: 3"]


def test_line_chart_leaves_gaps_and_draws_points() -> None:
    svg = line_chart("t", "TTR", ["a", "b", "c", "d"],
                     [Series("median", (10.0, None, 30.0, 40.0), "#000000")],
                     y_label="minutes", x_label="month")
    root = _parse(svg)
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    assert len(list(root.iter(f"{SVG}path"))) == 1  # c-d only: a stands alone after the gap
    assert root.find(f"{SVG}desc").text == (  # type: ignore[union-attr]
        "a: median 10; b: median no data; c: median 30; d: median 40.")


def test_empty_chart_says_so() -> None:
    svg = line_chart("e", "Nothing", [], [], y_label="y", x_label="x")
    assert "No data yet" in svg
    assert _parse(svg).find(f"{SVG}desc").text == "No data yet."  # type: ignore[union-attr]


def test_nice_ticks() -> None:
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(1440) == [0, 500, 1000, 1500]
    assert nice_ticks(100) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0) == [0, 1]


DATA = {
    "action_items": {
        "follow_through_per_retro": [
            {"retro": "RETRO-0001", "date": "2026-01-09", "items": 3, "done": 3, "rate_done": 1.0,
             "done_by_next_retro": 1, "rate_by_next_retro": 0.3333},
        ],
        "open_over_time": [{"date": "2026-01-01", "open": 1}, {"date": "2026-01-09", "open": 5}],
    },
    "incidents": {"per_month": [
        {"month": "2026-01", "total": 3, "by_severity": {"SEV1": 1, "SEV2": 1, "SEV3": 1, "SEV4": 0},
         "escaped_defects": 2, "time_to_resolve_median_minutes": 240},
    ]},
    "health": {"dimensions": ["flow"], "per_retro": [
        {"retro": "RETRO-0001", "date": "2026-01-09", "scores": {"flow": 3}}]},
}


def test_metric_charts_tables_carry_the_json_numbers() -> None:
    charts = {c.slug: c for c in metric_charts(DATA)}
    assert list(charts) == ["incidents-per-month", "time-to-resolve", "follow-through",
                            "open-items", "health", "deployments-per-week", "lead-time",
                            "change-failure-rate"]
    # Without delivery numbers their charts are empty (the page says why instead).
    assert charts["deployments-per-week"].rows == ()
    assert charts["incidents-per-month"].rows == (("2026-01", "1", "1", "1", "0", "3", "2"),)
    assert charts["time-to-resolve"].rows == (("2026-01", "240"),)
    assert charts["follow-through"].rows == (
        ("RETRO-0001", "2026-01-09", "3", "3", "1", "100%", "33%"),)
    assert charts["open-items"].rows == (("2026-01-01", "1"), ("2026-01-09", "5"))
    assert charts["health"].rows == (("RETRO-0001", "2026-01-09", "3"),)
    for chart in charts.values():
        _parse(chart.svg)


_RENDER = """
import json, sys
from improve.core.numbers.charts import metric_charts
sys.stdout.write("".join(c.svg for c in metric_charts(json.loads(sys.argv[1]))))
"""


def test_charts_are_byte_stable_across_hash_seeds_and_time_zones() -> None:
    import json

    outputs = set()
    for seed, tz in (("1", "UTC"), ("2", "Asia/Tokyo"), ("3", "America/Los_Angeles")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz,
               "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
        done = subprocess.run([sys.executable, "-c", _RENDER, json.dumps(DATA)], env=env,
                              capture_output=True, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1
