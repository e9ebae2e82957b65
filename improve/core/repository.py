"""Reading documents: discovered once (`improve.core.discovery`), read once, parsed once."""

from __future__ import annotations

from pathlib import Path

from improve.core.config import Config
from improve.core.dialects import normalize
from improve.core.discovery import DocFile, discover
from improve.core.document import Document
from improve.core.frontmatter import ParsedFile, Problem, parse
from improve.core.fsutil import inside, read_bounded
from improve.core.gcpause import gc_paused


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

    def documents(self, *, published_only: bool = False) -> list[Document]:
        """Every document, or with `published_only` those others may read (in discovery order)."""
        with gc_paused():  # thousands of parses: see improve.core.gcpause
            docs = [self.document(f) for f in self.files]
        if published_only:
            from improve.core.publication import is_published

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
