"""A real git repository in a temporary folder, and minimal valid documents of each kind."""

from __future__ import annotations

import subprocess
from pathlib import Path

from improve.core.read.config import Config, load_config


class Repo:
    """A real git repository in a temporary folder, with documents written by hand."""

    def __init__(self, root: Path, config: str = 'timezone = "UTC"\n') -> None:
        self.root = root
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Test")
        self.git("config", "user.email", "test@example.invalid")
        self.write(".improve.toml", config)

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.root), *args], check=True,
                              capture_output=True, text=True).stdout

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    @property
    def config(self) -> Config:
        return load_config(self.root)


def runbook(number: int, *, covers: str = "[]", extra: str = "") -> str:
    return (f"---\nid: RB-{number:04d}\ntitle: Runbook {number}\ndate: 2026-01-01\nowners: [alice]\n"
            f"service: payments\nlast_reviewed: 2026-02-01\ncovers: {covers}\n{extra}---\n\n"
            "## Overview\n\nx\n\n## Prerequisites\n\nx\n\n## Steps\n\nx\n\n## Verification\n\nx\n\n"
            "## Rollback\n\nx\n\n## Escalation\n\nx\n")


def decision(number: int, *, extra: str = "", status: str = "accepted") -> str:
    return (f"---\nid: ADR-{number:04d}\ntitle: Decision {number}\ndate: 2026-01-01\nstatus: {status}\n"
            f"decision-makers: [alice]\n{extra}---\n\n## Context and problem statement\n\nx\n\n"
            "## Considered options\n\nx\n\n## Decision outcome\n\nx\n\n## Consequences\n\nx\n")


def rca(number: int, *, extra: str = "", title: str = "Outage") -> str:
    return (f"---\nid: RCA-{number:04d}\ntitle: {title}\ndate: 2026-01-01\nstatus: draft\nseverity: SEV3\n"
            f"started_at: 2026-01-01T10:00:00Z\n{extra}---\n\n## Summary\n\nx\n\n## Impact\n\nx\n\n"
            "## Root cause analysis\n\nx\n\n## What went well\n\nx\n\n## What went wrong\n\nx\n\n"
            "## Lessons learned\n\nx\n")


def retro(number: int, *, items: str = "[]", extra: str = "", title: str | None = None) -> str:
    return (f"---\nid: RETRO-{number:04d}\ntitle: {title or f'Sprint {number}'}\ndate: 2026-02-0{number}\n"
            f"authors: [alice]\nteam: payments\nformat: start-stop-continue\naction_items: {items}\n"
            f"{extra}---\n\n## What went well\n\nx\n\n## What to improve\n\nx\n\n"
            "## Review of previous action items\n\nx\n")
