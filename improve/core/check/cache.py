"""The lint cache: each document's findings and compact summary, kept between runs.

What is kept: per file, the per-file findings and the `Summary` the repository-wide checks need
(not the parsed document), the memo key of front matter that passed the schema checks
(`ValidMemo`), plus the positions of keys that cross-file findings pointed at. So a warm run, and
a one-file run from pre-commit, re-read only what changed and still run every repository-wide
check on the summaries of all documents.

How a file is known to be unchanged: git vouches for it (`Discovery.clean`: tracked, held
unchanged in the working tree, and its blob id is git's id of the bytes this entry analysed), or,
the way git's index does it, its stamp (mtime in ns, size, inode, ctime in ns) equals the recorded one. A file
whose stamp changed is read and hashed; the same bytes keep their result. A stamp recorded within
`RACY_NS` before the run that wrote it is "racy" (a later edit could land in the same timestamp
tick), so it is checked by content too. Symbolic links are never cached.

When everything is thrown away: a different improve version or code, schemas
(`validate.schema_fingerprint()`), config (`Config.fingerprint()`), templates folder, Python, or
today's date (overdue and stale findings depend on it).

Where: `<cache_dir>/lint.cache` (`.improve-cache/` by default, with a `.gitignore` of its own),
the base, written atomically (without fsync: it can always be rebuilt), and `lint.journal`, the
records later runs appended (see "the store" below). The payload is `marshal` data (several times
faster to load than JSON or pickle) laid out in columns, behind a magic line, its length and a
CRC-32, all checked before it is unmarshalled: a corrupt, truncated, foreign or unreadable cache
is ignored and rebuilt, never trusted (a summary that does not unpack raises `DamagedCache`, and
`lint` starts over without the cache); an unwritable one is skipped. Two runs at once each write
a complete base, the last one wins; of two journal records appended at once, the first counts.
Summaries stay marshal blobs until a repository-wide check needs them, and the repository-wide
issues are cached too, valid while no summary changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import marshal
import os
import stat
import struct
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from improve import __version__
from improve.core.check.analyze import FileResult, locate
from improve.core.check.rules import Context, Issue, RepoIssue
from improve.core.check.summary import Summary
from improve.core.check.validate import ValidMemo
from improve.core.fsutil import read_bounded
from improve.core.gcpause import gc_paused
from improve.core.hashing import CONTENT_ID_SIZE as DIGEST_SIZE
from improve.core.hashing import content_id, hasher
from improve.core.read.discovery import DocFile
from improve.model.finding import Finding, Severity

CACHE_FILE = "lint.cache"
FORMAT = 7
MAGIC = b"improve lint cache\n"
_HEADER = "<QI"  # payload length, CRC-32 of the payload
# Stamps this close to (or after) the start of the run that recorded them are checked by content.
RACY_NS = 3_000_000_000
GITIGNORE = b"# Created by improve: the lint cache, never committed.\n*\n"

Stamp = tuple[int, int, int, int]  # fsutil.Stamp: mtime_ns, size, inode, ctime_ns
_W = 4  # numbers in a stamp
EncodedFinding = tuple[int, int, str, str, str]
Encoded = tuple[tuple[EncodedFinding, ...], bytes | None]

SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(Summary))
_SEVERITIES = {s.value: s for s in Severity}


class DamagedCache(Exception):
    """A cached summary does not unpack: the cache was not written by this version of improve."""


# --- the compact form of one file's result (also what worker processes send back) -------------


def encode_result(result: FileResult) -> Encoded:
    """(findings as tuples, the summary as a marshal blob): the blob is unpacked only when a
    repository-wide check needs it, so a warm run never builds 10,000 summaries."""
    findings = tuple((f.line, f.column, f.rule, str(f.severity.value), f.message)
                     for f in result.findings)
    summary = result.summary
    if summary is None:
        return findings, None
    # Without the path, which the cache keeps anyway (a sixth of the summaries' bytes).
    return findings, marshal.dumps(tuple(getattr(summary, name) for name in SUMMARY_FIELDS[1:]))


def decode_result(path: str, data: Encoded) -> FileResult:
    return FileResult(decode_findings(path, data[0]) if data[0] else [],
                      unpack_summary(path, data[1]))


def decode_findings(path: str, findings: tuple[EncodedFinding, ...]) -> list[Finding]:
    return [Finding(path, line, column, rule, _SEVERITIES[severity], message)
            for line, column, rule, severity, message in findings]


def unpack_summary(path: str, blob: bytes | None) -> Summary | None:
    if blob is None:
        return None
    try:
        return Summary(path, *marshal.loads(blob))
    except (EOFError, ValueError, TypeError) as exc:
        raise DamagedCache(f"the cached summary of {path} does not unpack ({exc})") from None


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
    package = Path(__file__).resolve().parent.parent.parent
    digest = hasher()
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


# The templates folder is hashed to key the cache: bounded like every read (a folder of links to
# /dev/zero, FIFOs or a million files must not hang lint or exhaust its memory: issue 11).
TEMPLATE_FILES_HASHED = 1000
TEMPLATE_BYTES_HASHED = 1 << 20


def templates_fingerprint(ctx: Context) -> str:
    """The contents of the repository's templates folder (config `templates`), if it has one.

    Links are not followed (a link is hashed as its target's name) and only regular files are
    read, each up to a bound; past `TEMPLATE_FILES_HASHED` files the rest is left out.
    """
    config = ctx.config
    if not config.templates:
        return "-"
    folder = config.root / config.templates
    digest = hasher()
    seen = 0
    for dirpath, dirnames, filenames in os.walk(folder):  # never into linked folders
        dirnames.sort()
        for name in sorted(filenames):
            seen += 1
            if seen > TEMPLATE_FILES_HASHED:
                return digest.hexdigest()
            path = os.path.join(dirpath, name)
            digest.update(os.path.relpath(path, folder).encode("utf-8", "surrogateescape") + b"\0")
            try:
                digest.update(read_bounded(path, TEMPLATE_BYTES_HASHED, follow_links=False))
            except OSError:
                try:
                    digest.update(b"\0other:" + os.readlink(path).encode("utf-8", "surrogateescape"))
                except OSError:
                    digest.update(b"\0unreadable")
    return digest.hexdigest()


def cache_key(ctx: Context) -> str:
    """Everything besides a file's own bytes and path that can change its findings."""
    from improve.core.check import validate
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
        f"columns={_STAMP_TYPE}{array(_STAMP_TYPE).itemsize}{_SIZE_TYPE}{array(_SIZE_TYPE).itemsize}"
        f"/{sys.byteorder}",
    )
    return "\n".join(parts)


# --- the store ---------------------------------------------------------------------------------

# The cache is a base file, rewritten whole now and then, and a journal of small records appended
# after it, so that a one-file run from pre-commit writes one row, not 10,000.
#
# The base holds columns rather than an object per document (loading 10,000 entries is then a
# few large copies instead of 100,000 small objects):
#
#   base_id     random bytes naming this base: journal records name the base they extend
#   paths       sorted tuple of repository-relative paths
#   stamps      int64 quadruples (mtime_ns, size, inode, ctime_ns), one per path
#   digests     git's 20-byte blob id of the bytes analysed, one per path
#   valids      16-byte key of the front matter when it passed the schema checks (ValidMemo),
#               zeros otherwise, one per path
#   sizes       uint32 byte length of each summary blob (0: no summary), one per path
#   summaries   the summary blobs, back to back
#   findings    {path: encoded findings}, only for documents with findings
#   positions   {path: {position key: (line, column)}}, only where cross-file findings pointed
#   repo        the repository-wide issues, valid while no summary changes
#
# A journal record is what one run changed when the files stayed the same: (key, base_id, seq,
# started_ns, rows, positions, repo), each row (index, stamp, digest, findings, summary blob,
# valid key).
# It is applied only to the base it names and only as the `seq`-th record: of two runs that
# appended at once, the second one's record is skipped (its files are looked at again next
# time), so every record applied was computed from exactly the state before it. Records are
# framed and checksummed like the base; at the first damaged frame the rest is ignored. After
# `JOURNAL_MAX_RECORDS` records, or when files came or went, the next run writes a new base and
# removes the journal.

JOURNAL_FILE = "lint.journal"
JOURNAL_MAGIC = b"IJ"
JOURNAL_MAX_RECORDS = 32
JOURNAL_MAX_BYTES = 1 << 20
CACHE_MAX_BYTES = 256 << 20  # 100,000 documents take tens of megabytes
_STAMP_TYPE, _SIZE_TYPE = "q", "I"  # machine-dependent widths and byte order: in the key
_FIELDS = 12  # key, base_id, written_ns, then the columns above
VALID_SIZE = ValidMemo.KEY_SIZE
_NO_KEY = bytes(VALID_SIZE)
_RECORD_FIELDS = 7


class _Table:
    """The columns of the base (see above), checked for shape when loaded, with the journal's
    records applied over them."""

    __slots__ = (
        "_offsets",
        "base_id",
        "digests",
        "findings",
        "index",
        "journal_bytes",
        "journal_clean",
        "overrides",
        "paths",
        "positions",
        "records",
        "repo",
        "sizes",
        "stamps",
        "summaries",
        "trusted_before",
        "valids",
        "written_ns",
    )

    def __init__(self, paths: tuple[str, ...], stamps: array[int], digests: bytes | bytearray,
                 valids: bytes | bytearray, sizes: array[int], summaries: bytes,
                 findings: dict[str, Any], positions: dict[str, Any], *, base_id: bytes = b"",
                 written_ns: int = 0, repo: tuple[EncodedIssue, ...] | None = None) -> None:
        self.paths = paths
        self.stamps = stamps
        self.digests = bytearray(digests)
        self.valids = bytearray(valids)
        self.sizes = sizes
        self.summaries = summaries
        self.findings = findings
        self.positions = positions
        self.base_id = base_id
        self.written_ns = written_ns
        self.repo = repo
        self.index = dict(zip(paths, range(len(paths)), strict=True))
        self.overrides: dict[int, bytes | None] = {}  # summary blobs from journal records
        self.trusted_before: dict[int, int] = {}  # rows from journal records: their own bound
        self.records = 0  # journal records applied
        self.journal_bytes = 0
        self.journal_clean = True  # every record in the journal was applied
        self._offsets: list[int] | None = None

    @classmethod
    def from_payload(cls, data: tuple[Any, ...]) -> _Table | None:
        (_key, base_id, written, paths, stamps, digests, valids, sizes, summaries, findings,
         positions, repo) = data
        if not (isinstance(base_id, bytes) and isinstance(written, int)
                and isinstance(paths, tuple) and isinstance(stamps, bytes)
                and isinstance(digests, bytes) and isinstance(valids, bytes)
                and isinstance(sizes, bytes)
                and isinstance(summaries, bytes) and isinstance(findings, dict)
                and isinstance(positions, dict) and isinstance(repo, tuple | None)):
            return None
        count = len(paths)
        stamp_array, size_array = array(_STAMP_TYPE), array(_SIZE_TYPE)
        if len(stamps) != _W * count * stamp_array.itemsize or len(digests) != DIGEST_SIZE * count:
            return None
        if len(sizes) != count * size_array.itemsize or len(valids) != VALID_SIZE * count:
            return None
        stamp_array.frombytes(stamps)
        size_array.frombytes(sizes)
        if sum(size_array) != len(summaries):
            return None
        table = cls(paths, stamp_array, digests, valids, size_array, summaries, findings,
                    positions, base_id=base_id, written_ns=written, repo=repo)
        if len(table.index) != count:  # a path twice
            return None
        return table

    @classmethod
    def empty(cls) -> _Table:
        return cls((), array(_STAMP_TYPE), b"", b"", array(_SIZE_TYPE), b"", {}, {})

    def blob(self, i: int) -> bytes | None:
        if self.overrides and i in self.overrides:
            return self.overrides[i]
        if self._offsets is None:  # where each base blob starts, and the last one ends
            self._offsets = list(accumulate(self.sizes, initial=0))
        start, end = self._offsets[i], self._offsets[i + 1]
        return self.summaries[start:end] if end > start else None

    def digest(self, i: int) -> bytes:
        return bytes(self.digests[i * DIGEST_SIZE:(i + 1) * DIGEST_SIZE])

    def valid(self, i: int) -> bytes:
        key = bytes(self.valids[i * VALID_SIZE:(i + 1) * VALID_SIZE])
        return b"" if key == _NO_KEY else key

    def apply(self, record: object, key: str) -> bool:
        """Apply a journal record if it extends exactly this state; False when it does not."""
        if not (isinstance(record, tuple) and len(record) == _RECORD_FIELDS):
            return False
        rec_key, base_id, seq, started, rows, positions, repo = record
        if (rec_key != key or base_id != self.base_id or seq != self.records
                or not isinstance(started, int) or not isinstance(rows, tuple)
                or not isinstance(positions, dict) or not isinstance(repo, tuple | None)):
            return False
        count = len(self.paths)
        for row in rows:  # all checked before any is applied
            if not (isinstance(row, tuple) and len(row) == 6 and isinstance(row[0], int)
                    and 0 <= row[0] < count and isinstance(row[1], tuple) and len(row[1]) == _W
                    and all(isinstance(n, int) for n in row[1]) and isinstance(row[2], bytes)
                    and len(row[2]) == DIGEST_SIZE and isinstance(row[3], tuple)
                    and isinstance(row[4], bytes | None) and isinstance(row[5], bytes)
                    and len(row[5]) in (0, VALID_SIZE)):
                return False
        for i, stamp, row_digest, encoded, blob, valid in rows:
            path = self.paths[i]
            self.stamps[_W * i:_W * i + _W] = array(_STAMP_TYPE, stamp)
            if self.digest(i) != row_digest:
                self.positions.pop(path, None)
            self.digests[i * DIGEST_SIZE:(i + 1) * DIGEST_SIZE] = row_digest
            if encoded:
                self.findings[path] = encoded
            else:
                self.findings.pop(path, None)
            self.overrides[i] = blob
            self.valids[i * VALID_SIZE:(i + 1) * VALID_SIZE] = valid or _NO_KEY
            self.trusted_before[i] = started - RACY_NS
        self.positions.update(positions)
        self.repo = repo
        self.records += 1
        return True


class _Fresh(NamedTuple):
    """An entry made in this run: a file analysed, or an old entry whose file was touched."""

    stamp: Stamp
    digest: bytes  # empty: not cacheable (a symbolic link...), left out of the cache
    findings: tuple[EncodedFinding, ...]
    blob: bytes | None
    touched: bool = False  # the old entry's bytes, under a new stamp: its positions still hold
    valid: bytes = b""  # its front matter's memo key, when it passed the schema checks


class CachedResults(Mapping[str, FileResult]):
    """Every document's result, made on demand: a one-file run looks at the few it reports,
    and a run whose summaries did not change unpacks none of them."""

    def __init__(self, paths: list[str], findings: dict[str, list[Finding]],
                 blob: Callable[[int], bytes | None], at: Callable[[str], int | None]) -> None:
        self._paths = paths
        self._findings = findings
        self._blob = blob  # a document's summary blob, by its place in `paths`
        self._at = at  # a path's place in `paths`

    def __getitem__(self, path: str) -> FileResult:
        at = self._at(path)
        if at is None:
            raise KeyError(path)
        return FileResult(self._findings.get(path, []), unpack_summary(path, self._blob(at)))

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def findings_of(self, chosen: set[str] | None) -> list[Finding]:
        """The per-file findings of the `chosen` documents (of all with None)."""
        return [finding for path, found in self._findings.items()
                if chosen is None or path in chosen for finding in found]

    def summaries(self) -> dict[str, Summary]:
        found = {}
        with gc_paused():
            for at, path in enumerate(self._paths):
                summary = unpack_summary(path, self._blob(at))
                if summary is not None:
                    found[path] = summary
        return found


class LintCache:
    """The cache of one run: load, `analyze` the documents, get the `repo_issues`, `position`
    cross-file findings, `save`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.root = str(ctx.config.root)
        self.folder = ctx.config.cache_path
        self.file = self.folder / CACHE_FILE
        self.journal = self.folder / JOURNAL_FILE
        self.key = cache_key(ctx)
        self.started_ns = time.time_ns()
        self.loaded = False  # whether a valid base was found
        self._old: _Table | None = self._load()
        self._old_repo = self._old.repo if self._old is not None else None
        # This run's analyses know the front matter that passed the schema checks before.
        self.ctx = dataclasses.replace(
            ctx, memo=ValidMemo(bytes(self._old.valids) if self._old is not None else b""))
        # This run's entries, in the order of its files: an old row's index, or a fresh entry.
        self._paths: list[str] = []
        self._rows: list[int | _Fresh] = []
        self._fresh_at: list[int] = []  # where the fresh entries are in `_rows`
        self._at: dict[str, int] | None = None
        self._positions: dict[str, dict[Any, tuple[int, int]]] = {}
        self._new_positions: set[str] = set()
        self._repo: tuple[EncodedIssue, ...] | None = None
        self._summaries_same = False
        self._dirty = False

    # reading

    def _load(self) -> _Table | None:
        try:  # a regular file, not through a link, bounded (issue 11)
            blob = read_bounded(self.file, CACHE_MAX_BYTES, follow_links=False)
        except OSError:
            return None
        if len(blob) > CACHE_MAX_BYTES:
            return None
        payload = _unwrap(blob)
        if payload is None:
            return None
        try:
            with gc_paused():
                data = marshal.loads(payload)
            if not (isinstance(data, tuple) and len(data) == _FIELDS and data[0] == self.key):
                return None
            table = _Table.from_payload(data)
        except (EOFError, ValueError, TypeError):
            return None
        if table is None:
            return None
        self.loaded = True
        self._read_journal(table)
        return table

    def _read_journal(self, table: _Table) -> None:
        try:
            journal = read_bounded(self.journal, JOURNAL_MAX_BYTES * 2, follow_links=False)
        except FileNotFoundError:
            return
        except OSError:
            table.journal_clean = False
            return
        table.journal_bytes = len(journal)
        view, at = memoryview(journal), 0
        while at < len(journal):
            payload, at = _next_frame(view, at)
            if payload is None:  # damaged or torn: the rest cannot be framed
                table.journal_clean = False
                return
            try:
                applied = table.apply(marshal.loads(payload), self.key)
            except (EOFError, ValueError, TypeError):
                applied = False
            if not applied:
                table.journal_clean = False

    def analyze(self, files: Sequence[DocFile],
                stats: dict[str, os.stat_result] | None = None,
                clean: Mapping[str, str] | None = None) -> CachedResults:
        """Every document's result: cached where unchanged, analysed (in parallel) otherwise.

        A row is unchanged when git vouches for its file (`clean`: tracked, unchanged in the
        working tree, with the blob id the row analysed), else when its stamp is the recorded
        one (`stats`: `os.lstat` results already taken by `discover`, to not stat twice).
        """
        from improve.core.check.parallel import analyze_records

        stats = stats or {}
        clean = clean or {}
        old = self._old or _Table.empty()
        index, stamps, old_findings = old.index, old.stamps, old.findings
        blob_ids = old.digests.hex() if clean else ""  # one conversion, sliced per row
        base_trust, row_trust = old.written_ns - RACY_NS, old.trusted_before
        rows: list[int | _Fresh] = []
        findings: dict[str, list[Finding]] = {}
        stale: list[DocFile] = []
        fresh_at: list[int] = []
        root, lstat = self.root, os.lstat
        with gc_paused():
            for doc_file in files:
                path = doc_file.path
                i = index.get(path)
                row: int | _Fresh | None = None
                if i is not None:
                    try:
                        blob_id = clean.get(path)
                        at = 2 * DIGEST_SIZE * i
                        if blob_id is not None and blob_ids[at:at + 2 * DIGEST_SIZE] == blob_id:
                            row = i  # git's index holds the very bytes this row analysed
                        else:
                            info = stats.get(path) or lstat(f"{root}/{path}")
                            j = _W * i
                            trusted_before = (row_trust.get(i, base_trust) if row_trust
                                              else base_trust)
                            if (info.st_mtime_ns == stamps[j] and info.st_size == stamps[j + 1]
                                    and info.st_ino == stamps[j + 2]
                                    and info.st_ctime_ns == stamps[j + 3]
                                    and stamps[j] < trusted_before
                                    and stamps[j + 3] < trusted_before
                                    and stat.S_ISREG(info.st_mode)):
                                row = i
                            else:
                                row = self._touched(doc_file, old, i)
                        encoded = old_findings.get(path) if row is not None else None
                        if encoded:
                            findings[path] = decode_findings(path, encoded)
                    except (OSError, LookupError, TypeError, ValueError):
                        row = None  # gone, unreadable, or not what this version writes
                if row is None:
                    stale.append(doc_file)
                    row = _NOT_YET
                if not isinstance(row, int):
                    fresh_at.append(len(rows))
                rows.append(row)
        records = iter(analyze_records(stale, self.ctx))
        same = self._old is not None and len(old.paths) == len(files)
        for at in fresh_at:
            if rows[at] is not _NOT_YET:
                continue
            record = next(records)
            encoded, blob = record.data
            cacheable = record.stamp is not None and record.digest is not None
            rows[at] = _Fresh(record.stamp or (0, 0, 0, 0), record.digest or b"", encoded, blob,
                              valid=record.valid)
            if same:
                i = index.get(record.path)
                same = cacheable and i is not None and _same_summary(old.blob(i), blob)
            if encoded:
                findings[record.path] = decode_findings(record.path, encoded)
            else:
                findings.pop(record.path, None)
        self._paths = [doc_file.path for doc_file in files]
        self._rows, self._fresh_at = rows, fresh_at
        self._summaries_same = same
        if fresh_at or len(old.paths) != len(files):
            self._dirty = True
        return CachedResults(self._paths, dict(sorted(findings.items())), self._blob, self._at_of)

    def _blob(self, at: int) -> bytes | None:
        row = self._rows[at]
        if isinstance(row, _Fresh):
            return row.blob
        assert self._old is not None
        return self._old.blob(row)

    def _touched(self, doc_file: DocFile, old: _Table, i: int) -> _Fresh | None:
        """The old entry under a fresh stamp when the file's bytes are still the ones it describes
        (a checkout, a touch); None when they changed."""
        from improve.core.check.parallel import read_stamped

        got = read_stamped(f"{self.root}/{doc_file.path}", self.ctx.config.max_file_size)
        if got is None or content_id(got[1]) != old.digest(i):
            return None
        return _Fresh(got[0], old.digest(i), old.findings.get(doc_file.path, ()), old.blob(i),
                      touched=True, valid=old.valid(i))

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
        known = self._positions_of(doc_file.path)
        if key in known:
            line, column = known[key]
            return line, column
        from improve.core.check.parallel import read_stamped
        from improve.core.read.repository import read_document

        got = read_stamped(f"{self.root}/{doc_file.path}", self.ctx.config.max_file_size)
        raw = got[1] if got is not None else None
        doc = read_document(self.ctx.config, doc_file, raw=raw)
        line, column = locate(doc.parsed, issue)
        if raw is not None and content_id(raw) == self._digest_of(doc_file.path):
            known[key] = (line, column)
            self._new_positions.add(doc_file.path)
            self._dirty = True
        return line, column

    def _at_of(self, path: str) -> int | None:
        """A path's place among this run's files."""
        if self._at is None:
            self._at = dict(zip(self._paths, range(len(self._paths)), strict=True))
        return self._at.get(path)

    def _row_of(self, path: str) -> int | _Fresh | None:
        at = self._at_of(path)
        return None if at is None else self._rows[at]

    def _digest_of(self, path: str) -> bytes | None:
        row = self._row_of(path)
        if isinstance(row, _Fresh):
            return row.digest or None
        return None if row is None or self._old is None else self._old.digest(row)

    def _positions_of(self, path: str) -> dict[Any, tuple[int, int]]:
        """The positions known for the bytes this run saw: an unchanged or touched entry keeps
        the old ones; new ones are recorded here."""
        known = self._positions.get(path)
        if known is None:
            row = self._row_of(path)
            old = self._old.positions.get(path) if self._old is not None else None
            unchanged = isinstance(row, int) or (isinstance(row, _Fresh) and row.touched)
            known = dict(old) if unchanged and isinstance(old, dict) else {}
            self._positions[path] = known
        return known

    # writing

    def save(self) -> bool:
        """Write what changed: a journal record when the files are the same and the journal is
        short, else a new base. False when it could not be written (ignored)."""
        if not self._dirty:
            return True
        from improve.core.fsutil import atomic_write

        old = self._old
        try:
            if (old is not None and old.journal_clean and old.records < JOURNAL_MAX_RECORDS
                    and old.journal_bytes < JOURNAL_MAX_BYTES and self._same_files(old)):
                self._append(old)
            else:
                payload = marshal.dumps(self._base())
                if not self.folder.is_dir():
                    self.folder.mkdir(parents=True, exist_ok=True)
                    atomic_write(self.folder / ".gitignore", GITIGNORE)
                atomic_write(self.file, _wrap(payload), durable=False)
                with contextlib.suppress(FileNotFoundError):
                    self.journal.unlink()  # records name the old base: they would be skipped
        except (OSError, ValueError):
            return False
        self._dirty = False
        return True

    def _same_files(self, old: _Table) -> bool:
        """The same cacheable files as the base, in the same order."""
        return all(self._rows[at].digest for at in self._fresh_at  # type: ignore[union-attr]
                   ) and tuple(self._paths) == old.paths

    def _append(self, old: _Table) -> None:
        rows = []
        for at in self._fresh_at:
            row = self._rows[at]
            assert isinstance(row, _Fresh)
            rows.append((at, row.stamp, row.digest, row.findings, row.blob, row.valid))
        positions = {path: self._positions[path] for path in sorted(self._new_positions)}
        record = (self.key, old.base_id, old.records, self.started_ns, tuple(rows), positions,
                  self._repo)
        frame = _wrap(marshal.dumps(record), JOURNAL_MAGIC)
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, frame)  # one write of one frame: concurrent appends do not interleave
        finally:
            os.close(fd)

    def _base(self) -> tuple[Any, ...]:
        table = self._gathered()
        for path in self._new_positions:
            if path in table.index and self._positions[path]:
                table.positions[path] = self._positions[path]
        return (self.key, os.urandom(8), self.started_ns, table.paths, table.stamps.tobytes(),
                bytes(table.digests), bytes(table.valids), table.sizes.tobytes(), table.summaries,
                table.findings, table.positions, self._repo)

    def _gathered(self) -> _Table:
        """This run's rows as new columns, row by row (uncacheable rows left out). A new base is
        rare (a cold run, files that came or went, a full journal), so this is the one way."""
        old = self._old
        paths: list[str] = []
        stamps, sizes = array(_STAMP_TYPE), array(_SIZE_TYPE)
        digests, valids, blobs = bytearray(), bytearray(), []
        findings: dict[str, Any] = {}
        positions: dict[str, Any] = {}
        for path, row in zip(self._paths, self._rows, strict=True):
            if isinstance(row, _Fresh):
                if not row.digest:
                    continue
                stamps.extend(row.stamp)
                row_digest, encoded, blob, valid = row.digest, row.findings, row.blob, row.valid
                if row.touched and old is not None and path in old.positions:
                    positions[path] = old.positions[path]
            else:
                assert old is not None
                stamps.extend(old.stamps[_W * row:_W * row + _W])
                row_digest, encoded, blob = old.digest(row), old.findings.get(path, ()), old.blob(row)
                valid = old.valid(row)
                if path in old.positions:
                    positions[path] = old.positions[path]
            paths.append(path)
            digests += row_digest
            valids += valid or _NO_KEY
            sizes.append(len(blob or b""))
            blobs.append(blob or b"")
            if encoded:
                findings[path] = encoded
        return _Table(tuple(paths), stamps, digests, valids, sizes, b"".join(blobs), findings,
                      positions)


_NOT_YET = _Fresh((0, 0, 0, 0), b"", (), None)  # a row waiting for its analysis


def locate_plain(issue: Issue) -> tuple[int, int]:
    """The position of an issue that needs no file: its own line, or the top of the file."""
    if issue.line is not None:
        return issue.line, issue.column
    return 1, 1


def _same_summary(old: bytes | None, blob: bytes | None) -> bool:
    """Whether a re-analysed file's summary equals its cached one (by value: marshal's bytes
    for equal values can differ)."""
    if old is None or blob is None:
        return old is blob
    try:
        return bool(marshal.loads(old) == marshal.loads(blob))
    except (EOFError, ValueError, TypeError):
        return False


def _wrap(payload: bytes, magic: bytes = MAGIC) -> bytes:
    return magic + struct.pack(_HEADER, len(payload), zlib.crc32(payload)) + payload


def _next_frame(view: memoryview, at: int) -> tuple[memoryview | None, int]:
    """The payload of the journal frame at `at` and where the next one starts (None: damaged)."""
    head = len(JOURNAL_MAGIC) + struct.calcsize(_HEADER)
    if view[at:at + len(JOURNAL_MAGIC)] != JOURNAL_MAGIC or len(view) - at < head:
        return None, len(view)
    length, checksum = struct.unpack_from(_HEADER, view, at + len(JOURNAL_MAGIC))
    payload = view[at + head:at + head + length]
    if len(payload) != length or zlib.crc32(payload) != checksum:
        return None, len(view)
    return payload, at + head + length


def _unwrap(blob: bytes) -> memoryview | None:
    """The payload when the blob is a whole cache written by improve, else None (a truncated,
    corrupt or foreign file). A checksum, not a signature: it catches damage, and whoever can
    write this folder can write the repository anyway."""
    head = len(MAGIC) + struct.calcsize(_HEADER)
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    length, checksum = struct.unpack_from(_HEADER, blob, len(MAGIC))
    payload = memoryview(blob)[head:]  # not copied: a megabyte copy costs a millisecond here
    if len(payload) != length or zlib.crc32(payload) != checksum:
        return None
    return payload
