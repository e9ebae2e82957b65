"""Inputs that crashed or hung improve (issue 11, "Medium"): each is a finding or a clear error.

Real files, real git, the installed `improve`, a real `mkdocs build`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sitebuild import build

IMPROVE = Path(sys.executable).parent / "improve"
TODAY = "2026-02-01"
MKDOCS_YML = "site_name: Hardening\ntheme:\n  name: material\n  font: false\nplugins:\n  - search\n  - improve\n"

HUGE = {
    "hex": "0x" + "f" * 5000,
    "sexagesimal": ":".join(["59"] * 3000),
    "decimal": "9" * 5000,
}


def improve(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, IMPROVE_TODAY=TODAY)
    return subprocess.run([str(IMPROVE), *args], cwd=root, capture_output=True, text=True,
                          env=env, check=False, timeout=120)


def repo(path: Path) -> Path:
    path.mkdir(parents=True)
    for args in (["init", "-q", "-b", "main"], ["config", "user.name", "T"],
                 ["config", "user.email", "t@example.invalid"]):
        subprocess.run(["git", "-C", str(path), *args], check=True)
    (path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    (path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (path / "docs").mkdir()
    (path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    return path


def commit(root: Path, message: str) -> None:
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True)


def assert_no_crash(result: subprocess.CompletedProcess[str], *codes: int) -> None:
    assert result.returncode in codes, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("kind", sorted(HUGE))
def test_numbers_python_cannot_print_are_findings_everywhere(tmp_path: Path, kind: str) -> None:
    root = repo(tmp_path / "repo")
    commit_base = root / "docs" / "index.md"
    commit(root, "base")
    huge = HUGE[kind]
    (root / "retros").mkdir()
    (root / "retros" / "0001-a.md").write_text(
        f"---\nid: RETRO-0001\ntitle: A\ndate: 2026-01-05\nteam: t\nsprint: {huge}\n"
        f"health: {{team: {huge}, pace: 3}}\naction_items:\n"
        f"  - {{id: A{'9' * 4400}, title: x, status: open}}\n---\n\n## What went well\n\nx\n",
        encoding="utf-8")
    (root / "rca").mkdir()
    (root / "rca" / "0001-b.md").write_text(
        f"---\nid: RCA-{'0' * 4400}1\ntitle: B\ndate: 2026-01-05\nstatus: draft\nseverity: SEV3\n"
        f"started_at: 2026-01-05T10:00:00Z\nrelated: [RCA-{'9' * 5000}]\n---\n\n## Summary\n\nx\n",
        encoding="utf-8")
    commit(root, "huge numbers")
    lint = improve(root, "lint")
    assert_no_crash(lint, 1)
    assert "retros/0001-a.md" in lint.stdout
    assert "rca/0001-b.md" in lint.stdout
    assert commit_base.exists()
    base = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD~1"], check=True,
                          capture_output=True, text=True).stdout.strip()
    for fmt in ("markdown", "json"):
        assert_no_crash(improve(root, "pr-summary", "--base", base, "--format", fmt), 0, 1)
    for command in (["metrics"], ["metrics", "--format", "json"], ["digest"], ["actions"]):
        assert_no_crash(improve(root, *command), 0, 1)
    site = build(root, today=TODAY, strict=False)
    assert site.returncode == 0, site.output
    assert "Traceback" not in site.output
