"""Follow-up policies from the config, and two review aids for incident reviews.

Policies (`[tool.improve.policies]`) are checked only when the config states them; their
findings are warnings, or errors with `severity = "error"` (a rule set under
`[tool.improve.rules]` still wins). They keep reminding after an incident is closed, which is
where incident tools' reminders stop.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from improve.core.check.rules import (
    Context,
    Issue,
    RepoIssue,
    document_check,
    repository_check,
)
from improve.core.check.rules.carryover import _item_number, team_retros
from improve.core.check.summary import RepoIndex
from improve.core.read.document import Document
from improve.core.read.fences import Fences
from improve.model.finding import Severity as S
from improve.model.items import OPEN_STATUSES
from improve.model.kinds import IN_REVIEW, INCIDENT, PUBLISHED
from improve.model.vocabulary import MAJOR_SEVERITIES

BLAMELESS_GUIDE = "https://sre.google/sre-book/postmortem-culture/"


# The lookahead names the first letters of the phrases below: re then skips most positions at
# once instead of trying every phrase there (twice as fast; a test keeps both forms equal).
_BLAME = re.compile(
    r"\b(?=[hoscntbid])(?:human\s+error|operator\s+error|should\s+have\s+(?:known|noticed|caught|checked|"
    r"realized|realised|been\s+more\s+careful)|should'?ve\s+known|careless(?:ness|ly)?|"
    r"negligen(?:ce|t)|(?:his|her|their)\s+fault|to\s+blame|blamed|sloppy|incompetent|"
    r"didn'?t\s+bother)\b",
    re.IGNORECASE,
)


def _policy_severity(ctx: Context) -> S | None:
    setting = ctx.config.policies.severity
    return S(setting) if setting in ("warning", "error") else None


def add_business_days(day: dt.date, count: int) -> dt.date:
    """`count` working days (Monday to Friday) after `day`; OverflowError past the year 9999."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


@document_check
def check_followup_window(doc: Document, ctx: Context) -> Iterable[Issue]:
    days_by_severity = ctx.config.policies.followup_days
    if not doc.kind.has(INCIDENT) or not isinstance(days_by_severity, dict):
        return
    severity = doc.meta.get("severity")
    days = days_by_severity.get(severity) if isinstance(severity, str) else None
    resolved = doc.local_day(ctx.config.timezone, "resolved_at")
    if not isinstance(days, int) or resolved is None:
        return
    try:
        deadline = resolved + dt.timedelta(days=days)
    except OverflowError:  # past the year 9999: never due
        return
    if ctx.today <= deadline:
        return
    for item in doc.action_items:
        if item.is_open:
            yield Issue(
                "followup-overdue",
                f"action item {item.item_id} is still {item.status}: the follow-up policy wants "
                f"{severity} follow-ups done within {days} days of `resolved_at` "
                f"({resolved.isoformat()}), by {deadline.isoformat()}; finish it with `improve "
                f"actions done {item.ref}` or drop it with a note",
                path=("action_items", item.index), at_key=True, severity=_policy_severity(ctx))


@document_check
def check_publish_window(doc: Document, ctx: Context) -> Iterable[Issue]:
    within = ctx.config.policies.rca_published_within_business_days
    if not doc.kind.has(INCIDENT) or not isinstance(within, int) or doc.kind.in_role(doc.status, PUBLISHED):
        return
    day = doc.local_day(ctx.config.timezone, "resolved_at", "started_at")
    if day is None:
        return
    try:
        deadline = add_business_days(day, within)
    except OverflowError:  # past the year 9999: never due
        return
    if ctx.today > deadline:
        yield Issue(
            "rca-publish-overdue",
            f"this RCA is still {doc.status or 'unpublished'}: the policy wants it published "
            f"within {within} business days of the incident ({day.isoformat()}), by "
            f"{deadline.isoformat()}; finish the review and set `status: published`",
            path=("status",), severity=_policy_severity(ctx))


@repository_check
def check_retros_open(index: RepoIndex, ctx: Context) -> Iterable[RepoIssue]:
    limit = ctx.config.policies.max_retros_open
    if not isinstance(limit, int):
        return
    for team, retros in sorted(team_retros(index).items()):
        for position, (_day, retro) in enumerate(retros):
            later = retros[position + 1:]
            for item_id in sorted(retro.items, key=_item_number):
                if retro.items[item_id] not in OPEN_STATUSES or len(later) <= limit:
                    continue
                yield RepoIssue(retro.path, Issue(
                    "item-open-across-retros",
                    f"action item {retro.id}#{item_id} has stayed open through {len(later)} later "
                    f"retros of team {team!r} (the policy allows {limit}); finish it, give it a "
                    "new owner, or drop it",
                    path=("action_items", retro.item_index.get(item_id, 0)), at_key=True,
                    severity=_policy_severity(ctx)))


@document_check
def check_prevent_or_detect(doc: Document, ctx: Context) -> Iterable[Issue]:
    if not doc.kind.has(INCIDENT) or doc.meta.get("severity") not in MAJOR_SEVERITIES:
        return
    if not doc.kind.in_role(doc.status, IN_REVIEW, PUBLISHED):
        return
    kept = [i for i in doc.action_items if i.status != "dropped"]
    if not any(item.type in ("prevent", "detect") for item in kept):
        yield Issue(
            "no-prevent-or-detect-item",
            f"this {doc.meta['severity']} RCA has no action item of type `prevent` or `detect`; "
            "add one that stops the incident from recurring or catches it sooner",
            path=("action_items",) if "action_items" in doc.meta else ("severity",), at_key=True)


def _blame_issue(phrase: str, *, path: tuple[object, ...] | None = None, line: int | None = None,
                 column: int = 1) -> Issue:
    return Issue(
        "blameful-language",
        f"blame-laden phrase {phrase!r}: describe what in the system made the mistake possible "
        f"and easy, not who made it (blameless postmortems: {BLAMELESS_GUIDE})",
        path=path, line=line, column=column,
    )


def _front_matter_texts(doc: Document) -> Iterator[tuple[tuple[object, ...], str]]:
    meta = doc.meta
    for name in ("title", "trigger"):
        if isinstance(meta.get(name), str):
            yield (name,), meta[name]
    for name in ("root_causes", "contributing_factors"):
        values = meta.get(name)
        if isinstance(values, list):
            yield from (((name, i), v) for i, v in enumerate(values) if isinstance(v, str))
    timeline = meta.get("timeline")
    if isinstance(timeline, list):
        for i, entry in enumerate(timeline):
            if isinstance(entry, dict) and isinstance(entry.get("event"), str):
                yield ("timeline", i, "event"), entry["event"]


@document_check
def check_blame(doc: Document, ctx: Context) -> Iterable[Issue]:
    if not doc.kind.has(INCIDENT):
        return
    for path, text in _front_matter_texts(doc):
        match = _BLAME.search(text)
        if match:
            yield _blame_issue(" ".join(match.group(0).split()), path=path)
    body = doc.parsed.body
    if not _BLAME.search(body):  # most bodies: no phrase anywhere, so none on any line
        return
    fences = Fences()
    for offset, line in enumerate(body.split("\n")):
        if not fences.is_text(line):
            continue
        for match in _BLAME.finditer(line):
            yield _blame_issue(" ".join(match.group(0).split()),
                               line=doc.parsed.body_first_line + offset, column=match.start() + 1)
