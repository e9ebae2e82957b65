"""`not-a-document`: Markdown in a kind's folder that improve would otherwise skip in silence."""

from __future__ import annotations

from rule_cases import RuleCase, doc

CASES = [
    RuleCase("not-a-document", {"retros/sprint-12-notes.md": doc("retro", 1)},
             [("retros/sprint-12-notes.md", 1, 1)], name="no-number"),
    RuleCase("not-a-document", {"rca/2018-01-18-reddit-hug.md": doc("rca", 1)},
             [("rca/2018-01-18-reddit-hug.md", 1, 1)], name="a-date-is-not-a-number",
             contains="starts with a date"),
    RuleCase("not-a-document", {"rca/20180118-outage.md": doc("rca", 1)},
             [("rca/20180118-outage.md", 1, 1)], name="a-compact-date"),
    RuleCase("not-a-document", {"retros/README.md": "# Retros\n", "retros/index.md": "# x\n",
                                "retros/0001-s.md": doc("retro", 1), "notes/x.md": "x\n"}, [],
             name="quiet-on-readme-index-documents-and-other-folders"),
    RuleCase("not-a-document", {"retros/draft.md": "x\n"}, [], config='exclude = ["retros/draft.md"]\n',
             name="quiet-when-excluded"),
]
