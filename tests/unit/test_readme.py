"""The README is the contract's documentation: it must name everything the code has."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from improve.cli.main import COMMANDS
from improve.core.check.rules import all_rules
from improve.model.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _update_readme_module() -> Any:
    spec = importlib.util.spec_from_file_location("update_readme", ROOT / "tooling" / "update_readme.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_table_matches_the_registry() -> None:
    module = _update_readme_module()
    assert module.render(README) == README, "run `.venv/bin/python tooling/update_readme.py`"


def test_every_rule_is_in_the_readme_with_its_severity() -> None:
    for rule in all_rules().values():
        assert re.search(rf"\| `{re.escape(rule.id)}` \| {rule.severity.value} \|", README), rule.id


def test_every_command_has_a_section() -> None:
    for name in COMMANDS:
        assert re.search(rf"^#+ .*`improve {re.escape(name)}\b", README, re.MULTILINE), name


def test_every_kind_is_documented() -> None:
    for kind in KINDS.values():
        assert f"| {kind.name} |" in README, kind.name
        assert f"`{kind.folder}/`" in README, kind.folder
        assert f"`{kind.prefix}-0001`" in README, kind.prefix


def test_quick_start_has_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_no_doc_tells_anyone_to_install_the_wrong_package() -> None:
    for path in [ROOT / "README.md", *ROOT.glob("*.md"), *(ROOT / "improve").rglob("*")]:
        if path.is_file() and path.suffix in {".md", ".j2", ".yml", ".yaml", ".toml", ".py"}:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"pip install ['\"]?improve(?![-\w])", text), path
