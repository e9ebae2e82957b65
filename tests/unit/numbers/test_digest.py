"""`improve digest`: overdue and due-soon items and stale runbooks, restricted documents left out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gitrepo import Repo, retro, runbook

from improve.core.numbers.digest import digest, render_markdown, render_text

TODAY = dt.date(2026, 3, 1)


def test_digest_lists_what_needs_attention(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    repo.write("retros/0001-sprint-1.md", retro(1, items=(
        "\n- {id: A1, title: Late | *really* <b>, owner: alice, due: 2026-02-20, status: open}"
        "\n- {id: A2, title: Soon, owner: bob, due: 2026-03-10, status: in-progress}"
        "\n- {id: A3, title: Later, owner: bob, due: 2026-05-01, status: open}"
        "\n- {id: A4, title: Done late, owner: bob, due: 2026-02-01, status: done, done_on: 2026-02-02}")))
    repo.write("retros/0002-secret.md", retro(2, items=(
        "\n- {id: A1, title: Secret, owner: eve, due: 2026-01-01, status: open}"), extra="visibility: restricted\n"))
    repo.write("runbooks/0001-old.md", runbook(1).replace("last_reviewed: 2026-02-01", "last_reviewed: 2025-10-01"))
    repo.write("runbooks/0002-fresh.md", runbook(2))
    result = digest(repo.config, TODAY)
    assert [i.ref for i in result.overdue] == ["RETRO-0001#A1"]
    assert [i.ref for i in result.due_soon] == ["RETRO-0001#A2"]
    assert [(s.id, s.review_due) for s in result.stale_runbooks] == [("RB-0001", "2025-12-30")]
    assert result.withheld == 1
    markdown = render_markdown(result)
    assert "Secret" not in markdown
    assert "<b>" not in markdown
    assert "Late &#124; &#42;really&#42; &#60;b&#62;" in markdown
    assert "### Overdue action items (1)" in markdown
    assert json.dumps(result.to_json())  # plain data
    assert [i.ref for i in digest(repo.config, TODAY, soon_days=90).due_soon] == ["RETRO-0001#A2", "RETRO-0001#A3"]
    # In a terminal: a section per owner (what each person is asked to do), references as
    # text, counted words agreeing with their numbers.
    text = render_text(result, repo.config)
    assert text.splitlines()[:2] == ["Handbook digest for 2026-03-01",
                                     "1 overdue, 1 due within 14 days, 1 runbook to review"]
    assert "alice:\n  - Overdue: RETRO-0001#A1 Late | *really* <b> (due 2026-02-20)" in text
    assert "bob:\n  - Due soon: RETRO-0001#A2 Soon (due 2026-03-10)" in text
    assert text.index("alice:") < text.index("bob:")
    assert "Secret" not in text
    empty = render_text(digest(repo.config, dt.date(2025, 1, 1)), repo.config)
    assert empty.endswith("Nothing overdue, nothing due soon, every runbook reviewed.\n")
