"""Which files are documents, and reading them: discovered once, read once, parsed once.

Documents are the `<number>-<slug>.md` files below the kinds' folders, as git sees them (tracked
plus untracked-but-not-ignored), or by a plain folder walk outside git. `README.md`, `index.md`
and paths matching the config's `exclude` globs are not documents.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from improve.core.config import Config
from improve.core.document import Document
from improve.core.frontmatter import ParsedFile, Problem, parse
from improve.model.ids import file_number
from improve.model.kinds import KINDS, Kind

NOT_DOCUMENTS = frozenset({"README.md", "index.md"})


class DocFile(NamedTuple):
    """A document's place: repository-relative POSIX path, its kind and its number.

    A named tuple: discovery makes one per document of the repository on every run, and a tuple
    is made several times faster than a frozen dataclass (10,000 of them per pre-commit run).
    """

    path: str
    kind_name: str
    number: int

    @property
    def kind(self) -> Kind:
        return KINDS[self.kind_name]


def classify(config: Config, rel_path: str) -> DocFile | None:
    """The DocFile for a repository-relative path, None when it is not a document."""
    name = rel_path.rpartition("/")[2]
    if name in NOT_DOCUMENTS:
        return None
    number = file_number(name)
    if number is None:
        return None
    kind_name = _folder_kind(rel_path.rpartition("/")[0], _kind_prefixes(config))
    if kind_name is None:
        return None
    if config.exclude and any(fnmatch.fnmatch(rel_path, pattern) for pattern in config.exclude):
        return None
    return DocFile(rel_path, kind_name, number)


def _kind_prefixes(config: Config) -> list[tuple[str, str]]:
    """(kind name, "folder/") in registry order."""
    return [(kind.name, config.folder(kind).strip("/") + "/") for kind in KINDS.values()]


def _folder_kind(folder: str, prefixes: list[tuple[str, str]]) -> str | None:
    """The kind whose folder holds `folder` (a repository-relative folder, "" for the root)."""
    folder_slash = folder + "/"
    for kind_name, prefix in prefixes:
        if folder_slash.startswith(prefix):
            return kind_name
    return None


def git_files(root: Path, folders: Iterable[str]) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files below `folders`; None outside a git work tree."""
    return _finish_git(_start_git(root, folders))


def _start_git(root: Path, folders: Iterable[str]) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard", "--", *folders],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def _finish_git(process: subprocess.Popen[bytes] | None) -> list[str] | None:
    if process is None:
        return None
    out, _err = process.communicate()
    if process.returncode != 0:
        return None
    names = out.decode("utf-8", "surrogateescape").split("\0")
    return sorted({name for name in names if name})


def walk_files(root: Path, folders: Iterable[str]) -> list[str]:
    found: list[str] = []
    for folder in folders:
        base = root / folder
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            found.extend(f"{rel_dir}/{name}" for name in filenames)
    return sorted(found)


class Discovery:
    """`discover` in two steps: creating one starts `git ls-files`, and `files()` collects the
    documents, so the caller can load something else meanwhile (`lint` loads its cache)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.folders = sorted({config.folder(kind).strip("/") for kind in KINDS.values()})
        self._git = _start_git(config.root, self.folders)

    def files(self, *, stats: dict[str, os.stat_result] | None = None) -> list[DocFile]:
        """Every document of the repository, sorted by path (see `discover`)."""
        config = self.config
        names = _finish_git(self._git)
        self._git = None
        if names is None:
            names = walk_files(config.root, self.folders)
        # `classify` inlined, and plain strings: on 10,000 files, pathlib costs more than the stat.
        # A folder's kind is looked up once per folder, not once per file.
        files: list[DocFile] = []
        root = str(config.root)
        prefixes = _kind_prefixes(config)
        exclude = config.exclude
        folder_kinds: dict[str, str | None] = {}
        lstat = os.lstat
        for rel_path in names:
            folder, _, name = rel_path.rpartition("/")
            if name in NOT_DOCUMENTS:
                continue
            number = file_number(name)
            if number is None:
                continue
            try:
                kind_name = folder_kinds[folder]
            except KeyError:
                kind_name = folder_kinds[folder] = _folder_kind(folder, prefixes)
            if kind_name is None:
                continue
            if exclude and any(fnmatch.fnmatch(rel_path, pattern) for pattern in exclude):
                continue
            doc_file = DocFile(rel_path, kind_name, number)
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


def read_document(config: Config, doc_file: DocFile, *, raw: bytes | None = None) -> Document:
    """Read and parse one document; unreadable or unsafe files become problems, not exceptions.

    `raw`: the file's bytes when the caller has read them already, from a regular file that is
    not a symbolic link (the cache reads, stamps and hashes them first).
    """
    path = config.root / doc_file.path
    parsed: ParsedFile
    if raw is not None:
        parsed = parse(raw, max_size=config.max_file_size)
    elif path.is_symlink() and not _inside(config.root, path):
        parsed = ParsedFile(problems=[Problem(1, 1, "symlink-outside",
                                              "this document is a symbolic link to a file outside "
                                              "the repository; it is not read or published")])
    else:
        try:
            raw = _read_bounded(path, config.max_file_size)
        except OSError as exc:
            parsed = ParsedFile(problems=[Problem(1, 1, "encoding",
                                                  f"cannot read the file: {exc.strerror}")])
        else:
            parsed = parse(raw, max_size=config.max_file_size)
    return Document(path=doc_file.path, kind=doc_file.kind, number=doc_file.number, parsed=parsed)


def _read_bounded(path: Path, limit: int) -> bytes:
    """Read at most one byte past the limit, so a huge file costs nothing to refuse.

    Only a regular file: opening a named pipe (outside git, a folder walk finds one) would wait
    forever for a writer, so it is opened without blocking and refused.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe, socket, device or folder)")
        return handle.read(limit + 1)


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


class Repository:
    """The documents of one repository, loaded on first use and kept for the run."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._files: list[DocFile] | None = None
        self._documents: dict[str, Document] = {}

    @property
    def files(self) -> list[DocFile]:
        if self._files is None:
            self._files = discover(self.config)
        return self._files

    def document(self, doc_file: DocFile) -> Document:
        doc = self._documents.get(doc_file.path)
        if doc is None:
            doc = read_document(self.config, doc_file)
            self._documents[doc_file.path] = doc
        return doc

    def documents(self, *, include_restricted: bool = True) -> list[Document]:
        docs = [self.document(f) for f in self.files]
        if not include_restricted:
            docs = [d for d in docs if d.visibility != "restricted"]
        return docs

    def by_id(self) -> dict[str, Document]:
        found: dict[str, Document] = {}
        for doc in self.documents():
            if doc.id and doc.id not in found:
                found[doc.id] = doc
            for old in doc.strings("previous_ids"):
                found.setdefault(old, doc)
        return found
