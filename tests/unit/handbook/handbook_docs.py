"""Documents made from text for the handbook's unit tests (no files, no MkDocs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from improve.core.read.config import Config, Person
from improve.core.read.document import Document
from improve.core.read.frontmatter import parse
from improve.handbook.site import Site, load_site
from improve.model.kinds import KINDS

TODAY = dt.date(2026, 2, 1)
FOLDERS = {"retro": "retros", "rca": "rca", "runbook": "runbooks", "decision": "decisions"}


def config(**overrides: object) -> Config:
    settings: dict[str, object] = {
        "root": Path("/nonexistent/handbook"),
        "timezone": "Europe/Berlin",
        "roster": {"bob": Person("bob", names=("Bob Okafor",)), "alice": Person("alice")},
    }
    settings.update(overrides)
    return Config(**settings)  # type: ignore[arg-type]


def doc(kind: str, number: int, front: str, body: str = "Body.\n", slug: str = "x") -> Document:
    """A parsed document of `kind` at `<folder>/<number>-<slug>.md` from its front matter."""
    text = f"---\n{front.strip()}\n---\n\n{body}"
    path = f"{FOLDERS[kind]}/{number:04d}-{slug}.md"
    return Document(path=path, kind=KINDS[kind], number=number,
                    parsed=parse(text.encode("utf-8"), max_size=1 << 20))


def site(*documents: Document, today: dt.date = TODAY, **overrides: object) -> Site:
    return load_site(config(**overrides), today, documents=list(documents))
