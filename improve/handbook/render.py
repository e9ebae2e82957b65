"""Markdown and HTML for the handbook: escaping, badges, tables and the header of every page.

Every user string goes through `md()` (Markdown text, also safe as HTML text) or `html_text()`
(HTML text or attribute) before it reaches a page: a title holding `<script>`, `|`, `*` or a
backtick shows literally, breaks no table and runs nothing. Links are built from paths and
checked URLs only.

Headers and index tables are finished HTML (`html_table`, `html_link`) put in the Markdown as
blocks (`Site.blocks`): Python-Markdown would otherwise run its inline patterns over every cell,
which was most of a large handbook's build time. Their links are final page addresses
(`Site.url`), since MkDocs rewrites only the links of Markdown.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from improve.core.numbers.index import (
    DEFAULT_DUE_SOON_DAYS,
    incident_row,
    open_impediments,
    urgency,
)
from improve.core.out import mdtext
from improve.core.read.clock import in_zone, zone
from improve.core.read.document import Document, as_date, as_datetime
from improve.handbook.site import Site
from improve.model.items import ActionItem
from improve.model.kinds import INCIDENT, RETROSPECTIVE, REVIEW_CYCLE, SUPERSEDE_CHAIN, SUPERSEDED

EMPTY = "—"
# User strings as inert Markdown (and HTML) text: improve.core.out.mdtext is their one home.
md = mdtext.text
_one_line = mdtext.one_line
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`|\\^{}]+$", re.IGNORECASE)
_CSS_TOKEN = re.compile(r"[^a-z0-9-]+")


def html_text(value: object) -> str:
    """A user string as HTML text or attribute value, on one line."""
    return html.escape(_one_line(value), quote=True)


def css_token(value: object) -> str:
    """A class-name fragment from a user value (`in-progress`, `sev1`); never breaks out."""
    return _CSS_TOKEN.sub("-", str(value).lower()).strip("-") or "unknown"


def badge(label: object, variant: object) -> str:
    """An inline badge; the variant picks its colour in the plugin's stylesheet."""
    return (f'<span class="improve-badge improve-badge--{css_token(variant)}">'
            f"{md(label)}</span>")


def link(text: object, href: str) -> str:
    """A Markdown link; `href` must come from `Site.href` or `url_path` (already quoted)."""
    return f"[{md(text)}]({href})"


def id_html(ref: object) -> str:
    """A document id or item reference as the handbook shows it: never broken over lines."""
    return f'<span class="improve-id">{md(ref)}</span>'


def html_link(text: str, href: str) -> str:
    """An HTML link: `text` is escaped HTML, `href` comes from `Site.url` or a checked URL."""
    return f'<a href="{html.escape(href, quote=True)}">{text}</a>'


def html_external_link(url: object, text: str = "link") -> str:
    """A tracker link when `url` is a plain http(s) URL; anything else is shown as inert text."""
    if not isinstance(url, str) or not url.strip():
        return EMPTY
    url = url.strip()
    if not _SAFE_URL.match(url):
        return html_text(url)
    return html_link(html_text(text), quote(url, safe=":/?#@!$&+,;=%~-._"))


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str = "",
               labels: bool = False, sortable: bool = False,
               filters: Sequence[int] = (), wide: int | None = None) -> str:
    """An HTML table as the theme styles Markdown's (no class); headers and cells must already
    be escaped HTML, an empty cell shows a dash. With no rows, `empty` (a sentence, escaped
    here) as a paragraph, or nothing. With `labels`, the first cell of each row is a bold label.
    A `sortable` table gets sort buttons and a filter bar from the handbook's script
    (`assets/tables.js`), with a list for each column of `filters`; without the script it is
    complete as it is. Every cell carries its column's name, which a phone shows beside it.
    The `wide` column (a title) gets room before the others wrap it.

    No white space between the tags, and a space ending every cell instead: the search index
    still sees the cells' words apart, and Material's search parser (which calls back for every
    text between two tags) reads a large handbook's tables in half the time. Browsers do not
    show a cell's trailing space."""
    names = [html.escape(html.unescape(_TAG.sub("", h)), quote=True) for h in headers]
    body = []
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells for {len(headers)} columns")
        cells = "".join(_cell(name, c, wide=n == wide)
                        for n, (name, c) in enumerate(zip(names, row, strict=True)))
        if labels:  # a class rather than <strong>: one element less per row to parse
            cells = '<td class="improve-label"' + cells[len('<td'):].removeprefix(
                ' class="improve-nowrap"')
        body.append(f"<tr>{cells}</tr>")
    if not body:
        return f"<p>{html_text(empty)}</p>" if empty else ""
    head = "".join(f"<th>{h} </th>" for h in headers)
    marks = " data-improve-table"
    if sortable:
        marks += " data-improve-sort"
        if filters:
            marks += f' data-improve-filters="{",".join(str(int(i)) for i in filters)}"'
    return (f"<table{marks}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            "</table>")


_TAG = re.compile(r"<[^>]*>")


def _cell(name: str, content: str, *, wide: bool = False) -> str:
    """A cell with its column's name; one word (a date, an id, a service) never wraps."""
    if not content.strip():
        content = EMPTY
    one_word = " " not in _TAG.sub("", content).strip()
    css = ' class="improve-nowrap"' if one_word else (' class="improve-wide"' if wide else "")
    return f'<td{css} data-label="{name}">{content} </td>'


def nowrap_list(value: Any) -> str:
    """Several short values (services, owners), each kept on one line."""
    return ", ".join(f'<span class="improve-nowrap">{md(v)}</span>'
                     for v in texts(value)) or EMPTY


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str = "") -> str:
    """A Markdown table; each cell must already be escaped. With no rows, `empty` (a sentence)."""
    body = []
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells for {len(headers)} columns")
        cells = []
        for cell in row:
            if "\n" in cell:
                raise ValueError("table cells must be on one line")
            cells.append(cell if cell.strip() else EMPTY)
        body.append("| " + " | ".join(cells) + " |")
    if not body:
        return f"{empty}\n" if empty else ""
    head = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return "\n".join(head + body) + "\n"


def fmt_date(value: dt.date | None) -> str:
    return value.isoformat() if value else EMPTY


def fmt_minutes(minutes: int | None) -> str:
    """`45 min`, `2 h 05 min`, `3 d 4 h`; an em dash when unknown."""
    if minutes is None:
        return EMPTY
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if not mins else f"{days} d {hours} h {mins:02d} min"


def fmt_moment(value: object, timezone: str) -> str:
    """An ISO timestamp shown in the configured zone; anything unparsable shown as written."""
    moment = as_datetime(value)
    if moment is None:
        return md(value) if value is not None else EMPTY
    local = in_zone(moment, zone(timezone))
    if local is None:  # at the edge of the calendar: as written
        return md(value)
    return md(local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or ""))


def texts(value: Any) -> list[str]:
    """The scalar strings of a front-matter value (a string, a number or a list of them)."""
    values = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in values
            if isinstance(v, str | int | float) and not isinstance(v, bool) and str(v).strip()]


def md_list(value: Any) -> str:
    return ", ".join(md(v) for v in texts(value)) or EMPTY


def html_items(value: Any) -> str:
    """Several values as a bulleted list (sentences such as root causes), one as text."""
    values = texts(value)
    if len(values) < 2:
        return md_list(values)
    return "<ul>\n" + "".join(f"<li>{md(v)}</li>\n" for v in values) + "</ul>"


def ref_link(ref: str, site: Site, from_src: str) -> str:
    """An id or item reference, linked to its published document; plain text otherwise."""
    target = site.resolve(ref)
    if target is None:
        return md(ref)
    return link(ref, site.href(target.path, from_src))


def ref_links(value: Any, site: Site, from_src: str) -> str:
    return ", ".join(ref_link(v, site, from_src) for v in texts(value)) or EMPTY


def html_ref_link(ref: str, site: Site, from_src: str = "") -> str:
    """`ref_link` for HTML: linked to the published document's page address."""
    target = site.resolve(ref)
    if target is None:
        return md(ref)
    return html_link(md(ref), site.url(target.path, from_src))


def html_ref_links(value: Any, site: Site, from_src: str) -> str:
    return ", ".join(html_ref_link(v, site, from_src) for v in texts(value)) or EMPTY


def status_badge(status: object) -> str:
    return badge(status, f"status-{status}") if status else ""


def item_status(item: ActionItem, today: dt.date, soon_days: int = DEFAULT_DUE_SOON_DAYS) -> str:
    """The status badge of an item, plus `overdue` or `due soon` for open work."""
    cell = status_badge(item.status)
    if item.is_open:
        state = urgency(item, today, soon_days)
        if state == "overdue":
            cell += " " + badge("overdue", "overdue")
        elif state == "due-soon":
            cell += " " + badge("due soon", "due-soon")
    return cell


def owner_text(owner: str | None) -> str:
    return md(owner) if owner else EMPTY


# --- the header of a document page ------------------------------------------------------------


def header(doc: Document, site: Site) -> str:
    """What a reader of a document's page sees first, under its title: badges, a banner when a
    decision is superseded, and a short card of its facts. Finished HTML (`site.blocks`), left
    out of the search index, whose snippets then start with the document's own text."""
    src = site.src_uri(doc)
    blocks = [_badges(doc, site)]
    if doc.kind.has(SUPERSEDE_CHAIN) and (doc.kind.in_role(doc.status, SUPERSEDED)
                                          or doc.meta.get("superseded_by")):
        blocks.append(_superseded_banner(doc, site, src))
    blocks.append(fact_card(_details(doc, site, src)))
    return site.blocks.add("\n".join(b for b in blocks if b), searchable=False) + "\n"


def footer(doc: Document, site: Site) -> str:
    """What follows a document's body: an incident's timeline, the action items with their
    state, a retro's impediments and its follow-through on the previous retro's items."""
    parts: list[str] = []
    src = site.src_uri(doc)
    if doc.kind.has(INCIDENT):
        timeline = timeline_list(doc, site)
        if timeline:
            parts += ["## Timeline", site.blocks.add(timeline)]
    if doc.kind.has_action_items:
        parts += ["## Action items", site.blocks.add(action_items_table(doc, site))]
    if doc.kind.has(RETROSPECTIVE):
        impediments = _impediments_table(doc)
        if impediments:
            parts += ["## Impediments", site.blocks.add(impediments)]
        previous = site.previous_retro(doc)
        if previous is not None and previous.action_items:
            done = sum(1 for i in previous.action_items if i.status == "done")
            link_to = html_link(md(previous.id or previous.title), site.url(previous.path, src))
            parts += ["## Follow-through on the previous retro",
                      site.blocks.add(f"<p>{done} of {len(previous.action_items)} action items "
                                      f"of {link_to} done.</p>"
                                      + action_items_table(previous, site, from_src=src))]
    return "\n\n".join(parts) + ("\n" if parts else "")


# Facts that are sentences or long lists take the card's whole width.
_WIDE_FACTS = frozenset({"Trigger", "Caused by", "Root causes", "Health", "Participants",
                         "Supersede chain", "Contributing factors", "Alerts"})


def fact_card(facts: Sequence[tuple[str, str]]) -> str:
    """Facts as a description list the stylesheet lays out as a card; empty ones left out."""
    items = []
    for label, value in facts:
        if not value or value == EMPTY:
            continue
        wide = ' class="improve-fact--wide"' if label in _WIDE_FACTS else ""
        items.append(f"<div{wide}><dt>{html_text(label)}</dt><dd>{value}</dd></div>")
    return f'<dl class="improve-facts">{"".join(items)}</dl>' if items else ""


def _badges(doc: Document, site: Site) -> str:
    meta = doc.meta
    badges = [badge(doc.id or doc.path, "id")]
    if doc.status:
        badges.append(status_badge(doc.status))
    if doc.kind.has(INCIDENT):
        severity = meta.get("severity")
        if isinstance(severity, str):
            badges.append(badge(severity, severity))
        if meta.get("escaped_defect") is True:
            badges.append(badge("escaped defect", "escaped"))
    if doc.kind.has(REVIEW_CYCLE):
        due = doc.next_review(site.config.review_every_days)
        if due is not None:
            badges.append(badge("stale", "stale") if due < site.today else badge("reviewed", "ok"))
    overdue = [i for i in doc.action_items if i.is_overdue(site.today)]
    if overdue:
        badges.append(badge(f"{len(overdue)} overdue", "overdue"))
    return '<p><span class="improve-badges">' + " ".join(badges) + "</span></p>"


def _superseded_banner(doc: Document, site: Site, src: str) -> str:
    successors = texts(doc.meta.get("superseded_by"))
    if successors:
        names = []
        for ref in successors:
            target = site.resolve(ref)
            if target is None:
                names.append(md(ref))
            else:
                names.append(html_link(md(f"{ref}: {target.title}"), site.url(target.path, src)))
        text = "This decision is superseded by " + ", ".join(names) + "."
    else:
        text = "This decision is superseded."
    # What the admonition extension makes of `!!! warning "Superseded"`.
    return ('<div class="admonition warning">\n<p class="admonition-title">Superseded</p>\n'
            f"<p>{text}</p>\n</div>")


def _people(doc: Document) -> tuple[str, str]:
    label = "Owners" if doc.kind.people_field == "owners" else "Authors"
    return label, md_list(doc.meta.get(doc.kind.people_field))


def _details(doc: Document, site: Site, src: str) -> list[tuple[str, str]]:
    meta = doc.meta
    rows: list[tuple[str, str]] = []
    kind = doc.kind
    if not kind.has(REVIEW_CYCLE) or meta.get("date"):
        rows.append(("Date", fmt_date(doc.date) if doc.date else md_list(meta.get("date"))))
    if kind.has(RETROSPECTIVE):
        period = meta.get("period")
        if isinstance(period, dict):
            rows.append(("Period", f"{md_list(period.get('start'))} to {md_list(period.get('end'))}"))
        rows += [("Team", md_list(meta.get("team"))), ("Sprint", md_list(meta.get("sprint"))),
                 ("Format", md_list(meta.get("format"))),
                 ("Facilitator", md_list(meta.get("facilitator"))),
                 ("Participants", md_list(meta.get("participants")))]
        items = doc.action_items
        if items:
            done = sum(1 for i in items if i.status == "done")
            rows.append(("Follow-through", f"{done} of {len(items)} action items done"))
        rows.append(("Carried over", html_ref_links(meta.get("carried_over"), site, src)))
        health = meta.get("health")
        if isinstance(health, dict):
            rows.append(("Health", health_scores(health)))
    elif kind.has(INCIDENT):
        row = incident_row(doc, site.config)
        # The started, detected, mitigated and resolved moments are marked on the timeline.
        rows += [("Services", md_list(meta.get("services"))),
                 ("Time to detect", fmt_minutes(row.ttd)),
                 ("Time to mitigate", fmt_minutes(row.ttm)),
                 ("Time to resolve", fmt_minutes(row.ttr)),
                 ("Detection", md_list(meta.get("detection"))),
                 ("Trigger", html_items(meta.get("trigger"))),
                 ("Caused by", md_list(meta.get("caused_by"))),
                 ("Root causes", html_items(meta.get("root_causes"))),
                 ("Contributing factors", md_list(meta.get("contributing_factors"))),
                 ("Runbooks used", html_ref_links(meta.get("runbooks"), site, src)),
                 ("Reviewed by", md_list(meta.get("reviewed_by")))]
    elif kind.has(REVIEW_CYCLE):
        due = doc.next_review(site.config.review_every_days)
        services = [*texts(meta.get("service")), *texts(meta.get("services"))]
        rows += [("Services", ", ".join(md(s) for s in dict.fromkeys(services)) or EMPTY),
                 ("Last reviewed", fmt_date(as_date(meta.get("last_reviewed")))),
                 ("Next review", (fmt_date(due) + (" " + badge("stale", "stale")
                                                   if due and due < site.today else ""))
                  if due else EMPTY),
                 ("Alerts", md_list(meta.get("alerts"))),
                 ("Covers", md_list(meta.get("covers")))]
    elif kind.has(SUPERSEDE_CHAIN):
        rows += [("Decision makers", md_list(meta.get("decision-makers"))),
                 ("Consulted", md_list(meta.get("consulted"))),
                 ("Informed", md_list(meta.get("informed"))),
                 ("Supersedes", html_ref_links(meta.get("supersedes"), site, src)),
                 ("Superseded by", html_ref_links(meta.get("superseded_by"), site, src)),
                 ("Supersede chain", _chain(doc, site, src))]
    # A declared kind's own fields, as its catalog shows them.
    rows += [(column.replace("_", " ").capitalize(), md_list(meta.get(column)))
             for column in doc.kind.catalog_columns if column not in ("date", doc.kind.people_field)]
    rows.append(_people(doc))
    rows.append(("Related", html_ref_links(meta.get("related"), site, src)))
    return rows


def _chain(doc: Document, site: Site, src: str) -> str:
    """The whole supersede chain a decision belongs to, oldest first, itself in bold."""
    chain = site.chain_of(doc.id) if doc.id else None
    if not chain:
        return EMPTY
    return " → ".join(f"<strong>{md(ref)}</strong>" if ref == doc.id
                      else html_ref_link(ref, site, src) for ref in chain)


def action_items_table(doc: Document, site: Site, *, from_src: str | None = None) -> str:
    soon = site.index.actions.soon_days
    # Columns without data are not shown (issue 14): no Type column when no item has a type,
    # no Tracker column when no item links one.
    with_type = doc.kind.has(INCIDENT) and any(item.type for item in doc.action_items)
    with_link = any(item.link for item in doc.action_items)
    headers = ["Item", "Title", "Owner", "Due", "Status", *(["Type"] if with_type else []),
               *(["Tracker"] if with_link else [])]
    rows = []
    for item in doc.action_items:
        item_id = (id_html(item.item_id) if from_src is None
                   else html_link(id_html(item.ref), site.url(doc.path, from_src)))
        title = md(item.title) or EMPTY
        if item.status == "dropped" and item.reason:
            title += f' <span class="improve-reason">(dropped: {md(item.reason)})</span>'
        rows.append([item_id, title, owner_text(item.owner),
                     fmt_date(item.due), item_status(item, site.today, soon),
                     *([md(item.type) if item.type else EMPTY] if with_type else []),
                     *([html_external_link(item.link, "tracker")] if with_link else [])])
    return html_table(headers, rows, empty="No action items.")


def _impediments_table(doc: Document) -> str:
    raw = doc.meta.get("impediments")
    if not isinstance(raw, list):
        return ""
    rows = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        rows.append([md_list(entry.get("description")), md_list(entry.get("raised_on")),
                     status_badge(entry.get("status")) if isinstance(entry.get("status"), str)
                     else EMPTY,
                     md_list(entry.get("escalated_to")), md_list(entry.get("resolved_on"))])
    return html_table(["Impediment", "Raised", "Status", "Escalated to", "Resolved"], rows)


# The moments of an incident marked on its timeline, in the order they happen.
_MARKS = (("started_at", "started"), ("detected_at", "detected"), ("mitigated_at", "mitigated"),
          ("resolved_at", "resolved"))


def timeline_list(doc: Document, site: Site) -> str:
    """An incident's timeline as a timeline: its entries in time order, each with its time, and
    the started, detected, mitigated and resolved moments marked (on the entry at that time,
    or as an entry of their own)."""
    tz = site.config.timezone
    entries: list[tuple[float, int, str, list[str]]] = []
    raw = doc.meta.get("timeline")
    for index, entry in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(entry, dict):
            moment = as_datetime(entry.get("at"))
            entries.append((moment.timestamp() if moment else float("inf"), index,
                            _time(entry.get("at"), tz) + md_list(entry.get("event")), []))
    for field_name, mark in _MARKS:
        moment = as_datetime(doc.meta.get(field_name))
        if moment is None:
            continue
        at = moment.timestamp()
        same = next((e for e in entries if e[0] == at), None)
        if same is not None:
            same[3].append(mark)
        else:
            entries.append((at, -1, _time(doc.meta.get(field_name), tz)
                            + f"Incident {mark}", [mark]))
    if not entries:
        return ""
    items = []
    for _at, _index, text, marks in sorted(entries, key=lambda e: (e[0], e[1])):
        badges = "".join(" " + badge(m, f"mark-{m}") for m in marks)
        css = f' class="improve-timeline__mark improve-timeline__mark--{marks[-1]}"' if marks else ""
        items.append(f"<li{css}>{text}{badges}</li>")
    return f'<ol class="improve-timeline">{"".join(items)}</ol>'


def _time(value: object, timezone: str) -> str:
    moment = as_datetime(value)
    shown = fmt_moment(value, timezone)
    if moment is None:
        return f'<span class="improve-time">{shown}</span> '
    return (f'<time class="improve-time" datetime="{html_text(moment.isoformat())}">'
            f"{shown}</time> ")


def health_scores(health: dict[Any, Any]) -> str:
    """A retro's health checks as short bars: `flow 3/5`."""
    scores = []
    for name, value in sorted(health.items(), key=lambda kv: str(kv[0])):
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None or not 0 <= number <= 5:
            scores.append(f'<span class="improve-health">{md(name)}: {md(value)}</span>')
            continue
        width = round(number * 20)
        scores.append(f'<span class="improve-health">{md(name)} '
                      f'<span class="improve-health__bar" aria-hidden="true">'
                      f'<span style="width: {width}%"></span></span> {md(value)}/5</span>')
    return " ".join(scores)


def impediments_summary(doc: Document) -> str:
    """Open impediments of a retro as one cell: `description (status)`, separated by `;`."""
    return "; ".join(f"{md(i.description)} ({md(i.status)})" for i in open_impediments(doc))


def redirect_page(url: str, title: str) -> str:
    """A static page that sends a browser from a renumbered document's old address to its new one."""
    href = html.escape(url, quote=True)
    name = html_text(title)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Moved: {name}</title>\n"
            f'<meta http-equiv="refresh" content="0; url={href}">\n'
            f'<link rel="canonical" href="{href}">\n'
            '<meta name="robots" content="noindex">\n</head>\n<body>\n'
            f'<p>This document was renumbered: <a href="{href}">{name}</a>.</p>\n'
            "</body>\n</html>\n")
