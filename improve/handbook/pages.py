"""The registry of generated pages: each has a path, a title and `render(site) -> Markdown`.

Other features add pages (a metrics page), sections of existing pages (a board view on the
action-items page) and markers (`<!-- improve:summary -->` in a hand-written page) here, without
touching the MkDocs plugin:

    from improve.handbook.pages import GeneratedPage, register, register_section

    register(GeneratedPage("metrics.md", "Metrics", render_metrics, nav_order=70))
    register_section("actions.md", render_board, order=50)

and add the module's name to PAGE_MODULES below, so that the plugin imports it (`load_pages()`).

Generated pages live at the top of the site. Their tables are finished HTML blocks
(`Site.blocks`, see `render.py`) linking documents by page address (`Site.url`); links in their
Markdown, such as the home-page summary's, are site paths (`rca/0001-x.md`), which MkDocs checks
and rewrites like any other link.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from improve.core.numbers.calendar import actions_calendar
from improve.core.numbers.index import NO_OWNER, IncidentRow
from improve.handbook.render import (
    EMPTY,
    badge,
    fmt_date,
    fmt_minutes,
    html_link,
    html_ref_link,
    html_table,
    id_html,
    item_status,
    link,
    md,
    md_list,
    nowrap_list,
    owner_text,
    ref_link,
    status_badge,
)
from improve.handbook.site import Site
from improve.model.vocabulary import SEVERITIES

Renderer = Callable[[Site], str]
MarkerRenderer = Callable[[Site, str], str]  # (site, the page's path) -> Markdown


@dataclass(frozen=True)
class GeneratedPage:
    """A page the handbook builds from the documents."""

    path: str
    title: str
    render: Renderer
    nav_order: int | None = None  # position in the navigation; None keeps it out of the nav
    nav_title: str | None = None
    kind: str | None = None  # the document kind this page indexes, if any
    wide: bool = False  # an index page: its tables get the width the table of contents took

    def source(self, site: Site) -> str:
        """The page's Markdown with its front matter and every registered section."""
        meta: dict[str, object] = {"title": self.title}
        if self.wide:
            meta["hide"] = ["toc"]
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=True)
        parts = [f"# {md(self.title)}\n", self.render(site)]
        for _order, _name, section in sorted(SECTIONS.get(self.path, []),
                                             key=lambda s: (s[0], s[1])):
            parts.append(section(site))
        return f"---\n{front}---\n\n" + "\n".join(p.rstrip("\n") + "\n" for p in parts if p)


# Modules of `improve.handbook` that register pages, sections or markers when imported.
PAGE_MODULES: tuple[str, ...] = ("metrics",)

PAGES: dict[str, GeneratedPage] = {}
SECTIONS: dict[str, list[tuple[int, str, Renderer]]] = {}
MARKERS: dict[str, MarkerRenderer] = {}
# Files other than pages (the metrics charts): site path -> render(site) -> bytes.
ASSETS: dict[str, Callable[[Site], bytes]] = {}


def register(page: GeneratedPage) -> GeneratedPage:
    """Add (or replace) a generated page."""
    PAGES[page.path] = page
    return page


def register_section(path: str, render: Renderer, *, order: int = 100) -> None:
    """Append a section to the generated page at `path` (sections sort by order, then name)."""
    entries = SECTIONS.setdefault(path, [])
    name = f"{render.__module__}.{render.__qualname__}"
    entries[:] = [e for e in entries if e[1] != name] + [(order, name, render)]


def register_marker(name: str, render: MarkerRenderer) -> None:
    """`<!-- improve:NAME -->` in any Markdown page is replaced by `render(site, page_path)`."""
    MARKERS[name] = render


def register_asset(path: str, render: Callable[[Site], bytes]) -> None:
    """A generated file (an SVG chart, say) at site path `path`, made by `render(site)`."""
    ASSETS[path] = render


def load_pages() -> dict[str, GeneratedPage]:
    """Import every module of PAGE_MODULES (once) and return the page registry."""
    for name in PAGE_MODULES:
        importlib.import_module(f"improve.handbook.{name}")
    return PAGES


def marker(name: str) -> str:
    return f"<!-- improve:{name} -->"


def pages_in_nav() -> list[GeneratedPage]:
    return sorted((p for p in PAGES.values() if p.nav_order is not None),
                  key=lambda p: (p.nav_order or 0, p.path))


def _prefix(page_path: str) -> str:
    """What to put before a site path to link to it from `page_path` (`../` per folder)."""
    return "../" * page_path.count("/")


# --- action items -----------------------------------------------------------------------------


def _doc_link(text: object, site: Site, doc_path: str) -> str:
    """A link from a generated page (at the top of the site) to a published document."""
    return html_link(md(text), site.url(doc_path))


def _id_link(ref: object, site: Site, doc_path: str) -> str:
    """A document's id (or an item's reference), linked, on one line."""
    return html_link(id_html(ref), site.url(doc_path))


def render_actions(site: Site) -> str:
    actions = site.index.actions
    today = site.today
    open_items = actions.open_items
    lines = [
        f"Open: **{len(open_items)}**, overdue: **{len(actions.overdue)}**, due within "
        f"{actions.soon_days} days: **{len(actions.due_soon)}** (as of {today.isoformat()}).",
        "",
        "## Open items",
        "",
        "By owner, most urgent first; sort by any column, or filter by owner or status.",
        "",
    ]
    rows = []
    for group in actions.by_owner:
        for item in group.items:
            doc = site.by_path[item.path]
            rows.append([_id_link(item.ref, site, doc.path), md(item.title) or EMPTY,
                         md(group.owner) if group.owner != NO_OWNER else "No owner",
                         fmt_date(item.due), item_status(item, today, actions.soon_days),
                         _doc_link(doc.title, site, doc.path)])
    lines.append(site.blocks.add(html_table(["Item", "Title", "Owner", "Due", "Status", "Source"],
                                            rows, empty="No open action items.",
                                            sortable=True, filters=(2, 4), wide=1)) + "\n")
    lines += ["## Recently done", ""]
    rows = []
    for item in actions.recently_done:
        rows.append([_id_link(item.ref, site, item.path), md(item.title) or EMPTY,
                     owner_text(item.owner), fmt_date(item.done_on),
                     _doc_link(site.by_path[item.path].title, site, item.path)])
    lines.append(site.blocks.add(html_table(
        ["Item", "Title", "Owner", "Done on", "Source"], rows,
        empty=f"Nothing done in the last {actions.recent_days} days.", sortable=True,
        filters=(2,), wide=1)) + "\n")
    return "\n".join(lines)


# --- decisions --------------------------------------------------------------------------------


def render_decisions(site: Site) -> str:
    rows = []
    for row in site.index.decisions:
        rows.append([_id_link(row.doc_id, site, row.path), _doc_link(row.title, site, row.path),
                     status_badge(row.status) or EMPTY, fmt_date(row.date),
                     ", ".join(html_ref_link(r, site) for r in row.supersedes) or EMPTY,
                     ", ".join(html_ref_link(r, site) for r in row.superseded_by) or EMPTY])
    parts = [site.blocks.add(html_table(
        ["Decision", "Title", "Status", "Date", "Supersedes", "Superseded by"], rows,
        empty="No decision records yet.", sortable=True, filters=(2,), wide=1)) + "\n"]
    parts.append("## Supersede chains\n")
    if site.index.chains:
        for chain in site.index.chains:
            parts.append("- " + " → ".join(ref_link(i, site, "") for i in chain))
        parts.append("")
    else:
        parts.append("No decision has been superseded.\n")
    return "\n".join(parts)


# --- incidents --------------------------------------------------------------------------------


def _escaped(row: IncidentRow) -> str:
    if row.escaped_defect is None:
        return EMPTY
    return badge("escaped", "escaped") if row.escaped_defect else "no"


def render_incidents(site: Site) -> str:
    rows = []
    for row in site.index.incidents:
        rows.append([fmt_date(row.day), _id_link(row.doc_id, site, row.path),
                     _doc_link(row.title, site, row.path),
                     badge(row.severity, row.severity) if row.severity else EMPTY,
                     nowrap_list(row.services),
                     fmt_minutes(row.ttd), fmt_minutes(row.ttr), _escaped(row),
                     status_badge(row.status) or EMPTY])
    parts = [site.blocks.add(html_table(
        ["Date", "Incident", "Title", "Severity", "Services", "Time to detect", "Time to resolve",
         "Escaped", "Status"], rows, empty="No incident reviews yet.", sortable=True,
        filters=(3, 4, 8), wide=2)) + "\n",
        "## Totals per quarter\n"]
    quarter_rows = [[q.quarter, str(q.incidents), *(str(n) for _s, n in q.by_severity),
                     str(q.escaped_defects)] for q in site.index.quarters]
    parts.append(site.blocks.add(html_table(
        ["Quarter", "Incidents", *SEVERITIES, "Escaped defects"],
        quarter_rows, empty="No incidents.")) + "\n")
    parts.append("Time to detect and time to resolve are counted from `started_at`.\n")
    return "\n".join(parts)


# --- runbooks ---------------------------------------------------------------------------------


def render_runbooks(site: Site) -> str:
    rows = []
    for row in site.index.runbooks:
        state = badge("stale", "stale") if row.stale else (badge("reviewed", "ok")
                                                            if row.next_review else EMPTY)
        rows.append([md(row.service) or EMPTY, _id_link(row.doc_id, site, row.path),
                     _doc_link(row.title, site, row.path),
                     nowrap_list(row.owners),
                     fmt_date(row.last_reviewed), fmt_date(row.next_review), state])
    stale = len(site.index.stale_runbooks)
    return (f"Stale runbooks (past their next review on {site.today.isoformat()}): "
            f"**{stale}**.\n\n"
            + site.blocks.add(html_table(
                ["Service", "Runbook", "Title", "Owners", "Last review", "Next review", "State"],
                rows, empty="No runbooks yet.", sortable=True, filters=(0, 3, 6), wide=2)) + "\n")


# --- retros -----------------------------------------------------------------------------------


def render_retros(site: Site) -> str:
    rows = []
    for row in site.index.retros:
        follow = f"{row.done}/{row.total}" if row.total else EMPTY
        impediments = "; ".join(f"{md(i.description)} ({md(i.status)})"
                                for i in row.open_impediments) or EMPTY
        rows.append([fmt_date(row.date), _id_link(row.doc_id, site, row.path),
                     _doc_link(row.title, site, row.path),
                     md(row.team) if row.team else EMPTY, follow, impediments])
    return site.blocks.add(html_table(
        ["Date", "Retro", "Title", "Team", "Follow-through (done/total)", "Open impediments"],
        rows, empty="No retrospectives yet.", sortable=True, filters=(3,), wide=2)) + "\n"


# --- tags -------------------------------------------------------------------------------------


def render_tags(site: Site) -> str:
    # Material's tags plugin replaces this marker with the list of tags and their pages.
    return "<!-- material/tags -->\n"


# --- the home-page summary --------------------------------------------------------------------


def render_summary(site: Site, page_path: str) -> str:
    """Open and overdue items, the latest incident and stale runbooks, for the home page."""
    prefix = _prefix(page_path)
    index = site.index
    actions = index.actions
    lines = [
        f"- **{len(actions.open_items)}** open action {_items(len(actions.open_items))}, "
        f"**{len(actions.overdue)}** overdue, **{len(actions.due_soon)}** due within "
        f"{actions.soon_days} days: [Action items]({prefix}actions.md)",
    ]
    latest = index.latest_incident
    if latest is not None:
        sev = badge(latest.severity, latest.severity) + " " if latest.severity else ""
        lines.append(f"- Latest incident: {sev}"
                     f"{link(f'{latest.doc_id}: {latest.title}', prefix + site.href(latest.path))}"
                     f" ({fmt_date(latest.day)}): [Incident log]({prefix}incidents.md)")
    else:
        lines.append(f"- No incidents recorded: [Incident log]({prefix}incidents.md)")
    stale = index.stale_runbooks
    if stale:
        names = ", ".join(link(r.doc_id, prefix + site.href(r.path)) for r in stale)
        lines.append(f"- **{len(stale)}** stale {'runbook' if len(stale) == 1 else 'runbooks'}: "
                     f"{names}: "
                     f"[Runbook catalog]({prefix}runbooks.md)")
    else:
        lines.append(f"- No stale runbooks: [Runbook catalog]({prefix}runbooks.md)")
    overdue = actions.overdue[:5]
    if overdue:
        lines += ["", "**Most overdue**", ""]
        lines.append(site.blocks.add(html_table(["Item", "Title", "Owner", "Due"], [
            [html_link(id_html(i.ref), site.url(i.path, page_path)),
             md(i.title) or EMPTY, owner_text(i.owner), fmt_date(i.due)]
            for i in sorted(overdue, key=lambda i: (i.due, i.ref))], wide=1)))
    return f'<span class="improve-summary-date">As of {site.today.isoformat()}</span>\n\n' + \
        "\n".join(lines) + "\n"


def _items(count: int) -> str:
    return "item" if count == 1 else "items"


def render_home(site: Site) -> str:
    """The home page when `docs/` has no index.md of its own."""
    return render_summary(site, "index.md")


DEFAULT_PAGES = (
    GeneratedPage("actions.md", "Action items", render_actions, nav_order=10, wide=True),
    GeneratedPage("retros.md", "Retrospectives", render_retros, nav_order=20, kind="retro", wide=True),
    GeneratedPage("incidents.md", "Incident log", render_incidents, nav_order=30, kind="rca", wide=True),
    GeneratedPage("runbooks.md", "Runbook catalog", render_runbooks, nav_order=40,
                  kind="runbook", wide=True),
    GeneratedPage("decisions.md", "Decision log", render_decisions, nav_order=50,
                  kind="decision", wide=True),
    GeneratedPage("tags.md", "Tags", render_tags, nav_order=90),
)
HOME_PAGE = GeneratedPage("index.md", "Handbook", render_home, nav_order=0)


# --- kinds a repository declares --------------------------------------------------------------


def catalog_pages(site: Site) -> list[GeneratedPage]:
    """A catalog page for each kind the repository declares (`[kinds.<name>]`): its documents,
    newest number first, with the front-matter fields its `catalog` names as columns. A page
    path a built-in page (or another kind) already has is skipped."""
    from improve.model.kinds import KINDS

    pages: list[GeneratedPage] = []
    taken = set(PAGES) | {HOME_PAGE.path}
    declared = [k for k in site.config.registry.values() if k.name not in KINDS]
    for order, kind in enumerate(declared):
        slug = "-".join("".join(c if c.isalnum() else " " for c in kind.plural.lower()).split())
        path = f"{slug or kind.name}.md"
        if path in taken:
            path = f"catalog-{kind.name}.md"
        taken.add(path)
        pages.append(GeneratedPage(path, kind.plural, _catalog_renderer(kind.name),
                                   nav_order=60 + order, kind=kind.name, wide=True))
    return pages


def _catalog_renderer(kind_name: str) -> Renderer:
    def render(site: Site) -> str:
        kind = site.config.registry[kind_name]
        columns = list(kind.catalog_columns)
        docs = sorted((d for d in site.documents if d.kind is kind),
                      key=lambda d: (-(d.number or 0), d.path))
        headers = ["Id", "Title", *(c.replace("_", " ").capitalize() for c in columns)]
        if kind.has_action_items:
            headers.append("Open items")
        rows = []
        for doc in docs:
            row = [_id_link(doc.id or doc.path, site, doc.path), _doc_link(doc.title, site, doc.path),
                   *(md_list(doc.meta.get(column)) for column in columns)]
            if kind.has_action_items:
                row.append(str(sum(1 for item in doc.action_items if item.is_open)))
            rows.append(row)
        return site.blocks.add(html_table(headers, rows, empty=f"No {kind.plural.lower()} yet.",
                                          sortable=True, wide=1)) + "\n"

    return render

for _page in DEFAULT_PAGES:
    register(_page)
# Open action items' due dates as a calendar feed to subscribe to (published items only).
register_asset("actions.ics", lambda site: actions_calendar(site.index.actions.items, site.today,
                                                            name="Action items"))
register_marker("summary", render_summary)
