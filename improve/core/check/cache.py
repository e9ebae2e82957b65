"""The lint cache: each document's findings and compact summary, kept between runs.

Kept per file: its stamp, git's blob id of the bytes analysed, the memo key of front matter that
passed the schema checks (`ValidMemo`), its findings and its `Summary` (a marshal blob, not the
parsed document), and the positions of keys that cross-file findings pointed at. So a warm run,
and a one-file run from pre-commit, re-read only what changed and still run every
repository-wide check on the summaries of all documents; the repository-wide issues are kept
too, valid while no summary changed.

A file is unchanged when git vouches for it (`Discovery.clean`: tracked, held unchanged in the
working tree, with the blob id the entry analysed), or, the way git's index does it, when its
stamp (mtime in ns, size, inode, ctime in ns) equals the recorded one. A stamp recorded within
`RACY_NS` before the run that wrote it is "racy" (a later edit could land in the same timestamp
tick), so it is checked by content, as is every changed stamp: the same bytes keep their entry.
Symbolic links are never cached.

Everything is thrown away with a different `cache_key` (`cachekey`).

Where: `<cache_dir>/lint.cache` (`.improve-cache/` by default, with a `.gitignore` of its own),
rewritten whole and atomically by a run that changed anything (without fsync: it can always be
rebuilt); of two runs at once, the last one wins. The payload is `marshal` data behind a magic
line, its length and a CRC-32, all checked before it is unmarshalled, and every entry is checked
for shape before it is used: a corrupt, truncated, foreign or unreadable cache is ignored and
rebuilt, never trusted (a summary that does not unpack raises `DamagedCache`, and `lint` starts
over without the cache); an unwritable one is skipped. A cache git tracks is never opened (the
caller asks `Discovery.cache_tracked` first).
"""

from __future__ import annotations

import contextlib
import dataclasses
import marshal
import os
import stat
import struct
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from improve.core.check.analyze import FileResult, locate
from improve.core.check.cachekey import cache_key
from improve.core.check.compact import (
    DamagedCache,
    EncodedFinding,
    EncodedIssue,
    decode_findings,
    decode_issue,
    encode_issue,
    unpack_summary,
)
from improve.core.check.parallel import analyze_records, read_stamped
from improve.core.check.rules import Context, Issue, RepoIssue
from improve.core.check.summary import Summary
from improve.core.check.validate import ValidMemo
from improve.core.fsutil import atomic_write, read_bounded
from improve.core.gcpause import gc_paused
from improve.core.hashing import CONTENT_ID_SIZE, content_id
from improve.core.read.discovery import DocFile
from improve.model.finding import Finding

__all__ = ["CACHE_FILE", "CachedResults", "DamagedCache", "LintCache"]

CACHE_FILE = "lint.cache"
MAGIC = b"improve lint cache\n"
_FRAME = struct.Struct("<QI")  # payload length, CRC-32 of the payload
RACY_NS = 3_000_000_000
CACHE_MAX_BYTES = 256 << 20  # 100,000 documents take tens of megabytes
GITIGNORE = b"# Created by improve: the lint cache, never committed.\n*\n"
# An entry is (head, summary blob); the head packs the stamp, git's blob id of the bytes
# analysed and the memo key (zeros: none): one bytes object instead of seven small ones.
_STAMP = struct.Struct("<4q")
_DIGEST_AT, _VALID_AT = _STAMP.size, _STAMP.size + CONTENT_ID_SIZE
_HEAD_SIZE = _VALID_AT + ValidMemo.KEY_SIZE
_NO_KEY = bytes(ValidMemo.KEY_SIZE)
Entry = tuple[bytes, bytes | None]


class LintCache:
    """The cache of one run: load, `analyze` the documents, get the `repo_issues`, `position`
    cross-file findings, `save`."""

    def __init__(self, ctx: Context) -> None:
        self.root = str(ctx.config.root)
        self.folder = ctx.config.cache_path
        self.file = self.folder / CACHE_FILE
        self.key = cache_key(ctx)
        self.started_ns = time.time_ns()
        old = self._load()
        self.loaded = old is not None
        written, self._old, self._old_findings, self._old_positions, old_repo = (
            old or (0, {}, {}, {}, None))
        self._old_repo: tuple[EncodedIssue, ...] | None = old_repo
        self._trusted_before = written - RACY_NS
        self.ctx = dataclasses.replace(ctx, memo=ValidMemo(self._valid_keys))
        self._max_size = ctx.config.max_file_size
        # This run's entries (b"" heads: not cacheable), findings and positions.
        self._rows: dict[str, Entry] = {}
        self._findings: dict[str, tuple[EncodedFinding, ...]] = {}
        self._kept: set[str] = set()  # entries whose bytes are the old ones: positions hold
        self._positions: dict[str, dict[Any, tuple[int, int]]] = {}
        self._repo: tuple[EncodedIssue, ...] | None = None
        self._summaries_same = False
        self._dirty = False

    def _load(self) -> tuple[int, dict[str, Any], dict[str, Any], dict[str, Any], Any] | None:
        try:  # a regular file, not through a link, bounded (issue 11)
            blob = read_bounded(self.file, CACHE_MAX_BYTES, follow_links=False)
        except OSError:
            return None
        payload = unframe(blob) if len(blob) <= CACHE_MAX_BYTES else None
        if payload is None:
            return None
        try:
            with gc_paused():
                data = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None
        if not (isinstance(data, tuple) and len(data) == 6 and data[0] == self.key):
            return None
        _key, written, entries, findings, positions, repo = data
        if not (isinstance(written, int) and isinstance(entries, dict)
                and isinstance(findings, dict) and isinstance(positions, dict)
                and isinstance(repo, tuple | None)):
            return None
        return written, entries, findings, positions, repo

    def _valid_keys(self) -> Iterator[bytes]:
        for entry in self._old.values():
            if _well_formed(entry) and (key := entry[0][_VALID_AT:]) != _NO_KEY:
                yield key

    def _unchanged(self, path: str, entry: Entry, info: os.stat_result | None,
                   blob_id: str | None) -> Entry | None:
        """The entry, when its file still holds the bytes it describes (under a new stamp when
        only the stamp moved), else None."""
        if not _well_formed(entry):
            return None
        head, blob = entry
        if blob_id is not None and head[_DIGEST_AT:_VALID_AT].hex() == blob_id:
            return entry  # git's index holds the very bytes this entry analysed
        info = info or os.lstat(f"{self.root}/{path}")
        mtime, _size, _inode, ctime = _STAMP.unpack_from(head)
        now = _STAMP.pack(info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)
        if (now == head[:_DIGEST_AT] and stat.S_ISREG(info.st_mode)
                and mtime < self._trusted_before and ctime < self._trusted_before):
            return entry
        got = read_stamped(f"{self.root}/{path}", self._max_size)  # a touch, a checkout
        if got is None or content_id(got[1]) != head[_DIGEST_AT:_VALID_AT]:
            return None
        self._dirty = True
        return _STAMP.pack(*got[0]) + head[_DIGEST_AT:], blob

    def analyze(self, files: Sequence[DocFile], stats: Mapping[str, os.stat_result] | None = None,
                clean: Mapping[str, str] | None = None) -> CachedResults:
        """Every document's result: kept where unchanged, analysed (in parallel) otherwise.

        `stats`: `os.lstat` results `discover` already took; `clean`: the blob ids of the files
        git holds unchanged."""
        stats, clean = stats or {}, clean or {}
        old, old_findings = self._old, self._old_findings
        findings: dict[str, list[Finding]] = {}
        stale: list[DocFile] = []
        with gc_paused():
            for doc_file in files:
                path = doc_file.path
                entry = old.get(path)
                try:
                    kept = entry and self._unchanged(path, entry, stats.get(path), clean.get(path))
                    encoded = old_findings.get(path) if kept else None
                    if encoded:
                        findings[path] = decode_findings(path, encoded)
                        self._findings[path] = encoded
                except (OSError, LookupError, TypeError, ValueError, struct.error):
                    kept = None  # gone, unreadable, or not what this version writes
                if kept:
                    self._rows[path] = kept
                    self._kept.add(path)
                else:
                    stale.append(doc_file)
        same = self.loaded and len(old) == len(files)
        for record in analyze_records(stale, self.ctx):
            path = record.path
            encoded, blob = record.data
            head = b"" if record.stamp is None or record.digest is None else (
                _STAMP.pack(*record.stamp) + record.digest + (record.valid or _NO_KEY))
            self._rows[path] = (head, blob)
            same = same and bool(head) and _same_summary(old.get(path), blob)
            if encoded:
                findings[path] = decode_findings(path, encoded)
                self._findings[path] = encoded
        self._rows = {f.path: self._rows[f.path] for f in files}  # in the files' order
        self._summaries_same = same
        if stale or len(old) != len(files):
            self._dirty = True
        return CachedResults(self._rows, dict(sorted(findings.items())))

    def repo_issues(self, compute: Callable[[], list[RepoIssue]]) -> list[RepoIssue]:
        """The repository-wide issues: the kept ones when no summary changed, else `compute()`."""
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
        """Line and column of a cross-file issue, kept from an earlier run for the same bytes."""
        if issue.line is not None or issue.path is None:
            return (issue.line, issue.column) if issue.line is not None else (1, 1)
        path, key = doc_file.path, (issue.at_key, *issue.path)
        known = self._positions.get(path)
        if known is None:
            old = self._old_positions.get(path) if path in self._kept else None
            known = self._positions[path] = dict(old) if isinstance(old, dict) else {}
        with contextlib.suppress(KeyError, TypeError, ValueError):
            line, column = known[key]
            return int(line), int(column)
        from improve.core.read.repository import read_document

        got = read_stamped(f"{self.root}/{path}", self._max_size)
        raw = got[1] if got is not None else None
        line, column = locate(read_document(self.ctx.config, doc_file, raw=raw).parsed, issue)
        head = self._rows.get(path, (b"", None))[0]
        if raw is not None and head and content_id(raw) == head[_DIGEST_AT:_VALID_AT]:
            known[key] = (line, column)
            self._dirty = True
        return line, column

    def save(self) -> bool:
        """Write the cache when this run changed anything; False when it could not (ignored)."""
        if not self._dirty:
            return True
        entries = {path: entry for path, entry in self._rows.items() if entry[0]}
        positions = {}
        for path in entries:
            known = self._positions.get(path)
            if known is None and path in self._kept:
                known = self._old_positions.get(path)
            if known:
                positions[path] = known
        findings = {path: self._findings[path] for path in entries if path in self._findings}
        payload = marshal.dumps((self.key, self.started_ns, entries, findings, positions,
                                 self._repo))
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                atomic_write(self.folder / ".gitignore", GITIGNORE)
            atomic_write(self.file, frame(payload), durable=False)
        except (OSError, ValueError):
            return False
        self._dirty = False
        return True


def frame(payload: bytes) -> bytes:
    return MAGIC + _FRAME.pack(len(payload), zlib.crc32(payload)) + payload


def unframe(blob: bytes) -> memoryview | None:
    """The payload when the blob is a whole cache file, else None (truncated, corrupt, foreign).
    A checksum, not a signature: it catches damage; whoever can write this folder can write the
    repository anyway, and a cache git tracks is never read."""
    head = len(MAGIC) + _FRAME.size
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    length, checksum = _FRAME.unpack_from(blob, len(MAGIC))
    payload = memoryview(blob)[head:]  # not copied: a megabyte copy costs a millisecond
    if len(payload) != length or zlib.crc32(payload) != checksum:
        return None
    return payload


class CachedResults(Mapping[str, FileResult]):
    """Every document's result, made on demand: a one-file run looks at the few it reports,
    and a run whose summaries did not change unpacks none of them."""

    def __init__(self, rows: dict[str, Entry], findings: dict[str, list[Finding]]) -> None:
        self._rows = rows
        self._findings = findings

    def __getitem__(self, path: str) -> FileResult:
        return FileResult(self._findings.get(path, []), unpack_summary(path, self._rows[path][1]))

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def findings_of(self, chosen: set[str] | None) -> list[Finding]:
        """The per-file findings of the `chosen` documents (of all with None)."""
        return [finding for path, found in self._findings.items()
                if chosen is None or path in chosen for finding in found]

    def summaries(self) -> dict[str, Summary]:
        found = {}
        with gc_paused():
            for path, (_head, blob) in self._rows.items():
                summary = unpack_summary(path, blob)
                if summary is not None:
                    found[path] = summary
        return found


def _well_formed(entry: Any) -> bool:
    """Whether an entry has the shape this version writes (anything else is analysed again)."""
    return (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], bytes)
            and len(entry[0]) == _HEAD_SIZE and isinstance(entry[1], bytes | None))


def _same_summary(entry: Any, blob: bytes | None) -> bool:
    """Whether a re-analysed file's summary equals the one its old entry kept (by value:
    marshal's bytes for equal values can differ)."""
    try:
        old = entry[1]
        if old is None or blob is None:
            return old is blob
        return bool(marshal.loads(old) == marshal.loads(blob))
    except (EOFError, ValueError, TypeError, IndexError):
        return False
