"""`historical-rca-incomplete`: an imported postmortem lists what a person can still add."""

from __future__ import annotations

from rule_cases import RuleCase, doc

CASES = [
    RuleCase("historical-rca-incomplete",
             {"rca/0001-x.md": doc("rca", 1, status="historical", severity=None,
                                   started_at=None)},
             [("rca/0001-x.md", 5, 9)], name="fires",
             contains="without `severity`, `started_at`, `resolved_at`, `services`, "
                      "`root_causes`"),
    RuleCase("historical-rca-incomplete",
             {"rca/0001-x.md": doc("rca", 1, status="historical", resolved_at="2026-02-19T12:00:00Z",
                                   services="[checkout]", root_causes="[a full disk]")},
             [], name="quiet-when-filled-in"),
    RuleCase("historical-rca-incomplete", {"rca/0001-x.md": doc("rca", 1)}, [],
             name="quiet-on-other-statuses"),
]
