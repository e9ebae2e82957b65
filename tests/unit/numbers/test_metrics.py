"""Metrics and dates from git history, on a repository whose commits have fixed dates.

Every expected value below is worked out by hand from the documents and commits described here,
not produced by the code under test. The repository's time zone is Europe/Berlin; author dates
differ from committer dates (all committed "in 2030"), so using the wrong one shows at once.

Commits (author dates, Berlin time):
  C1 2026-01-09 17:00  RETRO-0001 (date 01-09): A1, A2 (due 01-23), A3 open
  C2 2026-01-12 09:00  RCA-0001..0005; runbooks; decisions
  C3 2026-01-16 12:00  RETRO-0001: A1 done, A3 done (no done_on), A2 due 01-23 -> 02-06 (a slip)
  C4 2026-01-23 18:00  RETRO-0002 (date 01-23): A1 open
  C5 2026-01-30 10:00  RETRO-0001 A3 reopened; RETRO-0002 gains A2
  C6 2026-02-10 11:00  RETRO-0001 A2 done (done_on 02-04), A3 done again; RETRO-0002 A2 done
                       (done_on 02-05); RETRO-0003 (date 02-06) with A1 (opened_on 02-05), A2 dropped
  C7 2026-04-12 10:00  RCA-0006, RCA-0007
Today is pinned to 2026-04-20.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixedhistory import TODAY, build

from improve.cli.main import cli
from improve.core.errors import UsageProblem
from improve.core.git.history import load_history
from improve.core.numbers.metrics import Scope, percentile, repository_metrics
from improve.core.read.config import load_config


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("history") / "repo")


@pytest.fixture(scope="module")
def data(repo: Path) -> dict[str, Any]:
    return repository_metrics(load_config(repo), TODAY).to_json()


# --- definitions ---------------------------------------------------------------------------------


def test_nearest_rank_percentiles() -> None:
    seven = [60, 5, 45, 10, 30, 20, 15]
    assert percentile(seven, 50) == 20  # odd count: the middle value
    assert percentile(seven, 85) == 45  # rank ceil(0.85 * 7) = 6
    six = [240, 60, 1440, 90, 120, 300]
    assert percentile(six, 50) == 120  # even count: rank 3, the lower middle value
    assert percentile(six, 85) == 1440  # rank ceil(5.1) = 6
    assert percentile([10, 20, 30, 40], 50) == 20
    assert percentile([7], 85) == 7
    assert percentile([], 50) is None
    assert percentile(list(range(1, 21)), 85) == 17  # exactly 17.0: no float rounding up to 18


# --- history -------------------------------------------------------------------------------------


def test_history_reads_author_dates_in_the_configured_zone(repo: Path) -> None:
    history = load_history(load_config(repo))
    assert history.available
    assert history.note is None
    assert history.commits == 7  # the commits that touch the content folders
    assert history.created["RETRO-0001"] == dt.date(2026, 1, 9)
    assert history.created["RETRO-0003"] == dt.date(2026, 2, 10)
    assert history.created["RCA-0006"] == dt.date(2026, 4, 12)
    assert history.created["runbooks/0002-failover.md"] == dt.date(2026, 1, 12)
    items = history.items
    assert items["RETRO-0001#A1"].opened == dt.date(2026, 1, 9)
    assert items["RETRO-0001#A1"].done == dt.date(2026, 1, 16)
    assert items["RETRO-0001#A2"].slips == 1
    assert items["RETRO-0001#A2"].done == dt.date(2026, 2, 10)  # git's date; the document says 02-04
    assert items["RETRO-0001#A3"].reopened == 1
    assert items["RETRO-0001#A3"].done == dt.date(2026, 2, 10)
    assert items["RETRO-0001#A3"].spans == [(dt.date(2026, 1, 9), dt.date(2026, 1, 16)),
                                            (dt.date(2026, 1, 30), dt.date(2026, 2, 10))]
    assert items["RETRO-0002#A2"].opened == dt.date(2026, 1, 30)
    assert not items["RETRO-0002#A2"].with_document
    assert items["RETRO-0002#A1"].with_document
    assert items["RCA-0001#A1"].opened == dt.date(2026, 1, 12)
    assert sum(i.slips for i in items.values()) == 1


def test_history_uses_one_log_and_one_cat_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_popen = subprocess.Popen

    def spy(args: list[str], *a: Any, **k: Any) -> Any:  # every git process, however started
        calls.append(list(args))
        return real_popen(args, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", spy)
    load_history(load_config(repo))
    commands = [c[3] for c in calls if c[0] == "git"]
    assert commands == ["rev-parse", "-c", "cat-file"]  # rev-parse, `-c ... log`, cat-file
    assert "log" in calls[1]


# --- every metric --------------------------------------------------------------------------------


def test_action_item_figures(data: dict[str, Any]) -> None:
    items = data["action_items"]
    assert {k: items[k] for k in ("total", "open", "in_progress", "done", "dropped", "overdue")} == {
        "total": 9, "open": 2, "in_progress": 1, "done": 5, "dropped": 1, "overdue": 2}
    # Lead times (days): RETRO-0001 A1 7 (git done 01-16), A2 26 (done_on 02-04 wins over git's
    # 02-10), A3 32 (reopened, done again 02-10); RETRO-0002 A2 6 (opened by git 01-30, done_on
    # 02-05); RCA-0002 A1 15 (document date 01-05, done_on 01-20).
    assert items["lead_time_days"] == {"count": 5, "median": 15, "p85": 32}
    # Ages today: RETRO-0002 A1 87, RETRO-0003 A1 74 (opened_on 02-05 wins), RCA-0001 A1 109.
    assert items["open_age_days"] == {"count": 3, "median": 87, "p85": 109}
    assert items["due_date_slips"] == {"total": 1, "items": 1, "by_item": {"RETRO-0001#A2": 1}}
    assert items["reopened"] == 1


def test_follow_through(data: dict[str, Any]) -> None:
    items = data["action_items"]
    assert items["follow_through_per_retro"] == [
        {"retro": "RETRO-0001", "date": "2026-01-09", "quarter": "2026-Q1", "team": "payments",
         "items": 3, "done": 3, "rate_done": 1.0, "next_retro": "RETRO-0002",
         "done_by_next_retro": 1, "rate_by_next_retro": 0.3333},
        {"retro": "RETRO-0002", "date": "2026-01-23", "quarter": "2026-Q1", "team": "payments",
         "items": 2, "done": 1, "rate_done": 0.5, "next_retro": "RETRO-0003",
         "done_by_next_retro": 1, "rate_by_next_retro": 0.5},
        {"retro": "RETRO-0003", "date": "2026-02-06", "quarter": "2026-Q1", "team": "payments",
         "items": 2, "done": 0, "rate_done": 0.0, "next_retro": None,
         "done_by_next_retro": None, "rate_by_next_retro": None},
    ]
    assert items["follow_through_per_quarter"] == [
        {"quarter": "2026-Q1", "retros": 3, "items": 7, "done": 4, "rate_done": 0.5714,
         "measured": 5, "done_by_next_retro": 2, "rate_by_next_retro": 0.4}]


def test_open_items_over_time(data: dict[str, Any]) -> None:
    assert data["action_items"]["open_over_time"] == [
        {"date": "2026-01-01", "open": 1}, {"date": "2026-01-05", "open": 2},
        {"date": "2026-01-09", "open": 5}, {"date": "2026-01-16", "open": 3},
        {"date": "2026-01-20", "open": 2}, {"date": "2026-01-23", "open": 3},
        {"date": "2026-01-30", "open": 5}, {"date": "2026-02-04", "open": 4},
        {"date": "2026-02-10", "open": 3},
    ]


def test_incident_figures(data: dict[str, Any]) -> None:
    incidents = data["incidents"]
    assert incidents["total"] == 7
    assert incidents["escaped_defects"] == 3
    assert incidents["by_severity"] == {"SEV1": 2, "SEV2": 2, "SEV3": 2, "SEV4": 1}
    assert incidents["per_month"] == [
        {"month": "2026-01", "total": 3,
         "by_severity": {"SEV1": 1, "SEV2": 1, "SEV3": 1, "SEV4": 0},
         "escaped_defects": 2, "time_to_resolve_median_minutes": 240},
        {"month": "2026-02", "total": 2,
         "by_severity": {"SEV1": 0, "SEV2": 1, "SEV3": 0, "SEV4": 1},
         "escaped_defects": 0, "time_to_resolve_median_minutes": 90},
        {"month": "2026-03", "total": 0,
         "by_severity": {"SEV1": 0, "SEV2": 0, "SEV3": 0, "SEV4": 0},
         "escaped_defects": 0, "time_to_resolve_median_minutes": None},
        {"month": "2026-04", "total": 2,
         "by_severity": {"SEV1": 1, "SEV2": 0, "SEV3": 1, "SEV4": 0},
         "escaped_defects": 1, "time_to_resolve_median_minutes": 300},
    ]
    assert incidents["time_to_detect_minutes"] == {"count": 7, "median": 20, "p85": 45}
    assert incidents["time_to_mitigate_minutes"] == {"count": 5, "median": 40, "p85": 70}
    assert incidents["time_to_resolve_minutes"] == {"count": 6, "median": 120, "p85": 1440}
    assert incidents["recurring_themes"] == {
        "contributing_factors": [{"name": "monitoring-gap", "count": 3},
                                 {"name": "configuration", "count": 2},
                                 {"name": "capacity", "count": 1},
                                 {"name": "testing-gap", "count": 1}],
        "services": [{"name": "api", "count": 3}, {"name": "checkout", "count": 3},
                     {"name": "ledger", "count": 1}, {"name": "payments", "count": 1}],
        "tags": [{"name": "db", "count": 3}, {"name": "deploy", "count": 2}],
    }


def test_runbooks_decisions_impediments_health(data: dict[str, Any]) -> None:
    assert data["runbooks"] == {"total": 2, "reviewed_within_period": 1, "stale": 1,
                                "share_reviewed": 0.5}
    assert data["decisions"] == {"total": 2, "by_status": {
        "proposed": 1, "accepted": 1, "rejected": 0, "deprecated": 0, "superseded": 0}}
    assert data["impediments"] == {
        "total": 4, "open": 1, "escalated": 1, "resolved": 2,
        "days_to_resolve": {"count": 2, "median": 3, "p85": 10},
        "open_age_days": {"count": 2, "median": 88, "p85": 102},
    }
    assert data["health"] == {"dimensions": ["flow", "fun", "pace"], "per_retro": [
        {"retro": "RETRO-0001", "date": "2026-01-09", "team": "payments",
         "scores": {"flow": 3, "fun": 4}},
        {"retro": "RETRO-0003", "date": "2026-02-06", "team": "payments",
         "scores": {"flow": 4, "fun": 4, "pace": 2}},
    ]}
    assert data["notes"] == []
    assert data["today"] == "2026-04-20"
    assert data["timezone"] == "Europe/Berlin"


def test_window_and_service_filters(repo: Path) -> None:
    config = load_config(repo)
    window = repository_metrics(config, TODAY, Scope(since=dt.date(2026, 2, 1),
                                                     until=dt.date(2026, 3, 31))).to_json()
    assert window["incidents"]["total"] == 2
    assert [m["month"] for m in window["incidents"]["per_month"]] == ["2026-02", "2026-03"]
    assert window["action_items"]["total"] == 2  # RETRO-0003 A1 (02-05) and A2 (02-06)
    assert [r["retro"] for r in window["action_items"]["follow_through_per_retro"]] == ["RETRO-0003"]
    assert window["decisions"]["total"] == 1
    assert window["impediments"]["total"] == 0
    api = repository_metrics(config, TODAY, Scope(service="api")).to_json()
    assert api["incidents"]["total"] == 3
    assert api["incidents"]["time_to_detect_minutes"] == {"count": 3, "median": 45, "p85": 60}
    assert api["action_items"]["total"] == 1  # RCA-0002 A1
    assert api["runbooks"]["total"] == 1
    assert api["action_items"]["follow_through_per_retro"] == []
    team = repository_metrics(config, TODAY, Scope(team="payments")).to_json()
    assert team["action_items"]["total"] == 7
    assert team["incidents"]["total"] == 0


def test_without_git_the_documents_dates_are_used(repo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "tarball"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git"))
    data = repository_metrics(load_config(copy), TODAY).to_json()
    assert data["notes"] == ["not a git repository: dates come from the documents only"]
    items = data["action_items"]
    assert items["due_date_slips"] is None
    assert items["reopened"] is None
    # Only written dates now: RETRO-0001 A2 26, RETRO-0002 A2 13 (opened on the retro's date),
    # RCA-0002 A1 15; RETRO-0001 A1 and A3 have no done date at all.
    assert items["lead_time_days"] == {"count": 3, "median": 15, "p85": 26}
    assert items["follow_through_per_retro"][0]["done_by_next_retro"] == 0
    assert items["open_over_time"] == [
        {"date": "2026-01-01", "open": 1}, {"date": "2026-01-05", "open": 2},
        {"date": "2026-01-09", "open": 3}, {"date": "2026-01-20", "open": 2},
        {"date": "2026-01-23", "open": 4}, {"date": "2026-02-04", "open": 3},
    ]
    assert data["incidents"]["time_to_resolve_minutes"] == {"count": 6, "median": 120, "p85": 1440}


def test_shallow_clone_falls_back_and_says_so_once(repo: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True,
                   capture_output=True)
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(cli, ["metrics", "--today", "2026-04-20"], catch_exceptions=False)
    assert result.exit_code == 0
    # Said once for the item dates, and once where the delivery numbers say why they are missing.
    assert result.output.count("note: shallow clone") == 1
    assert "note: shallow clone: dates come from the documents only" in result.output
    assert "Delivery (DORA)\n  cannot be computed: a shallow clone" in result.output


def test_cli_json_equals_the_library(repo: Path, data: dict[str, Any],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["metrics", "--format", "json", "--today", "2026-04-20"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(result.output) == data
    text = CliRunner().invoke(cli, ["metrics", "--today", "2026-04-20"], catch_exceptions=False)
    assert "time to detect: median 20 min, 85th percentile 45 min (n=7)" in text.output
    assert "lead time (opened to done): median 15 days, 85th percentile 32 days (n=5)" in text.output
    # Health checks in the text too (the latest retro's, and each dimension's mean), and words
    # that agree with their counts.
    assert ("Team health (health checks of 1 to 5 in retros)\n"
            "  payments, latest RETRO-0003 (2026-02-06): flow 4, fun 4, pace 2\n"
            "  payments, mean of 2 retros: flow 3.5, fun 4.0, pace 2.0\n") in text.output
    assert "due-date slips: 1 slip on 1 item" in text.output
    markdown = CliRunner().invoke(cli, ["metrics", "--format", "markdown", "--today", "2026-04-20"],
                                  catch_exceptions=False)
    assert "| 2026-01 | 3 | 1 | 1 | 1 | 0 | 2 |" in markdown.output
    bad = CliRunner().invoke(cli, ["metrics", "--since", "2026-05-01", "--until", "2026-04-01"])
    assert isinstance(bad.exception, UsageProblem)
    assert bad.exception.exit_code == 2


def test_a_start_at_the_edge_of_the_calendar_does_not_stop_the_figures(
        repo: Path, tmp_path: Path) -> None:
    """9999-12-31T23:00-05:00 is a real instant, but in Berlin it falls in the year 10000,
    which Python's dates cannot hold: it is shown as written and counted by the RCA's date."""
    from improve.core.numbers.index import incident_log
    from improve.core.read.repository import Repository
    from improve.handbook.render import fmt_moment

    copy = tmp_path / "edge"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git"))
    rca = sorted((copy / "rca").glob("0001-*.md"))[0]
    text = rca.read_text(encoding="utf-8")
    assert "started_at: " in text
    start = text.index("started_at: ")
    end = text.index("\n", start)
    rca.write_text(text[:start] + "started_at: 9999-12-31T23:00:00-05:00" + text[end:],
                   encoding="utf-8")
    config = load_config(copy)
    data = repository_metrics(config, TODAY).to_json()
    assert data["incidents"]["total"] == 7
    documents = Repository(config).documents()
    rows = {row.path: row for row in incident_log(documents, config)}
    path = rca.relative_to(copy).as_posix()
    written = next(doc.date for doc in documents if doc.path == path)
    assert rows[path].day == written is not None  # counted by the RCA's own date
    assert fmt_moment("9999-12-31T23:00:00-05:00", "Europe/Berlin") == "9999-12-31T23:00:00-05:00"
