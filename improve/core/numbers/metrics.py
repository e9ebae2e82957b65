"""The team's numbers: follow-through, incidents, runbooks, decisions, impediments, health.

Every figure is a pure function of the documents, git history (core/history.py), the config and
today; the definitions are the README's ("## Metrics"), and each has a stable key in the json.

- Durations of incidents are whole minutes (floored) from `started_at`; item and impediment
  durations are whole days.
- Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the value at
  rank ceil(p * n / 100). The median is the 50th percentile, so it is always a value that
  occurred (with an even count, the lower of the two middle values).
- Months and quarters are those of the configured time zone.
- `since`/`until` keep the records whose own date falls in the window (inclusive): an action
  item's opened date, an incident's start, a retro's, decision's or impediment's date. Runbook
  review is a state as of today. `team`/`service` filter every figure.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from improve.core.git.history import History, ItemHistory
from improve.core.numbers.index import incident_day, minutes_between, quarter_of
from improve.core.read.config import Config
from improve.core.read.document import Document, as_date, as_datetime
from improve.model.items import ActionItem
from improve.model.kinds import INCIDENT, KINDS, RETROSPECTIVE, REVIEW_CYCLE, SUPERSEDE_CHAIN
from improve.model.vocabulary import SEVERITIES
from improve.model.words import plural

# The decision log's statuses, as the kinds registry declares them (one source, issue 12).
DECISION_STATUSES = next(k.statuses for k in KINDS.values() if k.has(SUPERSEDE_CHAIN))
IMPEDIMENT_STATUSES = ("open", "escalated", "resolved")
THEME_FIELDS = ("contributing_factors", "services", "tags")


@dataclass(frozen=True)
class Scope:
    """Which records count: a date window and a team or service."""

    since: dt.date | None = None
    until: dt.date | None = None
    team: str | None = None
    service: str | None = None

    def in_window(self, day: dt.date | None) -> bool:
        if self.since is None and self.until is None:
            return True
        if day is None:
            return False
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


# --- the shape of the result: typed, so that mypy sees a renamed or misspelt key ---------------


class Distribution(TypedDict):
    count: int
    median: int | None
    p85: int | None


class DueDateSlips(TypedDict):
    total: int
    items: int
    by_item: dict[str, int]


class ActionItemFigures(TypedDict):
    total: int
    open: int
    in_progress: int
    done: int
    dropped: int
    overdue: int
    lead_time_days: Distribution
    open_age_days: Distribution
    due_date_slips: DueDateSlips | None
    reopened: int | None
    follow_through_per_retro: list[dict[str, Any]]
    follow_through_per_quarter: list[dict[str, Any]]
    open_over_time: list[dict[str, Any]]


class IncidentFigures(TypedDict):
    total: int
    escaped_defects: int
    by_severity: dict[str, int]
    per_month: list[dict[str, Any]]
    time_to_detect_minutes: Distribution
    time_to_mitigate_minutes: Distribution
    time_to_resolve_minutes: Distribution
    recurring_themes: dict[str, list[dict[str, Any]]]


class RunbookFigures(TypedDict):
    total: int
    reviewed_within_period: int
    stale: int
    share_reviewed: float | None


class DecisionFigures(TypedDict):
    total: int
    by_status: dict[str, int]


class ImpedimentFigures(TypedDict):
    total: int
    open: int
    escalated: int
    resolved: int
    days_to_resolve: Distribution
    open_age_days: Distribution


class HealthFigures(TypedDict):
    dimensions: list[str]
    per_retro: list[dict[str, Any]]


class MetricsData(TypedDict, total=False):
    """The sections `compute` fills (`--part delivery` fills only `delivery`)."""

    action_items: ActionItemFigures
    incidents: IncidentFigures
    runbooks: RunbookFigures
    decisions: DecisionFigures
    impediments: ImpedimentFigures
    health: HealthFigures
    delivery: dict[str, Any]  # improve.core.numbers.dora.Delivery.to_json()


class MetricsJson(MetricsData):
    """`improve metrics --format json`: the scope, then the sections."""

    today: str
    timezone: str
    since: str | None
    until: str | None
    team: str | None
    service: str | None
    notes: list[str]


@dataclass(frozen=True)
class ItemDates:
    """An item's dates after "documents win, then git, then the document's own date"."""

    item: ActionItem
    opened: dt.date | None
    done: dt.date | None
    slips: int | None
    reopened: int | None
    spans: tuple[tuple[dt.date, dt.date | None], ...]


@dataclass
class Metrics:
    """Every number, as plain data; `to_json` gives the stable keys."""

    today: dt.date
    scope: Scope
    timezone: str
    notes: list[str] = field(default_factory=list)
    data: MetricsData = field(default_factory=lambda: MetricsData())

    def to_json(self) -> MetricsJson:
        scope = {
            "today": self.today.isoformat(),
            "timezone": self.timezone,
            "since": self.scope.since.isoformat() if self.scope.since else None,
            "until": self.scope.until.isoformat() if self.scope.until else None,
            "team": self.scope.team,
            "service": self.scope.service,
            "notes": list(self.notes),
        }
        return cast(MetricsJson, {**scope, **self.data})


# --- definitions --------------------------------------------------------------------------------


def percentile(values: Sequence[int], p: int) -> int | None:
    """The p-th percentile by the nearest-rank method (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))  # ceil(p * n / 100) in integers
    return ordered[rank - 1]


def distribution(values: Sequence[int]) -> Distribution:
    """`count`, `median` (50th percentile) and `p85` of some durations."""
    return {"count": len(values), "median": percentile(values, 50), "p85": percentile(values, 85)}


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- which documents count ----------------------------------------------------------------------


def _people(doc: Document) -> list[str]:
    names: list[str] = []
    for key in ("authors", "owners", "decision-makers", "facilitator", "participants"):
        names.extend(doc.strings(key))
    return names


def teams_of(doc: Document, config: Config) -> set[str]:
    """A document's team: its `team` field, else the roster teams of the people named in it."""
    team = doc.meta.get("team")
    if isinstance(team, str) and team.strip():
        return {team.strip().casefold()}
    found = set()
    for name in _people(doc):
        handle = config.canonical_person(name)
        person = config.roster.get(handle) if handle else None
        if person is not None and person.team:
            found.add(person.team.casefold())
    return found


def services_of(doc: Document) -> set[str]:
    return {s.casefold() for s in (*doc.strings("service"), *doc.strings("services"))}


def in_scope(doc: Document, config: Config, scope: Scope) -> bool:
    """Team and service filters (the date window applies per record)."""
    if scope.team is not None and scope.team.casefold() not in teams_of(doc, config):
        return False
    return scope.service is None or scope.service.casefold() in services_of(doc)


# --- dates of items: documents win, then git, then the document's own date ----------------------


def item_dates(item: ActionItem, doc: Document, history: History | None) -> ItemDates:
    """Opened and done dates of an item, with the rule "a date written in the document wins".

    Opened: `opened_on`; else, for an item that came with the document's first commit, the
    document's `date`; else the commit that added the item; else (no history) the document's
    `date`. Done: `done_on`; else the last commit where the status became done.
    """
    record: ItemHistory | None = history.items.get(item.ref) if history else None
    if item.opened_on is not None:
        opened: dt.date | None = item.opened_on
    elif record is not None and not (record.with_document and doc.date is not None):
        opened = record.opened
    else:
        opened = doc.date or (history.created_on(doc.id, doc.path) if history else None)
    done: dt.date | None = None
    if item.status == "done":
        done = item.done_on or (record.done if record is not None else None)
    spans = _spans(item, record, opened, done)
    return ItemDates(item=item, opened=opened, done=done,
                     slips=record.slips if record else (0 if history and history.available else None),
                     reopened=record.reopened if record else (
                         0 if history and history.available else None),
                     spans=spans)


def _spans(item: ActionItem, record: ItemHistory | None, opened: dt.date | None,
           done: dt.date | None) -> tuple[tuple[dt.date, dt.date | None], ...]:
    """The periods an item was open, git's periods adjusted to the dates the document states."""
    spans: list[tuple[dt.date, dt.date | None]]
    if record is not None and record.spans:
        spans = list(record.spans)
    elif opened is not None:
        spans = [(opened, None)]
    else:
        return ()
    if opened is not None:
        first_end = spans[0][1]
        spans[0] = (opened, first_end if first_end is None or first_end >= opened else opened)
    if item.is_open:
        if spans[-1][1] is not None:  # the working tree reopened it since the last commit
            spans.append((max(spans[-1][1], opened or spans[-1][1]), None))
    else:
        end = done if item.status == "done" else None
        last_start, last_end = spans[-1]
        end = end or last_end
        if end is None:
            return tuple(spans[:-1])  # closed, but nobody can say when: leave its last span out
        spans[-1] = (last_start, max(end, last_start))
    return tuple(spans)


# --- the numbers --------------------------------------------------------------------------------


def compute(documents: Iterable[Document], config: Config, today: dt.date, *,
            scope: Scope | None = None, history: History | None = None) -> Metrics:
    """Every metric for `documents` (already chosen for publication by the caller)."""
    scope = scope or Scope()
    docs = sorted((d for d in documents if d.parsed.ok and in_scope(d, config, scope)),
                  key=lambda d: d.path)
    result = Metrics(today=today, scope=scope, timezone=config.timezone)
    if history is not None and history.note:
        result.notes.append(history.note)
    if history is None:
        result.notes.append("git history not read: dates come from the documents only")
    dated = [item_dates(item, doc, history) for doc in docs for item in doc.action_items]
    result.data["action_items"] = _action_items(dated, docs, today, scope, history)
    result.data["incidents"] = _incidents(docs, config, scope)
    result.data["runbooks"] = _runbooks(docs, config, today)
    result.data["decisions"] = _decisions(docs, scope)
    result.data["impediments"] = _impediments(docs, today, scope)
    result.data["health"] = _health(docs, scope)
    return result


def _action_items(dated: Sequence[ItemDates], docs: Sequence[Document], today: dt.date,
                  scope: Scope, history: History | None) -> ActionItemFigures:
    chosen = [d for d in dated if scope.in_window(d.opened)]
    items = [d.item for d in chosen]
    lead = [(d.done - d.opened).days for d in chosen
            if d.done is not None and d.opened is not None and d.done >= d.opened]
    ages = [(today - d.opened).days for d in chosen
            if d.item.is_open and d.opened is not None and d.opened <= today]
    with_history = history is not None and history.available
    slips = {d.item.ref: d.slips for d in chosen if d.slips}
    per_retro = _per_retro(dated, docs, scope)
    return {
        "total": len(items),
        "open": sum(1 for i in items if i.status == "open"),
        "in_progress": sum(1 for i in items if i.status == "in-progress"),
        "done": sum(1 for i in items if i.status == "done"),
        "dropped": sum(1 for i in items if i.status == "dropped"),
        "overdue": sum(1 for i in items if i.is_overdue(today)),
        "lead_time_days": distribution(lead),
        "open_age_days": distribution(ages),
        "due_date_slips": {
            "total": sum(slips.values()),
            "items": len(slips),
            "by_item": dict(sorted(slips.items())),
        } if with_history else None,
        "reopened": sum(d.reopened or 0 for d in chosen) if with_history else None,
        "follow_through_per_retro": per_retro,
        "follow_through_per_quarter": _per_quarter(per_retro),
        "open_over_time": _open_over_time(dated, scope),
    }


def _next_of_team(retros: Sequence[Document]) -> list[Document | None]:
    """For each retro (sorted by date), the first later one of the same team: one pass from
    the end, not a scan of the later retros for each (quadratic in a large handbook)."""
    nearest: dict[Any, Document] = {}
    found: list[Document | None] = [None] * len(retros)
    for position in range(len(retros) - 1, -1, -1):
        team = retros[position].meta.get("team")
        try:
            found[position] = nearest.get(team)
            nearest[team] = retros[position]
        except TypeError:  # an unhashable team (a list) can only equal another list
            found[position] = next((r for r in retros[position + 1:]
                                    if r.meta.get("team") == team), None)
    return found


def _per_retro(dated: Sequence[ItemDates], docs: Sequence[Document],
               scope: Scope) -> list[dict[str, Any]]:
    """Each retro's own items: done at all, and done by the team's next retro (by date)."""
    retros = sorted((d for d in docs if d.kind.has(RETROSPECTIVE) and d.id and d.date),
                    key=lambda d: (d.date or dt.date.min, d.number or 0, d.path))
    by_ref = {d.item.ref: d for d in dated}
    following = _next_of_team(retros)
    rows: list[dict[str, Any]] = []
    for position, retro in enumerate(retros):
        assert retro.date is not None
        team = retro.meta.get("team")
        nxt = following[position]
        if not scope.in_window(retro.date):
            continue
        items = [by_ref[i.ref] for i in retro.action_items if i.ref in by_ref]
        done = sum(1 for d in items if d.item.status == "done")
        by_next = None
        if nxt is not None:
            assert nxt.date is not None
            by_next = sum(1 for d in items if d.done is not None and d.done <= nxt.date)
        rows.append({
            "retro": retro.id,
            "date": retro.date.isoformat(),
            "quarter": quarter_of(retro.date),
            "team": team if isinstance(team, str) else None,
            "items": len(items),
            "done": done,
            "rate_done": _ratio(done, len(items)),
            "next_retro": nxt.id if nxt else None,
            "done_by_next_retro": by_next,
            "rate_by_next_retro": _ratio(by_next, len(items)) if by_next is not None else None,
        })
    return rows


def _per_quarter(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    quarters: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        quarters.setdefault(row["quarter"], []).append(row)
    result = []
    for quarter, group in sorted(quarters.items()):
        items = sum(r["items"] for r in group)
        done = sum(r["done"] for r in group)
        measured = sum(r["items"] for r in group if r["done_by_next_retro"] is not None)
        by_next = sum(r["done_by_next_retro"] or 0 for r in group)
        result.append({
            "quarter": quarter,
            "retros": len(group),
            "items": items,
            "done": done,
            "rate_done": _ratio(done, items),
            "measured": measured,
            "done_by_next_retro": by_next,
            "rate_by_next_retro": _ratio(by_next, measured),
        })
    return result


def _open_over_time(dated: Sequence[ItemDates], scope: Scope) -> list[dict[str, Any]]:
    """The number of open items at the end of each day on which it changed."""
    changes: Counter[dt.date] = Counter()
    for d in dated:
        for start, end in d.spans:
            changes[start] += 1
            if end is not None:
                changes[end] -= 1
    points = []
    running = 0
    for day in sorted(changes):
        running += changes[day]
        if changes[day] and scope.in_window(day):
            points.append({"date": day.isoformat(), "open": running})
    return points


def _months(first: dt.date, last: dt.date) -> list[str]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _incidents(docs: Sequence[Document], config: Config, scope: Scope) -> IncidentFigures:
    rcas = [(incident_day(d, config), d) for d in docs if d.kind.has(INCIDENT)]
    rcas = [(day, d) for day, d in rcas if scope.in_window(day)]
    durations: dict[str, list[int]] = {"detect": [], "mitigate": [], "resolve": []}
    per_month: dict[str, dict[str, Any]] = {}
    resolve_by_month: dict[str, list[int]] = {}
    themes: dict[str, Counter[str]] = {name: Counter() for name in THEME_FIELDS}
    for day, doc in rcas:
        meta = doc.meta
        started = as_datetime(meta.get("started_at"))
        for name, key in (("detect", "detected_at"), ("mitigate", "mitigated_at"),
                          ("resolve", "resolved_at")):
            minutes = minutes_between(started, as_datetime(meta.get(key)))
            if minutes is not None:
                durations[name].append(minutes)
                if name == "resolve" and day is not None:
                    resolve_by_month.setdefault(month_of(day), []).append(minutes)
        for name in THEME_FIELDS:
            themes[name].update(dict.fromkeys(doc.strings(name), 1))
        if day is None:
            continue
        row = per_month.setdefault(month_of(day), _empty_month(month_of(day)))
        row["total"] += 1
        severity = meta.get("severity")
        if severity in SEVERITIES:
            row["by_severity"][severity] += 1
        if meta.get("escaped_defect") is True:
            row["escaped_defects"] += 1
    days = sorted(day for day, _doc in rcas if day is not None)
    months = []
    if days:
        first = scope.since if scope.since else days[0]
        last = scope.until if scope.until else days[-1]
        for month in _months(min(first, days[0]), max(last, days[-1])):
            row = per_month.get(month) or _empty_month(month)
            row["time_to_resolve_median_minutes"] = percentile(resolve_by_month.get(month, []), 50)
            months.append(row)
    return {
        "total": len(rcas),
        "escaped_defects": sum(1 for _day, d in rcas if d.meta.get("escaped_defect") is True),
        "by_severity": {s: sum(1 for _day, d in rcas if d.meta.get("severity") == s)
                        for s in SEVERITIES},
        "per_month": months,
        "time_to_detect_minutes": distribution(durations["detect"]),
        "time_to_mitigate_minutes": distribution(durations["mitigate"]),
        "time_to_resolve_minutes": distribution(durations["resolve"]),
        "recurring_themes": {
            name: [{"name": key, "count": count}
                   for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
            for name, counter in themes.items()
        },
    }


def _empty_month(month: str) -> dict[str, Any]:
    return {"month": month, "total": 0, "by_severity": dict.fromkeys(SEVERITIES, 0),
            "escaped_defects": 0, "time_to_resolve_median_minutes": None}


def _runbooks(docs: Sequence[Document], config: Config, today: dt.date) -> RunbookFigures:

    runbooks = [d for d in docs if d.kind.has(REVIEW_CYCLE)]
    reviewed = sum(1 for d in runbooks
                   if (due := d.next_review(config.review_every_days)) is not None and due >= today)
    return {
        "total": len(runbooks),
        "reviewed_within_period": reviewed,
        "stale": len(runbooks) - reviewed,
        "share_reviewed": _ratio(reviewed, len(runbooks)),
    }


def _decisions(docs: Sequence[Document], scope: Scope) -> DecisionFigures:
    decisions = [d for d in docs if d.kind.has(SUPERSEDE_CHAIN) and scope.in_window(d.date)]
    by_status = {s: sum(1 for d in decisions if d.status == s) for s in DECISION_STATUSES}
    return {"total": len(decisions), "by_status": by_status}


def _impediments(docs: Sequence[Document], today: dt.date, scope: Scope) -> ImpedimentFigures:
    found: list[dict[str, Any]] = []
    for doc in docs:
        raw = doc.meta.get("impediments") if doc.kind.has(RETROSPECTIVE) else None
        if not isinstance(raw, list):
            continue
        for entry in raw:
            if isinstance(entry, dict) and scope.in_window(as_date(entry.get("raised_on"))):
                found.append(entry)
    resolved_days = []
    open_days = []
    for entry in found:
        raised = as_date(entry.get("raised_on"))
        resolved = as_date(entry.get("resolved_on"))
        if raised is None:
            continue
        if entry.get("status") == "resolved":
            if resolved is not None and resolved >= raised:
                resolved_days.append((resolved - raised).days)
        elif raised <= today:
            open_days.append((today - raised).days)
    counts = {s: sum(1 for e in found if e.get("status") == s) for s in IMPEDIMENT_STATUSES}
    return {
        "total": len(found),
        "open": counts["open"],
        "escalated": counts["escalated"],
        "resolved": counts["resolved"],
        "days_to_resolve": distribution(resolved_days),
        "open_age_days": distribution(open_days),
    }


def _health(docs: Sequence[Document], scope: Scope) -> HealthFigures:
    rows: list[dict[str, Any]] = []
    for doc in sorted((d for d in docs if d.kind.has(RETROSPECTIVE) and d.date),
                      key=lambda d: (d.date or dt.date.min, d.number or 0)):
        scores = doc.meta.get("health")
        if not isinstance(scores, dict) or not scope.in_window(doc.date):
            continue
        # Scores outside the schema's 1 to 5 are lint errors, and left out of the numbers and
        # charts (a huge one overflowed the chart's arithmetic: issue 11).
        clean = {str(k): v for k, v in sorted(scores.items())
                 if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5}
        if clean:
            assert doc.date is not None
            team = doc.meta.get("team")
            rows.append({"retro": doc.id, "date": doc.date.isoformat(),
                         "team": team if isinstance(team, str) else None, "scores": clean})
    names = sorted({name for row in rows for name in row["scores"]})
    return {"dimensions": names, "per_retro": rows}


# --- rendering ----------------------------------------------------------------------------------


def to_json_text(metrics: Metrics) -> str:
    return json.dumps(metrics.to_json(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value}{unit}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


def _dist(d: Distribution, unit: str) -> str:
    return f"median {_fmt(d['median'], unit)}, 85th percentile {_fmt(d['p85'], unit)} (n={d['count']})"


def to_text(metrics: Metrics) -> str:
    data = metrics.to_json()
    if "action_items" not in data:  # `--part delivery`
        return "\n".join(_delivery_text(data.get("delivery"))).lstrip("\n") + "\n"
    items = data["action_items"]
    incidents = data["incidents"]
    lines = []
    scope = [f"today {data['today']}"]
    for key in ("since", "until", "team", "service"):
        if data[key]:
            scope.append(f"{key} {data[key]}")
    lines.append("Metrics (" + ", ".join(scope) + ")")
    lines.extend(f"note: {note}" for note in data["notes"])
    lines.append("")
    lines.append("Action items")
    lines.append(f"  {items['total']} items: {items['open']} open, {items['in_progress']} in "
                 f"progress, {items['done']} done, {items['dropped']} dropped; "
                 f"{items['overdue']} overdue")
    lines.append(f"  lead time (opened to done): {_dist(items['lead_time_days'], ' days')}")
    lines.append(f"  age of open items: {_dist(items['open_age_days'], ' days')}")
    slips = items["due_date_slips"]
    lines.append("  due-date slips: " + ("- (no git history)" if slips is None else
                                         f"{plural(slips['total'], 'slip')} on "
                                         f"{plural(slips['items'], 'item')}"))
    for row in items["follow_through_per_retro"]:
        lines.append(f"  {row['retro']} ({row['date']}): {row['done']}/{row['items']} done "
                     f"({_pct(row['rate_done'])}), by the next retro "
                     f"{_fmt(row['done_by_next_retro'])} ({_pct(row['rate_by_next_retro'])})")
    for row in items["follow_through_per_quarter"]:
        lines.append(f"  {row['quarter']}: {row['done']}/{row['items']} done "
                     f"({_pct(row['rate_done'])}), by the next retro {row['done_by_next_retro']}/"
                     f"{row['measured']} ({_pct(row['rate_by_next_retro'])})")
    lines.append("")
    lines.append("Incidents")
    lines.append(f"  {plural(incidents['total'], 'incident')}, "
                 f"{plural(incidents['escaped_defects'], 'escaped defect')}")
    for row in incidents["per_month"]:
        sev = ", ".join(f"{k} {v}" for k, v in row["by_severity"].items() if v)
        lines.append(f"  {row['month']}: {row['total']}" + (f" ({sev})" if sev else "")
                     + (f", {row['escaped_defects']} escaped" if row["escaped_defects"] else ""))
    for label, figure in (("time to detect", incidents["time_to_detect_minutes"]),
                          ("time to mitigate", incidents["time_to_mitigate_minutes"]),
                          ("time to resolve", incidents["time_to_resolve_minutes"])):
        lines.append(f"  {label}: {_dist(figure, ' min')}")
    for name, rows in incidents["recurring_themes"].items():
        top = ", ".join(f"{r['name']} ({r['count']})" for r in rows[:5])
        lines.append(f"  most frequent {name.replace('_', ' ')}: {top or '-'}")
    runbooks = data["runbooks"]
    lines.append("")
    lines.append(f"Runbooks: {runbooks['reviewed_within_period']} of {runbooks['total']} reviewed "
                 f"within their period ({_pct(runbooks['share_reviewed'])})")
    decisions = data["decisions"]
    statuses = ", ".join(f"{k} {v}" for k, v in decisions["by_status"].items())
    lines.append(f"Decisions: {decisions['total']} ({statuses})")
    imp = data["impediments"]
    lines.append(f"Impediments: {imp['open']} open, {imp['escalated']} escalated, "
                 f"{imp['resolved']} resolved; days to resolve: "
                 f"{_dist(imp['days_to_resolve'], ' days')}")
    lines += _health_text(data["health"])
    lines += _delivery_text(data.get("delivery"))
    return "\n".join(lines) + "\n"


def _health_text(health: HealthFigures) -> list[str]:
    """Per team: the latest retro's health checks, and each dimension's mean over the window."""
    rows = health["per_retro"]
    if not rows:
        return []
    lines = ["", "Team health (health checks of 1 to 5 in retros)"]
    teams: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        teams.setdefault(row["team"] or "no team", []).append(row)
    for team, retros in sorted(teams.items()):
        latest = retros[-1]
        scores = ", ".join(f"{k} {v}" for k, v in latest["scores"].items())
        lines.append(f"  {team}, latest {latest['retro']} ({latest['date']}): {scores}")
        if len(retros) > 1:
            names = sorted({k for r in retros for k in r["scores"]})
            means = []
            for name in names:
                values = [r["scores"][name] for r in retros if name in r["scores"]]
                means.append(f"{name} {sum(values) / len(values):.1f}")
            lines.append(f"  {team}, mean of {plural(len(retros), 'retro')}: {', '.join(means)}")
    return lines


def _delivery_text(delivery: dict[str, Any] | None) -> list[str]:
    if delivery is None:
        return []
    lines = ["", "Delivery (DORA)"]
    if not delivery["available"]:
        return [*lines, f"  cannot be computed: {delivery['why']}"]
    lead = delivery["lead_time_days"]
    freq = delivery["deployment_frequency"]
    cfr = delivery["change_failure_rate"]
    rec = delivery["failed_deployment_recovery_hours"]

    def band(value: str | None) -> str:
        return f" [{value}]" if value else ""

    lines += [
        f"  {delivery['deployments']} deployments to {delivery['environment']}",
        f"  lead time for changes: median {_fmt(lead['median'], ' days')}, 85th percentile "
        f"{_fmt(lead['p85'], ' days')}{band(lead['band'])}",
        f"  deployment frequency: {_fmt(freq['per_week'])} per week{band(freq['band'])}",
        f"  change failure rate: {cfr['failed']} of {delivery['deployments']} "
        f"({_pct(cfr['rate'])}){band(cfr['band'])}",
        f"  failed deployment recovery time: median {_fmt(rec['median'], ' h')}"
        f"{band(rec['band'])}",
        f"  rework rate: {_pct(delivery['rework_rate']['rate'])}",
        f"  bands: {delivery['bands_source']}",
    ]
    lines += [f"  note: {note}" for note in delivery["notes"]]
    return lines


def _md(text: Any) -> str:
    value = "-" if text is None else str(text)
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines.extend("| " + " | ".join(_md(c) for c in row) + " |" for row in rows)
    return lines


def to_markdown(metrics: Metrics) -> str:
    data = metrics.to_json()
    if "action_items" not in data:  # `--part delivery`
        return "\n".join(["# Metrics", *_delivery_markdown(data.get("delivery"))]) + "\n"
    items = data["action_items"]
    incidents = data["incidents"]
    out = ["# Metrics", ""]
    out.extend(f"> {_md(note)}" for note in data["notes"])
    if data["notes"]:
        out.append("")
    out.extend(["## Action items", ""])
    out.extend(_table(["figure", "value"], [
        ("items", items["total"]), ("open", items["open"]), ("in progress", items["in_progress"]),
        ("done", items["done"]), ("dropped", items["dropped"]), ("overdue", items["overdue"]),
        ("lead time median (days)", items["lead_time_days"]["median"]),
        ("lead time 85th percentile (days)", items["lead_time_days"]["p85"]),
        ("open item age median (days)", items["open_age_days"]["median"]),
        ("open item age 85th percentile (days)", items["open_age_days"]["p85"]),
        ("due-date slips", items["due_date_slips"]["total"] if items["due_date_slips"] else None),
    ]))
    out.extend(["", "### Follow-through per retro", ""])
    out.extend(_table(["retro", "date", "items", "done", "done by next retro"], [
        (r["retro"], r["date"], r["items"], r["done"], r["done_by_next_retro"])
        for r in items["follow_through_per_retro"]]))
    out.extend(["", "## Incidents", ""])
    out.extend(_table(["month", "total", *SEVERITIES, "escaped defects"], [
        (r["month"], r["total"], *r["by_severity"].values(), r["escaped_defects"])
        for r in incidents["per_month"]]))
    out.append("")
    out.extend(_table(["duration (minutes)", "count", "median", "85th percentile"], [
        (label, d["count"], d["median"], d["p85"]) for label, d in (
            ("time to detect", incidents["time_to_detect_minutes"]),
            ("time to mitigate", incidents["time_to_mitigate_minutes"]),
            ("time to resolve", incidents["time_to_resolve_minutes"]))]))
    runbooks = data["runbooks"]
    decisions = data["decisions"]
    imp = data["impediments"]
    out.extend(["", "## Runbooks, decisions, impediments", ""])
    out.extend(_table(["figure", "value"], [
        ("runbooks reviewed within their period", f"{runbooks['reviewed_within_period']} of "
                                                  f"{runbooks['total']}"),
        *((f"decisions {status}", count) for status, count in decisions["by_status"].items()),
        ("impediments open", imp["open"]), ("impediments escalated", imp["escalated"]),
        ("impediments resolved", imp["resolved"]),
        ("days to resolve an impediment (median)", imp["days_to_resolve"]["median"]),
    ]))
    out += _delivery_markdown(data.get("delivery"))
    return "\n".join(out) + "\n"


def _delivery_markdown(delivery: dict[str, Any] | None) -> list[str]:
    if delivery is None:
        return []
    out = ["", "## Delivery (DORA)", ""]
    if not delivery["available"]:
        return [*out, f"Cannot be computed: {_md(delivery['why'])}"]
    rows = [("lead time for changes, median (days)", "lead_time_days", "median"),
            ("deployments per week", "deployment_frequency", "per_week"),
            ("change failure rate", "change_failure_rate", "rate"),
            ("failed deployment recovery, median (hours)", "failed_deployment_recovery_hours",
             "median"),
            ("rework rate", "rework_rate", "rate")]
    out.extend(_table(["figure", "value", "band", "definition"], [
        (label, _pct(delivery[key][field]) if field == "rate" else delivery[key][field],
         delivery[key].get("band"), _md(delivery[key]["definition"]))
        for label, key, field in rows]))
    out.extend(["", f"Bands: {_md(delivery['bands_source'])}."])
    return out


RENDERERS = {"text": to_text, "json": to_json_text, "markdown": to_markdown}


def repository_metrics(config: Config, today: dt.date, scope: Scope | None = None, *,
                       include_restricted: bool = False, use_history: bool = True,
                       delivery_only: bool = False) -> Metrics:
    """Metrics of a repository's documents (restricted ones left out unless asked), with history."""
    from improve.core.git.history import load_history
    from improve.core.read.repository import Repository

    docs = Repository(config).documents(published_only=not include_restricted)
    if delivery_only:  # `--part delivery`: the git history of deployments, nothing else
        result = Metrics(today=today, scope=scope or Scope(), timezone=config.timezone)
    else:
        history = load_history(config) if use_history else None
        result = compute(docs, config, today, scope=scope, history=history)
    if use_history or delivery_only:
        from improve.core.numbers import dora
        result.data["delivery"] = dora.compute(config, [d for d in docs if d.parsed.ok]).to_json()
    return result
