"""No lost data (issue 7): a writer killed with SIGKILL at any point leaves the old file or the new
one, byte for byte, with its mode; the temporary file a hard kill leaves behind is removed by the
next write into that folder, and discovery never mistakes it for a document."""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from improve.core import fsutil
from improve.core.fsutil import STALE_AFTER_SECONDS, atomic_write, clean_stale_temps

RUNS = 200
OLD = b"---\nid: RCA-0001\ntitle: old\n---\n" + b"old line\n" * 8_000
NEW = b"---\nid: RCA-0001\ntitle: new\n---\n" + b"new line\r\n" * 9_000


def _count_events(path: Path) -> int:
    """How many lines of fsutil one `atomic_write` of NEW over OLD runs (the kill points)."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line" and frame.f_code.co_filename == fsutil.__file__:
            count += 1
        return tracer

    # Put the previous tracer back (coverage's, under `make test`): clearing it would switch
    # coverage off for every later test on this worker and make the gate depend on test order.
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        atomic_write(path, NEW)
    finally:
        sys.settrace(previous)
    return count


def _write_and_die_at(path: Path, kill_at: int) -> int:
    """Fork a child that runs `atomic_write(path, NEW)` and SIGKILLs itself on reaching the
    `kill_at`-th line of fsutil it runs (before that line runs).

    Returns the child's wait status.
    """
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            seen = 0

            def tracer(frame: FrameType, event: str, arg: Any) -> Any:
                nonlocal seen
                if event == "line" and frame.f_code.co_filename == fsutil.__file__:
                    seen += 1
                    if seen >= kill_at:
                        os.kill(os.getpid(), signal.SIGKILL)
                return tracer

            sys.settrace(tracer)
            atomic_write(path, NEW)
            sys.settrace(None)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def _temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def _age(paths: list[Path]) -> None:
    """Make leftovers look as old as a crash from a while ago (instead of waiting for it)."""
    past = time.time() - STALE_AFTER_SECONDS - 1
    for path in paths:
        os.utime(path, (past, past))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_at_random_points_never_loses_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "rca"
    folder.mkdir()
    target = folder / "0001-outage.md"
    atomic_write(target, OLD)
    events = _count_events(target)
    assert events > 10
    rng = random.Random(7)  # seeded: the same kill points on every run
    outcomes = {"old": 0, "new": 0, "leftover": 0, "killed": 0}
    for _ in range(RUNS):
        atomic_write(target, OLD)  # the previous run's write cleans what a kill left
        assert _temps(folder) == [], "the next write removed the stale temporary file"
        target.chmod(0o640)
        status = _write_and_die_at(target, rng.randint(1, events + 5))
        if os.WIFSIGNALED(status):
            assert os.WTERMSIG(status) == signal.SIGKILL
            outcomes["killed"] += 1
        else:
            assert os.WEXITSTATUS(status) == 0
        data = target.read_bytes()
        assert data in (OLD, NEW), "the file is byte for byte the old or the new one"
        outcomes["old" if data == OLD else "new"] += 1
        assert target.stat().st_mode & 0o777 == 0o640, "the file mode is kept"
        leftovers = _temps(folder)
        if leftovers:
            outcomes["leftover"] += 1
            assert os.WIFSIGNALED(status)
            _age(leftovers)
    # The kill points covered before, during and after the rename, and left temp files behind.
    assert outcomes["old"] > 10
    assert outcomes["new"] > 10
    assert outcomes["leftover"] > 10
    assert outcomes["killed"] > RUNS // 2


def test_a_live_or_recent_writers_temp_file_is_kept(tmp_path: Path) -> None:
    live = tmp_path / f".improve-tmp.{os.getppid()}.abcdefgh.tmp"
    recent = tmp_path / ".improve-tmp.999999999.abcdefgh.tmp"
    stale = tmp_path / ".improve-tmp.999999999.ijklmnop.tmp"
    other = tmp_path / ".notes.tmp"
    for path in (live, recent, stale, other):
        path.write_bytes(b"half")
    _age([live, stale, other])
    assert clean_stale_temps(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (live, recent, other))


def test_only_names_improve_makes_are_cleaned_up(tmp_path: Path) -> None:
    # Issue 11: a user's files whose names merely looked like improve's temporary files (a dot,
    # a name, a number, a word, `.tmp`) were deleted. These are all a user's own.
    names = [".notes.12345.backup.tmp", ".0001-x.md.999999999.abcdefgh.tmp",
             ".improve-tmp.999999999.abcdefgh.tmp.bak", ".improve-tmp.999999999.abc.tmp",
             ".improve-tmp.0.abcdefgh.tmp", ".improve-tmp.999999999.ABCDEFGH.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(b"mine")
    folder = tmp_path / ".improve-tmp.999999999.folder00.tmp"
    folder.mkdir()
    _age([tmp_path / name for name in names] + [folder])
    assert clean_stale_temps(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, folder.name])


def test_leftover_temp_files_are_not_documents(tmp_path: Path) -> None:
    import datetime as dt

    from improve.core.check.lint import lint
    from improve.core.read.config import load_config
    from improve.core.read.discovery import discover

    (tmp_path / "pyproject.toml").write_text("[tool.improve]\n", encoding="utf-8")
    folder = tmp_path / "rca"
    folder.mkdir()
    (folder / ".improve-tmp.12345.abcdefgh.tmp").write_bytes(OLD[:100])
    config = load_config(tmp_path)
    assert discover(config) == []
    assert lint(config, dt.date(2026, 3, 2), use_cache=False).findings == []
