"""Reading documents: discovered once (`improve.core.read.discovery`), read once, parsed once."""

from __future__ import annotations

import stat
from pathlib import Path

from improve.core.fsutil import inside, read_bounded
from improve.core.gcpause import gc_paused
from improve.core.read.config import Config
from improve.core.read.dialects import normalize
from improve.core.read.discovery import DocFile, discover
from improve.core.read.document import Document
from improve.core.read.frontmatter import ParsedFile, Problem, parse


def read_document(config: Config, doc_file: DocFile, *, raw: bytes | None = None) -> Document:
    """Read and parse one document; unreadable or unsafe files become problems, not exceptions.

    `raw`: the file's bytes when the caller has read them already, from a regular file that is
    not a symbolic link (the cache reads, stamps and hashes them first).
    """
    path = config.root / doc_file.path
    parsed: ParsedFile
    if path.is_symlink() and raw is None and not _resolves(path):
        parsed = ParsedFile(problems=[Problem(
            1, 1, "unreadable-file", "this document is a symbolic link that leads nowhere (a loop "
            "or a missing target); it is not read or published")])
    elif raw is not None:
        parsed = parse(raw, max_size=config.max_file_size)
    elif path.is_symlink() and not inside(config.root, path):
        parsed = ParsedFile(problems=[Problem(1, 1, "symlink-outside",
                                              "this document is a symbolic link to a file outside "
                                              "the repository; it is not read or published")])
    else:
        try:
            raw = read_bounded(path, config.max_file_size)
        except OSError as exc:
            parsed = ParsedFile(problems=[Problem(
                1, 1, "unreadable-file", f"cannot read the file ({exc.strerror or exc}); a kind's "
                "folder holds documents: move or remove what is not one")])
        else:
            parsed = parse(raw, max_size=config.max_file_size)
    if not name_is_plain(doc_file.path):
        parsed.problems.insert(0, Problem(
            1, 1, "file-name", "the file name holds a line break, a control character or bytes "
            "that are not UTF-8; rename it (letters, digits and dashes): it is not published"))
    if parsed.meta is not None:
        normalize(parsed.meta, doc_file.kind, config)
    return Document(path=doc_file.path, kind=doc_file.kind, number=doc_file.number, parsed=parsed)


def name_is_plain(path: str) -> bool:
    """No control character and nothing that is not UTF-8 (surrogate escapes) in a path."""
    return path.isprintable() and not any("\udc80" <= c <= "\udcff" for c in path)


def _resolves(path: Path) -> bool:
    try:
        path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a loop
        return False
    return True



# A file's identity for `DocumentMemo`: device, inode, size, modification time, mode.
FileStamp = tuple[int, int, int, int, int]


class DocumentMemo:
    """Documents read by an earlier run in the same process (`mkdocs serve` rebuilds), reused
    while the file, its kind and the config are the same: a rebuild reads only what changed."""

    def __init__(self) -> None:
        self._fingerprint: str | None = None
        self._entries: dict[str, tuple[FileStamp, Document]] = {}

    def begin(self, config: Config) -> None:
        """Forget everything when the config changed (it shapes how documents are read)."""
        fingerprint = config.fingerprint()
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self._entries = {}

    def get(self, doc_file: DocFile, stamp: FileStamp | None) -> Document | None:
        entry = self._entries.get(doc_file.path)
        if entry is None or stamp is None or entry[0] != stamp:
            return None
        doc = entry[1]
        return doc if doc.kind is doc_file.kind and doc.number == doc_file.number else None

    def put(self, doc: Document, stamp: FileStamp | None) -> None:
        if stamp is not None:
            self._entries[doc.path] = (stamp, doc)


def _stamp(path: Path) -> FileStamp | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_mode)


class Repository:
    """The documents of one repository, loaded on first use and kept for the run."""

    def __init__(self, config: Config, *, memo: DocumentMemo | None = None) -> None:
        self.config = config
        self._files: list[DocFile] | None = None
        self._documents: dict[str, Document] = {}
        self._memo = memo
        if memo is not None:
            memo.begin(config)

    @property
    def files(self) -> list[DocFile]:
        if self._files is None:
            self._files = discover(self.config)
        return self._files

    def document(self, doc_file: DocFile) -> Document:
        doc = self._documents.get(doc_file.path)
        if doc is None:
            memo = self._memo
            if memo is None:
                doc = read_document(self.config, doc_file)
            else:
                # A symbolic link is read afresh every time: its target may have changed.
                stamp = _stamp(self.config.root / doc_file.path)
                doc = memo.get(doc_file, stamp)
                if doc is None:
                    doc = read_document(self.config, doc_file)
                    if stamp is not None and not stat.S_ISLNK(stamp[4]):
                        memo.put(doc, stamp)
            self._documents[doc_file.path] = doc
        return doc

    def documents(self, *, published_only: bool = False) -> list[Document]:
        """Every document, or with `published_only` those others may read (in discovery order)."""
        with gc_paused():  # thousands of parses: see improve.core.gcpause
            docs = [self.document(f) for f in self.files]
        if published_only:
            from improve.core.read.publication import is_published

            docs = [d for d in docs if is_published(d)]
        return docs

    def by_id(self) -> dict[str, Document]:
        found: dict[str, Document] = {}
        for doc in self.documents():
            if doc.id and doc.id not in found:
                found[doc.id] = doc
            for old in doc.strings("previous_ids"):
                found.setdefault(old, doc)
        return found
