"""`broken-link`: relative links and images in bodies lead to files in the repository."""

from __future__ import annotations

from rule_cases import RuleCase, doc

_BODY = """
## Summary

See [the runbook](../runbooks/0001-restart.md), [gone](../runbooks/0002-gone.md "old"),
![chart](img/chart.png) and ![missing](img/none.png).

```text
[not a link](nowhere.md)
```

Also `[code](nowhere.md)`, [web](https://example.org/x.md), [anchor](#impact), [out](../../x.md).

[ref]: <../decisions/0009-none.md>
"""

CASES = [
    RuleCase("broken-link", {
        "rca/0001-x.md": doc("rca", 1, body=_BODY),
        "runbooks/0001-restart.md": doc("runbook", 1),
        "rca/img/chart.png": b"\x89PNG\r\n",
    }, [("rca/0001-x.md", 12, 56), ("rca/0001-x.md", 13, 40), ("rca/0001-x.md", 19, 86),
        ("rca/0001-x.md", 21, 9)], name="fires"),
    RuleCase("broken-link", {
        "decisions/0002-new.md": doc("decision", 2, previous_ids="[ADR-0001]",
                                     body="\n## Context\n\n[old](0001-new.md)\n"),
    }, [("decisions/0002-new.md", 12, 7)], name="points-at-the-renumbered-document",
        contains="ADR-0001 was renumbered: link to decisions/0002-new.md"),
    RuleCase("broken-link", {"retros/0001-a.md": doc("retro", 1, body="\n[x](0002-b.md)\n"),
                             "retros/0002-b.md": doc("retro", 2)}, [], name="quiet"),
]
