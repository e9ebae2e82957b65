"""The registry of document kinds: everything kind-specific is data here, not a branch in code."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any


@dataclass(frozen=True)
class Section:
    """A body section a kind expects, with the other headings that count as it."""

    title: str
    aliases: tuple[str, ...] = ()
    optional: bool = False  # named in messages and matched, never reported missing

    @cached_property
    def names(self) -> frozenset[str]:
        """The title and aliases as `heading_key` writes them: what a heading is compared with."""
        return frozenset({heading_key(self.title), *(heading_key(a) for a in self.aliases)})

    def matches(self, heading: str) -> bool:
        return heading_key(heading) in self.names

    def with_aliases(self, more: Iterable[str]) -> Section:
        return Section(self.title, (*self.aliases, *more), self.optional)


@dataclass(frozen=True)
class Layout:
    """One way of writing a kind's body (a retro's start-stop-continue, a Nygard decision record,
    an alert runbook): the sections it expects. A document's layout is the one its layout field
    names, else the one its headings fit best (issue 13: teams write in many layouts)."""

    name: str
    sections: tuple[Section, ...]
    aliases: tuple[str, ...] = ()

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset({heading_key(self.name), *(heading_key(a) for a in self.aliases)})

    def missing(self, found: frozenset[str] | set[str]) -> list[Section]:
        return [s for s in self.sections if not s.optional and s.names.isdisjoint(found)]

    def matched(self, found: frozenset[str] | set[str]) -> int:
        return sum(1 for s in self.sections if not s.names.isdisjoint(found))


# British and American spellings of words that appear in section headings: both count.
_SPELLINGS = {
    "learnt": "learned", "analyse": "analyze", "analysed": "analyzed", "analysing": "analyzing",
    "behaviour": "behavior", "behaviours": "behaviors", "organisation": "organization",
    "prioritise": "prioritize", "prioritisation": "prioritization", "summarise": "summarize",
    "recognise": "recognize", "colour": "color", "utilisation": "utilization",
    "minimise": "minimize", "stabilise": "stabilize", "optimise": "optimize",
    "acknowledgement": "acknowledgment", "judgement": "judgment",
}
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)


@lru_cache(maxsize=4096)  # the same few headings, asked once per section of every document
def heading_key(text: str) -> str:
    """A heading as sections compare it: without case, punctuation, emoji, HTML comments or a
    leading number (`## 2. Lessons learnt ✅` is `lessons learned`), `&` read as `and`, and
    British spellings read as American ones."""
    text = _COMMENT.sub(" ", text).replace("&", " and ")
    kept = "".join(c if c.isalnum() or c == "'" else " " for c in unicodedata.normalize(
        "NFKC", text).casefold())
    words = [_SPELLINGS.get(w, w) for w in kept.replace("'", "").split()]
    if len(words) > 1 and words[0].isdigit():
        words = words[1:]
    return " ".join(words)


# Behaviours a kind can have, beyond fields and sections: the code asks for a trait, never for a
# kind's name, so a kind a team declares in its config can take any of them (issue 12).
RETROSPECTIVE = "retrospective"  # carry-over, impediments, health checks, follow-through
INCIDENT = "incident"  # severity, timestamps, follow-up deadlines, the incident log
REVIEW_CYCLE = "review-cycle"  # `last_reviewed` + a review period: stale when overdue
SUPERSEDE_CHAIN = "supersede-chain"  # a status and supersede links: the decision log
# What a status means to improve (rules, the scaffold and the importer ask for a role, never for
# a word): the status a new document starts in and that counts as a draft, the one under review,
# the published one, the one of a document another replaced, and the one of a record imported
# for its numbers (kept out of today's rules). Each kind maps the roles it has.
DRAFT, IN_REVIEW, PUBLISHED, SUPERSEDED = "draft", "in-review", "published", "superseded"
HISTORICAL = "historical"
TRAITS: dict[str, str] = {
    RETROSPECTIVE: "carries open action items over, tracks impediments and health checks",
    INCIDENT: "has a severity and a timeline; joins the incident log and incident metrics",
    REVIEW_CYCLE: "is reviewed every `review_every_days`; stale when the review is overdue",
    SUPERSEDE_CHAIN: "has a status and `supersedes`/`superseded_by` links; joins the decision log",
}


@dataclass(frozen=True, eq=False)  # one object per kind: compared and hashed by identity
class Kind:
    """One kind of document: where it lives, how it is named, validated and scaffolded.

    The four built-in kinds are declared in `kinds.toml` beside this module, with the keys a
    repository declares its own with in its config (`[kinds.<name>]`, checked by
    improve.core.read.kinddecl); `declared` reads both, and `Config.registry` holds both."""

    name: str
    title: str
    plural: str
    folder: str
    prefix: str
    schema: str
    template: str
    sections: tuple[Section, ...]
    aliases: tuple[str, ...] = ()
    people_field: str = "authors"
    has_action_items: bool = False
    # Front-matter fields holding ids of other documents, checked by `dangling-reference`.
    reference_fields: tuple[str, ...] = ("related",)
    # A stable icon for the handbook's navigation and badges.
    icon: str = "material/file-document-outline"
    # A kind a repository declares: its schema and template are files in the repository, and
    # its catalog page shows these front-matter fields as columns.
    schema_path: str | None = None
    template_path: str | None = None
    catalog_columns: tuple[str, ...] = ()
    # Other ways of writing the body (the default layout, `default_layout`, is `sections`), and
    # the front-matter field that names one (`format: start-stop-continue`).
    layouts: tuple[Layout, ...] = ()
    default_layout: str = "standard"
    layout_field: str | None = None
    # The `status` values the schema allows (one source: a test holds the schemas to it), and
    # how other tools' statuses read (`Approved` is `accepted`); compared without case.
    statuses: tuple[str, ...] = ()
    status_map: tuple[tuple[str, str], ...] = ()
    # The status that plays each role (DRAFT, PUBLISHED, ...) for this kind.
    status_roles: tuple[tuple[str, str], ...] = ()
    # A status that names another document (`superseded by ADR-0012`, as MADR and adr-tools
    # write it): the status, and the field the named document belongs in.
    status_links: tuple[tuple[str, str], ...] = ()
    # People fields other tools write as text (`decision-makers: Oliver Kopp`, `Ann, Bo`).
    text_lists: tuple[str, ...] = ()
    traits: frozenset[str] = frozenset()
    # Fields of people who own the document, checked against the roster (`unknown-owner`).
    owner_fields: tuple[str, ...] = ()

    def has(self, trait: str) -> bool:
        return trait in self.traits

    def status(self, role: str) -> str | None:
        """The status that plays `role` (DRAFT, PUBLISHED, ...) for this kind, if it has one."""
        return dict(self.status_roles).get(role)

    def in_role(self, status: object, *roles: str) -> bool:
        """Whether `status` is the status of one of `roles` for this kind."""
        return status is not None and any(self.status(role) == status for role in roles)

    @cached_property
    def all_layouts(self) -> tuple[Layout, ...]:
        return (Layout(self.default_layout, self.sections), *self.layouts)

    def layout_for(self, meta: Mapping[str, object], found: frozenset[str] | set[str],
                   layouts: tuple[Layout, ...] | None = None) -> Layout:
        """The layout a document is written in: the one its layout field names, else the one
        its headings (`heading_key`s) fit best: fewest sections missing, then most matched,
        then the first declared."""
        candidates = layouts or self.all_layouts
        if self.layout_field is not None:
            named = meta.get(self.layout_field)
            if isinstance(named, str):
                key = heading_key(named)
                for layout in candidates:
                    if key in layout.names:
                        return layout
        return min(candidates, key=lambda layout: (len(layout.missing(found)),
                                                   -layout.matched(found)))


def declared(name: str, raw: Mapping[str, Any]) -> Kind:
    """The Kind a declaration describes: the keys of `[kinds.<name>]` in a repository's config,
    as `kinds.toml` declares the built-in kinds (a declaration is checked before it gets here:
    improve.core.read.kinddecl for a repository's, a test for the bundled ones)."""
    aliases = {heading_key(title): tuple(more)
               for title, more in raw.get("section_aliases", {}).items()}

    def sections(titles: Iterable[str], optional: Iterable[str]) -> tuple[Section, ...]:
        left_out = {heading_key(title) for title in optional}
        return tuple(Section(title, aliases.get(heading_key(title), ()),
                             optional=heading_key(title) in left_out) for title in titles)

    title = raw.get("title") or name.replace("-", " ").capitalize()
    plural = raw.get("plural") or f"{title}s"
    return Kind(
        name=name, title=title, plural=plural,
        folder=raw.get("folder") or re.sub(r"[^a-z0-9]+", "-", plural.lower()).strip("-"),
        prefix=raw["prefix"], schema=raw.get("schema", ""), template=raw.get("template", ""),
        aliases=tuple(raw.get("aliases", ())),
        sections=sections(raw.get("sections", ()), raw.get("optional", ())),
        layouts=tuple(Layout(layout_name, sections(layout["sections"], layout.get("optional", ())),
                             tuple(layout.get("aliases", ())))
                      for layout_name, layout in raw.get("layouts", {}).items()),
        default_layout=raw.get("default_layout", "standard"),
        layout_field=raw.get("layout_field"),
        has_action_items=bool(raw.get("action_items", False)),
        reference_fields=tuple(dict.fromkeys(("related", *raw.get("references", ())))),
        people_field=raw.get("people_field", "authors"),
        owner_fields=tuple(raw.get("owner_fields", ())),
        text_lists=tuple(raw.get("text_lists", ())),
        traits=frozenset(raw.get("traits", ())),
        icon=raw.get("icon", "material/file-document-outline"),
        statuses=tuple(raw.get("status_values", ())),
        status_map=tuple(raw.get("statuses", {}).items()),
        status_roles=tuple(raw.get("status_roles", {DRAFT: "draft"}).items()),
        status_links=tuple(raw.get("status_links", {}).items()),
    )


def _bundled() -> dict[str, Kind]:
    """The built-in kinds, from the declarations shipped beside this module."""
    import tomllib  # the config is TOML too: already imported by any command that reads one

    with open(os.path.join(os.path.dirname(__file__), "kinds.toml"), "rb") as declarations:
        text = declarations.read().decode("utf-8")
    return {name: declared(name, raw) for name, raw in tomllib.loads(text).items()}


KINDS: dict[str, Kind] = _bundled()


def kind_names() -> list[str]:
    """Every name and alias accepted on the command line, for `click.Choice`."""
    names: list[str] = []
    for kind in KINDS.values():
        names.append(kind.name)
        names.extend(kind.aliases)
    return names


def resolve_kind(name: str) -> Kind | None:
    """The kind called `name` or one of its aliases (case-insensitive), else None."""
    wanted = name.lower()
    for kind in KINDS.values():
        if wanted == kind.name or wanted in kind.aliases:
            return kind
    return None


def kind_for_prefix(prefix: str) -> Kind | None:
    for kind in KINDS.values():
        if kind.prefix == prefix:
            return kind
    return None
