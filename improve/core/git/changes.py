"""What a change touched: the documents to lint with `improve lint --since REV`, and the ids a
change removed, so cross-file findings about them are reported even in files it did not touch.

The change runs from where the branch left REV (their merge base; REV itself when the histories
are unrelated) to the work tree, untracked files included: what `git diff --name-status -M` and
`git ls-files --others` see. A branch that is behind REV is not charged with REV's newer work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from improve.core.check.lint import LintResult
from improve.core.check.rules import Context, RepoIssue
from improve.core.git.gitrev import Change, comparison_base, diff, read_blobs, resolve, tree_files
from improve.core.read.config import Config
from improve.core.read.discovery import DocFile, classify, discover
from improve.core.read.document import Document
from improve.core.read.frontmatter import parse
from improve.core.read.repository import read_document
from improve.model.finding import Finding
from improve.model.ids import format_doc_id
from improve.model.kinds import INCIDENT, REVIEW_CYCLE


@dataclass
class ChangeSet:
    """The files a change touched, between `start` (a commit or the empty tree) and `head`."""

    root: Path
    rev: str  # what the user named
    base: str  # the commit it names
    start: str  # where the change starts: the merge base, or `base`
    head: str | None  # None: the work tree
    changes: list[Change] = field(default_factory=list)

    @property
    def touched(self) -> set[str]:
        """Every path the change added, modified, deleted or renamed (both names of a rename)."""
        paths: set[str] = set()
        for change in self.changes:
            paths.update(p for p in (change.before, change.after) if p)
        return paths


def change_set(config: Config, rev: str, head: str | None = None) -> ChangeSet:
    """The change from REV (or where the head left it) to `head` (None: the work tree)."""
    base = resolve(config.root, rev)
    head_commit = resolve(config.root, head) if head is not None else None
    start = comparison_base(config.root, base, head_commit)
    changes = diff(config.root, start, head_commit)
    return ChangeSet(config.root, rev, base, start, head_commit, changes)


def document_changes(config: Config, changes: list[Change]) -> list[tuple[Change, DocFile | None, DocFile | None]]:
    """The changes that concern documents: (change, document before, document after)."""
    found = []
    for change in changes:
        before = classify(config, change.before) if change.before else None
        after = classify(config, change.after) if change.after else None
        if before is not None or after is not None:
            found.append((change, before, after))
    return found


def old_ids(config: Config, root: Path, rev: str, files: list[DocFile]) -> dict[str, str]:
    """path -> the id the document had in `rev` (from its front matter, else from its file name)."""
    blobs = read_blobs(root, rev, [f.path for f in files])
    ids: dict[str, str] = {}
    for doc_file in files:
        raw = blobs.get(doc_file.path)
        meta = parse(raw, max_size=config.max_file_size).meta if raw is not None else None
        value = meta.get("id") if meta else None
        ids[doc_file.path] = value if isinstance(value, str) else format_doc_id(
            doc_file.kind.prefix, doc_file.number)
    return ids


def selection_of(config: Config, changes: ChangeSet) -> tuple[set[str], set[str]]:
    selection: set[str] = set()
    before_files: list[DocFile] = []
    for _change, before, after in document_changes(config, changes.changes):
        if after is not None and (config.root / after.path).exists():
            selection.add(after.path)
        if before is not None:
            before_files.append(before)
    involved = set(old_ids(config, changes.root, changes.start, before_files).values())
    return selection, involved


def changed_selection(config: Config, since: str) -> tuple[set[str], set[str]]:
    """Documents changed since REV (repo-relative paths) and the ids their old versions had.

    The ids cover deleted and renamed documents, so a reference that now names nothing (an RCA
    citing a deleted runbook, a decision superseding a renumbered one) is reported in the file
    that holds it, though the change never touched that file.
    """
    return selection_of(config, change_set(config, since))


def since_findings(config: Config, today: dt.date, changes: ChangeSet) -> list[Finding]:
    """The findings only a change can produce: `number-collision` and `runbook-may-be-stale`."""
    from improve.core.check.analyze import to_finding
    from improve.core.check.rules import all_rules
    from improve.core.check.rules.changes import check_number_collisions, check_runbooks_touched
    from improve.core.check.summary import summarize

    all_rules()
    ctx = Context(config=config, today=today)
    current = {f.path: f for f in discover(config)}
    added_files = [after for change, before, after in document_changes(config, changes.changes)
                   if after is not None and after.path in current
                   and (change.status == "A" or before is None
                        or (before.kind_name, before.number) != (after.kind_name, after.number))]
    issues: list[RepoIssue] = []
    documents: dict[str, Document] = {}
    if added_files and changes.base != changes.start:
        folders = sorted({config.folder(kind).strip("/") for kind in config.registry.values()})
        base_docs = [d for d in (classify(config, p) for p in tree_files(changes.root, changes.base, folders))
                     if d is not None]
        base_holders: dict[tuple[str, int], str] = {}
        for doc_file in base_docs:
            if doc_file.path not in current:
                base_holders.setdefault((doc_file.kind_name, doc_file.number), doc_file.path)
        next_free = {}
        for kind in config.registry:
            numbers = [d.number for d in (*base_docs, *current.values()) if d.kind_name == kind]
            next_free[kind] = max(numbers, default=0) + 1
        added = []
        for doc_file in added_files:
            doc = documents.setdefault(doc_file.path, read_document(config, doc_file))
            if doc.parsed.ok:
                added.append(summarize(doc))
        prefixes = {name: kind.prefix for name, kind in config.registry.items()}
        issues.extend(check_number_collisions(added, base_holders, prefixes, next_free, changes.rev))
    runbooks = []
    for doc_file in current.values():
        if doc_file.kind.has(REVIEW_CYCLE):
            doc = documents.setdefault(doc_file.path, read_document(config, doc_file))
            if doc.parsed.ok:
                runbooks.append(summarize(doc))
    issues.extend(check_runbooks_touched(runbooks, changes.touched))
    issues.extend(_undeployed(config, current, changes, documents))
    findings = []
    for repo_issue in issues:
        doc = documents[repo_issue.file]
        finding = to_finding(repo_issue.file, doc.parsed, repo_issue.issue, ctx)
        if finding is not None:
            findings.append(finding)
    return findings


def _undeployed(config: Config, current: dict[str, DocFile], changes: ChangeSet,
                documents: dict[str, Document]) -> list[RepoIssue]:
    """`undeployed-reference` for the RCAs the change touched that name revisions: only then is
    the history read (a pre-commit run of an ordinary change pays nothing)."""
    from improve.core.check.rules.changes import check_undeployed
    from improve.core.numbers import dora

    touched = []
    for path in sorted(changes.touched):
        doc_file = current.get(path)
        if doc_file is None or not doc_file.kind.has(INCIDENT):
            continue
        doc = documents.setdefault(path, read_document(config, doc_file))
        if doc.parsed.ok and (doc.meta.get("caused_by") or doc.meta.get("fixed_by")):
            touched.append(doc)
    if not touched:
        return []
    delivery = dora.compute(config, touched)
    if delivery.unavailable:
        return []  # no deployments to link to: nothing to say
    return list(check_undeployed(delivery.unresolved, {d.path: d.meta for d in touched}))


def lint_since(config: Config, today: dt.date, since: str, paths: list[str] | None = None, *,
               use_cache: bool = True) -> LintResult:
    """`improve lint --since REV`: the changed documents, the cross-file checks they are part of,
    and the findings about the change itself."""
    from improve.core.check.lint import lint

    changes = change_set(config, since)
    selection, involved = selection_of(config, changes)
    result = lint(config, today, paths, use_cache=use_cache, selection=selection,
                  involved_ids=involved)
    result.findings = sorted(set(result.findings) | set(since_findings(config, today, changes)))
    return result
