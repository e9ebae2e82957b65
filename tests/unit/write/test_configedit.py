"""Other tools' keys added to the config's `[front_matter] allow` list in place (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from improve.core.errors import UsageProblem
from improve.core.read.config import load_config
from improve.core.write.configedit import allow_keys

PYPROJECT = ('[project]\nname = "team"\n\n[tool.improve]\ntimezone = "UTC"\n\n'
             '[tool.ruff]\nline-length = 100\n')


def test_a_pyproject_gets_a_table_of_its_own_and_nothing_else_changes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    path, added = allow_keys(load_config(tmp_path), ["parent", "nav_order", "x-mine"])
    assert (path.name, added) == ("pyproject.toml", ["nav_order", "parent"])  # x- keys: always
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == PYPROJECT + (
        '\n[tool.improve.front_matter]\nallow = ["nav_order", "parent"]\n')
    assert load_config(tmp_path).allowed_keys == {"nav_order", "parent"}
    # Allowed already: nothing to do, nothing written.
    assert allow_keys(load_config(tmp_path), ["parent"])[1] == []


def test_crlf_and_an_allow_key_missing_from_its_table(tmp_path: Path) -> None:
    text = 'timezone = "UTC"\r\n[front_matter]\r\n# keys of our wiki\r\n\r\n[site]\r\n'
    (tmp_path / ".improve.toml").write_bytes(text.encode())
    allow_keys(load_config(tmp_path), ["layout"])
    assert (tmp_path / ".improve.toml").read_bytes() == text.replace(
        "[front_matter]\r\n", '[front_matter]\r\nallow = ["layout"]\r\n').encode()


def test_a_config_that_would_not_read_back_is_refused_untouched(tmp_path: Path) -> None:
    # `front_matter` already given as an inline table: a [front_matter] table would clash.
    text = 'timezone = "UTC"\nfront_matter = { allow = ["a"] }\n'
    (tmp_path / ".improve.toml").write_text(text, encoding="utf-8")
    with pytest.raises(UsageProblem, match=r'add "b" to it by hand'):
        allow_keys(load_config(tmp_path), ["b"])
    assert (tmp_path / ".improve.toml").read_text(encoding="utf-8") == text
