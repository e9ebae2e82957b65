"""Derived data for the indexes (improve.core.numbers.index): items, decisions, incidents, runbooks, retros."""

from __future__ import annotations

import datetime as dt

from handbook_docs import TODAY, config, doc

from improve.core.numbers.index import (
    NO_OWNER,
    action_index,
    build_index,
    decision_chains,
    decision_log,
    incident_log,
    minutes_between,
    quarter_of,
    retro_history,
    runbook_catalog,
    totals_per_quarter,
    urgency,
)
from improve.core.read.publication import published, withheld_reason

ITEMS = """
id: RETRO-0001
title: Sprint 1
date: 2026-01-09
team: Core
action_items:
  - {id: A1, title: later, owner: alice, due: 2026-03-30, status: open}
  - {id: A2, title: overdue late, owner: Bob Okafor, due: 2026-01-20, status: open}
  - {id: A10, title: soon, owner: bob, due: 2026-02-15, status: in-progress}
  - {id: A3, title: overdue early, owner: bob, due: 2026-01-10, status: open}
  - {id: A4, title: nobody, status: open}
  - {id: A5, title: done recently, owner: eve, due: 2026-01-20, status: done, done_on: 2026-01-25}
  - {id: A6, title: done long ago, owner: eve, due: 2025-11-20, status: done, done_on: 2025-11-25}
  - {id: A7, title: dropped, owner: eve, due: 2026-01-01, status: dropped}
  - {id: A8, title: soon edge, owner: bob, due: 2026-02-15, status: open}
  - {id: A9, title: today, owner: carol, due: 2026-02-01, status: open}
"""


def test_urgency_counts_today_as_not_overdue_and_14_days_as_soon() -> None:
    items = {i.item_id: i for i in doc("retro", 1, ITEMS).action_items}
    assert urgency(items["A3"], TODAY) == "overdue"
    assert urgency(items["A9"], TODAY) == "due-soon"
    assert urgency(items["A10"], TODAY) == "due-soon"  # 2026-02-15 is today + 14
    assert urgency(items["A10"], TODAY, soon_days=13) == "later"
    assert urgency(items["A1"], TODAY) == "later"
    assert urgency(items["A4"], TODAY) == "no-due"


def test_open_items_are_grouped_by_roster_owner_overdue_first() -> None:
    index = action_index([doc("retro", 1, ITEMS)], config(), TODAY)
    groups = {g.owner: [i.item_id for i in g.items] for g in index.by_owner}
    assert list(groups) == ["alice", "bob", "carol", NO_OWNER]  # unassigned last
    # "Bob Okafor" is bob on the roster; overdue by due date, then due soon by due date, then ref.
    assert groups["bob"] == ["A3", "A2", "A8", "A10"]
    assert [i.item_id for i in index.overdue] == ["A3", "A2"]
    assert [i.item_id for i in index.due_soon] == ["A9", "A8", "A10"]
    assert [i.item_id for i in index.recently_done] == ["A5"]  # A6 is older than 30 days
    assert len(index.open_items) == 7


def test_recently_done_window_is_configurable() -> None:
    index = action_index([doc("retro", 1, ITEMS)], config(), TODAY, recent_days=90)
    assert [i.item_id for i in index.recently_done] == ["A5", "A6"]


DECISIONS = [
    ("ADR-0001", 1, "status: superseded\nsuperseded_by: ADR-0003"),
    ("ADR-0002", 2, "status: accepted\nrelated: [ADR-0001]"),
    ("ADR-0003", 3, "status: superseded\nsupersedes: ADR-0001\nsuperseded_by: [ADR-0005]"),
    ("ADR-0005", 5, "status: accepted\nsupersedes: [ADR-0003, ADR-0004]"),
    ("ADR-0006", 6, "status: accepted\nsupersedes: ADR-0042"),
]


def _decisions() -> list:
    return [doc("decision", n, f"id: {i}\ntitle: D{n}\ndate: 2025-0{n}-01\n{extra}")
            for i, n, extra in DECISIONS]


def test_decision_log_is_by_number_and_chains_ignore_unpublished_links() -> None:
    rows = decision_log(list(reversed(_decisions())))
    assert [r.doc_id for r in rows] == ["ADR-0001", "ADR-0002", "ADR-0003", "ADR-0005",
                                        "ADR-0006"]
    assert rows[3].supersedes == ("ADR-0003", "ADR-0004")
    assert rows[0].date == dt.date(2025, 1, 1)
    # ADR-0004 and ADR-0042 are not published: they appear in no chain.
    assert decision_chains(rows) == [("ADR-0001", "ADR-0003", "ADR-0005")]


RCAS = [
    doc("rca", 1, """
id: RCA-0001
title: One
date: 2026-01-06
severity: SEV2
services: [api]
started_at: 2026-01-05T10:00:00+01:00
detected_at: 2026-01-05T10:12:30+01:00
mitigated_at: 2026-01-05T10:40:00+01:00
resolved_at: 2026-01-06T12:05:00+01:00
escaped_defect: true
"""),
    doc("rca", 2, """
id: RCA-0002
title: Two, late on New Year's Eve in UTC, 2026 in Berlin
date: 2026-01-02
severity: SEV1
started_at: 2025-12-31T23:30:00Z
detected_at: 2025-12-31T23:00:00Z
escaped_defect: false
"""),
    doc("rca", 3, """
id: RCA-0003
title: Three, no timestamps
date: 2025-08-02
severity: SEV4
"""),
]


def test_incident_durations_days_and_quarters_use_the_configured_zone() -> None:
    rows = incident_log(RCAS, config())
    assert [r.doc_id for r in rows] == ["RCA-0001", "RCA-0002", "RCA-0003"]
    one, two, three = rows
    assert (one.ttd, one.ttm, one.ttr) == (12, 40, 26 * 60 + 5)
    assert one.escaped_defect is True
    assert two.day == dt.date(2026, 1, 1)  # 00:30 in Berlin
    assert two.quarter == "2026-Q1"
    assert two.ttd is None  # detected before it started: no negative duration
    assert three.day == dt.date(2025, 8, 2)
    assert three.ttr is None
    totals = totals_per_quarter(rows)
    assert [(t.quarter, t.incidents, t.count("SEV1"), t.count("SEV2"), t.escaped_defects)
            for t in totals] == [("2026-Q1", 2, 1, 1, 1), ("2025-Q3", 1, 0, 0, 0)]


def test_minutes_and_quarters() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert minutes_between(start, start + dt.timedelta(seconds=119)) == 1
    assert minutes_between(start, None) is None
    assert [quarter_of(dt.date(2026, m, 1)) for m in (1, 3, 4, 6, 7, 9, 10, 12)] == [
        "2026-Q1", "2026-Q1", "2026-Q2", "2026-Q2", "2026-Q3", "2026-Q3", "2026-Q4", "2026-Q4"]


def test_runbook_catalog_lists_each_service_and_flags_stale_ones() -> None:
    books = [
        doc("runbook", 1, "id: RB-0001\ntitle: Zeta\nowners: [bob]\nservice: db\n"
                          "last_reviewed: 2026-01-10\nreview_every_days: 30"),
        doc("runbook", 2, "id: RB-0002\ntitle: Alpha\nowners: [eve]\nservices: [db, api]\n"
                          "last_reviewed: 2025-10-01"),
        doc("runbook", 3, "id: RB-0003\ntitle: Never\nowners: [eve]\nservice: db"),
    ]
    rows = runbook_catalog(books, config(review_every_days=90), TODAY)
    assert [(r.service, r.doc_id, r.next_review, r.stale) for r in rows] == [
        ("api", "RB-0002", dt.date(2025, 12, 30), True),
        ("db", "RB-0002", dt.date(2025, 12, 30), True),
        ("db", "RB-0003", None, False),
        ("db", "RB-0001", dt.date(2026, 2, 9), False),
    ]
    index = build_index(books, config(review_every_days=90), TODAY)
    assert [r.doc_id for r in index.stale_runbooks] == ["RB-0002"]


def test_retro_follow_through_and_open_impediments() -> None:
    older = doc("retro", 1, ITEMS)
    newer = doc("retro", 2, """
id: RETRO-0002
title: Sprint 2
date: 2026-01-23
team: Core
impediments:
  - {description: blocked, raised_on: 2026-01-20, status: escalated, escalated_to: alice}
  - {description: fixed, raised_on: 2026-01-12, status: resolved}
  - {description: waiting, raised_on: 2026-01-13, status: open}
""")
    rows = retro_history([older, newer])
    assert [r.doc_id for r in rows] == ["RETRO-0002", "RETRO-0001"]
    assert (rows[1].done, rows[1].dropped, rows[1].total) == (2, 1, 10)
    assert rows[1].follow_through == 0.2
    assert rows[0].follow_through is None
    assert [(i.description, i.status) for i in rows[0].open_impediments] == [
        ("blocked", "escalated"), ("waiting", "open")]


def test_only_internal_readable_documents_are_published() -> None:
    fine = doc("decision", 1, "id: ADR-0001\ntitle: A\ndate: 2025-01-01\nstatus: accepted")
    restricted = doc("decision", 2, "id: ADR-0002\ntitle: B\nvisibility: restricted")
    misspelt = doc("decision", 3, "id: ADR-0003\ntitle: C\nvisibility: Restricted")
    broken = doc("decision", 4, "id: [unclosed")
    assert withheld_reason(fine) is None
    assert withheld_reason(restricted) == "restricted"
    assert withheld_reason(misspelt) == "restricted"  # fails closed
    assert withheld_reason(broken) == "unreadable"
    assert published([broken, misspelt, restricted, fine]) == [fine]
