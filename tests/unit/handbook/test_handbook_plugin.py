"""The plugin's configuration wiring, in process: watch folders, stylesheet, theme partials."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from improve.handbook.generate import CSS_URI
from improve.handbook.plugin import ImprovePlugin

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "site-basic"


def _configure(project: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ImprovePlugin]:
    monkeypatch.setenv("IMPROVE_TODAY", "2026-02-01")
    config = load_config(str(project / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    plugin = config.plugins["improve"]
    assert isinstance(plugin, ImprovePlugin)
    return config, plugin


def test_on_config_watches_the_content_folders_and_adds_the_stylesheet(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "handbook"
    shutil.copytree(FIXTURE, project)
    config, _plugin = _configure(project, monkeypatch)
    watched = {Path(p).name for p in config["watch"]}  # type: ignore[index]
    assert {"retros", "rca", "runbooks", "decisions", ".improve.toml"} <= watched
    assert config["extra_css"].count(CSS_URI) == 1  # type: ignore[index]
    dirs = config["theme"].dirs  # type: ignore[index]
    assert Path(dirs[0], "partials", "source.html").is_file()


def test_the_extensions_the_headers_need_are_added_once(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "handbook"
    shutil.copytree(FIXTURE, project)
    mkdocs_yml = project / "mkdocs.yml"
    text = mkdocs_yml.read_text(encoding="utf-8")
    mkdocs_yml.write_text(text[: text.index("markdown_extensions:")], encoding="utf-8")
    config, _plugin = _configure(project, monkeypatch)
    extensions = config["markdown_extensions"]  # type: ignore[index]
    assert extensions.count("admonition") == 1
    assert extensions.count("pymdownx.details") == 1
    shutil.copy(FIXTURE / "mkdocs.yml", mkdocs_yml)
    config, _plugin = _configure(project, monkeypatch)
    assert config["markdown_extensions"].count("admonition") == 1  # type: ignore[index]


def test_a_bad_improve_config_is_a_plugin_error(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "handbook"
    shutil.copytree(FIXTURE, project)
    (project / ".improve.toml").write_text("timezone = 3\n", encoding="utf-8")
    with pytest.raises(PluginError, match=r"^improve: .*timezone"):
        _configure(project, monkeypatch)
