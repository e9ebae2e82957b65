"""Incidents exported from paging tools become RCA drafts (issue 15): PagerDuty, Opsgenie and
incident.io in the shapes of their REST APIs' documented responses, and a CSV of `at,event`;
times keep their zones; each draft lints without errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from improve.core.read.frontmatter import parse

PAGING = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "paging"


def draft(book: Any, source: str, *args: str) -> dict[str, Any]:
    result = book.run("import", str(PAGING / source), "--write", *args)
    assert result.exit_code == 0, result
    [path] = [line.split(" -> ")[1].split()[0] for line in result.stdout.splitlines()
              if " -> " in line and "[written]" in line]
    parsed = parse((book.root / path).read_bytes())
    assert parsed.meta is not None
    meta = dict(parsed.meta)
    meta.pop("imported_from")
    _result, findings = book.lint()
    assert [f for f in findings if f["severity"] == "error"] == []
    return meta


def test_pagerduty(handbook: Any) -> None:
    meta = draft(handbook, "pagerduty-incident.json")
    assert meta == {
        "id": "RCA-0001", "title": "Checkout API returns 502 for card payments",
        "date": "2026-01-14", "status": "draft", "severity": "SEV1",  # priority P1
        "services": ["checkout-api"], "started_at": "2026-01-14T09:02:11Z",
        "detected_at": "2026-01-14T09:04:30Z",  # the trigger log entry
        "resolved_at": "2026-01-14T10:41:03Z",  # the resolve log entry
        "timeline": [
            {"at": "2026-01-14T09:04:30Z", "event": "Triggered through the API"},
            {"at": "2026-01-14T09:09:02Z", "event": "Acknowledged by Alice Example"},
            {"at": "2026-01-14T09:31:40Z", "event": "Note added: rolled back v4.12.0, 502s falling"},
            {"at": "2026-01-14T10:41:03Z", "event": "Resolved by Alice Example"}],
        "action_items": []}


def test_opsgenie(handbook: Any) -> None:
    meta = draft(handbook, "opsgenie-alert.json")
    assert (meta["severity"], meta["services"], meta["started_at"], meta["resolved_at"]) == (
        "SEV2", ["ledger"], "2026-02-03T07:12:54.000Z", "2026-02-03T08:55:10.000Z")
    assert [e["event"] for e in meta["timeline"]] == [
        "Alert created via Prometheus", "Alert acknowledged via web", "Alert closed via web"]


def test_incident_io_keeps_its_time_zone(handbook: Any) -> None:
    meta = draft(handbook, "incident-io.json")
    assert {k: meta[k] for k in ("title", "severity", "services", "started_at", "detected_at",
                                 "mitigated_at", "resolved_at")} == {
        "title": "Refunds stuck in pending", "severity": "SEV2",  # Major
        "services": ["refunds-worker"], "started_at": "2026-02-20T14:00:00+01:00",
        "detected_at": "2026-02-20T14:31:00+01:00", "mitigated_at": "2026-02-20T15:10:00+01:00",
        "resolved_at": "2026-02-20T16:45:00+01:00"}
    body = parse((handbook.root / "rca/0001-refunds-stuck-in-pending.md").read_bytes()).body
    assert body.startswith("\n## Summary\n\nRefunds created after 14:00 stayed pending")


def test_a_csv_timeline(handbook: Any) -> None:
    meta = draft(handbook, "timeline.csv")
    assert meta["started_at"] == "2026-03-01T22:05:00Z"  # the earliest row, whatever the order
    assert meta["severity"] == "SEV3"  # not in the export: left for a person, and said so
    assert [e["at"] for e in meta["timeline"]] == [
        "2026-03-01T22:05:00Z", "2026-03-01T22:15:00Z", "2026-03-01T23:10:00Z"]


@pytest.mark.parametrize(("content", "why"), [
    ('{"hello": "world"}', "not an export improve reads"),
    ("{not json", "not an export improve reads"),
])
def test_an_unknown_export_is_skipped_with_its_reason(handbook: Any, tmp_path: Path,
                                                      content: str, why: str) -> None:
    source = tmp_path / "export.json"
    source.write_text(content, encoding="utf-8")
    result = handbook.run("import", str(source))
    assert result.exit_code == 0, result
    assert why in result.stdout
    assert "0 documents to write" in result.stdout
