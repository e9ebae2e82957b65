"""One publication policy (issue 11): every output others read withholds the same documents.

One repository holds a public retro and, for every odd `visibility` a team may write (restricted,
Restricted, private, empty, null, a list, a number, `internal` with a space, INTERNAL), a retro
and an RCA whose title, action items, owners, impediments and body carry a marker. No marker may
reach the built site (pages, search index, sitemap), `improve metrics`, `improve digest`,
`improve pr-summary` (in every format), a new retro's carry-over, or a `missing-carry-over`
finding. Real git, the real CLI, a real `mkdocs build`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from sitebuild import build

from improve.cli.main import cli

ODD = ["restricted", "Restricted", "private", "''", "null", "[internal]", "0", "'internal '",
       "INTERNAL", "{internal: true}"]
TODAY = "2026-02-01"
MKDOCS_YML = """site_name: Publication
site_url: https://handbook.example.invalid/
theme:
  name: material
  font: false
plugins:
  - search
  - improve
"""


def _retro(number: int, date: str, visibility: str | None, marker: str) -> str:
    vis = f"visibility: {visibility}\n" if visibility is not None else ""
    return (f"---\nid: RETRO-{number:04d}\ntitle: {marker} retro\ndate: {date}\nteam: payments\n"
            f"{vis}action_items:\n"
            f"  - {{id: A1, title: {marker} item, owner: {marker.lower()}owner, due: 2026-01-20, status: open}}\n"
            f"impediments:\n  - {{description: {marker} impediment, status: open, raised_on: 2026-01-02}}\n"
            f"---\n\n## What went well\n\n{marker} body text.\n")


def _rca(number: int, visibility: str, marker: str) -> str:
    return (f"---\nid: RCA-{number:04d}\ntitle: {marker} incident\ndate: 2026-01-05\n"
            f"visibility: {visibility}\nstatus: published\nseverity: SEV2\nservices: [{marker.lower()}svc]\n"
            f"started_at: 2026-01-05T10:00:00Z\nresolved_at: 2026-01-05T12:00:00Z\n"
            f"action_items:\n  - {{id: A1, title: {marker} fix, owner: {marker.lower()}owner, "
            f"due: 2026-01-20, status: open, type: prevent}}\n---\n\n## Summary\n\n{marker} summary.\n")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("publication") / "handbook"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "Test")
    _git(root, "config", "user.email", "test@example.invalid")
    (root / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Handbook\n", encoding="utf-8")
    (root / "retros").mkdir()
    (root / "rca").mkdir()
    (root / "retros" / "0001-public.md").write_text(_retro(1, "2026-01-02", None, "PUBLIC"),
                                                    encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "public")
    for n, visibility in enumerate(ODD, start=2):
        day = f"2026-01-{n + 1:02d}"
        (root / "retros" / f"{n:04d}-odd.md").write_text(
            _retro(n, day, visibility, f"SECRET{n}"), encoding="utf-8")
        (root / "rca" / f"{n:04d}-odd.md").write_text(_rca(n, visibility, f"SECRET{n}"),
                                                      encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "odd visibilities")
    return root


def _run(repo: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--root", str(repo), "--today", TODAY, *args],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.output


def _assert_no_secret(text: str, where: str) -> None:
    assert "SECRET" not in text.upper(), f"{where} shows a withheld document"


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_metrics_withhold_them(repo: Path, fmt: str) -> None:
    _assert_no_secret(_run(repo, "metrics", "--format", fmt), f"metrics --format {fmt}")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_the_digest_withholds_them(repo: Path, fmt: str) -> None:
    out = _run(repo, "digest", "--format", fmt)
    assert "PUBLIC item" in out  # the public retro's overdue item is there
    _assert_no_secret(out, f"digest --format {fmt}")


@pytest.mark.parametrize("channel", ["email", "slack", "teams", "mattermost"])
def test_the_delivered_digest_withholds_them(repo: Path, channel: str) -> None:
    env = {"IMPROVE_SMTP_HOST": "smtp.example.invalid", "IMPROVE_SMTP_FROM": "d@example.invalid",
           "IMPROVE_SMTP_TO": "t@example.invalid"} | {
        f"IMPROVE_{name.upper()}_WEBHOOK": "https://hooks.example.invalid/x"
        for name in ("slack", "teams", "mattermost")}
    result = CliRunner().invoke(cli, ["--root", str(repo), "--today", TODAY, "digest", "--send",
                                      channel, "--dry-run"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    shown = result.output.replace("=\n", "")  # the e-mail's quoted-printable soft line breaks
    assert "PUBLIC item" in shown
    _assert_no_secret(shown, f"digest --send {channel} --dry-run")


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_the_pr_summary_withholds_them(repo: Path, fmt: str) -> None:
    base = _git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    out = _run(repo, "pr-summary", "--base", base, "--head", "HEAD", "--format", fmt)
    assert "withheld" in out
    _assert_no_secret(out, f"pr-summary --format {fmt}")


def test_the_site_and_its_search_index_withhold_them(repo: Path) -> None:
    result = build(repo, today=TODAY, strict=False)
    assert result.returncode == 0, result.output
    for path in sorted(result.site.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".svg", ".txt", ".ics"):
            _assert_no_secret(path.read_text(encoding="utf-8", errors="replace"), str(path))
    assert "PUBLIC body text" in (result.site / "retros" / "0001-public" / "index.html").read_text(
        encoding="utf-8")
    assert "PUBLIC item" in (result.site / "actions.ics").read_text(encoding="utf-8")


def test_a_new_retro_carries_nothing_of_them(repo: Path, tmp_path: Path) -> None:
    work = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(repo), str(work)], check=True)
    out = _run(work, "new", "retro", "Sprint next", "--field", "team=payments")
    new_file = work / out.strip().splitlines()[-1].split()[-1]
    text = new_file.read_text(encoding="utf-8")
    _assert_no_secret(text, "the new retro")


def test_missing_carry_over_never_asks_for_their_items(repo: Path) -> None:
    out = _run(repo, "lint", "--format", "json")
    findings = json.loads(out)
    asked = [f["message"] for f in findings if f["rule"] == "missing-carry-over"]
    withheld = [f"RETRO-{n:04d}#" for n in range(2, len(ODD) + 2)]
    assert [m for m in asked if m.startswith(tuple(withheld))] == []
    _assert_no_secret("\n".join(asked), "missing-carry-over")


def test_lint_still_reports_the_invalid_values(repo: Path) -> None:
    out = _run(repo, "lint")
    assert "visibility" in out
