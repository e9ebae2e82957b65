"""The README's adoption flow from a wheel built from this checkout (issue 16): the wheel holds the
schemas, templates, scaffolding and site assets; the install line `improve init` writes into the
generated workflow installs it into a clean virtual environment (no network beyond the package
index); from there `improve init`, `pre-commit install`, a first commit, a broken commit blocked
and a good one passing."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from valid_docs import RETRO_WITH_AN_ITEM

CHECKOUT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"

pytestmark = pytest.mark.slow

RETRO = RETRO_WITH_AN_ITEM


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=900, stdin=subprocess.DEVNULL)


def test_python_m_build_makes_an_sdist_and_a_wheel_that_twine_accepts(tmp_path: Path) -> None:
    """Issue 16: what a release uploads, built the standard way and checked by twine; the sdist
    carries the licence, the schemas and the tests' fixtures need not be in it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    dist = tmp_path / "dist"
    built = run([sys.executable, "-m", "build", "--outdir", str(dist), str(CHECKOUT)], tmp_path,
                env)
    assert built.returncode == 0, built.stderr[-3000:]
    [sdist] = dist.glob("improve_handbook-*.tar.gz")
    [wheel] = dist.glob("improve_handbook-*.whl")
    checked = run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
                  tmp_path, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2
    import tarfile

    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert any(n.endswith("/LICENSE") for n in names)
    assert any(n.endswith("improve/core/schemas/rca.schema.json") for n in names)
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist()
                                     if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in metadata


def test_the_adoption_flow_from_a_built_wheel(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT",
                                                                     "VIRTUAL_ENV"))}
    env.update(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), IMPROVE_TODAY="2026-03-02",
               GIT_CONFIG_GLOBAL=str(tmp_path / "gitconfig"), GIT_CONFIG_NOSYSTEM="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    dist = tmp_path / "dist"
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist),
                 str(CHECKOUT)], tmp_path, env)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = dist.glob("improve_handbook-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("improve/core/schemas/rca.schema.json", "improve/core/schemas/config.schema.json",
                   "improve/core/templates/decision.md.j2",
                   "improve/core/write/scaffolding/files/gitlab-ci.yml",
                   "improve/core/write/scaffolding/files/workflow.yml",
                   "improve/core/write/scaffolding/files/catalog-info.yaml",
                   "improve/handbook/assets/handbook.css", "improve/handbook/assets/tables.js",
                   "improve/handbook/assets/vendor/mermaid.min.js",
                   "improve/handbook/assets/vendor/mermaid.LICENSE", "improve/py.typed"):
        assert needed in names, needed

    # `improve init` names this wheel as what CI installs; that very line installs it here.
    repo = tmp_path / "team"
    repo.mkdir()
    head = subprocess.run(["git", "-C", str(CHECKOUT), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    init = run([sys.executable, "-m", "improve", "init", "--git", "--hook-repo", str(CHECKOUT),
                "--rev", head, "--install-spec", f"{wheel}[site]", "."], repo, env)
    assert init.returncode == 0, init.stderr
    workflow = (repo / ".github" / "workflows" / "improve.yml").read_text(encoding="utf-8")
    [install] = set(re.findall(r"run: (python -m pip install .*)$", workflow, re.M))  # every job
    assert str(wheel) in install
    venv = tmp_path / "venv"
    made = run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    assert made.returncode == 0, made.stderr
    installed = run(["bash", "-c", f". {shlex.quote(str(venv / 'bin' / 'activate'))} && {install}"],
                    repo, env)
    assert installed.returncode == 0, installed.stderr[-3000:]
    improve = venv / "bin" / "improve"
    assert run([str(improve), "--version"], repo, env).returncode == 0
    assert (venv / "bin" / "mkdocs").exists()  # the `site` extra came along

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return run(["git", *args], repo, env)

    git("config", "user.name", "Alice Example")
    git("config", "user.email", "alice@example.invalid")
    git("config", "commit.gpgsign", "false")
    hooked = run([str(PRE_COMMIT), "install"], repo, env)
    assert hooked.returncode == 0, hooked.stderr
    git("add", "-A")
    first = git("commit", "-q", "-m", "Start our handbook")
    assert first.returncode == 0, first.stdout + first.stderr

    (repo / "retros" / "0001-sprint-1.md").write_text(
        RETRO.replace("due: 2026-04-01", "due: 2026-02-30"), encoding="utf-8")
    git("add", "-A")
    blocked = git("commit", "-q", "-m", "Sprint 1 retro")
    assert blocked.returncode != 0
    assert "retros/0001-sprint-1.md:10:10: error:" in blocked.stdout + blocked.stderr
    assert "February 2026 has 28 days" in blocked.stdout + blocked.stderr

    (repo / "retros" / "0001-sprint-1.md").write_text(RETRO, encoding="utf-8")
    git("add", "-A")
    passed = git("commit", "-q", "-m", "Sprint 1 retro")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    lint = run([str(improve), "lint"], repo, env)
    assert lint.returncode == 0, lint.stdout + lint.stderr
