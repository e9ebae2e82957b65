"""Property tests: the whole per-document analysis and `lint` on a repository never raise, and
every finding has a path, a line within its file and a registered rule (issue 7)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docgen import TODAY, any_document, check_findings, check_problems
from hypothesis import given, settings
from hypothesis import strategies as st

from improve.core.check.analyze import check_document
from improve.core.check.lint import lint
from improve.core.check.rules import Context
from improve.core.read.config import Config
from improve.core.read.document import Document
from improve.core.read.frontmatter import ParsedFile, parse
from improve.model.kinds import KINDS

# A roster, so the people checks run too; the cache is on, as in real runs.
CONFIG_TOML = """\
[tool.improve]
timezone = "Europe/Berlin"

[tool.improve.roster]
alice = { names = ["Alice Schmidt"], emails = ["alice@example.org"] }
bob = { names = ["Bob Okafor"] }
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzzed-repo")
    (root / "pyproject.toml").write_text(CONFIG_TOML, encoding="utf-8")
    return root


def _clear(root: Path) -> None:
    for kind in KINDS.values():
        shutil.rmtree(root / kind.folder, ignore_errors=True)


@given(any_document(), st.integers(1, 12))
def test_check_document(case: tuple[str, bytes], number: int) -> None:
    kind_name, raw = case
    kind = KINDS[kind_name]
    parsed = parse(raw)
    check_problems(parsed)
    path = f"{kind.folder}/{number:04d}-fuzzed.md"
    doc = Document(path=path, kind=kind, number=number, parsed=parsed)
    ctx = Context(config=Config(root=Path("/nonexistent")), today=TODAY)
    check_findings(check_document(doc, ctx), {path: parsed})


@settings(max_examples=max(10, settings.default.max_examples // 3))
@given(st.lists(st.tuples(any_document(), st.integers(1, 4)), min_size=1, max_size=3))
def test_lint_repository(repo: Path, cases: list[tuple[tuple[str, bytes], int]]) -> None:
    from improve.core.read.config import load_config

    _clear(repo)
    files: dict[str, ParsedFile] = {}
    for (kind_name, raw), number in cases:
        kind = KINDS[kind_name]
        rel = f"{kind.folder}/{number:04d}-fuzzed-{len(files)}.md"
        (repo / kind.folder).mkdir(exist_ok=True)
        (repo / rel).write_bytes(raw)
        files[rel] = parse(raw)
    config = load_config(repo)
    result = lint(config, TODAY, use_cache=True)
    check_findings(result.findings, files)
    assert {f.path for f in result.findings} <= set(files)
    assert result.exit_code() in (0, 1)
