"""The data behind `improve actions`: every action item, filtered and in a deterministic order.

Items come from retros and RCAs (an item lives only in the document that created it). The order
is the contract: overdue first, then by due date (no due date last), then by reference, with
item numbers compared as numbers (`A2` before `A10`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from improve.core.errors import UsageProblem
from improve.core.git.gitrev import git_identity
from improve.core.out.csvtext import spreadsheet_safe
from improve.core.read.config import Config
from improve.core.read.document import Document
from improve.model.ids import item_number, parse_doc_id
from improve.model.items import CLOSED_STATUSES, OPEN_STATUSES, ActionItem

STATUSES = (*OPEN_STATUSES, *CLOSED_STATUSES)
STATUS_CHOICES = (*STATUSES, "all")
COLUMNS = ("ref", "status", "owner", "due", "title")


@dataclass(frozen=True)
class ActionFilter:
    """What `improve actions` was asked for; None means "any"."""

    owners: tuple[str, ...] = ()  # names, emails, handles; matched through the roster
    statuses: tuple[str, ...] = OPEN_STATUSES
    kinds: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    team: str | None = None
    service: str | None = None
    overdue: bool = False
    due_before: dt.date | None = None


def item_types() -> tuple[str, ...]:
    """The RCA item types the schema allows (prevent, detect, ...), so help never drifts."""
    from improve.core.check.validate import schema_text

    common = json.loads(schema_text("common"))
    return tuple(common["$defs"]["action_item"]["properties"]["type"]["enum"])


def collect(documents: Iterable[Document]) -> list[ActionItem]:
    """Every action item of the given documents, in reference order."""
    return sorted((item for doc in documents for item in doc.action_items), key=reference_key)


def reference_key(item: ActionItem) -> tuple[str, int, int, str]:
    """`RCA-0007#A2` sorts by prefix, document number, then item number (A2 before A10)."""
    parsed = parse_doc_id(item.doc_id)
    prefix, number = (parsed.prefix, parsed.number) if parsed else (item.doc_id, 0)
    return (prefix, number, item_number(item.item_id), item.path)


def order_key(item: ActionItem, today: dt.date) -> tuple[int, dt.date, tuple[str, int, int, str]]:
    """Overdue first, then by due date (none last), then by reference."""
    return (0 if item.is_overdue(today) else 1, item.due or dt.date.max, reference_key(item))


def person_key(config: Config, name: str) -> str:
    """One spelling per person: the roster handle, else the name without `@`, case-folded."""
    handle = config.canonical_person(name)
    return (handle or name.strip().lstrip("@")).casefold()


def select(items: Iterable[ActionItem], config: Config, today: dt.date,
           wanted: ActionFilter) -> list[ActionItem]:
    """The items `wanted` asks for, in the contract's order."""
    owners = {person_key(config, o) for o in wanted.owners}
    kept = []
    for item in items:
        if "all" not in wanted.statuses and item.status not in wanted.statuses:
            continue
        if owners and (not item.owner or person_key(config, item.owner) not in owners):
            continue
        if wanted.kinds and item.kind not in wanted.kinds:
            continue
        if wanted.types and item.type not in wanted.types:
            continue
        if wanted.team is not None and (item.team or "").casefold() != wanted.team.casefold():
            continue
        if wanted.service is not None and wanted.service.casefold() not in {
                s.casefold() for s in item.services}:
            continue
        if wanted.overdue and not item.is_overdue(today):
            continue
        if wanted.due_before is not None and (item.due is None or item.due >= wanted.due_before):
            continue
        kept.append(item)
    return sorted(kept, key=lambda i: order_key(i, today))


def current_user(config: Config) -> tuple[str, ...]:
    """Who `--owner me` is: git's user.name and user.email, as roster handles where known."""
    found: list[str] = []
    for key in ("user.name", "user.email"):
        value = git_identity(config.root, key)
        if value:
            found.append(config.canonical_person(value) or value)
    if not found:
        raise UsageProblem("--owner me needs `git config user.name` or `user.email`; set one, or "
                           "name the owner")
    return tuple(dict.fromkeys(found))


# --- rendering --------------------------------------------------------------------------------


def as_record(item: ActionItem, today: dt.date) -> dict[str, Any]:
    """An item as plain data with stable keys (the json and csv formats)."""
    return {
        "ref": item.ref,
        "document": item.doc_id,
        "item": item.item_id,
        "kind": item.kind,
        "title": item.title,
        "status": item.status,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "overdue": item.is_overdue(today),
        "type": item.type,
        "opened_on": item.opened_on.isoformat() if item.opened_on else None,
        "done_on": item.done_on.isoformat() if item.done_on else None,
        "team": item.team,
        "services": list(item.services),
        "link": item.link,
        "path": item.path,
        "reason": item.reason,
    }


def _cells(item: ActionItem, today: dt.date) -> list[str]:
    due = item.due.isoformat() if item.due else "-"
    if item.is_overdue(today):
        due += " (overdue)"
    title = " ".join(item.title.split())
    if item.status == "dropped" and item.reason:
        title += f" (dropped: {' '.join(item.reason.split())})"
    return [item.ref, item.status, item.owner or "-", due, title]


def render(items: Sequence[ActionItem], fmt: str, today: dt.date) -> str:
    """The listing in one of FORMATS; text always ends with a newline."""
    return RENDERERS[fmt](items, today)


def _json(items: Sequence[ActionItem], today: dt.date) -> str:
    return json.dumps([as_record(i, today) for i in items], indent=2, ensure_ascii=False) + "\n"


def _csv(items: Sequence[ActionItem], today: dt.date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_CSV_FIELDS)
    for item in items:
        record = as_record(item, today)
        writer.writerow([_csv_cell(record[f]) for f in _CSV_FIELDS])
    return buffer.getvalue()


def _markdown(items: Sequence[ActionItem], today: dt.date) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    for item in items:
        lines.append("| " + " | ".join(_markdown_cell(c) for c in _cells(item, today)) + " |")
    return "\n".join(lines) + "\n"


_CSV_FIELDS = ("ref", "document", "item", "kind", "title", "status", "owner", "due", "overdue",
               "type", "opened_on", "done_on", "team", "services", "link", "path", "reason")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return spreadsheet_safe(str(value))


def _markdown_cell(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    for char in "`*_[]":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def _table(items: Sequence[ActionItem], today: dt.date) -> str:
    if not items:
        return "No action items match.\n"
    rows = [list(COLUMNS)] + [_cells(item, today) for item in items]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    overdue = sum(1 for item in items if item.is_overdue(today))
    noun = "item" if len(items) == 1 else "items"
    lines.append(f"{len(items)} {noun}, {overdue} overdue.")
    return "\n".join(lines) + "\n"


Renderer = Callable[[Sequence[ActionItem], dt.date], str]
# `improve actions --format`: its choices are this registry's names.
RENDERERS: dict[str, Renderer] = {"table": _table, "json": _json, "csv": _csv,
                                  "markdown": _markdown}
FORMATS = tuple(RENDERERS)
