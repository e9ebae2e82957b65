"""`duplicate-number`: two files of one kind with one number, whatever their ids say."""

from __future__ import annotations

from rule_cases import RuleCase, doc

CASES = [
    RuleCase("duplicate-number", {"rca/0003-outage.md": doc("rca", 3, id=None),
                                  "rca/0003-postmortem.md": doc("rca", 3, id=None)},
             [("rca/0003-outage.md", 1, 1), ("rca/0003-postmortem.md", 1, 1)],
             name="before-ids-exist", contains="number 0003 is also the number of"),
    # A hand-placed file without front matter still holds its number (issue 13).
    RuleCase("duplicate-number", {"rca/0003-outage.md": doc("rca", 3),
                                  "rca/0003-notes.md": "# Outage notes\n\nno front matter\n"},
             [("rca/0003-notes.md", 1, 1), ("rca/0003-outage.md", 1, 1)],
             name="a-file-without-front-matter", contains="number 0003 is also the number of"),
    RuleCase("duplicate-number", {"decisions/0002-a.md": doc("decision", 2),
                                  "decisions/0002-b.md": doc("decision", 2)}, [],
             name="quiet-when-duplicate-id-says-it"),
    RuleCase("duplicate-number", {"decisions/0002-a.md": doc("decision", 2),
                                  "rca/0002-b.md": doc("rca", 2)}, [],
             name="quiet-across-kinds"),
]
