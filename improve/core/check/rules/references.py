"""Cross-file rules: ids are unique, references resolve, supersede links go both ways."""

from __future__ import annotations

from collections.abc import Iterable

from improve.core.check.rules import (
    Context,
    Issue,
    RepoIssue,
    document_check,
    repository_check,
)
from improve.core.check.summary import RepoIndex
from improve.core.read.document import Document
from improve.model.ids import parse_item_ref
from improve.model.kinds import SUPERSEDE_CHAIN, SUPERSEDED

_EXPECTED_KIND = {"runbooks": "runbook", "supersedes": "decision", "superseded_by": "decision"}


@document_check
def check_successor(doc: Document, ctx: Context) -> Iterable[Issue]:
    if doc.kind.has(SUPERSEDE_CHAIN) and doc.kind.in_role(doc.status, SUPERSEDED) and not doc.meta.get("superseded_by"):
        yield Issue("superseded-without-successor",
                    "status is superseded but `superseded_by` is missing; name the decision that "
                    "replaces this one", path=("status",))


@repository_check
def check_duplicate_ids(index: RepoIndex, ctx: Context) -> Iterable[RepoIssue]:
    for doc_id, holders in sorted(index.by_id.items()):
        if len(holders) < 2:
            continue
        paths = [h.path for h in holders]
        for holder in holders:
            others = ", ".join(p for p in paths if p != holder.path)
            yield RepoIssue(holder.path, Issue(
                "duplicate-id",
                f"id {doc_id} is also used by {others}; give one of them the next free number "
                f"with `improve renumber {doc_id} --path {holder.path}`",
                path=("id",)), involves=tuple(p for p in paths if p != holder.path))


@repository_check
def check_references(index: RepoIndex, ctx: Context) -> Iterable[RepoIssue]:
    for summary in sorted(index.summaries.values(), key=lambda s: s.path):
        for path, value in summary.refs:
            field = str(path[0])
            item = parse_item_ref(value) if field == "carried_over" else None
            target_id = item[0] if item else value
            target = index.resolve(target_id)
            if target is None:
                yield RepoIssue(summary.path, Issue(
                    "dangling-reference",
                    f"`{field}` names {value}, but no document has that id; fix the id or remove it",
                    path=tuple(path)), involves=(target_id,))
                continue
            expected = _EXPECTED_KIND.get(field)
            if expected and target.kind != expected:
                yield RepoIssue(summary.path, Issue(
                    "dangling-reference",
                    f"`{field}` names {value}, which is a {target.kind}, not a {expected}",
                    path=tuple(path)), involves=(target.path,))
            elif item and item[1] not in target.items:
                yield RepoIssue(summary.path, Issue(
                    "dangling-reference",
                    f"`carried_over` names {value}, but {target_id} has no action item {item[1]}",
                    path=tuple(path)), involves=(target.path,))


# Each supersede link, the link it asks of the other document, and the two findings' messages.
_SUPERSEDE_LINKS = (
    ("supersedes", "superseded_by",
     "{me} supersedes {other}, but {other} does not name {me} in `superseded_by`; add it there",
     "{me} supersedes {other}, but this file does not say `superseded_by: {me}`; add it"),
    ("superseded_by", "supersedes",
     "{me} says it is superseded by {other}, but {other} does not name it in `supersedes`; add "
     "it there",
     "{me} says {other} supersedes it, but this file does not say `supersedes: {me}`; add it"),
)


@repository_check
def check_supersede_symmetry(index: RepoIndex, ctx: Context) -> Iterable[RepoIssue]:
    for summary in sorted(index.summaries.values(), key=lambda s: s.path):
        if SUPERSEDE_CHAIN not in summary.traits or not summary.id:
            continue
        for field, back, here, there in _SUPERSEDE_LINKS:
            for other_id in getattr(summary, field):
                other = index.resolve(other_id)
                if other is None or SUPERSEDE_CHAIN not in other.traits:
                    continue
                named = getattr(other, back)
                if summary.id not in named and not set(summary.previous_ids) & set(named):
                    yield from _pair(summary.path, other.path, field,
                                     here.format(me=summary.id, other=other.id),
                                     there.format(me=summary.id, other=other.id))


def _pair(here: str, there: str, field: str, message_here: str,
          message_there: str) -> Iterable[RepoIssue]:
    yield RepoIssue(here, Issue("asymmetric-supersede", message_here, path=(field,)), involves=(there,))
    yield RepoIssue(there, Issue("asymmetric-supersede", message_there, path=("id",)), involves=(here,))
