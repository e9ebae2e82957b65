"""Which files are documents: listed as git sees them, classified by folder and file name.

Documents are the `<number>-<slug>.md` files below the kinds' folders, as git sees them (tracked
plus untracked-but-not-ignored), or by a plain folder walk outside git. `README.md`, `index.md`
and paths matching the config's `exclude` globs are not documents.

This module imports nothing heavy (no YAML, no schemas), so that `improve lint` can start the
listing before it loads the linter (`Discovery`), and git works while Python imports.
"""

from __future__ import annotations

import bisect
import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from improve.core.errors import UnreadableFolder
from improve.core.git.gitrev import GitRun, start_git
from improve.model.ids import file_number
from improve.model.kinds import Kind

if TYPE_CHECKING:
    from improve.core.read.config import Config

NOT_DOCUMENTS = frozenset({"README.md", "index.md"})


class DocFile(NamedTuple):
    """A document's place: repository-relative POSIX path, its kind and its number.

    A named tuple: discovery makes one per document of the repository on every run, and a tuple
    is made several times faster than a frozen dataclass (10,000 of them per pre-commit run).
    """

    path: str
    kind: Kind
    number: int

    @property
    def kind_name(self) -> str:
        return self.kind.name


def classify(config: Config, rel_path: str) -> DocFile | None:
    """The DocFile for a repository-relative path, None when it is not a document."""
    name = rel_path.rpartition("/")[2]
    if name in NOT_DOCUMENTS:
        return None
    number = file_number(name)
    if number is None:
        return None
    kind = _folder_kind(rel_path.rpartition("/")[0], _kind_prefixes(config))
    if kind is None:
        return None
    if config.exclude and any(fnmatch.fnmatch(rel_path, pattern) for pattern in config.exclude):
        return None
    return DocFile(rel_path, kind, number)


def _kind_prefixes(config: Config) -> list[tuple[Kind, str]]:
    """(kind, "folder/") in registry order, the repository's own kinds included."""
    return [(kind, config.folder(kind).strip("/") + "/") for kind in config.registry.values()]


def _folder_kind(folder: str, prefixes: list[tuple[Kind, str]]) -> Kind | None:
    """The kind whose folder holds `folder` (a repository-relative folder, "" for the root)."""
    folder_slash = folder + "/"
    for kind, prefix in prefixes:
        if folder_slash.startswith(prefix):
            return kind
    return None


class GitListing(NamedTuple):
    """What one `git ls-files` run says about the content folders (see `Discovery`)."""

    names: list[str]  # tracked and untracked-but-not-ignored files, sorted
    clean: dict[str, str]  # tracked files git holds unchanged in the working tree -> blob id (hex)
    untracked: set[str]


def _start_git(root: Path, folders: Iterable[str]) -> GitRun | None:
    # One snapshot of the index: every entry with its tag (-v: lowercase when assume-unchanged)
    # and blob id (-s), the modified ones again (-m, tag C; deleted ones count as modified),
    # and the untracked ones (-o, tag ?). Git takes the stamps of tracked files, in C.
    return start_git(root, "ls-files", "-z", "-v", "-s", "--cached", "--modified", "--others",
                     "--exclude-standard", "--", *folders)


def _finish_git(run: GitRun | None) -> GitListing | None:
    out = run.output() if run is not None else None
    if out is None:
        return None
    names: set[str] = set()
    index: dict[str, str] = {}
    modified: set[str] = set()
    untracked: set[str] = set()
    add = names.add
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        tag = record[:2]
        if tag == "H ":
            meta, _, path = record.partition("\t")
            add(path)
            # "H <mode> <blob id> <stage>": a plain entry (not assume-unchanged, not
            # skip-worktree, not a conflict) of a regular file vouches for the working tree.
            if meta[-2:] == " 0" and (meta[2:9] == "100644 " or meta[2:9] == "100755 "):
                index[path] = meta[9:-2]
        elif tag == "? ":
            add(record[2:])
            untracked.add(record[2:])
        elif tag == "C ":
            path = record.partition("\t")[2]
            add(path)
            modified.add(path)
        elif record:
            path = record.partition("\t")[2]
            if path:
                add(path)
    clean = {path: blob for path, blob in index.items() if path not in modified}
    return GitListing(sorted(names), clean, untracked)


def require_readable(root: Path, folders: Iterable[str]) -> None:
    """Stop with a clear error when a kind's folder exists but cannot be listed: linting it
    would check nothing in it and say "no problems" (issue 11)."""
    for folder in folders:
        base = root / folder
        try:
            with os.scandir(base):
                pass
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise UnreadableFolder(f"cannot read the folder {folder}/ ({exc.strerror or exc}); "
                                   "improve would check nothing in it: fix its permissions") from None


def _walk_error(error: OSError) -> None:
    raise UnreadableFolder(f"cannot read the folder {error.filename} ({error.strerror or error}); "
                           "improve would check nothing in it: fix its permissions")


def walk_files(root: Path, folders: Iterable[str]) -> list[str]:
    found: list[str] = []
    for folder in folders:
        base = root / folder
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base, onerror=_walk_error):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            found.extend(f"{rel_dir}/{name}" for name in filenames)
    return sorted(found)


class Discovery:
    """`discover` in two steps: creating one starts `git ls-files`, and `files()` collects the
    documents, so the caller can load something else meanwhile (`lint` loads its cache)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.folders = sorted({config.folder(kind).strip("/") for kind in config.registry.values()})
        # The cache folder too: a cache committed to the repository (`git add -f`) came from
        # someone else and is never trusted (`cache_tracked`).
        self._cache_prefix = config.cache_dir.strip("/") + "/"
        self._git = _start_git(config.root, [*self.folders, self._cache_prefix])
        self.cache_tracked = False
        # Markdown files in kind folders that are not documents (`notes.md`, a date-prefixed
        # `2018-01-18-x.md`): reported, never silently ignored (issue 13).
        self.strays: list[str] = []
        self._listing: GitListing | None = None
        # Documents git vouches for: tracked, unchanged in the working tree -> their blob id.
        self.clean: dict[str, str] = {}

    def close(self) -> None:
        """Stop and reap git when `files` was never asked for (an error came first)."""
        if self._git is not None:
            self._git.stop()
            self._git = None

    def files(self, *, stats: dict[str, os.stat_result] | None = None) -> list[DocFile]:
        """Every document of the repository, sorted by path (see `discover`).

        `stats` receives the `os.lstat` of each document git does not vouch for (`clean`): an
        untracked or modified one, or every one outside git.
        """
        config = self.config
        if self._git is not None:  # the first call collects git's answer; later ones reuse it
            self._listing = _finish_git(self._git)
            self._git = None
        require_readable(config.root, self.folders)
        listing = self._listing
        if listing is None:
            names, clean = walk_files(config.root, self.folders), {}
        else:
            names, clean = listing.names, listing.clean
            at = bisect.bisect_left(names, self._cache_prefix)
            while at < len(names) and names[at].startswith(self._cache_prefix):
                if names[at] not in listing.untracked:
                    self.cache_tracked = True
                at += 1
        self.clean = clean
        # `classify` inlined, and plain strings: on 10,000 files, pathlib costs more than the stat.
        # A folder's kind is looked up once per folder, not once per file.
        files: list[DocFile] = []
        root = str(config.root)
        prefixes = _kind_prefixes(config)
        exclude = config.exclude
        folder_kinds: dict[str, Kind | None] = {}
        lstat = os.lstat
        strays = self.strays
        strays.clear()
        for rel_path in names:
            folder, _, name = rel_path.rpartition("/")
            if name in NOT_DOCUMENTS:
                continue
            number = file_number(name)
            if number is None and (not name.endswith(".md") or name.startswith(".")):
                continue
            try:
                kind = folder_kinds[folder]
            except KeyError:
                kind = folder_kinds[folder] = _folder_kind(folder, prefixes)
            if kind is None:
                continue
            if exclude and any(fnmatch.fnmatch(rel_path, pattern) for pattern in exclude):
                continue
            if number is None:  # Markdown improve does not read: reported, not skipped silently
                strays.append(rel_path)
                continue
            doc_file = DocFile(rel_path, kind, number)
            if rel_path in clean:  # tracked and unchanged: it exists
                files.append(doc_file)
                continue
            if stats is None:
                if os.path.lexists(f"{root}/{rel_path}"):
                    files.append(doc_file)
                continue
            try:
                stats[rel_path] = lstat(f"{root}/{rel_path}")
            except OSError:  # tracked, but deleted in the working tree
                continue
            files.append(doc_file)
        return files


def discover(config: Config, *, stats: dict[str, os.stat_result] | None = None) -> list[DocFile]:
    """Every document of the repository, sorted by path.

    `stats`, when given, receives each document's `os.lstat` (the cache compares it with the
    stamp it recorded, so a warm run stats each file once).
    """
    return Discovery(config).files(stats=stats)
