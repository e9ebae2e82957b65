"""What, besides a file's own bytes and path, can change its findings: the lint cache's key.

Everything the cache holds is thrown away when the key changes: a different improve version or
code, schemas, config, templates folder, Python, or day (overdue and stale findings depend on it).
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

from improve import __version__
from improve.core.check.compact import SUMMARY_FIELDS
from improve.core.check.rules import Context
from improve.core.fsutil import read_bounded
from improve.core.hashing import hasher

FORMAT = 8


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
    """The contents of the templates folder (config `templates`), if any: links are hashed as
    their targets' names, only regular files are read, each and their number bounded."""
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
    return "\n".join((
        f"format={FORMAT}", f"improve={__version__}",
        f"python={sys.version_info[0]}.{sys.version_info[1]}/marshal={marshal.version}",
        f"code={code_fingerprint()}", f"schemas={validate.schema_fingerprint()}",
        f"config={ctx.config.fingerprint()}", f"templates={templates_fingerprint(ctx)}",
        f"today={ctx.today.isoformat()}", f"summary={','.join(SUMMARY_FIELDS)}",
    ))
