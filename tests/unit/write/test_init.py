"""`improve init`: every file, never an overwrite, twice is a no-op, upgrades as diffs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from improve import __version__
from improve.cli.main import cli
from improve.core.errors import UsageProblem
from improve.core.read.config import load_config
from improve.core.write.scaffolding import IGNORED, WORKFLOW_PATH, Options, plan

EXPECTED = [
    ".improve.toml", "retros/README.md", "rca/README.md", "runbooks/README.md",
    "decisions/README.md", "mkdocs.yml", "docs/index.md", ".pre-commit-config.yaml",
    WORKFLOW_PATH, ".gitignore",
]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] != ".git"}


def test_init_writes_every_file_and_says_what_next(tmp_path: Path) -> None:
    git_init(tmp_path)
    code, out = run("init", str(tmp_path))
    assert code == 0
    for rel in EXPECTED:
        assert (tmp_path / rel).is_file(), rel
        assert f"created   {rel}" in out
    assert "Next steps:" in out
    assert "pre-commit install" in out
    assert "not a git repository" not in out
    config = load_config(tmp_path)
    assert config.root == tmp_path.resolve()
    assert config.findings == ()


def test_running_twice_changes_nothing(tmp_path: Path) -> None:
    git_init(tmp_path)
    run("init", str(tmp_path))
    before = snapshot(tmp_path)
    code, out = run("init", str(tmp_path))
    assert code == 0
    assert snapshot(tmp_path) == before
    assert "created" not in out
    assert "Nothing to do" in out
    assert out.count("skipped") == len(EXPECTED) - 1  # .gitignore is "unchanged"


def test_existing_files_are_kept_and_gitignore_is_appended_once(tmp_path: Path) -> None:
    git_init(tmp_path)
    (tmp_path / "mkdocs.yml").write_text("site_name: Ours\n")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    (tmp_path / ".gitignore").write_bytes(b"node_modules/\r\nsite")  # CRLF, no final newline
    code, out = run("init", str(tmp_path))
    assert code == 0
    assert (tmp_path / "mkdocs.yml").read_text() == "site_name: Ours\n"
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    assert "add the hook yourself under `repos:` (- repo: https://github.com/improve-handbook/improve" in out
    assert "skipped   mkdocs.yml  (exists; kept as it is: add `- improve`" in out
    ignored = b"node_modules/\r\nsite\r\n.improve-cache/\r\n/build/handbook/\r\n"
    assert (tmp_path / ".gitignore").read_bytes() == ignored
    run("init", str(tmp_path))
    assert (tmp_path / ".gitignore").read_bytes() == ignored


def test_a_pyproject_with_tool_improve_keeps_its_config(tmp_path: Path) -> None:
    git_init(tmp_path)
    pyproject = b'[project]\nname = "x"\n\n[tool.improve]\ntimezone = "Europe/Berlin"\n'
    (tmp_path / "pyproject.toml").write_bytes(pyproject)
    code, out = run("init", str(tmp_path))
    assert code == 0
    assert not (tmp_path / ".improve.toml").exists()
    assert (tmp_path / "pyproject.toml").read_bytes() == pyproject
    assert "skipped   pyproject.toml" in out


def test_a_folder_that_is_not_a_repository_is_named_or_initialised(tmp_path: Path) -> None:
    plain, wanted = tmp_path / "plain", tmp_path / "wanted"
    code, out = run("init", str(plain))
    assert code == 0
    assert "is not a git repository" in out
    assert "improve init --git" in out
    assert not (plain / ".git").exists()
    code, out = run("init", "--git", str(wanted))
    assert code == 0
    assert (wanted / ".git").is_dir()
    assert "initialised an empty git repository" in out
    assert "is not a git repository" not in out


def test_hook_and_workflow_pin_the_same_release(tmp_path: Path) -> None:
    files = {p.path: p.content for p in plan(Options())}
    hook = yaml.safe_load(files[".pre-commit-config.yaml"])
    pattern = r"^((decisions|rca|retros|runbooks)/.*\.md|\.improve\.toml|pyproject\.toml)$"
    assert hook["repos"] == [{"repo": "https://github.com/improve-handbook/improve",
                              "rev": f"v{__version__}",
                              "hooks": [{"id": "improve-lint", "files": pattern}]}]
    workflow = files[WORKFLOW_PATH]
    install = f"pip install 'improve-handbook[site]=={__version__}'"
    assert workflow.count(install) == 3
    assert "pip install improve " not in workflow
    custom = {p.path: p.content for p in plan(Options(hook_repo="/src/improve", rev="abc123"))}
    assert yaml.safe_load(custom[".pre-commit-config.yaml"])["repos"][0] == {
        "repo": "/src/improve", "rev": "abc123",
        "hooks": [{"id": "improve-lint", "files": pattern}]}


def test_mkdocs_yml_uses_the_plugin_offline(tmp_path: Path) -> None:
    files = {p.path: p.content for p in plan(Options(site_name='Team "Payments" *handbook*'))}
    mkdocs = yaml.safe_load(files["mkdocs.yml"])
    assert mkdocs["site_name"] == 'Team "Payments" *handbook*'
    assert mkdocs["theme"]["name"] == "material"
    assert mkdocs["theme"]["font"] is False
    assert mkdocs["plugins"] == ["search", "tags", "improve"]
    assert "*handbook*" not in files["docs/index.md"]
    assert tuple(files[".gitignore"].split()) == IGNORED


def test_upgrade_shows_a_diff_and_writes_only_when_asked(tmp_path: Path) -> None:
    git_init(tmp_path)
    run("init", "--hook-repo", "https://example.org/fork/improve", str(tmp_path))
    workflow = tmp_path / WORKFLOW_PATH
    workflow.write_text(workflow.read_text().replace("fetch-depth: 0", "fetch-depth: 1"))
    (tmp_path / "runbooks" / "README.md").unlink()
    code, out = run("init", "--upgrade", str(tmp_path))
    assert code == 0
    assert f"--- a/{WORKFLOW_PATH}" in out
    assert "-          fetch-depth: 1" in out
    assert "+          fetch-depth: 0" in out
    assert "+++ b/runbooks/README.md" in out
    assert ".pre-commit-config.yaml" not in out  # the fork stays: upgrades keep the team's hook repo
    assert "fetch-depth: 1" in workflow.read_text()
    assert not (tmp_path / "runbooks" / "README.md").exists()
    code, out = run("init", "--upgrade", "--write", str(tmp_path))
    assert code == 0
    assert "Updated 2 file(s)" in out
    assert "fetch-depth: 1" not in workflow.read_text()
    code, out = run("init", "--upgrade", str(tmp_path))
    assert "Everything is up to date" in out


def test_write_without_upgrade_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match="--write goes with --upgrade"):
        CliRunner().invoke(cli, ["init", "--write", str(tmp_path)], catch_exceptions=False)


def test_folders_follow_the_config(tmp_path: Path) -> None:
    git_init(tmp_path)
    (tmp_path / ".improve.toml").write_text('[folders]\nretro = "team/retros"\ndecision = "adr"\n')
    run("init", str(tmp_path))
    assert (tmp_path / "team/retros/README.md").is_file()
    assert (tmp_path / "adr/README.md").is_file()
    assert (tmp_path / "rca/README.md").is_file()
    assert not (tmp_path / "retros").exists()
    assert "`team/retros/`" in (tmp_path / "docs/index.md").read_text()


@pytest.mark.parametrize(("site", "build", "output"), [
    ("mkdocs", "mkdocs build --strict", "site"),
    ("zensical", "improve site generate build/handbook --generator zensical && zensical build -f "
                 "build/handbook/mkdocs.yml", "build/handbook/site"),
    ("techdocs", "improve site generate build/handbook --generator techdocs && techdocs-cli "
                 "generate --no-docker --source-dir build/handbook --output-dir site", "site"),
])
def test_init_site_builds_the_handbook_with_the_chosen_generator(
        tmp_path: Path, site: str, build: str, output: str) -> None:
    git_init(tmp_path)
    code, out = run("init", "--site", site, str(tmp_path))
    assert code == 0, out
    workflow = yaml.safe_load((tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert build in runs
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == output
    catalog = tmp_path / "catalog-info.yaml"
    assert catalog.exists() == (site == "techdocs")
    if site == "techdocs":
        entity = yaml.safe_load(catalog.read_text(encoding="utf-8"))
        assert entity["kind"] == "Component"
        assert entity["metadata"]["name"] == "team-handbook"
        assert entity["metadata"]["annotations"]["backstage.io/techdocs-ref"] == \
            "dir:build/handbook"
    # An upgrade keeps the generator the repository uses.
    code, out = run("init", "--upgrade", str(tmp_path))
    assert "Everything is up to date" in out, out


def test_init_site_for_gitlab_publishes_public(tmp_path: Path) -> None:
    git_init(tmp_path)
    code, out = run("init", "--ci", "gitlab", "--site", "zensical", str(tmp_path))
    assert code == 0, out
    pages = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8"))["pages"]
    assert pages["script"][-1].endswith(
        "zensical build -f build/handbook/mkdocs.yml && mv build/handbook/site public")
    assert pages["artifacts"]["paths"] == ["public"]
    assert "zensical serve -f build/handbook/mkdocs.yml" in out


def test_upgrade_moves_a_repository_to_another_generator(tmp_path: Path) -> None:
    git_init(tmp_path)
    run("init", str(tmp_path))
    code, out = run("init", "--upgrade", "--write", "--site", "zensical", str(tmp_path))
    assert code == 0, out
    assert "Updated 1 file(s): .github/workflows/improve.yml" in out
    assert "zensical build -f build/handbook/mkdocs.yml" in (tmp_path / WORKFLOW_PATH).read_text()
    code, out = run("init", "--upgrade", str(tmp_path))  # and keeps it from then on
    assert "Everything is up to date" in out
