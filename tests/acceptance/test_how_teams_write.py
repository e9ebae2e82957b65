"""Tolerance for how teams really write (issue 13): layouts, heading spellings, other tools'
front-matter keys and statuses. Bodies here are written as the styles are found in public
repositories (adr-tools' Nygard records, MADR 2 and 3, Google-style postmortems, alert runbooks
as kube-prometheus writes them, retro formats), not as improve's templates write them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

NYGARD = """
# 2. Use PostgreSQL for the ledger

Date: 2026-01-10

## Status

Accepted

Supersedes [1. Use MySQL](0001-use-mysql.md)

## Context

The ledger needs transactions across accounts.

## Decision

We will use PostgreSQL 16.

## Consequences

Operations learns a second database.
"""

MADR2 = """
# Use Markdown Architectural Decision Records

## Context and Problem Statement

We want to record architectural decisions made in this project.

## Decision Drivers <!-- optional -->

* easy to write

## Considered Options

* MADR 2.1.2
* Michael Nygard's template

## Decision Outcome

Chosen option: "MADR 2.1.2", because it is lean.

### Positive Consequences <!-- optional -->

* Decisions are easy to find.

### Negative Consequences <!-- optional -->

* One more template to learn.

## Pros and Cons of the Options <!-- optional -->

### MADR 2.1.2

* Good, because it is lean.
"""

POSTMORTEM = """
## Summary

Checkout failed for 23 minutes.

## Impact 💥

4,100 payments were declined.

## Root Causes

An expired certificate on the acquirer gateway.

## Trigger

The certificate expired at 10:00 UTC.

## What went well ✅

Alerting paged within two minutes.

## What went wrong ❌

The renewal job had been failing silently for a month.

## Lessons Learnt

Certificate expiry needs its own alert.
"""

INCIDENT_REPORT = """
## Incident summary

The search cluster ran out of disk.

## Customer impact

Search was slow for an hour.

## Root cause

Log rotation was off on two nodes.

## Resolution and recovery

We deleted old indices and turned rotation on.
"""

ALERT_RUNBOOK = """
# KubePodCrashLooping

## Meaning

A pod is restarting repeatedly.

## Impact

The service is degraded or unavailable.

## Diagnosis

Check the pod's events and logs with `kubectl describe pod`.

## Mitigation

Fix the crashing container; roll back the last deploy if it caused it.
"""

SAILBOAT = """
## ⛵ Wind in our sails

Pairing on the refund flow.

## ⚓ Anchors

Flaky staging.

## 🪨 Rocks

The card-network deadline.

## 🏝️ Island

Refunds in under a day.
"""


def lint(handbook: Any, *args: str) -> list[dict[str, Any]]:
    result = handbook.run("lint", "--format", "json", "--no-cache", *args)
    assert result.exit_code in (0, 1), result
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def rules(findings: list[dict[str, Any]], *wanted: str) -> list[tuple[str, str]]:
    return [(f["path"], f["message"]) for f in findings if f["rule"] in wanted]


@pytest.mark.parametrize(("kind", "path", "body", "fields"), [
    ("decision", "decisions/0002-use-postgres.md", NYGARD, {"status": "Accepted"}),
    ("decision", "decisions/0003-use-madr.md", MADR2, {}),
    ("rca", "rca/0001-certificate.md", POSTMORTEM, {}),
    ("rca", "rca/0002-disk.md", INCIDENT_REPORT, {}),
    ("runbook", "runbooks/0001-crashloop.md", ALERT_RUNBOOK, {}),
    ("retro", "retros/0001-sprint-9.md", SAILBOAT, {"format": "Sailboat"}),
    ("retro", "retros/0002-sprint-10.md", SAILBOAT, {}),  # no format: the headings tell
], ids=["nygard", "madr-2", "google-postmortem", "incident-report", "alert-runbook",
        "sailboat-named", "sailboat-guessed"])
def test_each_style_has_no_wrong_section_finding(handbook: Any, valid_doc: Any, kind: str,
                                                 path: str, body: str,
                                                 fields: dict[str, str]) -> None:
    number = int(path.rsplit("/", 1)[1][:4])
    handbook.write(path, valid_doc(kind, number, body=body, **fields))
    found = lint(handbook)
    assert rules(found, "missing-section", "invalid-value") == []


def test_a_layout_named_in_the_document_is_held_to_its_sections(handbook: Any,
                                                                valid_doc: Any) -> None:
    body = "\n## Start\n\nPairing.\n\n## What went well\n\nShipping.\n"
    handbook.write("retros/0001-s.md", valid_doc("retro", 1, body=body,
                                                 format="start-stop-continue"))
    messages = [m for _p, m in rules(lint(handbook), "missing-section")]
    assert sorted(m.split(";")[0] for m in messages) == ["missing section `## Continue`",
                                                         "missing section `## Stop`"]
    assert "written as `start-stop-continue`" in messages[0]
    assert "Review of previous action items (optional)" in messages[0]


def test_a_section_missing_from_the_best_fitting_layout_is_still_found(handbook: Any,
                                                                       valid_doc: Any) -> None:
    body = NYGARD.replace("## Consequences\n\nOperations learns a second database.\n", "")
    handbook.write("decisions/0002-use-postgres.md", valid_doc("decision", 2, body=body))
    messages = [m for _p, m in rules(lint(handbook), "missing-section")]
    assert len(messages) == 1
    assert messages[0].startswith("missing section `## Consequences`; a decision written as "
                                  "`nygard`")


def test_the_config_adds_headings_and_layouts(handbook: Any, valid_doc: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\n'
                   "[kinds.retro]\n"
                   'section_aliases = { "What went well" = ["Kudos"] }\n'
                   "[kinds.retro.layouts.lean-coffee]\n"
                   'sections = ["Topics", "Takeaways"]\n'
                   'optional = ["Takeaways"]\n')
    handbook.write("retros/0001-a.md", valid_doc("retro", 1, body=(
        "\n## Kudos\n\nx\n\n## What to improve\n\nx\n\n## Review of previous action items\n\nx\n")))
    handbook.write("retros/0002-b.md", valid_doc("retro", 2, body="\n## Topics\n\nx\n",
                                                 format="lean-coffee"))
    handbook.write("retros/0003-c.md", valid_doc("retro", 3, body="\n## Takeaways\n\nx\n",
                                                 format="lean-coffee"))
    found = rules(lint(handbook), "missing-section")
    assert [(p, m.split(";")[0]) for p, m in found] == [
        ("retros/0003-c.md", "missing section `## Topics`")]


@pytest.mark.parametrize(("settings", "complaint"), [
    ('[kinds.retro]\nsection_aliases = { "Wins" = ["Kudos"] }\n',
     "'Wins' is not a section of a retro"),
    ('[kinds.decision]\nstatuses = { Approved = "ok" }\n', "which is not a status of a decision"),
    ('[kinds.retro.layouts.x]\nsections = ["A"]\noptional = ["B"]\n', "`optional` names b"),
])
def test_a_bad_kind_setting_is_a_config_error_naming_the_line(handbook: Any, settings: str,
                                                               complaint: str) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\n' + settings)
    result = handbook.run("lint")
    assert result.exit_code == 2, result
    assert ".improve.toml:2: " in result.stderr
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr


def test_other_tools_front_matter_keys_are_allowed_by_config(handbook: Any,
                                                             valid_doc: Any) -> None:
    handbook.write("runbooks/0001-a.md", valid_doc(
        "runbook", 1, nav_order="3", sidebar_label="Restart", **{"x-owner-slack": "'#pay'"}))
    unknown = {m.split("`")[1] for _p, m in rules(lint(handbook), "unknown-field")}
    assert unknown == {"nav_order", "sidebar_label"}  # `x-` keys are always allowed
    handbook.write(".improve.toml", 'timezone = "UTC"\n'
                   '[front_matter]\nallow = ["nav_order", "sidebar_label"]\n')
    assert rules(lint(handbook), "unknown-field") == []


def test_madr_statuses_and_people_as_text(handbook: Any, valid_doc: Any) -> None:
    handbook.write("decisions/0001-use-mysql.md", valid_doc(
        "decision", 1, status="superseded by [ADR-0002](0002-use-postgres.md)",
        decision_makers="Oliver Kopp, Anne Lee"))
    handbook.write("decisions/0002-use-postgres.md", valid_doc(
        "decision", 2, status="Approved", decision_makers="Oliver Kopp", supersedes="ADR-0001"))
    handbook.write("decisions/0003-use-redis.md", valid_doc("decision", 3, status="In Review"))
    assert lint(handbook) == []
    actions = handbook.run("metrics", "--format", "json")
    assert actions.exit_code == 0, actions
    # The handbook's decision log reads the statuses as improve's own.
    from improve.core.read.config import load_config
    from improve.core.read.repository import Repository

    docs = {d.id: d for d in Repository(load_config(handbook.root)).documents()}
    assert docs["ADR-0001"].status == "superseded"
    assert docs["ADR-0001"].meta["superseded_by"] == "ADR-0002"
    assert docs["ADR-0001"].meta["decision-makers"] == ["Oliver Kopp", "Anne Lee"]
    assert docs["ADR-0002"].status == "accepted"
    assert docs["ADR-0003"].status == "proposed"


def test_a_teams_own_status_word_maps_by_config(handbook: Any, valid_doc: Any) -> None:
    handbook.write("decisions/0001-a.md", valid_doc("decision", 1, status="Ratified"))
    assert [m for _p, m in rules(lint(handbook), "invalid-value")] == [
        "`status` is 'Ratified'; expected one of: proposed, accepted, rejected, deprecated, "
        "superseded"]
    handbook.write(".improve.toml", 'timezone = "UTC"\n[kinds.decision]\n'
                   'statuses = { Ratified = "accepted" }\n')
    assert lint(handbook) == []
