"""Reading a repository's history: revisions, diffs between them and files as they were.

Every call is one `git` process with `-z` output (no quoting surprises), and old file contents come
from one `git cat-file --batch` process however many files are read. This module is the one
place improve runs git (an import contract holds every other module to it).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from improve.core.errors import UnknownRevisionError, UsageProblem

# The empty tree: git knows this object in every repository. It stands for "before the first commit".
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
NULL_SHA = "0" * 40


@dataclass(frozen=True)
class Change:
    """One path changed between two trees: status A(dded), M(odified), D(eleted), R(enamed), ..."""

    status: str
    path: str
    old_path: str | None = None

    @property
    def before(self) -> str | None:
        """The path this file had in the old tree (None when it was added)."""
        if self.status == "A":
            return None
        return self.old_path or self.path

    @property
    def after(self) -> str | None:
        """The path this file has in the new tree (None when it was deleted)."""
        return None if self.status == "D" else self.path


def run_git(root: Path, *args: str, check: bool = True, stdin: bytes | None = None) -> bytes:
    """Stdout of `git -C root args...`; a failure is a UsageProblem naming the command.

    Without input, stdout is read in one go and stderr goes to a temporary file: polling two
    pipes (`communicate`) cost more than git itself for a 50,000-commit `git log` (issue 15)."""
    import tempfile

    command = ["git", "-C", str(root), *args]
    try:
        if stdin is not None:
            completed = subprocess.run(command, input=stdin, capture_output=True, check=False)
            returncode, out, err = completed.returncode, completed.stdout, completed.stderr
        else:
            with tempfile.TemporaryFile() as errors:
                proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=errors)
                assert proc.stdout is not None
                with proc.stdout:
                    out = proc.stdout.read()
                returncode = proc.wait()
                errors.seek(0)
                err = errors.read(1 << 16)
    except OSError as exc:
        raise UsageProblem(f"cannot run git ({exc.strerror}); install git or put it on PATH") from None
    if check and returncode != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()
        raise UsageProblem(f"`git {' '.join(args)}` failed: {message[-1] if message else 'no output'}")
    return out


class GitRun:
    """git running in the background (`start_git`), its output drained by a thread as it comes:
    a pipe holds 64 KiB, and a listing of 10,000 documents is ten times that, so without the
    thread git would wait for the caller to read instead of working while the caller imports
    and loads its cache."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        import threading

        self.process = process
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=self._drain, name="git", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        with stream, contextlib.suppress(OSError):  # a read error: the output is cut, git fails
            descriptor = stream.fileno()
            while chunk := os.read(descriptor, 1 << 20):
                self.chunks.append(chunk)

    def stop(self) -> None:
        """Stop git if it still runs, and reap it (a run that failed before it needed the list)."""
        if self.process.poll() is None:
            self.process.kill()
        self.output()

    def output(self) -> bytes | None:
        """All of git's output once it exits; None when it failed (not a git work tree...)."""
        self.thread.join()
        if self.process.wait() != 0:
            return None
        return b"".join(self.chunks)


def start_git(root: Path, *args: str) -> GitRun | None:
    """`git -C root args...` started, to be read later (`GitRun.output`); None without git."""
    try:
        process = subprocess.Popen(["git", "-C", str(root), *args], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    return GitRun(process)


def is_work_tree(root: Path) -> bool:
    try:
        completed = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                                   capture_output=True, check=False)
    except OSError:
        return False
    return completed.returncode == 0 and completed.stdout.strip() == b"true"


def require_work_tree(root: Path, what: str) -> None:
    if not is_work_tree(root):
        raise UsageProblem(f"{what} needs a git repository, and {root} is not inside one; "
                           "run `git init` (or `improve init --git`) first")


def resolve(root: Path, rev: str) -> str:
    """The commit (or empty tree) a revision names; UnknownRevisionError when it names nothing.

    The all-zeros id (what GitHub sends as the "before" of a first push) and the empty tree stand
    for the state before the first commit.
    """
    require_work_tree(root, f"revision {rev!r}")
    if rev in (NULL_SHA, EMPTY_TREE):
        return EMPTY_TREE
    if not rev or rev.startswith("-"):
        raise UnknownRevisionError(f"{rev!r} is not a git revision")
    completed = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
        capture_output=True, check=False,
    )
    if completed.returncode != 0:
        raise UnknownRevisionError(
            f"unknown git revision {rev!r}: no branch, tag or commit has that name here "
            "(in CI, check out the full history with `fetch-depth: 0`; "
            f"{NULL_SHA} names the state before the first commit)"
        )
    return completed.stdout.decode().strip()


def merge_base(root: Path, base: str, head: str) -> str | None:
    """The best common ancestor of two commits, None when their histories are unrelated."""
    if EMPTY_TREE in (base, head):
        return None
    completed = subprocess.run(["git", "-C", str(root), "merge-base", base, head],
                               capture_output=True, check=False)
    if completed.returncode != 0:
        return None
    return completed.stdout.decode().strip() or None


def head_commit(root: Path) -> str | None:
    """The commit HEAD points at, None on an unborn branch (no commit yet)."""
    completed = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
                               capture_output=True, check=False)
    if completed.returncode != 0:
        return None
    return completed.stdout.decode().strip()


def comparison_base(root: Path, base: str, head: str | None) -> str:
    """Where a change starts: the merge base of `base` and the head when there is one, else `base`.

    A branch that is behind main must not be charged with main's newer work, so the diff starts
    at the point where the branch left; unrelated histories are compared tree to tree.
    """
    head_rev = head or head_commit(root)
    if head_rev is None:
        return base
    return merge_base(root, base, head_rev) or base


def diff(root: Path, base: str, head: str | None, paths: Sequence[str] = ()) -> list[Change]:
    """Files changed from `base` to `head` (None: the work tree, untracked files included)."""
    args = ["diff", "--no-color", "--no-ext-diff", "--name-status", "-z", "-M", base]
    if head is not None:
        args.append(head)
    args.append("--")
    args.extend(paths)
    fields = run_git(root, *args).decode("utf-8", "surrogateescape").split("\0")
    changes: list[Change] = []
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index][0]
        if status in "RC":
            old, new = fields[index + 1], fields[index + 2]
            changes.append(Change("R" if status == "R" else "A", new, old if status == "R" else None))
            index += 3
        else:
            changes.append(Change(status if status in "ADM" else "M", fields[index + 1]))
            index += 2
    if head is None:
        changes.extend(Change("A", name) for name in untracked(root, paths))
    return sorted(set(changes), key=lambda c: (c.path, c.status))


def untracked(root: Path, paths: Sequence[str] = ()) -> list[str]:
    out = run_git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *paths)
    return sorted(name for name in out.decode("utf-8", "surrogateescape").split("\0") if name)


def tree_files(root: Path, rev: str, paths: Sequence[str] = ()) -> list[str]:
    """Every file path in a revision's tree (below `paths`)."""
    if rev == EMPTY_TREE:
        return []
    out = run_git(root, "ls-tree", "-r", "-z", "--name-only", rev, "--", *paths)
    return sorted(name for name in out.decode("utf-8", "surrogateescape").split("\0") if name)


def read_blobs(root: Path, rev: str, paths: Iterable[str]) -> dict[str, bytes]:
    """The contents of `paths` as of `rev`: their blob ids from one NUL-separated `ls-tree`,
    then the blobs from one `cat-file --batch` that is asked by object id only.

    A path never goes into `cat-file --batch`'s line-based input: one holding a line break
    misaligned every answer after it (issue 11). Paths not in that revision are left out.
    """
    wanted = set(paths)
    if not wanted or rev == EMPTY_TREE:
        return {}
    out = run_git(root, "ls-tree", "-r", "-z", "--full-tree", rev)
    ids: dict[str, str] = {}
    for record in out.split(b"\0"):
        meta, tab, name = record.partition(b"\t")
        fields = meta.split()
        path = name.decode("utf-8", "surrogateescape")
        if tab and len(fields) == 3 and fields[1] == b"blob" and path in wanted:
            ids[path] = fields[2].decode("ascii")
    blobs = read_objects(root, sorted(set(ids.values())))
    return {path: blobs[sha] for path, sha in ids.items() if sha in blobs}


def read_objects(root: Path, shas: Sequence[str]) -> dict[str, bytes]:
    """Blobs by object id, through one `git cat-file --batch` process (the one reader of it).

    Ids only: its input is one object name per line. Missing objects and other types are left
    out; a git that cannot run gives nothing (callers treat history as unavailable).
    """
    request = [sha for sha in shas if sha.isascii() and sha.isalnum()]
    if not request:
        return {}
    try:
        done = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"],
                              input="".join(f"{sha}\n" for sha in request).encode("ascii"),
                              capture_output=True, check=False)
    except OSError:
        return {}
    data = done.stdout
    blobs: dict[str, bytes] = {}
    position = 0
    while position < len(data):
        end = data.find(b"\n", position)
        if end < 0:
            break
        header = data[position:end].split(b" ")
        position = end + 1
        if len(header) != 3:
            continue  # `<sha> missing`
        size = int(header[2])
        if header[1] == b"blob":
            blobs[header[0].decode("ascii")] = data[position:position + size]
        position += size + 1
    return blobs


def is_tracked(root: Path, path: str) -> bool:
    completed = subprocess.run(["git", "-C", str(root), "ls-files", "--error-unmatch", "--", path],
                               capture_output=True, check=False)
    return completed.returncode == 0


def added_dates(folder: Path) -> dict[Path, str]:
    """When each file under `folder` was first committed (`YYYY-MM-DD`), in one `git log`; empty
    outside a git repository. `improve import` falls back on it for documents without a date."""
    if not is_work_tree(folder):
        return {}
    top = Path(run_git(folder, "rev-parse", "--show-toplevel").decode("utf-8", "surrogateescape")
               .strip())
    out = run_git(folder, "log", "--diff-filter=A", "--format=%x00%as", "--name-only", "-z",
                  "--", ".", check=False).decode("utf-8", "surrogateescape")
    found: dict[Path, str] = {}
    day = ""
    for field in out.split("\0"):
        field = field.strip("\n")
        if len(field) == 10 and field[4] == "-" and field[7] == "-":
            day = field
        elif field and day:
            found[(top / field).resolve()] = day  # newest first: the last seen is the first add
    return found


def git_identity(root: Path, key: str = "user.name") -> str | None:
    """git's `user.name` (or `user.email`) for this repository; None when unset or git is
    missing. The one reader of who is running improve (`improve new`, `--owner me`): a name
    saved in another encoding is read with replacements, never fatal."""
    try:
        out = subprocess.run(["git", "-C", str(root), "config", key], capture_output=True,
                             encoding="utf-8", errors="replace", check=False)
    except OSError:
        return None
    return out.stdout.strip() or None
