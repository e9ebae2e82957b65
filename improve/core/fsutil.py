"""Writing files without ever leaving half of one, and keeping paths inside the repository."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from improve.core.errors import UnsafePathError, WriteRefused

# (mtime_ns, size, inode, ctime_ns), as the lint cache records it: the change time too, as git
# does, since a rewrite can keep the size and set the mtime back (`touch -r`, `os.utime`).
Stamp = tuple[int, int, int, int]


def atomic_write(path: Path, data: bytes, *, mode: int | None = None, exclusive: bool = False,
                 durable: bool = True) -> None:
    """Write `data` to `path` via a temporary file in the same folder, flushed, then renamed.

    An interrupted run leaves the old file or the new one, never a mix. The file mode of an
    existing file is kept (unless `mode` is given). With `exclusive`, an existing file is never
    replaced: the rename becomes a hard link that fails if the name is taken (see `improve new`).
    `durable=False` skips the fsyncs, for data that can be rebuilt and checks itself on reading
    (the lint cache): after a power cut it may be lost, but another run never sees half of it.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteRefused(exc.errno, f"cannot create the folder {folder} ({exc.strerror}); "
                                      "nothing was changed") from None
    if mode is None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        else:  # a rename would replace a file its owner made read-only: respect the mode
            if not exclusive and not os.access(path, os.W_OK):
                raise WriteRefused(errno.EACCES, f"{path} is read-only; nothing was changed "
                                                 "(make it writable to let improve edit it)")
    clean_stale_temps(folder)
    # The writer's pid is in the name, so a later run can tell a killed writer's leftover.
    import tempfile  # writers only: a read-only run does not pay for the import

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}.", suffix=".tmp",
                                        dir=folder)
    except OSError as exc:
        raise WriteRefused(exc.errno, f"cannot write in {folder} ({exc.strerror}); nothing was "
                                      "changed") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            os.link(tmp, path)  # raises FileExistsError instead of replacing
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if durable:
        _fsync_dir(folder)


# Temporary names are improve's own: a fixed prefix, the writer's pid and mkstemp's eight random
# characters. Clean-up removes only names of exactly that shape (a user's `.notes.12.bak.tmp`
# once matched a looser pattern and was deleted: issue 11).
TEMP_PREFIX = ".improve-tmp."
_TEMP_RE = re.compile(r"^\.improve-tmp\.(?P<pid>[1-9][0-9]{0,9})\.[a-z0-9_]{8}\.tmp$")
STALE_AFTER_SECONDS = 10


def clean_stale_temps(folder: Path) -> list[Path]:
    """Remove temporary files that a killed writer left in `folder` (a hard kill cannot clean up).

    A temporary file is stale when the process named in it is gone and it is older than a few
    seconds (a margin for writers in another pid namespace). Discovery ignores such files anyway:
    they do not match `<number>-<slug>.md`.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if not match or int(match["pid"]) == os.getpid() or _alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            if now - entry.stat(follow_symlinks=False).st_mtime >= STALE_AFTER_SECONDS:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_bounded(path: str | Path, limit: int, *, follow_links: bool = True) -> bytes:
    """At most `limit + 1` bytes of a regular file, so a huge file costs nothing to refuse.

    The one way improve reads a file it did not write. Only a regular file: a named pipe (a
    folder walk can find one) would wait forever for a writer and a device never ends, so the
    file is opened without blocking and anything else raises `OSError(EINVAL)`. With
    `follow_links=False` a symbolic link raises `OSError(ELOOP)` instead of being followed.
    """
    return read_stamped(path, limit, follow_links=follow_links)[1]


def read_stamped(path: str | Path, limit: int, *,
                 follow_links: bool = False) -> tuple[Stamp, bytes]:
    """`read_bounded`, with the stamp taken from the same descriptor before reading.

    The stamp the cache records is then never newer than the bytes it describes.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe, socket, device or folder)")
        # What `read(limit + 1)` returns, without making room for `limit` bytes each time
        # (a megabyte per file of a few kilobytes): the size first, then any growth.
        want = min(info.st_size, limit) + 1
        raw = handle.read(want)
        if len(raw) == want and want <= limit:
            raw += handle.read(limit + 1 - want)
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns), raw


def inside(root: Path, candidate: Path) -> bool:
    """True when `candidate`, with every symbolic link resolved, is `root` or below it.

    The one home of this check. A link loop, or a path that cannot be resolved, is not inside.
    """
    try:
        candidate.resolve().relative_to(root.resolve())
    except (ValueError, RuntimeError, OSError):  # RuntimeError: a symbolic link loop
        return False
    return True


def safe_join(root: Path, *parts: str) -> Path:
    """`root / parts`, refusing any result that resolves outside `root`."""
    path = root.joinpath(*parts)
    if not inside(root, path):
        raise UnsafePathError(f"{'/'.join(parts)} would leave {root}; paths must stay inside it")
    return path


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself (no lock file to commit by mistake)."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def repository_lock(root: Path) -> contextlib.AbstractContextManager[None]:
    """The lock every in-place writer of documents takes (`improve actions done|set`,
    `improve renumber`): held while it reads what it will change and until it has written, so
    two of them take turns instead of one losing the other's edit (issue 11)."""
    return folder_lock(root)


def replace_if_unchanged(path: Path, expected: bytes, data: bytes) -> None:
    """`atomic_write(path, data)`, unless the file no longer holds `expected` (the bytes the
    caller read and edited): then nothing is written and `WriteRefused` says so.

    A program that does not take `repository_lock` (an editor, a script appending a line) can
    still change the file; checking just before the rename narrows that to the rename itself.
    """
    try:
        current: bytes | None = read_bounded(path, len(expected), follow_links=False)
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise WriteRefused(exc.errno, f"cannot read {path} again ({exc.strerror}); nothing was "
                                      "written to it") from None
    if current != expected:
        raise WriteRefused(errno.EAGAIN, f"{path} changed while improve was editing it (another "
                                         "program wrote to it); nothing was written to it, run "
                                         "the command again")
    atomic_write(path, data)


@contextlib.contextmanager
def file_lock(lock_path: Path) -> Iterator[None]:
    """An exclusive advisory lock, so concurrent `improve` runs take turns on a shared step."""
    import fcntl

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
