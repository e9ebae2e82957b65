"""`file-name`: a document's name that would break a line of output or a page address."""

from __future__ import annotations

from rule_cases import RuleCase, doc

NEWLINE = "retros/0001-a\n::error::b.md"
CONTROL = "retros/0002-a\x1b[31mb.md"

CASES = [
    RuleCase("file-name", {NEWLINE: doc("retro", 1)}, [(NEWLINE, 1, 1)], name="a-line-break"),
    RuleCase("file-name", {CONTROL: doc("retro", 2)}, [(CONTROL, 1, 1)], name="an-escape"),
    RuleCase("file-name", {"retros/0003-café-ü.md": doc("retro", 3)}, [],
             name="quiet-on-letters-of-any-language"),
]
