"""Fenced code, read once for every scan of a body (issue 12): headings, links and blame words
(tests/unit/check/test_rules_followup.py) agree on what is code, and follow CommonMark (a longer
fence is closed only by one as long)."""

from __future__ import annotations

from improve.core.read.fences import Fences
from improve.core.read.frontmatter import parse
from improve.core.read.links import body_links

# A Markdown example inside a four-backtick fence: its own ``` lines do not close it.
BODY = """## Summary

````markdown
```
## Not a heading
[a link in an example](../runbooks/0009-none.md)
```
## Still not a heading
````

## Impact

See [the runbook](../runbooks/0001-restart.md).
"""


def test_a_longer_fence_is_closed_only_by_one_as_long() -> None:
    fences = Fences()
    lines = ["````", "```", "text in code", "```python", "````", "after", "   ~~~", "~~~ info",
             "~~~", "    ```", "indented four: not a fence"]
    assert [line for line in lines if fences.is_text(line)] == [
        "after", "    ```", "indented four: not a fence"]


def test_headings_and_links_skip_the_same_fenced_code() -> None:
    parsed = parse(f"---\nid: RCA-0001\ntitle: T\n---\n{BODY}".encode())
    assert [text for _line, _level, text in parsed.headings()] == ["Summary", "Impact"]
    links = body_links(BODY, 5, "rca/0001-outage.md")
    assert [link.href for link in links] == ["../runbooks/0001-restart.md"]

