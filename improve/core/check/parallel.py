"""Analysing many files: in this process for a few, across cores for many (cold runs).

The unit of work is `analyze_one`: stat a file and read it through one descriptor (so the stamp
the cache records is never newer than the bytes it analysed), hash the bytes, and analyse them.
It returns a `Record` in the compact form (`compact`), which is also what crosses the process
boundary.

A pool only pays off for a cold run of a large handbook: below `PARALLEL_MIN_FILES` files, or
with one CPU, everything runs in this process. Chunks come back in order (`map`), so the
results are the same, in the same order, as the sequential path.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from improve.core import fsutil
from improve.core.check.analyze import FileResult, analyze_file
from improve.core.check.compact import Encoded, Stamp, decode_result, encode_result
from improve.core.check.rules import Context, all_rules
from improve.core.gcpause import gc_paused
from improve.core.hashing import content_id
from improve.core.read.discovery import DocFile

PARALLEL_MIN_FILES = 200
MAX_PROCESSES = 8


class Record(NamedTuple):
    """One analysed file: its stamp and content digest (None when not cacheable), its result."""

    path: str
    stamp: Stamp | None
    digest: bytes | None
    data: Encoded
    valid: bytes = b""  # its front matter's memo key when it passed the schema checks


def read_stamped(path: str | Path, limit: int) -> tuple[Stamp, bytes] | None:
    """(mtime_ns, size, inode) and at most `limit + 1` bytes of a regular file, stat first.

    None for anything the cache must not trust by its stamp: a symbolic link (its target can
    change without the link changing), a missing or unreadable file, something not a file.
    """
    try:
        return fsutil.read_stamped(path, limit, follow_links=False)
    except OSError:
        return None


def analyze_one(doc_file: DocFile, ctx: Context, *, with_digest: bool = True) -> Record:
    """Analyse one document into a cache record (bytes read once, stamp taken before reading)."""
    got = read_stamped(f"{ctx.config.root}/{doc_file.path}", ctx.config.max_file_size)
    if got is None:
        # A link, an unreadable file...: the reader reports it; never cached.
        return Record(doc_file.path, None, None, encode_result(analyze_file(doc_file, ctx)))
    stamp, raw = got
    result = analyze_file(doc_file, ctx, raw=raw)
    return Record(doc_file.path, stamp, content_id(raw) if with_digest else None,
                  encode_result(result), result.valid)


def cpu_count() -> int:
    """CPUs this process may run on (the affinity mask, as in containers and CI)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def analyze_records(
    files: Sequence[DocFile],
    ctx: Context,
    *,
    min_files: int | None = None,
    processes: int | None = None,
    with_digest: bool = True,
) -> list[Record]:
    """A record per file, in the order of `files`: across cores when there are more than
    `min_files` (default `PARALLEL_MIN_FILES`) and more than one CPU (or `processes`)."""
    threshold = PARALLEL_MIN_FILES if min_files is None else min_files
    workers = min(processes or cpu_count(), MAX_PROCESSES, len(files))
    if len(files) <= threshold or workers < 2:
        all_rules()
        with gc_paused():
            return [analyze_one(f, ctx, with_digest=with_digest) for f in files]
    # Several chunks per worker keep both busy to the end; big enough to amortise the pickling.
    size = max(8, min(200, len(files) // (workers * 6) or 1))
    chunks = [list(files[i : i + size]) for i in range(0, len(files), size)]
    records: list[Record] = []
    # An executor rather than multiprocessing.Pool: a worker that dies (killed, out of memory)
    # fails the run (BrokenProcessPool, exit 3) instead of leaving it waiting forever.
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=_context(), initializer=_init_worker,
                             initargs=(ctx, with_digest)) as pool:
        for part in pool.map(_work, chunks):
            records.extend(part)
    return records


def analyze_many(
    files: Sequence[DocFile],
    ctx: Context,
    *,
    min_files: int | None = None,
    processes: int | None = None,
) -> dict[str, FileResult]:
    """Every file's result, keyed by path in the order of `files` (no cache involved)."""
    records = analyze_records(files, ctx, min_files=min_files, processes=processes,
                              with_digest=False)
    return {r.path: decode_result(r.path, r.data) for r in records}


def _context() -> Any:
    """fork where it is safe (no other threads: it copies the loaded rules for free), else
    forkserver, else spawn."""
    import multiprocessing  # only a cold run of a large handbook pays for this import

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


_WORKER: tuple[Context, bool] | None = None


def _init_worker(ctx: Context, with_digest: bool) -> None:
    global _WORKER
    _WORKER = (ctx, with_digest)
    all_rules()


def _work(chunk: list[DocFile]) -> list[Record]:
    assert _WORKER is not None, "worker used before its initializer ran"
    ctx, with_digest = _WORKER
    with gc_paused():
        return [analyze_one(f, ctx, with_digest=with_digest) for f in chunk]
