"""The weekly digest: overdue and due-soon action items and stale runbooks, for a CI step summary.

A calendar alone makes people ignore stale-doc lists, so the digest is short and names owners.
Restricted documents stay out of it, as they stay out of the handbook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from improve.core.out import mdtext
from improve.core.read.clock import shift
from improve.core.read.config import Config
from improve.core.read.document import as_date
from improve.core.read.publication import is_published
from improve.core.read.repository import Repository
from improve.model.items import ActionItem
from improve.model.kinds import REVIEW_CYCLE
from improve.model.words import plural

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
            due = doc.next_review(config.review_every_days)
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


NO_OWNER = "no owner"


@dataclass
class OwnerSection:
    """What one person is asked about this week."""

    owner: str
    overdue: list[ActionItem] = field(default_factory=list)
    due_soon: list[ActionItem] = field(default_factory=list)
    stale_runbooks: list[StaleRunbook] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.stale_runbooks)

    def lines(self) -> list[str]:
        """One line per thing to do, references as text (`RCA-0001#A1`)."""
        lines = [f"Overdue: {i.ref} {mdtext.one_line(i.title)} (due {i.due})"
                 for i in self.overdue]
        lines += [f"Due soon: {i.ref} {mdtext.one_line(i.title)} (due {i.due})"
                  for i in self.due_soon]
        lines += [f"Runbook to review: {r.id or r.path} {mdtext.one_line(r.title)} (was due "
                  f"{r.review_due})" for r in self.stale_runbooks]
        return lines


def by_owner(result: Digest, config: Config) -> list[OwnerSection]:
    """The digest grouped by owner (roster handles), owners in name order, `no owner` last:
    the one grouping of the terminal, e-mail and chat digests."""
    sections: dict[str, OwnerSection] = {}

    def section(name: str | None) -> OwnerSection:
        key = (config.canonical_person(name) or name) if name else NO_OWNER
        return sections.setdefault(key, OwnerSection(key))

    for item in result.overdue:
        section(item.owner).overdue.append(item)
    for item in result.due_soon:
        section(item.owner).due_soon.append(item)
    for runbook in result.stale_runbooks:
        for owner in runbook.owners or (None,):
            section(owner).stale_runbooks.append(runbook)
    return sorted(sections.values(), key=lambda s: (s.owner == NO_OWNER, s.owner.casefold()))


def summary(result: Digest) -> str:
    """`1 overdue, 3 due within 14 days, 1 runbook to review`."""
    return (f"{len(result.overdue)} overdue, {len(result.due_soon)} due within "
            f"{result.soon_days} days, "
            f"{plural(len(result.stale_runbooks), 'runbook')} to review")


NOTHING = "Nothing overdue, nothing due soon, every runbook reviewed."


def render_text(result: Digest, config: Config) -> str:
    """The digest for a terminal and an e-mail's text part: a section per owner."""
    lines = [f"Handbook digest for {result.today.isoformat()}", summary(result), ""]
    sections = by_owner(result, config)
    for section in sections:
        lines.append(f"{section.owner}:")
        lines += [f"  - {line}" for line in section.lines()]
        lines.append("")
    if not sections:
        lines.append(NOTHING)
    return "\n".join(lines).rstrip() + "\n"


def render_json(result: Digest, config: Config) -> str:
    import json

    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


# `improve digest --format`: the choices come from here.
RENDERERS = {
    "text": render_text,
    "markdown": lambda result, _config: render_markdown(result),
    "json": render_json,
}
