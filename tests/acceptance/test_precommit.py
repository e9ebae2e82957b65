"""The published pre-commit hook, for real: `pre-commit try-repo` against this checkout blocks a
broken retro (exit code, the finding's `path:line` in its output) and passes a good one, and a
real `git commit` through `pre-commit install` with `repo:`/`rev:` is blocked (no commit made).

pre-commit builds the hook's virtual environment from the checkout (about 8 to 20 s each time:
try-repo snapshots uncommitted changes into a new revision); PRE_COMMIT_HOME is shared by the
tests of this module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from valid_docs import RETRO_WITH_AN_ITEM

CHECKOUT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
TODAY = "2026-03-02"

pytestmark = pytest.mark.slow

GOOD = RETRO_WITH_AN_ITEM
BROKEN = GOOD.replace("due: 2026-04-01", "due: 2026-02-30").replace("team: payments\n", "")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def env(pre_commit_home: Path, tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    clean.pop("IMPROVE_DEBUG", None)
    clean.update(PRE_COMMIT_HOME=str(pre_commit_home), IMPROVE_TODAY=TODAY,
                 GIT_CONFIG_GLOBAL=str(tmp_path / "gitconfig"), GIT_CONFIG_NOSYSTEM="1")
    return clean


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=600)


def git(repo: Path, env: dict[str, str], *args: str) -> str:
    result = run(["git", *args], repo, env)
    assert result.returncode == 0, result
    return result.stdout


@pytest.fixture
def repo(tmp_path: Path, env: dict[str, str]) -> Path:
    root = tmp_path / "consumer"
    root.mkdir()
    git(root, env, "init", "-q", "-b", "main")
    git(root, env, "config", "user.name", "Alice Example")
    git(root, env, "config", "user.email", "alice@example.invalid")
    git(root, env, "config", "commit.gpgsign", "false")
    (root / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    (root / "retros").mkdir()
    return root


def try_repo(repo: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    return run([str(PRE_COMMIT), "try-repo", str(CHECKOUT), "improve-lint", "--files", *files],
               repo, env)


def test_try_repo_blocks_a_broken_retro(repo: Path, env: dict[str, str]) -> None:
    (repo / "retros" / "0001-sprint-1.md").write_text(BROKEN, encoding="utf-8")
    git(repo, env, "add", "-A")
    result = try_repo(repo, env, "retros/0001-sprint-1.md")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "improve lint" in output
    assert "Failed" in output
    assert "retros/0001-sprint-1.md:1:1: error: missing required field `team`" in output
    assert "retros/0001-sprint-1.md:9:10: error:" in output  # the impossible due date
    assert "Traceback" not in output


def test_try_repo_passes_a_good_retro(repo: Path, env: dict[str, str]) -> None:
    (repo / "retros" / "0001-sprint-1.md").write_text(GOOD, encoding="utf-8")
    git(repo, env, "add", "-A")
    result = try_repo(repo, env, "retros/0001-sprint-1.md")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Passed" in output


def test_a_real_commit_of_a_broken_retro_is_blocked(repo: Path, env: dict[str, str]) -> None:
    head = git(CHECKOUT, env, "rev-parse", "HEAD").strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {CHECKOUT}\n    rev: {head}\n    hooks:\n      - id: improve-lint\n",
        encoding="utf-8")
    (repo / "retros" / "0001-sprint-1.md").write_text(GOOD, encoding="utf-8")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "--no-verify", "-m", "a good start")
    first = git(repo, env, "rev-parse", "HEAD").strip()
    installed = run([str(PRE_COMMIT), "install"], repo, env)
    assert installed.returncode == 0, installed

    (repo / "retros" / "0002-sprint-2.md").write_text(
        BROKEN.replace("RETRO-0001", "RETRO-0002"), encoding="utf-8")
    git(repo, env, "add", "retros/0002-sprint-2.md")
    blocked = run(["git", "commit", "-m", "a broken retro"], repo, env)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "retros/0002-sprint-2.md:1:1: error: missing required field `team`" in output
    assert "retros/0002-sprint-2.md:9:10:" in output
    assert git(repo, env, "rev-parse", "HEAD").strip() == first  # no commit made
    assert git(repo, env, "rev-list", "--count", "HEAD").strip() == "1"

    # Fixed, the same commit goes through the same hook.
    (repo / "retros" / "0002-sprint-2.md").write_text(GOOD.replace("RETRO-0001", "RETRO-0002"),
                                                      encoding="utf-8")
    git(repo, env, "add", "retros/0002-sprint-2.md")
    passed = run(["git", "commit", "-m", "a good retro"], repo, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "improve lint" in passed.stdout + passed.stderr
    assert git(repo, env, "rev-list", "--count", "HEAD").strip() == "2"


def test_the_hook_sees_the_whole_repository(repo: Path, env: dict[str, str]) -> None:
    # Only the new file is passed, but its duplicate id is found against the committed one.
    (repo / "retros" / "0001-sprint-1.md").write_text(GOOD, encoding="utf-8")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "--no-verify", "-m", "first")
    (repo / "retros" / "0001-sprint-1-again.md").write_text(GOOD, encoding="utf-8")
    git(repo, env, "add", "-A")
    result = try_repo(repo, env, "retros/0001-sprint-1-again.md")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "retros/0001-sprint-1-again.md:2:5: error: id RETRO-0001 is also used by" in output
