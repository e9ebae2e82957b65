"""`improve pr-summary`: what a pull request does to the handbook, for reviewers.

Documents added, changed and removed; action items opened, closed or dropped; decisions whose
status changed; impediments raised; and the lint result for the changed documents. The change
runs from where the head left the base (their merge base; the base itself when the histories are
unrelated) to the head, or to the work tree. Old versions are read through one
`git cat-file --batch`; nothing is checked out.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from improve.core.check.lint import LintResult, lint
from improve.core.fsutil import atomic_write, safe_join
from improve.core.git.changes import ChangeSet, change_set, document_changes, since_findings
from improve.core.git.gitrev import EMPTY_TREE, read_blobs, tree_files
from improve.core.out import mdtext
from improve.core.read.config import Config, load_config
from improve.core.read.discovery import DocFile
from improve.core.read.document import Document
from improve.core.read.publication import is_published
from improve.core.read.repository import read_document
from improve.model.finding import Finding, FindingCounts
from improve.model.items import CLOSED_STATUSES, ActionItem
from improve.model.kinds import RETROSPECTIVE, SUPERSEDE_CHAIN
from improve.model.words import plural

_CHANGE_WORDS = {"A": "added", "M": "changed", "D": "removed", "R": "renamed"}
# What a withheld document (improve.core.read.publication) shows instead of its text: a summary is
# pasted into pull requests, chat and CI logs that more people read than the document's readers.
WITHHELD = "(withheld: not an internal document)"


@dataclass(frozen=True)
class DocEntry:
    change: str  # added, changed, renamed, removed
    id: str | None
    kind: str
    title: str
    path: str
    old_path: str | None = None


@dataclass(frozen=True)
class ItemEntry:
    ref: str
    title: str
    owner: str | None
    due: str | None
    status: str
    path: str
    before: str | None = None  # the status before the change (closed items)


@dataclass(frozen=True)
class DecisionEntry:
    id: str | None
    title: str
    path: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ImpedimentEntry:
    id: str | None
    description: str
    status: str | None
    raised_on: str | None
    escalated_to: str | None
    path: str


@dataclass
class PrSummary(FindingCounts):
    base: str
    base_commit: str
    start: str
    head: str
    documents: list[DocEntry] = field(default_factory=list)
    new_items: list[ItemEntry] = field(default_factory=list)
    closed_items: list[ItemEntry] = field(default_factory=list)
    removed_items: list[ItemEntry] = field(default_factory=list)
    decisions: list[DecisionEntry] = field(default_factory=list)
    impediments: list[ImpedimentEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    link_base: str | None = None

    def count(self, change: str) -> int:
        return sum(1 for d in self.documents if d.change == change)

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "base_commit": None if self.base_commit == EMPTY_TREE else self.base_commit,
            "compared_from": None if self.start == EMPTY_TREE else self.start,
            "head": self.head,
            "documents": [asdict(d) for d in self.documents],
            "new_action_items": [_item_json(i) for i in self.new_items],
            "closed_action_items": [_item_json(i) for i in self.closed_items],
            "removed_action_items": [_item_json(i) for i in self.removed_items],
            "decision_status_changes": [asdict(d) for d in self.decisions],
            "impediments_raised": [asdict(i) for i in self.impediments],
            "lint": {"errors": self.errors, "warnings": self.warnings,
                     "findings": [f.to_dict() for f in self.findings]},
        }


def _item_json(item: ItemEntry) -> dict[str, Any]:
    data = asdict(item)
    if item.before is None:
        del data["before"]
    return data


def _document(doc_file: DocFile, raw: bytes | None, config: Config) -> Document | None:
    """A document as a revision holds it, read like one in the work tree (`read_document`)."""
    if raw is None:
        return None
    return read_document(config, doc_file, raw=raw)


def _item(item: ActionItem, before: str | None = None) -> ItemEntry:
    return ItemEntry(item.ref, item.title, item.owner, item.due.isoformat() if item.due else None,
                     item.status, item.path, before)


def _raw_items(doc: Document | None) -> dict[str, ActionItem]:
    if doc is None:
        return {}
    return {item.item_id: item for item in doc.action_items}


def _impediments(doc: Document | None) -> list[dict[str, Any]]:
    if doc is None or not doc.kind.has(RETROSPECTIVE):
        return []
    raw = doc.meta.get("impediments")
    return [entry for entry in raw if isinstance(entry, dict)] if isinstance(raw, list) else []


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def summarize_change(config: Config, today: dt.date, base: str, head: str | None = None, *,
                     link_base: str | None = None) -> PrSummary:
    """The summary of the change from `base` to `head` (None: the work tree)."""
    changes = change_set(config, base, head)
    doc_changes = document_changes(config, changes.changes)
    befores = [b for _c, b, _a in doc_changes if b is not None]
    afters = [a for _c, _b, a in doc_changes if a is not None]
    old_blobs = read_blobs(config.root, changes.start, [b.path for b in befores])
    new_blobs: dict[str, bytes] = {}
    if changes.head is not None:
        new_blobs = read_blobs(config.root, changes.head, [a.path for a in afters])
    summary = PrSummary(base=base, base_commit=changes.base, start=changes.start,
                        head=head or "work tree", link_base=link_base)
    withheld: set[str] = set()
    for change, before_file, after_file in doc_changes:
        old = _document(before_file, old_blobs.get(before_file.path), config) \
            if before_file else None
        new: Document | None = None
        if after_file is not None:
            if changes.head is None:
                if (config.root / after_file.path).exists():
                    new = read_document(config, after_file)
            else:
                new = _document(after_file, new_blobs.get(after_file.path), config)
        _compare(summary, change.status, old, new)
        if any(d is not None and not is_published(d) for d in (old, new)):
            withheld.update(d.path for d in (old, new) if d is not None)
    summary.documents.sort(key=lambda d: (_ORDER[d.change], d.path))
    summary.findings = [replace(f, message=WITHHELD) if f.path in withheld else f
                        for f in _lint(config, today, changes)]
    return summary


_ORDER = {"added": 0, "renamed": 1, "changed": 2, "removed": 3}


def _compare(summary: PrSummary, status: str, old: Document | None, new: Document | None) -> None:
    shown = new or old
    if shown is None:
        return
    word = _CHANGE_WORDS.get(status, "changed")
    if new is None:
        word = "removed"
    elif old is None:
        word = "added"
    hidden = any(d is not None and not is_published(d) for d in (old, new))
    summary.documents.append(DocEntry(word, shown.id, shown.kind.name,
                                      WITHHELD if hidden else shown.title, shown.path,
                                      old.path if old is not None and new is not None
                                      and old.path != new.path else None))
    if new is None or hidden:  # a withheld document: that it changed, nothing of what it says
        return
    old_items, new_items = _raw_items(old), _raw_items(new)
    for item_id, item in new_items.items():
        previous = old_items.get(item_id)
        if previous is None:
            summary.new_items.append(_item(item))
        elif item.status in CLOSED_STATUSES and previous.status not in CLOSED_STATUSES:
            summary.closed_items.append(_item(item, previous.status))
    for item_id, item in old_items.items():
        if item_id not in new_items:
            summary.removed_items.append(_item(item))
    if new.kind.has(SUPERSEDE_CHAIN) and old is not None and old.status != new.status:
        summary.decisions.append(DecisionEntry(new.id, new.title, new.path, old.status, new.status))
    known = {str(i.get("description", "")).strip() for i in _impediments(old)}
    for entry in _impediments(new):
        description = str(entry.get("description", "")).strip()
        if description and description not in known:
            summary.impediments.append(ImpedimentEntry(
                new.id, description, _text(entry.get("status")), _text(entry.get("raised_on")),
                _text(entry.get("escalated_to")), new.path))


def _lint(config: Config, today: dt.date, changes: ChangeSet) -> list[Finding]:
    """Lint findings in the changed documents (and cross-file ones involving them) at the head."""
    from improve.core.git.changes import selection_of

    if changes.head is None:
        selection, involved = selection_of(config, changes)
        result = lint(config, today, selection=selection, involved_ids=involved)
        return sorted(set(result.findings) | set(since_findings(config, today, changes)))
    with tempfile.TemporaryDirectory(prefix="improve-pr-") as tmp:
        snapshot = _snapshot(config, changes.head, Path(tmp))
        selection, involved = selection_of(snapshot, changes)
        at_head: LintResult = lint(snapshot, today, selection=selection, involved_ids=involved,
                                   use_cache=False)
        return sorted(set(at_head.findings) | set(since_findings(snapshot, today, changes)))


def _snapshot(config: Config, head: str, folder: Path) -> Config:
    """The head's documents and config written to `folder`, read as a repository of its own."""
    folders = sorted({config.folder(kind).strip("/") for kind in config.registry.values()})
    wanted = tree_files(config.root, head, folders)
    if config.source is not None:
        wanted.append(config.source.relative_to(config.root).as_posix())
    for path, raw in read_blobs(config.root, head, wanted).items():
        atomic_write(safe_join(folder, path), raw)
    return load_config(root=folder)


# --- rendering ---------------------------------------------------------------------------------


def _doc_link(summary: PrSummary, entry: DocEntry) -> str:
    label = mdtext.text(entry.id or entry.path)
    if entry.change == "removed":
        return label
    return mdtext.link(label, (summary.link_base or "") + entry.path)


def _path_link(summary: PrSummary, label: str, path: str) -> str:
    return mdtext.link(mdtext.text(label), (summary.link_base or "") + path)


def render_markdown(summary: PrSummary) -> str:
    """Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`; user strings are escaped."""
    out = ["## Handbook changes", ""]
    if not summary.documents:
        out += ["No documents changed.", ""]
    else:
        counts = ", ".join(f"{summary.count(c)} {c}" for c in ("added", "changed", "renamed", "removed")
                           if summary.count(c))
        out += [f"{plural(len(summary.documents), 'document')}: {counts}.", ""]
        rows = []
        for entry in summary.documents:
            change = entry.change
            if entry.old_path:
                change += f" from {mdtext.code(entry.old_path)}"
            rows.append([_doc_link(summary, entry), mdtext.text(entry.kind),
                         mdtext.text(entry.title), change])
        out.append(mdtext.table(["Document", "Kind", "Title", "Change"], rows))
    text = mdtext.text
    tables = (
        ("New action items", ["Item", "Title", "Owner", "Due", "Status"], [
            [_path_link(summary, i.ref, i.path), text(i.title), text(i.owner or "no owner"),
             i.due or "no due date", text(i.status)] for i in summary.new_items]),
        ("Action items closed", ["Item", "Title", "Owner", "Now", "Was"], [
            [_path_link(summary, i.ref, i.path), text(i.title), text(i.owner or "no owner"),
             text(i.status), text(i.before)] for i in summary.closed_items]),
        ("Action items removed", ["Item", "Title", "Owner", "Status"], [
            [text(i.ref), text(i.title), text(i.owner or "no owner"), text(i.status)]
            for i in summary.removed_items]),
        ("Decisions whose status changed", ["Decision", "Title", "Was", "Now"], [
            [_path_link(summary, d.id or d.path, d.path), text(d.title),
             text(d.before or "none"), text(d.after or "none")] for d in summary.decisions]),
        ("Impediments raised", ["Retro", "Impediment", "Status", "Escalated to"], [
            [_path_link(summary, i.id or i.path, i.path), text(i.description),
             text(i.status or "open"), text(i.escalated_to or "")] for i in summary.impediments]),
    )
    for heading, columns, rows in tables:
        if rows:
            out += [f"### {heading}", ""]
            out.append(mdtext.table(columns, rows))
    out += ["### Lint", ""]
    if not summary.findings:
        out += ["No problems in the changed documents.", ""]
    else:
        out += [f"{plural(summary.errors, 'error')}, {plural(summary.warnings, 'warning')}:", ""]
        out.append(mdtext.table(["Where", "Severity", "Rule", "Message"], [
            [mdtext.code(f"{f.path}:{f.line}:{f.column}"), f.severity.value, mdtext.code(f.rule),
             mdtext.text(f.message)] for f in summary.findings]))
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(summary: PrSummary) -> str:
    return json.dumps(summary.to_json(), indent=2, ensure_ascii=False) + "\n"


# `improve pr-summary --format`: its choices are this registry's names.
RENDERERS = {"markdown": render_markdown, "json": render_json}
