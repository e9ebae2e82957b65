"""Dates from git history: renumbered documents, merged branches, repositories without history."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from improve.core.git.history import load_history
from improve.core.read.config import load_config

RETRO = ("---\nid: {id}\ntitle: S\ndate: 2026-01-05\nteam: t\n{extra}action_items:\n"
         "  - {{id: A1, title: One, owner: a, due: 2026-02-01, status: {status}}}\n---\nx\n")


def _git(root: Path, *args: str, date: str = "2026-01-05T12:00:00+00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x",
           "GIT_COMMITTER_NAME": "C", "GIT_COMMITTER_EMAIL": "c@x",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": "2031-01-01T00:00:00+00:00"}
    subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    _git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def test_a_renumbered_document_keeps_its_items_dates(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _write(root, "retros/0001-s.md", RETRO.format(id="RETRO-0001", extra="", status="open"))
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "add", date="2026-01-05T12:00:00+00:00")
    _git(root, "mv", "retros/0001-s.md", "retros/0002-s.md")
    _write(root, "retros/0002-s.md", RETRO.format(id="RETRO-0002",
                                                  extra="previous_ids: [RETRO-0001]\n",
                                                  status="open"))
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "renumber", date="2026-01-10T12:00:00+00:00")
    _write(root, "retros/0002-s.md", RETRO.format(id="RETRO-0002",
                                                  extra="previous_ids: [RETRO-0001]\n",
                                                  status="done"))
    _git(root, "commit", "-qam", "done", date="2026-01-20T12:00:00+00:00")
    history = load_history(load_config(root))
    assert list(history.items) == ["RETRO-0002#A1"]
    item = history.items["RETRO-0002#A1"]
    assert (item.opened, item.done, item.with_document) == (
        dt.date(2026, 1, 5), dt.date(2026, 1, 20), True)
    assert history.created["RETRO-0002"] == dt.date(2026, 1, 5)
    assert history.created["retros/0002-s.md"] == dt.date(2026, 1, 5)  # followed through the rename


def test_a_merged_branch_counts_from_the_merge(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _write(root, "retros/0001-s.md", RETRO.format(id="RETRO-0001", extra="", status="open"))
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "add", date="2026-01-05T12:00:00+00:00")
    _git(root, "checkout", "-q", "-b", "topic")
    _write(root, "retros/0001-s.md", RETRO.format(id="RETRO-0001", extra="", status="done"))
    _git(root, "commit", "-qam", "done on a branch", date="2026-01-07T12:00:00+00:00")
    _git(root, "checkout", "-q", "main")
    _write(root, "rca/0001-x.md", "---\nid: RCA-0001\ntitle: X\n---\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "unrelated", date="2026-01-08T12:00:00+00:00")
    _git(root, "merge", "-q", "--no-ff", "topic", "-m", "merge", date="2026-01-12T12:00:00+00:00")
    history = load_history(load_config(root))
    assert history.items["RETRO-0001#A1"].done == dt.date(2026, 1, 12)
    assert history.items["RETRO-0001#A1"].spans == [(dt.date(2026, 1, 5), dt.date(2026, 1, 12))]
    assert history.commits == 3


def test_no_repository_and_no_commits(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    history = load_history(load_config(plain))
    assert not history.available
    assert history.note == "not a git repository: dates come from the documents only"
    (tmp_path / "empty").mkdir()
    empty = _repo(tmp_path / "empty")
    history = load_history(load_config(empty))
    assert not history.available
    assert history.note == "no commits yet: dates come from the documents only"


def test_a_subfolder_config_reads_paths_relative_to_it(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q", "-b", "main")
    root = tmp_path / "handbook"
    (root).mkdir()
    (root / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    _write(root, "retros/0001-s.md", RETRO.format(id="RETRO-0001", extra="", status="open"))
    _write(tmp_path, "retros/0009-outside.md", RETRO.format(id="RETRO-0009", extra="",
                                                             status="open"))
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "add", date="2026-01-06T12:00:00+00:00")
    history = load_history(load_config(root))
    assert list(history.items) == ["RETRO-0001#A1"]
    assert history.created["retros/0001-s.md"] == dt.date(2026, 1, 6)
