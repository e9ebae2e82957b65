"""Carry-over into the next retro: every retro starts from what the earlier ones promised.

`improve new retro` lists the action items its team's latest retro left open (its own, and those
it carried) in the new retro's `carried_over` (references only: an item lives in the document
that created it, so nothing is counted twice) and in its review section. The lint rule
`missing-carry-over` (see `rules/carryover.py`, which holds the shared definition) checks that
written retros do the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from improve.core.check.rules.carryover import owed
from improve.core.check.summary import summarize
from improve.core.numbers.actions import reference_key
from improve.core.read.config import Config
from improve.core.read.document import Document
from improve.core.read.publication import is_published
from improve.core.write.scaffold import Request
from improve.model.items import ActionItem
from improve.model.kinds import RETROSPECTIVE


def latest_retro(retros: Iterable[Document]) -> Document | None:
    """The newest retro by `date` (then by number); retros without a date come first."""
    ordered = sorted(retros, key=lambda d: (d.date or dt.date.min, d.number or 0, d.path))
    return ordered[-1] if ordered else None


def team_of(doc: Document) -> str | None:
    team = doc.meta.get("team")
    return team if isinstance(team, str) and team.strip() else None


def prepare_request(config: Config, request: Request) -> None:
    """Add what a new document inherits from earlier ones (open retro items) to `request`.

    A new retro carries what its team's latest retro left open (`rules.carryover.owed`, the
    definition the lint rule checks): never an item of a withheld retro.
    """
    request.extra_context.setdefault("carried_over", [])
    if not request.kind.has(RETROSPECTIVE):
        return
    from improve.core.read.repository import Repository

    retros = [d for d in Repository(config).documents()
              if d.kind.has(RETROSPECTIVE) and d.parsed.ok and d.id]
    team = request.fields.get("team")
    if not isinstance(team, str) or not team.strip():
        latest = latest_retro(d for d in retros if team_of(d) and is_published(d))
        if latest is None:
            return
        team = team_of(latest)
        assert team is not None
        request.fields["team"] = team
    previous = latest_retro(d for d in retros if team_of(d) == team)
    if previous is None:
        return
    by_id = {d.id: d for d in retros if d.id}
    summaries = {doc_id: summarize(doc) for doc_id, doc in by_id.items()}
    refs = owed(summaries[previous.id or ""], dt.date.max, summaries.get)  # open now
    items = sorted((item for ref in refs for item in by_id[ref.partition("#")[0]].action_items
                    if item.ref == ref), key=reference_key)
    chosen = request.fields.get("carried_over")
    if isinstance(chosen, list):  # the user's own list (`--field carried_over=[...]`) wins
        items = [item for item in items if item.ref in chosen]
    else:
        request.fields["carried_over"] = [item.ref for item in items]
    request.extra_context["carried_over"] = [_row(item) for item in items]


def _row(item: ActionItem) -> dict[str, Any]:
    return {
        "ref": item.ref,
        "title": " ".join(item.title.split()),
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
    }
