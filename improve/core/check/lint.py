"""`improve lint`: per-file findings (cached), then the repository-wide checks on the summaries."""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from improve.core.check.analyze import FileResult, analyze_document, analyze_file, to_finding
from improve.core.check.cache import CACHE_FILE, CachedResults, LintCache
from improve.core.check.compact import DamagedCache
from improve.core.check.parallel import analyze_many
from improve.core.check.rules import REPOSITORY_CHECKS, RULES, Context, RepoIssue, all_rules
from improve.core.check.summary import RepoIndex
from improve.core.errors import UsageProblem
from improve.core.read.config import PYPROJECT, STANDALONE, Config, revalidate
from improve.core.read.discovery import NOT_DOCUMENTS, Discovery, DocFile, classify
from improve.core.read.document import Document
from improve.core.read.frontmatter import ParsedFile
from improve.core.read.repository import read_document
from improve.model.finding import Finding, FindingCounts, Severity
from improve.model.ids import dated


@dataclass
class LintResult(FindingCounts):
    findings: list[Finding]
    documents: int
    checked: int
    notes: list[str] = field(default_factory=list)

    def exit_code(self, *, strict: bool = False) -> int:
        """The contract: 0 clean or warnings only, 1 errors (or any finding with `strict`)."""
        if self.errors or (strict and self.warnings):
            return 1
        return 0


def repository_issues(results: Mapping[str, FileResult], ctx: Context) -> list[RepoIssue]:
    """The repository-wide checks, run on the summaries of every document."""
    if isinstance(results, CachedResults):
        summaries = results.summaries()
    else:
        summaries = {p: r.summary for p, r in results.items() if r.summary is not None}
    index = RepoIndex(summaries)
    return [issue for check in REPOSITORY_CHECKS for issue in check(index, ctx)]


def select_paths(config: Config, paths: Iterable[str], cwd: Path | None = None) -> set[str]:
    """Repository-relative paths of the documents the user named (files or folders)."""
    cwd = cwd or Path.cwd()
    root = config.root.resolve()
    selected: set[str] = set()
    for raw in paths:
        candidate = (cwd / raw).absolute()
        if not candidate.exists() and not candidate.is_symlink():
            raise UsageProblem(f"{raw}: no such file or folder")
        try:
            rel = Path(os.path.normpath(candidate)).relative_to(root).as_posix()
        except ValueError:
            raise UsageProblem(f"{raw} is outside the repository at {root}") from None
        if candidate.is_dir():
            prefix = "" if rel == "." else rel + "/"
            selected.add(prefix or "/")
        else:
            selected.add(rel)
    return selected


def _selected(path: str, selection: set[str]) -> bool:
    if path in selection or "/" in selection:
        return True
    return any(s.endswith("/") and path.startswith(s) for s in selection)


def _chosen(paths: Iterable[str], selection: set[str]) -> set[str]:
    """The paths `_selected` keeps, without asking it once per document of a large handbook."""
    if "/" in selection:
        return set(paths)
    folders = tuple(s for s in selection if s.endswith("/"))
    if not folders:
        return selection.intersection(paths)
    return {p for p in paths if p in selection or p.startswith(folders)}


def lint(
    config: Config,
    today: dt.date,
    paths: Sequence[str] | None = None,
    *,
    use_cache: bool = True,
    selection: set[str] | None = None,
    involved_ids: set[str] | None = None,
    documents: Sequence[Document] | None = None,
    discovery: Discovery | None = None,
) -> LintResult:
    """Lint the repository; with `paths` (or a `selection`), report only those documents.

    The repository-wide checks always see every document, so a duplicate id or a dangling
    reference is caught even when only the changed files are named (pre-commit). A cross-file
    finding in another file is reported when it involves a selected file or id.

    `documents`: the repository's documents when the caller has read them already (the
    handbook's build): without a cache they are checked as they are, not read again.
    `discovery`: a listing the caller started early (`improve lint` starts git before it
    imports the linter).

    A named path that is the config file (pre-commit passes it when it changed) lints the whole
    repository: a new rule severity or folder can change any document's findings.
    """
    if paths and config.source is not None and (
            config.source.relative_to(config.root).as_posix() in select_paths(config, paths)):
        paths = None
    if use_cache and config.cache:
        try:
            return _lint(config, today, paths, use_cache=True, selection=selection,
                         involved_ids=involved_ids, documents=documents, discovery=discovery)
        except DamagedCache:  # never trusted: removed, and this run starts over without it
            with contextlib.suppress(OSError):
                (config.cache_path / CACHE_FILE).unlink()
    return _lint(config, today, paths, use_cache=False, selection=selection,
                 involved_ids=involved_ids, documents=documents, discovery=discovery)


def _lint(
    config: Config,
    today: dt.date,
    paths: Sequence[str] | None,
    *,
    use_cache: bool,
    selection: set[str] | None,
    involved_ids: set[str] | None,
    documents: Sequence[Document] | None,
    discovery: Discovery | None = None,
) -> LintResult:
    all_rules()
    ctx = Context(config=config, today=today)
    stats: dict[str, os.stat_result] = {}
    discovery = discovery or Discovery(config)
    # Trust first: the cache folder is opened only once git has said it tracks nothing in it
    # (a committed cache is someone else's: a crafted file, a link to /dev/zero, a FIFO).
    files = discovery.files(stats=stats)
    store = None
    if discovery.cache_tracked:  # committed to the repository: never read, never written
        config = revalidate(config)
        ctx = Context(config=config, today=today)
    elif use_cache:
        store = LintCache(ctx)
    if paths:
        selection = (selection or set()) | select_paths(config, paths)
    read = {d.path: d for d in documents or ()}
    results: Mapping[str, FileResult]
    if store is not None:
        results = store.analyze(files, stats=stats, clean=discovery.clean)
    elif read:
        results = {f.path: analyze_document(read[f.path], ctx) if f.path in read
                   else analyze_file(f, ctx) for f in files}
    else:
        results = analyze_many(files, ctx)
    if store is not None:  # unchanged summaries: the cached cross-file issues still hold
        repo_issues = store.repo_issues(lambda: repository_issues(results, ctx))
    else:
        repo_issues = repository_issues(results, ctx)

    by_path = {f.path: f for f in files}
    findings: list[Finding] = []
    for config_finding in config.findings:  # the config's own findings obey its rule settings
        configured = ctx.severity(config_finding.rule, config_finding.severity)
        if configured is not None:
            findings.append(replace(config_finding, severity=configured))
    wanted_ids = set(involved_ids or ())
    chosen = None if selection is None else _chosen(by_path, selection)
    if chosen is not None:
        for path in chosen:
            summary = results[path].summary
            if summary and summary.id:
                wanted_ids.add(summary.id)
    if isinstance(results, CachedResults):
        findings.extend(results.findings_of(chosen))
    else:
        for path, result in results.items():
            if chosen is None or path in chosen:
                findings.extend(result.findings)
    parsed_cache: dict[str, ParsedFile] = {path: doc.parsed for path, doc in read.items()}
    for repo_issue in repo_issues:
        if selection is not None and not _involves(repo_issue, selection, wanted_ids):
            continue
        if store is not None:  # positions from the cache: a warm run re-reads nothing
            issue = repo_issue.issue
            severity = ctx.severity(issue.rule, issue.severity or RULES[issue.rule].severity)
            if severity is not None:
                line, column = store.position(by_path[repo_issue.file], issue)
                findings.append(Finding(repo_issue.file, line, column, issue.rule, severity,
                                        issue.message))
            continue
        parsed = parsed_cache.get(repo_issue.file)
        if parsed is None:
            parsed = read_document(config, by_path[repo_issue.file]).parsed
            parsed_cache[repo_issue.file] = parsed
        finding = to_finding(repo_issue.file, parsed, repo_issue.issue, ctx)
        if finding is not None:
            findings.append(finding)
    findings.extend(_not_documents(config, ctx, discovery.strays, by_path, selection, paths))
    if store is not None:
        store.save()
    checked = len(files) if chosen is None else len(chosen)
    return LintResult(sorted(set(findings)), documents=len(files), checked=checked)


def _not_documents(config: Config, ctx: Context, strays: Sequence[str],
                   documents: Mapping[str, DocFile], selection: set[str] | None,
                   paths: Sequence[str] | None) -> list[Finding]:
    """Markdown files in kind folders that improve does not read, and files named on the
    command line that are not documents: findings, never a silent "no problems" (issue 13).

    A stray is a warning (rule `not-a-document`); a file the user named is an error.
    """
    named = {s for s in selection or () if not s.endswith("/") and s != "/"} if paths else set()
    found: list[Finding] = []
    for path in strays:
        if selection is not None and not _selected(path, selection):
            continue
        default = Severity.ERROR if path in named else Severity.WARNING
        severity = default if path in named else ctx.severity("not-a-document", default)
        if severity is not None:
            found.append(Finding(path, 1, 1, "not-a-document", severity, _stray_message(path)))
    for path in sorted(named - set(documents) - set(strays)):
        name = path.rpartition("/")[2]
        if name in NOT_DOCUMENTS or name in (STANDALONE, PYPROJECT) or (
                config.exclude and any(
                fnmatch.fnmatch(path, pattern) for pattern in config.exclude)):
            continue  # pre-commit passes a kind folder's README.md: nothing to say
        found.append(Finding(path, 1, 1, "not-a-document", Severity.ERROR,
                             "this file is not a document improve checks: documents live in "
                             "the kinds' folders (see `improve schema`) and are named "
                             "<number>-<slug>.md"))
    return found


def _stray_message(path: str) -> str:
    name = path.rpartition("/")[2]
    head, _, rest = name.partition("-")
    if head.isdigit() and dated(head, rest):
        why = "it starts with a date, which is not a document number"
    else:
        why = "it is not named <number>-<slug>.md"
    return (f"improve does not read this file: {why}; rename it to the next free number of its "
            "folder (`git mv`, then set its `id`), or list it under `exclude` in the config if "
            "it is not a document")


def _involves(issue: RepoIssue, selection: set[str], ids: set[str]) -> bool:
    if _selected(issue.file, selection):
        return True
    return any(_selected(other, selection) or other in ids for other in issue.involves)


def lint_paths_for(config: Config, names: Iterable[str]) -> list[DocFile]:
    return [f for f in (classify(config, n) for n in names) if f is not None]
