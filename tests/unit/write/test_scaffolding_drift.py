"""One source: this repository's own workflow and folder READMEs are what `improve init` writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import yaml

from improve.core.write.scaffolding import IGNORED, Options, plan

ROOT = Path(__file__).resolve().parents[3]


class _TolerantLoader(yaml.SafeLoader):
    """Safe loading that reads MkDocs' `!!python/name:` and `!ENV` tags as None."""


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _sync_module() -> Any:
    spec = importlib.util.spec_from_file_location("sync_scaffolding", ROOT / "tooling" / "sync_scaffolding.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shared_files_match_the_templates() -> None:
    expected = _sync_module().expected()
    assert set(expected) == {".github/workflows/improve.yml", "retros/README.md", "rca/README.md",
                             "runbooks/README.md", "decisions/README.md"}
    for rel, content in expected.items():
        path = ROOT / rel
        assert path.is_file(), f"{rel} is missing: run `.venv/bin/python tooling/sync_scaffolding.py`"
        assert path.read_text(encoding="utf-8") == content, (
            f"{rel} drifted from improve/core/write/scaffolding: run `.venv/bin/python tooling/sync_scaffolding.py`")


def test_only_the_install_line_differs_from_a_teams_workflow() -> None:
    ours = (ROOT / ".github/workflows/improve.yml").read_text(encoding="utf-8")
    teams = {p.path: p.content for p in plan(Options())}[".github/workflows/improve.yml"]
    changed = [(a, b) for a, b in zip(ours.splitlines(), teams.splitlines(), strict=True) if a != b]
    assert changed
    assert all("pip install -e '.[site]'" in a and "pip install 'improve-handbook[site]==" in b
               for a, b in changed)


def test_the_repository_ignores_what_init_ignores() -> None:
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    for entry in IGNORED:
        assert entry in lines


def test_the_repository_site_keeps_the_settings_init_writes() -> None:
    """The example handbook's mkdocs.yml is its own (site name, extra pages), but it uses the
    same theme, the offline font setting and the same plugins as a generated one."""
    path = ROOT / "mkdocs.yml"
    if not path.exists():
        pytest.skip("this repository has no mkdocs.yml yet (the handbook issue adds it)")
    generated = yaml.safe_load({p.path: p.content for p in plan(Options())}["mkdocs.yml"])
    ours = yaml.load(path.read_text(encoding="utf-8"), Loader=_TolerantLoader)
    assert ours["theme"]["name"] == generated["theme"]["name"]
    assert ours["theme"].get("font") is False
    names = [next(iter(p)) if isinstance(p, dict) else p for p in ours["plugins"]]
    for plugin in generated["plugins"]:
        assert plugin in names
