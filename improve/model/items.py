"""Action items as every consumer (actions, metrics, handbook, PR summary) sees them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from improve.model.vocabulary import CLOSED_STATUSES, OPEN_STATUSES

__all__ = ["CLOSED_STATUSES", "OPEN_STATUSES", "ActionItem"]


@dataclass(frozen=True)
class ActionItem:
    """One item, addressed across the repository as `RCA-0007#A2`; it lives in one document only."""

    doc_id: str
    item_id: str
    title: str
    status: str
    owner: str | None
    due: dt.date | None
    opened_on: dt.date | None
    done_on: dt.date | None
    link: str | None
    type: str | None
    path: str
    kind: str
    index: int
    doc_title: str = ""
    team: str | None = None
    services: tuple[str, ...] = ()
    doc_date: dt.date | None = None
    reason: str | None = None  # why it was dropped

    @property
    def ref(self) -> str:
        return f"{self.doc_id}#{self.item_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due is not None and self.due < today
