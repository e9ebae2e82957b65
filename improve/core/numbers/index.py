"""Derived data behind the handbook's indexes, the CLI and the metrics: plain values, no HTML.

Everything here is a pure function of published documents, the config and today's date, sorted
so that the output never depends on file-system order or the hash seed. The handbook renders it;
`improve actions` and `improve metrics` can reuse it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from improve.core.read.clock import shift
from improve.core.read.config import Config
from improve.core.read.document import Document, as_date, as_datetime
from improve.model.items import ActionItem
from improve.model.kinds import INCIDENT, RETROSPECTIVE, REVIEW_CYCLE, SUPERSEDE_CHAIN
from improve.model.vocabulary import SEVERITIES

DEFAULT_DUE_SOON_DAYS = 14
DEFAULT_RECENT_DONE_DAYS = 30
OPEN_IMPEDIMENTS = ("open", "escalated")
NO_OWNER = ""

def minutes_between(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    """Whole minutes from `start` to `end` (floored); None when either is missing or end < start."""
    if start is None or end is None or end < start:
        return None
    return int((end - start).total_seconds() // 60)


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


# --- action items -----------------------------------------------------------------------------


def owner_of(item: ActionItem, config: Config) -> str:
    """The roster handle of an item's owner, else the name as written, else NO_OWNER."""
    if not item.owner or not item.owner.strip():
        return NO_OWNER
    return config.canonical_person(item.owner) or item.owner.strip()


def urgency(item: ActionItem, today: dt.date, soon_days: int = DEFAULT_DUE_SOON_DAYS) -> str:
    """`overdue`, `due-soon` (within `soon_days`), `later` or `no-due` for an open item."""
    if item.due is None:
        return "no-due"
    if item.due < today:
        return "overdue"
    if item.due <= shift(today, soon_days):
        return "due-soon"
    return "later"


_URGENCY_ORDER = {"overdue": 0, "due-soon": 1, "later": 2, "no-due": 3}


def open_order(item: ActionItem, today: dt.date,
               soon_days: int = DEFAULT_DUE_SOON_DAYS) -> tuple[int, dt.date, str, str]:
    """Overdue first, then due within `soon_days`, then by due date, then by reference."""
    return (_URGENCY_ORDER[urgency(item, today, soon_days)], item.due or dt.date.max,
            item.doc_id, f"{len(item.item_id):03d}{item.item_id}")


@dataclass(frozen=True)
class OwnerGroup:
    owner: str  # roster handle or name; NO_OWNER for unassigned items
    items: tuple[ActionItem, ...]


@dataclass(frozen=True)
class ActionIndex:
    """Every action item of the published retros and RCAs, arranged for the action-items page."""

    today: dt.date
    soon_days: int
    recent_days: int
    items: tuple[ActionItem, ...]
    by_owner: tuple[OwnerGroup, ...]
    recently_done: tuple[ActionItem, ...]

    @property
    def open_items(self) -> list[ActionItem]:
        return [i for i in self.items if i.is_open]

    @property
    def overdue(self) -> list[ActionItem]:
        return sorted((i for i in self.items if i.is_overdue(self.today)),
                      key=lambda i: open_order(i, self.today, self.soon_days))

    @property
    def due_soon(self) -> list[ActionItem]:
        return sorted((i for i in self.open_items
                       if urgency(i, self.today, self.soon_days) == "due-soon"),
                      key=lambda i: open_order(i, self.today, self.soon_days))

    def urgency(self, item: ActionItem) -> str:
        return urgency(item, self.today, self.soon_days)


def action_index(documents: Sequence[Document], config: Config, today: dt.date, *,
                 soon_days: int = DEFAULT_DUE_SOON_DAYS,
                 recent_days: int = DEFAULT_RECENT_DONE_DAYS) -> ActionIndex:
    items = sorted((item for doc in documents for item in doc.action_items),
                   key=lambda i: (i.doc_id, len(i.item_id), i.item_id))
    groups: dict[str, list[ActionItem]] = {}
    for item in items:
        if item.is_open:
            groups.setdefault(owner_of(item, config), []).append(item)
    # Named owners alphabetically (case-insensitive), unassigned work last.
    by_owner = tuple(
        OwnerGroup(owner, tuple(sorted(group, key=lambda i: open_order(i, today, soon_days))))
        for owner, group in sorted(groups.items(), key=lambda kv: (kv[0] == NO_OWNER,
                                                                   kv[0].casefold(), kv[0]))
    )
    since = shift(today, -recent_days)
    recent = sorted(
        (i for i in items if i.status == "done" and i.done_on is not None
         and since <= i.done_on <= today),
        key=lambda i: (-i.done_on.toordinal() if i.done_on else 0, i.doc_id, i.item_id),
    )
    return ActionIndex(today=today, soon_days=soon_days, recent_days=recent_days,
                       items=tuple(items), by_owner=by_owner, recently_done=tuple(recent))


# --- decisions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionRow:
    doc_id: str
    number: int
    title: str
    path: str
    status: str | None
    date: dt.date | None
    supersedes: tuple[str, ...]
    superseded_by: tuple[str, ...]


def decision_log(documents: Sequence[Document]) -> list[DecisionRow]:
    """Every published decision by number."""
    rows = [
        DecisionRow(doc_id=doc.id or doc.path, number=doc.number or 0, title=doc.title,
                    path=doc.path, status=doc.status, date=doc.date,
                    supersedes=tuple(doc.strings("supersedes")),
                    superseded_by=tuple(doc.strings("superseded_by")))
        for doc in documents if doc.kind.has(SUPERSEDE_CHAIN)
    ]
    return sorted(rows, key=lambda r: (r.number, r.doc_id, r.path))


def decision_chains(rows: Sequence[DecisionRow]) -> list[tuple[str, ...]]:
    """Supersede chains (two or more decisions linked by supersedes/superseded_by), oldest first.

    Links to decisions that are not published are ignored, so a chain never names a hidden one.
    """
    known = {r.doc_id: r for r in rows}
    neighbours: dict[str, set[str]] = {r.doc_id: set() for r in rows}
    for row in rows:
        for other in (*row.supersedes, *row.superseded_by):
            if other in known and other != row.doc_id:
                neighbours[row.doc_id].add(other)
                neighbours[other].add(row.doc_id)
    seen: set[str] = set()
    chains: list[tuple[str, ...]] = []
    for row in rows:  # rows are sorted by number, so chains come out in order of their oldest
        if row.doc_id in seen or not neighbours[row.doc_id]:
            continue
        component: set[str] = set()
        stack = [row.doc_id]
        while stack:
            current = stack.pop()
            if current in component:
                continue
            component.add(current)
            stack.extend(sorted(neighbours[current] - component))
        seen |= component
        chains.append(tuple(sorted(component, key=lambda i: (known[i].number, i))))
    return chains


# --- incidents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentRow:
    doc_id: str
    title: str
    path: str
    status: str | None
    severity: str | None
    services: tuple[str, ...]
    started_at: dt.datetime | None
    day: dt.date | None  # the incident's start in the configured zone, else the document date
    ttd: int | None  # minutes from started_at to detected_at
    ttm: int | None  # minutes from started_at to mitigated_at
    ttr: int | None  # minutes from started_at to resolved_at
    escaped_defect: bool | None

    @property
    def quarter(self) -> str | None:
        return quarter_of(self.day) if self.day else None


def incident_day(doc: Document, config: Config) -> dt.date | None:
    """The day an incident counts on (the incident log, the metrics): its start in the
    configured zone, else the document's `date`."""
    return doc.local_day(config.timezone, "started_at") or doc.date


def incident_row(doc: Document, config: Config) -> IncidentRow:
    meta = doc.meta
    started = as_datetime(meta.get("started_at"))
    day = incident_day(doc, config)
    escaped = meta.get("escaped_defect")
    severity = meta.get("severity")
    return IncidentRow(
        doc_id=doc.id or doc.path, title=doc.title, path=doc.path, status=doc.status,
        severity=severity if isinstance(severity, str) else None,
        services=tuple(doc.strings("services")),
        started_at=started, day=day,
        ttd=minutes_between(started, as_datetime(meta.get("detected_at"))),
        ttm=minutes_between(started, as_datetime(meta.get("mitigated_at"))),
        ttr=minutes_between(started, as_datetime(meta.get("resolved_at"))),
        escaped_defect=escaped if isinstance(escaped, bool) else None,
    )


def incident_log(documents: Sequence[Document], config: Config) -> list[IncidentRow]:
    """Published RCAs, newest first (by start, then id)."""
    rows = [incident_row(d, config) for d in documents if d.kind.has(INCIDENT)]
    return sorted(rows, key=lambda r: (-(r.day or dt.date.min).toordinal(),
                                       -(r.started_at.timestamp() if r.started_at else 0.0),
                                       r.doc_id))


@dataclass(frozen=True)
class QuarterTotals:
    quarter: str
    incidents: int
    by_severity: tuple[tuple[str, int], ...]  # every severity of SEVERITIES, in order
    escaped_defects: int

    def count(self, severity: str) -> int:
        return dict(self.by_severity).get(severity, 0)


def totals_per_quarter(rows: Sequence[IncidentRow]) -> list[QuarterTotals]:
    """Incident counts per quarter (newest first); incidents without any date are left out."""
    buckets: dict[str, list[IncidentRow]] = {}
    for row in rows:
        if row.quarter:
            buckets.setdefault(row.quarter, []).append(row)
    return [
        QuarterTotals(
            quarter=quarter, incidents=len(group),
            by_severity=tuple((s, sum(1 for r in group if r.severity == s)) for s in SEVERITIES),
            escaped_defects=sum(1 for r in group if r.escaped_defect),
        )
        for quarter, group in sorted(buckets.items(), reverse=True)
    ]


# --- runbooks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunbookRow:
    service: str
    doc_id: str
    title: str
    path: str
    owners: tuple[str, ...]
    last_reviewed: dt.date | None
    next_review: dt.date | None
    stale: bool


def runbook_catalog(documents: Sequence[Document], config: Config,
                    today: dt.date) -> list[RunbookRow]:
    """One row per runbook and service it covers, by service then title; stale = review overdue."""
    rows: list[RunbookRow] = []
    for doc in documents:
        if not doc.kind.has(REVIEW_CYCLE):
            continue
        services = list(dict.fromkeys([*doc.strings("service"), *doc.strings("services")]))
        due = doc.next_review(config.review_every_days)
        for service in services or [""]:
            rows.append(RunbookRow(
                service=service, doc_id=doc.id or doc.path, title=doc.title, path=doc.path,
                owners=tuple(doc.strings("owners")),
                last_reviewed=as_date(doc.meta.get("last_reviewed")),
                next_review=due, stale=due is not None and due < today,
            ))
    return sorted(rows, key=lambda r: (r.service == "", r.service.casefold(), r.service,
                                       r.title.casefold(), r.doc_id))


# --- retros -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Impediment:
    description: str
    status: str
    raised_on: dt.date | None
    escalated_to: str | None


@dataclass(frozen=True)
class RetroRow:
    doc_id: str
    title: str
    path: str
    team: str | None
    date: dt.date | None
    done: int
    dropped: int
    total: int
    open_impediments: tuple[Impediment, ...] = field(default=())

    @property
    def follow_through(self) -> float | None:
        """Share of the retro's action items that are done (None without items)."""
        return self.done / self.total if self.total else None


def open_impediments(doc: Document) -> tuple[Impediment, ...]:
    raw = doc.meta.get("impediments")
    found: list[Impediment] = []
    if isinstance(raw, list):
        for entry in raw:
            if not isinstance(entry, dict):
                continue
            status = entry.get("status")
            if status not in OPEN_IMPEDIMENTS:
                continue
            escalated = entry.get("escalated_to")
            found.append(Impediment(
                description=str(entry.get("description", "")), status=str(status),
                raised_on=as_date(entry.get("raised_on")),
                escalated_to=escalated if isinstance(escalated, str) else None,
            ))
    return tuple(found)


def retro_history(documents: Sequence[Document]) -> list[RetroRow]:
    """Published retros, newest first, with the follow-through of their own action items."""
    rows = []
    for doc in documents:
        if not doc.kind.has(RETROSPECTIVE):
            continue
        items = doc.action_items
        team = doc.meta.get("team")
        rows.append(RetroRow(
            doc_id=doc.id or doc.path, title=doc.title, path=doc.path,
            team=team if isinstance(team, str) else None, date=doc.date,
            done=sum(1 for i in items if i.status == "done"),
            dropped=sum(1 for i in items if i.status == "dropped"),
            total=len(items), open_impediments=open_impediments(doc),
        ))
    return sorted(rows, key=lambda r: (-(r.date or dt.date.min).toordinal(), r.doc_id))


# --- everything at once -----------------------------------------------------------------------


@dataclass(frozen=True)
class HandbookIndex:
    """All derived views of one set of published documents, computed once per build."""

    today: dt.date
    actions: ActionIndex
    decisions: tuple[DecisionRow, ...]
    chains: tuple[tuple[str, ...], ...]
    incidents: tuple[IncidentRow, ...]
    quarters: tuple[QuarterTotals, ...]
    runbooks: tuple[RunbookRow, ...]
    retros: tuple[RetroRow, ...]

    @property
    def latest_incident(self) -> IncidentRow | None:
        return self.incidents[0] if self.incidents else None

    @property
    def stale_runbooks(self) -> list[RunbookRow]:
        """Each stale runbook once (the catalog lists a runbook once per service)."""
        seen: dict[str, RunbookRow] = {}
        for row in self.runbooks:
            if row.stale:
                seen.setdefault(row.path, row)
        return sorted(seen.values(), key=lambda r: (r.next_review or dt.date.min, r.doc_id))


def build_index(documents: Sequence[Document], config: Config, today: dt.date, *,
                soon_days: int | None = None, recent_days: int | None = None) -> HandbookIndex:
    """The handbook's derived data from already-published documents (see `published`)."""
    site = config.site
    soon = soon_days or site.due_soon_days or DEFAULT_DUE_SOON_DAYS
    recent = recent_days or site.recent_done_days or DEFAULT_RECENT_DONE_DAYS
    docs = sorted(documents, key=lambda d: d.path)
    decisions = decision_log(docs)
    incidents = incident_log(docs, config)
    return HandbookIndex(
        today=today,
        actions=action_index(docs, config, today, soon_days=soon, recent_days=recent),
        decisions=tuple(decisions),
        chains=tuple(decision_chains(decisions)),
        incidents=tuple(incidents),
        quarters=tuple(totals_per_quarter(incidents)),
        runbooks=tuple(runbook_catalog(docs, config, today)),
        retros=tuple(retro_history(docs)),
    )
