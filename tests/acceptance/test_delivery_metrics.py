"""The DORA numbers (issue 15) on real git repositories with known histories, against figures
computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def commit(book: Any, message: str, when: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    path = book.root / "src.txt"
    path.write_text((path.read_text() if path.exists() else "") + message + "\n")
    subprocess.run(["git", "-C", str(book.root), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(book.root), "commit", "-q", "--no-verify", "-m", message],
                   check=True, env=env)
    return book.git("rev-parse", "HEAD").strip()


def tag(book: Any, name: str, when: str | None = None) -> None:
    if when is None:  # a light tag: its commit's time
        book.git("tag", name)
        return
    env = {**os.environ, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-C", str(book.root), "tag", "-a", name, "-m", name], check=True,
                   env=env)


def delivery(book: Any) -> dict[str, Any]:
    result = book.run("metrics", "--format", "json")
    assert result.exit_code == 0, result
    data: dict[str, Any] = json.loads(result.stdout)["delivery"]
    return data


@pytest.fixture
def released(handbook: Any) -> Any:
    """Four releases; an incident caused by a pull request, one by a release and fixed by the
    next."""
    commit(handbook, "c1", "2026-01-05T10:00:00Z")
    commit(handbook, "c2", "2026-01-06T10:00:00Z")
    tag(handbook, "v1.0.0", "2026-01-07T10:00:00Z")              # annotated: its tag time
    commit(handbook, "Add partial refunds (#12)", "2026-01-08T10:00:00Z")
    tag(handbook, "v1.1.0")                                       # light: 2026-01-08T10:00Z
    commit(handbook, "c4", "2026-01-12T12:00:00Z")
    tag(handbook, "v1.2.0", "2026-01-13T12:00:00Z")
    tag(handbook, "nightly-5", "2026-01-13T12:30:00Z")             # not a version: not counted
    commit(handbook, "Fix refunds", "2026-01-13T14:00:00Z")
    tag(handbook, "v1.2.1", "2026-01-13T15:00:00Z")
    handbook.add("rca", 1, started_at="2026-01-08T11:00:00Z", caused_by='["#12"]',
                 resolved_at="2026-01-08T16:00:00Z")
    handbook.add("rca", 2, started_at="2026-01-13T12:30:00Z", caused_by="[v1.2.0]",
                 fixed_by="[v1.2.1]")
    return handbook


def test_the_five_numbers_from_tags_and_rcas(released: Any) -> None:
    data = delivery(released)
    assert data["available"] is True
    assert data["deployments"] == 4
    # Lead times (days) per commit: c1 2 (to v1.0.0), c2 1, #12 0 (light tag at commit time),
    # c4 1, the fix 1/24: median 1, 85th percentile the 5th of 5 = 2.
    lead = data["lead_time_days"]
    assert (lead["median"], lead["p85"], lead["band"]) == (1.0, 2.0, "elite")
    assert lead["per_month"] == [{"month": "2026-01", "commits": 5, "median": 1.0, "p85": 2.0}]
    # 4 deployments from 7 to 13 January: one week.
    frequency = data["deployment_frequency"]
    assert (frequency["per_week"], frequency["band"]) == (4.0, "high")
    # 7 and 8 January are in ISO week 2, the two on 13 January in week 3.
    assert frequency["weeks"] == [{"week": "2026-W02", "deployments": 2},
                                  {"week": "2026-W03", "deployments": 2}]
    # Failed: v1.1.0 (it shipped #12, RCA-0001's cause) and v1.2.0 (RCA-0002): 2 of 4, per
    # deployment, not per incident.
    failure = data["change_failure_rate"]
    assert (failure["failed"], failure["rate"], failure["band"]) == (2, 0.5, "low")
    assert failure["failed_deployments"] == [{"deployment": "v1.1.0", "because": ["RCA-0001"]},
                                             {"deployment": "v1.2.0", "because": ["RCA-0002"]}]
    # Recovery: v1.1.0 until RCA-0001 was resolved, 6 h; v1.2.0 until v1.2.1 (fixed_by), 3 h.
    recovery = data["failed_deployment_recovery_hours"]
    assert (recovery["count"], recovery["median"], recovery["band"]) == (2, 4.5, "high")
    # Rework: v1.2.1 was an unplanned fix: 1 of 4.
    assert data["rework_rate"]["rate"] == 0.25
    assert data["bands_source"] == "DORA Accelerate State of DevOps Report 2024"
    text = released.run("metrics").stdout
    assert "change failure rate: 2 of 4 (50%) [low]" in text
    only = released.run("metrics", "--part", "delivery")
    assert only.stdout.startswith("Delivery (DORA)\n  4 deployments to production\n")
    assert "Action items" not in only.stdout
    as_json = json.loads(released.run("metrics", "--part", "delivery", "--format", "json").stdout)
    assert "action_items" not in as_json
    assert as_json["delivery"]["deployments"] == 4


@pytest.mark.parametrize(("resolved_at", "hours", "band"), [
    ("2026-01-07T10:45:00Z", 0.75, "elite"),
    ("2026-01-08T09:00:00Z", 23.0, "high"),
    # Three days: the 2024 report has no cluster between a day and a week (its medium recovers
    # in less than a day, like high; 2023's medium was one day to one week), and low is the
    # only cluster slower than a day.
    ("2026-01-10T10:00:00Z", 72.0, "low"),
])
def test_recovery_bands_follow_the_2024_report(handbook: Any, resolved_at: str, hours: float,
                                               band: str) -> None:
    commit(handbook, "c1", "2026-01-05T10:00:00Z")
    tag(handbook, "v1.0.0", "2026-01-07T10:00:00Z")
    handbook.add("rca", 1, started_at="2026-01-07T10:30:00Z", caused_by="[v1.0.0]",
                 resolved_at=resolved_at)
    recovery = delivery(handbook)["failed_deployment_recovery_hours"]
    assert (recovery["count"], recovery["median"], recovery["band"]) == (1, hours, band)


def test_a_team_that_ships_once_a_month_is_medium(handbook: Any) -> None:
    # Twelve releases 31 days apart: 12 in 341 + 1 days, 0.25 a week less a little; the 2024
    # report's medium cluster ships "between once per week and once per month".
    start = dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    for month in range(12):
        when = (start + dt.timedelta(days=31 * month)).isoformat()
        commit(handbook, f"change {month}", when)
        tag(handbook, f"v1.{month}.0", when)
    frequency = delivery(handbook)["deployment_frequency"]
    assert (frequency["per_week"], frequency["band"]) == (0.25, "medium")


def test_a_deploy_log_with_rollbacks_and_environments(handbook: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\n[deployments]\nlog = "deploys.log"\n'
                   'tags = "^release-"\n')
    first = commit(handbook, "a", "2026-02-02T09:00:00Z")
    second = commit(handbook, "b", "2026-02-03T09:00:00Z")
    handbook.write("deploys.log", f"# time environment revision marks\n"
                   f"2026-02-02T10:00:00Z staging {first}\n"
                   f"2026-02-02T12:00:00Z production {first}\n"
                   f"2026-02-03T12:00:00Z production {second}\n"
                   f"2026-02-03T12:30:00Z production {first} rollback\n"
                   f"yesterday production {second}\n")
    data = delivery(handbook)
    # Production: 3 deployments; the second was rolled back 30 minutes later.
    assert data["deployments"] == 3
    assert data["deployments_per_environment"] == {"production": 3, "staging": 1}
    assert data["change_failure_rate"]["failed_deployments"] == [
        {"deployment": "production@2026-02-03T12:00:00+00:00",
         "because": ["rolled back by production@2026-02-03T12:30:00+00:00"]}]
    assert data["failed_deployment_recovery_hours"]["median"] == 0.5
    assert data["rework_rate"]["rate"] == round(1 / 3, 4)
    assert data["notes"] == ["deploys.log:6: not `TIME ENVIRONMENT REVISION [rollback] "
                             "[hotfix]` with an ISO 8601 time and zone; the line is not counted"]


def test_improve_deploy_record_twice_at_once(handbook: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\n[deployments]\nlog = "ops/deploys.log"\n')
    head = commit(handbook, "a", "2026-02-02T09:00:00Z")
    command = [sys.executable, "-m", "improve", "deploy", "record", "--at",
               "2026-02-02T10:00:00Z"]
    runs = [subprocess.Popen([*command, "--env", env], cwd=handbook.root, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) for env in ("production", "staging")]
    for run in runs:
        _out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    lines = sorted((handbook.root / "ops" / "deploys.log").read_text().splitlines())
    assert lines == [f"2026-02-02T10:00:00Z production {head}",
                     f"2026-02-02T10:00:00Z staging {head}"]
    hotfix = handbook.run("deploy", "record", "--hotfix", "--at", "2026-02-02T11:00:00+01:00")
    assert hotfix.stdout == f"2026-02-02T10:00:00Z production {head} hotfix\n"
    unknown = handbook.run("deploy", "record", "--rev", "no-such-rev")
    assert unknown.exit_code == 2
    assert "is not a commit of this repository" in unknown.stderr


def test_why_a_figure_cannot_be_computed(handbook: Any, tmp_path: Path, run_cli: Any) -> None:
    commit(handbook, "a", "2026-02-02T09:00:00Z")
    none = delivery(handbook)
    assert none["available"] is False
    assert none["why"].startswith("no deployments to production: no version tags")
    assert "cannot be computed: no deployments" in handbook.run("metrics").stdout
    commit(handbook, "b", "2026-02-03T09:00:00Z")
    tag(handbook, "v1.0.0", "2026-02-03T10:00:00Z")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{handbook.root}", str(shallow)],
                   check=True)
    result = run_cli("metrics", "--format", "json", cwd=shallow)
    assert json.loads(result.stdout)["delivery"]["why"].startswith("a shallow clone")


def test_the_handbook_shows_the_numbers_and_their_charts(released: Any) -> None:
    from sitebuild import build_minimal

    result = build_minimal(released.root, today="2026-03-02")
    assert result.returncode == 0, result.output
    page = result.page("metrics/")
    text = page.select_one("article").get_text(" ", strip=True)
    assert "Delivery (DORA)" in text
    assert "Change failure rate 2 of 4 low" in text
    assert "Bands: DORA Accelerate State of DevOps Report 2024" in text
    for slug in ("deployments-per-week", "lead-time", "change-failure-rate"):
        svg = (result.site / "assets" / "improve" / "charts" / f"{slug}.svg").read_text()
        assert svg.startswith("<svg"), slug
    rows = [[c.get_text(strip=True) for c in tr.find_all("td")] for tr in page.select("tr")]
    assert ["2026-01", "4", "2", "50%"] in rows  # the change-failure-rate chart's table
    assert ["2026-01", "5", "1", "2"] in rows  # the lead-time chart's table (days)


def _code_repo(path: Path, commits: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """A clone of deployed code: (message, time, tag or None) in order -> message: commit id."""
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    ids: dict[str, str] = {}
    for message, when, tag_name in commits:
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
               "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.org",
               "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.org"}
        (path / "code.txt").write_text(message + "\n")
        subprocess.run(["git", "-C", str(path), "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", str(path), "commit", "-q", "-m", message], check=True,
                       env=env)
        ids[message] = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], check=True,
                                      capture_output=True, text=True).stdout.strip()
        if tag_name:
            subprocess.run(["git", "-C", str(path), "tag", tag_name], check=True, env=env)
    return ids


def test_the_code_in_other_local_clones(handbook: Any, tmp_path: Path) -> None:
    # The handbook has no tags of its own; the deployed code lives in two clones beside it.
    api = _code_repo(tmp_path / "api", [("api-1", "2026-03-02T08:00:00Z", None),
                                        ("api-2", "2026-03-02T10:00:00Z", "v1.0.0"),
                                        ("api-3", "2026-03-03T10:00:00Z", "v1.1.0")])
    _code_repo(tmp_path / "worker", [("worker-1", "2026-03-04T10:00:00Z", "v2.0.0")])
    handbook.write(".improve.toml", 'timezone = "UTC"\n[deployments]\n'
                   'repositories = ["../api", "../worker"]\nlog = "deploys.log"\n')
    commit(handbook, "handbook", "2026-03-01T09:00:00Z")
    # A deploy of api-3 to staging is logged in the handbook; its revision is the api's.
    handbook.write("deploys.log", f"2026-03-03T11:00:00Z staging {api['api-3']}\n")
    handbook.add("rca", 1, started_at="2026-03-03T11:00:00Z", caused_by="[v1.1.0]",
                 resolved_at="2026-03-03T13:00:00Z")
    data = delivery(handbook)
    assert data["available"] is True, data
    # Production: v1.0.0 and v1.1.0 of the api, v2.0.0 of the worker (light tags: commit times).
    assert data["deployments"] == 3
    assert data["deployments_per_environment"] == {"production": 3, "staging": 1}
    # Lead times: api-1 2 h, api-2 0 h, api-3 0 h, worker-1 0 h: median 0 days.
    assert data["lead_time_days"]["median"] == 0.0
    assert [f["deployment"] for f in data["change_failure_rate"]["failed_deployments"]] == [
        "v1.1.0"]
    # `deploy record` resolves --rev in the clones, not in the handbook.
    recorded = handbook.run("deploy", "record", "--rev", "v2.0.0", "--at", "2026-03-05T00:00:00Z")
    assert recorded.exit_code == 0, recorded
    assert recorded.stdout.split()[2] == subprocess.run(
        ["git", "-C", str(tmp_path / "worker"), "rev-parse", "v2.0.0"], check=True,
        capture_output=True, text=True).stdout.strip()
    # A clone that is not there is named.
    handbook.write(".improve.toml", 'timezone = "UTC"\n[deployments]\n'
                   'repositories = ["../api", "../gone"]\n')
    why = delivery(handbook)["why"]
    assert why == ("not a git repository: ../gone ([deployments] repositories); deployments "
                   "come from git")
