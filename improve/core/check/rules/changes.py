"""Rules about a change rather than a state: they run with `improve lint --since REV` (and in the PR
summary), because only a change knows what a branch added and which paths it touched.

- `number-collision`: two branches that each ran `improve new rca` both hold RCA-0008, and git
  merges them without a conflict (issue 5); caught on the branch, before the merge.
- `runbook-may-be-stale`: a change touches paths a runbook `covers` without reviewing the runbook;
  a reminder in the pull request that caused the drift gets read (issue 5).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

from improve.core.check.rules import Issue, RepoIssue
from improve.core.check.summary import Summary
from improve.model.ids import format_doc_id
from improve.model.kinds import REVIEW_CYCLE


def covered(pattern: str, path: str) -> bool:
    """True when a `covers` entry names `path`: a glob (`*` also crosses `/`), a folder or a file."""
    pattern = pattern.strip().lstrip("./") if pattern.startswith("./") else pattern.strip()
    if not pattern:
        return False
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(path, pattern)
    folder = pattern.rstrip("/")
    return path == folder or path.startswith(folder + "/")


def check_number_collisions(added: Iterable[Summary], base_holders: Mapping[tuple[str, int], str],
                            prefixes: Mapping[str, str], next_free: Mapping[str, int],
                            base_name: str) -> Iterable[RepoIssue]:
    """Documents this change added whose (kind, number) another file holds in the base revision."""
    for summary in sorted(added, key=lambda s: s.path):
        if summary.number is None:
            continue
        other = base_holders.get((summary.kind, summary.number))
        if other is None or other == summary.path:
            continue
        doc_id = summary.id or format_doc_id(prefixes[summary.kind], summary.number)
        free = next_free[summary.kind]
        yield RepoIssue(summary.path, Issue(
            "number-collision",
            f"{base_name} already holds number {summary.number:04d} of this folder in {other}; "
            f"merged, the two would share an id. Move this one with "
            f"`improve renumber {doc_id} --path {summary.path} --to {free}`",
            path=("id",)), involves=(other,))


def check_runbooks_touched(runbooks: Iterable[Summary], touched: set[str]) -> Iterable[RepoIssue]:
    """Runbooks whose `covers` match a path the change touched, when the change left them alone."""
    for summary in sorted(runbooks, key=lambda s: s.path):
        if REVIEW_CYCLE not in summary.traits or summary.path in touched or not summary.covers:
            continue
        hits = sorted(p for p in touched if any(covered(c, p) for c in summary.covers))
        if not hits:
            continue
        shown = ", ".join(hits[:3]) + (f" and {len(hits) - 3} more" if len(hits) > 3 else "")
        name = summary.id or summary.path
        yield RepoIssue(summary.path, Issue(
            "runbook-may-be-stale",
            f"this change touches {shown}, which {name} covers, but not the runbook; check that its "
            "steps still hold and update `last_reviewed` (or change the runbook in this pull request)",
            path=("covers",), at_key=True), involves=tuple(hits))


def check_undeployed(unresolved: Iterable[tuple[str, str, str]],
                     meta_of: Mapping[str, Mapping[str, object]]) -> Iterable[RepoIssue]:
    """Each `caused_by`/`fixed_by` entry that names no deployment (see improve.core.numbers.dora)."""
    for path, field, ref in sorted(set(unresolved)):
        value = meta_of.get(path, {}).get(field)
        where: tuple[object, ...] = (field,)
        if isinstance(value, list) and ref in value:
            where = (field, value.index(ref))
        yield RepoIssue(path, Issue(
            "undeployed-reference", f"`{field}` names {ref!r}, which no deployment contains: "
            "not a deployed tag, a revision a deployment shipped or a pull request merged into "
            "one; check it (or fetch the full history and tags)", path=where))
