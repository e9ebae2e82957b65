"""`improve lint --since REV`: what changed, what it removed, and the rules only a change can fire."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from gitrepo import Repo, decision, rca, runbook

from improve.core.errors import UnknownRevisionError, UsageProblem
from improve.core.git.changes import changed_selection, lint_since
from improve.core.read.config import load_config

TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path)
    repo.write("runbooks/0001-restart.md", runbook(1))
    repo.write("decisions/0001-first.md", decision(1))
    repo.write("rca/0001-outage.md", rca(1))
    repo.commit("base")
    return repo


def test_selection_has_added_modified_renamed_and_untracked_documents(repo: Repo) -> None:
    repo.git("switch", "-q", "-c", "feature")
    repo.write("runbooks/0001-restart.md", runbook(1, extra="alerts: [PaymentsDown]\n"))
    repo.git("mv", "rca/0001-outage.md", "rca/0001-checkout-outage.md")
    repo.write("decisions/0002-second.md", decision(2))
    repo.commit()
    repo.write("rca/0002-untracked.md", rca(2))
    repo.write("notes.txt", "not a document\n")
    selection, involved = changed_selection(repo.config, "main")
    assert selection == {"runbooks/0001-restart.md", "rca/0001-checkout-outage.md",
                         "decisions/0002-second.md", "rca/0002-untracked.md"}
    assert involved == {"RB-0001", "RCA-0001"}


def test_no_change_selects_nothing(repo: Repo) -> None:
    assert changed_selection(repo.config, "main") == (set(), set())
    result = lint_since(repo.config, TODAY, "main", use_cache=False)
    assert result.checked == 0
    assert result.findings == []


def test_deleting_a_cited_runbook_is_reported_where_it_is_cited(repo: Repo) -> None:
    repo.write("rca/0001-outage.md", rca(1, extra="runbooks: [RB-0001]\n"))
    repo.commit("cite")
    repo.git("rm", "-q", "runbooks/0001-restart.md")
    selection, involved = changed_selection(repo.config, "HEAD")
    assert selection == set()
    assert involved == {"RB-0001"}
    result = lint_since(repo.config, TODAY, "HEAD", use_cache=False)
    assert [(f.path, f.rule) for f in result.findings] == [("rca/0001-outage.md", "dangling-reference")]
    assert result.exit_code() == 1


def test_renumbering_a_superseded_decision_by_hand_is_reported_in_its_successor(repo: Repo) -> None:
    repo.write("decisions/0001-first.md", decision(1, status="superseded", extra="superseded_by: ADR-0002\n"))
    repo.write("decisions/0002-second.md", decision(2, extra="supersedes: ADR-0001\n"))
    repo.commit("supersede")
    repo.git("mv", "decisions/0001-first.md", "decisions/0003-first.md")
    repo.write("decisions/0003-first.md", decision(3, status="superseded", extra="superseded_by: ADR-0002\n"))
    result = lint_since(repo.config, TODAY, "HEAD", use_cache=False)
    assert ("decisions/0002-second.md", "dangling-reference") in [(f.path, f.rule) for f in result.findings]


def test_an_unknown_revision_is_a_usage_error(repo: Repo) -> None:
    with pytest.raises(UnknownRevisionError, match="unknown git revision 'nope'") as caught:
        changed_selection(repo.config, "nope")
    assert caught.value.exit_code == 2
    with pytest.raises(UnknownRevisionError):
        changed_selection(repo.config, "--output=/tmp/x")


def test_outside_git_since_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n')
    with pytest.raises(UsageProblem, match="needs a git repository"):
        changed_selection(load_config(tmp_path), "main")


def test_a_branch_behind_main_is_not_charged_with_mains_work(repo: Repo) -> None:
    repo.git("switch", "-q", "-c", "feature")
    repo.write("decisions/0002-ours.md", decision(2))
    repo.commit("ours")
    repo.git("switch", "-q", "main")
    repo.write("runbooks/0002-theirs.md", runbook(2))
    repo.commit("theirs")
    repo.git("switch", "-q", "feature")
    selection, _ = changed_selection(repo.config, "main")
    assert selection == {"decisions/0002-ours.md"}


def _collide(repo: Repo) -> None:
    repo.git("switch", "-q", "-c", "feature")
    repo.write("rca/0002-cache-down.md", rca(2, title="Cache down"))
    repo.commit("ours")
    repo.git("switch", "-q", "main")
    repo.write("rca/0002-db-down.md", rca(2, title="DB down"))
    repo.write("rca/0003-queue-down.md", rca(3, title="Queue down"))
    repo.commit("theirs")
    repo.git("switch", "-q", "feature")


def test_number_collision_names_the_fix(repo: Repo) -> None:
    _collide(repo)
    result = lint_since(repo.config, TODAY, "main", use_cache=False)
    found = [f for f in result.findings if f.rule == "number-collision"]
    assert len(found) == 1
    finding = found[0]
    assert (finding.path, finding.line, finding.severity.value) == ("rca/0002-cache-down.md", 2, "error")
    assert "rca/0002-db-down.md" in finding.message
    assert "`improve renumber RCA-0002 --path rca/0002-cache-down.md --to 4`" in finding.message
    assert result.exit_code() == 1


def test_number_collision_is_silent_without_a_collision(repo: Repo) -> None:
    repo.git("switch", "-q", "-c", "feature")
    repo.write("rca/0002-cache-down.md", rca(2))
    repo.commit("ours")
    repo.git("switch", "-q", "main")
    repo.write("runbooks/0002-other.md", runbook(2))
    repo.commit("theirs")
    repo.git("switch", "-q", "feature")
    result = lint_since(repo.config, TODAY, "main", use_cache=False)
    assert not [f for f in result.findings if f.rule == "number-collision"]


def test_number_collision_can_be_switched_off(repo: Repo) -> None:
    repo.write(".improve.toml", 'timezone = "UTC"\n[rules]\nnumber-collision = "off"\n')
    repo.commit("config")
    _collide(repo)
    result = lint_since(repo.config, TODAY, "main", use_cache=False)
    assert not [f for f in result.findings if f.rule == "number-collision"]


def test_runbook_may_be_stale_when_covered_paths_change(repo: Repo) -> None:
    repo.write("runbooks/0001-restart.md", runbook(1, covers="[deploy/payments/**, src/payments]"))
    repo.write("deploy/payments/values.yaml", "replicas: 2\n")
    repo.write("src/payments/api.py", "x = 1\n")
    repo.commit("covers")
    repo.write("deploy/payments/values.yaml", "replicas: 3\n")
    repo.write("src/payments/new.py", "y = 2\n")  # untracked counts
    result = lint_since(repo.config, TODAY, "HEAD", use_cache=False)
    found = [f for f in result.findings if f.rule == "runbook-may-be-stale"]
    assert len(found) == 1
    assert (found[0].path, found[0].severity.value) == ("runbooks/0001-restart.md", "warning")
    assert "deploy/payments/values.yaml, src/payments/new.py" in found[0].message
    assert result.exit_code() == 0
    assert result.exit_code(strict=True) == 1


def test_runbook_may_be_stale_is_quiet_when_the_runbook_is_reviewed_too(repo: Repo) -> None:
    repo.write("runbooks/0001-restart.md", runbook(1, covers="[deploy/**]"))
    repo.write("deploy/x.yaml", "a: 1\n")
    repo.commit("covers")
    repo.write("deploy/x.yaml", "a: 2\n")
    repo.write("runbooks/0001-restart.md", runbook(1, covers="[deploy/**]").replace(
        "last_reviewed: 2026-02-01", "last_reviewed: 2026-03-01"))
    result = lint_since(repo.config, TODAY, "HEAD", use_cache=False)
    assert not [f for f in result.findings if f.rule == "runbook-may-be-stale"]
    repo.write("runbooks/0001-restart.md", runbook(1, covers="[deploy/**]"))
    repo.write(".improve.toml", 'timezone = "UTC"\n[rules]\nrunbook-may-be-stale = "off"\n')
    result = lint_since(repo.config, TODAY, "HEAD", use_cache=False)
    assert not [f for f in result.findings if f.rule == "runbook-may-be-stale"]
