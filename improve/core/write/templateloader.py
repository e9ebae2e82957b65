"""Loading a repository's templates: every one, at any depth, stays inside the repository.

Jinja's FileSystemLoader follows symbolic links, and `{% include %}`, `{% import %}`,
`{% from %}` and `{% extends %}` load further templates by name: a link (to a file or to a whole
subfolder) could make `improve new` copy any file the user can read into a new document. Here
every template, the first and each one it pulls in, is resolved and checked before it is read,
read with a size bound from a regular file only, and decoded strictly; anything else stops the
run with exit 2 and the template's name (issue 11).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jinja2 import BaseLoader, Environment, TemplateNotFound
from jinja2.loaders import split_template_path

from improve.core.errors import UsageProblem
from improve.core.fsutil import inside, read_bounded

MAX_TEMPLATE_BYTES = 1 << 20


class RepositoryLoader(BaseLoader):
    """Templates from `folder`, refused when one resolves outside `root`."""

    def __init__(self, root: Path, folder: Path, *, shown: Callable[[str], str]) -> None:
        self.root = root
        self.folder = folder
        self.shown = shown

    def get_source(self, environment: Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder.joinpath(*split_template_path(template))
        if not path.exists() and not path.is_symlink():
            raise TemplateNotFound(template)
        if not inside(self.root, path):
            raise UsageProblem(f"template {self.shown(str(path))} leaves the repository "
                               "(a symbolic link); templates must stay inside it, nothing was "
                               "written")
        try:
            raw = read_bounded(path, MAX_TEMPLATE_BYTES)
        except OSError as exc:
            raise UsageProblem(f"template {self.shown(str(path))} cannot be read "
                               f"({exc.strerror or exc}); nothing was written") from None
        if len(raw) > MAX_TEMPLATE_BYTES:
            raise UsageProblem(f"template {self.shown(str(path))} is larger than "
                               f"{MAX_TEMPLATE_BYTES} bytes; nothing was written")
        try:
            source = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageProblem(f"template {self.shown(str(path))} is not UTF-8 text (byte "
                               f"{exc.start}); save it as UTF-8, nothing was written") from None
        return source, str(path), lambda: False

    def __repr__(self) -> str:
        return f"RepositoryLoader({self.folder!s})"


