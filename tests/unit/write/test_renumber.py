"""`improve renumber`: a new number, the old id kept, every reference rewritten, nothing else touched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitrepo import Repo, decision, rca, retro, runbook

from improve.cli.main import cli
from improve.core.check.lint import lint
from improve.core.errors import UnknownIdError, UsageProblem
from improve.core.read.repository import Repository
from improve.core.write.renumber import redirects, renumber

TODAY = dt.date(2026, 3, 1)

CITING_RETRO = retro(1, items="\n- {id: A1, title: Follow up, owner: alice, due: 2026-03-10, status: open}",
                     extra="related: [RCA-0002, RB-0001]  # the outage we discussed\n"
                           "carried_over:\n  - RETRO-0001#A1\n  - 'RCA-0002#A1'\n") + (
    "\nSee [the review](../rca/0002-outage.md#impact), [same][r] and RCA-0002#A1; RCA-0002 stays prose.\n\n"
    "[r]: ../rca/0002-outage.md\n")
OUTAGE = rca(2, extra="action_items:\n- {id: A1, title: Add alert, owner: bob, due: 2026-04-01, status: open}\n")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path)
    repo.write("rca/0001-first.md", rca(1))
    repo.write("rca/0002-outage.md", OUTAGE)
    repo.write("runbooks/0001-restart.md", runbook(1, extra="related:\n  - RCA-0002\n"))
    repo.write("retros/0001-sprint-1.md", CITING_RETRO)
    repo.write("docs/index.md", "# Home\n\nThe [big outage](rca/0002-outage.md).\n")
    repo.write("decisions/0001-x.md", decision(1))
    repo.commit("base")
    return repo


def test_renumber_moves_the_file_and_rewrites_only_the_references(repo: Repo) -> None:
    before = {p: (repo.root / p).read_bytes() for p in
              ("retros/0001-sprint-1.md", "runbooks/0001-restart.md", "docs/index.md", "decisions/0001-x.md")}
    result = renumber(repo.config, "RCA-0002")
    assert (result.old_path, result.new_path, result.new_id) == ("rca/0002-outage.md", "rca/0003-outage.md", "RCA-0003")
    assert result.git
    assert result.edited == ["docs/index.md", "retros/0001-sprint-1.md", "runbooks/0001-restart.md"]
    assert not (repo.root / "rca/0002-outage.md").exists()
    # The whole change is staged (issue 16): the rename, the new id and every rewritten reference.
    assert "R  rca/0002-outage.md -> rca/0003-outage.md" in repo.git("status", "--short")
    assert repo.git("diff", "--name-only") == ""
    assert repo.git("diff", "--cached", "--name-only").split() == [
        "docs/index.md", "rca/0003-outage.md", "retros/0001-sprint-1.md", "runbooks/0001-restart.md"]
    moved = (repo.root / "rca/0003-outage.md").read_text()
    assert moved == OUTAGE.replace("id: RCA-0002\n", "id: RCA-0003\nprevious_ids: [RCA-0002]\n")
    assert (repo.root / "retros/0001-sprint-1.md").read_bytes() == before["retros/0001-sprint-1.md"].replace(
        b"related: [RCA-0002,", b"related: [RCA-0003,").replace(
        b"../rca/0002-outage.md", b"../rca/0003-outage.md").replace(b"and RCA-0002#A1;", b"and RCA-0003#A1;").replace(
        b"'RCA-0002#A1'", b"'RCA-0003#A1'")
    assert (repo.root / "runbooks/0001-restart.md").read_bytes() == before["runbooks/0001-restart.md"].replace(
        b"  - RCA-0002\n", b"  - RCA-0003\n")
    assert (repo.root / "docs/index.md").read_bytes() == before["docs/index.md"].replace(b"0002-outage", b"0003-outage")
    assert (repo.root / "decisions/0001-x.md").read_bytes() == before["decisions/0001-x.md"]
    assert b"RCA-0002 stays prose" in (repo.root / "retros/0001-sprint-1.md").read_bytes()
    after = lint(repo.config, TODAY, use_cache=False)
    assert not [f for f in after.findings if f.rule in ("dangling-reference", "id-mismatch", "duplicate-id")]


def test_crlf_bom_and_a_block_list_of_previous_ids_are_kept(repo: Repo) -> None:
    text = rca(2, extra="previous_ids:\n  - RCA-0009  # from the old tracker\n")
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    (repo.root / "rca/0002-outage.md").write_bytes(data)
    renumber(repo.config, "RCA-0002", to=12)
    moved = (repo.root / "rca/0012-outage.md").read_bytes()
    assert moved == data.replace(b"id: RCA-0002\r\n", b"id: RCA-0012\r\n").replace(
        b"  - RCA-0009  # from the old tracker\r\n", b"  - RCA-0009  # from the old tracker\r\n  - RCA-0002\r\n")


def test_renumber_and_the_item_editor_follow_one_line_ending_rule(repo: Repo) -> None:
    # Old Mac line breaks (CR) in the front matter, LF in the body: renumber used to refuse such
    # a file while `improve actions` edited it. One engine (improve.core.write.fmedit) now does both,
    # and a new line takes the ending of the line it follows.
    front_end = OUTAGE.index("---", 3)
    data = (OUTAGE[:front_end].replace("\n", "\r") + OUTAGE[front_end:]).encode()
    (repo.root / "rca/0002-outage.md").write_bytes(data)
    renumber(repo.config, "RCA-0002", to=12)
    moved = (repo.root / "rca/0012-outage.md").read_bytes()
    assert moved == data.replace(b"id: RCA-0002\r", b"id: RCA-0012\rprevious_ids: [RCA-0002]\r")
    from improve.core.write.editor import edit_item

    edit_item(repo.config, "RCA-0012#A1", today=TODAY, status="done")
    edited = (repo.root / "rca/0012-outage.md").read_bytes()
    assert b"status: done, done_on: 2026-03-01}\r" in edited
    assert b"\n" not in edited[: edited.index(b"\r---")]


def test_a_flow_list_of_previous_ids_grows(repo: Repo) -> None:
    repo.write("rca/0002-outage.md", rca(2, extra="previous_ids: [RCA-0007]\n"))
    renumber(repo.config, "RCA-0002")
    assert "previous_ids: [RCA-0007, RCA-0002]\n" in (repo.root / "rca/0008-outage.md").read_text()


def test_to_a_taken_number_is_refused(repo: Repo) -> None:
    with pytest.raises(UsageProblem, match="number 1 is taken"):
        renumber(repo.config, "RCA-0002", to=1)
    assert (repo.root / "rca/0002-outage.md").read_text() == OUTAGE


def test_unknown_and_ambiguous_ids(repo: Repo) -> None:
    with pytest.raises(UnknownIdError, match="no document has id RCA-0042"):
        renumber(repo.config, "RCA-0042")
    repo.write("rca/0002-other.md", rca(2, title="Other"))
    with pytest.raises(UnknownIdError, match="choose the one to move with `--path`"):
        renumber(repo.config, "RCA-0002")
    with pytest.raises(UnknownIdError, match="does not hold RCA-0002"):
        renumber(repo.config, "RCA-0002", path="rca/0001-first.md")


def test_after_a_merge_path_picks_the_file_and_shared_references_are_listed(repo: Repo) -> None:
    repo.write("rca/0002-other.md", rca(2, title="Other"))
    before = (repo.root / "runbooks/0001-restart.md").read_bytes()
    result = renumber(repo.config, "RCA-0002", path="rca/0002-other.md")
    assert result.new_path == "rca/0003-other.md"
    assert not result.git  # an untracked file is renamed without git
    assert (repo.root / "rca/0002-outage.md").read_text() == OUTAGE
    assert (repo.root / "runbooks/0001-restart.md").read_bytes() == before
    assert result.ambiguous == ["retros/0001-sprint-1.md", "runbooks/0001-restart.md"]
    assert not [f for f in lint(repo.config, TODAY, use_cache=False).findings if f.rule == "duplicate-id"]


def test_redirects_come_from_previous_ids(repo: Repo) -> None:
    renumber(repo.config, "RCA-0002")
    assert redirects(Repository(repo.config).documents()) == {"rca/0002-outage.md": "rca/0003-outage.md"}


def test_the_command_reports_what_it_did(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.root)
    result = CliRunner().invoke(cli, ["renumber", "rca-0002", "--dry-run"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "would move rca/0002-outage.md -> rca/0003-outage.md" in result.output
    assert (repo.root / "rca/0002-outage.md").exists()
    result = CliRunner().invoke(cli, ["renumber", "RCA-0002", "--to", "5"], catch_exceptions=False)
    assert "moved rca/0002-outage.md -> rca/0005-outage.md (git mv)" in result.output
    assert "updated references in: docs/index.md, retros/0001-sprint-1.md, runbooks/0001-restart.md" in result.output
