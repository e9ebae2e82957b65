"""Relative links and images in document bodies lead to files in the repository (issue 13)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from improve.core.check.rules import Context, Issue, RepoIssue, repository_check
from improve.core.check.summary import RepoIndex
from improve.model.ids import file_number


@repository_check
def check_links(index: RepoIndex, ctx: Context) -> Iterable[RepoIssue]:
    root = ctx.config.root
    by_old_name = _renumbered(index)
    known: dict[str, bool] = {}
    for summary in sorted(index.summaries.values(), key=lambda s: s.path):
        for line, column, href, target in summary.links:
            if target is None:
                yield RepoIssue(summary.path, Issue(
                    "broken-link", f"the link `{href}` leads out of the repository; the "
                    "handbook publishes only what is inside it: copy the file in, or link to "
                    "its web address", line=line, column=column))
                continue
            exists = known.get(target)
            if exists is None:
                exists = known[target] = target in index.summaries or os.path.lexists(
                    os.path.join(root, target))
            if exists:
                continue
            moved = by_old_name.get(target.rsplit("/", 1)[-1])
            hint = (f"; {moved[0]} was renumbered: link to {moved[1]}" if moved else
                    "; fix the path, or add the file")
            yield RepoIssue(summary.path, Issue(
                "broken-link", f"the link `{href}` leads to {target}, which does not exist{hint}",
                line=line, column=column))


def _renumbered(index: RepoIndex) -> dict[str, tuple[str, str]]:
    """Old file names of renumbered documents (`0003-x.md` of `previous_ids: [ADR-0003]`) ->
    (the old id, the document's path now)."""
    found: dict[str, tuple[str, str]] = {}
    for summary in index.summaries.values():
        if not summary.previous_ids:
            continue
        slug = summary.path.rsplit("/", 1)[-1].partition("-")[2]
        for old in summary.previous_ids:
            number = old.rpartition("-")[2]
            name = f"{number}-{slug}"
            if number.isdigit() and file_number(name) is not None:
                found[name] = (old, summary.path)
    return found
