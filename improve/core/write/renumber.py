"""`improve renumber ID`: move a document to a free number and rewrite every reference to it.

The file is renamed (`git mv` where git tracks it), its `id` changes and the old id is appended to
`previous_ids`, so history-based numbers and old links still find it (the handbook serves a
redirect page at the old address, see `redirects`). References across the repository are
rewritten in place: front-matter values that are exactly the old id or one of its action items
(`RCA-0008#A2`), item references in bodies, and Markdown links to the old file name. Only those
lines change; every other byte (BOM, CRLF, comments, quoting) stays. Every edited file is parsed
again and must read back to exactly the intended values before anything is written.
"""

from __future__ import annotations

import copy
import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from improve.core.errors import ImproveError, UnknownIdError, UsageProblem
from improve.core.fsutil import (
    folder_lock,
    inside,
    read_bounded,
    replace_if_unchanged,
    repository_lock,
)
from improve.core.git.gitrev import is_tracked, is_work_tree, run_git
from improve.core.read.config import Config
from improve.core.read.discovery import walk_files
from improve.core.read.document import Document
from improve.core.read.repository import Repository
from improve.core.write.fmedit import Edit, EditRefused, Source
from improve.core.write.scaffold import existing_numbers
from improve.model.ids import FILE_NAME_RE, file_name, format_doc_id, parse_doc_id

# Top-level keys that hold the document's own identity or prose, never a reference to rewrite.
_NOT_REFERENCES = frozenset({"id", "previous_ids", "title"})
_LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)|^(\s*\[[^\]]+\]:\s*<?)(\S+?)(?=>?(?:\s|$))")


@dataclass
class RenumberResult:
    old_id: str
    new_id: str
    old_path: str
    new_path: str
    edited: list[str] = field(default_factory=list)  # other files whose references changed
    ambiguous: list[str] = field(default_factory=list)  # files naming an id two documents share
    git: bool = False


def _rel_path(config: Config, path: str) -> str:
    candidate = Path(path)
    for base in (Path.cwd(), config.root):
        full = (base / candidate).absolute()
        if full.exists() and inside(config.root, full):
            return Path(os.path.normpath(full)).relative_to(config.root.resolve()).as_posix()
    return candidate.as_posix()


def _target(config: Config, docs: list[Document], doc_id: str, path: str | None) -> tuple[Document, list[Document]]:
    holders = [d for d in docs if d.id == doc_id]
    if path is not None:
        rel = _rel_path(config, path)
        chosen = [d for d in holders if d.path == rel]
        if not chosen:
            where = ", ".join(d.path for d in holders) or "no document"
            raise UnknownIdError(f"{path} does not hold {doc_id} ({doc_id} is in {where})")
        return chosen[0], holders
    if not holders:
        renamed = [d.path for d in docs if doc_id in d.strings("previous_ids")]
        hint = f"; it was renumbered: see {', '.join(renamed)}" if renamed else ""
        raise UnknownIdError(f"no document has id {doc_id}{hint}")
    if len(holders) > 1:
        paths = ", ".join(d.path for d in holders)
        raise UnknownIdError(f"{doc_id} is the id of {paths}; choose the one to move with "
                             f"`--path`, e.g. `improve renumber {doc_id} --path {holders[-1].path}`")
    return holders[0], holders


def _taken(docs: list[Document], prefix: str, folder: Path) -> dict[int, str]:
    taken: dict[int, str] = dict.fromkeys(existing_numbers(folder), "a file in " + folder.name)
    for doc in docs:
        for value in (doc.id, *doc.strings("previous_ids")):
            parsed = parse_doc_id(value) if value else None
            if parsed is not None and parsed.prefix == prefix:
                taken[parsed.number] = doc.path
        if doc.number is not None and doc.kind.prefix == prefix:
            taken.setdefault(doc.number, doc.path)
    return taken


def renumber(config: Config, doc_id: str, *, to: int | None = None, path: str | None = None,
             dry_run: bool = False) -> RenumberResult:
    """Move document `doc_id` (the one at `path`, when two share it) to number `to` or the next free one."""
    with repository_lock(config.root):  # read, plan and write as one step (issue 11)
        return _renumber(config, doc_id, to=to, path=path, dry_run=dry_run)


def _renumber(config: Config, doc_id: str, *, to: int | None, path: str | None,
              dry_run: bool) -> RenumberResult:
    repo = Repository(config)
    docs = repo.documents()
    target, holders = _target(config, docs, doc_id, path)
    prefix = target.kind.prefix
    old_parsed = parse_doc_id(doc_id)
    if old_parsed is None or old_parsed.prefix != prefix:
        raise UsageProblem(f"{doc_id} is not a {target.kind.name} id ({prefix}-NNNN); fix its `id` first")
    old_name = posixpath.basename(target.path)
    match = FILE_NAME_RE.match(old_name)
    if match is None:
        raise UsageProblem(f"{target.path} is not named <number>-<slug>.md")
    folder = (config.root / target.path).parent
    with folder_lock(folder):
        taken = _taken(docs, prefix, folder)
        if to is None:
            number = max(taken, default=0) + 1
        else:
            if to < 1:
                raise UsageProblem("--to must be a positive number")
            if to in taken:
                raise UsageProblem(f"number {to} is taken ({format_doc_id(prefix, to)}: {taken[to]}); "
                                   "choose another or leave --to out for the next free one")
            number = to
        new_id = format_doc_id(prefix, number)
        new_path = posixpath.join(posixpath.dirname(target.path), file_name(number, match["slug"]))
        result = RenumberResult(doc_id, new_id, target.path, new_path)
        plan = _plan_edits(config, docs, target, new_id, new_path, ambiguous=len(holders) > 1,
                           result=result)
        if dry_run:
            return result
        _apply(config, target.path, new_path, plan, result)
    return result


Plan = dict[str, tuple[bytes, bytes]]  # path -> (the bytes read, the bytes to write)


def _read(config: Config, rel: str) -> bytes | None:
    """A file's bytes, bounded; None for one improve does not edit (too large, not a regular
    file, unreadable): a FIFO or a link to /dev/zero must not hang renumber (issue 11)."""
    try:
        raw = read_bounded(config.root / rel, config.max_file_size)
    except OSError:
        return None
    return raw if len(raw) <= config.max_file_size else None


def _plan_edits(config: Config, docs: list[Document], target: Document, new_id: str, new_path: str,
                *, ambiguous: bool, result: RenumberResult) -> Plan:
    """The bytes read and the new bytes of every file that changes (the moved file under its
    old path)."""
    old_id = target.id or ""
    old_name = posixpath.basename(target.path)
    new_name = posixpath.basename(new_path)
    plan: Plan = {}
    raw = _read(config, target.path)
    if raw is None:
        raise UsageProblem(f"{target.path} cannot be read as a document; nothing was changed")
    edited = _edit(raw, target.path, old_id, new_id, old_name, new_name, target.path,
                   own=True, references=not ambiguous)
    plan[target.path] = (raw, edited if edited is not None else raw)
    for doc in docs:
        if doc.path == target.path:
            continue
        raw = _read(config, doc.path)
        if raw is None:
            continue
        edited = _edit(raw, doc.path, old_id, new_id, old_name, new_name, target.path,
                       own=False, references=not ambiguous)
        if edited is not None:
            plan[doc.path] = (raw, edited)
            result.edited.append(doc.path)
        if ambiguous and doc.id != old_id and _names(doc, old_id):
            result.ambiguous.append(doc.path)
    doc_paths = {d.path for d in docs}
    for md_path in _markdown_files(config):
        if md_path in doc_paths:
            continue
        raw = _read(config, md_path)
        if raw is None:
            continue
        edited = _edit_links_only(raw, md_path, old_name, new_name, target.path)
        if edited is not None:
            plan[md_path] = (raw, edited)
            result.edited.append(md_path)
    result.edited.sort()
    result.ambiguous.sort()
    return plan


def _names(doc: Document, old_id: str) -> bool:
    return any(True for _ in _reference_paths(doc.meta, old_id))


def _markdown_files(config: Config) -> list[str]:
    if is_work_tree(config.root):
        out = run_git(config.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                      "--", "*.md")
        names = [n for n in out.decode("utf-8", "surrogateescape").split("\0") if n]
    else:
        names = [n for n in walk_files(config.root, ["."]) if n.endswith(".md")]
        names = [n.removeprefix("./") for n in names]
    return sorted(n for n in names if (config.root / n).is_file() and not (config.root / n).is_symlink())


def _apply(config: Config, old_path: str, new_path: str, plan: Plan,
           result: RenumberResult) -> None:
    old_full, new_full = config.root / old_path, config.root / new_path
    if new_full.exists():
        raise UsageProblem(f"{new_path} exists already; nothing was changed")
    for rel, (before, _after) in sorted(plan.items()):  # all still as read, or nothing is done
        if _read(config, rel) != before:
            raise UsageProblem(f"{rel} changed while improve was renumbering (another program "
                               "wrote to it); nothing was changed, run the command again")
        if not os.access(config.root / rel, os.W_OK):
            raise UsageProblem(f"{rel} is read-only; nothing was changed (make it writable to "
                               "let improve edit it)")
    if is_work_tree(config.root) and is_tracked(config.root, old_path):
        run_git(config.root, "mv", "--", old_path, new_path)  # a failure names the command
        result.git = True
    else:
        os.replace(old_full, new_full)
    moved_before, moved_after = plan.pop(old_path)
    replace_if_unchanged(new_full, moved_before, moved_after)
    for rel, (before, after) in sorted(plan.items()):
        replace_if_unchanged(config.root / rel, before, after)
    if result.git:
        # The whole change staged, not only the rename (issue 16): the new id in the moved file
        # and every reference rewritten in a tracked file, so the commit holds all of it.
        tracked = [rel for rel in sorted(plan) if is_tracked(config.root, rel)]
        run_git(config.root, "add", "--", new_path, *tracked)


# --- editing ----------------------------------------------------------------------------------


def _reference_paths(meta: Any, old_id: str, path: tuple[Any, ...] = ()) -> Iterable[tuple[tuple[Any, ...], str]]:
    """(path, value) of every string value that is exactly `old_id` or `old_id#An`."""
    if isinstance(meta, dict):
        for key, value in meta.items():
            if not path and key in _NOT_REFERENCES:
                continue
            yield from _reference_paths(value, old_id, (*path, key))
    elif isinstance(meta, list):
        for index, value in enumerate(meta):
            yield from _reference_paths(value, old_id, (*path, index))
    elif isinstance(meta, str) and (meta == old_id or re.fullmatch(re.escape(old_id) + r"#A[1-9][0-9]*", meta)):
        yield path, meta


def _set(meta: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        meta = meta[key]
    meta[path[-1]] = value


def _edit(raw: bytes, where: str, old_id: str, new_id: str, old_name: str, new_name: str,
          moved_path: str, *, own: bool, references: bool) -> bytes | None:
    """The file with its references (and, when `own`, its id) rewritten, through the one
    front-matter edit engine (`improve.core.write.fmedit`); None when nothing changes."""
    try:
        source = Source(raw, where)
    except (EditRefused, UnicodeDecodeError):
        return None if not own else _refuse(where, "its front matter cannot be read")
    expected = copy.deepcopy(source.meta)
    edits: list[Edit] = []
    if own:
        id_node = source.node(("id",))
        edit = source.replace_token(id_node, old_id, new_id) if id_node is not None else None
        if edit is None:
            _refuse(where, "its `id` line could not be found")
        edits.append(edit)
        expected["id"] = new_id
        previous = source.meta.get("previous_ids")
        expected["previous_ids"] = [*(previous if isinstance(previous, list) else
                                      [previous] if isinstance(previous, str) else []), old_id]
        edits.append(_previous_id(source, old_id))
    if references:
        for path, value in _reference_paths(source.meta, old_id):
            node = source.node(path)
            edit = source.replace_token(node, old_id, new_id) if node is not None else None
            if edit is not None:
                edits.append(edit)
                _set(expected, path, new_id + value[len(old_id):])
    item_ref = re.compile(r"(?<![A-Za-z0-9-])" + re.escape(old_id) + r"(?=#A[1-9])") if references else None
    for start, end, text in source.body_lines():
        new_text = _rewrite_links(text, where, old_name, new_name, moved_path)
        if item_ref is not None:
            new_text = item_ref.sub(new_id, new_text)
        if new_text != text:
            edits.append(Edit(start, end, new_text))
    if not edits:
        return None
    data = source.apply(edits)
    try:
        source.verify(data, expected, body=False)
    except EditRefused:
        _refuse(where, "the edited front matter did not read back as intended")
    return data


def _previous_id(source: Source, old_id: str) -> Edit:
    """`old_id` added to `previous_ids`: a new key after `id`, an item at the end of the list
    (`[...]` or `- ...` lines), or a single value or empty one made a `[...]` list."""
    value = source.meta.get("previous_ids")
    node = source.node(("previous_ids",))
    if node is None:
        assert isinstance(source.root, yaml.MappingNode)
        return source.insert_keys(source.root, [("previous_ids", f"[{old_id}]")], after="id")
    if isinstance(node, yaml.SequenceNode) and node.value and isinstance(value, list):
        return source.append_item(node, old_id)
    if value in (None, []) or isinstance(value, str):
        current = [value] if isinstance(value, str) else []
        return source.replace_node(node, "[" + ", ".join([*current, old_id]) + "]")
    return _refuse(source.where, "its `previous_ids` has a form improve cannot extend")


def _edit_links_only(raw: bytes, where: str, old_name: str, new_name: str, moved_path: str) -> bytes | None:
    """A Markdown file that is not a document: its links rewritten, line by line, every line
    break kept as it was."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    parts = _LINE_SPLIT.split(text)  # lines at even indexes, their breaks between them
    changed = False
    for index in range(0, len(parts), 2):
        new_text = _rewrite_links(parts[index], where, old_name, new_name, moved_path)
        if new_text != parts[index]:
            parts[index] = new_text
            changed = True
    return "".join(parts).encode("utf-8") if changed else None


_LINE_SPLIT = re.compile(r"(\r\n|\r|\n)")


def _refuse(where: str, why: str) -> NoReturn:
    raise ImproveError(f"{where}: {why}; nothing was changed (fix the file, or rename it by hand)")


def _points_to(target: str, where: str, old_name: str, moved_path: str) -> bool:
    path = re.split(r"[#?]", target, maxsplit=1)[0]
    if posixpath.basename(path) != old_name:
        return False
    if "://" in path:
        return False
    here = posixpath.dirname(where)
    resolved = posixpath.normpath(posixpath.join(here, path))
    moved_dir = posixpath.dirname(moved_path)
    # Relative to the linking file, from the repository root, or MkDocs-style from `docs/`.
    return (resolved == moved_path or posixpath.normpath(path.lstrip("/")) == moved_path
            or (posixpath.basename(posixpath.dirname(posixpath.normpath(path))) == posixpath.basename(moved_dir)
            and posixpath.dirname(posixpath.normpath(path)) != ""))


def _rewrite_links(text: str, where: str, old_name: str, new_name: str, moved_path: str) -> str:
    if old_name not in text:
        return text

    def swap(match: re.Match[str]) -> str:
        lead = match.group(1) if match.group(1) is not None else match.group(3)
        target = match.group(2) if match.group(2) is not None else match.group(4)
        if not _points_to(target, where, old_name, moved_path):
            return match.group(0)
        head, _sep, rest = target.partition(old_name)
        return lead + head + new_name + rest

    return _LINK.sub(swap, text)


# --- redirects --------------------------------------------------------------------------------


def redirects(documents: Iterable[Document]) -> dict[str, str]:
    """Old path -> current path of every renumbered document (from `previous_ids`), for the
    handbook's redirect pages. A document keeps its slug when renumbered, so its old address is
    its old number with its current slug; addresses that another document holds are left out."""
    docs = list(documents)
    live = {d.path for d in docs}
    found: dict[str, str] = {}
    for doc in sorted(docs, key=lambda d: d.path):
        match = FILE_NAME_RE.match(posixpath.basename(doc.path))
        if match is None:
            continue
        for old in doc.strings("previous_ids"):
            parsed = parse_doc_id(old)
            if parsed is None or parsed.prefix != doc.kind.prefix or parsed.number == doc.number:
                continue
            old_path = posixpath.join(posixpath.dirname(doc.path), file_name(parsed.number, match["slug"]))
            if old_path not in live:
                found.setdefault(old_path, doc.path)
    return dict(sorted(found.items()))
