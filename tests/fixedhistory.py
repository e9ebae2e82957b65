"""A git repository whose commits have fixed author dates, for the metrics and history tests.

See tests/unit/numbers/test_metrics.py for the story of its commits and the values worked out by hand.
Author dates differ from committer dates (all committed "in 2030"), so that using the wrong one
shows at once.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

TODAY = dt.date(2026, 4, 20)
COMMITTER_DATE = "2030-06-01T00:00:00+00:00"


def _retro(number: int, date: str, items: list[str], *, carried: str = "[]", health: str = "",
           impediments: str = "") -> str:
    return (f"---\nid: RETRO-{number:04d}\ntitle: Sprint {number}\ndate: {date}\nteam: payments\n"
            + health + impediments + "action_items:\n" + "".join(f"  - {i}\n" for i in items)
            + f"carried_over: {carried}\n---\n\n## What went well\n\nx\n")


def _item(n: int, due: str, status: str, extra: str = "") -> str:
    return f"{{id: A{n}, title: Item {n}, owner: alice, due: {due}, status: {status}{extra}}}"


def _at(start: dt.datetime, minutes: int | None) -> str | None:
    return None if minutes is None else (start + dt.timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def _rca(number: int, started: str, severity: str, escaped: bool, ttd: int, ttm: int | None,
         ttr: int | None, factors: str, services: str, tags: str, date: str,
         items: str = "") -> str:
    start = dt.datetime.fromisoformat(started)
    lines = [f"id: RCA-{number:04d}", f"title: Incident {number}", f"date: {date}",
             "status: draft", f"severity: {severity}", f"started_at: {_at(start, 0)}",
             f"detected_at: {_at(start, ttd)}"]
    if ttm is not None:
        lines.append(f"mitigated_at: {_at(start, ttm)}")
    if ttr is not None:
        lines.append(f"resolved_at: {_at(start, ttr)}")
    lines += [f"escaped_defect: {'true' if escaped else 'false'}", f"contributing_factors: {factors}",
              f"services: {services}", f"tags: {tags}"]
    if items:
        lines.append("action_items:\n" + items)
    return "---\n" + "\n".join(lines) + "\n---\n\n## Summary\n\nx\n"


RCAS_EARLY = {
    "rca/0001-a.md": _rca(1, "2025-12-31T23:30:00+00:00", "SEV1", True, 20, 40, 240,
                          "[capacity, monitoring-gap]", "[checkout]", "[db]", "2026-01-01",
                          "  - " + _item(1, "2026-02-01", "open", ", type: prevent")),
    "rca/0002-b.md": _rca(2, "2026-01-05T10:00:00+00:00", "SEV2", False, 5, 20, 60,
                          "[monitoring-gap]", "[checkout, api]", "[db, deploy]", "2026-01-05",
                          "  - " + _item(1, "2026-01-25", "done", ", done_on: 2026-01-20")),
    "rca/0003-c.md": _rca(3, "2026-01-20T08:00:00+00:00", "SEV3", True, 60, 70, 1440,
                          "[configuration]", "[api]", "[]", "2026-01-20"),
    "rca/0004-d.md": _rca(4, "2026-02-02T12:00:00+00:00", "SEV2", False, 10, None, 90,
                          "[monitoring-gap, configuration]", "[ledger]", "[deploy]", "2026-02-02"),
    "rca/0005-e.md": _rca(5, "2026-02-03T12:00:00+00:00", "SEV4", False, 45, 30, 120,
                          "[]", "[api]", "[]", "2026-02-03"),
}
RCAS_LATE = {
    # 22:30 UTC on 31 March is 00:30 on 1 April in Berlin (summer time): an April incident.
    "rca/0006-f.md": _rca(6, "2026-03-31T22:30:00+00:00", "SEV3", True, 15, 50, 300,
                          "[testing-gap]", "[checkout]", "[db]", "2026-04-01"),
    "rca/0007-g.md": _rca(7, "2026-04-10T09:00:00+00:00", "SEV1", False, 30, None, None,
                          "[]", "[payments]", "[]", "2026-04-10"),
}
OTHERS = {
    "runbooks/0001-restart.md": ("---\nid: RB-0001\ntitle: Restart\nowners: [alice]\n"
                                 "service: api\nlast_reviewed: 2026-02-01\n---\nx\n"),
    "runbooks/0002-failover.md": ("---\nid: RB-0002\ntitle: Failover\nowners: [alice]\n"
                                  "service: db\nlast_reviewed: 2025-10-01\nreview_every_days: 30\n"
                                  "---\nx\n"),
    "decisions/0001-a.md": ("---\nid: ADR-0001\ntitle: A\ndate: 2026-01-02\nstatus: accepted\n"
                            "---\nx\n"),
    "decisions/0002-b.md": ("---\nid: ADR-0002\ntitle: B\ndate: 2026-02-01\nstatus: proposed\n"
                            "---\nx\n"),
}
IMPEDIMENTS_1 = ("impediments:\n"
                 "  - {description: No test env, raised_on: 2026-01-05, status: resolved, "
                 "resolved_on: 2026-01-15}\n"
                 "  - {description: Slow CI, raised_on: 2026-01-08, status: escalated, "
                 "escalated_to: dana}\n")
IMPEDIMENTS_2 = ("impediments:\n"
                 "  - {description: Flaky deploys, raised_on: 2026-01-20, status: resolved, "
                 "resolved_on: 2026-01-23}\n"
                 "  - {description: No pager, raised_on: 2026-01-22, status: open}\n")
HEALTH_1 = "health: {flow: 3, fun: 4}\n"
HEALTH_3 = "health: {flow: 4, fun: 4, pace: 2}\n"

COMMITS: list[tuple[str, dict[str, str]]] = [
    ("2026-01-09T17:00:00+01:00", {
        "retros/0001-s1.md": _retro(1, "2026-01-09", [
            _item(1, "2026-01-20", "open"), _item(2, "2026-01-23", "open"),
            _item(3, "2026-01-30", "open")], health=HEALTH_1, impediments=IMPEDIMENTS_1),
    }),
    ("2026-01-12T09:00:00+01:00", {**RCAS_EARLY, **OTHERS}),
    ("2026-01-16T12:00:00+01:00", {
        "retros/0001-s1.md": _retro(1, "2026-01-09", [
            _item(1, "2026-01-20", "done"), _item(2, "2026-02-06", "open"),
            _item(3, "2026-01-30", "done")], health=HEALTH_1, impediments=IMPEDIMENTS_1),
    }),
    ("2026-01-23T18:00:00+01:00", {
        "retros/0002-s2.md": _retro(2, "2026-01-23", [_item(1, "2026-02-20", "open")],
                                    carried="[RETRO-0001#A2]", impediments=IMPEDIMENTS_2),
    }),
    ("2026-01-30T10:00:00+01:00", {
        "retros/0001-s1.md": _retro(1, "2026-01-09", [
            _item(1, "2026-01-20", "done"), _item(2, "2026-02-06", "open"),
            _item(3, "2026-01-30", "open")], health=HEALTH_1, impediments=IMPEDIMENTS_1),
        "retros/0002-s2.md": _retro(2, "2026-01-23", [
            _item(1, "2026-02-20", "open"), _item(2, "2026-02-13", "open")],
            carried="[RETRO-0001#A2]", impediments=IMPEDIMENTS_2),
    }),
    ("2026-02-10T11:00:00+01:00", {
        "retros/0001-s1.md": _retro(1, "2026-01-09", [
            _item(1, "2026-01-20", "done"), _item(2, "2026-02-06", "done", ", done_on: 2026-02-04"),
            _item(3, "2026-01-30", "done")], health=HEALTH_1, impediments=IMPEDIMENTS_1),
        "retros/0002-s2.md": _retro(2, "2026-01-23", [
            _item(1, "2026-02-20", "open"), _item(2, "2026-02-13", "done", ", done_on: 2026-02-05")],
            carried="[RETRO-0001#A2]", impediments=IMPEDIMENTS_2),
        "retros/0003-s3.md": _retro(3, "2026-02-06", [
            _item(1, "2026-05-01", "in-progress", ", opened_on: 2026-02-05"),
            _item(2, "2026-03-01", "dropped")], carried="[RETRO-0002#A1]", health=HEALTH_3),
    }),
    ("2026-04-12T10:00:00+02:00", RCAS_LATE),
]


def _git(root: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "C", "GIT_COMMITTER_EMAIL": "c@example.org",
           "GIT_COMMITTER_DATE": COMMITTER_DATE}
    if date:
        env["GIT_AUTHOR_DATE"] = date
    subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


def build(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    (root / ".improve.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    _git(root, "add", ".improve.toml")
    _git(root, "commit", "-q", "-m", "config", date="2026-01-01T08:00:00+01:00")
    for date, files in COMMITS:
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", f"change of {date}", date=date)
    return root
