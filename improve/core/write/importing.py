"""`improve import`: documents a team already has, made improve documents (issue 13).

Decision records made with adr-tools (Nygard's layout), MADR 2, 3 and 4, log4brains and
Docusaurus, and free-form Markdown postmortems, runbooks and retros. Each source file is read by
the reader of its format into front matter and a body, with a note per field of what was read,
what was guessed and what is left for a person. `plan` numbers them (a source's own number where
it is free, else in the order of their dates, then names), resolves the links between them (a
supersede pair is completed on both sides), and skips what an earlier import wrote (each document
keeps its source in `imported_from`). `write` writes the planned documents, never over a file.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from improve.core.errors import UsageProblem
from improve.core.fsutil import atomic_write, folder_lock, read_bounded
from improve.core.out.mdtext import source_text
from improve.core.read.config import Config
from improve.core.read.frontmatter import parse
from improve.core.write.paging import PAGING_FORMATS
from improve.core.write.scaffold import existing_numbers, slugify
from improve.core.write.yamlout import dump_front_matter
from improve.model.ids import file_name, file_number, format_doc_id
from improve.model.kinds import (
    DRAFT,
    HISTORICAL,
    INCIDENT,
    RETROSPECTIVE,
    REVIEW_CYCLE,
    SUPERSEDE_CHAIN,
    SUPERSEDED,
    Kind,
    heading_key,
)

FORMATS = ("adr-tools", "madr", "log4brains", "docusaurus", "markdown", *PAGING_FORMATS)
MAX_SOURCE_BYTES = 1 << 20
MAX_LINKED_FILE = 20 << 20  # as the handbook publishes them
NOT_SOURCES = {"readme.md", "index.md", "template.md", "adr-template.md", "_sidebar.md"}

_ADR_TITLE = re.compile(r"^#\s+(?P<number>[0-9]+)\.\s+(?P<title>.+?)\s*$")
_H1 = re.compile(r"^#\s+(?P<title>.+?)\s*#*\s*$")
_BULLET_META = re.compile(r"^\s*[-*]\s+(?P<key>Status|Deciders|Decision-makers|Date|Tags|"
                          r"Consulted|Informed)\s*:\s*(?P<value>.*?)\s*(?:<!--.*-->)?\s*$", re.I)
_DATE_LINE = re.compile(r"^Date:\s*(?P<value>.+?)\s*$", re.I)
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<href>[^)\s]+)\)")
_DATED_NAME = re.compile(r"^(?P<date>(?:19|20)[0-9]{6})-(?P<slug>.+)\.md$")
_PLACEHOLDER = re.compile(r"^\s*[\[{].*[\]}]\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_WRITTEN_DATE = re.compile(r"^(?:(?P<m1>[A-Za-z]{3,9})\.?\s+(?P<d1>[0-9]{1,2})(?:st|nd|rd|th)?,?"
                           r"\s+(?P<y1>[0-9]{4})|(?P<d2>[0-9]{1,2})(?:st|nd|rd|th)?\s+"
                           r"(?P<m2>[A-Za-z]{3,9})\.?,?\s+(?P<y2>[0-9]{4}))$")
# How other tools' statuses read, beyond the kind's own map (the plan prints the table).
_LINK_FIELDS = {"superseded by": "superseded_by", "supersedes": "supersedes"}


@dataclass
class Note:
    field: str
    how: str  # "read", "guessed" or "to fill in"
    detail: str = ""


@dataclass
class Imported:
    """One source file, read."""

    source: Path
    shown: str
    format: str
    kind: Kind
    title: str
    fields: dict[str, Any]
    body: str
    old_number: int | None = None
    notes: list[Note] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (field, source file name)
    statuses: list[tuple[str, str]] = field(default_factory=list)  # (as written, as improve's)
    number: int = 0
    id: str = ""
    target: str = ""
    skipped: str | None = None
    foreign: list[str] = field(default_factory=list)  # other tools' keys, kept as they were


@dataclass
class ImportPlan:
    documents: list[Imported]
    skipped: list[tuple[str, str]]  # (source shown, why)

    @property
    def to_write(self) -> list[Imported]:
        return [d for d in self.documents if d.skipped is None]

    @property
    def foreign_keys(self) -> list[str]:
        """Other tools' keys the documents to write keep (for the config's allow-list)."""
        return sorted({key for doc in self.to_write for key in doc.foreign})


# --- reading --------------------------------------------------------------------------------


def sources(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The Markdown files named or found below the named folders (sorted), and what was left out."""
    found: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            for dirpath, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "node_modules")))
                for name in sorted(files):
                    if name.lower().endswith(".md"):
                        candidate = Path(dirpath) / name
                        if name.lower() in NOT_SOURCES:
                            skipped.append((str(candidate), "an index or template, not a document"))
                        else:
                            found.append(candidate)
        elif path.is_file():
            found.append(path)
        else:
            raise UsageProblem(f"{path}: no such file or folder to import")
    return found, skipped


def detect(name: str, text: str) -> str:
    """The format of a source file, from its front matter and first lines."""
    parsed = parse(text.encode("utf-8"))
    meta = parsed.meta if parsed.ok and parsed.meta else {}
    if meta and ({"sidebar_label", "sidebar_position", "slug"} & set(meta)
                 or (isinstance(meta.get("id"), str) and not re.match(r"^[A-Z]+-[0-9]+$", meta["id"]))):
        return "docusaurus"
    if meta and {"status", "decision-makers", "deciders", "consulted"} & set(meta):
        return "madr"
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if _ADR_TITLE.match(first) and any(heading_key(line.lstrip("#")) == "status"
                                       for line in lines if line.startswith("## ")):
        return "adr-tools"
    if any(_BULLET_META.match(line) for line in lines[:30]):
        return "log4brains" if _DATED_NAME.match(name) else "madr"
    return "markdown"


def read_source(path: Path, shown: str, fmt: str | None, kind: Kind | None,
                config: Config, git_dates: dict[Path, str]) -> Imported | str:
    """The Imported of one source file, or why it is skipped."""
    try:
        raw = read_bounded(path, MAX_SOURCE_BYTES)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if len(raw) > MAX_SOURCE_BYTES:
        return f"larger than {MAX_SOURCE_BYTES} bytes"
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    if fmt in PAGING_FORMATS or (fmt is None and path.suffix.lower() in (".json", ".csv")):
        return _paged(path, shown, text, fmt, kind, config)
    fmt = fmt or detect(path.name, text)
    decision = next((k for k in config.registry.values() if k.has(SUPERSEDE_CHAIN)), None)
    if fmt != "markdown":
        kind = kind or decision
    parsed = parse(text.encode("utf-8"))
    meta: dict[str, Any] = dict(parsed.meta) if parsed.ok and parsed.meta else {}
    body = parsed.body if parsed.ok and parsed.meta is not None else text
    if kind is None:
        kind = _guess_kind(body, config)
        if kind is None:
            return "cannot tell which kind of document this is; name it with --kind"
    doc = Imported(source=path, shown=shown, format=fmt, kind=kind, title="", fields={}, body="")
    doc.old_number = file_number(path.name)
    lines = body.split("\n")
    title, lines = _title(lines, fmt)
    doc.title = html.unescape(str(meta.pop("title", "") or title or _title_from_name(path.name)))
    doc.notes.append(Note("title", "read" if (title or "title" in meta) else "guessed",
                          "from the first heading" if title else "from the file name"))
    written: dict[str, str] = {}
    if fmt == "adr-tools":
        lines = _adr_tools(lines, written, doc)
    elif fmt in ("madr", "log4brains"):
        lines = _bullets(lines, written)
    if fmt in ("docusaurus", "markdown", "madr"):
        lines = _meta_table(_date_line(lines, written), written)
    for key in ("status", "date", "decision-makers", "deciders", "consulted", "informed", "tags"):
        value = meta.pop(key, None)
        if value is not None and key not in written:
            written[key] = value if isinstance(value, str) else ", ".join(map(str, value)) \
                if isinstance(value, list) else str(value)
    if fmt == "docusaurus" and "id" in meta:
        doc.fields["x-docusaurus-id"] = meta.pop("id")
        doc.notes.append(Note("x-docusaurus-id", "read", "Docusaurus' own `id`, moved aside"))
    meta.pop("id", None)
    for key, value in meta.items():  # other tools' keys stay, for the tools that read them
        doc.fields[key] = value
        doc.foreign.append(key)
        doc.notes.append(Note(key, "read", "a key of another tool: kept, and allowed under "
                                           "[front_matter] in the config with --write"))
    _date(doc, written.get("date"), path, git_dates)
    _people(doc, written)
    if written.get("tags"):
        doc.fields["tags"] = [t for t in re.split(r"[,\s]+", written["tags"]) if t]
    if doc.kind.statuses:
        _status(doc, written.get("status"), config)
    body_text = "\n".join(lines)
    if doc.kind.has(INCIDENT):
        _incident(doc, body_text, config)
    if doc.kind.has(REVIEW_CYCLE):
        _runbook(doc, path, git_dates)
    if doc.kind.has(RETROSPECTIVE):
        doc.fields.setdefault("team", config.root.name)
        doc.notes.append(Note("team", "guessed", f"the repository's folder name, {config.root.name}"))
    if doc.kind.has_action_items:
        _action_items(doc, body_text)
    doc.body = body_text.strip("\n") + "\n"
    doc.body = f"\n# {doc.title}\n\n" + doc.body if doc.kind.has(SUPERSEDE_CHAIN) else "\n" + doc.body
    return doc


def _paged(path: Path, shown: str, text: str, fmt: str | None, kind: Kind | None,
           config: Config) -> Imported | str:
    """An incident exported from a paging tool, as an RCA draft: the times, services, severity
    and timeline it holds, and the sections a person writes."""
    from improve.core.write.paging import READERS, detect_paging

    fmt = fmt or detect_paging(text)
    if fmt is None:
        return ("not an export improve reads (PagerDuty, Opsgenie or incident.io JSON, or a CSV "
                "of at,event); name the format with --from")
    kind = kind or next((k for k in config.registry.values() if k.has(INCIDENT)), None)
    if kind is None or not kind.has(INCIDENT):
        return "an incident export imports as an incident kind (--kind rca)"
    try:
        incident = READERS[fmt](text)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"not a {fmt} export improve can read ({type(exc).__name__}: {exc})"[:300]
    doc = Imported(source=path, shown=shown, format=fmt, kind=kind,
                   title=html.unescape(incident.title), fields={}, body="")
    doc.notes.append(Note("title", "read", incident.reference or fmt))
    started = incident.started_at or (incident.timeline[0]["at"] if incident.timeline else None)
    day = started[:10] if started else dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    doc.fields["date"] = day
    doc.fields["status"] = kind.status(DRAFT)
    severity = incident.severity
    if severity is None:
        severity = "SEV3"
        doc.notes.append(Note("severity", "to fill in", f"{incident.severity_written!r} is not a "
                              "severity improve knows: set to SEV3" if incident.severity_written
                              else "none in the export: set to SEV3"))
    else:
        doc.notes.append(Note("severity", "read", f"{incident.severity_written} -> {severity}"))
    doc.fields["severity"] = severity
    if incident.services:
        doc.fields["services"] = list(dict.fromkeys(incident.services))
    for name in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
        value = started if name == "started_at" else getattr(incident, name)
        if value:
            doc.fields[name] = value
            doc.notes.append(Note(name, "read", value))
        else:
            doc.notes.append(Note(name, "to fill in", "not in the export"))
    if incident.timeline:
        doc.fields["timeline"] = incident.timeline
        doc.notes.append(Note("timeline", "read", f"{len(incident.timeline)} entries"))
    doc.fields["action_items"] = []
    summary = (incident.summary or "").strip()
    sections = []
    for section in kind.sections:
        text_ = (source_text(summary) if section is kind.sections[0] and summary else
                 f"<!-- TODO: {section.title.lower()} -->")
        sections.append(f"## {section.title}\n\n{text_}\n")
    doc.body = "\n" + "\n".join(sections)
    return doc


def _guess_kind(body: str, config: Config) -> Kind | None:
    """The kind whose layouts the headings fit best; None when two fit as well."""
    found = {heading_key(line.lstrip("#")) for line in body.split("\n") if line.startswith("#")}
    scores = sorted(((max(layout.matched(found) for layout in config.layouts(kind)), kind.name)
                     for kind in config.registry.values()), reverse=True)
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return None
    return config.registry[scores[0][1]]


def _title(lines: list[str], fmt: str) -> tuple[str, list[str]]:
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _ADR_TITLE.match(line) if fmt == "adr-tools" else None
        match = match or _H1.match(line)
        if match:
            return match["title"], lines[index + 1:]
        return "", lines
    return "", lines


def _title_from_name(name: str) -> str:
    stem = name.removesuffix(".md")
    dated = _DATED_NAME.match(name)
    if dated:
        stem = dated["slug"]
    elif file_number(name) is not None:
        stem = stem.partition("-")[2]
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or name


def _adr_tools(lines: list[str], written: dict[str, str], doc: Imported) -> list[str]:
    """`Date:` and the `## Status` section of an adr-tools record: read, and left out of the body
    (the front matter holds them now); `adr link` lines become links."""
    kept: list[str] = []
    in_status = False
    status_lines: list[str] = []
    for line in lines:
        date = _DATE_LINE.match(line)
        if date and "date" not in written:
            written["date"] = date["value"]
            continue
        if line.startswith("## "):
            in_status = heading_key(line[3:]) == "status"
            if in_status:
                continue
        if in_status:
            if line.strip():
                status_lines.append(line.strip())
            continue
        kept.append(line)
    for line in status_lines:
        link = _LINK.search(line)
        if link is None:
            written.setdefault("status", line)
            continue
        relation = heading_key(line[: link.start()])
        target = link["href"].rsplit("/", 1)[-1]
        if relation in _LINK_FIELDS:
            doc.links.append((_LINK_FIELDS[relation], target))
            superseded = doc.kind.status(SUPERSEDED)
            if relation == "superseded by" and superseded is not None:
                written["status"] = superseded
        else:
            doc.links.append(("related", target))
            doc.notes.append(Note("related", "read", f"`{line}` (adr link)"))
    return kept


_BOLD_DATE = re.compile(r"^\s*(?:\*\*|__)?Date:?(?:\*\*|__)?:?\s*(?P<value>.+?)\s*$", re.I)


def _date_line(lines: list[str], written: dict[str, str]) -> list[str]:
    """`Date: Dec 19, 2022` or `**Date:** ...` near the top of a free-form document."""
    for index, line in enumerate(lines[:15]):
        match = _BOLD_DATE.match(line)
        if match and "date" not in written:
            written["date"] = match["value"]
            return lines[:index] + lines[index + 1:]
    return lines


def _meta_table(lines: list[str], written: dict[str, str]) -> list[str]:
    """A metadata table at the top (`| Status | Date |` over one row of values), as some
    Docusaurus sites keep it: read, and left out of the body."""
    rows = [(i, line) for i, line in enumerate(lines[:20]) if line.strip().startswith("|")]
    if len(rows) < 3 or rows[1][0] != rows[0][0] + 1 or rows[2][0] != rows[1][0] + 1:
        return lines

    def cells(line: str) -> list[str]:
        return [c.strip() for c in line.strip().strip("|").split("|")]

    header = [heading_key(c) for c in cells(rows[0][1])]
    if not {"status", "date"} & set(header) or (not set(cells(rows[1][1])) <= {"---", ":--", "--:",
                                                                             ":-:", ""} and \
            not all(set(c) <= set(":- ") for c in cells(rows[1][1]))):
        return lines
    for key, value in zip(header, cells(rows[2][1]), strict=False):
        if key in ("status", "date", "deciders", "decision makers", "tags") and value:
            written.setdefault(key.replace(" ", "-"), value)
    return lines[:rows[0][0]] + lines[rows[2][0] + 1:]


def _bullets(lines: list[str], written: dict[str, str]) -> list[str]:
    """MADR 2 and log4brains metadata bullets (`* Status: accepted`), left out of the body."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        match = _BULLET_META.match(line) if index < 30 else None
        if match:
            key = match["key"].lower()
            value = match["value"].strip()
            if value and not _PLACEHOLDER.match(value):
                written[key] = value
            continue
        kept.append(line)
    return kept


def _date(doc: Imported, written: str | None, path: Path, git_dates: dict[Path, str]) -> None:
    day: dt.date | None = None
    if written and not _PLACEHOLDER.match(written):
        try:
            day = parse_written_date(html.unescape(written))
        except ValueError as exc:
            doc.notes.append(Note("date", "to fill in", str(exc)))
        else:
            doc.notes.append(Note("date", "read", written))
    dated = _DATED_NAME.match(path.name)
    if day is None and dated:
        day = _real_date(dated["date"][:4], dated["date"][4:6], dated["date"][6:])
        if day is not None:
            doc.notes.append(Note("date", "read", "from the file name"))
    if day is None and path.resolve() in git_dates:
        day = dt.date.fromisoformat(git_dates[path.resolve()])
        doc.notes.append(Note("date", "guessed", "when git first saw the file"))
    if day is None:
        day = dt.date.fromtimestamp(path.stat().st_mtime)
        doc.notes.append(Note("date", "guessed", "the file's modification time; check it"))
    doc.fields["date"] = day.isoformat()


def parse_written_date(text: str) -> dt.date:
    """A date as people write it: ISO (`2022-12-19`, `2022/12/19`) or with the month's name
    (`Dec 19, 2022`, `19 December 2022`). Numeric day/month orders are refused: `03/04/2022` is
    March or April depending on who wrote it."""
    text = text.strip().rstrip(".")
    iso = re.match(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:[T ].*)?$", text)
    if iso:
        day = _real_date(*iso.groups())
    else:
        written = _WRITTEN_DATE.match(text)
        if written is None:
            raise ValueError(f"{text!r} is not a date improve can read; write it as YYYY-MM-DD")
        month_name = (written["m1"] or written["m2"]).lower()[:3]
        if month_name not in _MONTHS:
            raise ValueError(f"{text!r}: {month_name!r} is not a month")
        day = _real_date(written["y1"] or written["y2"], str(_MONTHS[month_name]),
                         written["d1"] or written["d2"])
    if day is None:
        raise ValueError(f"{text!r} is not a real date (that day does not exist); fix it by hand")
    return day


def _real_date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _people(doc: Imported, written: dict[str, str]) -> None:
    makers = written.get("decision-makers") or written.get("deciders")
    field_name = "decision-makers" if doc.kind.has(SUPERSEDE_CHAIN) else doc.kind.people_field
    for key, value in (("decision-makers", makers), ("consulted", written.get("consulted")),
                       ("informed", written.get("informed"))):
        if not value or _PLACEHOLDER.match(value):
            continue
        target = field_name if key == "decision-makers" else key
        doc.fields[target] = [p.strip() for p in re.split(r",|\band\b", value) if p.strip()]
        doc.notes.append(Note(target, "read", value))
    if doc.kind.has(SUPERSEDE_CHAIN) and "decision-makers" not in doc.fields:
        doc.fields["decision-makers"] = []
        doc.notes.append(Note("decision-makers", "to fill in", "who made the decision"))


def _status(doc: Imported, written: str | None, config: Config) -> None:
    kind = doc.kind
    if not written or _PLACEHOLDER.match(written):
        status = kind.status(HISTORICAL) or kind.statuses[0]
        doc.fields["status"] = status
        doc.notes.append(Note("status", "guessed", f"none written: {status}"))
        return
    word = written.strip().strip("*_").strip()
    link = re.match(r"^(?P<word>superseded|replaced)\s+by\s+(?P<target>.+)$", word, re.I)
    if link:
        href = _LINK.search(link["target"])
        target = href["href"].rsplit("/", 1)[-1] if href else link["target"].strip()
        doc.links.append(("superseded_by", target))
        word = link["word"]
    meant = config.status_of(kind, word)
    if meant is None:
        meant = kind.statuses[0]
        doc.notes.append(Note("status", "to fill in", f"{written!r} is not a status improve "
                              f"knows; set to {meant}, or map it under [kinds.{kind.name}] "
                              "statuses in the config"))
    else:
        doc.notes.append(Note("status", "read", written))
    doc.statuses.append((written, meant))
    status = meant
    doc.fields["status"] = status


def _incident(doc: Imported, body: str, config: Config) -> None:
    """A postmortem written before improve: a historical RCA, counted in the incident log and
    the metrics; lint lists what a person may add (`historical-rca-incomplete`). Its timeline
    is read from a list or table of times under a Timeline heading."""
    doc.fields.setdefault("status", "historical")
    day = str(doc.fields.get("date"))
    timeline: list[dict[str, str]] = []
    in_timeline = False
    in_table = False
    for line in body.split("\n"):
        if line.startswith("#"):
            in_timeline = "timeline" in heading_key(line.lstrip("#"))
            continue
        # A table whose first column is a time is a timeline wherever it is.
        if re.match(r"^\s*\|\s*(time|when|at)\b[^|]*\|", line, re.I):
            in_table = True
            continue
        in_table = in_table and line.strip().startswith("|")
        entry = _TIME_ENTRY.match(line) if in_timeline or in_table else None
        if entry is None:
            continue
        hours, minutes = int(entry["h"]), int(entry["m"])
        if hours > 23 or minutes > 59:
            continue
        zone_text = "Z" if entry["zone"] else _offset(config, day)
        timeline.append({"at": f"{day}T{hours:02d}:{minutes:02d}:00{zone_text}",
                         "event": html.unescape(entry["event"].strip(" |"))})
    if timeline:
        timeline.sort(key=lambda e: e["at"])
        doc.fields["timeline"] = timeline
        doc.fields["started_at"] = timeline[0]["at"]
        doc.notes.append(Note("timeline", "read", f"{len(timeline)} entries"))
        doc.notes.append(Note("started_at", "guessed", "the first timeline entry"))
    for name in ("severity", "resolved_at", "services", "root_causes"):
        doc.notes.append(Note(name, "to fill in", "not in the source"))


_TIME_ENTRY = re.compile(r"^\s*(?:[-*]|\|)\s*\**(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})\**\s*"
                         r"(?P<zone>UTC|Z)?\s*(?:[-:|–—]\s*)+(?P<event>.+)$")


def _offset(config: Config, day: str) -> str:
    from improve.core.read.clock import zone

    try:
        moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), zone(config.timezone))
    except ValueError:
        return "Z"
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _runbook(doc: Imported, path: Path, git_dates: dict[Path, str]) -> None:
    """A runbook needs owners, a service and a review date, which free-form runbooks rarely say:
    placeholders a person replaces, each named in the report."""
    doc.fields.setdefault("owners", ["unowned"])
    doc.fields.setdefault("service", "unknown")
    doc.fields.setdefault("last_reviewed", doc.fields.get("date"))
    doc.notes.append(Note("owners", "to fill in", "set to `unowned`"))
    doc.notes.append(Note("service", "to fill in", "set to `unknown`"))
    doc.notes.append(Note("last_reviewed", "guessed", "the document's date"))


_ITEM = re.compile(r"^\s*[-*]\s+\[(?P<done>[ xX])\]\s+(?P<title>.+?)\s*$")
_OWNER = re.compile(r"\(?@(?P<owner>[A-Za-z0-9_.-]+)\)?")
_DUE = re.compile(r"\(?\bdue:?\s+(?P<due>[0-9]{4}-[0-9]{2}-[0-9]{2})\)?", re.I)


def _action_items(doc: Imported, body: str) -> None:
    """Task-list bullets (`- [ ] Add an alert @chen due 2022-12-30`) become action items."""
    if doc.fields.get("action_items"):
        return
    items: list[dict[str, Any]] = []
    for line in body.split("\n"):
        match = _ITEM.match(line)
        if match is None:
            continue
        title = match["title"]
        item: dict[str, Any] = {"id": f"A{len(items) + 1}"}
        owner = _OWNER.search(title)
        due = _DUE.search(title)
        for found in (owner, due):
            if found is not None:
                title = title.replace(found.group(0), " ")
        item["title"] = " ".join(title.split()).strip(" ,;-") or "Action item"
        if owner is not None:
            item["owner"] = owner["owner"]
        if due is not None and _real_date(*due["due"].split("-")) is not None:
            item["due"] = due["due"]
        item["status"] = "done" if match["done"] in "xX" else "open"
        item["opened_on"] = doc.fields.get("date")
        if item["status"] == "open" and not ("owner" in item and "due" in item):
            doc.notes.append(Note("action_items", "to fill in", f"{item['title']!r} has no "
                                  "owner or due date: left in the text; add it as an item"))
            continue
        item["id"] = f"A{len(items) + 1}"
        items.append(item)
    if items:
        doc.fields["action_items"] = items
        doc.notes.append(Note("action_items", "read", f"{len(items)} task-list items"))


# --- planning and writing --------------------------------------------------------------------


def plan(config: Config, paths: Sequence[Path], *, fmt: str | None = None,
         kind: Kind | None = None) -> ImportPlan:
    from improve.core.git.gitrev import added_dates
    from improve.core.read.repository import Repository

    files, skipped = sources(paths)
    git_dates: dict[Path, str] = {}
    for folder in sorted({f.parent for f in files}):
        git_dates.update(added_dates(folder))
    documents: list[Imported] = []
    for path in files:
        shown = os.path.relpath(path)
        result = read_source(path, shown, fmt, kind, config, git_dates)
        if isinstance(result, str):
            skipped.append((shown, result))
        else:
            documents.append(result)
    existing = Repository(config).documents()
    imported = {str(d.meta.get("imported_from")): d for d in existing if d.meta.get("imported_from")}
    used: dict[str, set[int]] = {}
    for doc in documents:
        key = _source_key(config, doc.source)
        doc.fields["imported_from"] = key
        if key in imported:
            doc.skipped = f"imported before, as {imported[key].id or imported[key].path}"
            doc.id = imported[key].id or ""
            doc.target = imported[key].path
    # First every document whose own number is free keeps it; then the others, in the order of
    # their dates (then names), take the next free numbers.
    keeps: list[Imported] = []
    for doc in sorted(documents, key=lambda d: (d.old_number or 0, d.source.name)):
        if doc.skipped or not doc.old_number:
            continue
        taken = used.setdefault(doc.kind.name, existing_numbers(
            config.root / config.folder(doc.kind)))
        if doc.old_number not in taken:
            taken.add(doc.old_number)
            doc.number = doc.old_number
            keeps.append(doc)
    for doc in sorted(documents, key=lambda d: (str(d.fields.get("date")), d.source.name)):
        if doc.skipped:
            continue
        if not doc.number:
            taken = used.setdefault(doc.kind.name, existing_numbers(
                config.root / config.folder(doc.kind)))
            doc.number = max(taken, default=0) + 1
            taken.add(doc.number)
            if doc.old_number:
                doc.notes.append(Note("id", "guessed", f"number {doc.old_number} is taken: "
                                      f"{doc.number}"))
        doc.id = format_doc_id(doc.kind.prefix, doc.number)
        slug = slugify(doc.title) or "document"
        doc.target = f"{config.folder(doc.kind).strip('/')}/{file_name(doc.number, slug)}"
        if doc.old_number and doc.old_number != doc.number:
            doc.fields["previous_ids"] = [format_doc_id(doc.kind.prefix, doc.old_number)]
    _resolve_links(documents)
    return ImportPlan(documents, skipped)


def _source_key(config: Config, path: Path) -> str:
    """What `imported_from` records: the path inside the repository, else as given."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(config.root).as_posix()
    except ValueError:
        return path.as_posix()


def _resolve_links(documents: list[Imported]) -> None:
    """Links between source files become ids; supersede pairs are completed on both sides; a
    link in a body to another imported file leads to its new path."""
    by_name = {d.source.name: d for d in documents}

    def relink(doc: Imported) -> None:
        def new_href(match: re.Match[str]) -> str:
            href = match["href"]
            path, hash_, anchor = href.partition("#")
            target = by_name.get(path.rsplit("/", 1)[-1]) if path.endswith(".md") else None
            if target is None or not target.target or not doc.target:
                return match.group(0)
            moved = posixpath.relpath(target.target, posixpath.dirname(doc.target))
            return f"[{match['text']}]({moved}{hash_}{anchor})"

        doc.body = _LINK.sub(new_href, doc.body)

    for doc in documents:
        relink(doc)
    for doc in documents:
        for field_name, target_name in doc.links:
            target = by_name.get(target_name) or next(
                (d for d in documents if target_name == d.source.stem
                 or (d.old_number and re.fullmatch(rf"[A-Za-z]+-0*{d.old_number}", target_name))),
                None)
            if target is None or not target.id:
                doc.notes.append(Note(field_name, "to fill in", f"links to {target_name}, which "
                                      "is not among the imported files"))
                continue
            _add(doc.fields, field_name, target.id)
            if field_name == "superseded_by":
                _add(target.fields, "supersedes", doc.id)
                doc.fields["status"] = doc.kind.status(SUPERSEDED)
            elif field_name == "supersedes":
                _add(target.fields, "superseded_by", doc.id)
                target.fields["status"] = target.kind.status(SUPERSEDED)


def _add(fields: dict[str, Any], name: str, value: str) -> None:
    present = fields.get(name)
    values = [present] if isinstance(present, str) else list(present or [])
    if value not in values:
        values.append(value)
    fields[name] = values


def render(doc: Imported) -> str:
    front = {"id": doc.id, "title": doc.title, **doc.fields}
    return "---\n" + dump_front_matter(front) + "---\n" + doc.body


def write(config: Config, import_plan: ImportPlan) -> list[str]:
    """Write the planned documents; never over an existing file. Returns the paths written."""
    written: list[str] = []
    for doc in import_plan.to_write:
        path = config.root / doc.target
        path.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(path.parent):
            if path.exists() or file_number(path.name) in existing_numbers(path.parent):
                doc.skipped = f"{doc.target} or its number exists already; import again"
                continue
            atomic_write(path, render(doc).encode("utf-8"), exclusive=True)
        written.append(doc.target)
        _copy_linked_files(config, doc)
    return written


def _copy_linked_files(config: Config, doc: Imported) -> None:
    """Images and other files the source links to, copied beside the new document (never over
    a file; never from outside the source's folder tree through a link)."""
    from improve.core.fsutil import inside
    from improve.core.read.links import body_links

    source_folder = doc.source.parent
    target_folder = (config.root / doc.target).parent
    for link in body_links(doc.body, 1, "x/doc.md"):
        if link.target is None or link.target.endswith(".md"):
            continue
        relative = link.target.removeprefix("x/")
        source = source_folder / relative
        destination = target_folder / relative
        if not (source.is_file() and inside(source_folder, source)
                and inside(config.root, destination)) or destination.exists():
            continue
        try:
            data = read_bounded(source, MAX_LINKED_FILE)
        except OSError:
            continue
        if len(data) > MAX_LINKED_FILE:
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(destination, data, exclusive=True)
        doc.notes.append(Note("files", "read", f"copied {relative}"))


def status_table(documents: Iterable[Imported]) -> list[tuple[str, str]]:
    return sorted({pair for doc in documents for pair in doc.statuses})
