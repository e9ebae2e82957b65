"""The compact cross-reference summary of a document: what repository-wide checks need, no more.

Summaries are plain data (they go in the cache as JSON), so a warm run and a one-file run can
check duplicate ids, references and supersede links without re-reading every file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from improve.core.read.document import Document, as_list
from improve.core.read.links import body_links
from improve.core.read.publication import is_published
from improve.model.ids import parse_item_ref


@dataclass
class Summary:
    path: str
    kind: str
    id: str | None
    number: int | None
    title: str
    status: str | None = None
    date: str | None = None
    team: str | None = None
    published: bool = True  # improve.core.read.publication decides
    traits: list[str] = field(default_factory=list)  # the kind's (improve.model.kinds.TRAITS)
    # (front-matter path, referenced id or item reference)
    refs: list[tuple[list[Any], str]] = field(default_factory=list)
    supersedes: list[str] = field(default_factory=list)
    superseded_by: list[str] = field(default_factory=list)
    previous_ids: list[str] = field(default_factory=list)
    items: dict[str, str] = field(default_factory=dict)  # item id -> status
    carried_over: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)
    # Follow-through (rules/carryover.py, rules/followup.py); defaults keep old cache entries valid.
    item_done: dict[str, str] = field(default_factory=dict)  # item id -> done_on as written
    item_index: dict[str, int] = field(default_factory=dict)  # item id -> position in the list
    # Relative links of the body (improve.core.read.links): (line, column, as written, repository
    # path or None when it leaves the repository), checked by `broken-link`.
    links: list[tuple[int, int, str, str | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        return cls(**data)


def summarize(doc: Document) -> Summary:
    meta = doc.meta
    refs: list[tuple[list[Any], str]] = []
    for name in doc.kind.reference_fields:  # the kinds registry says which fields name ids
        value = meta.get(name)
        if isinstance(value, str):
            refs.append(([name], value))
        elif isinstance(value, list):
            refs.extend(([name, i], v) for i, v in enumerate(value) if isinstance(v, str))
    carried = meta.get("carried_over")
    if isinstance(carried, list):
        refs.extend((["carried_over", i], v) for i, v in enumerate(carried)
                    if isinstance(v, str) and parse_item_ref(v))
    date = meta.get("date")
    return Summary(
        path=doc.path,
        kind=doc.kind.name,
        id=doc.id,
        number=doc.number,
        title=doc.title,
        status=doc.status,
        date=date if isinstance(date, str) else None,
        team=meta.get("team") if isinstance(meta.get("team"), str) else None,
        published=is_published(doc),
        traits=sorted(doc.kind.traits),
        refs=refs,
        supersedes=[v for v in as_list(meta.get("supersedes")) if isinstance(v, str)],
        superseded_by=[v for v in as_list(meta.get("superseded_by")) if isinstance(v, str)],
        previous_ids=[v for v in as_list(meta.get("previous_ids")) if isinstance(v, str)],
        items={item.item_id: item.status for item in doc.action_items},
        carried_over=[v for v in as_list(carried) if isinstance(v, str)],
        covers=[v for v in as_list(meta.get("covers")) if isinstance(v, str)],
        item_done={item.item_id: item.done_on.isoformat() for item in doc.action_items
                   if item.done_on is not None},
        item_index={item.item_id: item.index for item in doc.action_items},
        links=[(link.line, link.column, link.href, link.target) for link in
               body_links(doc.parsed.body, doc.parsed.body_first_line, doc.path)],
    )


@dataclass
class RepoIndex:
    """All summaries of a run, indexed by path and by id (old ids of renumbered documents too)."""

    summaries: dict[str, Summary]

    def __post_init__(self) -> None:
        self.by_id: dict[str, list[Summary]] = {}
        self.by_previous_id: dict[str, Summary] = {}
        for summary in sorted(self.summaries.values(), key=lambda s: s.path):
            if summary.id:
                self.by_id.setdefault(summary.id, []).append(summary)
            for old in summary.previous_ids:
                self.by_previous_id.setdefault(old, summary)

    def resolve(self, doc_id: str) -> Summary | None:
        found = self.by_id.get(doc_id)
        if found:
            return found[0]
        return self.by_previous_id.get(doc_id)
