"""Where a finding points: nested schema errors at their exact line and column.

Each case is a document and the (rule, line, column) its findings must include. Every case runs
four times: as written (LF), with a UTF-8 BOM, with CRLF line endings, and with both; the
positions must not move (issue 2: a BOM or CRLF is fine and changes nothing).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from improve.core.check.analyze import check_document
from improve.core.check.rules import Context
from improve.core.read.config import Config
from improve.core.read.document import Document
from improve.core.read.frontmatter import parse
from improve.model.finding import Finding
from improve.model.kinds import KINDS

TODAY = dt.date(2026, 3, 2)

RETRO_ITEMS = """\
---
id: RETRO-0001
title: Sprint 1
date: 2026-02-03
team: payments
action_items:
  - id: A1
    title: one
    owner: alice
    due: 2026-03-10
    status: open
  - id: A2
    title: two
    owner: bob
    due: 2026-03-11
    status: open
  - id: A3
    title: three
    owner: carol
    due: 2026-02-30
    status: open
---
"""

RCA_TIMELINE = """\
---
id: RCA-0001
title: Outage
date: 2026-02-03
status: draft
severity: SEV3
started_at: 2026-02-01T10:00:00Z
timeline:
  - at: 2026-02-01T10:00:00Z
    event: started
  - at: 2026-02-01 10:05
    event: detected
---
"""

RCA_SEV1_IN_REVIEW = """\
---
id: RCA-0001
title: Outage
date: 2026-02-03
status: in-review
severity: SEV1
started_at: 2026-02-01T10:00:00Z
detected_at: 2026-02-01T10:05:00Z
mitigated_at: 2026-02-01T10:30:00Z
resolved_at: 2026-02-01T11:00:00Z
services: [checkout]
detection: alert
escaped_defect: false
trigger: a deploy
caused_by: [external]
root_causes: [a bug]
contributing_factors: [testing-gap]
action_items:
  - {id: A1, title: Add a test, owner: alice, due: 2026-03-10, status: open, type: prevent}
---
"""

RCA_PUBLISHED_UNREVIEWED = """\
---
id: RCA-0002
title: Outage
date: 2026-02-03
status: published
severity: SEV4
started_at: 2026-02-01T10:00:00Z
detected_at: 2026-02-01T10:05:00Z
resolved_at: 2026-02-01T11:00:00Z
services: [checkout]
detection: alert
root_causes: [a bug]
---
"""

RETRO_NESTED = """\
---
id: RETRO-0002
title: Sprint 2
date: 2026-02-03
team: payments
period:
  start: 2026-01-20
action_items:
  - id: A1
    title: one
    owner: no
    due: 2026-03-10
    status: open
    tpye: process
  - id: A2
    title: two
    owner: bob
    due: 2026-03-11
    status: finished
  - id: A3
    title: three
impediments:
  - description: Shared staging
    status: open
servces: [x]
---
"""

RETRO_FLOW = """\
---
id: RETRO-0003
title: Sprint 3
date: 2026-02-03
team: payments
action_items: [{id: A1, title: x, status: open, owner: alice, due: 2026-02-30}]
health: {fun: 7, flow: 3}
---
"""

RCA_TIMELINE_ENTRY = """\
---
id: RCA-0003
title: Outage
date: 2026-02-03
status: draft
severity: SEV3
started_at: 2026-02-01T10:00:00Z
timeline:
  - at: 2026-02-01T10:00:00Z
    event: started
  - at: 2026-02-01T10:05:00Z
    evnt: detected
---
"""

DECISION = """\
---
id: ADR-0001
title: Use Postgres
date: 2026-01-05
status: accepted
supersedes: [ADR-0002, ADR-2]
decision-makers:
  - alice
  - 0012
---
"""

# (name, kind, document, [(rule, line, column), ...] that must all be among its findings)
CASES: list[tuple[str, str, str, list[tuple[str, int, int]]]] = [
    ("third-item-due", "retro", RETRO_ITEMS, [("invalid-date", 20, 10)]),
    ("timeline-at", "rca", RCA_TIMELINE, [("invalid-date", 11, 9)]),
    # A key required by a severity/status rule is missing at the top level: line 1, column 1.
    ("severity-rule-missing-timeline", "rca", RCA_SEV1_IN_REVIEW, [("missing-field", 1, 1)]),
    ("status-rule-missing-reviewer", "rca", RCA_PUBLISHED_UNREVIEWED, [("missing-field", 1, 1)]),
    ("nested", "retro", RETRO_NESTED, [
        ("missing-field", 6, 1),         # `period` lacks `end`: its parent's key
        ("yaml-implicit-type", 11, 12),  # `owner: no`
        ("unknown-field", 14, 5),        # `tpye` in the first item
        ("invalid-value", 19, 13),       # `status: finished`
        ("missing-field", 20, 5),        # the third item lacks `status`: the item itself
        ("missing-field", 23, 5),        # the impediment lacks `raised_on`
        ("unknown-field", 25, 1),        # `servces` at the top level
    ]),
    ("flow-style", "retro", RETRO_FLOW, [
        ("invalid-date", 6, 68),
        ("invalid-value", 7, 15),
    ]),
    ("timeline-entry-key", "rca", RCA_TIMELINE_ENTRY, [
        ("missing-field", 11, 5),        # the second entry lacks `event`
        ("unknown-field", 12, 5),        # `evnt`
    ]),
    ("decision-lists", "decision", DECISION, [
        ("invalid-value", 6, 24),        # `ADR-2` in `supersedes`
        ("yaml-implicit-type", 9, 5),    # `- 0012`
    ]),
]


def _variant(text: str, variant: str) -> bytes:
    if "crlf" in variant:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if "bom" in variant else data


def findings_of(kind: str, raw: bytes) -> list[Finding]:
    kind_spec = KINDS[kind]
    doc = Document(path=f"{kind_spec.folder}/0001-x.md", kind=kind_spec, number=None,
                   parsed=parse(raw))
    return check_document(doc, Context(config=Config(root=Path(".")), today=TODAY))


@pytest.mark.parametrize("variant", ["lf", "bom", "crlf", "bom-crlf"])
@pytest.mark.parametrize(("name", "kind", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_nested_errors_point_at_their_line_and_column(
    name: str, kind: str, text: str, expected: list[tuple[str, int, int]], variant: str
) -> None:
    found = {(f.rule, f.line, f.column) for f in findings_of(kind, _variant(text, variant))}
    missing = [e for e in expected if e not in found]
    assert missing == [], f"missing {missing}; found {sorted(found)}"


@pytest.mark.parametrize(("name", "kind", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bom_and_crlf_change_no_finding_at_all(
    name: str, kind: str, text: str, expected: list[tuple[str, int, int]]
) -> None:
    plain = findings_of(kind, _variant(text, "lf"))
    for variant in ("bom", "crlf", "bom-crlf"):
        assert findings_of(kind, _variant(text, variant)) == plain, variant


def test_the_third_items_due_is_named_in_the_message() -> None:
    [finding] = [f for f in findings_of("retro", RETRO_ITEMS.encode()) if f.rule == "invalid-date"]
    assert finding.message.startswith("`due` of action item A3 is ")  # named by its id (issue 16)
    assert "2026-02-30" in finding.message


def test_an_invalid_due_is_not_also_reported_as_missing() -> None:
    # `due: 2026-02-30` is written: one invalid-date error, not "has no due" on top of it.
    rules = [f.rule for f in findings_of("retro", RETRO_ITEMS.encode())]
    assert "action-item-unassigned" not in rules


def test_missing_fields_under_a_severity_rule_say_why() -> None:
    findings = [f for f in findings_of("rca", RCA_SEV1_IN_REVIEW.encode())
                if f.rule == "missing-field"]
    assert [f.message.split("`")[1] for f in findings] == ["timeline"]
    assert "SEV1 or SEV2" in findings[0].message
