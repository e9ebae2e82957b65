"""Owners must be people the team knows, when the config has a roster."""

from __future__ import annotations

from collections.abc import Iterable

from improve.core.check.rules import Context, Issue, document_check
from improve.core.read.document import Document


@document_check
def check_owners(doc: Document, ctx: Context) -> Iterable[Issue]:
    if not ctx.config.roster:
        return
    candidates: list[tuple[tuple[object, ...], object]] = []
    for item in doc.action_items:
        if item.owner:
            candidates.append((("action_items", item.index, "owner"), item.owner))
    for field in doc.kind.owner_fields:
        owners = doc.meta.get(field)
        if isinstance(owners, list):
            candidates.extend(((field, i), o) for i, o in enumerate(owners))
    for path, name in candidates:
        if isinstance(name, str) and ctx.config.canonical_person(name) is None:
            yield Issue("unknown-owner", f"owner {name!r} is not on the roster; use a handle from "
                        f"{ctx.config.table('roster')} or add them there", path=path)
