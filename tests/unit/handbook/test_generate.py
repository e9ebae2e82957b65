"""`improve site generate`'s configuration: the team's mkdocs.yml, as MkDocs would read it,
without the improve plugin (improve.handbook.generate)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from improve.core.errors import UsageProblem
from improve.handbook.generate import HandbookFiles, _dumper, read_mkdocs_yml, site_config

EMOJI = """\
INHERIT: base.yml
site_name: Ours
theme:
  custom_dir: overrides
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
plugins:
  - search
  - improve:
      today: 2026-01-01
"""


def test_inherit_tags_and_paths_are_kept(tmp_path: Path) -> None:
    (tmp_path / "base.yml").write_text("theme:\n  name: material\n  font: false\n"
                                       "copyright: Base\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(EMOJI, encoding="utf-8")
    config = read_mkdocs_yml(tmp_path / "mkdocs.yml")
    assert config["copyright"] == "Base"  # from the file it inherits
    assert config["theme"]["name"] == "material"
    assert config["theme"]["custom_dir"] == str((tmp_path / "overrides").resolve())
    written = site_config(config, HandbookFiles(), generator="zensical")
    assert written["plugins"] == ["search"]
    assert written["docs_dir"] == "docs"
    text = yaml.dump(written, Dumper=_dumper(), sort_keys=False)
    # The Python tags are written back as they were: MkDocs constructs them, improve never does.
    assert "emoji_index: !!python/name:material.extensions.emoji.twemoji" in text
    assert "INHERIT" not in text


def test_techdocs_gets_its_own_plugin_only(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: X\nplugins: [search, tags, improve]\n"
                                         "markdown_extensions:\n  - admonition\n"
                                         + EMOJI.split("markdown_extensions:\n")[1].split(
                                             "plugins:")[0], encoding="utf-8")
    written = site_config(read_mkdocs_yml(tmp_path / "mkdocs.yml"), HandbookFiles(),
                          generator="techdocs")
    # techdocs-cli refuses Python tags: what holds one is left out.
    assert "python/name" not in yaml.dump(written, Dumper=_dumper())
    assert "admonition" in written["markdown_extensions"]
    assert written["plugins"] == ["techdocs-core"]
    assert "extra_javascript" not in written  # TechDocs removes scripts
    assert written["extra_css"] == ["assets/improve/handbook.css"]


def test_an_unreadable_mkdocs_yml_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: [unclosed\n", encoding="utf-8")
    with pytest.raises(UsageProblem, match=r"mkdocs.yml: cannot be read as YAML"):
        read_mkdocs_yml(tmp_path / "mkdocs.yml")
