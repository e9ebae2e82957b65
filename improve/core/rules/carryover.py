"""Carry-over: a retro lists the items that were still open from its team's earlier retros.

`improve new retro` fills `carried_over` this way (core/carryover.py); this rule keeps retros
written by hand, or edited later, to the same standard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from improve.core.document import as_date
from improve.core.rules import Context, Issue, RepoIssue, repository_check, rule
from improve.core.summary import RepoIndex, Summary
from improve.model.finding import Severity as S
from improve.model.items import OPEN_STATUSES

rule("missing-carry-over", S.WARNING, "repository",
     "A retro does not carry over an item that was open at the previous retro of its team "
     "(by `date`) and was still open when this retro was held.",
     "RETRO-0004 without `carried_over: [RETRO-0003#A2]` while A2 is open")


def team_retros(index: RepoIndex) -> dict[str, list[tuple[dt.date, Summary]]]:
    """Each team's dated retros, oldest first (same date: by number)."""
    teams: dict[str, list[tuple[dt.date, Summary]]] = {}
    for summary in index.summaries.values():
        day = as_date(summary.date)
        if summary.kind != "retro" or not summary.id or not summary.team or day is None:
            continue
        teams.setdefault(summary.team, []).append((day, summary))
    for retros in teams.values():
        retros.sort(key=lambda pair: (pair[0], pair[1].number or 0, pair[1].path))
    return teams


def open_on(summary: Summary, item_id: str, day: dt.date) -> bool:
    """Whether an item was open on `day`: open now, or closed with a `done_on` after `day`.

    A closed item without `done_on` counts as closed: without a date nothing can be proved.
    """
    if summary.items.get(item_id) in OPEN_STATUSES:
        return True
    done = as_date(summary.item_done.get(item_id))
    return done is not None and done > day


@repository_check
def check_carry_over(index: RepoIndex, ctx: Context) -> Iterable[RepoIssue]:
    # One pass per team (issue 6: a quadratic scan took seconds on 4,000 retros). Retros are in
    # date order, so an item closed on a day is never open again for a later retro: `pending`
    # keeps the earlier retros' items that may still be open, in the order they are reported.
    for team, retros in sorted(team_retros(index).items()):
        pending: list[tuple[Summary, str, dt.date | None]] = []  # (retro, item, closed on)
        for position, (day, retro) in enumerate(retros):
            if position:
                previous = retros[position - 1][1]
                carried = set(retro.carried_over)
                still: list[tuple[Summary, str, dt.date | None]] = []
                for earlier, item_id, closed in pending:
                    if closed is not None and not closed > day:
                        continue
                    still.append((earlier, item_id, closed))
                    ref = f"{earlier.id}#{item_id}"
                    if ref in carried:
                        continue
                    yield RepoIssue(retro.path, Issue(
                        "missing-carry-over",
                        f"{ref} was open at the previous retro of team {team!r} ({previous.id}) "
                        f"and still open on {day.isoformat()}, but this retro does not list it in "
                        "`carried_over`; add it and review it under 'Review of previous action "
                        "items'",
                        path=("carried_over",), at_key=True), involves=(earlier.path,))
                pending = still
            for item_id in sorted(retro.items, key=_item_number):
                if retro.items.get(item_id) in OPEN_STATUSES:
                    pending.append((retro, item_id, None))  # open: open on every later day
                    continue
                done = as_date(retro.item_done.get(item_id))
                if done is not None:  # closed without a date: never counted as open
                    pending.append((retro, item_id, done))


def _item_number(item_id: str) -> tuple[int, str]:
    digits = item_id[1:]
    return (int(digits) if digits.isdigit() else 0, item_id)
