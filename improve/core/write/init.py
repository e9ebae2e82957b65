"""`improve init`: make any repository an improve handbook, without ever overwriting a file.

Existing files are reported as skipped, `.gitignore` gets the missing lines appended once, and a
second run changes nothing. `upgrade` compares what this release would write with what the
repository has, as unified diffs, and writes only when asked (see issue 5).

The config goes in `.improve.toml`, never into a team's `pyproject.toml`: a file improve owns is
one it can create without touching another tool's file. A repository that already has
`[tool.improve]` in its pyproject.toml (or a `.improve.toml`) keeps it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from improve.core.errors import UsageProblem
from improve.core.fsutil import atomic_write, inside, read_bounded
from improve.core.git.gitrev import is_work_tree, run_git
from improve.core.read.config import find_config, load_config
from improve.core.write.scaffolding import CI_FILES, Options, Planned, plan

Outcome = Literal["created", "appended", "skipped", "unchanged", "updated", "differs"]


@dataclass(frozen=True)
class FileResult:
    path: str
    outcome: Outcome
    note: str = ""
    diff: str = ""


@dataclass
class InitResult:
    root: Path
    files: list[FileResult] = field(default_factory=list)
    git: Literal["existing", "initialised", "missing"] = "existing"
    config_source: str | None = None

    def paths(self, *outcomes: Outcome) -> list[str]:
        return [f.path for f in self.files if f.outcome in outcomes]

    @property
    def changed(self) -> bool:
        return any(f.outcome in ("created", "appended", "updated") for f in self.files)


def _existing_config(root: Path) -> str | None:
    found = find_config(root)
    if found is not None and found[0] == root:
        return found[1].name
    return None


def _missing_lines(existing: str, wanted: str) -> list[str]:
    # `site`, `site/` and `/site/` all ignore the top-level site folder
    have = {line.strip().strip("/") for line in existing.splitlines() if line.strip()}
    return [line for line in wanted.splitlines() if line.strip() and line.strip().strip("/") not in have]


def _append(existing: bytes, lines: list[str]) -> bytes:
    newline = b"\r\n" if b"\r\n" in existing else b"\n"
    prefix = existing if not existing or existing.endswith(b"\n") else existing + newline
    return prefix + b"".join(line.encode("utf-8") + newline for line in lines)


def _git_init(root: Path) -> None:
    run_git(root, "init", "--quiet")  # a failure names the command and says what to do


def _target(root: Path, planned: Planned) -> Path:
    path = root / planned.path
    if not inside(root, path):
        raise UsageProblem(f"{planned.path} would leave {root} (a symbolic link?); nothing was written there")
    return path


def init(root: Path, options: Options, *, git: bool = False) -> InitResult:
    """Write every planned file that does not exist yet; report the rest as skipped."""
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    result = InitResult(root)
    if not is_work_tree(root):
        if git:
            _git_init(root)
            result.git = "initialised"
        else:
            result.git = "missing"
    result.config_source = _existing_config(root)
    if result.config_source is not None:
        options = replace(options, folders=load_config(root=root).folders)
    for planned in plan(options, with_config=result.config_source is None):
        path = _target(root, planned)
        if planned.how == "append-lines":
            existing = path.read_bytes() if path.exists() else b""
            missing = _missing_lines(existing.decode("utf-8", "replace"), planned.content)
            if not missing:
                result.files.append(FileResult(planned.path, "unchanged", "already ignores "
                                               + " and ".join(planned.content.split())))
                continue
            atomic_write(path, _append(existing, missing))
            outcome: Outcome = "appended" if existing else "created"
            result.files.append(FileResult(planned.path, outcome, "ignores " + " and ".join(missing)))
        elif path.exists() or path.is_symlink():
            result.files.append(FileResult(planned.path, "skipped", _kept_note(path, planned, options)))
        else:
            try:
                atomic_write(path, planned.content.encode("utf-8"), exclusive=True)
            except FileExistsError:
                result.files.append(FileResult(planned.path, "skipped", "exists; kept as it is"))
            else:
                result.files.append(FileResult(planned.path, "created"))
    if result.config_source is not None:
        result.files.insert(0, FileResult(result.config_source, "skipped",
                                          "holds the improve config already; kept as it is"))
    return result


def _kept_note(path: Path, planned: Planned, options: Options) -> str:
    """Why a kept file may still need a line from us (an existing pre-commit or MkDocs config)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "exists; kept as it is"
    if planned.path == ".pre-commit-config.yaml" and "improve-lint" not in text:
        return (f"exists; kept as it is: add the hook yourself under `repos:` (- repo: {options.hook_repo}, "
                f"rev: {options.rev}, hooks: [{{id: improve-lint}}])")
    if planned.path == "mkdocs.yml" and not re.search(r"^\s*-\s*improve\b", text, re.MULTILINE):
        return "exists; kept as it is: add `- improve` (and `- search`, `- tags`) under `plugins:`"
    return "exists; kept as it is"


def current_options(root: Path, options: Options, *, hook_repo_given: bool, site_name_given: bool,
                    ci_given: bool = False, site_given: bool = False) -> Options:
    """The options a repository was set up with (its hook repository, its site name, its CI), so
    an upgrade shows what a new release changes rather than undoing the team's choices."""
    if not ci_given:
        present = [ci for ci, (path, _template) in CI_FILES.items() if (root / path).is_file()]
        if len(present) == 1:
            options = replace(options, ci=present[0])
    if not site_given:
        ci_text = _text(root / CI_FILES[options.ci][0])
        for name in ("techdocs", "zensical"):
            if f"--generator {name}" in ci_text:
                options = replace(options, site=name)
                break
    if not hook_repo_given:
        repo = _hook_repo(root / ".pre-commit-config.yaml")
        if repo:
            options = replace(options, hook_repo=repo)
    if not site_name_given:
        name = _yaml_value(root / "mkdocs.yml", "site_name")
        if isinstance(name, str) and name:
            options = replace(options, site_name=name)
    return options


def _text(path: Path) -> str:
    try:
        return read_bounded(path, 1 << 20).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def _yaml_value(path: Path, key: str) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data.get(key) if isinstance(data, dict) else None


def _hook_repo(path: Path) -> str | None:
    repos = _yaml_value(path, "repos")
    if not isinstance(repos, list):
        return None
    for entry in repos:
        if isinstance(entry, dict) and isinstance(entry.get("repo"), str):
            hooks = entry.get("hooks")
            if isinstance(hooks, list) and any(isinstance(h, dict) and h.get("id") == "improve-lint"
                                               for h in hooks) and entry["repo"] != "local":
                return str(entry["repo"])
    return None


def upgrade(root: Path, options: Options, *, write: bool = False) -> InitResult:
    """Unified diffs between what this release writes and the repository's files (the config,
    which is the team's own, is left out); with `write`, bring the files up to date."""
    root = root.resolve()
    result = InitResult(root, git="existing" if is_work_tree(root) else "missing")
    if _existing_config(root) is not None:
        options = replace(options, folders=load_config(root=root).folders)
    for planned in plan(options, with_config=False):
        path = _target(root, planned)
        existing = path.read_bytes() if path.exists() else None
        if planned.how == "append-lines":
            text = (existing or b"").decode("utf-8", "replace")
            missing = _missing_lines(text, planned.content)
            wanted = text + ("" if not text or text.endswith("\n") else "\n") + "".join(
                line + "\n" for line in missing)
            new_bytes = _append(existing or b"", missing) if missing else existing or b""
        else:
            wanted = planned.content
            new_bytes = planned.content.encode("utf-8")
        if existing is not None and existing == new_bytes:
            result.files.append(FileResult(planned.path, "unchanged"))
            continue
        old_text = (existing or b"").decode("utf-8", "replace").replace("\r\n", "\n")
        patch = "".join(difflib.unified_diff(
            old_text.splitlines(keepends=True), wanted.replace("\r\n", "\n").splitlines(keepends=True),
            fromfile=f"a/{planned.path}" if existing is not None else "/dev/null",
            tofile=f"b/{planned.path}"))
        if write:
            atomic_write(path, new_bytes)
            result.files.append(FileResult(planned.path, "updated" if existing is not None else "created",
                                           diff=patch))
        else:
            result.files.append(FileResult(planned.path, "differs", diff=patch))
    return result
