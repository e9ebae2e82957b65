"""Which documents may reach other people: the one decision, made in one place.

Every output that someone other than the person at the terminal can read goes through here: the
handbook (pages, indexes, search, charts, metrics page, redirects), `improve metrics`,
`improve digest`, `improve pr-summary`, carry-over into a new retro and the `missing-carry-over`
rule. Four copies of this rule once disagreed, and the digest showed items of documents the site
withheld (issue 11).

It fails closed: a document is published only when its front matter was read and its
`visibility` is absent (the schema's default is `internal`) or exactly the string `internal`.
`restricted`, `Restricted`, `private`, an empty or null value, a list, a number, a file that could
not be read or parsed, a symbolic link that leaves the repository: all withheld. Lint reports the
invalid values; this module only decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from improve.core.read.document import Document

PUBLISHED_VISIBILITY = "internal"
# Reading problems that mean a file must never be published, whatever its front matter says.
_WITHHELD_PROBLEMS = frozenset({"symlink-outside", "file-name"})

WithheldReason = Literal["restricted", "symlink-outside", "unreadable"]


def withheld_reason(doc: Document) -> WithheldReason | None:
    """Why a document stays out of everything others read, or None when it may be published."""
    if any(p.rule in _WITHHELD_PROBLEMS for p in doc.parsed.problems):
        return "symlink-outside" if any(p.rule == "symlink-outside"
                                        for p in doc.parsed.problems) else "unreadable"
    if not doc.parsed.ok:
        return "unreadable"
    if not visibility_is_published(doc.meta):
        return "restricted"
    return None


def visibility_is_published(meta: dict[str, object]) -> bool:
    """The front-matter half of the rule (for callers that hold only a mapping)."""
    return "visibility" not in meta or meta["visibility"] == PUBLISHED_VISIBILITY


def is_published(doc: Document) -> bool:
    return withheld_reason(doc) is None


def published(documents: Iterable[Document]) -> list[Document]:
    """The documents others may read, sorted by path."""
    return sorted((d for d in documents if is_published(d)), key=lambda d: d.path)
