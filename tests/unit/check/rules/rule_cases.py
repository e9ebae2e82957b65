"""The rule case table: every registered rule, firing and not firing, as data.

Each `RuleCase` is a small handbook (files written into a fresh git repository with a
`.improve.toml`) and the exact places where ONE rule must fire: `(path, line, column)`. An empty
`expected` means the rule must not fire at all. test_rule_cases.py runs every case through
`improve lint --format json` (in-process), and runs every firing case twice more: with the rule
set to "off" in the config (no finding may remain) and set to the other severity.

HOW TO ADD CASES FOR YOUR RULE (the meta-test `test_every_registered_rule_has_a_firing_case`
fails while a rule registered through `improve.core.check.rules.rule(...)` has no firing case):

1. Preferably, add a module `tests/unit/check/rules/cases/<your-rule-id>.py` defining
   `CASES: list[RuleCase]` (no edit of this shared file needed):

       from rule_cases import RuleCase, doc

       CASES = [
           RuleCase("my-rule", {"rca/0001-x.md": doc("rca", 1, severity="SEV1")},
                    [("rca/0001-x.md", 6, 11)], name="fires-on-sev1"),
           RuleCase("my-rule", {"rca/0001-x.md": doc("rca", 1)}, [], name="quiet-on-sev3"),
       ]

2. Or append to `RULE_CASES` below.

Tools: `doc(kind, number, **fields)` is a document of that kind that lints clean on `TODAY`
(2026-03-02); keyword arguments replace a front-matter field (YAML text, `None` drops it) or
append a new one. Lines: `---` is line 1 and the fields follow in the order of
tests/valid_docs.py (retro: id 2, title 3, date 4, authors 5, team 6; rca: id, title, date,
status, severity, started_at on 2..7; runbook: id, title, date, owners, service, last_reviewed;
decision: id, title, date, status, decision-makers), appended fields after them. `block(...)`
writes a block list of mappings (each item takes one line per key). `config=` adds TOML to
`.improve.toml` (after `timezone = "UTC"` on line 1); `since="main"` runs `lint --since main`;
`prepare=` gets the `Handbook` (tests/conftest.py) before `files` are written: commit a base,
make branches, create symbolic links. `contains=` is a text the finding's message must hold.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from valid_docs import TODAY, block, valid_doc

Where = tuple[str, int, int]


@dataclass(frozen=True)
class RuleCase:
    rule: str
    files: Mapping[str, str | bytes]
    expected: Sequence[Where]  # every finding of `rule`, exactly; empty: it must not fire
    name: str = ""
    config: str = ""
    today: str = TODAY
    since: str | None = None
    args: Sequence[str] = ()
    prepare: Callable[[Any], None] | None = None
    severity: str | None = None  # expected severity when it differs from the rule's default
    contains: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.name or ('fires' if self.expected else 'quiet')}"


def doc(kind: str, number: int = 1, *, body: str | None = None, **fields: str | None) -> str:
    return valid_doc(kind, number, body=body, **fields)


def item(n: int, **fields: str) -> dict[str, str]:
    """An action item that is complete and not overdue on TODAY; `fields` change it."""
    base = {"id": f"A{n}", "title": f"Item {n}", "owner": "alice", "due": "2026-04-01",
            "status": "open"}
    return {k: v for k, v in {**base, **fields}.items() if v != ""}


R1 = "retros/0001-sprint.md"
R2 = "retros/0002-sprint.md"
C1 = "rca/0001-outage.md"
B1 = "runbooks/0001-restart.md"
D1 = "decisions/0001-postgres.md"
D2 = "decisions/0002-postgres-16.md"
SECTIONS_RUNBOOK = ("\n## Overview\n\nx\n\n## Prerequisites\n\nx\n\n## Steps\n\nx\n\n"
                    "## Verification\n\nx\n\n## Rollback\n\nx\n")
ALIAS_BOMB = ("---\nid: RETRO-0001\ntitle: x\n"
              "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
              "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
              "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
              "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n---\n")


def _symlink_outside(handbook: Any) -> None:
    outside = handbook.root.parent / "outside.md"
    outside.write_text(doc("retro", 1), encoding="utf-8")
    (handbook.root / "retros").mkdir(exist_ok=True)
    os.symlink(outside, handbook.root / R1)


RULE_CASES: list[RuleCase] = [
    # --- reading: bytes and YAML (whole-file problems at 1:1) -----------------------------------
    RuleCase("empty-file", {R1: ""}, [(R1, 1, 1)]),
    RuleCase("empty-file", {R1: " \n\n"}, [(R1, 1, 1)], name="only-blank-lines"),
    RuleCase("empty-file", {R1: doc("retro")}, []),
    RuleCase("binary-file", {R1: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, [(R1, 1, 1)]),
    RuleCase("binary-file", {R1: doc("retro", body="\nA tab\there, a form feed \x0c there.\n")},
             [], name="control-characters-are-text"),
    RuleCase("encoding", {R1: b"---\nid: RETRO-0001\ntitle: caf\xe9\n---\n"}, [(R1, 1, 1)],
             contains="line 3"),
    RuleCase("encoding", {R1: doc("retro", title="Café ☕ 日本")}, [], name="utf8-is-fine"),
    RuleCase("file-too-large", {R1: doc("retro")}, [(R1, 1, 1)], config="max_file_size = 100\n"),
    RuleCase("file-too-large", {R1: doc("retro")}, [], config="max_file_size = 100000\n"),
    RuleCase("front-matter-missing", {R1: "# Sprint 1\n\nNo front matter.\n"}, [(R1, 1, 1)]),
    RuleCase("front-matter-missing", {R1: "\n---\nid: RETRO-0001\n---\n"}, [(R1, 1, 1)],
             name="blank-first-line"),
    RuleCase("front-matter-unterminated", {R1: "---\nid: RETRO-0001\ntitle: x\n\nBody.\n"},
             [(R1, 1, 1)]),
    RuleCase("front-matter-not-mapping", {R1: "---\n- a\n- b\n---\n"}, [(R1, 2, 1)]),
    RuleCase("front-matter-not-mapping", {R1: "---\n---\nBody.\n"}, [(R1, 1, 1)], name="empty"),
    RuleCase("front-matter-not-mapping", {R1: "---\nnull\n---\n"}, [(R1, 2, 1)], name="null"),
    RuleCase("front-matter-not-mapping", {R1: "---\n# just a comment\n---\n"}, [(R1, 2, 1)],
             name="only-a-comment"),
    RuleCase("front-matter-not-mapping", {R1: "---\nplain words\n---\n"}, [(R1, 2, 1)],
             name="a-scalar"),
    RuleCase("yaml-syntax", {R1: "---\nid: RETRO-0001\ntitle: x\nteam: [payments\n"
                                 "date: 2026-02-03\n---\n"}, [(R1, 5, 5)]),
    RuleCase("yaml-syntax", {R1: "---\nid: RETRO-0001\ntitle: x: y\n---\n"}, [(R1, 3, 9)],
             name="colon-in-plain-value"),
    RuleCase("yaml-syntax", {R1: "---\nid: RETRO-0001\ntitle: !!python/name:os.system x\n---\n"},
             [(R1, 3, 8)], name="python-tag"),
    RuleCase("yaml-complexity", {R1: ALIAS_BOMB}, [(R1, 2, 1)], name="alias-bomb"),
    RuleCase("yaml-complexity", {R1: "---\nid: RETRO-0001\ntitle: " + "[" * 200 + "x"
                                 + "]" * 200 + "\n---\n"}, [(R1, 2, 1)], name="deep-nesting"),
    RuleCase("yaml-complexity", {R1: doc("retro", authors="&t [alice]", tags="*t")}, [], name="a-small-alias-is-fine"),
    RuleCase("duplicate-key", {R1: doc("retro").replace(
        "team: payments\n", "team: payments\nteam: billing\n")}, [(R1, 7, 1)]),
    RuleCase("duplicate-key", {R1: doc("retro", action_items=block(
        {"id": "A1", "title": "x", "status": "open", "owner": "alice", "due": "2026-04-01",
         "status ": "done"}))}, [(R1, 13, 5)], name="inside-an-item"),
    RuleCase("tab-indentation", {R1: doc("retro", authors="\n\t- alice")}, [(R1, 6, 1)]),
    RuleCase("tab-indentation", {R1: doc("retro", title='"Sprint\t1"', team="pay\tments")}, [],
             name="a-tab-inside-a-value-is-fine"),
    RuleCase("symlink-outside", {}, [(R1, 1, 1)], prepare=_symlink_outside),
    RuleCase("config-unknown-key", {R1: doc("retro")}, [(".improve.toml", 2, 1)],
             config='timezon = "Europe/Berlin"\n', contains="did you mean `timezone`?"),
    RuleCase("config-unknown-key", {R1: doc("retro")}, [(".improve.toml", 3, 1)],
             config='[rules]\nmissing-sectoin = "off"\n', name="unknown-rule-id",
             contains="did you mean `missing-section`?"),
    RuleCase("config-unknown-key", {R1: doc("retro")}, [(".improve.toml", 4, 1)],
             config='[policies]\nmax_retros_open = 3\nmax_retro_open = 3\n', name="nested"),
    RuleCase("config-unknown-key", {R1: doc("retro")}, [],
             config='review_every_days = 30\n[rules]\nmissing-section = "error"\n'),
    # --- schema --------------------------------------------------------------------------------
    RuleCase("missing-field", {R1: doc("retro", team=None)}, [(R1, 1, 1)],
             contains="`team`"),
    RuleCase("missing-field", {R1: doc("retro", period="\n  start: 2026-02-01")}, [(R1, 7, 1)],
             name="nested-points-at-parent-key"),
    RuleCase("missing-field", {C1: doc("rca", status="published", severity="SEV4",
                                       detected_at="2026-02-19T10:05:00Z",
                                       resolved_at="2026-02-19T11:00:00Z", services="[web]",
                                       detection="alert", root_causes="[a bug]")},
             [(C1, 1, 1)], name="published-needs-a-reviewer", contains="`reviewed_by`"),
    RuleCase("missing-field", {C1: doc("rca", status="draft", severity="SEV1")}, [],
             name="a-sev1-draft-needs-little"),
    RuleCase("unknown-field", {R1: doc("retro", servces="[x]")}, [(R1, 7, 1)],
             contains="`servces`"),
    RuleCase("unknown-field", {R1: doc("retro", action_items=block(item(1, tpye="process")))},
             [(R1, 13, 5)], name="in-an-item", contains="did you mean `type`?"),
    RuleCase("unknown-field", {D1: doc("decision", **{"decision-makers": "[alice]"},
                                       consulted="[bob]", informed="[carol]")}, [],
             name="madr-keys-are-known"),
    RuleCase("invalid-type", {R1: doc("retro", tags="urgent")}, [(R1, 7, 7)]),
    RuleCase("invalid-value", {C1: doc("rca", severity="SEV5")}, [(C1, 6, 11)],
             contains="expected one of"),
    RuleCase("invalid-value", {C1: doc("rca", status="finished")}, [(C1, 5, 9)],
             name="did-you-mean", contains="'finished'"),
    RuleCase("invalid-date", {R1: doc("retro", date="2026-02-30")}, [(R1, 4, 7)]),
    RuleCase("invalid-date", {C1: doc("rca", started_at="2026-02-19T10:00:00")}, [(C1, 7, 13)],
             name="timestamp-without-zone"),
    RuleCase("invalid-date", {R1: doc("retro", date="2026-02-03")}, [], name="a-real-date"),
    RuleCase("invalid-date", {R1: doc("retro", date="2024-02-29")}, [], name="a-leap-day"),
    RuleCase("yaml-implicit-type", {R1: doc("retro", team="no")}, [(R1, 6, 7)],
             contains="`no`"),
    RuleCase("yaml-implicit-type", {R1: doc("retro", team="on")}, [(R1, 6, 7)], name="on",
             contains="`on`"),
    RuleCase("yaml-implicit-type", {R1: doc("retro", team="0012")}, [(R1, 6, 7)], name="octal",
             contains="`0012`"),
    RuleCase("yaml-implicit-type", {R1: doc("retro", team="12:30")}, [(R1, 6, 7)],
             name="sexagesimal", contains="`12:30`"),
    RuleCase("yaml-implicit-type", {R1: doc("retro", team='"no"', title='"12:30"')}, [],
             name="quoted"),
    # --- naming ------------------------------------------------------------------------------
    RuleCase("id-mismatch", {R2: doc("retro", 1)}, [(R2, 2, 5)], contains="RETRO-0002"),
    RuleCase("id-mismatch", {"retros/0002-a.md": doc("retro", 2)}, []),
    # --- action items ------------------------------------------------------------------------
    RuleCase("duplicate-item-id", {R1: doc("retro", action_items=block(item(1), item(1)))},
             [(R1, 13, 9)]),
    RuleCase("action-item-unassigned", {R1: doc("retro", action_items=block(
        item(1), item(2, owner="")))}, [(R1, 13, 5)], contains="no owner"),
    RuleCase("action-item-unassigned", {C1: doc("rca", action_items=block(item(1, due="")))},
             [(C1, 9, 5)], name="a-draft-is-lenient", severity="warning"),
    RuleCase("action-item-unassigned", {C1: doc("rca", status="in-review", detected_at=
                                                "2026-02-19T10:05:00Z", resolved_at=
                                                "2026-02-19T11:00:00Z", services="[web]",
                                                detection="alert", root_causes="[a bug]",
                                                action_items=block(item(1, owner="")))},
             [(C1, 14, 5)], name="past-draft-it-is-an-error"),
    RuleCase("action-item-unassigned", {R1: doc("retro", action_items=block(
        item(1, owner="", due="", status="done")))}, [], name="closed-items-need-no-owner"),
    RuleCase("overdue-action-item", {R1: doc("retro", action_items=block(
        item(1, due="2026-03-01")))}, [(R1, 11, 10)], contains="1 day ago"),
    RuleCase("overdue-action-item", {R1: doc("retro", action_items=block(
        item(1, due="2026-03-02")))}, [], name="due-today-is-not-overdue"),
    RuleCase("overdue-action-item", {R1: doc("retro", action_items=block(
        item(1, due="2026-01-01", status="done")))}, [], name="done-is-not-overdue"),
    RuleCase("unsafe-link", {R1: doc("retro", action_items=block(
        item(1, link="javascript:alert(1)")))}, [(R1, 13, 11)]),
    RuleCase("unsafe-link", {R1: doc("retro", action_items=block(
        item(1, link="https://tracker.example.org/X-1")))}, [], name="https"),
    # --- incidents ---------------------------------------------------------------------------
    RuleCase("timestamp-order", {C1: doc("rca", detected_at="2026-02-19T09:59:00Z")},
             [(C1, 8, 14)]),
    RuleCase("timestamp-order", {C1: doc("rca", detected_at="2026-02-19T10:30:00+01:00")},
             [(C1, 8, 14)], name="zones-count"),
    RuleCase("timestamp-order", {C1: doc("rca", timeline=block(
        {"at": "2026-02-19T10:05:00Z", "event": "b"},
        {"at": "2026-02-19T10:00:00Z", "event": "a"}))}, [(C1, 11, 9)], name="timeline"),
    RuleCase("timestamp-order", {C1: doc("rca", detected_at="2026-02-19T11:05:00+01:00",
                                         resolved_at="2026-02-19T10:30:00Z")}, [],
             name="in-order-across-zones"),
    RuleCase("unknown-vocabulary", {C1: doc("rca", detection="pager")}, [(C1, 8, 12)]),
    RuleCase("unknown-vocabulary", {C1: doc("rca", detection="pager")}, [],
             config='[vocabularies]\ndetection = ["pager"]\n', name="config-extends-it"),
    # --- runbooks ----------------------------------------------------------------------------
    RuleCase("stale-runbook", {B1: doc("runbook", last_reviewed="2025-11-01")}, [(B1, 7, 16)]),
    RuleCase("stale-runbook", {B1: doc("runbook", last_reviewed="2025-11-01")}, [],
             config="review_every_days = 365\n", name="config-period"),
    RuleCase("stale-runbook", {B1: doc("runbook", last_reviewed="2025-11-01",
                                       review_every_days="365")}, [], name="own-period"),
    RuleCase("stale-runbook", {B1: doc("runbook", last_reviewed="9999-12-31")}, [],
             name="year-9999-is-never-due"),
    RuleCase("stale-runbook", {B1: doc("runbook", review_every_days="99999999999999999999")}, [],
             name="a-period-past-the-calendar"),
    # --- body --------------------------------------------------------------------------------
    RuleCase("missing-section", {B1: doc("runbook", body=SECTIONS_RUNBOOK)}, [(B1, 9, 1)],
             contains="`## Escalation`"),
    RuleCase("missing-section", {B1: doc("runbook", body=SECTIONS_RUNBOOK.replace(
        "## Steps", "## Procedure") + "\n## Escalation\n\nx\n")}, [], name="aliases-count"),
    RuleCase("missing-section", {B1: doc("runbook", body=SECTIONS_RUNBOOK
                                         + "\n```\n## Escalation\n```\n")}, [(B1, 9, 1)],
             name="not-in-a-code-fence"),
    RuleCase("unfilled-placeholder", {B1: doc("runbook", body=SECTIONS_RUNBOOK
                                              + "\n## Escalation\n\n  <!-- TODO: who? -->\n")},
             [(B1, 32, 3)]),
    # --- people ------------------------------------------------------------------------------
    RuleCase("unknown-owner", {R1: doc("retro", action_items=block(item(1, owner="mallory")))},
             [(R1, 10, 12)], config='[roster]\nalice = { names = ["Alice Example"] }\n'),
    RuleCase("unknown-owner", {R1: doc("retro", action_items=block(
        item(1, owner='"Alice Example"'), item(2, owner='"@alice"')))}, [],
             config='[roster]\nalice = { names = ["Alice Example"] }\n', name="aliases"),
    RuleCase("unknown-owner", {R1: doc("retro", action_items=block(item(1, owner="mallory")))},
             [], name="no-roster-no-check"),
    # --- cross-file --------------------------------------------------------------------------
    RuleCase("duplicate-id", {"retros/0001-a.md": doc("retro", 1), "retros/0001-b.md":
                              doc("retro", 1)},
             [("retros/0001-a.md", 2, 5), ("retros/0001-b.md", 2, 5)]),
    RuleCase("dangling-reference", {C1: doc("rca", runbooks="[RB-0042]")}, [(C1, 8, 12)]),
    RuleCase("dangling-reference", {C1: doc("rca", runbooks="[RB-0001]"), B1: doc("runbook")},
             [], name="resolves"),
    RuleCase("dangling-reference", {C1: doc("rca", runbooks="[ADR-0001]"), D1: doc("decision")},
             [(C1, 8, 12)], name="wrong-kind", contains="not a runbook"),
    RuleCase("asymmetric-supersede", {D1: doc("decision", 1),
                                      D2: doc("decision", 2, supersedes="ADR-0001")},
             [(D1, 2, 5), (D2, 7, 13)]),
    RuleCase("asymmetric-supersede", {
        D1: doc("decision", 1, status="superseded", superseded_by="ADR-0002"),
        D2: doc("decision", 2, supersedes="[ADR-0001]")}, [], name="symmetric"),
    RuleCase("superseded-without-successor", {D1: doc("decision", status="superseded")},
             [(D1, 5, 9)]),
]
