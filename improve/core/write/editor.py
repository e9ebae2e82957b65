"""Editing one action item in place: only the lines that must change, nothing else.

`improve actions done|set` change `status`, `owner`, `due`, `done_on` and `reason` of one item
in the file that holds it, through the one front-matter edit engine (`improve.core.write.fmedit`):
comments, key order, quoting, flow-style items, multi-line titles, a UTF-8 BOM, line endings and
the file mode survive, and the result is refused unless it reads back to exactly the intended
values.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from improve.core.errors import UnknownIdError, UsageProblem
from improve.core.fsutil import inside, read_bounded, replace_if_unchanged, repository_lock
from improve.core.read.config import Config
from improve.core.write.fmedit import Edit, EditRefused, Source, render
from improve.model.ids import parse_item_ref
from improve.model.items import CLOSED_STATUSES, OPEN_STATUSES

STATUSES = (*OPEN_STATUSES, *CLOSED_STATUSES)
# The keys an edit may touch, in the order they are added to an item that lacks them.
EDITABLE = ("status", "owner", "due", "done_on", "reason")


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
    source = Source(raw, where)
    located = _locate_item(source, item_id, where)
    current = source.meta["action_items"][located.index]
    wanted: dict[str, str | None] = {}
    for key, value in changes.items():
        if (key in current) if value is None else current.get(key) != value:
            wanted[key] = value
    if not wanted:
        return raw
    new_raw = source.apply(_plan(source, located, wanted))
    _verify(source, new_raw, located.index, wanted)
    return new_raw


def _locate_item(source: Source, item_id: str, where: str) -> _Located:
    parsed = source.parsed
    items_node = source.node(("action_items",))
    meta_items = parsed.meta.get("action_items") if parsed.meta else None
    if not isinstance(items_node, yaml.SequenceNode) or not isinstance(meta_items, list):
        raise UnknownIdError(f"{where} has no `action_items` list, so no item {item_id}")
    matches: list[_Located] = []
    for index, node in enumerate(items_node.value):
        if not isinstance(node, yaml.MappingNode):
            continue
        pairs = source.pairs(node)
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


def _plan(source: Source, located: _Located, wanted: Mapping[str, str | None]) -> list[Edit]:
    node = located.node
    flow = bool(node.flow_style)
    edits: list[Edit] = []
    missing: list[tuple[str, str]] = []
    for key in EDITABLE:
        if key not in wanted:
            continue
        value = wanted[key]
        pair = located.pairs.get(key)
        if value is None:
            assert pair is not None
            edits.append(source.remove_key(node, key))
        elif pair is None:
            missing.append((key, render(value, None, flow)))
        else:
            edits.append(source.replace_scalar(pair[1], value, flow=flow, key=key))
    if missing:
        edits.append(source.insert_keys(node, missing))
    return edits


def _verify(source: Source, new_raw: bytes, index: int, wanted: Mapping[str, str | None]) -> None:
    """Refuse unless the new bytes read back as the old values with exactly `wanted` applied,
    the item's keys in their old order and the new ones after them."""
    expected = copy.deepcopy(source.meta)
    item = expected["action_items"][index]
    order = list(item)
    for key, value in wanted.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    expected_order = [k for k in order if k in item] + [k for k in EDITABLE
                                                         if k in item and k not in order]
    new = source.verify(new_raw, expected)
    new_items = new.meta.get("action_items") if new.meta else None
    if not isinstance(new_items, list) or list(new_items[index]) != expected_order:
        raise EditRefused(f"{source.where}: the edit would not read back as intended, so "
                          "nothing was changed; edit the item by hand (and please report this "
                          "file's shape)")


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
    from improve.core.read.discovery import discover
    from improve.core.read.repository import read_document

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
        source = Source(raw, rel)
        meta = source.meta
        if meta.get("id") != doc_id and doc_id not in (meta.get("previous_ids") or []):
            raise UsageProblem(f"{rel} changed while improve was reading it; run the command again")
        located = _locate_item(source, item_id, rel)
        current = meta["action_items"][located.index]
        changes = changes_for(current, today=today, status=status, owner=owner, due=due,
                              reason=reason)
        before = {k: current.get(k) for k in changes}
        new_raw = edit_bytes(raw, item_id, changes, where=rel)
        written = new_raw != raw
        if written:
            replace_if_unchanged(target, raw, new_raw)
    return EditResult(path=rel, ref=f"{doc_id}#{item_id}", before=before, after=dict(changes),
                      written=written)
