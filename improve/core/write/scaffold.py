"""`improve new`: the next free number, a safe slug, front matter and a body from a template.

The file always lands inside its kind's folder (the slug keeps letters and digits only), never
replaces an existing file, and concurrent runs never share a number: the number is chosen and the
file created under an exclusive lock on the kind's folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from improve.core.errors import UsageProblem
from improve.core.fsutil import atomic_write, folder_lock, inside, safe_join
from improve.core.git.gitrev import git_identity
from improve.core.out.mdtext import source_text
from improve.core.read.clock import zone
from improve.core.read.config import Config
from improve.core.write.yamlout import dump_front_matter
from improve.model.ids import file_name, file_number, format_doc_id
from improve.model.kinds import (
    DRAFT,
    INCIDENT,
    RETROSPECTIVE,
    REVIEW_CYCLE,
    SUPERSEDE_CHAIN,
    Kind,
)

MAX_SLUG = 60
RESERVED_FIELDS = frozenset({"id"})


@dataclass
class NewDocument:
    kind: Kind
    path: Path
    rel_path: str
    doc_id: str
    content: str
    written: bool = False


@dataclass
class Request:
    """What the user asked for; `fields` override the defaults (values already parsed as YAML)."""

    kind: Kind
    title: str
    today: dt.date
    author: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    severity: str | None = None
    services: tuple[str, ...] = ()
    extra_context: dict[str, Any] = field(default_factory=dict)


def slugify(title: str) -> str:
    """A readable file-name slug: accents folded, any other letter kept, everything else a dash."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).replace("_", "-")
    text = re.sub(r"-{2,}", "-", text).strip("-")
    if len(text) > MAX_SLUG:
        cut = text[:MAX_SLUG]
        text = cut.rsplit("-", 1)[0] if "-" in cut[MAX_SLUG // 2 :] else cut
        text = text.strip("-")
    return text or "untitled"


def parse_field(assignment: str) -> tuple[str, Any]:
    """`key=value` with the value read as YAML (`--field escaped_defect=true`)."""
    from improve.core.read.frontmatter import _Loader

    if _has_surrogate(assignment):
        raise UsageProblem(f"--field {assignment!r} is not valid UTF-8 text; check the terminal's "
                           "encoding")
    key, sep, value = assignment.partition("=")
    key = key.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
        raise UsageProblem(f"--field {assignment!r}: write it as key=value, e.g. --field team=payments")
    if key in RESERVED_FIELDS:
        raise UsageProblem(f"--field {key}: the id is assigned by improve from the next free number")
    try:
        loader = _Loader(value)
        try:
            parsed = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError:
        parsed = value
    return key, ("" if parsed is None and value.strip() == "" else parsed)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


def git_user(root: Path) -> str | None:
    return git_identity(root, "user.name")


def existing_numbers(folder: Path) -> set[int]:
    numbers: set[int] = set()
    if folder.is_dir():
        for _dirpath, _dirs, files in os.walk(folder):
            for name in files:
                number = file_number(name)
                if number is not None:
                    numbers.add(number)
    return numbers


def default_fields(config: Config, request: Request, doc_id: str) -> dict[str, Any]:
    """The front matter a new document of each kind starts with (keys in reading order)."""
    kind = request.kind
    people = [request.author] if request.author else []
    today = request.today.isoformat()
    data: dict[str, Any] = {"id": doc_id, "title": request.title}
    if kind.has(RETROSPECTIVE):
        # The layout the template writes; `team`: the repository's folder name, a better first
        # guess than a placeholder (issue 16).
        data |= {"date": today, "authors": people, "team": config.root.name,
                 "facilitator": request.author or "", "participants": [],
                 "format": kind.default_layout,
                 "period": {"start": today, "end": today}, "action_items": [],
                 "impediments": [], "carried_over": []}
        if not data["facilitator"]:
            del data["facilitator"]
    elif kind.has(INCIDENT):
        started = _started_at(config, request.today)
        data |= {"date": today, "authors": people, "status": kind.status(DRAFT),
                 "severity": request.severity or "SEV3",
                 "services": list(request.services), "started_at": started,
                 "detection": "alert", "escaped_defect": False, "root_causes": [],
                 "contributing_factors": [], "timeline": [{"at": started, "event": "Incident started"}],
                 "action_items": [], "runbooks": []}
    elif kind.has(REVIEW_CYCLE):
        data |= {"date": today, "owners": people or ["team"],
                 "service": request.services[0] if request.services else "service",
                 "last_reviewed": today, "review_every_days": config.review_every_days,
                 "alerts": [], "covers": []}
        if len(request.services) > 1:
            del data["service"]
            data["services"] = list(request.services)
    elif kind.has(SUPERSEDE_CHAIN):
        data |= {"date": today, "status": kind.status(DRAFT), "decision-makers": people,
                 "consulted": [], "informed": []}
    else:  # a kind the repository declares: its base fields
        data |= {"date": today, kind.people_field: people}
        if kind.has_action_items:
            data["action_items"] = []
    data |= {"tags": [], "related": []}
    for key, value in request.fields.items():
        data[key] = value
    return data


def _started_at(config: Config, today: dt.date) -> str:
    tz = zone(config.timezone)
    now = dt.datetime.now(tz)
    moment = now if now.date() == today else dt.datetime.combine(today, dt.time(0, 0), tz)
    return moment.replace(second=0, microsecond=0).isoformat()


def _environment(config: Config, kind: Kind) -> tuple[Any, str]:
    """A sandboxed Jinja2 environment: a template from a pull request cannot run code here."""
    from jinja2 import ChoiceLoader, PackageLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from improve.core.write.templateloader import RepositoryLoader

    loaders: list[Any] = []
    if kind.template_path:  # a declared kind's template, named by its path in the repository
        loaders.append(RepositoryLoader(config.root, config.root,
                                        shown=lambda path: _shown(config, path)))
    elif not kind.template:  # a declared kind without one: its sections, to fill in
        from jinja2 import DictLoader

        loaders.append(DictLoader({f"{kind.name}.md.j2": _sections_template(kind)}))
    if config.templates:
        loaders.append(RepositoryLoader(config.root, safe_join(config.root, config.templates),
                                        shown=lambda path: _shown(config, path)))
    loaders.append(PackageLoader("improve.core", "templates"))
    env = SandboxedEnvironment(loader=ChoiceLoader(loaders), undefined=StrictUndefined,
                               keep_trailing_newline=True, autoescape=False)
    # `# {{ title | markdown }}`: MADR tools read a decision's title from its first heading.
    env.filters["markdown"] = source_text
    return env, kind.template_path or kind.template or f"{kind.name}.md.j2"


def _sections_template(kind: Kind) -> str:
    """The template of a declared kind without one: front matter, then a heading per section."""
    body = "".join(f"\n## {source_text(section.title)}\n\n<!-- TODO: "
                   f"{source_text(section.title).lower()} -->\n" for section in kind.sections)
    return "---\n{{ front_matter }}---\n" + body.replace("{", "{{ '{' }}")


def render(config: Config, request: Request, doc_id: str) -> str:
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError
    from jinja2.exceptions import SecurityError

    fields = default_fields(config, request, doc_id)
    env, template_name = _environment(config, request.kind)
    where = template_name
    try:
        template = env.get_template(template_name)
    except TemplateSyntaxError as exc:
        raise UsageProblem(f"template {_shown(config, exc.filename or template_name)}:"
                           f"{exc.lineno}: {exc.message}; fix the template, nothing was written"
                           ) from None
    except (RecursionError, MemoryError) as exc:  # a template that nests itself, say
        raise UsageProblem(f"template {where} failed: {type(exc).__name__}; fix the template, "
                           "nothing was written") from None
    where = _shown(config, template.filename or template_name)
    context: Mapping[str, Any] = {
        "id": doc_id,
        "title": request.title,
        "kind": request.kind.name,
        "today": request.today.isoformat(),
        "author": request.author or "",
        "fields": fields,
        "front_matter": dump_front_matter(fields),
        **request.extra_context,
    }
    # A repository's template is untrusted input (it can come from a pull request): whatever goes
    # wrong while rendering it is the template's problem, reported as such, never a traceback.
    try:
        rendered: str = template.render(context)
    except SecurityError as exc:
        raise UsageProblem(f"template {where} tried something the sandbox forbids ({exc}); "
                           "templates may only fill in values, nothing was written") from None
    except TemplateNotFound as exc:
        raise UsageProblem(f"template {where} includes {exc.name!r}, which is not a template of "
                           "this repository or of improve; nothing was written") from None
    except TemplateError as exc:
        raise UsageProblem(f"template {where}: {exc.message}; fix the template, nothing was "
                           "written") from None
    except (RecursionError, MemoryError, ArithmeticError, LookupError, TypeError,
            ValueError) as exc:
        raise UsageProblem(f"template {where} failed: {type(exc).__name__}: {exc}; fix the "
                           "template, nothing was written") from None
    return rendered


def _shown(config: Config, filename: str) -> str:
    with contextlib.suppress(ValueError):
        return Path(filename).relative_to(config.root).as_posix()
    return filename


def create(config: Config, request: Request, *, dry_run: bool = False) -> NewDocument:
    """Choose the next free number and write the document (or only render it, with `dry_run`)."""
    kind = request.kind
    # Undecodable bytes on the command line arrive as lone surrogates: YAML would write them as
    # escapes it cannot read back.
    for what, value in (("the title", request.title), ("the author", request.author),
                        *((f"field {k}", v) for k, v in request.fields.items())):
        if _has_surrogate(value):
            raise UsageProblem(f"{what} is not valid UTF-8 text (check the terminal's encoding); "
                               "nothing was written")
    folder = safe_join(config.root, config.folder(kind))
    slug = slugify(request.title)
    if dry_run:
        number = max(existing_numbers(folder), default=0) + 1
        return _document(config, request, folder, number, slug)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "a file of that name is in the way" if isinstance(exc, FileExistsError) else exc.strerror
        raise UsageProblem(f"cannot create the folder {config.folder(kind)}/ for "
                           f"{kind.plural.lower()} ({why}); nothing was written") from None
    with folder_lock(folder):
        number = max(existing_numbers(folder), default=0) + 1
        new = _document(config, request, folder, number, slug)
        if not inside(folder, new.path):
            raise UsageProblem(f"refusing to write {new.path}: it is outside {folder}")
        try:
            atomic_write(new.path, new.content.encode("utf-8"), exclusive=True)
        except FileExistsError:
            raise UsageProblem(f"{new.rel_path} already exists; nothing was written") from None
        except OSError as exc:  # a read-only or full disk: the environment, not improve
            raise UsageProblem(f"cannot write {new.rel_path} ({exc.strerror}); nothing was "
                               "written") from None
        new.written = True
    return new


def _document(config: Config, request: Request, folder: Path, number: int, slug: str) -> NewDocument:
    doc_id = format_doc_id(request.kind.prefix, number)
    path = folder / file_name(number, slug)
    content = render(config, request, doc_id)
    return NewDocument(kind=request.kind, path=path, rel_path=path.relative_to(config.root).as_posix(),
                       doc_id=doc_id, content=content)
