"""`improve init --ci gitlab`: the generated pipeline's jobs run under gitlab-ci-local (npm), which
also validates the file against GitLab's own CI schema, with the shell executor and the improve of
this test run on PATH: a merge request with a broken document fails with its findings in the Code
Quality report, a good one passes, the default branch builds the Pages site, a schedule sends the
digest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "gitlab-ci-local"
VERSION = "4.64.1"  # the last release that runs on Node 20 (later ones need Node 22)
SCHEMA = ROOT / "tests" / "fixtures" / "gitlab" / "codequality.schema.json"


@pytest.fixture(scope="session")
def gitlab_ci_local() -> list[str]:
    program = TOOLS / "node_modules" / ".bin" / "gitlab-ci-local"
    if not program.exists() and shutil.which("npm"):
        from improve.core.fsutil import file_lock

        TOOLS.mkdir(parents=True, exist_ok=True)
        with file_lock(TOOLS / ".install.lock"):
            if not program.exists():
                subprocess.run(["npm", "install", "--prefix", str(TOOLS), "--no-save", "--no-audit",
                                "--no-fund", f"gitlab-ci-local@{VERSION}"],
                               capture_output=True, check=False, stdin=subprocess.DEVNULL)
    missing = [tool for tool in ("node", "rsync") if shutil.which(tool) is None]
    if missing or not program.exists():
        message = ("gitlab-ci-local is not available (needs node, rsync and the npm package "
                   f"`gitlab-ci-local`; missing: {', '.join(missing) or 'the package'})")
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs them")
        pytest.skip(message)
    return [str(program), "--force-shell-executor", "--ignore-predefined-vars",
            "CI_PIPELINE_SOURCE"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          stdin=subprocess.DEVNULL)
    return done.stdout


def improve(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "improve", *args], cwd=cwd, capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL, env=_env())


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["IMPROVE_TODAY"] = "2026-03-02"
    return env


def job(runner: list[str], cwd: Path, name: str, **variables: str) -> subprocess.CompletedProcess[str]:
    args = [*runner, name]
    for key, value in variables.items():
        args += ["--variable", f"{key}={value}"]
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL, env=_env(), timeout=600)


def test_the_generated_gitlab_pipeline_runs(tmp_path: Path, gitlab_ci_local: list[str]) -> None:
    repo = tmp_path / "handbook"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    # The package is installed in this test's environment: the job's install line is satisfied
    # without a download, exactly as a runner with the release installed would see it.
    made = improve(repo, "init", "--ci", "gitlab", "--install-spec", "improve-handbook[site]", ".")
    assert made.returncode == 0, made.stderr
    assert "GitLab: the `pages` job" in made.stdout
    assert not (repo / ".github").exists()
    assert "python -m pip install --quiet 'improve-handbook[site]'" in (
        repo / ".gitlab-ci.yml").read_text(encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Start the handbook")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "remote", "set-head", "origin", "main")

    git(repo, "checkout", "-qb", "sprint-1")
    created = improve(repo, "new", "retro", "Sprint 1")
    assert created.returncode == 0, created.stderr
    path = repo / created.stdout.strip()
    path.write_text(path.read_text(encoding="utf-8").replace("\nteam: ", "\nteam: 12:30\nx: ", 1),
                    encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Sprint 1 retro")
    merge_request = {"CI_PIPELINE_SOURCE": "merge_request_event",
                     "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    failed = job(gitlab_ci_local, repo, "improve-lint", **merge_request)
    assert failed.returncode != 0, failed.stdout
    assert "json schema validated" in failed.stderr  # GitLab's CI schema accepts the file
    report = json.loads((repo / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    import jsonschema

    jsonschema.validate(report, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert {(i["location"]["path"], i["check_name"], i["severity"]) for i in report} >= {
        ("retros/0001-sprint-1.md", "yaml-implicit-type", "major")}
    summary = (repo / "improve-summary.md").read_text(encoding="utf-8")
    assert "RETRO-0001" in summary

    path.write_text(path.read_text(encoding="utf-8").replace("team: 12:30\nx: ", "team: ", 1),
                    encoding="utf-8")
    git(repo, "commit", "-qam", "Fix the team")
    passed = job(gitlab_ci_local, repo, "improve-lint", **merge_request)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    report = json.loads((repo / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert {i["severity"] for i in report} <= {"minor"}

    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "sprint-1")
    pages = job(gitlab_ci_local, repo, "pages", CI_PIPELINE_SOURCE="push")
    assert pages.returncode == 0, pages.stdout + pages.stderr
    assert (repo / "public" / "index.html").is_file()
    assert "Sprint 1" in (repo / "public" / "retros" / "0001-sprint-1" / "index.html").read_text(
        encoding="utf-8")

    digest = job(gitlab_ci_local, repo, "improve-digest", CI_PIPELINE_SOURCE="schedule")
    assert digest.returncode == 0, digest.stdout + digest.stderr
    assert (repo / "improve-digest.md").read_text(encoding="utf-8").startswith("## Handbook digest")


def test_upgrade_keeps_the_ci_the_repository_uses(tmp_path: Path) -> None:
    made = improve(tmp_path, "init", "--ci", "gitlab", ".")
    assert made.returncode == 0, made.stderr
    upgrade = improve(tmp_path, "init", "--upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert upgrade.stdout == "Everything is up to date with this release.\n"
    assert not (tmp_path / ".github").exists()
