"""`improve init [DIR]`: set a repository up as a handbook; `--upgrade` shows what a release changes."""

from __future__ import annotations

from pathlib import Path

import click

from improve.core.write.scaffolding import SITE_BUILDS

_NEXT_STEPS = """\
Next steps:
{git}  1. pip install pre-commit && pre-commit install   (lint every commit that touches a document)
  2. improve new retro "Sprint 1"                       (or rca, runbook, decision)
  3. git add . && git commit -m "Start our handbook"
  4. Push, and open pull requests: CI lints the changed documents and writes a summary for reviewers.
  5. {publish}
     {preview}"""

_PUBLISH = {
    "github": "GitHub: Settings > Pages > Source: GitHub Actions; every push to main publishes "
              "the handbook.",
    "gitlab": "GitLab: the `pages` job publishes the handbook from the default branch; a "
              "pipeline schedule (Build > Pipeline schedules) sends the weekly digest.",
}


@click.command("init")
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--hook-repo", metavar="URL", help="Where pre-commit gets the improve hook "
              "(default: the improve-handbook repository; tests name a local checkout).")
@click.option("--rev", metavar="REV", help="The hook's `rev:` (default: v<this release>).")
@click.option("--site-name", metavar="NAME", help="The handbook's title (default: Team handbook).")
@click.option("--ci", type=click.Choice(["github", "gitlab"]), help="The CI configuration to "
              "write: a GitHub Actions workflow (the default) or a .gitlab-ci.yml; --upgrade keeps "
              "the one the repository has.")
@click.option("--site", type=click.Choice(list(SITE_BUILDS)), help="Who builds "
              "the handbook in CI: MkDocs with the improve plugin (the default), Zensical, or "
              "Backstage TechDocs (also writes catalog-info.yaml); the last two build the folder "
              "`improve site generate` writes. --upgrade keeps the one the repository uses.")
@click.option("--install-spec", metavar="SPEC", help="What CI installs improve from (a pip "
              "requirement, a VCS URL or a path; default: this release from the package index).")
@click.option("--git", "git_init", is_flag=True, help="Run `git init` first when DIR is not a git repository.")
@click.option("--upgrade", is_flag=True, help="Show how the files this release writes differ from the repository's.")
@click.option("--write", is_flag=True, help="With --upgrade: write those files.")
def init(directory: Path, hook_repo: str | None, rev: str | None, site_name: str | None,
         ci: str | None, site: str | None, install_spec: str | None, git_init: bool,
         upgrade: bool, write: bool) -> int:
    """Make DIR (default: here) an improve handbook: folders, config, site, pre-commit and CI."""
    from dataclasses import replace

    from improve.core.errors import UsageProblem
    from improve.core.write.init import current_options
    from improve.core.write.init import init as run_init
    from improve.core.write.init import upgrade as run_upgrade
    from improve.core.write.scaffolding import Options, install_line

    if write and not upgrade:
        raise UsageProblem("--write goes with --upgrade (plain `improve init` never overwrites a file)")
    options = Options()
    if hook_repo:
        options = replace(options, hook_repo=hook_repo)
    if rev:
        options = replace(options, rev=rev)
    if site_name:
        options = replace(options, site_name=site_name)
    if ci:
        options = replace(options, ci=ci)
    if site:
        options = replace(options, site=site)
    if install_spec:
        options = replace(options, install=install_line(install_spec))
    if upgrade:
        root = directory.resolve()
        if not root.is_dir():
            raise UsageProblem(f"{directory}: no such folder; run `improve init {directory}` first")
        options = current_options(root, options, hook_repo_given=bool(hook_repo),
                                  site_name_given=bool(site_name), ci_given=bool(ci),
                                  site_given=bool(site))
        result = run_upgrade(root, options, write=write)
        for entry in result.files:
            if entry.diff:
                click.echo(entry.diff, nl=False)
        differing = result.paths("differs", "updated", "created")
        if not differing:
            click.echo("Everything is up to date with this release.")
        elif write:
            click.echo(f"Updated {len(differing)} file(s): {', '.join(differing)}. Review with `git diff`.")
        else:
            click.echo(f"{len(differing)} file(s) differ from what this release writes: "
                       f"{', '.join(differing)}.\nRun `improve init --upgrade --write` to update them.")
        return 0
    result = run_init(directory, options, git=git_init)
    click.echo(f"improve init: {result.root}")
    if result.git == "initialised":
        click.echo("  git      initialised an empty git repository")
    for entry in result.files:
        note = f"  ({entry.note})" if entry.note else ""
        click.echo(f"  {entry.outcome:<10}{entry.path}{note}")
    if not result.changed:
        click.echo("Nothing to do: every file is there already (`improve init --upgrade` compares them "
                   "with this release).")
    git_step = ""
    if result.git == "missing":
        git_step = (f"  0. {result.root} is not a git repository: run `git init` there "
                    "(or `improve init --git`).\n")
    click.echo(_NEXT_STEPS.format(git=git_step, publish=_PUBLISH[options.ci],
                                  preview=SITE_BUILDS[options.site].preview))
    return 0
