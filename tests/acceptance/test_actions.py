"""`improve actions`: collecting, filtering, ordering and rendering action items; done and set."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from improve.cli.main import cli
from improve.core.errors import UsageProblem

CONFIG = """timezone = "UTC"

[roster]
alice = { names = ["Alice Schmidt"], emails = ["alice@example.org"], team = "payments" }
bob = { names = ["Bob Okafor"], emails = ["bob@example.org"] }
"""

RETRO = """---
id: RETRO-0001
title: Sprint 1
date: 2026-01-10
team: payments
action_items:
  - {id: A1, title: Write the guide, owner: Alice Schmidt, due: 2026-01-20, status: open}
  - {id: A2, title: Pair on reviews, owner: bob, due: 2026-03-01, status: in-progress}
  - {id: A10, title: "Fix the | pipe", owner: "@alice", status: open}
  - {id: A3, title: Old thing, owner: bob, due: 2026-01-05, status: done, done_on: 2026-01-04}
---
body
"""

RCA = """---
id: RCA-0002
title: Outage
date: 2026-01-12
status: draft
severity: SEV2
started_at: 2026-01-12T10:00:00Z
team: platform
services: [checkout, api]
action_items:
  - {id: A1, title: Add alert, owner: bob, due: 2026-01-20, status: open, type: detect}
  - {id: A2, title: "=HYPERLINK(1)", owner: alice, due: 2026-02-10, status: open, type: prevent}
  - {id: A3, title: Dropped idea, owner: alice, due: 2026-02-10, status: dropped, type: repair}
---
body
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.name", "Alice Schmidt"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.email", "alice@example.org"],
                   check=True)
    (tmp_path / ".improve.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "retros").mkdir()
    (tmp_path / "rca").mkdir()
    (tmp_path / "retros/0001-sprint-1.md").write_text(RETRO, encoding="utf-8")
    (tmp_path / "rca/0002-outage.md").write_text(RCA, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IMPROVE_TODAY", "2026-02-01")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, standalone_mode=False)
    code = result.return_value if isinstance(result.return_value, int) else result.exit_code
    return code, result.stdout, result.stderr


def refs(*args: str) -> list[str]:
    code, out, _err = run("actions", "--format", "json", *args)
    assert code == 0
    return [row["ref"] for row in json.loads(out)]


def test_default_lists_open_items_overdue_first_then_due_then_reference(repo: Path) -> None:
    assert refs() == ["RCA-0002#A1", "RETRO-0001#A1", "RCA-0002#A2", "RETRO-0001#A2",
                      "RETRO-0001#A10"]


def test_status_filters(repo: Path) -> None:
    assert refs("--status", "done") == ["RETRO-0001#A3"]
    assert refs("--status", "done", "--status", "dropped") == ["RETRO-0001#A3", "RCA-0002#A3"]
    assert len(refs("--status", "all")) == 7


def test_owner_filters_through_the_roster(repo: Path) -> None:
    mine = ["RETRO-0001#A1", "RCA-0002#A2", "RETRO-0001#A10"]
    assert refs("--owner", "alice") == mine
    assert refs("--owner", "@alice") == mine
    assert refs("--owner", "alice@example.org") == mine
    assert refs("--owner", "me") == mine
    assert refs("--owner", "bob", "--status", "all") == ["RCA-0002#A1", "RETRO-0001#A3",
                                                         "RETRO-0001#A2"]


def test_owner_me_with_a_name_git_stored_in_latin_1(repo: Path) -> None:
    # `git config user.name` keeps whatever bytes it was given.
    subprocess.run([b"git", b"-C", bytes(repo), b"config", b"user.name", b"Ren\xe9e"],
                   check=True)
    subprocess.run(["git", "-C", str(repo), "config", "--unset", "user.email"], check=True)
    assert refs("--owner", "me") == []  # nobody owns an item as "Ren\ufffde": no crash either


def test_kind_type_team_service_overdue_due_before(repo: Path) -> None:
    assert refs("--kind", "rca") == ["RCA-0002#A1", "RCA-0002#A2"]
    assert refs("--kind", "postmortem") == ["RCA-0002#A1", "RCA-0002#A2"]
    assert refs("--type", "prevent") == ["RCA-0002#A2"]
    assert refs("--team", "payments") == ["RETRO-0001#A1", "RETRO-0001#A2", "RETRO-0001#A10"]
    assert refs("--service", "checkout") == ["RCA-0002#A1", "RCA-0002#A2"]
    assert refs("--overdue") == ["RCA-0002#A1", "RETRO-0001#A1"]
    assert refs("--due-before", "2026-02-10") == ["RCA-0002#A1", "RETRO-0001#A1"]


def test_table_format(repo: Path) -> None:
    code, out, _err = run("actions")
    assert code == 0
    assert out.splitlines() == [
        "ref             status       owner          due                   title",
        "RCA-0002#A1     open         bob            2026-01-20 (overdue)  Add alert",
        "RETRO-0001#A1   open         Alice Schmidt  2026-01-20 (overdue)  Write the guide",
        "RCA-0002#A2     open         alice          2026-02-10            =HYPERLINK(1)",
        "RETRO-0001#A2   in-progress  bob            2026-03-01            Pair on reviews",
        "RETRO-0001#A10  open         @alice         -                     Fix the | pipe",
        "5 items, 2 overdue.",
    ]


def test_markdown_escapes_cells(repo: Path) -> None:
    _code, out, _err = run("actions", "--format", "markdown", "--team", "payments")
    assert out.splitlines()[-1] == "| RETRO-0001#A10 | open | @alice | - | Fix the \\| pipe |"
    assert all(line.count(" | ") == 4 for line in out.splitlines()[2:])


def test_csv_has_stable_columns_and_defuses_formulas(repo: Path) -> None:
    _code, out, _err = run("actions", "--format", "csv", "--kind", "rca")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["ref", "document", "item", "kind", "title", "status", "owner", "due",
                       "overdue", "type", "opened_on", "done_on", "team", "services", "link", "path",
                       "reason"]
    assert rows[2][:6] == ["RCA-0002#A2", "RCA-0002", "A2", "rca", "'=HYPERLINK(1)", "open"]
    assert rows[1][8] == "true"
    assert rows[1][13] == "checkout;api"


def test_json_record(repo: Path) -> None:
    _code, out, _err = run("actions", "--format", "json", "--type", "detect")
    assert json.loads(out) == [{
        "ref": "RCA-0002#A1", "document": "RCA-0002", "item": "A1", "kind": "rca",
        "title": "Add alert", "status": "open", "owner": "bob", "due": "2026-01-20",
        "overdue": True, "type": "detect", "opened_on": None, "done_on": None,
        "team": "platform", "services": ["checkout", "api"], "link": None,
        "path": "rca/0002-outage.md", "reason": None,
    }]


def test_empty_result(repo: Path) -> None:
    assert run("actions", "--owner", "nobody") == (0, "No action items match.\n", "")


def test_done_and_set_edit_in_place(repo: Path) -> None:
    code, out, _err = run("actions", "done", "RETRO-0001#A1")
    assert code == 0
    assert out == ("RETRO-0001#A1: status open -> done, done_on 2026-02-01 "
                   "(retros/0001-sprint-1.md)\n")
    text = (repo / "retros/0001-sprint-1.md").read_text(encoding="utf-8")
    assert ("  - {id: A1, title: Write the guide, owner: Alice Schmidt, due: 2026-01-20, "
            "status: done, done_on: 2026-02-01}\n") in text
    code, out, _err = run("actions", "set", "RCA-0002#A1", "--due", "2026-02-15", "--owner",
                          "alice", "--status", "in-progress")
    assert code == 0
    assert out == ("RCA-0002#A1: status open -> in-progress, owner bob -> alice, due 2026-01-20 "
                   "-> 2026-02-15 (rca/0002-outage.md)\n")
    assert refs("--owner", "me")[:2] == ["RCA-0002#A2", "RCA-0002#A1"]
    assert run("actions", "done", "RETRO-0001#A1")[1] == (
        "RETRO-0001#A1: nothing to change (retros/0001-sprint-1.md left as it was).\n")


def test_a_dropped_item_can_carry_a_reason(repo: Path) -> None:
    code, out, _err = run("actions", "set", "RETRO-0001#A2", "--status", "dropped", "--reason",
                          "Reviews moved to the platform team: not ours")
    assert code == 0
    assert out == ("RETRO-0001#A2: status in-progress -> dropped, reason Reviews moved to the "
                   "platform team: not ours (retros/0001-sprint-1.md)\n")
    text = (repo / "retros/0001-sprint-1.md").read_text(encoding="utf-8")
    assert ("  - {id: A2, title: Pair on reviews, owner: bob, due: 2026-03-01, status: dropped, "
            "reason: 'Reviews moved to the platform team: not ours'}\n") in text
    lint_out = run("lint", "retros/0001-sprint-1.md")[1]
    assert "reason" not in lint_out  # the schema knows `reason`
    assert "[schema]" not in lint_out
    _code, out, _err = run("actions", "--status", "dropped", "--kind", "retro")
    assert "Pair on reviews (dropped: Reviews moved to the platform team: not ours)" in out
    [record] = json.loads(run("actions", "--status", "dropped", "--kind", "retro", "--format",
                              "json")[1])
    assert record["reason"] == "Reviews moved to the platform team: not ours"
    # Reopened, the reason goes; a reason without dropping is a usage error.
    assert run("actions", "set", "RETRO-0001#A2", "--status", "open")[0] == 0
    assert "reason" not in (repo / "retros/0001-sprint-1.md").read_text(encoding="utf-8")
    with pytest.raises(UsageProblem, match="use it with --status dropped"):
        run("actions", "set", "RETRO-0001#A1", "--reason", "why not")


def test_errors_exit_2_without_touching_files(repo: Path) -> None:
    import subprocess as sp
    import sys

    before = {p: p.read_bytes() for p in repo.rglob("*.md")}
    for args in (["actions", "done", "RCA-0002#A9"], ["actions", "done", "RCA-0099#A1"],
                 ["actions", "set", "RCA-0002#A1"], ["actions", "set", "RCA-0002#A1", "--due",
                                                     "tomorrow"],
                 ["actions", "--due-before", "soon"]):
        done = sp.run([sys.executable, "-m", "improve", *args], cwd=repo, capture_output=True,
                      text=True, check=False)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("improve: error: "), done.stderr
        assert "Traceback" not in done.stderr
    assert {p: p.read_bytes() for p in repo.rglob("*.md")} == before


def test_shell_completion_offers_item_references(repo: Path) -> None:
    import os
    import sys

    def complete(words: str) -> list[str]:
        env = {**os.environ, "_IMPROVE_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
        done = subprocess.run([str(Path(sys.executable).parent / "improve")], cwd=repo, env=env,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line]

    # `done` offers the open items; `set` every item; case does not matter.
    assert complete("improve actions done RETRO") == ["RETRO-0001#A1", "RETRO-0001#A2",
                                                      "RETRO-0001#A10"]
    assert complete("improve actions set rca-0002#a") == ["RCA-0002#A1", "RCA-0002#A2",
                                                          "RCA-0002#A3"]
    assert complete("improve actions done RCA-0002#A3") == []  # dropped: nothing to finish
