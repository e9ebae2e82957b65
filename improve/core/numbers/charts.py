"""Charts as static SVG, drawn when the handbook is built: no script, no CDN, byte-stable.

Hand-written SVG rather than a plotting library (decision record "Draw the handbook's charts as
hand-written SVG"): the charts are a few bars and lines, and this way the output depends on
nothing but the numbers (no embedded dates, random ids, fonts or scripts), so two builds of one
commit are identical. Every chart has a <title>, a <desc> listing its numbers, axes with labels,
a legend, and every label is escaped. `metric_charts` turns `improve metrics` json into the
handbook's charts, each with a table carrying the same numbers as a text alternative.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the metrics' shape only; charts are drawn from plain data
    from improve.core.numbers.metrics import MetricsJson

WIDTH = 680
HEIGHT = 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 64, 64
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
SEVERITY_COLOURS = {"SEV1": "#D55E00", "SEV2": "#E69F00", "SEV3": "#0072B2", "SEV4": "#56B4E9"}


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    colour: str


@dataclass(frozen=True)
class Chart:
    """One chart and its text alternative: a table with the same numbers."""

    slug: str
    title: str
    svg: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _num(value: float) -> str:
    """A coordinate with at most one decimal, never `-0`: the same bytes on every machine."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _label(value: float | None, unit: str = "") -> str:
    if value is None:
        return "no data"
    if float(value).is_integer():
        return f"{int(value)}{unit}"
    return f"{value:.1f}{unit}"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and top >= 1:
        step = 1.0
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


class _Canvas:
    def __init__(self, slug: str, title: str, description: str, y_label: str, x_label: str) -> None:
        self.slug = slug
        self.parts: list[str] = []
        self.title = title
        self.description = description
        self.y_label = y_label
        self.x_label = x_label

    def add(self, text: str) -> None:
        self.parts.append(text)

    def render(self) -> str:
        ident = escape(self.slug, quote=True)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="improve-chart" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" '
            f'font-family="sans-serif" font-size="12">'
        )
        body = [
            head,
            f'<title id="{ident}-title">{escape(self.title)}</title>',
            f'<desc id="{ident}-desc">{escape(self.description)}</desc>',
            f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
            f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold" fill="#222222">'
            f'{escape(self.title)}</text>',
            f'<text transform="translate(14 {_num(TOP + (HEIGHT - TOP - BOTTOM) / 2)}) rotate(-90)" '
            f'text-anchor="middle" fill="#444444">{escape(self.y_label)}</text>',
            f'<text x="{_num(LEFT + (WIDTH - LEFT - RIGHT) / 2)}" y="{HEIGHT - 22}" '
            f'text-anchor="middle" fill="#444444">{escape(self.x_label)}</text>',
            *self.parts,
            "</svg>",
        ]
        return "\n".join(body) + "\n"


def _plot_area() -> tuple[float, float, float, float]:
    return LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _axes(canvas: _Canvas, ticks: Sequence[float], top: float, unit: str) -> None:
    x0, y0, width, height = _plot_area()
    for tick in ticks:
        y = y0 + height - (tick / top) * height if top else y0 + height
        canvas.add(f'<line x1="{_num(x0)}" y1="{_num(y)}" x2="{_num(x0 + width)}" y2="{_num(y)}" '
                   f'stroke="#e0e0e0"/>')
        canvas.add(f'<text x="{_num(x0 - 6)}" y="{_num(y + 4)}" text-anchor="end" fill="#444444">'
                   f'{escape(_label(tick, unit))}</text>')
    canvas.add(f'<line x1="{_num(x0)}" y1="{_num(y0)}" x2="{_num(x0)}" y2="{_num(y0 + height)}" '
               f'stroke="#444444"/>')
    canvas.add(f'<line x1="{_num(x0)}" y1="{_num(y0 + height)}" x2="{_num(x0 + width)}" '
               f'y2="{_num(y0 + height)}" stroke="#444444"/>')


def _x_labels(canvas: _Canvas, labels: Sequence[str], centres: Sequence[float]) -> None:
    _x0, y0, _width, height = _plot_area()
    every = max(1, math.ceil(len(labels) / 10))
    for index, (label, x) in enumerate(zip(labels, centres, strict=True)):
        if index % every and index != len(labels) - 1:
            continue
        canvas.add(f'<text x="{_num(x)}" y="{_num(y0 + height + 16)}" text-anchor="middle" '
                   f'fill="#444444">{escape(label)}</text>')


def _legend(canvas: _Canvas, series: Sequence[Series]) -> None:
    x = float(LEFT)
    for entry in series:
        canvas.add(f'<rect x="{_num(x)}" y="36" width="10" height="10" fill="{entry.colour}"/>')
        canvas.add(f'<text x="{_num(x + 14)}" y="45" fill="#222222">{escape(entry.name)}</text>')
        x += 24 + 7 * len(entry.name)


def _empty(canvas: _Canvas) -> str:
    x0, y0, width, height = _plot_area()
    canvas.add(f'<text x="{_num(x0 + width / 2)}" y="{_num(y0 + height / 2)}" '
               f'text-anchor="middle" fill="#666666">No data yet</text>')
    return canvas.render()


def _describe(labels: Sequence[str], series: Sequence[Series], unit: str) -> str:
    parts = []
    for index, label in enumerate(labels):
        values = ", ".join(f"{s.name} {_label(s.values[index], unit)}" for s in series)
        parts.append(f"{label}: {values}")
    return "; ".join(parts) + "." if parts else "No data yet."


def bar_chart(slug: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
              stacked: bool, y_label: str, x_label: str, unit: str = "",
              top: float | None = None) -> str:
    """Bars per label: stacked (one bar, a segment per series) or grouped side by side."""
    canvas = _Canvas(slug, title, _describe(labels, series, unit), y_label, x_label)
    if not labels:
        return _empty(canvas)
    totals = [sum(s.values[i] or 0 for s in series) if stacked
              else max((s.values[i] or 0 for s in series), default=0) for i in range(len(labels))]
    ticks = nice_ticks(top if top is not None else max(totals, default=0))
    scale_top = ticks[-1]
    _axes(canvas, ticks, scale_top, unit)
    _legend(canvas, series)
    x0, y0, width, height = _plot_area()
    slot = width / len(labels)
    bar = slot * 0.7
    centres = [x0 + slot * (i + 0.5) for i in range(len(labels))]
    for index, label in enumerate(labels):
        base = y0 + height
        for position, entry in enumerate(series):
            value = entry.values[index]
            if value is None or value <= 0:
                continue
            size = value / scale_top * height
            if stacked:
                x, w, y = centres[index] - bar / 2, bar, base - size
                base -= size
            else:
                w = bar / len(series)
                x = centres[index] - bar / 2 + position * w
                y = y0 + height - size
            canvas.add(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(size)}" '
                       f'fill="{entry.colour}"><title>{escape(label)}, {escape(entry.name)}: '
                       f'{escape(_label(value, unit))}</title></rect>')
    _x_labels(canvas, labels, centres)
    return canvas.render()


def line_chart(slug: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
               y_label: str, x_label: str, unit: str = "", top: float | None = None,
               step: bool = False, dates: Sequence[dt.date] | None = None) -> str:
    """Lines through each series' values (gaps where a value is missing); `step` for counts.

    With `dates` (one per label), the x axis is a time axis: positions follow the calendar.
    """
    canvas = _Canvas(slug, title, _describe(labels, series, unit), y_label, x_label)
    values = [v for s in series for v in s.values if v is not None]
    if not labels or not values:
        return _empty(canvas)
    ticks = nice_ticks(top if top is not None else max(values))
    scale_top = ticks[-1]
    _axes(canvas, ticks, scale_top, unit)
    _legend(canvas, series)
    x0, y0, width, height = _plot_area()
    if dates:
        first, last = dates[0].toordinal(), dates[-1].toordinal()
        span = max(last - first, 1)
        inner = width * 0.94
        centres = [x0 + width * 0.03 + (d.toordinal() - first) / span * inner for d in dates]
    else:
        slot = width / len(labels)
        centres = [x0 + slot * (i + 0.5) for i in range(len(labels))]
    for entry in series:
        points: list[tuple[float, float, int]] = []
        segments: list[list[tuple[float, float, int]]] = [points]
        for index, value in enumerate(entry.values):
            if value is None:
                points = []
                segments.append(points)
                continue
            points.append((centres[index], y0 + height - value / scale_top * height, index))
        for segment in segments:
            if len(segment) > 1:
                path = []
                for number, (x, y, _i) in enumerate(segment):
                    if number and step:
                        path.append(f"H{_num(x)}")
                        path.append(f"V{_num(y)}")
                    else:
                        path.append(f"{'L' if number else 'M'}{_num(x)} {_num(y)}")
                canvas.add(f'<path d="{" ".join(path)}" fill="none" stroke="{entry.colour}" '
                           f'stroke-width="2"/>')
            for x, y, index in segment:
                canvas.add(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{entry.colour}">'
                           f'<title>{escape(labels[index])}, {escape(entry.name)}: '
                           f'{escape(_label(entry.values[index], unit))}</title></circle>')
    if dates:
        _date_labels(canvas, dates, centres)
    else:
        _x_labels(canvas, labels, centres)
    return canvas.render()


def _date_labels(canvas: _Canvas, dates: Sequence[dt.date], centres: Sequence[float]) -> None:
    """At most six date labels, spread out, the first and last always shown."""
    _x0, y0, width, height = _plot_area()
    shown: list[float] = []
    order = [0, len(dates) - 1, *range(1, len(dates) - 1)]
    for index in order:
        x = centres[index]
        if len(shown) >= 6 or any(abs(x - other) < width / 6 for other in shown):
            continue
        shown.append(x)
        canvas.add(f'<text x="{_num(x)}" y="{_num(y0 + height + 16)}" text-anchor="middle" '
                   f'fill="#444444">{escape(dates[index].isoformat())}</text>')


# --- the handbook's charts from `improve metrics` json ----------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{round(value * 100)}%"
    return str(value)


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def metric_charts(data: MetricsJson) -> list[Chart]:
    """The metrics page's charts, each with a table of the same numbers as the json."""
    items = data["action_items"]
    incidents = data["incidents"]
    charts: list[Chart] = []

    months = incidents["per_month"]
    severities = list(months[0]["by_severity"]) if months else list(SEVERITY_COLOURS)
    labels = [m["month"] for m in months]
    charts.append(Chart(
        "incidents-per-month", "Incidents per month by severity",
        bar_chart("incidents-per-month", "Incidents per month by severity", labels,
                  [Series(s, tuple(float(m["by_severity"][s]) for m in months),
                          SEVERITY_COLOURS.get(s, PALETTE[0])) for s in severities],
                  stacked=True, y_label="incidents", x_label="month"),
        ("month", *severities, "total", "escaped defects"),
        tuple((m["month"], *(str(m["by_severity"][s]) for s in severities), str(m["total"]),
               str(m["escaped_defects"])) for m in months),
    ))

    ttr = [m["time_to_resolve_median_minutes"] for m in months]
    charts.append(Chart(
        "time-to-resolve", "Time to resolve over time (median per month)",
        line_chart("time-to-resolve", "Time to resolve over time (median per month)", labels,
                   [Series("median time to resolve",
                           tuple(float(v) if v is not None else None for v in ttr), PALETTE[0])],
                   y_label="minutes", x_label="month of the incident's start"),
        ("month", "median time to resolve (minutes)"),
        tuple((m["month"], _cell(m["time_to_resolve_median_minutes"])) for m in months),
    ))

    retros = items["follow_through_per_retro"]
    retro_labels = [r["retro"] for r in retros]
    charts.append(Chart(
        "follow-through", "Follow-through per retro",
        bar_chart("follow-through", "Follow-through per retro", retro_labels, [
            Series("done", tuple(_percent(r["rate_done"]) for r in retros), PALETTE[2]),
            Series("done by the next retro",
                   tuple(_percent(r["rate_by_next_retro"]) for r in retros), PALETTE[0]),
        ], stacked=False, y_label="share of the retro's items", x_label="retro", unit="%",
            top=100),
        ("retro", "date", "items", "done", "done by the next retro", "share done",
         "share done by the next retro"),
        tuple((r["retro"], r["date"], str(r["items"]), str(r["done"]),
               _cell(r["done_by_next_retro"]), _cell(r["rate_done"]),
               _cell(r["rate_by_next_retro"])) for r in retros),
    ))

    points = items["open_over_time"]
    charts.append(Chart(
        "open-items", "Open action items over time",
        line_chart("open-items", "Open action items over time", [p["date"] for p in points],
                   [Series("open items", tuple(float(p["open"]) for p in points), PALETTE[3])],
                   y_label="open items", x_label="date", step=True,
                   dates=[dt.date.fromisoformat(p["date"]) for p in points]),
        ("date", "open items"),
        tuple((p["date"], str(p["open"])) for p in points),
    ))

    health = data["health"]
    dimensions = health["dimensions"]
    rows = health["per_retro"]
    charts.append(Chart(
        "health", "Team health-check scores",
        line_chart("health", "Team health-check scores", [r["retro"] for r in rows], [
            Series(name, tuple(float(r["scores"][name]) if name in r["scores"] else None
                               for r in rows), PALETTE[i % len(PALETTE)])
            for i, name in enumerate(dimensions)
        ], y_label="score (1 to 5)", x_label="retro", top=5),
        ("retro", "date", *dimensions),
        tuple((r["retro"], r["date"], *(_cell(r["scores"].get(name)) for name in dimensions))
              for r in rows),
    ))
    charts += delivery_charts(data.get("delivery") or {})
    return charts


DELIVERY_CHARTS = ("deployments-per-week", "lead-time", "change-failure-rate")


def delivery_charts(delivery: dict[str, Any]) -> list[Chart]:
    """Deployments per week, lead time and change failure rate per month (issue 15); empty
    charts when the numbers cannot be computed (the page says why)."""
    available = bool(delivery.get("available"))
    weeks = delivery["deployment_frequency"]["weeks"] if available else []
    lead = delivery["lead_time_days"]["per_month"] if available else []
    failure = delivery["change_failure_rate"]["per_month"] if available else []
    return [
        Chart("deployments-per-week", "Deployments per week",
              bar_chart("deployments-per-week", "Deployments per week", [w["week"] for w in weeks],
                        [Series("deployments", tuple(float(w["deployments"]) for w in weeks),
                                PALETTE[0])], stacked=True, y_label="deployments",
                        x_label="ISO week"),
              ("week", "deployments"), tuple((w["week"], str(w["deployments"])) for w in weeks)),
        Chart("lead-time", "Lead time for changes (median per month)",
              line_chart("lead-time", "Lead time for changes (median per month)",
                         [m["month"] for m in lead],
                         [Series("median lead time", tuple(m["median"] for m in lead),
                                 PALETTE[2])], y_label="days", x_label="month of deployment"),
              ("month", "commits", "median (days)", "85th percentile (days)"),
              tuple((m["month"], str(m["commits"]), _days(m["median"]), _days(m["p85"]))
                    for m in lead)),
        Chart("change-failure-rate", "Change failure rate per month",
              bar_chart("change-failure-rate", "Change failure rate per month",
                        [m["month"] for m in failure],
                        [Series("failed deployments", tuple(_percent(m["rate"]) for m in failure),
                                PALETTE[3])], stacked=True, y_label="share of deployments",
                        x_label="month", unit="%", top=100),
              ("month", "deployments", "failed", "rate"),
              tuple((m["month"], str(m["deployments"]), str(m["failed"]), _cell(m["rate"]))
                    for m in failure)),
    ]


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)
