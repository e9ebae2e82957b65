"""Carry-over: a retro lists the items its team's previous retro left open.

What a retro owes (`owed`) is the one definition, shared with `improve new retro`
(core/carryover.py): the items of the previous retro of its team (by `date`) that are still open
when the retro is held, and the items that previous retro carried that are still open. A retro
answers for its predecessor, not for the whole history: a retro that missed an item got the
warning itself, so N retros give at most as many warnings as items, not N squared (issue 11).
Items of withheld retros (improve.core.read.publication) are never asked for: a restricted retro is
never a source of text for another document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from improve.core.check.rules import Context, Issue, RepoIssue, repository_check
from improve.core.check.summary import RepoIndex, Summary
from improve.core.read.document import as_date
from improve.model.ids import item_number
from improve.model.items import OPEN_STATUSES
from improve.model.kinds import RETROSPECTIVE


def team_retros(index: RepoIndex) -> dict[str, list[tuple[dt.date, Summary]]]:
    """Each team's dated retros, oldest first (same date: by number)."""
    teams: dict[str, list[tuple[dt.date, Summary]]] = {}
    for summary in index.summaries.values():
        day = as_date(summary.date)
        if RETROSPECTIVE not in summary.traits or not summary.id or not summary.team or day is None:
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


def owed(previous: Summary, day: dt.date, resolve: Callable[[str], Summary | None]) -> list[str]:
    """The item references the retro after `previous`, held on `day`, must carry over.

    `previous`'s own items open on `day` first (in item order), then the references it carried
    that are still open on `day` (in its order); only items of published retros, each once.
    """
    found: list[str] = []
    if previous.published and previous.id:
        found.extend(f"{previous.id}#{item_id}" for item_id in sorted(previous.items, key=_item_number)
                     if open_on(previous, item_id, day))
    for ref in previous.carried_over:
        doc_id, _, item_id = ref.partition("#")
        source = resolve(doc_id)
        if (source is not None and source.published and source.kind == previous.kind
                and item_id in source.items and open_on(source, item_id, day)):
            found.append(f"{source.id}#{item_id}")
    return list(dict.fromkeys(found))


@repository_check
def check_carry_over(index: RepoIndex, ctx: Context) -> Iterable[RepoIssue]:
    for team, retros in sorted(team_retros(index).items()):
        for position in range(1, len(retros)):
            day, retro = retros[position]
            previous = retros[position - 1][1]
            carried = set(retro.carried_over)
            for ref in owed(previous, day, index.resolve):
                if ref in carried:
                    continue
                source = index.resolve(ref.partition("#")[0])
                yield RepoIssue(retro.path, Issue(
                    "missing-carry-over",
                    f"{ref} is still open on {day.isoformat()} and the previous retro of team "
                    f"{team!r} ({previous.id}) left it open, but this retro does not list it in "
                    "`carried_over`; add it and review it under 'Review of previous action items'",
                    path=("carried_over",), at_key=True),
                    involves=tuple(dict.fromkeys(
                        p for p in (previous.path, source.path if source else None) if p)))


def _item_number(item_id: str) -> tuple[int, str]:
    return (item_number(item_id), item_id)
