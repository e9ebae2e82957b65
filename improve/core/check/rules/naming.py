"""The file name and the id must agree, as adr-tools keeps `0003-x.md` and ADR-0003 together."""

from __future__ import annotations

from collections.abc import Iterable

from improve.core.check.rules import (
    Context,
    Issue,
    RepoIssue,
    document_check,
    repository_check,
)
from improve.core.check.summary import RepoIndex, Summary
from improve.core.read.document import Document
from improve.model.ids import format_doc_id, parse_doc_id


@document_check
def check_id_matches_file(doc: Document, ctx: Context) -> Iterable[Issue]:
    raw = doc.id
    parsed = parse_doc_id(raw) if raw else None
    if parsed is None or doc.number is None:
        return
    expected = format_doc_id(doc.kind.prefix, doc.number)
    if parsed.prefix == doc.kind.prefix and parsed.number != doc.number:
        yield Issue("id-mismatch",
                    f"id {raw} does not match the file name's number ({expected}); "
                    f"rename the file or set `id: {expected}` (`improve renumber` does both)",
                    path=("id",))


@repository_check
def check_duplicate_numbers(index: RepoIndex, ctx: Context) -> Iterable[RepoIssue]:
    """A number is a document's address: two files with one number are reported even before
    either has an id (a folder of imported or hand-placed files); when both carry the same id,
    `duplicate-id` says it already."""
    holders: dict[tuple[str, int], list[Summary]] = {}
    for summary in index.summaries.values():
        if summary.number is not None:
            holders.setdefault((summary.kind, summary.number), []).append(summary)
    for (_kind, number), group in sorted(holders.items()):
        ids = {s.id for s in group}
        if len(group) < 2 or (len(ids) == 1 and None not in ids):
            continue
        paths = sorted(s.path for s in group)
        for path in paths:
            others = ", ".join(p for p in paths if p != path)
            yield RepoIssue(path, Issue(
                "duplicate-number", f"number {number:04d} is also the number of {others}; "
                f"give one of them the next free number (`git mv`, then its `id`, or "
                "`improve renumber`)", line=1), involves=tuple(p for p in paths if p != path))
