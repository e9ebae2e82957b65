"""The registry of document kinds: everything kind-specific is data here, not a branch in code."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache


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

    The four built-in kinds are declared here; a repository declares its own in its config
    (`[kinds.<name>]`, see improve.core.read.kinddecl), and `Config.registry` holds both."""

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


_REVIEW = Section("Review of previous action items",
                  ("Previous action items", "Review of the previous retro's action items",
                   "Action items from last retro", "Last retro's action items"))
_REVIEW_OPTIONAL = Section(_REVIEW.title, _REVIEW.aliases, optional=True)
_SUMMARY = Section("Summary", ("Overview", "Executive summary", "Incident summary", "TL;DR",
                               "Description"))
_IMPACT = Section("Impact", ("Customer impact", "User impact", "Business impact"))
_ROOT_CAUSE = Section("Root cause analysis", ("Root cause", "Root causes", "Five whys", "5 whys",
                                              "Causes", "Cause", "Contributing factors"))
_LESSONS = Section("Lessons learned", ("Lessons", "Learnings", "Takeaways", "What we learned"))
_ESCALATION = Section("Escalation", ("Escalations", "Who to contact", "Contacts", "Support"))
_CONTEXT = Section("Context and problem statement", ("Context", "Context and problem",
                                                     "Problem statement", "Background"))
_DECISION = Section("Decision outcome", ("Decision", "The decision"))
_CONSEQUENCES = Section("Consequences", ("Positive consequences", "Negative consequences",
                                         "Implications", "Consequences and risks"))

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
                _REVIEW,
            ),
            layouts=(
                Layout("start-stop-continue", (
                    Section("Start", ("Start doing", "Things to start")),
                    Section("Stop", ("Stop doing", "Things to stop")),
                    Section("Continue", ("Continue doing", "Keep doing", "Things to continue")),
                    _REVIEW_OPTIONAL), ("ssc", "start stop continue")),
                Layout("4Ls", (
                    Section("Liked", ("What we liked",)),
                    Section("Learned", ("What we learned",)),
                    Section("Lacked", ("What we lacked",)),
                    Section("Longed for", ("What we longed for", "Longed")),
                    _REVIEW_OPTIONAL), ("4 ls", "four ls", "liked learned lacked longed for")),
                Layout("sailboat", (
                    Section("Wind", ("Wind in our sails", "Wind in the sails", "What pushes us")),
                    Section("Anchors", ("Anchor", "What holds us back")),
                    Section("Rocks", ("Rock", "Risks")),
                    Section("Island", ("Goal", "Goals", "Our island")),
                    _REVIEW_OPTIONAL), ("speedboat", "sail boat")),
                Layout("mad-sad-glad", (
                    Section("Mad",), Section("Sad",), Section("Glad",),
                    _REVIEW_OPTIONAL), ("mad sad glad", "glad sad mad")),
            ),
            default_layout="went-well",
            layout_field="format",
            traits=frozenset({RETROSPECTIVE}),
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
                _SUMMARY,
                _IMPACT,
                _ROOT_CAUSE,
                Section("What went well", ("Things that went well",)),
                Section("What went wrong", ("Things that went wrong", "What didn't go well",
                                            "What did not go well")),
                _LESSONS,
            ),
            layouts=(
                # The short incident report many teams write: no went-well/went-wrong.
                Layout("incident-report", (
                    _SUMMARY, _IMPACT, _ROOT_CAUSE,
                    Section("Resolution", ("Mitigation", "Remediation", "Fix", "Recovery",
                                           "Resolution and recovery")),
                    Section("Timeline", optional=True),
                    Section("Lessons learned", _LESSONS.aliases, optional=True)),
                    ("report", "short")),
            ),
            default_layout="full-review",
            traits=frozenset({INCIDENT}),
            statuses=("draft", "in-review", "published", "historical"),
            status_roles=((DRAFT, "draft"), (IN_REVIEW, "in-review"), (PUBLISHED, "published"),
                          (HISTORICAL, "historical")),
            status_map=(("in review", "in-review"), ("review", "in-review"),
                        ("final", "published"), ("complete", "published"),
                        ("completed", "published"), ("done", "published")),
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
                Section("Overview", ("Summary", "Purpose", "Description")),
                Section("Prerequisites", ("Requirements", "Before you start", "Access needed")),
                Section("Steps", ("Procedure", "Instructions")),
                Section("Verification", ("Verify", "Validation", "Checks")),
                Section("Rollback", ("Roll back", "Undo", "Backout", "Back out")),
                _ESCALATION,
            ),
            layouts=(
                # An alert's runbook (as kube-prometheus and GitLab write them).
                Layout("alert", (
                    Section("Meaning", ("Description", "Alert", "What it means", "Overview")),
                    Section("Impact", ("User impact", "Customer impact")),
                    Section("Diagnosis", ("Investigation", "Triage", "Troubleshooting",
                                          "How to investigate")),
                    Section("Mitigation", ("Resolution", "Remediation", "Fix", "How to fix")),
                    Section("Escalation", _ESCALATION.aliases, optional=True)),
                    ("alert runbook", "playbook")),
            ),
            default_layout="procedure",
            traits=frozenset({REVIEW_CYCLE}),
            people_field="owners",
            owner_fields=("owners",),
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
                _CONTEXT,
                Section("Considered options", ("Options", "Options considered", "Alternatives",
                                               "Alternatives considered")),
                _DECISION,
                # MADR 3 and 4 mark it optional (and MADR 2 splits it in two).
                Section(_CONSEQUENCES.title, _CONSEQUENCES.aliases, optional=True),
            ),
            layouts=(
                # Michael Nygard's record, as adr-tools writes it: no list of options.
                Layout("nygard", (_CONTEXT, _DECISION, _CONSEQUENCES,
                                  Section("Status", optional=True)), ("adr-tools",)),
            ),
            default_layout="madr",
            traits=frozenset({SUPERSEDE_CHAIN}),
            statuses=("proposed", "accepted", "rejected", "deprecated", "superseded"),
            status_roles=((DRAFT, "proposed"), (SUPERSEDED, "superseded")),
            status_map=(("approved", "accepted"), ("agreed", "accepted"), ("active", "accepted"),
                        ("adopted", "accepted"), ("decided", "accepted"), ("done", "accepted"),
                        ("pending", "proposed"), ("draft", "proposed"), ("in review", "proposed"),
                        ("in-review", "proposed"), ("open", "proposed"), ("declined", "rejected"),
                        ("obsolete", "deprecated"), ("retired", "deprecated"),
                        ("replaced", "superseded")),
            status_links=(("superseded", "superseded_by"), ("replaced", "superseded_by")),
            text_lists=("authors", "decision-makers", "consulted", "informed"),
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
