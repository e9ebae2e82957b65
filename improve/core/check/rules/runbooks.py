"""Runbooks go stale: each has a review period (its own or the config's)."""

from __future__ import annotations

from collections.abc import Iterable

from improve.core.check.rules import Context, Issue, document_check
from improve.core.read.document import Document
from improve.model.kinds import REVIEW_CYCLE


@document_check
def check_stale(doc: Document, ctx: Context) -> Iterable[Issue]:
    if not doc.kind.has(REVIEW_CYCLE):
        return
    due = doc.next_review(ctx.config.review_every_days)
    if due is not None and due < ctx.today:
        yield Issue("stale-runbook",
                    f"runbook was last reviewed {doc.meta['last_reviewed']} and was due for review "
                    f"on {due.isoformat()}; review it and update `last_reviewed`",
                    path=("last_reviewed",))
