"""A parsed document: its kind, id, fields and body, with typed accessors for the common fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from improve.core.read.clock import in_zone, zone
from improve.core.read.frontmatter import ParsedFile
from improve.model.items import ActionItem
from improve.model.kinds import DRAFT, Kind


def as_date(value: Any) -> dt.date | None:
    """An ISO date (or the date part of a timestamp) as a date; None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def as_datetime(value: Any) -> dt.datetime | None:
    """An ISO 8601 timestamp with a zone; None for anything else (naive ones included)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass
class Document:
    """One document file of a known kind, parsed (or not: see `parsed.problems`)."""

    path: str
    kind: Kind
    number: int | None
    parsed: ParsedFile

    @property
    def meta(self) -> dict[str, Any]:
        return self.parsed.meta or {}

    @property
    def id(self) -> str | None:
        return self.text("id")

    @property
    def title(self) -> str:
        value = self.meta.get("title")
        return str(value) if value is not None else self.path

    @property
    def date(self) -> dt.date | None:
        return as_date(self.meta.get("date"))

    @property
    def status(self) -> str | None:
        return self.text("status")

    def text(self, key: str) -> str | None:
        """A front-matter value when it is a string, else None."""
        value = self.meta.get(key)
        return value if isinstance(value, str) else None

    @property
    def is_draft(self) -> bool:
        return self.kind.in_role(self.status, DRAFT)

    def local_day(self, timezone: str, *names: str) -> dt.date | None:
        """The first of the timestamps `names` that is set, as a date in `timezone` (an
        incident's day for the incident log, the metrics and the follow-up deadlines). None when
        none is set, or when the one set falls outside the calendar there (a `resolved_at` of
        9999-12-31T23:00:00Z is in the year 10000 east of UTC)."""
        tz = zone(timezone)
        for name in names:
            moment = as_datetime(self.meta.get(name))
            if moment is not None:
                local = in_zone(moment, tz)
                return local.date() if local is not None else None
        return None

    def next_review(self, default_days: int) -> dt.date | None:
        """When a reviewed document (a runbook) is due for review: `last_reviewed` plus its own
        `review_every_days`, else the configured period; None without a review date."""
        last = as_date(self.meta.get("last_reviewed"))
        if last is None:
            return None
        days = self.meta.get("review_every_days")
        period = (days if isinstance(days, int) and not isinstance(days, bool) and days > 0
                  else default_days)
        try:
            return last + dt.timedelta(days=period)
        except OverflowError:  # past the year 9999: never due
            return None

    def strings(self, key: str) -> list[str]:
        return [v for v in as_list(self.meta.get(key)) if isinstance(v, str)]

    @cached_property
    def action_items(self) -> list[ActionItem]:
        items: list[ActionItem] = []
        if not self.kind.has_action_items or not self.id:
            return items
        raw = self.meta.get("action_items")
        if not isinstance(raw, list):
            return items
        services = tuple(self.strings("services"))
        team = self.meta.get("team") if isinstance(self.meta.get("team"), str) else None
        for index, entry in enumerate(raw):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            items.append(
                ActionItem(
                    doc_id=self.id,
                    item_id=entry["id"],
                    title=str(entry.get("title", "")),
                    status=str(entry.get("status", "open")),
                    owner=entry.get("owner") if isinstance(entry.get("owner"), str) else None,
                    due=as_date(entry.get("due")),
                    opened_on=as_date(entry.get("opened_on")),
                    done_on=as_date(entry.get("done_on")),
                    link=entry.get("link") if isinstance(entry.get("link"), str) else None,
                    type=entry.get("type") if isinstance(entry.get("type"), str) else None,
                    path=self.path,
                    kind=self.kind.name,
                    index=index,
                    doc_title=self.title,
                    team=team,
                    services=services,
                    doc_date=self.date,
                    reason=entry.get("reason") if isinstance(entry.get("reason"), str) else None,
                )
            )
        return items
