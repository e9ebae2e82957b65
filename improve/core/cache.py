"""The lint cache: each document's findings and compact summary, kept between runs.

What is kept: per file, the per-file findings and the `Summary` the repository-wide checks need
(not the parsed document), plus the positions of keys that cross-file findings pointed at. So a
warm run, and a one-file run from pre-commit, re-read only what changed and still run every
repository-wide check on the summaries of all documents.

How a file is known to be unchanged, the way git's index does it: its stamp (mtime in ns, size,
inode) equals the recorded one. A file whose stamp changed is read and hashed (blake2b); the same
bytes keep their result. A stamp recorded within `RACY_NS` before the run that wrote it is
"racy" (a later edit could land in the same timestamp tick), so it is checked by content too.
Symbolic links are never cached.

When everything is thrown away: a different improve version or code, schemas
(`validate.schema_fingerprint()`), config (`Config.fingerprint()`), templates folder, Python, or
today's date (overdue and stale findings depend on it).

Where: `<cache_dir>/lint.cache` (`.improve-cache/` by default, with a `.gitignore` of its own),
one file written atomically. The payload is `marshal` data (several times faster to load than
JSON or pickle) behind a magic line, its length and a CRC-32, all checked before it is
unmarshalled: a corrupt, truncated, foreign or unreadable cache is ignored and rebuilt, never
trusted; an unwritable one is skipped. Two runs at once each write a complete file; the last
one wins. Summaries stay marshal blobs until a repository-wide check needs them, and the
repository-wide issues are cached too, valid while no summary changed.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import marshal
import os
import stat
import struct
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeGuard

from improve import __version__
from improve.core.analyze import FileResult, locate
from improve.core.repository import DocFile
from improve.core.rules import Context, Issue, RepoIssue
from improve.core.summary import Summary
from improve.model.finding import Finding, Severity

CACHE_FILE = "lint.cache"
FORMAT = 1
MAGIC = b"improve lint cache\n"
_HEADER = "<QI"  # payload length, CRC-32 of the payload
# Stamps this close to (or after) the start of the run that recorded them are checked by content.
RACY_NS = 3_000_000_000
GITIGNORE = b"# Created by improve: the lint cache, never committed.\n*\n"

Stamp = tuple[int, int, int]
EncodedFinding = tuple[int, int, str, str, str]
Encoded = tuple[tuple[EncodedFinding, ...], bytes | None]

SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(Summary))
_SEVERITIES = {s.value: s for s in Severity}


# --- the compact form of one file's result (also what worker processes send back) -------------


def encode_result(result: FileResult) -> Encoded:
    """(findings as tuples, the summary as a marshal blob): the blob is unpacked only when a
    repository-wide check needs it, so a warm run never builds 10,000 summaries."""
    findings = tuple((f.line, f.column, f.rule, str(f.severity.value), f.message)
                     for f in result.findings)
    summary = result.summary
    if summary is None:
        return findings, None
    return findings, marshal.dumps(tuple(getattr(summary, name) for name in SUMMARY_FIELDS))


def decode_result(path: str, data: Encoded) -> FileResult:
    return CachedResult(path, data[0], data[1])


def decode_findings(path: str, findings: tuple[EncodedFinding, ...]) -> list[Finding]:
    return [Finding(path, line, column, rule, _SEVERITIES[severity], message)
            for line, column, rule, severity, message in findings]


def unpack_summary(blob: bytes | None) -> Summary | None:
    return None if blob is None else Summary(*marshal.loads(blob))


class CachedResult(FileResult):
    """A file's result whose summary stays a marshal blob until it is used: a warm run over
    10,000 documents unpacks only the summaries the repository-wide checks need, if any."""

    def __init__(self, path: str, findings: tuple[EncodedFinding, ...], blob: bytes | None) -> None:
        # Most documents have no findings; the few that do are cheap to unpack now.
        self.findings = decode_findings(path, findings) if findings else []
        self._blob = blob
        self._summary: Summary | None = None
        self._unpacked = blob is None

    @property
    def summary(self) -> Summary | None:
        if not self._unpacked:
            self._summary = unpack_summary(self._blob)
            self._unpacked = True
        return self._summary

    @summary.setter
    def summary(self, value: Summary | None) -> None:
        self._summary = value
        self._unpacked = True


# A cross-file issue, as stored: (file, involves, rule, message, path, at_key, line, column,
# severity or None).
EncodedIssue = tuple[str, tuple[str, ...], str, str, tuple[Any, ...] | None, bool, int | None,
                     int, str | None]


def encode_issue(item: RepoIssue) -> EncodedIssue:
    issue = item.issue
    severity = None if issue.severity is None else str(issue.severity.value)
    return (item.file, tuple(item.involves), issue.rule, issue.message,
            None if issue.path is None else tuple(issue.path), issue.at_key, issue.line,
            issue.column, severity)


def decode_issue(data: EncodedIssue) -> RepoIssue:
    file, involves, rule, message, path, at_key, line, column, severity = data
    return RepoIssue(file, Issue(rule, message, path=path, at_key=at_key, line=line, column=column,
                                 severity=None if severity is None else _SEVERITIES[severity]),
                     involves=involves)


# --- what invalidates the whole cache ----------------------------------------------------------


def code_fingerprint() -> str:
    """Names, sizes and mtimes of improve's own files: a changed rule in a development checkout
    invalidates the cache even when the version number did not move."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=16)
    for dirpath, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            try:
                info = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            digest.update(f"{dirpath}/{name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def templates_fingerprint(ctx: Context) -> str:
    """The contents of the repository's templates folder (config `templates`), if it has one."""
    config = ctx.config
    if not config.templates:
        return "-"
    folder = config.root / config.templates
    digest = hashlib.blake2b(digest_size=16)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            digest.update(os.path.relpath(path, folder).encode("utf-8", "surrogateescape") + b"\0")
            try:
                with open(path, "rb") as handle:
                    digest.update(handle.read())
            except OSError:
                digest.update(b"\0unreadable")
    return digest.hexdigest()


def cache_key(ctx: Context) -> str:
    """Everything besides a file's own bytes and path that can change its findings."""
    from improve.core import validate

    parts = (
        f"format={FORMAT}",
        f"improve={__version__}",
        f"python={sys.version_info[0]}.{sys.version_info[1]}/marshal={marshal.version}",
        f"code={code_fingerprint()}",
        f"schemas={validate.schema_fingerprint()}",
        f"config={ctx.config.fingerprint()}",
        f"templates={templates_fingerprint(ctx)}",
        f"today={ctx.today.isoformat()}",
        f"summary={','.join(SUMMARY_FIELDS)}",
    )
    return "\n".join(parts)


# --- the store ---------------------------------------------------------------------------------

# An entry, as stored: [mtime_ns, size, inode, digest, findings, summary blob,
# {position key: (line, column)} or None]
Entry = list[Any]
_ENTRY_LENGTH = 7


class LintCache:
    """The cache of one run: load, `analyze` the documents, get the `repo_issues`, `position`
    cross-file findings, `save`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.root = str(ctx.config.root)
        self.folder = ctx.config.cache_path
        self.file = self.folder / CACHE_FILE
        self.key = cache_key(ctx)
        self.started_ns = time.time_ns()
        self.loaded = False  # whether a valid cache was found
        self._written_ns = 0
        self._old_repo: tuple[EncodedIssue, ...] | None = None
        self._old: dict[str, Entry] = self._load()
        self._new: dict[str, Entry] = {}
        self._repo: tuple[EncodedIssue, ...] | None = None
        self._summaries_same = False
        self._dirty = False

    # reading

    def _load(self) -> dict[str, Entry]:
        try:
            with open(self.file, "rb") as handle:
                blob = handle.read()
        except OSError:
            return {}
        payload = _unwrap(blob)
        if payload is None:
            return {}
        try:
            with _gc_paused():
                data = marshal.loads(payload)
            if not isinstance(data, dict) or data.get("key") != self.key:
                return {}
            entries, written, repo = data["entries"], data["written_ns"], data["repo"]
            if (not isinstance(entries, dict) or not isinstance(written, int)
                    or not isinstance(repo, tuple | None)):
                return {}
        except (EOFError, ValueError, TypeError, KeyError):
            return {}
        self.loaded = True
        self._written_ns = written
        self._old_repo = repo
        return entries

    def _rehashed(self, doc_file: DocFile, entry: Entry) -> Entry | None:
        """The entry with a fresh stamp when the file's bytes are still the ones it describes."""
        from improve.core.parallel import digest, read_stamped

        got = read_stamped(f"{self.root}/{doc_file.path}", self.ctx.config.max_file_size)
        if got is None or digest(got[1]) != entry[3]:
            return None
        self._dirty = True  # same bytes, new stamp (a checkout, a touch): record the new stamp
        return [*got[0], *entry[3:]]

    def analyze(self, files: Sequence[DocFile],
                stats: dict[str, os.stat_result] | None = None) -> dict[str, FileResult]:
        """Every document's result: cached where unchanged, analysed (in parallel) otherwise.

        `stats`: `os.lstat` results already taken (by `discover`), to not stat twice.
        """
        from improve.core.parallel import analyze_records

        stats = stats or {}
        results: dict[str, FileResult] = {}
        stale: list[DocFile] = []
        trusted_before = self._written_ns - RACY_NS
        old, new, root = self._old, self._new, self.root
        with _gc_paused():
            for doc_file in files:
                path = doc_file.path
                entry = old.get(path)
                if entry is None:
                    stale.append(doc_file)
                    continue
                try:
                    if len(entry) != _ENTRY_LENGTH:
                        raise ValueError(path)
                    info = stats.get(path) or os.lstat(f"{root}/{path}")
                    if not (info.st_mtime_ns == entry[0] and info.st_size == entry[1]
                            and info.st_ino == entry[2] and entry[0] < trusted_before
                            and stat.S_ISREG(info.st_mode)):
                        entry = self._rehashed(doc_file, entry)
                    if entry is not None:
                        results[path] = CachedResult(path, entry[4], entry[5])
                except (OSError, LookupError, TypeError, ValueError):
                    entry = None  # gone, unreadable, or not what this version writes
                if entry is None:
                    stale.append(doc_file)
                else:
                    new[path] = entry
        fresh = {r.path: r for r in analyze_records(stale, self.ctx)}
        same = self.loaded and len(old) == len(files)
        for doc_file in stale:
            record = fresh[doc_file.path]
            findings, blob = record.data
            if record.stamp is not None and record.digest is not None:
                new[record.path] = [*record.stamp, record.digest, findings, blob, None]
            else:
                same = False  # not cacheable: its summary cannot be compared next time
            if same:
                same = _same_summary(old.get(record.path), blob)
            results[record.path] = CachedResult(record.path, findings, blob)
        self._summaries_same = same and len(new) == len(files)
        if stale or len(old) != len(new):
            self._dirty = True
        return {doc_file.path: results[doc_file.path] for doc_file in files}

    def repo_issues(self, compute: Callable[[], list[RepoIssue]]) -> list[RepoIssue]:
        """The repository-wide issues: the cached ones when no summary changed, else `compute()`."""
        if self._summaries_same and self._old_repo is not None:
            try:
                issues = [decode_issue(item) for item in self._old_repo]
            except (TypeError, ValueError, KeyError):
                pass
            else:
                self._repo = self._old_repo
                return issues
        issues = compute()
        self._repo = tuple(encode_issue(item) for item in issues)
        if self._repo != self._old_repo:
            self._dirty = True
        return issues

    def position(self, doc_file: DocFile, issue: Issue) -> tuple[int, int]:
        """Line and column of a cross-file issue, from the cache when this file was seen before."""
        if issue.line is not None or issue.path is None:
            return locate_plain(issue)
        key = (issue.at_key, *issue.path)
        entry = self._new.get(doc_file.path)
        if entry is not None and entry[6] is not None:
            known = entry[6].get(key)
            if known is not None:
                return (known[0], known[1])
        from improve.core.parallel import digest, read_stamped
        from improve.core.repository import read_document

        got = read_stamped(f"{self.root}/{doc_file.path}", self.ctx.config.max_file_size)
        raw = got[1] if got is not None else None
        doc = read_document(self.ctx.config, doc_file, raw=raw)
        line, column = locate(doc.parsed, issue)
        if entry is not None and raw is not None and digest(raw) == entry[3]:
            if entry[6] is None:
                entry[6] = {}
            entry[6][key] = (line, column)
            self._dirty = True
        return line, column

    # writing

    def save(self) -> bool:
        """Write the cache if anything changed; False when it could not be written (ignored)."""
        if not self._dirty:
            return True
        from improve.core.fsutil import atomic_write

        data = {"key": self.key, "written_ns": self.started_ns, "entries": self._new,
                "repo": self._repo}
        try:
            payload = marshal.dumps(data)
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                atomic_write(self.folder / ".gitignore", GITIGNORE)
            atomic_write(self.file, _wrap(payload))
        except (OSError, ValueError):
            return False
        self._dirty = False
        return True


def locate_plain(issue: Issue) -> tuple[int, int]:
    """The position of an issue that needs no file: its own line, or the top of the file."""
    if issue.line is not None:
        return issue.line, issue.column
    return 1, 1


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building many small tuples trips the cyclic collector for nothing; none of them cycle."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _same_summary(old: Entry | None, blob: bytes | None) -> bool:
    """Whether a re-analysed file's summary equals its cached one (by value: marshal's bytes
    for equal values can differ)."""
    if not _well_formed(old):
        return False
    if old[5] is None or blob is None:
        return old[5] is blob
    try:
        return bool(marshal.loads(old[5]) == marshal.loads(blob))
    except (EOFError, ValueError, TypeError):
        return False


def _wrap(payload: bytes) -> bytes:
    return MAGIC + struct.pack(_HEADER, len(payload), zlib.crc32(payload)) + payload


def _unwrap(blob: bytes) -> bytes | None:
    """The payload when the blob is a whole cache written by improve, else None (a truncated,
    corrupt or foreign file). A checksum, not a signature: it catches damage, and whoever can
    write this folder can write the repository anyway."""
    head = len(MAGIC) + struct.calcsize(_HEADER)
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    length, checksum = struct.unpack_from(_HEADER, blob, len(MAGIC))
    payload = blob[head:]
    if len(payload) != length or zlib.crc32(payload) != checksum:
        return None
    return payload


def _well_formed(entry: object) -> TypeGuard[Entry]:
    return (isinstance(entry, list) and len(entry) == _ENTRY_LENGTH
            and isinstance(entry[3], bytes) and isinstance(entry[4], tuple)
            and isinstance(entry[5], bytes | None) and isinstance(entry[6], dict | None))


def cached_analyze(files: Sequence[DocFile], ctx: Context) -> dict[str, FileResult]:
    """Every document's result through the cache (loaded, updated and saved in one call)."""
    store = LintCache(ctx)
    results = store.analyze(files)
    store.save()
    return results
