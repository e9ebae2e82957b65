"""The handbook's Metrics page (charts drawn at build time) and the action-items board view.

The numbers are those of `improve metrics --format json` for the published documents (the same
`core.metrics.compute`, with git history read once per build). Each chart is a static SVG file
under `assets/improve/charts/` (no script, no CDN), followed by a table carrying the same numbers
as its text alternative. Registered through the page registry of `handbook/pages.py`.
"""

from __future__ import annotations

from typing import Any

from improve.core.git.history import load_history
from improve.core.numbers.actions import order_key
from improve.core.numbers.charts import DELIVERY_CHARTS, Chart, metric_charts
from improve.core.numbers.metrics import Distribution, MetricsJson, compute
from improve.handbook.pages import GeneratedPage, register, register_asset, register_section
from improve.handbook.render import (
    EMPTY,
    badge,
    fmt_date,
    html_link,
    html_table,
    id_html,
    md,
    owner_text,
)
from improve.handbook.site import Site
from improve.model.items import ActionItem

CHART_FOLDER = "assets/improve/charts"

_CACHE: dict[int, tuple[Site, MetricsJson, list[Chart]]] = {}


def site_metrics(site: Site) -> tuple[MetricsJson, list[Chart]]:
    """The metrics json and charts of one build, computed once (git history read once)."""
    cached = _CACHE.get(id(site))
    if cached is not None and cached[0] is site:
        return cached[1], cached[2]
    known = {doc.parsed.text: doc.parsed for doc in site.documents if doc.parsed.text}
    data = compute(site.documents, site.config, site.today,
                   history=load_history(site.config, known=known)).to_json()
    from improve.core.numbers import dora
    data["delivery"] = dora.compute(site.config, [d for d in site.documents
                                                  if d.parsed.ok]).to_json()
    charts = metric_charts(data)
    _CACHE.clear()  # one build at a time; the previous build's site is not kept alive
    _CACHE[id(site)] = (site, data, charts)
    return data, charts


def chart_path(slug: str) -> str:
    return f"{CHART_FOLDER}/{slug}.svg"


def _cell(value: Any) -> str:
    return EMPTY if value is None else md(value)


def _dist(figure: Distribution) -> str:
    return f"{_cell(figure['median'])} / {_cell(figure['p85'])} (n={figure['count']})"


def _table(site: Site, headers: list[str], rows: list[list[str]], *, empty: str = "") -> str:
    return site.blocks.add(html_table(headers, rows, empty=empty)) + "\n"


def render_metrics(site: Site) -> str:
    data, charts = site_metrics(site)
    items = data["action_items"]
    incidents = data["incidents"]
    runbooks = data["runbooks"]
    impediments = data["impediments"]
    parts = [f"As of {site.today.isoformat()}; the same numbers as `improve metrics`. Medians and "
             "85th percentiles use the nearest-rank method; months are in the "
             f"{md(data['timezone'])} time zone.\n"]
    parts.extend(f'!!! note "Dates"\n    {md(note)}\n' for note in data["notes"])
    slips = items["due_date_slips"]
    parts.append("## Key figures\n")
    parts.append(_table(site, ["Figure", "Value"], [
        ["Open action items (overdue)", f"{items['open'] + items['in_progress']} "
                                        f"({items['overdue']})"],
        ["Lead time, opened to done, days: median / 85th percentile", _dist(items["lead_time_days"])],
        ["Age of open items, days: median / 85th percentile", _dist(items["open_age_days"])],
        ["Due-date slips", EMPTY if slips is None else f"{slips['total']} on {slips['items']} items"],
        ["Incidents (escaped defects)", f"{incidents['total']} ({incidents['escaped_defects']})"],
        ["Time to detect, minutes: median / 85th percentile",
         _dist(incidents["time_to_detect_minutes"])],
        ["Time to mitigate, minutes: median / 85th percentile",
         _dist(incidents["time_to_mitigate_minutes"])],
        ["Time to resolve, minutes: median / 85th percentile",
         _dist(incidents["time_to_resolve_minutes"])],
        ["Runbooks reviewed within their period",
         f"{runbooks['reviewed_within_period']} of {runbooks['total']}"],
        ["Impediments open / escalated / resolved",
         f"{impediments['open']} / {impediments['escalated']} / {impediments['resolved']}"],
    ]))
    for chart in charts:
        if chart.slug not in DELIVERY_CHARTS:  # those go with the delivery figures below
            parts += _chart(site, chart, "##")
    parts += _delivery_section(site, data["delivery"])
    if data["delivery"].get("available"):
        for chart in (c for c in charts if c.slug in DELIVERY_CHARTS):
            parts += _chart(site, chart, "###")
    themes = incidents["recurring_themes"]
    parts.append("## Recurring themes\n")
    parts.append(_table(site, ["Contributing factors, services and tags", "Incidents"], [
        [f"{md(name.replace('_', ' '))}: {md(row['name'])}", str(row["count"])]
        for name in ("contributing_factors", "services", "tags") for row in themes[name]
        if row["count"] > 1
    ], empty="No theme occurs in more than one incident."))
    return "\n".join(parts)


def _chart(site: Site, chart: Chart, heading: str) -> list[str]:
    """A chart under its heading, then the table of its numbers (its text alternative)."""
    alt = md(f"{chart.title}; the table below lists the same numbers")
    return [f"{heading} {md(chart.title)}\n", f"![{alt}]({chart_path(chart.slug)})\n",
            _table(site, [md(h) for h in chart.header],
                   [[md(c) for c in row] for row in chart.rows], empty="No data yet.")]


def _delivery_section(site: Site, delivery: dict[str, Any]) -> list[str]:
    """The DORA figures with their bands and definitions (the charts follow in the chart list)."""
    parts = ["## Delivery (DORA)\n"]
    if not delivery.get("available"):
        return [*parts, f"Cannot be computed: {md(delivery.get('why', ''))}.\n"]
    rows = [("Lead time for changes, days: median / 85th percentile", "lead_time_days",
             f"{_cell(delivery['lead_time_days']['median'])} / "
             f"{_cell(delivery['lead_time_days']['p85'])}"),
            ("Deployments per week", "deployment_frequency",
             _cell(delivery["deployment_frequency"]["per_week"])),
            ("Change failure rate", "change_failure_rate",
             f"{delivery['change_failure_rate']['failed']} of {delivery['deployments']}"),
            ("Failed deployment recovery time, hours (median)",
             "failed_deployment_recovery_hours",
             _cell(delivery["failed_deployment_recovery_hours"]["median"])),
            ("Rework rate", "rework_rate", _cell(delivery["rework_rate"]["rate"]))]
    parts.append(_table(site, ["Figure", "Value", "Band", "Definition"], [
        [label, value, _cell(delivery[key].get("band")), md(delivery[key]["definition"])]
        for label, key, value in rows]))
    parts.append(f"Bands: {md(delivery['bands_source'])}.\n")
    return parts


def _chart_asset(slug: str) -> Any:
    def render(site: Site) -> bytes:
        _data, charts = site_metrics(site)
        return next(c.svg for c in charts if c.slug == slug).encode("utf-8")

    render.__qualname__ = f"chart_{slug.replace('-', '_')}"
    return render


# --- the action-items board -------------------------------------------------------------------


def _card(item: ActionItem, site: Site) -> str:
    """One item as a card: its reference and title linked, owner, due date or done date, and
    whether it is overdue (said in words, not only by colour)."""
    overdue = item.is_overdue(site.today)
    if item.status == "done":
        when = f"done {fmt_date(item.done_on)}" if item.done_on else "done"
    else:
        when = f"due {fmt_date(item.due)}" if item.due else "no due date"
    state = " " + badge("overdue", "overdue") if overdue else ""
    css = "improve-card improve-card--overdue" if overdue else "improve-card"
    return (f'<li class="{css}">'
            f"{html_link(id_html(item.ref), site.url(item.path))}"
            f'<span class="improve-card__title">{md(item.title) or EMPTY}</span>'
            f'<span class="improve-card__meta"><span>{owner_text(item.owner)}</span>'
            f"<span>{when}</span>{state}</span></li>")


def render_board(site: Site) -> str:
    """Open, in progress and recently done items as columns of cards, most urgent first."""
    actions = site.index.actions
    columns = [
        ("Open", sorted((i for i in actions.items if i.status == "open"),
                        key=lambda i: order_key(i, site.today))),
        ("In progress", sorted((i for i in actions.items if i.status == "in-progress"),
                               key=lambda i: order_key(i, site.today))),
        (f"Done in the last {actions.recent_days} days", list(actions.recently_done)),
    ]
    if not any(items for _name, items in columns):
        return "## Board\n\nNo action items.\n"
    html = ['<div class="improve-board">']
    for name, items in columns:
        cards = "".join(_card(i, site) for i in items) or '<li class="improve-card">None.</li>'
        html.append(f'<section class="improve-board__column"><h3>{md(name)} ({len(items)})</h3>'
                    f"<ul>{cards}</ul></section>")
    html.append("</div>")
    return "## Board\n\n" + site.blocks.add("".join(html)) + "\n"


register(GeneratedPage("metrics.md", "Metrics", render_metrics, nav_order=70))
register_section("actions.md", render_board, order=50)
for _slug in ("incidents-per-month", "time-to-resolve", "follow-through", "open-items", "health",
              *DELIVERY_CHARTS):
    register_asset(chart_path(_slug), _chart_asset(_slug))
