"""The files `improve init` writes, rendered from the templates in `files/` (package data).

One source: this repository's own copies of the workflow and the folder READMEs are rendered from
the same templates (`tooling/sync_scaffolding.py`), and a test fails when they drift apart.
Templates use `@{name}` placeholders, because the workflow is full of GitHub's own `${{ }}`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from improve import __version__
from improve.core.out.mdtext import source_text
from improve.model.kinds import KINDS

DEFAULT_HOOK_REPO = "https://github.com/improve-handbook/improve"
DEFAULT_PYTHON = "3.12"
PACKAGE = "improve-handbook"
WORKFLOW_PATH = ".github/workflows/improve.yml"
GITLAB_CI_PATH = ".gitlab-ci.yml"
# Where the CI configuration goes for each `improve init --ci` choice, and its template.
CI_FILES: dict[str, tuple[str, str]] = {
    "github": (WORKFLOW_PATH, "workflow.yml"),
    "gitlab": (GITLAB_CI_PATH, "gitlab-ci.yml"),
}
CONFIG_PATH = ".improve.toml"
IGNORED = ("/site/", ".improve-cache/", "/build/handbook/")
CATALOG_INFO_PATH = "catalog-info.yaml"


@dataclass(frozen=True)
class SiteBuild:
    """One site generator: how CI builds the handbook with it (`improve init --site`), how a
    folder `improve site generate` wrote is built with it, and how to preview it by hand."""

    command: str  # the shell line that builds it in CI
    output: str  # the folder it writes the site to (GitHub Pages uploads it)
    gitlab: str  # the same for GitLab Pages, which publishes `public/`
    folder: str  # how to build a folder `improve site generate` wrote ({out})
    preview: str  # how to preview it on one's machine


def _steps(*steps: str) -> str:
    return " && ".join(step for step in steps if step)


# MkDocs runs the improve plugin; Zensical and TechDocs run no third-party MkDocs plugin, so
# they build the folder `improve site generate` writes.
_GENERATE = "improve site generate build/handbook --generator {name}"
_ZENSICAL = _steps("python -m pip install --quiet 'zensical>=0.0.73'",
                   _GENERATE.format(name="zensical"),
                   "zensical build -f build/handbook/mkdocs.yml")
_TECHDOCS = _steps("python -m pip install --quiet mkdocs-techdocs-core",
                   "npm install --global @techdocs/cli", _GENERATE.format(name="techdocs"),
                   "techdocs-cli generate --no-docker --source-dir build/handbook --output-dir {site}")
SITE_BUILDS: dict[str, SiteBuild] = {
    "mkdocs": SiteBuild(
        "mkdocs build --strict", "site", "mkdocs build --strict --site-dir public",
        folder="mkdocs build -f {out}/mkdocs.yml",
        preview="`mkdocs serve` previews it on your machine."),
    "zensical": SiteBuild(
        _ZENSICAL, "build/handbook/site", _steps(_ZENSICAL, "mv build/handbook/site public"),
        folder="zensical build -f {out}/mkdocs.yml",
        preview=f"`{_GENERATE.format(name='zensical')} && zensical serve -f "
                "build/handbook/mkdocs.yml` previews it on your machine."),
    "techdocs": SiteBuild(
        _TECHDOCS.format(site="site"), "site", _TECHDOCS.format(site="public"),
        folder="techdocs-cli generate --no-docker --source-dir {out} --output-dir site",
        preview=f"`{_GENERATE.format(name='techdocs')} && mkdocs serve -f "
                "build/handbook/mkdocs.yml` (with mkdocs-techdocs-core) previews it; "
                "catalog-info.yaml registers it in Backstage."),
}

_PLACEHOLDER = re.compile(r"@\{([a-z_]+)\}")

How = Literal["create", "append-lines"]


def default_rev() -> str:
    """The tag of the running release: what `rev:` pins and the workflow installs."""
    return f"v{__version__}"


def pinned_install() -> str:
    """The install line of the workflow: the same pinned release as the pre-commit hook."""
    return f"pip install '{PACKAGE}[site]=={__version__}'"


def install_line(spec: str) -> str:
    """The install line CI runs when `improve init --install-spec` names where improve comes
    from (a requirement, a VCS URL, a path or a wheel), quoted for the shell."""
    import shlex

    return f"python -m pip install --quiet {shlex.quote(spec)}"


@dataclass(frozen=True)
class Options:
    """What a rendering depends on; the defaults are what `improve init` writes for a new team."""

    hook_repo: str = DEFAULT_HOOK_REPO
    rev: str = field(default_factory=default_rev)
    install: str = field(default_factory=pinned_install)
    python: str = DEFAULT_PYTHON
    site_name: str = "Team handbook"
    ci: str = "github"  # a key of CI_FILES
    site: str = "mkdocs"  # a key of SITE_BUILDS
    folders: dict[str, str] = field(default_factory=lambda: {k: v.folder for k, v in KINDS.items()})


@dataclass(frozen=True)
class Planned:
    """A file `improve init` would write: whole (`create`), or missing lines added (`append-lines`)."""

    path: str
    content: str
    how: How = "create"
    role: str = ""


def template(name: str) -> str:
    return resources.files(__package__).joinpath("files", name).read_text(encoding="utf-8")


def render(name: str, values: dict[str, str]) -> str:
    """A template with every `@{name}` replaced; an unknown name is a bug, not a blank."""

    def substitute(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(substitute, template(name))


def hook_files(folders: dict[str, str]) -> str:
    """The pre-commit `files` pattern: Markdown in the kinds' folders, and the config files."""
    names = "|".join(re.escape(folder.strip("/")) for folder in sorted(set(folders.values())))
    return f"'^(({names})/.*\\.md|\\.improve\\.toml|pyproject\\.toml)$'"


def _sections(kind_name: str) -> str:
    return ", ".join(s.title for s in KINDS[kind_name].sections)


def plan(options: Options, *, with_config: bool = True) -> list[Planned]:
    """Every file `improve init` writes, in the order it reports them."""
    values = {
        "version": __version__,
        "hook_repo": options.hook_repo,
        "rev": options.rev,
        "install": options.install,
        "python": options.python,
        "site_name": source_text(options.site_name),
        "site_name_yaml": json.dumps(options.site_name, ensure_ascii=False),
    }
    values |= {f"folder_{name}": options.folders.get(name, kind.folder) for name, kind in KINDS.items()}
    values["hook_files"] = hook_files(options.folders)
    build = SITE_BUILDS[options.site]
    values |= {"site_build": build.command, "site_output": build.output,
               "site_build_gitlab": build.gitlab,
               "component": re.sub(r"[^a-z0-9]+", "-", options.site_name.lower()).strip("-")
               or "handbook"}
    files: list[Planned] = []
    if with_config:
        files.append(Planned(CONFIG_PATH, template("improve.toml"), role="config"))
    for name, kind in KINDS.items():
        folder = options.folders.get(name, kind.folder).strip("/")
        readme = render("folder-README.md", values | {
            "plural": kind.plural, "plural_lower": kind.plural.lower(), "folder": folder,
            "prefix": kind.prefix, "kind": kind.name, "sections": _sections(name)})
        files.append(Planned(f"{folder}/README.md", readme, role="folder"))
    files.append(Planned("mkdocs.yml", render("mkdocs.yml", values), role="site"))
    files.append(Planned("docs/index.md", render("docs/index.md", values), role="site"))
    files.append(Planned(".pre-commit-config.yaml", render("pre-commit-config.yaml", values), role="hook"))
    ci_path, ci_template = CI_FILES[options.ci]
    files.append(Planned(ci_path, render(ci_template, values), role="ci"))
    if options.site == "techdocs":
        files.append(Planned(CATALOG_INFO_PATH, render("catalog-info.yaml", values), role="site"))
    files.append(Planned(".gitignore", template("gitignore"), how="append-lines", role="ignore"))
    return files
