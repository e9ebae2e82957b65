"""Dates from git history: when documents and action items appeared, when items were done.

One `git log` pass over the content folders (first parent, oldest first, `--raw -z`, author
dates) and one `git cat-file --batch` process for the blobs of the retros and RCAs it names:
never a git call per document or item, so a repository with thousands of commits stays cheap.

Following the first parent gives one linear story per file (a merged branch counts from the day
it landed), so two branches editing the same item cannot make it flap between states. Documents
are followed by their id (renumbered ones through `previous_ids`), so a renamed file keeps its
items' dates. Dates written in the documents win over these (see `core/metrics.py`). Without
history (not a git repository, a shallow clone, no commits) everything falls back to the
documents' own dates, and `History.note` says so once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from improve.core.errors import UsageProblem
from improve.core.git.gitrev import read_objects, run_git
from improve.core.read.clock import zone
from improve.core.read.config import Config
from improve.core.read.frontmatter import ParsedFile, parse
from improve.model.items import CLOSED_STATUSES, OPEN_STATUSES


@dataclass
class ItemHistory:
    """What git knows about one action item, keyed by its reference (`RETRO-0003#A2`)."""

    ref: str
    opened: dt.date  # author date of the first commit holding the item
    with_document: bool  # the item was in the document's first committed version
    done: dt.date | None = None  # the last commit where its status became `done`
    slips: int = 0  # how often `due` moved from one date to another
    reopened: int = 0  # how often a closed item became open again
    # Periods in `open`/`in-progress`: (from, until), until None while it is still open.
    spans: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    status: str = "open"
    due: str | None = None


@dataclass
class History:
    """The result of one pass; `available` is False (and `note` says why) without history."""

    available: bool
    note: str | None = None
    commits: int = 0
    created: dict[str, dt.date] = field(default_factory=dict)  # path or document id -> date
    items: dict[str, ItemHistory] = field(default_factory=dict)

    def created_on(self, doc_id: str | None, path: str) -> dt.date | None:
        """The date of the commit that added a document (by id first, then by path)."""
        if doc_id and doc_id in self.created:
            return self.created[doc_id]
        return self.created.get(path)


@dataclass(frozen=True)
class _Change:
    status: str
    path: str
    blob: str


@dataclass(frozen=True)
class _Commit:
    sha: str
    day: dt.date
    changes: tuple[_Change, ...]


_NULL_SHA = "0" * 40


def load_history(config: Config, *, known: Mapping[str, ParsedFile] | None = None) -> History:
    """Read the history of the content folders; never raises for a missing or odd repository.

    `known`: documents as they are now, parsed already, by their text (`ParsedFile.text`): a
    version in history with the same text is not parsed again (the handbook's build has parsed
    every current document; in most handbooks those are most of the versions).
    """
    root = config.root
    probe = _git(root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository")
    if probe is None or not probe.startswith(b"true"):
        return History(False, "not a git repository: dates come from the documents only")
    if probe.split()[-1:] == [b"true"]:
        return History(False, "shallow clone: dates come from the documents only; fetch the "
                              "full history (`git fetch --unshallow`, or `fetch-depth: 0` in CI)")
    folders = sorted({config.folder(kind).strip("/") for kind in config.registry.values()})
    out = _git(root, "-c", "log.showSignature=false", "log", "--first-parent", "--reverse",
               "--raw", "-z", "-M", "--no-abbrev", "--relative", "--format=%x01%H%x02%aI",
               "--", *folders)
    if out is None:
        return History(False, "no commits yet: dates come from the documents only")
    commits = list(_parse_log(out.decode("utf-8", "surrogateescape"), config.timezone))
    history = History(True, commits=len(commits))
    _replay(config, commits, history, known or {})
    return history


def _git(root: Path, *args: str) -> bytes | None:
    """Its output, or None when git is missing or fails (no repository: no history)."""
    try:
        return run_git(root, *args)
    except UsageProblem:
        return None


def _parse_log(text: str, timezone: str) -> Iterable[_Commit]:
    tz = zone(timezone)
    for chunk in text.split("\x01"):
        if not chunk.strip("\n\x00"):
            continue
        header, _, rest = chunk.partition("\x00")
        sha, _, stamp = header.partition("\x02")
        try:
            day = dt.datetime.fromisoformat(stamp.strip()).astimezone(tz).date()
        except (ValueError, OverflowError):
            continue
        tokens = rest.split("\x00")
        changes: list[_Change] = []
        index = 0
        while index < len(tokens):
            token = tokens[index].lstrip("\n")
            if not token.startswith(":"):
                index += 1
                continue
            fields = token[1:].split(" ")
            if len(fields) < 5:
                index += 1
                continue
            blob, status = fields[3], fields[4]
            if status[:1] in ("R", "C") and index + 2 < len(tokens):
                old, new = tokens[index + 1], tokens[index + 2]
                changes.append(_Change(status[:1], f"{old}\x00{new}", blob))
                index += 3
            elif index + 1 < len(tokens):
                changes.append(_Change(status[:1], tokens[index + 1], blob))
                index += 2
            else:
                index += 1
        yield _Commit(sha.strip(), day, tuple(changes))


def _item_folders(config: Config) -> tuple[str, ...]:
    return tuple(config.folder(kind).strip("/") + "/" for kind in config.registry.values()
                 if kind.has_action_items)


def _replay(config: Config, commits: Sequence[_Commit], history: History,
            known: Mapping[str, ParsedFile]) -> None:
    item_folders = _item_folders(config)
    wanted = sorted({change.blob for commit in commits for change in commit.changes
                     if change.status != "D" and change.blob != _NULL_SHA
                     and change.path.split("\x00")[-1].startswith(item_folders)})
    blobs = read_objects(config.root, wanted)
    for commit in commits:
        for change in commit.changes:
            old_path, _, new_path = change.path.rpartition("\x00")
            path = new_path
            if change.status == "D":
                continue
            if change.status == "R" and old_path in history.created:
                history.created.setdefault(path, history.created[old_path])
            history.created.setdefault(path, commit.day)
            blob = blobs.get(change.blob)
            if blob is not None:
                parsed = _known(blob, config, known) or parse(blob, max_size=config.max_file_size)
                _replay_document(parsed, commit.day, history)


def _known(blob: bytes, config: Config, known: Mapping[str, ParsedFile]) -> ParsedFile | None:
    """The parse of a current document with the blob's text (as `parse` reads it), if any."""
    if not known or len(blob) > config.max_file_size:
        return None
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return known.get(text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))


def _replay_document(parsed: ParsedFile, day: dt.date, history: History) -> None:
    meta = parsed.meta
    if meta is None or not isinstance(meta.get("id"), str):
        return
    doc_id: str = meta["id"]
    previous = meta.get("previous_ids")
    for old_id in previous if isinstance(previous, list) else []:
        if isinstance(old_id, str) and old_id != doc_id:
            _rename(history, old_id, doc_id)
    new_document = doc_id not in history.created
    history.created.setdefault(doc_id, day)
    entries = meta.get("action_items")
    if not isinstance(entries, list):
        return
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        ref = f"{doc_id}#{entry['id']}"
        status = entry.get("status", "open")
        status = status if isinstance(status, str) else "open"
        due = entry.get("due") if isinstance(entry.get("due"), str) else None
        record = history.items.get(ref)
        if record is None:
            record = ItemHistory(ref=ref, opened=day, with_document=new_document, status=status,
                                 due=due)
            history.items[ref] = record
            if status in OPEN_STATUSES:
                record.spans.append((day, None))
            elif status == "done":
                record.done = day
            continue
        _step(record, status, due, day)


def _step(record: ItemHistory, status: str, due: str | None, day: dt.date) -> None:
    was_open = record.status in OPEN_STATUSES
    now_open = status in OPEN_STATUSES
    if status == "done" and record.status != "done":
        record.done = day
    if now_open and record.status in CLOSED_STATUSES:
        record.reopened += 1
        record.done = None
    if now_open and not was_open:
        record.spans.append((day, None))
    elif was_open and not now_open and record.spans and record.spans[-1][1] is None:
        record.spans[-1] = (record.spans[-1][0], day)
    if due is not None:
        if record.due is not None and due != record.due:
            record.slips += 1
        record.due = due
    record.status = status


def _rename(history: History, old_id: str, new_id: str) -> None:
    """A renumbered document keeps its dates: move the old id's records to the new id."""
    if old_id in history.created:
        history.created.setdefault(new_id, history.created[old_id])
    prefix = f"{old_id}#"
    for ref in [r for r in history.items if r.startswith(prefix)]:
        new_ref = f"{new_id}#{ref[len(prefix):]}"
        record = history.items.pop(ref)
        if new_ref not in history.items:
            record.ref = new_ref
            history.items[new_ref] = record
