"""The registry of document kinds: everything kind-specific is data here, not a branch in code."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache


@dataclass(frozen=True)
class Section:
    """A body section a kind expects, with the other headings that count as it."""

    title: str
    aliases: tuple[str, ...] = ()

    @cached_property
    def names(self) -> frozenset[str]:
        """The title and aliases as `heading_key` writes them: what a heading is compared with."""
        return frozenset({heading_key(self.title), *(heading_key(a) for a in self.aliases)})

    def matches(self, heading: str) -> bool:
        return heading_key(heading) in self.names


@lru_cache(maxsize=4096)  # the same few headings, asked once per section of every document
def heading_key(text: str) -> str:
    """A heading as sections compare it: lower case, dashes as spaces, spaces collapsed."""
    return " ".join(text.lower().replace("-", " ").split())


@dataclass(frozen=True)
class Kind:
    """One kind of document: where it lives, how it is named, validated and scaffolded."""

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
    extra: dict[str, str] = field(default_factory=dict)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            name="retro",
            title="Retrospective",
            plural="Retrospectives",
            folder="retros",
            prefix="RETRO",
            schema="retro.schema.json",
            template="retro.md.j2",
            sections=(
                Section("What went well", ("Went well", "Keep")),
                Section("What to improve", ("To improve", "What could be improved")),
                Section(
                    "Review of previous action items",
                    ("Previous action items", "Review of the previous retro's action items"),
                ),
            ),
            has_action_items=True,
            icon="material/account-group",
        ),
        Kind(
            name="rca",
            title="Incident review (RCA)",
            plural="Incident reviews",
            folder="rca",
            prefix="RCA",
            schema="rca.schema.json",
            template="rca.md.j2",
            sections=(
                Section("Summary"),
                Section("Impact"),
                Section("Root cause analysis", ("Root cause", "Root causes", "Five whys")),
                Section("What went well"),
                Section("What went wrong"),
                Section("Lessons learned"),
            ),
            aliases=("postmortem", "incident"),
            has_action_items=True,
            reference_fields=("related", "runbooks"),
            icon="material/fire-alert",
        ),
        Kind(
            name="runbook",
            title="Runbook",
            plural="Runbooks",
            folder="runbooks",
            prefix="RB",
            schema="runbook.schema.json",
            template="runbook.md.j2",
            sections=(
                Section("Overview"),
                Section("Prerequisites"),
                Section("Steps", ("Procedure",)),
                Section("Verification"),
                Section("Rollback"),
                Section("Escalation"),
            ),
            people_field="owners",
            icon="material/book-open-variant",
        ),
        Kind(
            name="decision",
            title="Decision record",
            plural="Decision records",
            folder="decisions",
            prefix="ADR",
            schema="decision.schema.json",
            template="decision.md.j2",
            sections=(
                Section("Context and problem statement", ("Context", "Context and problem")),
                Section("Considered options", ("Options",)),
                Section("Decision outcome", ("Decision",)),
                Section("Consequences"),
            ),
            aliases=("adr",),
            reference_fields=("related", "supersedes", "superseded_by"),
            icon="material/scale-balance",
        ),
    )
}


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
