"""What a handbook build knows: published documents, derived indexes, lint results, link targets.

Built once per build from improve's own core, without MkDocs, so that page rendering can be
tested (and reused by another site generator) on its own.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from improve.core.config import Config
from improve.core.document import Document
from improve.core.index import HandbookIndex, build_index, unpublishable_reason
from improve.core.lint import LintResult
from improve.core.repository import Repository
from improve.model.ids import parse_item_ref


def url_path(path: str) -> str:
    """A path (with an optional #fragment) made safe for a Markdown link or an HTML attribute."""
    base, _, fragment = path.partition("#")
    quoted = quote(base, safe="/")
    return f"{quoted}#{quote(fragment, safe='')}" if fragment else quoted


@dataclass
class Site:
    """The published part of a repository, as the handbook's pages see it."""

    config: Config
    today: dt.date
    documents: list[Document]
    index: HandbookIndex
    # Document path (repository-relative) -> its page's path in the site (docs-relative).
    src_uris: dict[str, str] = field(default_factory=dict)
    withheld: Counter[str] = field(default_factory=Counter)
    lint: LintResult | None = None

    def __post_init__(self) -> None:
        self.by_id: dict[str, Document] = {}
        self.by_path: dict[str, Document] = {d.path: d for d in self.documents}
        for doc in self.documents:
            if doc.id:
                self.by_id.setdefault(doc.id, doc)
        for doc in self.documents:
            for old in doc.strings("previous_ids"):
                self.by_id.setdefault(old, doc)
        for doc in self.documents:
            self.src_uris.setdefault(doc.path, doc.path)

    def src_uri(self, doc: Document) -> str:
        return self.src_uris[doc.path]

    def href(self, doc_path: str, from_src: str = "") -> str:
        """The link from the page at `from_src` to a published document (MkDocs-relative, quoted)."""
        target = self.src_uris[doc_path]
        base = posixpath.dirname(from_src)
        return url_path(posixpath.relpath(target, base) if base else target)

    def resolve(self, ref: str) -> Document | None:
        """The published document an id (`RCA-0002`) or an item reference (`RCA-0002#A1`) names."""
        parsed = parse_item_ref(ref)
        return self.by_id.get(parsed[0] if parsed else ref)


def load_site(config: Config, today: dt.date, *, lint: LintResult | None = None,
              documents: Sequence[Document] | None = None,
              soon_days: int | None = None, recent_days: int | None = None) -> Site:
    """Read the repository (unless `documents` are given) and keep what may be published."""
    docs = list(documents) if documents is not None else Repository(config).documents()
    withheld: Counter[str] = Counter()
    public: list[Document] = []
    for doc in sorted(docs, key=lambda d: d.path):
        reason = unpublishable_reason(doc)
        if reason is None:
            public.append(doc)
        else:
            withheld[reason] += 1
    index = build_index(public, config, today, soon_days=soon_days, recent_days=recent_days)
    return Site(config=config, today=today, documents=public, index=index, withheld=withheld,
                lint=lint)


def source_path(config: Config, doc: Document) -> Path:
    return config.root / doc.path
