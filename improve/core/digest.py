"""The weekly digest: overdue and due-soon action items and stale runbooks, for a CI step summary.

A calendar alone makes people ignore stale-doc lists, so the digest is short and names owners.
Restricted documents stay out of it, as they stay out of the handbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from improve.core import mdtext
from improve.core.clock import shift
from improve.core.config import Config
from improve.core.document import as_date
from improve.core.publication import is_published
from improve.core.repository import Repository
from improve.core.rules.runbooks import next_review
from improve.model.items import ActionItem
from improve.model.kinds import REVIEW_CYCLE

DEFAULT_SOON_DAYS = 14


@dataclass(frozen=True)
class StaleRunbook:
    id: str | None
    title: str
    path: str
    owners: tuple[str, ...]
    last_reviewed: str | None
    review_due: str


@dataclass
class Digest:
    today: dt.date
    soon_days: int
    overdue: list[ActionItem] = field(default_factory=list)
    due_soon: list[ActionItem] = field(default_factory=list)
    stale_runbooks: list[StaleRunbook] = field(default_factory=list)
    withheld: int = 0

    def to_json(self) -> dict[str, Any]:
        def item(i: ActionItem) -> dict[str, Any]:
            return {"ref": i.ref, "title": i.title, "owner": i.owner, "status": i.status,
                    "due": i.due.isoformat() if i.due else None, "path": i.path}

        return {
            "today": self.today.isoformat(), "soon_days": self.soon_days,
            "overdue": [item(i) for i in self.overdue], "due_soon": [item(i) for i in self.due_soon],
            "stale_runbooks": [s.__dict__ | {"owners": list(s.owners)} for s in self.stale_runbooks],
        }


def _order(item: ActionItem) -> tuple[dt.date, str, int, str]:
    return (item.due or dt.date.max, item.doc_id, len(item.item_id), item.item_id)


def digest(config: Config, today: dt.date, *, soon_days: int = DEFAULT_SOON_DAYS) -> Digest:
    docs = Repository(config).documents()
    published = [d for d in docs if is_published(d)]
    result = Digest(today, soon_days, withheld=len(docs) - len(published))
    horizon = shift(today, soon_days)
    for doc in published:
        for item in doc.action_items:
            if item.is_overdue(today):
                result.overdue.append(item)
            elif item.is_open and item.due is not None and item.due <= horizon:
                result.due_soon.append(item)
        if doc.kind.has(REVIEW_CYCLE):
            due = next_review(doc, config.review_every_days)
            if due is not None and due < today:
                last = as_date(doc.meta.get("last_reviewed"))
                result.stale_runbooks.append(StaleRunbook(
                    doc.id, doc.title, doc.path, tuple(doc.strings("owners")),
                    last.isoformat() if last else None, due.isoformat()))
    result.overdue.sort(key=_order)
    result.due_soon.sort(key=_order)
    result.stale_runbooks.sort(key=lambda s: (s.review_due, s.path))
    return result


def render_markdown(result: Digest) -> str:
    out = [f"## Handbook digest for {result.today.isoformat()}", ""]

    def items_table(items: list[ActionItem]) -> str:
        return mdtext.table(["Item", "Title", "Owner", "Due"], [
            [mdtext.link(mdtext.text(i.ref), i.path), mdtext.text(i.title),
             mdtext.text(i.owner or "no owner"), i.due.isoformat() if i.due else ""] for i in items])

    out += [f"### Overdue action items ({len(result.overdue)})", ""]
    out.append(items_table(result.overdue) if result.overdue else "None.\n")
    out += [f"### Due in the next {result.soon_days} days ({len(result.due_soon)})", ""]
    out.append(items_table(result.due_soon) if result.due_soon else "None.\n")
    out += [f"### Runbooks past their review date ({len(result.stale_runbooks)})", ""]
    if result.stale_runbooks:
        out.append(mdtext.table(["Runbook", "Title", "Owners", "Last reviewed", "Review was due"], [
            [mdtext.link(mdtext.text(s.id or s.path), s.path), mdtext.text(s.title),
             mdtext.text(", ".join(s.owners)), s.last_reviewed or "", s.review_due]
            for s in result.stale_runbooks]))
    else:
        out.append("None.\n")
    return "\n".join(out).rstrip("\n") + "\n"


def render_text(result: Digest) -> str:
    lines = [f"Digest for {result.today.isoformat()}:"]
    for title, items in (("overdue", result.overdue), (f"due within {result.soon_days} days", result.due_soon)):
        lines.append(f"{len(items)} action item(s) {title}")
        lines.extend(f"  {i.ref}  due {i.due}  {i.owner or 'no owner'}  {mdtext.one_line(i.title)}" for i in items)
    lines.append(f"{len(result.stale_runbooks)} runbook(s) past their review date")
    lines.extend(f"  {s.id or s.path}  review was due {s.review_due}  {mdtext.one_line(s.title)}"
                 for s in result.stale_runbooks)
    return "\n".join(lines) + "\n"
