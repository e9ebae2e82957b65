"""`improve pr-summary`: exactly what a change does to the handbook, safely escaped."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitrepo import Repo, decision, rca, retro, runbook

from improve.cli.main import cli
from improve.core.git.gitrev import NULL_SHA
from improve.core.out.prsummary import render_markdown, summarize_change

TODAY = dt.date(2026, 3, 1)
ITEMS_1 = ("\n- {id: A1, title: Fix flaky test, owner: alice, due: 2026-03-10, status: open}"
           "\n- {id: A2, title: Old idea, owner: bob, due: 2026-03-10, status: open}")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path)
    repo.write("retros/0001-sprint-1.md", retro(1, items=ITEMS_1))
    repo.write("decisions/0001-first.md", decision(1, status="proposed"))
    repo.write("runbooks/0001-restart.md", runbook(1))
    repo.commit("base")
    repo.git("switch", "-q", "-c", "feature")
    return repo


def test_a_change_is_summarised_exactly(repo: Repo) -> None:
    repo.write("retros/0002-sprint-2.md", retro(2, items=(
        "\n- {id: A1, title: Add alerts, owner: bob, due: 2026-03-20, status: open}"
        "\n- {id: A2, title: Write runbook, owner: chen, due: 2026-03-25, status: open}"),
        extra="impediments:\n- {description: Staging is down, raised_on: 2026-02-02, status: escalated, escalated_to: infra}\n"))
    repo.write("retros/0001-sprint-1.md", retro(1, items=ITEMS_1.replace(
        "owner: alice, due: 2026-03-10, status: open", "owner: alice, due: 2026-03-10, status: done, done_on: 2026-02-20"
    ).replace("owner: bob, due: 2026-03-10, status: open", "owner: bob, due: 2026-03-10, status: dropped")))
    repo.write("decisions/0001-first.md", decision(1, status="accepted"))
    repo.git("rm", "-q", "runbooks/0001-restart.md")
    repo.commit("sprint 2")
    summary = summarize_change(repo.config, TODAY, "main")
    data = summary.to_json()
    assert [(d["change"], d["id"], d["kind"]) for d in data["documents"]] == [
        ("added", "RETRO-0002", "retro"), ("changed", "DECISION-0001".replace("DECISION", "ADR"), "decision"),
        ("changed", "RETRO-0001", "retro"), ("removed", "RB-0001", "runbook")]
    assert [(i["ref"], i["owner"], i["due"]) for i in data["new_action_items"]] == [
        ("RETRO-0002#A1", "bob", "2026-03-20"), ("RETRO-0002#A2", "chen", "2026-03-25")]
    assert [(i["ref"], i["before"], i["status"]) for i in data["closed_action_items"]] == [
        ("RETRO-0001#A1", "open", "done"), ("RETRO-0001#A2", "open", "dropped")]
    assert [(d["id"], d["before"], d["after"]) for d in data["decision_status_changes"]] == [
        ("ADR-0001", "proposed", "accepted")]
    assert [(i["id"], i["description"], i["escalated_to"]) for i in data["impediments_raised"]] == [
        ("RETRO-0002", "Staging is down", "infra")]
    markdown = render_markdown(summary)
    assert "4 documents: 1 added, 2 changed, 1 removed." in markdown
    assert "| [RETRO-0002](retros/0002-sprint-2.md) | retro | Sprint 2 | added |" in markdown
    assert "### Decisions whose status changed" in markdown


def test_an_empty_change(repo: Repo) -> None:
    summary = summarize_change(repo.config, TODAY, "main")
    assert summary.documents == []
    markdown = render_markdown(summary)
    assert "No documents changed." in markdown
    assert "No problems in the changed documents." in markdown
    assert "### New action items" not in markdown


def test_a_first_commit_against_the_empty_repository(repo: Repo) -> None:
    summary = summarize_change(repo.config, TODAY, NULL_SHA, "main")
    assert [(d.change, d.id) for d in summary.documents] == [
        ("added", "ADR-0001"), ("added", "RETRO-0001"), ("added", "RB-0001")]
    assert [i.ref for i in summary.new_items] == ["RETRO-0001#A1", "RETRO-0001#A2"]
    assert summary.to_json()["base_commit"] is None


def test_a_rename_is_one_entry(repo: Repo) -> None:
    repo.git("mv", "runbooks/0001-restart.md", "runbooks/0001-restart-payments.md")
    repo.commit("rename")
    summary = summarize_change(repo.config, TODAY, "main", "HEAD")
    assert [(d.change, d.path, d.old_path) for d in summary.documents] == [
        ("renamed", "runbooks/0001-restart-payments.md", "runbooks/0001-restart.md")]
    assert "renamed from `runbooks/0001-restart.md`" in render_markdown(summary)


def test_a_base_that_moved_on_is_compared_from_the_merge_base(repo: Repo) -> None:
    repo.write("rca/0001-outage.md", rca(1))
    repo.commit("ours")
    repo.git("switch", "-q", "main")
    repo.write("decisions/0002-second.md", decision(2))
    repo.commit("theirs")
    repo.git("switch", "-q", "feature")
    summary = summarize_change(repo.config, TODAY, "main")
    assert [(d.change, d.id) for d in summary.documents] == [("added", "RCA-0001")]


def test_unrelated_histories_are_compared_tree_to_tree(repo: Repo) -> None:
    repo.git("switch", "-q", "--orphan", "other")  # empties the index and the work tree
    repo.write(".improve.toml", 'timezone = "UTC"\n')
    repo.write("rca/0001-outage.md", rca(1))
    repo.commit("unrelated")
    summary = summarize_change(repo.config, TODAY, "main", "other")
    assert sorted((d.change, d.id) for d in summary.documents) == [
        ("added", "RCA-0001"), ("removed", "ADR-0001"), ("removed", "RB-0001"), ("removed", "RETRO-0001")]


def test_user_strings_are_escaped(repo: Repo) -> None:
    title = "Pipes | *stars* `ticks` <script>alert(1)</script>"
    repo.write("retros/0002-x.md", retro(2, title=json.dumps(title), items=(
        '\n- {id: A1, title: "a|b <img src=x onerror=alert(1)>", owner: "@bob", due: 2026-03-20, status: open}')))
    summary = summarize_change(repo.config, TODAY, "main")
    markdown = render_markdown(summary)
    assert "<script>" not in markdown
    assert "<img" not in markdown
    assert "`ticks`" not in markdown
    assert "*stars*" not in markdown
    lines = markdown.splitlines()
    document_row = next(line for line in lines if line.startswith("| [RETRO-0002]"))
    assert document_row.count("|") == 5  # four cells: the `|` in the title is a character reference
    assert "Pipes &#124; &#42;stars&#42; &#96;ticks&#96; &#60;script&#62;" in document_row
    item_row = next(line for line in lines if line.startswith("| [RETRO-0002&#35;A1]"))
    assert item_row.count("|") == 6  # five cells


def test_lint_findings_of_the_head_revision(repo: Repo) -> None:
    repo.write("retros/0002-bad.md", retro(2, items="\n- {id: A1, title: No owner, status: open}"))
    repo.commit("bad")
    repo.write("retros/0002-bad.md", retro(2))  # the work tree is fixed, the commit is not
    at_head = summarize_change(repo.config, TODAY, "main", "HEAD")
    errors = [(f.path, f.rule) for f in at_head.findings if f.severity.value == "error"]
    assert errors == [("retros/0002-bad.md", "action-item-unassigned")]
    in_tree = summarize_change(repo.config, TODAY, "main")
    assert not [f for f in in_tree.findings if f.severity.value == "error"]
    assert "1 error, " in render_markdown(at_head)


def test_the_command_prints_markdown_or_json(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("rca/0001-outage.md", rca(1))
    monkeypatch.chdir(repo.root)
    runner = CliRunner()
    result = runner.invoke(cli, ["pr-summary", "--base", "main", "--link-base",
                                 "https://github.com/o/r/blob/abc/"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "[RCA-0001](https://github.com/o/r/blob/abc/rca/0001-outage.md)" in result.output
    result = runner.invoke(cli, ["pr-summary", "--base", "main", "--format", "json"], catch_exceptions=False)
    assert json.loads(result.output)["documents"][0]["id"] == "RCA-0001"
