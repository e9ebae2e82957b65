"""`improve export`: the handbook as tables for BI tools and warehouses (issue 16).

Stable tables with documented columns (README, "Exporting data"), the same in every format:
JSON Lines and CSV (a file per table in a folder) and SQLite (one database). Only published
documents unless restricted ones are asked for explicitly (the one publication policy,
improve.core.read.publication). Rows come in a fixed order, so two exports of one repository are
byte-identical. CSV cells that a spreadsheet would run as a formula are written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from improve.core.errors import UsageProblem
from improve.core.fsutil import atomic_write
from improve.core.numbers.index import incident_row, owner_of
from improve.core.out.csvtext import spreadsheet_safe
from improve.core.read.config import Config
from improve.core.read.document import Document, as_date
from improve.core.read.publication import PUBLISHED_VISIBILITY
from improve.model.kinds import INCIDENT, RETROSPECTIVE

Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # SQLite type: TEXT, INTEGER, REAL
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[Sequence[Document], Config, dt.date, Any], Iterable[tuple[Cell, ...]]]


def _people(value: Any) -> str | None:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return str(value) if value else None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _documents(docs: Sequence[Document], config: Config, today: dt.date,
               history: Any) -> Iterable[tuple[Cell, ...]]:
    for doc in docs:
        meta = doc.meta
        yield (doc.id, doc.kind.name, doc.path, doc.title, _iso(doc.date), doc.status,
               _text(meta.get("visibility")) or PUBLISHED_VISIBILITY, _text(meta.get("team")),
               _people(meta.get(doc.kind.people_field)), _people(meta.get("tags")))


def _items(docs: Sequence[Document], config: Config, today: dt.date,
           history: Any) -> Iterable[tuple[Cell, ...]]:
    for doc in docs:
        for item in doc.action_items:
            opened = item.opened_on or (history.items[item.ref].opened
                                        if history and item.ref in history.items else None)
            done = item.done_on or (history.items[item.ref].done
                                    if history and item.ref in history.items else None)
            lead = (done - opened).days if done and opened and item.status == "done" else None
            yield (item.ref, item.doc_id, item.kind, item.item_id, item.title,
                   owner_of(item, config) if item.owner else None, item.status, _iso(item.due),
                   _iso(opened), _iso(done), item.type, int(item.is_overdue(today)), lead)


def _item_history(docs: Sequence[Document], config: Config, today: dt.date,
                  history: Any) -> Iterable[tuple[Cell, ...]]:
    if not history:
        return
    refs = {item.ref for doc in docs for item in doc.action_items}
    for ref in sorted(refs & set(history.items)):
        record = history.items[ref]
        for start, end in record.spans:
            yield (ref, "open", start.isoformat(), _iso(end))
        if record.done:
            yield (ref, "done", record.done.isoformat(), None)


def _impediments(docs: Sequence[Document], config: Config, today: dt.date,
                 history: Any) -> Iterable[tuple[Cell, ...]]:
    for doc in docs:
        if not doc.kind.has(RETROSPECTIVE):
            continue
        raw = doc.meta.get("impediments")
        for entry in raw if isinstance(raw, list) else []:
            if isinstance(entry, dict):
                yield (doc.id, _text(entry.get("id")), _text(entry.get("description")),
                       _iso(as_date(entry.get("raised_on"))), _text(entry.get("status")),
                       _text(entry.get("escalated_to")), _iso(as_date(entry.get("resolved_on"))))


def _incidents(docs: Sequence[Document], config: Config, today: dt.date,
               history: Any) -> Iterable[tuple[Cell, ...]]:
    for doc in docs:
        if not doc.kind.has(INCIDENT):
            continue
        row = incident_row(doc, config)
        meta = doc.meta
        escaped = None if row.escaped_defect is None else int(row.escaped_defect)
        yield (row.doc_id, row.title, row.status, row.severity, ", ".join(row.services) or None,
               _text(meta.get("started_at")), _text(meta.get("detected_at")),
               _text(meta.get("mitigated_at")), _text(meta.get("resolved_at")),
               _iso(row.day), row.quarter, row.ttd, row.ttm, row.ttr, escaped,
               _text(meta.get("detection")))


def _health(docs: Sequence[Document], config: Config, today: dt.date,
            history: Any) -> Iterable[tuple[Cell, ...]]:
    for doc in docs:
        health = doc.meta.get("health")
        if not doc.kind.has(RETROSPECTIVE) or not isinstance(health, dict):
            continue
        for dimension, score in sorted(health.items(), key=lambda kv: str(kv[0])):
            if isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5:
                yield (doc.id, _iso(doc.date), _text(doc.meta.get("team")), str(dimension), score)


def _c(name: str, description: str, type_: str = "TEXT") -> Column:
    return Column(name, type_, description)


TABLES: tuple[Table, ...] = (
    Table("documents", "every document", (
        _c("id", "RCA-0001"), _c("kind", "retro, rca, runbook, decision or a declared kind"),
        _c("path", "its file"), _c("title", "its title"), _c("date", "YYYY-MM-DD"),
        _c("status", "its status, if its kind has one"),
        _c("visibility", "internal or restricted"), _c("team", "its team"),
        _c("people", "authors, owners or presenters, comma-separated"),
        _c("tags", "comma-separated")), _documents),
    Table("action_items", "action items of retros, RCAs and declared kinds", (
        _c("ref", "RCA-0001#A2"), _c("document_id", "the document holding it"),
        _c("kind", "that document's kind"), _c("item_id", "A2"), _c("title", "what to do"),
        _c("owner", "the owner's roster handle"), _c("status", "open, in-progress, done, dropped"),
        _c("due", "YYYY-MM-DD"), _c("opened_on", "written, else git's first commit of the item"),
        _c("done_on", "written, else git's commit that closed it"),
        _c("type", "an RCA item's type"), _c("overdue", "1 when open past its due date", "INTEGER"),
        _c("lead_time_days", "done_on - opened_on, for done items", "INTEGER")), _items),
    Table("action_item_states", "each item's periods open and the day it was done, from git", (
        _c("ref", "RCA-0001#A2"), _c("state", "open or done"),
        _c("since", "YYYY-MM-DD"), _c("until", "YYYY-MM-DD; empty while it lasts")),
     _item_history),
    Table("impediments", "retros' impediments", (
        _c("retro_id", "RETRO-0003"), _c("impediment_id", "I1"), _c("description", "the text"),
        _c("raised_on", "YYYY-MM-DD"), _c("status", "open, escalated, resolved"),
        _c("escalated_to", "who"), _c("resolved_on", "YYYY-MM-DD")), _impediments),
    Table("incidents", "RCAs with their times", (
        _c("id", "RCA-0001"), _c("title", "its title"), _c("status", "draft, ..., historical"),
        _c("severity", "SEV1 to SEV4"), _c("services", "comma-separated"),
        _c("started_at", "ISO 8601"), _c("detected_at", "ISO 8601"),
        _c("mitigated_at", "ISO 8601"), _c("resolved_at", "ISO 8601"),
        _c("day", "the start's day in the configured zone"), _c("quarter", "2026-Q3"),
        _c("minutes_to_detect", "detected_at - started_at", "INTEGER"),
        _c("minutes_to_mitigate", "mitigated_at - started_at", "INTEGER"),
        _c("minutes_to_resolve", "resolved_at - started_at", "INTEGER"),
        _c("escaped_defect", "1 or 0; empty when not said", "INTEGER"),
        _c("detection", "how it was found")), _incidents),
    Table("health_scores", "retros' health-check scores, one row per dimension", (
        _c("retro_id", "RETRO-0003"), _c("date", "the retro's date"), _c("team", "its team"),
        _c("dimension", "flow, pace, fun, ..."), _c("score", "1 to 5", "INTEGER")), _health),
)


def tables(config: Config, today: dt.date, *, include_restricted: bool = False
           ) -> dict[str, list[tuple[Cell, ...]]]:
    """Every table's rows, in a fixed order."""
    from improve.core.git.history import load_history
    from improve.core.read.repository import Repository

    docs = sorted(Repository(config).documents(published_only=not include_restricted),
                  key=lambda d: (d.kind.name, d.number or 0, d.path))
    docs = [d for d in docs if d.parsed.ok]
    history = load_history(config)
    found = history if history.available else None
    return {table.name: list(table.rows(docs, config, today, found)) for table in TABLES}


def guard(cell: Cell) -> Cell:
    """A CSV cell that Excel or Sheets would run as a formula, written as text."""
    return spreadsheet_safe(cell) if isinstance(cell, str) else cell


def export(config: Config, today: dt.date, fmt: str, out: Path, *,
           include_restricted: bool = False, force: bool = False) -> list[Path]:
    """Write the tables to `out` (a folder for jsonl and csv, a file for sqlite); the paths."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise UsageProblem(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    data = tables(config, today, include_restricted=include_restricted)
    if writer.whole is not None:
        targets = [out]
    else:
        if out.exists() and not out.is_dir():
            raise UsageProblem(f"{out} is a file; --format {fmt} writes a folder of files")
        targets = [out / f"{table.name}.{fmt}" for table in TABLES]
    existing = [str(p) for p in targets if p.exists() or p.is_symlink()]
    if existing and not force:
        raise UsageProblem(f"{', '.join(existing)} exists already; nothing was written (add "
                           "--force to replace what an earlier export wrote)")
    if writer.whole is not None:
        _write(targets[0], writer.whole(data), force)
        return targets
    assert writer.per_table is not None
    out.mkdir(parents=True, exist_ok=True)
    for table, target in zip(TABLES, targets, strict=True):
        _write(target, writer.per_table(table, data[table.name]).encode("utf-8"), force)
    return targets


def _write(path: Path, data: bytes, force: bool) -> None:
    if path.is_symlink():
        raise UsageProblem(f"{path} is a symbolic link; improve does not write through links")
    try:
        atomic_write(path, data, exclusive=not force)
    except FileExistsError:
        raise UsageProblem(f"{path} appeared while exporting; nothing was replaced") from None


def _jsonl(table: Table, rows: Iterable[tuple[Cell, ...]]) -> str:
    names = [c.name for c in table.columns]
    return "".join(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False,
                              sort_keys=False) + "\n" for row in rows)


def _csv(table: Table, rows: Iterable[tuple[Cell, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in table.columns])
    for row in rows:
        writer.writerow(["" if cell is None else guard(cell) for cell in row])
    return buffer.getvalue()


def _sqlite(data: dict[str, list[tuple[Cell, ...]]]) -> bytes:
    """The database as bytes (built in memory, then written atomically like every file)."""
    connection = sqlite3.connect(":memory:")
    try:
        for table in TABLES:
            columns = ", ".join(f'"{c.name}" {c.type}' for c in table.columns)
            connection.execute(f'CREATE TABLE "{table.name}" ({columns})')
            marks = ", ".join("?" for _ in table.columns)
            connection.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})',
                                   data[table.name])
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


@dataclass(frozen=True)
class Writer:
    """How a format is written: a file per table (`per_table`) or one file of them all."""

    per_table: Callable[[Table, Iterable[tuple[Cell, ...]]], str] | None = None
    whole: Callable[[dict[str, list[tuple[Cell, ...]]]], bytes] | None = None


# `improve export --format`: its choices are this registry's names.
WRITERS: dict[str, Writer] = {"jsonl": Writer(per_table=_jsonl), "csv": Writer(per_table=_csv),
                              "sqlite": Writer(whole=_sqlite)}
FORMATS = tuple(WRITERS)
