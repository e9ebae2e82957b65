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


def _odd_folder(root: Path) -> None:
    rca = root / "rca"
    rca.mkdir()
    os.symlink("0003-b.md", rca / "0002-a.md")  # a loop: a -> b -> a
    os.symlink("0002-a.md", rca / "0003-b.md")
    doc = b"---\nid: RCA-0004\ntitle: X\n---\nx\n"
    (rca / os.fsdecode(b"0004-\xff\xfe.md")).write_bytes(doc)
    (rca / "0005-x\n::error file=a::pwned\n::stop-commands::tok.md").write_bytes(
        doc.replace(b"0004", b"0005"))
    commit(root, "odd names")
    # A submodule (gitlink) whose name looks like a document.
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "-C", str(root), "update-index", "--add", "--cacheinfo",
                    f"160000,{head},rca/0009-sub.md"], check=True)
    (rca / "0009-sub.md").mkdir()
    commit(root, "a gitlink")


def _no_forged_command(output: str) -> None:
    for line in output.splitlines():
        assert not line.startswith(("::error file=a", "::stop-commands", "::pwned")), line
        assert "pwned" not in line or not line.lstrip().startswith("::error file=a"), line


def test_odd_files_in_a_kind_folder_are_findings_and_forge_no_log_line(tmp_path: Path) -> None:
    root = repo(tmp_path / "repo")
    _odd_folder(root)
    text = improve(root, "lint")
    assert_no_crash(text, 1)
    for word in ("rca/0002-a.md", "rca/0003-b.md", "[file-name]", "[unreadable-file]",
                 "rca/0009-sub.md"):
        assert word in text.stdout, (word, text.stdout)
    _no_forged_command(text.stdout + text.stderr)
    github = improve(root, "lint", "--format", "github")
    assert_no_crash(github, 1)
    _no_forged_command(github.stdout + github.stderr)
    site = build(root, today=TODAY, strict=False)
    assert site.returncode == 0, site.output
    assert "Traceback" not in site.output
    _no_forged_command(site.output)
    assert not [line for line in site.output.splitlines() if line.startswith("::")]
