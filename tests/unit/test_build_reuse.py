"""What the handbook's build reuses instead of redoing: lint over documents already read,
history over current versions already parsed, each retro's next one found in one pass. Every
shortcut gives what the long way gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from gitrepo import Repo, decision, rca, retro, runbook
from hypothesis import given
from hypothesis import strategies as st

from improve.core.check.lint import lint
from improve.core.git.history import load_history
from improve.core.numbers.metrics import _next_of_team
from improve.core.read.document import Document
from improve.core.read.frontmatter import parse
from improve.core.read.repository import Repository

TODAY = dt.date(2026, 3, 1)


def _handbook(root: Path) -> Repo:
    repo = Repo(root)
    repo.write("runbooks/0001-a.md", runbook(1))
    repo.write("decisions/0001-a.md", decision(1, extra="related: [ADR-0009]\n"))
    repo.write("rca/0001-a.md", rca(1, extra="runbooks: [RB-0001, RB-0404]\n"))
    repo.write("rca/0002-b.md", rca(1, title="Same id twice"))  # duplicate id, wrong number
    repo.write("retros/0001-a.md", retro(1, items="[{id: A1, title: x, owner: alice, "
                                                  "due: 2026-02-10, status: open}]"))
    repo.write("retros/0002-b.md", "---\ntitle: [unclosed\n---\nbody\n")  # unreadable YAML
    repo.write("retros/0003-c.md", "no front matter at all\n")
    repo.commit()
    return repo


def test_lint_of_documents_already_read_equals_a_full_lint(tmp_path: Path) -> None:
    repo = _handbook(tmp_path)
    full = lint(repo.config, TODAY, use_cache=False)
    assert {f.rule for f in full.findings} >= {"duplicate-id", "dangling-reference"}
    documents = Repository(repo.config).documents()
    assert lint(repo.config, TODAY, use_cache=False, documents=documents) == full
    # A document the caller did not read is read as usual.
    assert lint(repo.config, TODAY, use_cache=False, documents=documents[1:]) == full


def test_history_with_current_versions_known_equals_history_without(tmp_path: Path) -> None:
    repo = _handbook(tmp_path)
    item = "[{{id: A1, title: x, owner: alice, due: 2026-02-10, status: {}}}]"
    repo.write("retros/0001-a.md", retro(1, items=item.format("done")))
    repo.commit("done")
    # The current version differs from the committed one only by CRLF and a BOM.
    text = retro(1, items=item.format("done")).replace("\n", "\r\n")
    (tmp_path / "retros/0001-a.md").write_bytes(b"\xef\xbb\xbf" + text.encode())
    documents = Repository(repo.config).documents()
    known = {d.parsed.text: d.parsed for d in documents if d.parsed.text}
    assert load_history(repo.config, known=known) == load_history(repo.config)


def test_a_known_text_is_what_history_would_have_parsed(tmp_path: Path) -> None:
    repo = _handbook(tmp_path)
    decoy = parse(retro(1, items="[]").encode())  # another text: must not be used
    assert decoy.text
    history = load_history(repo.config, known={decoy.text: decoy})
    assert history == load_history(repo.config)
    assert "RETRO-0001#A1" in history.items


def _naive(retros: list[Any]) -> list[Any]:
    return [next((r for r in retros[i + 1:] if r.meta.get("team") == retros[i].meta.get("team")),
                 None) for i in range(len(retros))]


teams = st.one_of(st.none(), st.sampled_from(["a", "b", 1, 1.0, True]),
                  st.lists(st.sampled_from(["a", "b"]), max_size=2),
                  st.dictionaries(st.sampled_from(["x"]), st.integers(0, 1), max_size=1))


@given(st.lists(teams, max_size=12))
def test_next_retro_of_the_team_in_one_pass(values: list[Any]) -> None:
    retros = [SimpleNamespace(meta={"team": v} if v is not None else {}) for v in values]
    assert _next_of_team(cast(list[Document], retros)) == _naive(retros)
