"""Editing one action item in place: only the lines that must change, nothing else.

`improve actions done|set` change `status`, `owner`, `due` and `done_on` of one item in the file
that holds it. The edit works on the file's own characters, located through the YAML nodes'
marks, so comments, key order, quoting, flow-style items, multi-line titles, a UTF-8 BOM, CRLF
(or mixed) line endings and the file mode survive. The result is parsed again before it is
written, and refused unless it reads back to exactly the intended values.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from improve.core.config import Config
from improve.core.errors import ImproveError, UnknownIdError, UsageProblem
from improve.core.frontmatter import ParsedFile, parse
from improve.core.fsutil import inside, read_bounded, replace_if_unchanged, repository_lock
from improve.core.yamlout import scalar
from improve.model.ids import parse_item_ref
from improve.model.items import CLOSED_STATUSES, OPEN_STATUSES

STATUSES = (*OPEN_STATUSES, *CLOSED_STATUSES)
# The keys an edit may touch, in the order they are added to an item that lacks them.
EDITABLE = ("status", "owner", "due", "done_on", "reason")
_EOL = re.compile(r"\r\n|\r|\n")
# Characters that end or split a plain scalar inside `{...}` or `[...]`.
_FLOW_UNSAFE = re.compile(r"[,\[\]{}#]|: ")


class EditRefused(ImproveError):
    """The edit cannot be made safely (the file would not read back as intended)."""


@dataclass(frozen=True)
class EditResult:
    """What an edit did: the file, the item, and each changed key's value before and after."""

    path: str
    ref: str
    before: dict[str, Any]
    after: dict[str, Any]
    written: bool

    @property
    def changed(self) -> bool:
        return self.written


@dataclass
class _Edit:
    start: int  # offsets into the file's text (BOM excluded), end exclusive
    end: int
    text: str


@dataclass
class _Located:
    """The action item's mapping node and the text coordinates needed to edit it."""

    node: yaml.MappingNode
    index: int
    pairs: dict[str, tuple[yaml.Node, yaml.Node]] = field(default_factory=dict)


# --- the pure part: bytes in, bytes out ---------------------------------------------------------


def edit_bytes(raw: bytes, item_id: str, changes: Mapping[str, str | None], *,
               where: str = "the document") -> bytes:
    """`raw` with the item `item_id` changed: a string sets a key, None removes it.

    Raises `UnknownIdError` when the item is missing or its id is used twice, `EditRefused` when
    the file cannot be edited safely. No change at all returns `raw` itself.
    """
    parsed = parse(raw, max_size=max(len(raw), 1))
    _require_editable(parsed, where)
    assert parsed.meta is not None
    text = raw.decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    located = _locate_item(parsed, item_id, where)
    offsets = _OffsetMap(parsed, text)
    current = parsed.meta["action_items"][located.index]
    wanted: dict[str, str | None] = {}
    for key, value in changes.items():
        if (key in current) if value is None else current.get(key) != value:
            wanted[key] = value
    if not wanted:
        return raw
    edits = _plan(located, wanted, text, offsets, parsed.yaml_text, where)
    new_text = text
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        new_text = new_text[: edit.start] + edit.text + new_text[edit.end :]
    new_raw = (bom + new_text).encode("utf-8")
    _verify(parsed, new_raw, located.index, wanted, where)
    return new_raw


def _require_editable(parsed: ParsedFile, where: str) -> None:
    if not parsed.ok:
        first = parsed.problems[0] if parsed.problems else None
        detail = f" (line {first.line}: {first.message})" if first else ""
        raise EditRefused(f"{where} cannot be read{detail}; fix it before editing its items")
    blocking = [p for p in parsed.problems if p.rule in ("duplicate-key", "tab-indentation")]
    if blocking:
        raise EditRefused(f"{where}:{blocking[0].line}: {blocking[0].message}; fix it before "
                          "editing its items, nothing was changed")


def _locate_item(parsed: ParsedFile, item_id: str, where: str) -> _Located:
    try:
        root = yaml.compose(parsed.yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:  # the fast reader accepted it; the reference one did not
        raise EditRefused(f"{where}: the front matter cannot be located for editing ({exc})") from None
    items_node = None
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "action_items":
                items_node = value
    meta_items = parsed.meta.get("action_items") if parsed.meta else None
    if not isinstance(items_node, yaml.SequenceNode) or not isinstance(meta_items, list):
        raise UnknownIdError(f"{where} has no `action_items` list, so no item {item_id}")
    matches: list[_Located] = []
    for index, node in enumerate(items_node.value):
        if not isinstance(node, yaml.MappingNode):
            continue
        pairs: dict[str, tuple[yaml.Node, yaml.Node]] = {
            str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        id_pair = pairs.get("id")
        if id_pair and isinstance(id_pair[1], yaml.ScalarNode) and id_pair[1].value == item_id:
            matches.append(_Located(node=node, index=index, pairs=pairs))
    if not matches:
        known = [str(e.get("id")) for e in meta_items if isinstance(e, dict) and e.get("id")]
        listing = ", ".join(known) if known else "none"
        raise UnknownIdError(f"{where} has no action item {item_id} (its items: {listing})")
    if len(matches) > 1:
        lines = ", ".join(str(parsed.fm_first_line + m.node.start_mark.line) for m in matches)
        raise UnknownIdError(f"{where} has {len(matches)} action items with id {item_id} (lines "
                             f"{lines}); give each its own id first, nothing was changed")
    found = matches[0]
    if not isinstance(meta_items[found.index], dict):
        raise EditRefused(f"{where}: action item {item_id} is not a mapping")
    return found


class _OffsetMap:
    """Maps an index in the front matter's YAML text to an offset in the file's own text.

    `ParsedFile.text` has `\\n` line ends; the file may have CRLF, CR or a mix. Line contents are
    the same in both, so line number plus column carries over exactly.
    """

    def __init__(self, parsed: ParsedFile, text: str) -> None:
        norm_first = parsed.text.split("\n", 1)[0]
        self.yaml_base = len(norm_first) + 1
        self.norm_starts = [0]
        for index, char in enumerate(parsed.text):
            if char == "\n":
                self.norm_starts.append(index + 1)
        self.raw_starts = [0]
        self.raw_ends: list[str] = []
        for match in _EOL.finditer(text):
            self.raw_ends.append(match.group(0))
            self.raw_starts.append(match.end())
        self.raw_ends.append("")
        self.text = text

    def offset(self, yaml_index: int) -> int:
        norm = self.yaml_base + yaml_index
        line = bisect.bisect_right(self.norm_starts, norm) - 1
        return self.raw_starts[line] + (norm - self.norm_starts[line])

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.raw_starts, offset) - 1

    def line_end(self, offset: int) -> int:
        """The offset where the line holding `offset` ends (its line break starts)."""
        line = self.line_of(offset)
        return self.raw_starts[line] + len(self._content(line))

    def line_start(self, offset: int) -> int:
        return self.raw_starts[self.line_of(offset)]

    def eol(self, offset: int) -> str:
        """The line break of the line holding `offset` (the file's own style)."""
        ending = self.raw_ends[self.line_of(offset)]
        return ending or _dominant_eol(self.raw_ends)

    def _content(self, line: int) -> str:
        start = self.raw_starts[line]
        end = self.raw_starts[line + 1] - len(self.raw_ends[line]) if line + 1 < len(
            self.raw_starts) else len(self.text)
        return self.text[start:end]


def _dominant_eol(endings: Sequence[str]) -> str:
    counts = {e: endings.count(e) for e in ("\r\n", "\n", "\r")}
    return max(counts, key=lambda e: (counts[e], e == "\n"))


def _content_end(node: yaml.Node) -> yaml.Mark:
    """Where a value's own characters end (a block collection ends with its last child)."""
    if isinstance(node, yaml.SequenceNode | yaml.MappingNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _content_end(last[1] if isinstance(last, tuple) else last)
    return node.end_mark


def _is_block_scalar(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")


def _plan(located: _Located, wanted: Mapping[str, str | None], text: str, offsets: _OffsetMap,
          yaml_text: str, where: str) -> list[_Edit]:
    node = located.node
    flow = bool(node.flow_style)
    edits: list[_Edit] = []
    missing: list[tuple[str, str]] = []
    for key in EDITABLE:
        if key not in wanted:
            continue
        value = wanted[key]
        pair = located.pairs.get(key)
        if value is None:
            assert pair is not None
            edits.append(_removal(located, key, offsets, text, where))
        elif pair is None:
            missing.append((key, _render(value, None, flow)))
        else:
            edits.append(_replacement(pair[1], value, flow, offsets, yaml_text, key, where))
    if missing:
        edits.append(_insertion(located, missing, offsets, text))
    return edits


def _replacement(value_node: yaml.Node, value: str, flow: bool, offsets: _OffsetMap,
                 yaml_text: str, key: str, where: str) -> _Edit:
    if not isinstance(value_node, yaml.ScalarNode) or _is_block_scalar(value_node):
        raise EditRefused(f"{where}:{value_node.start_mark.line + 2}: `{key}` is not written as a "
                          "single value; edit it by hand, nothing was changed")
    start = value_node.start_mark.index
    end = value_node.end_mark.index
    rendered = _render(value, value_node.style if value_node.style in ("'", '"') else None, flow)
    if start == end and start > 0 and yaml_text[start - 1] == ":":
        rendered = " " + rendered  # `owner:` with nothing after the colon
    return _Edit(offsets.offset(start), offsets.offset(end), rendered)


def _insertion(located: _Located, missing: Sequence[tuple[str, str]], offsets: _OffsetMap,
               text: str) -> _Edit:
    node = located.node
    last_key, last_value = node.value[-1]
    if node.flow_style:
        at = offsets.offset(_content_end(last_value).index)
        addition = "".join(f", {key}: {value}" for key, value in missing)
        return _Edit(at, at, addition)
    indent = " " * node.value[0][0].start_mark.column
    end_node = last_value
    while (isinstance(end_node, yaml.SequenceNode | yaml.MappingNode) and not end_node.flow_style
           and end_node.value):
        tail = end_node.value[-1]
        end_node = tail[1] if isinstance(tail, tuple) else tail
    if _is_block_scalar(end_node):
        # A block scalar ends at the start of the next line: add whole lines before that line.
        at = offsets.line_start(offsets.offset(end_node.end_mark.index))
        eol = offsets.eol(at - 1) if at > 0 else "\n"
        addition = "".join(f"{indent}{key}: {value}{eol}" for key, value in missing)
        return _Edit(at, at, addition)
    end = offsets.offset(_content_end(last_value).index)
    at = offsets.line_end(max(end - 1, offsets.offset(last_key.start_mark.index)))
    eol = offsets.eol(at)
    addition = "".join(f"{eol}{indent}{key}: {value}" for key, value in missing)
    return _Edit(at, at, addition)


def _removal(located: _Located, key: str, offsets: _OffsetMap, text: str, where: str) -> _Edit:
    node = located.node
    keys = [k for k, _v in node.value]
    values = [v for _k, v in node.value]
    position = max(i for i, k in enumerate(keys) if isinstance(k, yaml.ScalarNode) and k.value == key)
    key_node, value_node = keys[position], values[position]
    if node.flow_style:
        if position > 0:
            start = offsets.offset(_content_end(values[position - 1]).index)
            end = offsets.offset(_content_end(value_node).index)
        elif position + 1 < len(keys):
            start = offsets.offset(key_node.start_mark.index)
            end = offsets.offset(keys[position + 1].start_mark.index)
        else:
            start = offsets.offset(key_node.start_mark.index)
            end = offsets.offset(_content_end(value_node).index)
        return _Edit(start, end, "")
    key_at = offsets.offset(key_node.start_mark.index)
    line_start = offsets.line_start(key_at)
    value_end = offsets.offset(_content_end(value_node).index)
    if (position == 0 or text[line_start:key_at].strip()
            or offsets.line_of(max(value_end - 1, key_at)) != offsets.line_of(key_at)):
        raise EditRefused(f"{where}: `{key}` of this action item is not on a line of its own; "
                          "remove it by hand, nothing was changed")
    line = offsets.line_of(key_at)
    end = offsets.raw_starts[line + 1] if line + 1 < len(offsets.raw_starts) else len(text)
    return _Edit(line_start, end, "")


def _render(value: str, style: str | None, flow: bool) -> str:
    """A new value in the old value's quoting style; plain when that reads back the same."""
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style == '"':
        return json.dumps(value, ensure_ascii=False)
    rendered = scalar(value)
    if flow and not rendered.startswith(("'", '"')) and _FLOW_UNSAFE.search(rendered):
        rendered = "'" + value.replace("'", "''") + "'"
    return rendered


def _verify(old: ParsedFile, new_raw: bytes, index: int, wanted: Mapping[str, str | None],
            where: str) -> None:
    """Refuse unless the new bytes read back as the old values with exactly `wanted` applied."""
    new = parse(new_raw, max_size=max(len(new_raw), 1))
    assert old.meta is not None
    expected = copy.deepcopy(old.meta)
    item = expected["action_items"][index]
    order = list(item)
    for key, value in wanted.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    expected_order = [k for k in order if k in item] + [k for k in EDITABLE
                                                         if k in item and k not in order]
    problems = [p.rule for p in new.problems] != [p.rule for p in old.problems]
    new_items = new.meta.get("action_items") if new.meta else None
    same = (
        new.ok and not problems and new.meta == expected and new.body == old.body
        and new.bom == old.bom and isinstance(new_items, list)
        and list(new_items[index]) == expected_order
    )
    if not same:
        raise EditRefused(f"{where}: the edit would not read back as intended, so nothing was "
                          "changed; edit the item by hand (and please report this file's shape)")


# --- the repository part: find the item, lock, re-read, write --------------------------------


def changes_for(current: Mapping[str, Any], *, today: dt.date, status: str | None = None,
                owner: str | None = None, due: dt.date | None = None,
                reason: str | None = None) -> dict[str, str | None]:
    """The key changes that `status`/`owner`/`due` mean for an item currently holding `current`.

    Becoming done fills `done_on` with today; leaving done removes a stale `done_on`. A
    `reason` goes with dropping (`reason:`); coming back from dropped removes it.
    """
    changes: dict[str, str | None] = {}
    if status is not None:
        if status not in STATUSES:
            raise UsageProblem(f"status {status!r} is not one of {', '.join(STATUSES)}")
        old = current.get("status", "open")
        changes["status"] = status
        if status == "done" and old != "done":
            changes["done_on"] = today.isoformat()
        elif status != "done" and "done_on" in current:
            changes["done_on"] = None
    if reason is not None:
        final = status if status is not None else current.get("status", "open")
        if final != "dropped":
            raise UsageProblem("--reason says why an item is dropped: use it with --status dropped")
        if not reason.strip():
            raise UsageProblem("--reason is empty; say in a few words why the item is dropped")
        changes["reason"] = " ".join(reason.split())
    elif status is not None and status != "dropped" and "reason" in current:
        changes["reason"] = None
    if owner is not None:
        if not owner.strip():
            raise UsageProblem("--owner is empty; name a person (a roster handle, name or email)")
        changes["owner"] = owner.strip()
    if due is not None:
        changes["due"] = due.isoformat()
    return changes


def find_item_file(config: Config, ref: str) -> tuple[Path, str, str]:
    """The file holding `ref` (`RCA-0007#A2`) with the document and item ids; exit 2 otherwise."""
    from improve.core.discovery import discover
    from improve.core.repository import read_document

    parsed_ref = parse_item_ref(ref.strip())
    if parsed_ref is None:
        raise UnknownIdError(f"{ref!r} is not an action-item reference; write it like RCA-0007#A2 "
                             "(`improve actions` lists them)")
    doc_id, item_id = parsed_ref
    prefix = doc_id.split("-", 1)[0]
    kind = next((k for k in config.registry.values() if k.prefix == prefix), None)
    if kind is None or not kind.has_action_items:
        kinds = ", ".join(k.prefix for k in config.registry.values() if k.has_action_items)
        raise UnknownIdError(f"{ref}: {doc_id} cannot hold action items (only {kinds} documents do)")
    files = [f for f in discover(config) if f.kind_name == kind.name]
    holders = [f for f in files if read_document(config, f).id == doc_id]
    if not holders:
        holders = [f for f in files if doc_id in read_document(config, f).strings("previous_ids")]
    if not holders:
        raise UnknownIdError(f"{ref}: no document has the id {doc_id}; `improve actions` lists "
                             "every item, nothing was changed")
    if len(holders) > 1:
        paths = ", ".join(f.path for f in holders)
        raise UnknownIdError(f"{ref} is ambiguous: {doc_id} is the id of {len(holders)} documents "
                             f"({paths}); give one of them a new number with `improve renumber`, "
                             "nothing was changed")
    return config.root / holders[0].path, doc_id, item_id


def edit_item(config: Config, ref: str, *, today: dt.date, status: str | None = None,
              owner: str | None = None, due: dt.date | None = None,
              reason: str | None = None) -> EditResult:
    """Change one action item in its file, atomically, under the repository's writer lock.

    Two improve writers at once take turns, and each re-reads the file inside the lock, so
    neither loses the other's edit; a program that does not take the lock and changes the file
    meanwhile makes this one refuse (`fsutil.replace_if_unchanged`) rather than lose its lines.
    """
    path, doc_id, item_id = find_item_file(config, ref)
    target = path.resolve() if path.is_symlink() else path
    if not inside(config.root, target):
        raise UsageProblem(f"{path} leads outside the repository; refusing to edit it")
    rel = path.relative_to(config.root).as_posix()
    with repository_lock(config.root):
        try:
            raw = read_bounded(target, max(config.max_file_size, 1))
        except OSError as exc:
            raise UsageProblem(f"{rel} cannot be read ({exc.strerror or exc}); nothing was "
                               "changed") from None
        parsed = parse(raw, max_size=max(len(raw), 1))
        _require_editable(parsed, rel)
        assert parsed.meta is not None
        if parsed.meta.get("id") != doc_id and doc_id not in (parsed.meta.get("previous_ids") or []):
            raise UsageProblem(f"{rel} changed while improve was reading it; run the command again")
        located = _locate_item(parsed, item_id, rel)
        current = parsed.meta["action_items"][located.index]
        changes = changes_for(current, today=today, status=status, owner=owner, due=due,
                              reason=reason)
        before = {k: current.get(k) for k in changes}
        new_raw = edit_bytes(raw, item_id, changes, where=rel)
        written = new_raw != raw
        if written:
            replace_if_unchanged(target, raw, new_raw)
    return EditResult(path=rel, ref=f"{doc_id}#{item_id}", before=before, after=dict(changes),
                      written=written)
