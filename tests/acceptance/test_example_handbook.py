"""The example handbook: its frozen copy lints to a golden file, and the showcase lints clean.

The repository's own `retros/`, `rca/`, `runbooks/` and `decisions/` are the showcase; a frozen
copy in `tests/fixtures/handbook/` (with the same settings in `.improve.toml`) feeds the golden
file, so that editing the showcase does not churn the tests. With today pinned to 2026-11-20 the
copy has exactly two intended warnings: one stale runbook and one overdue action item.

Regenerate the golden file after a deliberate change with
`IMPROVE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/acceptance/test_example_handbook.py`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from improve.cli.main import cli
from improve.core.fsutil import atomic_write
from improve.core.read.config import load_config
from improve.core.read.document import Document, as_list
from improve.core.read.publication import is_published
from improve.core.read.repository import Repository
from improve.model.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "handbook"
GOLDEN = ROOT / "tests" / "golden" / "lint-example.json"
TODAY = "2026-11-20"
# `--no-cache`: a test must not leave a cache folder in the source tree; the output is the same.
LINT_JSON = ["lint", "--strict", "--format", "json", "--no-cache"]
INTENDED_WARNINGS = {
    ("retros/0006-sprint-23.md", "overdue-action-item"),
    ("runbooks/0004-reconcile-ledger-with-settlement-files.md", "stale-runbook"),
}


def _lint(monkeypatch: pytest.MonkeyPatch, where: Path, args: list[str]) -> tuple[int, str]:
    """Run `improve ARGS` in `where` with today pinned; the command's exit code and its stdout."""
    monkeypatch.chdir(where)
    monkeypatch.setenv("IMPROVE_TODAY", TODAY)
    result = CliRunner().invoke(cli, args, catch_exceptions=False, standalone_mode=False)
    code = result.return_value
    assert isinstance(code, int), result.output
    return code, result.stdout


def _update_golden(output: str) -> None:
    """With IMPROVE_UPDATE_GOLDEN=1, write the current output as the new golden file."""
    if os.environ.get("IMPROVE_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(GOLDEN, output.encode("utf-8"))


def test_frozen_copy_lints_to_the_golden_file(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _lint(monkeypatch, FIXTURE, LINT_JSON)
    _update_golden(output)
    assert output.encode("utf-8") == GOLDEN.read_bytes(), (
        "lint output differs from tests/golden/lint-example.json; if the change is intended, "
        "rerun with IMPROVE_UPDATE_GOLDEN=1"
    )
    assert code == 1  # --strict: the two intended warnings count


def test_frozen_copy_has_exactly_the_intended_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    _code, output = _lint(monkeypatch, FIXTURE, LINT_JSON)
    findings = json.loads(output)
    assert {(f["path"], f["rule"]) for f in findings} == INTENDED_WARNINGS
    assert len(findings) == len(INTENDED_WARNINGS)
    assert {f["severity"] for f in findings} == {"warning"}


def test_frozen_copy_passes_without_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _lint(monkeypatch, FIXTURE, ["lint", "--no-cache"])
    assert code == 0, output
    assert "19 documents checked: 0 errors, 2 warnings." in output


def test_showcase_lints_without_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _lint(monkeypatch, ROOT, ["lint", "--no-cache"])
    assert code == 0, output
    _code, json_output = _lint(monkeypatch, ROOT, ["lint", "--format", "json", "--no-cache"])
    errors = [f for f in json.loads(json_output) if f["severity"] == "error"]
    assert errors == []


def _documents(root: Path) -> list[Document]:
    return Repository(load_config(root=root)).documents()


def _by_kind(docs: list[Document], kind: str) -> list[Document]:
    return [d for d in docs if d.kind.name == kind]


@pytest.mark.parametrize("root", [ROOT, FIXTURE], ids=["showcase", "frozen-copy"])
def test_handbook_has_what_the_issue_asks_for(root: Path) -> None:
    docs = _documents(root)
    assert {d.kind.name for d in docs} >= set(KINDS)
    if root == ROOT:  # the showcase also declares two kinds of its own (issue 12)
        assert {d.kind.name for d in docs} - set(KINDS) == {"experiment", "lunch-and-learn"}
        assert all(len(_by_kind(docs, name)) >= 2 for name in ("experiment", "lunch-and-learn"))

    retros = sorted(_by_kind(docs, "retro"), key=lambda d: str(d.meta.get("date")))
    assert len(retros) >= 5
    carried = [ref for r in retros for ref in as_list(r.meta.get("carried_over"))]
    assert carried, "later retros carry over earlier retros' open items"
    items = {item.ref: item for r in retros for item in r.action_items}
    assert any(items[ref].status == "done" for ref in carried), "carried items get done"
    assert {r.meta.get("format") for r in retros} >= {"start-stop-continue", "4Ls", "sailboat"}

    rcas = _by_kind(docs, "rca")
    published = [d for d in rcas if is_published(d)]
    assert len(published) >= 3
    assert len({d.meta.get("severity") for d in published}) >= 3
    assert all(d.status == "published" and d.meta.get("timeline") for d in published)
    assert any(d.meta.get("escaped_defect") is True for d in published)
    assert any(d.meta.get("visibility") == "restricted" for d in rcas)

    assert len(_by_kind(docs, "runbook")) >= 4

    decisions = {d.id: d for d in _by_kind(docs, "decision")}
    assert len(decisions) >= 5
    chains = [
        (newer.id, older_id)
        for newer in decisions.values()
        for older_id in as_list(newer.meta.get("supersedes"))
        if newer.id in as_list(decisions[older_id].meta.get("superseded_by"))
        and decisions[older_id].status == "superseded"
    ]
    assert chains, "one decision supersedes another, and the older one says so"


def test_frozen_copy_has_the_showcase_settings() -> None:
    showcase, frozen = load_config(root=ROOT), load_config(root=FIXTURE)
    assert frozen.source == FIXTURE / ".improve.toml"
    assert frozen.timezone == showcase.timezone
    assert frozen.roster == showcase.roster
