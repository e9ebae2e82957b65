"""Runbooks go stale: each has a review period (its own or the config's)."""

from __future__ import annotations

from collections.abc import Iterable

from improve.core.check.rules import Context, Issue, document_check, rule
from improve.core.read.document import Document
from improve.model.finding import Severity as S
from improve.model.kinds import REVIEW_CYCLE

rule("stale-runbook", S.WARNING, "document", "A runbook past its review date (`last_reviewed` + `review_every_days`).",
     "`last_reviewed: 2025-06-01` with a 90-day period, today 2026-01-01")


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
