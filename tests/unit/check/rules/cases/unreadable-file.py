"""`unreadable-file`: what sits in a kind's folder under a document's name but cannot be read."""

from __future__ import annotations

import os
from typing import Any

from rule_cases import RuleCase, doc

R1 = "retros/0001-sprint.md"


def _loop(handbook: Any) -> None:
    (handbook.root / "retros").mkdir(exist_ok=True)
    os.symlink("0002-other.md", handbook.root / R1)
    os.symlink("0001-sprint.md", handbook.root / "retros" / "0002-other.md")


def _dangling(handbook: Any) -> None:
    (handbook.root / "retros").mkdir(exist_ok=True)
    os.symlink("0009-missing.md", handbook.root / R1)


CASES = [
    RuleCase("unreadable-file", {}, [(R1, 1, 1), ("retros/0002-other.md", 1, 1)], prepare=_loop,
             name="a-symlink-loop", contains="leads nowhere"),
    RuleCase("unreadable-file", {}, [(R1, 1, 1)], prepare=_dangling, name="a-dangling-link"),
    RuleCase("unreadable-file", {R1: doc("retro")}, [], name="quiet-on-a-document"),
]
