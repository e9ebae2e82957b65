"""Action items: unique ids, an owner and a due date for open work, overdue work, safe links."""

from __future__ import annotations

import re
from collections.abc import Iterable

from improve.core.check.rules import Context, Issue, document_check
from improve.core.read.document import Document
from improve.model.finding import Severity as S

_SAFE_LINK = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


@document_check
def check_items(doc: Document, ctx: Context) -> Iterable[Issue]:
    raw = doc.meta.get("action_items")
    if not doc.kind.has_action_items or not isinstance(raw, list):
        return
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            continue
        item_id = entry.get("id")
        if isinstance(item_id, str):
            if item_id in seen:
                yield Issue("duplicate-item-id",
                            f"action item id {item_id} is used twice in this document; "
                            "give each item its own id (A1, A2, ...)",
                            path=("action_items", index, "id"))
            seen.add(item_id)
        link = entry.get("link")
        if isinstance(link, str) and not _SAFE_LINK.match(link.strip()):
            yield Issue("unsafe-link", f"link {link!r} is not an http(s) URL; the handbook will not "
                        "make it clickable", path=("action_items", index, "link"))
    for item in doc.action_items:
        if not item.is_open:
            continue
        label = f"action item {item.item_id}"
        # What is written, not what parsed: a `due: 2026-02-30` is an invalid-date, not a missing due.
        entry = raw[item.index]
        missing = [name for name in ("owner", "due") if entry.get(name) in (None, "")]
        if missing:
            lenient = doc.is_draft
            yield Issue(
                "action-item-unassigned",
                f"open {label} has no {' or '.join(missing)}; every open item needs an owner and a "
                "due date" + (" (an error once the document is past draft)" if lenient else ""),
                path=("action_items", item.index), at_key=True,
                severity=S.WARNING if lenient else None,
            )
        if item.is_overdue(ctx.today):
            assert item.due is not None
            days = (ctx.today - item.due).days
            yield Issue(
                "overdue-action-item",
                f"{label} ({item.title!r}) was due {item.due.isoformat()}, {days} day"
                f"{'s' if days != 1 else ''} ago; close it with `improve actions done {item.ref}` "
                "or move its due date",
                path=("action_items", item.index, "due"),
            )
