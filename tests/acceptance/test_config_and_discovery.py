"""Configuration (found by walking up, `.improve.toml` or `[tool.improve]`, unknown keys as findings,
rule severities, folders, exclude globs) and which files are documents, as git sees them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from improve.core.read.config import load_config
from improve.core.read.discovery import discover


def paths_linted(handbook: Any, *args: str, cwd: Path | None = None) -> set[str]:
    """The documents a lint run reached: each test document carries one unknown field."""
    result = handbook.run("lint", "--format", "json", "--no-cache", *args, cwd=cwd)
    assert result.exit_code in (0, 1), result
    return {f["path"] for f in json.loads(result.stdout) if f["rule"] == "unknown-field"}


def marked(valid_doc: Any, kind: str, number: int) -> str:
    """A valid document with one unknown field, so that each linted document shows up once."""
    return valid_doc(kind, number, marker="here")


# --- where the config comes from -----------------------------------------------------------------


def test_found_by_walking_up_from_a_subfolder(handbook: Any) -> None:
    handbook.add("retro", 1, team=None)
    (handbook.root / "retros" / "deep" / "er").mkdir(parents=True)
    result = handbook.run("lint", cwd=handbook.root / "retros" / "deep" / "er")
    assert result.exit_code == 1, result
    assert result.stdout.startswith("retros/0001-doc.md:1:1: error: missing required field")


def test_paths_are_relative_to_the_current_folder_and_reported_from_the_root(
        handbook: Any) -> None:
    handbook.add("retro", 1, team=None)
    handbook.add("retro", 2, team=None)
    result = handbook.run("lint", "0002-doc.md", cwd=handbook.root / "retros")
    assert result.exit_code == 1, result
    assert "retros/0002-doc.md:1:1:" in result.stdout
    assert "0001-doc.md" not in result.stdout


def test_root_option(handbook: Any, run_cli: Any, tmp_path: Path) -> None:
    handbook.add("retro", 1, team=None)
    result = run_cli("-C", str(handbook.root), "lint", cwd=tmp_path)
    assert result.exit_code == 1, result
    assert "retros/0001-doc.md:1:1:" in result.stdout


def test_pyproject_tool_improve(handbook: Any, valid_doc: Any) -> None:
    (handbook.root / ".improve.toml").unlink()
    handbook.write("pyproject.toml", '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n\n'
                   '[tool.improve]\ntimezone = "UTC"\nreview_every_dayz = 30\n\n'
                   '[tool.improve.rules]\nmissing-section = "error"\n')
    handbook.write("retros/0001-doc.md", valid_doc("retro", 1, body="\n## What went well\n"))
    config = load_config(handbook.root)
    assert config.source == handbook.root / "pyproject.toml"
    assert config.rules == {"missing-section": "error"}
    result, findings = handbook.lint()
    assert result.exit_code == 1
    assert {(f["path"], f["line"], f["rule"], f["severity"]) for f in findings} == {
        ("pyproject.toml", 9, "config-unknown-key", "warning"),
        ("retros/0001-doc.md", 8, "missing-section", "error"),
    }
    assert "did you mean `review_every_days`?" in json.dumps(findings)


def test_a_pyproject_without_tool_improve_is_passed_by(handbook: Any) -> None:
    # A package inside the repository has its own pyproject.toml; the config is further up.
    handbook.write("retros/pyproject.toml", '[project]\nname = "inner"\n')
    handbook.add("retro", 1, team=None)
    result = handbook.run("lint", cwd=handbook.root / "retros")
    assert "retros/0001-doc.md:1:1:" in result.stdout


def test_the_nearest_config_wins_and_its_folder_is_the_root(handbook: Any, valid_doc: Any) -> None:
    handbook.add("retro", 1, team=None)
    inner = handbook.root / "team-b"
    (inner / "retros").mkdir(parents=True)
    (inner / "pyproject.toml").write_text('[tool.improve]\ntimezone = "UTC"\n', encoding="utf-8")
    (inner / "retros" / "0001-b.md").write_text(valid_doc("retro", 1, title="B"), encoding="utf-8")
    result = handbook.run("lint", cwd=inner)
    assert result.exit_code == 0, result
    assert result.stdout == "1 document checked: no problems.\n"


def test_improve_toml_and_pyproject_in_one_folder(handbook: Any) -> None:
    handbook.write("pyproject.toml", '[tool.improve]\ntimezone = "Europe/Berlin"\n')
    assert load_config(handbook.root).source == handbook.root / ".improve.toml"


def test_unknown_keys_are_warnings_with_a_did_you_mean(handbook: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\nmax_filesize = 10\n\n[folders]\n'
                   'retros = "retro-notes"\n\n[rules]\nstale-runbok = "off"\n')
    result, findings = handbook.lint()
    assert result.exit_code == 0, result  # warnings only: the run goes on
    assert [(f["path"], f["line"], f["column"], f["rule"], f["severity"]) for f in findings] == [
        (".improve.toml", 2, 1, "config-unknown-key", "warning"),
        (".improve.toml", 5, 1, "config-unknown-key", "warning"),
        (".improve.toml", 8, 1, "config-unknown-key", "warning"),
    ]
    messages = [f["message"] for f in findings]
    assert "did you mean `max_file_size`?" in messages[0]
    assert "`retros`" in messages[1]
    assert "did you mean `retro`?" in messages[1]
    assert "did you mean `stale-runbook`?" in messages[2]


def test_a_valid_config_is_remembered_and_a_changed_one_checked_again(
        handbook: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from improve.core.read import config as config_module
    handbook.write(".improve.toml", 'timezone = "UTC"\nreview_every_days = 30\n')
    for _run in range(2):  # the first creates the cache folder, the second remembers the config
        result = handbook.run("lint")
        assert result.exit_code == 0, result
    assert (handbook.root / ".improve-cache" / "config.valid").exists()
    checked: list[object] = []
    real = config_module._validate

    def counting(raw: dict[str, Any], source: Path | None) -> Any:
        checked.append(raw)
        return real(raw, source)

    monkeypatch.setattr(config_module, "_validate", counting)
    assert load_config(handbook.root).review_every_days == 30
    assert checked == []  # remembered: no schema loaded
    assert load_config(handbook.root, use_memo=False).review_every_days == 30
    assert len(checked) == 1  # `lint --no-cache`: checked all the same
    handbook.write(".improve.toml", 'timezone = "UTC"\nreview_every_days = "monthly"\n')
    result = handbook.run("lint")
    assert result.exit_code == 2, result  # the changed config is checked, and refused
    assert "review_every_days" in result.stderr
    handbook.write(".improve.toml", 'timezone = "UTC"\nreview_evry_days = 30\n')
    for _run in range(2):  # a config with warnings is never remembered: they stay visible
        result = handbook.run("lint", "--format", "json")
        assert [f["rule"] for f in json.loads(result.stdout)] == ["config-unknown-key"]


def test_the_config_is_frozen() -> None:
    config = load_config(root=Path("/nonexistent-improve-root"))
    with pytest.raises(AttributeError):
        config.timezone = "Europe/Berlin"  # type: ignore[misc]


# --- folders, exclude globs, which files are documents --------------------------------------------


def test_custom_folders(handbook: Any, valid_doc: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\n[folders]\nrca = "incidents/reviews"\n')
    handbook.write("incidents/reviews/0001-outage.md", marked(valid_doc, "rca", 1))
    handbook.write("rca/0002-ignored.md", marked(valid_doc, "rca", 2))
    assert paths_linted(handbook) == {"incidents/reviews/0001-outage.md"}
    result = handbook.run("new", "rca", "Second outage")
    assert result.exit_code == 0, result
    assert result.stdout == "incidents/reviews/0002-second-outage.md\n"


def test_exclude_globs(handbook: Any, valid_doc: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\nexclude = ["retros/archive/*", '
                   '"**/0003-*.md"]\n')
    handbook.write("retros/0001-a.md", marked(valid_doc, "retro", 1))
    handbook.write("retros/archive/0002-b.md", marked(valid_doc, "retro", 2))
    handbook.write("retros/0003-c.md", marked(valid_doc, "retro", 3))
    handbook.write("rca/sub/0003-d.md", marked(valid_doc, "rca", 3))
    assert paths_linted(handbook) == {"retros/0001-a.md"}


def test_readme_index_and_other_names_are_not_documents(handbook: Any, valid_doc: Any) -> None:
    handbook.write("retros/0001-a.md", marked(valid_doc, "retro", 1))
    handbook.write("retros/README.md", "# Retros\n\nNo front matter here.\n")
    handbook.write("retros/index.md", "# Index\n")
    handbook.write("retros/notes.md", "# Notes\n")
    handbook.write("retros/0002-a.txt", "not markdown\n")
    handbook.write("docs/0003-elsewhere.md", marked(valid_doc, "retro", 3))
    handbook.write("retros/nested/0004-deeper.md", marked(valid_doc, "retro", 4))
    assert paths_linted(handbook) == {"retros/0001-a.md", "retros/nested/0004-deeper.md"}


def test_git_decides_untracked_included_ignored_excluded(handbook: Any, valid_doc: Any) -> None:
    handbook.write(".gitignore", "retros/private/\n*.scratch.md\n")
    handbook.write("retros/0001-tracked.md", marked(valid_doc, "retro", 1))
    handbook.write("retros/0003-deleted.md", marked(valid_doc, "retro", 3))
    handbook.commit("tracked")
    (handbook.root / "retros/0003-deleted.md").unlink()  # tracked, gone from the work tree
    handbook.write("retros/0002-untracked.md", marked(valid_doc, "retro", 2))
    handbook.write("retros/private/0004-ignored.md", marked(valid_doc, "retro", 4))
    handbook.write("retros/0005-x.scratch.md", marked(valid_doc, "retro", 5))
    handbook.write("retros/0006-staged.md", marked(valid_doc, "retro", 6))
    handbook.git("add", "retros/0006-staged.md")
    expected = {"retros/0001-tracked.md", "retros/0002-untracked.md", "retros/0006-staged.md"}
    assert paths_linted(handbook) == expected
    assert {f.path for f in discover(load_config(handbook.root))} == expected
    # Named explicitly, an ignored file is still not a document.
    assert paths_linted(handbook, "retros/") == expected


def test_outside_git_a_folder_walk(handbook: Any, valid_doc: Any) -> None:
    shutil.rmtree(handbook.root / ".git")
    handbook.write(".gitignore", "retros/private/\n")  # means nothing without git
    handbook.write("retros/0001-a.md", marked(valid_doc, "retro", 1))
    handbook.write("retros/private/0002-b.md", marked(valid_doc, "retro", 2))
    handbook.write("retros/.hidden/0003-c.md", marked(valid_doc, "retro", 3))
    assert paths_linted(handbook) == {"retros/0001-a.md", "retros/private/0002-b.md"}


def test_a_path_outside_the_repository_is_a_usage_error(handbook: Any, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text("x", encoding="utf-8")
    result = handbook.run("lint", str(outside))
    assert result.exit_code == 2, result
    assert "outside the repository" in result.stderr


def test_review_period_from_config(handbook: Any) -> None:
    handbook.add("runbook", 1, last_reviewed="2026-01-15")
    assert handbook.lint()[1] == []
    handbook.write(".improve.toml", 'timezone = "UTC"\nreview_every_days = 30\n')
    _result, findings = handbook.lint()
    assert [(f["rule"], f["line"]) for f in findings] == [("stale-runbook", 7)]
    assert "2026-02-14" in findings[0]["message"]



def test_unknown_keys_point_at_their_own_table_in_pyproject(handbook: Any) -> None:
    (handbook.root / ".improve.toml").unlink()
    handbook.write("pyproject.toml", '[project]\nname = "x"\nversion = "1"\n\n[tool.improve]\n'
                   'timezone = "UTC"\nname = "payments"\nrules = { missing-sectio = "off" }\n'
                   'roster = { alice = { nmes = ["Alice"] } }\n\n[tool.improve.site]\n'
                   'version = 2\n\n[tool.improve.vocabularies]\ndetection = ["pager"]\n'
                   'nmes = 3\n')
    result, findings = handbook.lint()
    assert result.exit_code == 0, result  # an unknown key of any type is only a warning
    assert [(f["line"], f["message"].split("`")[1]) for f in findings] == [
        (7, "name"), (8, "rules.missing-sectio"), (9, "nmes"), (12, "version"), (16, "nmes")]
    assert {f["path"] for f in findings} == {"pyproject.toml"}


@pytest.mark.parametrize("folders", ['retro = "notes"\nrca = "notes"',
                                     'retro = "notes"\nrca = "notes/incidents"',
                                     'runbook = "./rca"'])
def test_kinds_cannot_share_a_folder(handbook: Any, folders: str) -> None:
    # Otherwise `improve new rca` would write a document that lint reads as a retro.
    handbook.write(".improve.toml", f'timezone = "UTC"\n[folders]\n{folders}\n')
    for command in (["lint"], ["new", "rca", "Outage"]):
        result = handbook.run(*command)
        assert result.exit_code == 2, result
        assert "overlap" in result.stderr
    assert not (handbook.root / "notes").exists()


def test_an_unknown_folder_key_is_a_warning_not_a_folder(handbook: Any, valid_doc: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\n[folders]\nretros = "rca"\n')
    handbook.write("rca/0001-a.md", marked(valid_doc, "rca", 1))
    result, findings = handbook.lint()
    assert result.exit_code == 0, result
    assert [(f["path"], f["rule"]) for f in findings] == [
        (".improve.toml", "config-unknown-key"), ("rca/0001-a.md", "unknown-field")]


def test_a_stray_markdown_file_is_a_warning_and_a_named_one_an_error(handbook: Any,
                                                                     valid_doc: Any) -> None:
    """Issue 13: files improve does not read are never met with "no problems"."""
    handbook.write("retros/0001-a.md", valid_doc("retro", 1))
    handbook.write("rca/2018-01-18-reddit-hug.md", "# Reddit hug\n")
    result = handbook.run("lint", "--no-cache")
    assert result.exit_code == 0, result  # warnings only
    assert "rca/2018-01-18-reddit-hug.md:1:1: warning" in result.stdout
    assert "starts with a date" in result.stdout
    assert "no problems" not in result.stdout
    named = handbook.run("lint", "--no-cache", "rca/2018-01-18-reddit-hug.md")
    assert named.exit_code == 1, named
    assert "rca/2018-01-18-reddit-hug.md:1:1: error" in named.stdout
    # A Markdown file outside the kinds' folders, named on the command line, is an error too.
    handbook.write("notes/todo.md", "# Todo\n")
    elsewhere = handbook.run("lint", "--no-cache", "notes/todo.md")
    assert elsewhere.exit_code == 1, elsewhere
    assert "not a document" in elsewhere.stdout
    # pre-commit passes a kind folder's README: nothing to say about it.
    handbook.write("retros/README.md", "# Retros\n")
    quiet = handbook.run("lint", "--no-cache", "retros/README.md", "retros/0001-a.md")
    assert quiet.exit_code == 0, quiet
    assert "README" not in quiet.stdout


def test_a_date_prefix_is_not_a_document_number(handbook: Any, valid_doc: Any) -> None:
    handbook.write("rca/2018-01-18-reddit-hug.md", valid_doc("rca", 1))
    assert handbook.run("new", "rca", "Next").stdout == "rca/0001-next.md\n"


def test_a_changed_config_named_by_pre_commit_lints_the_whole_repository(
        handbook: Any, valid_doc: Any) -> None:
    """Issue 16: the generated hook passes the config when it changed; a new severity or folder
    can change any document's findings, so the whole repository is linted."""
    handbook.write("retros/0001-a.md", valid_doc("retro", 1))
    handbook.write("retros/0002-b.md", valid_doc("retro", 2, team=None))  # an error elsewhere
    only_a = handbook.run("lint", "--no-cache", "retros/0001-a.md")
    assert only_a.exit_code == 0, only_a
    with_config = handbook.run("lint", "--no-cache", ".improve.toml", "retros/0001-a.md")
    assert with_config.exit_code == 1, with_config
    assert "retros/0002-b.md:1:1: error: missing required field `team`" in with_config.stdout
    # pyproject.toml is passed too by the hook's pattern; it is not this repository's config.
    handbook.write("pyproject.toml", '[project]\nname = "x"\n')
    other = handbook.run("lint", "--no-cache", "pyproject.toml", "retros/0001-a.md")
    assert other.exit_code == 0, other
