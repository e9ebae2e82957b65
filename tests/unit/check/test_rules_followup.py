"""Follow-through rules: carry-over, follow-up policies and the two review aids.

Each rule fires on a fixture, stays quiet on its fixed twin, and is silenced by config.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from improve.core.check.lint import lint
from improve.core.check.rules.followup import add_business_days
from improve.core.read.config import load_config

TODAY = dt.date(2026, 3, 2)  # a Monday


def retro(number: int, date: str, items: str = "", carried: str = "[]", team: str = "payments") -> str:
    return (f"---\nid: RETRO-{number:04d}\ntitle: Sprint {number}\ndate: {date}\nteam: {team}\n"
            f"action_items:\n{items or '  []'}\ncarried_over: {carried}\n---\n\n"
            "## What went well\n\nx\n\n## What to improve\n\nx\n\n"
            "## Review of previous action items\n\nx\n")


def item(n: int, status: str, done_on: str | None = None, type_: str | None = None) -> str:
    extra = f", done_on: {done_on}" if done_on else ""
    extra += f", type: {type_}" if type_ else ""
    return (f"  - {{id: A{n}, title: Item {n}, owner: alice, due: 2026-12-01, "
            f"status: {status}{extra}}}\n")


RCA_SECTIONS = ("\n## Summary\n\nx\n\n## Impact\n\nx\n\n## Root cause analysis\n\nx\n\n"
                "## What went well\n\nx\n\n## What went wrong\n\nx\n\n## Lessons learned\n\nx\n")


def rca(*, status: str = "in-review", severity: str = "SEV2", items: str = "",
        resolved: str = "2026-01-05T12:00:00Z", body: str = "", root_cause: str = "a race") -> str:
    return f"""---
id: RCA-0001
title: Outage
date: 2026-01-05
status: {status}
severity: {severity}
services: [api]
started_at: 2026-01-05T10:00:00Z
detected_at: 2026-01-05T10:10:00Z
mitigated_at: 2026-01-05T11:00:00Z
resolved_at: {resolved}
detection: alert
escaped_defect: false
trigger: a deploy
caused_by: [external]
root_causes: ["{root_cause}"]
contributing_factors: [testing-gap]
timeline:
  - {{at: 2026-01-05T10:00:00Z, event: started}}
action_items:
{items or item(1, "done", "2026-01-10", "repair")}---
{RCA_SECTIONS}{body}"""


def findings(tmp_path: Path, files: dict[str, str], config: str = "",
             today: dt.date = TODAY) -> list[tuple[str, int, str, str]]:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n' + config, encoding="utf-8")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = lint(load_config(tmp_path), today, use_cache=False)
    return [(f.path, f.line, f.rule, f.severity.value) for f in result.findings
            if f.rule not in ("missing-section", "unfilled-placeholder")]


# --- missing-carry-over --------------------------------------------------------------------------

TWO_RETROS = {
    "retros/0001-s1.md": retro(1, "2026-01-10", item(1, "open") + item(2, "done", "2026-01-20")
                               + item(3, "done", "2026-01-30") + item(4, "dropped")),
    "retros/0002-s2.md": retro(2, "2026-01-24", carried="[RETRO-0001#A1]"),
}


def test_missing_carry_over_fires_for_items_open_at_the_retro(tmp_path: Path) -> None:
    # A1 is open, A3 was done after RETRO-0002's date: both were open at that retro.
    # A2 was done before it, A4 was dropped (no date): neither is required.
    files = dict(TWO_RETROS)
    files["retros/0002-s2.md"] = retro(2, "2026-01-24")
    assert findings(tmp_path, files) == [
        ("retros/0002-s2.md", 8, "missing-carry-over", "warning"),
        ("retros/0002-s2.md", 8, "missing-carry-over", "warning"),
    ]


def test_missing_carry_over_message_names_the_item(tmp_path: Path) -> None:
    files = dict(TWO_RETROS)
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint(load_config(tmp_path), TODAY, use_cache=False)
    messages = [f.message for f in result.findings if f.rule == "missing-carry-over"]
    assert messages == [
        "RETRO-0001#A3 is still open on 2026-01-24 and the previous retro of team 'payments' "
        "(RETRO-0001) left it open, but this retro does not list it in `carried_over`; add it and "
        "review it under 'Review of previous action items'"]


def test_missing_carry_over_quiet_when_carried_or_other_team(tmp_path: Path) -> None:
    files = dict(TWO_RETROS)
    files["retros/0002-s2.md"] = retro(2, "2026-01-24", carried="[RETRO-0001#A1, RETRO-0001#A3]")
    files["retros/0003-other.md"] = retro(3, "2026-01-25", team="platform")
    assert findings(tmp_path, files) == []


def test_missing_carry_over_silenced_by_config(tmp_path: Path) -> None:
    files = dict(TWO_RETROS)
    files["retros/0002-s2.md"] = retro(2, "2026-01-24")
    assert findings(tmp_path, files, '[rules]\n"missing-carry-over" = "off"\n') == []


# --- item-open-across-retros (policy max_retros_open) --------------------------------------------

def _four_retros() -> dict[str, str]:
    return {
        "retros/0001-s1.md": retro(1, "2026-01-01", item(1, "open") + item(2, "done", "2026-01-02")),
        "retros/0002-s2.md": retro(2, "2026-01-15", carried="[RETRO-0001#A1]"),
        "retros/0003-s3.md": retro(3, "2026-01-29", carried="[RETRO-0001#A1]"),
        "retros/0004-s4.md": retro(4, "2026-02-12", carried="[RETRO-0001#A1]"),
    }


def test_item_open_across_retros_fires_over_the_limit(tmp_path: Path) -> None:
    assert findings(tmp_path, _four_retros(), "[policies]\nmax_retros_open = 2\n") == [
        ("retros/0001-s1.md", 7, "item-open-across-retros", "warning")]


def test_item_open_across_retros_quiet_within_limit_or_without_policy(tmp_path: Path) -> None:
    assert findings(tmp_path, _four_retros(), "[policies]\nmax_retros_open = 3\n") == []
    assert findings(tmp_path, _four_retros()) == []


def test_policy_severity_error_and_rule_config_wins(tmp_path: Path) -> None:
    config = '[policies]\nmax_retros_open = 2\nseverity = "error"\n'
    assert findings(tmp_path, _four_retros(), config) == [
        ("retros/0001-s1.md", 7, "item-open-across-retros", "error")]
    assert findings(tmp_path, _four_retros(),
                    config + '[rules]\n"item-open-across-retros" = "off"\n') == []
    assert findings(tmp_path, _four_retros(),
                    config + '[rules]\n"item-open-across-retros" = "warning"\n') == [
        ("retros/0001-s1.md", 7, "item-open-across-retros", "warning")]


# --- followup-overdue (policy followup_days) -----------------------------------------------------

OPEN_PREVENT = item(1, "open", type_="prevent") + item(2, "done", "2026-01-10", "detect")


def test_followup_overdue_fires_after_the_window(tmp_path: Path) -> None:
    config = "[policies]\nfollowup_days = { SEV2 = 30 }\n"
    files = {"rca/0001-outage.md": rca(items=OPEN_PREVENT)}
    # resolved 2026-01-05 + 30 days = 2026-02-04; today 2026-03-02
    assert findings(tmp_path, files, config) == [
        ("rca/0001-outage.md", 21, "followup-overdue", "warning")]


def test_followup_overdue_quiet_inside_window_other_severity_or_done(tmp_path: Path) -> None:
    config = "[policies]\nfollowup_days = { SEV2 = 30 }\n"
    files = {"rca/0001-outage.md": rca(items=OPEN_PREVENT)}
    assert findings(tmp_path, files, config, today=dt.date(2026, 2, 4)) == []
    files = {"rca/0001-outage.md": rca(items=OPEN_PREVENT, severity="SEV3")}
    assert findings(tmp_path, files, config) == []
    assert findings(tmp_path, files, "") == []


def test_followup_overdue_silenced_by_config(tmp_path: Path) -> None:
    config = "[policies]\nfollowup_days = { SEV2 = 30 }\n[rules]\n\"followup-overdue\" = \"off\"\n"
    files = {"rca/0001-outage.md": rca(items=OPEN_PREVENT)}
    assert findings(tmp_path, files, config) == []


# --- rca-publish-overdue (policy rca_published_within_business_days) -----------------------------

def test_add_business_days_skips_weekends() -> None:
    assert add_business_days(dt.date(2026, 1, 5), 5) == dt.date(2026, 1, 12)  # Mon -> next Mon
    assert add_business_days(dt.date(2026, 1, 9), 1) == dt.date(2026, 1, 12)  # Fri -> Mon
    assert add_business_days(dt.date(2026, 1, 10), 1) == dt.date(2026, 1, 12)  # Sat -> Mon


def test_rca_publish_overdue(tmp_path: Path) -> None:
    config = "[policies]\nrca_published_within_business_days = 5\n"
    files = {"rca/0001-outage.md": rca(items=OPEN_PREVENT)}
    assert findings(tmp_path, files, config, today=dt.date(2026, 1, 13)) == [
        ("rca/0001-outage.md", 5, "rca-publish-overdue", "warning")]
    assert findings(tmp_path, files, config, today=dt.date(2026, 1, 12)) == []
    published = {"rca/0001-outage.md": rca(items=OPEN_PREVENT, status="published").replace(
        "action_items:", "reviewed_by: [bob]\naction_items:")}
    assert findings(tmp_path, published, config, today=dt.date(2026, 1, 13)) == []
    silenced = config + '[rules]\n"rca-publish-overdue" = "off"\n'
    assert findings(tmp_path, files, silenced, today=dt.date(2026, 1, 13)) == []


# --- no-prevent-or-detect-item -------------------------------------------------------------------

def test_no_prevent_or_detect_item(tmp_path: Path) -> None:
    files = {"rca/0001-outage.md": rca()}  # one repair item only
    assert findings(tmp_path, files) == [
        ("rca/0001-outage.md", 20, "no-prevent-or-detect-item", "warning")]
    assert findings(tmp_path, {"rca/0001-outage.md": rca(items=OPEN_PREVENT)}) == []
    assert findings(tmp_path, {"rca/0001-outage.md": rca(severity="SEV3")}) == []
    assert findings(tmp_path, {"rca/0001-outage.md": rca(status="draft")}) == []
    assert findings(tmp_path, files, '[rules]\n"no-prevent-or-detect-item" = "off"\n') == []


# --- blameful-language ---------------------------------------------------------------------------

def test_blame_words_in_an_example_inside_a_longer_fence_are_not_reported(tmp_path: Path) -> None:
    body = "\n````\n```\nhuman error\n```\nhuman error\n````\nNo one is to blame.\n"
    files = {"rca/0001-outage.md": rca(items=OPEN_PREVENT, body=body)}
    assert [(rule, line) for _path, line, rule, _severity in findings(tmp_path, files)] == [
        ("blameful-language", 55)]  # "to blame", after the four-backtick fence closes


def test_blameful_language_in_body_and_front_matter(tmp_path: Path) -> None:
    body = ("\nThe outage was caused by human error.\n\n```\nhuman error in a code block\n```\n"
            "Bob Should have known better. A blameless review.\n")
    files = {"rca/0001-outage.md": rca(items=OPEN_PREVENT, body=body,
                                       root_cause="operator error during deploy")}
    assert findings(tmp_path, files) == [
        ("rca/0001-outage.md", 16, "blameful-language", "warning"),
        ("rca/0001-outage.md", 49, "blameful-language", "warning"),
        ("rca/0001-outage.md", 54, "blameful-language", "warning"),
    ]
    quiet = {"rca/0001-outage.md": rca(items=OPEN_PREVENT, body="\nA blameless review.\n")}
    assert findings(tmp_path, quiet) == []
    assert findings(tmp_path, files, '[rules]\n"blameful-language" = "off"\n') == []


def test_blameful_language_points_at_the_phrase(tmp_path: Path) -> None:
    files = {"rca/0001-outage.md": rca(items=OPEN_PREVENT, body="\nIt was human error.\n")}
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    (tmp_path / "rca").mkdir()
    (tmp_path / "rca/0001-outage.md").write_text(files["rca/0001-outage.md"], encoding="utf-8")
    found = [f for f in lint(load_config(tmp_path), TODAY, use_cache=False).findings
             if f.rule == "blameful-language"]
    assert [(f.line, f.column) for f in found] == [(49, 8)]
    assert "'human error'" in found[0].message
    assert "blameless" in found[0].message


@pytest.mark.parametrize("rule_id", [
    "missing-carry-over", "followup-overdue", "rca-publish-overdue", "item-open-across-retros",
    "no-prevent-or-detect-item", "blameful-language",
])
def test_rules_are_registered_with_summary_and_example(rule_id: str) -> None:
    from improve.core.check.rules import all_rules

    registered = all_rules()[rule_id]
    assert registered.summary
    assert registered.example
    assert registered.severity.value == "warning"


# --- the edge of the calendar: no finding, never an OverflowError -------------------------------

@pytest.mark.parametrize(("timezone", "resolved"), [
    ("UTC", "9999-12-31T12:00:00Z"),  # the deadline is past the year 9999
    ("Pacific/Kiritimati", "9999-12-31T23:00:00Z"),  # the local day is in the year 10000
    ("UTC", "0001-01-01T00:30:00+01:00"),  # the UTC day is in the year 0
])
def test_policies_at_the_edge_of_the_calendar_find_nothing(tmp_path: Path, timezone: str,
                                                           resolved: str) -> None:
    (tmp_path / ".improve.toml").write_text(
        f'timezone = "{timezone}"\n[policies]\nfollowup_days = {{ SEV2 = 30 }}\n'
        "rca_published_within_business_days = 5\n", encoding="utf-8")
    (tmp_path / "rca").mkdir()
    text = rca(items=OPEN_PREVENT, resolved=resolved)
    (tmp_path / "rca/0001-outage.md").write_text(text, encoding="utf-8")
    result = lint(load_config(tmp_path), TODAY, use_cache=False)
    assert [f for f in result.findings
            if f.rule in ("followup-overdue", "rca-publish-overdue")] == []


def test_add_business_days_past_the_calendar_overflows() -> None:
    with pytest.raises(OverflowError):
        add_business_days(dt.date(9999, 12, 30), 5)
